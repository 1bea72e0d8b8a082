package main

import "errors"

func cmdMatch(a *app, args []string) error {
	return errors.New("match: not built yet")
}
