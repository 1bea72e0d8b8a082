package match

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
)

// ActorAliases is what one actor's aliases match: one line of
// `storywatch aliases -json`.
type ActorAliases struct {
	ID      string          `json:"id"`
	Name    string          `json:"name"`
	Aliases []AliasVariants `json:"aliases"`
	// region is the actor's region, named when its names are cut short.
	region string
}

// DescribeActors returns what the aliases of the actors with the given
// ids match (of every actor when ids is empty), in the watchlist's order,
// and the ids that name no actor.
func (w Watchlist) DescribeActors(ids []string) (out []ActorAliases, missing []string, err error) {
	want := map[string]bool{}
	for _, id := range ids {
		want[id] = true
	}
	known := map[string]bool{}
	for _, actor := range w.Actors {
		known[actor.ID] = true
		if len(want) > 0 && !want[actor.ID] {
			continue
		}
		avs, err := DescribeActor(actor)
		if err != nil {
			return nil, nil, err
		}
		out = append(out, ActorAliases{ID: actor.ID, Name: actor.Name, Aliases: avs, region: actor.Region})
	}
	for _, id := range ids {
		if !known[id] {
			missing = append(missing, id)
		}
	}
	return out, missing, nil
}

// maxRegionNames is how many names of a region WriteText shows in full.
const maxRegionNames = 12

// WriteText writes the actor's aliases for people: per alias its key and
// examples of the spellings and inflections it finds, or that it is
// matched as written; a region's names past the first few on one line.
func (a ActorAliases) WriteText(w io.Writer) error {
	var b strings.Builder
	fmt.Fprintf(&b, "%s (%s)\n", a.ID, a.Name)
	shown := 0
	var rest []string
	for _, av := range a.Aliases {
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
		fmt.Fprintf(&b, "  and %d more names of region %s (CLDR): %s\n", len(rest), a.region, strings.Join(rest, ", "))
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// Write writes the actor's aliases as one line of JSON when asJSON, else
// as text (WriteText).
func (a ActorAliases) Write(w io.Writer, asJSON bool) error {
	if !asJSON {
		return a.WriteText(w)
	}
	line, err := json.Marshal(a)
	if err == nil {
		_, err = fmt.Fprintf(w, "%s\n", line)
	}
	return err
}
