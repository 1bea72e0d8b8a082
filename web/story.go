package web

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/storywatch/storywatch/match"
)

type storyView struct {
	chrome
	ID        int64
	Title     string
	Link      string
	Published time.Time
	FirstSeen time.Time
	LastSeen  time.Time
	Copies    []copyRow
	// CopyCount counts the story's copies; Cut is set when MaxCopies cut
	// the list.
	CopyCount int
	Cut       bool
	Outlets   []string
	Watches   []storyWatch
}

type copyRow struct {
	Copy
	Link string
}

// storyWatch is one watch that hit the story, with its hits.
type storyWatch struct {
	watchInfo
	Known bool
	Hits  []storyHitRow
}

type storyHitRow struct {
	// Copy is the title of the copy the hit is on.
	Copy       string
	ItemID     int64
	Score      int
	FoundAt    time.Time
	Backfilled bool
	Matches    []match.Match
}

// storyPage serves /story/{id}: the timeline of every copy, and the
// watches that hit it and why.
func (s *Server) storyPage(w http.ResponseWriter, r *http.Request) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		s.renderError(w, r, http.StatusNotFound, "A story id is a number.")
		return
	}
	t, err := s.pages.StoryTimeline(r.Context(), id)
	if errors.Is(err, ErrNotFound) {
		s.renderError(w, r, http.StatusNotFound, "There is no story "+strconv.FormatInt(id, 10)+". Stories merged into another one keep only the older id.")
		return
	}
	if err != nil {
		s.log.Error("story timeline", "story", id, "error", err)
		s.renderError(w, r, http.StatusInternalServerError, "The story could not be read.")
		return
	}
	settings, _ := s.current()
	title := t.Title
	if title == "" {
		title = "(untitled)"
	}
	v := storyView{chrome: s.chrome(r, title, "watches"), ID: t.ID, Title: title, Link: httpURL(t.URL),
		Published: t.Published, FirstSeen: t.FirstSeen, LastSeen: t.LastSeen, CopyCount: t.CopyCount, Cut: len(t.Copies) < t.CopyCount}
	titles := map[int64]string{}
	seen := map[string]bool{}
	for _, c := range t.Copies {
		c.Title = orID(c.Title, "(untitled)")
		v.Copies = append(v.Copies, copyRow{Copy: c, Link: httpURL(c.URL)})
		titles[c.ItemID] = c.Title
		if c.Outlet != "" && !seen[c.Outlet] {
			seen[c.Outlet] = true
			v.Outlets = append(v.Outlets, c.Outlet)
		}
	}
	v.Watches = groupHits(t.Hits, titles, settings)
	s.render(w, http.StatusOK, "story", v)
}

// groupHits groups a story's hits by watch, in the order the watches first
// hit it.
func groupHits(hits []StoryHit, titles map[int64]string, settings Settings) []storyWatch {
	var out []storyWatch
	index := map[string]int{}
	for _, h := range hits {
		i, ok := index[h.Watch]
		if !ok {
			wi, known := findWatch(settings.Watchlist, h.Watch)
			i = len(out)
			index[h.Watch] = i
			out = append(out, storyWatch{watchInfo: wi, Known: known})
		}
		out[i].Hits = append(out[i].Hits, storyHitRow{Copy: orID(titles[h.ItemID], fmt.Sprintf("item %d", h.ItemID)), ItemID: h.ItemID,
			Score: h.Score, FoundAt: h.FoundAt, Backfilled: h.Backfilled, Matches: h.Matches})
	}
	return out
}
