package main

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/storywatch/storywatch/daemon"
	"github.com/storywatch/storywatch/match"
)

// aliasesOutput is one line of `aliases -json`: one actor.
type aliasesOutput struct {
	ID      string                `json:"id"`
	Name    string                `json:"name"`
	Aliases []match.AliasVariants `json:"aliases"`
}

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
	w := daemon.Watchlist(cfg)
	want := map[string]bool{}
	for _, id := range ids {
		want[id] = true
	}
	found := 0
	for _, actor := range w.Actors {
		if len(want) > 0 && !want[actor.ID] {
			continue
		}
		found++
		avs, err := match.DescribeActor(actor)
		if err != nil {
			return fmt.Errorf("aliases: %w", err)
		}
		if *asJSON {
			line, err := json.Marshal(aliasesOutput{ID: actor.ID, Name: actor.Name, Aliases: avs})
			if err != nil {
				return err
			}
			fmt.Fprintf(a.stdout, "%s\n", line)
			continue
		}
		fmt.Fprint(a.stdout, aliasesText(actor, avs))
	}
	if len(want) > 0 && found < len(want) {
		return usagef("aliases: no actor %s in %s", strings.Join(missingIDs(ids, w), ", "), a.resolveConfigPath())
	}
	return nil
}

// maxRegionNames is how many names of a region aliases shows in full.
const maxRegionNames = 12

func aliasesText(actor match.Actor, avs []match.AliasVariants) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s (%s)\n", actor.ID, actor.Name)
	shown := 0
	var rest []string
	for _, av := range avs {
		if av.Region {
			if shown >= maxRegionNames || av.Exact {
				rest = append(rest, av.Alias)
				continue
			}
			shown++
		}
		switch {
		case av.Exact:
			fmt.Fprintf(&b, "  %s: as written (%s)\n", av.Alias, av.Reason)
		default:
			fmt.Fprintf(&b, "  %s: spelling variants and %d inflected endings (key %s)\n", av.Alias, av.Endings, av.Key)
			if len(av.Spellings) > 0 {
				fmt.Fprintf(&b, "    spellings:   %s\n", strings.Join(av.Spellings, ", "))
			}
			if len(av.Inflections) > 0 {
				fmt.Fprintf(&b, "    inflections: %s\n", strings.Join(av.Inflections, ", "))
			}
		}
	}
	if len(rest) > 0 {
		fmt.Fprintf(&b, "  and %d more names of region %s (CLDR): %s\n", len(rest), actor.Region, strings.Join(rest, ", "))
	}
	return b.String()
}

func missingIDs(ids []string, w match.Watchlist) []string {
	known := map[string]bool{}
	for _, a := range w.Actors {
		known[a.ID] = true
	}
	var out []string
	for _, id := range ids {
		if !known[id] {
			out = append(out, id)
		}
	}
	return out
}
