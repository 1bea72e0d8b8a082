package main

import "errors"

func cmdDemo(a *app, args []string) error {
	return errors.New("demo: not built yet")
}
