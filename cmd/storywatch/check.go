package main

import "errors"

func cmdCheck(a *app, args []string) error {
	return errors.New("check: not built yet")
}
