package main

import "errors"

func cmdDigest(a *app, args []string) error {
	return errors.New("digest: not built yet")
}
