package main

import (
	"errors"
	"fmt"
	"time"

	"github.com/storywatch/storywatch/config"
	"github.com/storywatch/storywatch/daemon"
	"github.com/storywatch/storywatch/match"
)

// cmdCheck validates the config: every problem is printed one a line as
// FILE:LINE:COL: PATH: MESSAGE and the exit status is 2; a valid config
// gets a one-line summary. The watchlist is compiled and the senders are
// built too, so that check accepts exactly what run would.
func cmdCheck(a *app, args []string) error {
	fs := a.flags("check")
	fs.Usage = func() {
		fmt.Fprintln(fs.Output(), "usage: storywatch check [-config FILE]")
		fs.PrintDefaults()
	}
	rest, err := a.parse(fs, args)
	if err != nil {
		return err
	}
	if len(rest) > 0 {
		return usagef("check takes no arguments, got %q", rest)
	}
	c, err := a.loadConfig()
	var invalid *invalidConfigError
	if errors.As(err, &invalid) {
		return &silentError{exitUsage} // the problems are printed
	}
	if err != nil {
		return err
	}
	for _, w := range c.Warnings {
		fmt.Fprintf(a.stderr, "%s:%d:%d: %s: warning: %s\n", w.File, w.Line, w.Col, w.Path, w.Msg)
	}
	compiles := a.compiles(c)
	if !a.buildsSenders(c) || !compiles {
		return &silentError{exitUsage}
	}
	a.warnCollisions(c)
	fmt.Fprintln(a.stdout, summary(a.resolveConfigPath(), c))
	return nil
}

// compiles compiles the watchlist as run would, printing every problem.
// config.Load already rejects what the matcher would, with positions; this
// is the safety net for anything the two disagree on.
func (a *app) compiles(c *config.Config) bool {
	_, err := match.Compile(daemon.Watchlist(c))
	if err == nil {
		return true
	}
	for _, e := range unjoin(err) {
		fmt.Fprintf(a.stderr, "%s: watchlist: %v\n", a.resolveConfigPath(), e)
	}
	return false
}

// warnCollisions prints a warning for every actor whose name variants
// match another actor's alias: text naming one would be a hit for both.
// They are warnings, not errors: namesakes exist, and variants: exact on
// the alias settles it.
func (a *app) warnCollisions(c *config.Config) {
	cs, err := match.Collisions(daemon.Watchlist(c))
	if err != nil {
		return // compiles has printed it
	}
	for _, col := range cs {
		fmt.Fprintf(a.stderr, "%s: warning: actor %s: alias %q also matches actor %s's alias %q (%s); write variants: exact on one of them if they are different people\n",
			a.resolveConfigPath(), col.Actor, col.Alias, col.Other, col.Written, col.Variant)
	}
}

// buildsSenders builds each notifier's sender as run would (a chat URL
// must name a service shoutrrr knows), printing every failure as
// FILE: notifiers[i].KIND.FIELD: MESSAGE. Sender errors name the notifier
// and never carry its secrets.
func (a *app) buildsSenders(c *config.Config) bool {
	ok := true
	for i, n := range c.Notifiers {
		if _, err := daemon.Sender(n, time.Now, version, nil); err != nil {
			field := n.Kind()
			switch {
			case n.Webhook != nil:
				field += ".url"
			case n.Chat != nil:
				field += ".url"
			}
			fmt.Fprintf(a.stderr, "%s: notifiers[%d].%s: %v\n", a.resolveConfigPath(), i, field, err)
			ok = false
		}
	}
	return ok
}

// summary is check's one line about a valid config.
func summary(path string, c *config.Config) string {
	tracked := 0
	for _, a := range c.Actors {
		if a.Track {
			tracked++
		}
	}
	return fmt.Sprintf("%s: ok: %s, %s (%d tracked), %s, %s, %s",
		path,
		plural(len(c.Feeds), "feed"),
		plural(len(c.Actors), "actor"), tracked,
		plural(len(c.Storylines), "storyline"),
		plural(len(c.Digests), "digest"),
		plural(len(c.Notifiers), "notifier"))
}

func plural(n int, noun string) string {
	if n == 1 {
		return fmt.Sprintf("1 %s", noun)
	}
	return fmt.Sprintf("%d %ss", n, noun)
}

// unjoin splits an errors.Join error into its parts.
func unjoin(err error) []error {
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		return j.Unwrap()
	}
	return []error{err}
}
