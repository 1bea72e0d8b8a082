package main

import "errors"

func cmdBacktest(a *app, args []string) error {
	return errors.New("backtest: not built yet")
}
