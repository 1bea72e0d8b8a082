package main

import "errors"

func cmdRun(a *app, args []string) error {
	return errors.New("run: not built yet")
}
