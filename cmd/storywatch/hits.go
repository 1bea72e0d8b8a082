package main

import "errors"

func cmdHits(a *app, args []string) error {
	return errors.New("hits: not built yet")
}
