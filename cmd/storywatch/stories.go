package main

import "errors"

func cmdStories(a *app, args []string) error {
	return errors.New("stories: not built yet")
}
