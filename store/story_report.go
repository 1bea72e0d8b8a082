package store

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"
)

// StoryDetailJSON is a story's history as `storywatch stories ID -json`
// prints it: the fields of `stories -json` with the copies themselves in
// place of their count.
type StoryDetailJSON struct {
	ID        string    `json:"id"`
	Title     string    `json:"title"`
	URL       string    `json:"url"`
	FirstSeen time.Time `json:"first_seen"`
	LastSeen  time.Time `json:"last_seen"`
	Outlets   []string  `json:"outlets"`
	Watches   []string  `json:"watches"`
	// MergedFrom is set when the id asked for was merged into this story.
	MergedFrom string               `json:"merged_from,omitempty"`
	Absorbed   []string             `json:"absorbed"`
	Hits       []StoryWatchHitsJSON `json:"hits"`
	// Copies are in story.Rank order, the lead first.
	Copies []CopyJSON `json:"copies"`
}

// StoryWatchHitsJSON is one watch's hits on a story in StoryDetailJSON.
type StoryWatchHitsJSON struct {
	Watch      string    `json:"watch"`
	Hits       int       `json:"hits"`
	BestScore  int       `json:"best_score"`
	FirstFound time.Time `json:"first_found"`
}

// CopyJSON is one copy of a story in StoryDetailJSON; Published is null
// for an undated copy.
type CopyJSON struct {
	Lead      bool       `json:"lead"`
	Outlet    string     `json:"outlet"`
	Feed      string     `json:"feed"`
	FeedURL   string     `json:"feed_url"`
	Title     string     `json:"title"`
	URL       string     `json:"url"`
	Published *time.Time `json:"published"`
	FirstSeen time.Time  `json:"first_seen"`
}

// JSON returns the detail as StoryDetailJSON, times in UTC and lists
// never nil.
func (d StoryDetail) JSON() StoryDetailJSON {
	s := d.Story
	out := StoryDetailJSON{ID: fmt.Sprint(s.ID), Title: s.Title, URL: s.URL, FirstSeen: s.FirstSeen.UTC(),
		LastSeen: s.LastSeen.UTC(), Outlets: s.Outlets, Watches: s.Watches, Absorbed: []string{},
		Hits: []StoryWatchHitsJSON{}, Copies: []CopyJSON{}}
	if out.Outlets == nil {
		out.Outlets = []string{}
	}
	if out.Watches == nil {
		out.Watches = []string{}
	}
	if d.Requested != s.ID {
		out.MergedFrom = fmt.Sprint(d.Requested)
	}
	for _, id := range d.Absorbed {
		out.Absorbed = append(out.Absorbed, fmt.Sprint(id))
	}
	for _, h := range d.Hits {
		out.Hits = append(out.Hits, StoryWatchHitsJSON(h))
	}
	for i, c := range d.Copies {
		co := CopyJSON{Lead: i == 0, Outlet: c.Outlet, Feed: c.Feed, FeedURL: c.FeedURL, Title: c.Title, URL: c.URL,
			FirstSeen: c.FirstSeen.UTC()}
		if !c.Published.IsZero() {
			p := c.Published.UTC()
			co.Published = &p
		}
		out.Copies = append(out.Copies, co)
	}
	return out
}

// WriteText writes the story's history for people: the lead, the merges,
// the watches it hit, then a table of every copy with its outlet, feed,
// first sighting and link.
func (d StoryDetail) WriteText(w io.Writer) error {
	s := d.Story
	if d.Requested != s.ID {
		fmt.Fprintf(w, "story %d was merged into story %d on %s\n\n", d.Requested, s.ID, formatTime(d.MergedAt))
	}
	fmt.Fprintf(w, "story %d: %s\n  %s\n", s.ID, oneLine(s.Title, 200), s.URL)
	copies := "1 copy"
	if s.Copies != 1 {
		copies = fmt.Sprintf("%d copies", s.Copies)
	}
	fmt.Fprintf(w, "  %s in %s, first seen %s, latest copy %s\n", copies, plural(len(s.Outlets), "outlet"),
		formatTime(s.FirstSeen), formatTime(s.LastSeen))
	if len(d.Absorbed) > 0 {
		ids := make([]string, len(d.Absorbed))
		for i, id := range d.Absorbed {
			ids[i] = fmt.Sprint(id)
		}
		fmt.Fprintf(w, "  merged into it: stories %s\n", strings.Join(ids, ", "))
	}
	if len(d.Hits) == 0 {
		fmt.Fprintln(w, "  watches: none")
	}
	for i, h := range d.Hits {
		label := "         "
		if i == 0 {
			label = "watches: "
		}
		fmt.Fprintf(w, "  %s%s: %s, best score %d, first found %s\n", label, h.Watch, plural(h.Hits, "hit"), h.BestScore,
			formatTime(h.FirstFound))
	}
	fmt.Fprintln(w)
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "COPY\tOUTLET\tFEED\tPUBLISHED\tFIRST SEEN\tTITLE\tLINK")
	for i, c := range d.Copies {
		n := fmt.Sprint(i + 1)
		if i == 0 {
			n = "lead"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", n, oneLine(c.Outlet, 30), oneLine(c.Feed, 30),
			formatTime(c.Published), formatTime(c.FirstSeen), oneLine(c.Title, 60), c.URL)
	}
	return tw.Flush()
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
	s = strings.Join(strings.Fields(s), " ")
	if r := []rune(s); len(r) > n {
		return string(r[:n-1]) + "…"
	}
	return s
}
