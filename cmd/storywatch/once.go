package main

import "errors"

func cmdOnce(a *app, args []string) error {
	return errors.New("once: not built yet")
}
