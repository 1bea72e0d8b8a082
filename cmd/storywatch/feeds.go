package main

import "errors"

func cmdFeeds(a *app, args []string) error {
	return errors.New("feeds: not built yet")
}
