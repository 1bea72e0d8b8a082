package main

import (
	"fmt"
	"strings"

	"github.com/storywatch/storywatch/daemon"
)

// cmdAliases shows what each actor (or the ones named) will match: per
// alias its spelling key, whether it has name variants, and examples of
// spellings and inflections that the compiled matcher finds.
func cmdAliases(a *app, args []string) error {
	fs := a.flags("aliases")
	asJSON := fs.Bool("json", false, "print one JSON object per actor")
	fs.Usage = func() {
		fmt.Fprintln(fs.Output(), "usage: storywatch aliases [-json] [ACTOR…]")
		fs.PrintDefaults()
	}
	ids, err := a.parse(fs, args)
	if err != nil {
		return err
	}
	cfg, err := a.loadConfig()
	if err != nil {
		return err
	}
	actors, missing, err := daemon.Watchlist(cfg).DescribeActors(ids)
	if err != nil {
		return fmt.Errorf("aliases: %w", err)
	}
	for _, actor := range actors {
		if err := actor.Write(a.stdout, *asJSON); err != nil {
			return err
		}
	}
	if len(missing) > 0 {
		return usagef("aliases: no actor %s in %s", strings.Join(missing, ", "), a.resolveConfigPath())
	}
	return nil
}
