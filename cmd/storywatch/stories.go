package main

import (
	"fmt"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/storywatch/storywatch/safe"
	"github.com/storywatch/storywatch/store"
)

// storyOutput is one line of `stories -json`.
type storyOutput struct {
	ID        string    `json:"id"`
	Title     string    `json:"title"`
	URL       string    `json:"url"`
	FirstSeen time.Time `json:"first_seen"`
	LastSeen  time.Time `json:"last_seen"`
	Outlets   []string  `json:"outlets"`
	Copies    int       `json:"copies"`
	Watches   []string  `json:"watches"`
}

// cmdStories lists stories, newest first: the lead's title and link, when
// it was first seen, who ran it and which watches it hit. Only stories with
// hits are listed unless -all. `stories ID` shows one story's history.
func cmdStories(a *app, args []string) error {
	fs := a.flags("stories")
	since := fs.String("since", "", "only stories with a copy seen within this long (e.g. 6h, 7d)")
	watch := fs.String("watch", "", "only stories with a hit of this watch id")
	all := fs.Bool("all", false, "also stories without hits")
	asJSON := fs.Bool("json", false, "one JSON object per line")
	limit := fs.Int("limit", 0, "at most this many stories (0: all)")
	rest, err := a.parse(fs, args)
	if err != nil {
		return err
	}
	if len(rest) > 1 {
		return usagef("stories takes at most one story id, got %q", rest)
	}
	if len(rest) == 1 {
		id, err := strconv.ParseInt(rest[0], 10, 64)
		if err != nil || id <= 0 {
			return usagef("stories: %q is not a story id (a number, as `stories` lists them)", rest[0])
		}
		return showStory(a, id, *asJSON)
	}
	filter := store.StoryFilter{Watch: *watch, All: *all, Limit: *limit}
	if *since != "" {
		d, err := parseSince(*since)
		if err != nil {
			return usagef("-since: %v", err)
		}
		filter.Since = time.Now().Add(-d)
	}
	c, db, err := a.openExistingStore()
	if err != nil {
		return err
	}
	defer db.Close()
	stories, err := db.Stories(a.ctx, filter)
	if err != nil {
		return err
	}
	if len(stories) == 0 {
		if err := unknownWatch(c, *watch); err != nil {
			return err
		}
	}
	if *asJSON {
		out := make([]storyOutput, len(stories))
		for i, s := range stories {
			out[i] = storyJSON(s)
		}
		return writeJSONLines(a.stdout, out)
	}
	if len(stories) == 0 {
		fmt.Fprintln(a.stdout, "no stories")
		return nil
	}
	tw := tabwriter.NewWriter(a.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "FIRST SEEN\tCOPIES\tWATCHES\tTITLE\tOUTLETS\tURL")
	for _, s := range stories {
		fmt.Fprintf(tw, "%s\t%d\t%s\t%s\t%s\t%s\n", s.FirstSeen.UTC().Format("2006-01-02 15:04Z"), s.Copies,
			oneLine(strings.Join(s.Watches, ","), 30), oneLine(s.Title, 70), oneLine(strings.Join(s.Outlets, ", "), 50), safe.Link(s.URL))
	}
	return tw.Flush()
}

func storyJSON(s store.Story) storyOutput {
	out := storyOutput{ID: fmt.Sprint(s.ID), Title: safe.Text(s.Title), URL: safe.Link(s.URL), FirstSeen: s.FirstSeen.UTC(),
		LastSeen: s.LastSeen.UTC(), Outlets: []string{}, Copies: s.Copies, Watches: s.Watches}
	for _, o := range s.Outlets {
		out.Outlets = append(out.Outlets, safe.Text(o))
	}
	if out.Watches == nil {
		out.Watches = []string{}
	}
	return out
}
