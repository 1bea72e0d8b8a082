package main

import "errors"

func cmdHealth(a *app, args []string) error {
	return errors.New("health: not built yet")
}
