package backtest

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"strings"
	"time"

	"github.com/storywatch/storywatch/match"
)

// Line is one line of `storywatch backtest -json`: a hit to add or drop.
type Line struct {
	Watch     string       `json:"watch"`
	Change    string       `json:"change"`
	ItemURL   string       `json:"item_url"`
	Title     string       `json:"title"`
	FirstSeen time.Time    `json:"first_seen"`
	Score     int          `json:"score"`
	Matches   []match.Term `json:"matches"`
}

// signs pairs each kind of change of a watch with its changes.
func (r *Result) signs(watch string) []struct {
	mark, change string
	changes      []Change
} {
	return []struct {
		mark, change string
		changes      []Change
	}{{"+", "add", r.Add[watch]}, {"-", "drop", r.Drop[watch]}}
}

// WriteText writes the result for people: a summary line, then per watch
// with changes its hits to add (+) and to drop (-).
func (r *Result) WriteText(w io.Writer) {
	add, drop := r.Total()
	watches := "watches"
	if len(r.Watches) == 1 {
		watches = "watch"
	}
	fmt.Fprintf(w, "backtest of %d %s over %s first seen since %s: %d to add, %d to drop\n",
		len(r.Watches), watches, plural(r.Items, "stored item"), formatTime(r.Since), add, drop)
	for _, watch := range r.Watches {
		adds, drops := r.Add[watch], r.Drop[watch]
		if len(adds)+len(drops) == 0 {
			continue
		}
		fmt.Fprintf(w, "%s: %d to add, %d to drop\n", watch, len(adds), len(drops))
		for _, sign := range r.signs(watch) {
			for _, c := range sign.changes {
				fmt.Fprintf(w, "  %s %s  score %d  %s  %s\n", sign.mark, c.FirstSeen.UTC().Format("2006-01-02 15:04Z"),
					c.Hit.Score, oneLine(c.Title, 80), c.URL)
			}
		}
	}
}

// WriteJSON writes the result as one Line per change.
func (r *Result) WriteJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	for _, watch := range r.Watches {
		for _, sign := range r.signs(watch) {
			for _, c := range sign.changes {
				line := Line{Watch: watch, Change: sign.change, ItemURL: c.URL, Title: c.Title,
					FirstSeen: c.FirstSeen.UTC(), Score: c.Hit.Score, Matches: match.Terms(c.Hit.Matches)}
				if err := enc.Encode(line); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

// WriteApplied reports what Apply stored (added) and Retract retracted,
// per watch, as text or as one JSON object.
func WriteApplied(w io.Writer, added, retracted map[string]int, asJSON bool) error {
	if asJSON {
		return json.NewEncoder(w).Encode(map[string]any{"stored": sum(added), "by_watch": added,
			"retracted": sum(retracted), "retracted_by_watch": retracted})
	}
	_, err := fmt.Fprintf(w, "stored %s as backfilled%s\nretracted %s%s\n", plural(sum(added), "new hit"), byWatch(added),
		plural(sum(retracted), "hit"), byWatch(retracted))
	return err
}

func sum(m map[string]int) int {
	n := 0
	for _, v := range m {
		n += v
	}
	return n
}

// byWatch formats counts per watch as " (a 2, b 1)", or "" when empty.
func byWatch(m map[string]int) string {
	if len(m) == 0 {
		return ""
	}
	ids := make([]string, 0, len(m))
	for id := range m {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	parts := make([]string, len(ids))
	for i, id := range ids {
		parts[i] = fmt.Sprintf("%s %d", id, m[id])
	}
	return " (" + strings.Join(parts, ", ") + ")"
}

func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}

// formatTime prints a time for people in UTC, or "-" when unset.
func formatTime(t time.Time) string {
	if t.IsZero() {
		return "-"
	}
	return t.UTC().Format("2006-01-02 15:04:05Z")
}

// oneLine flattens s to one line of at most n runes.
func oneLine(s string, n int) string {
	s = match.OneLine(s)
	if r := []rune(s); len(r) > n {
		return string(r[:n-1]) + "…"
	}
	return s
}

// Write writes the result as JSON lines when asJSON, else as text.
func (r *Result) Write(w io.Writer, asJSON bool) error {
	if asJSON {
		return r.WriteJSON(w)
	}
	r.WriteText(w)
	return nil
}

// Applier stores a result's additions and retracts its drops.
type Applier interface {
	Writer
	Retracter
}

// ApplyAll stores the additions (Apply), then retracts the drops
// (Retract), and returns the counts of each per watch.
func (r *Result) ApplyAll(ctx context.Context, st Applier) (added, retracted map[string]int, err error) {
	if added, err = r.Apply(ctx, st); err != nil {
		return nil, nil, err
	}
	if retracted, err = r.Retract(ctx, st); err != nil {
		return nil, nil, err
	}
	return added, retracted, nil
}
