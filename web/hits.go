package web

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/storywatch/storywatch/config"
	"github.com/storywatch/storywatch/match"
	"github.com/storywatch/storywatch/safe"
)

// HitQuery selects hits.
type HitQuery struct {
	// Since keeps hits found at or after it.
	Since time.Time
	// Watch keeps the hits of one watch id; empty keeps all.
	Watch string
	// Limit caps the number of hits; 0 means no cap.
	Limit int
}

// Hit is one stored hit with what the endpoints show of it.
type Hit struct {
	// ItemID groups hits of one item when it has no story yet.
	ItemID  int64
	Watch   string
	ItemURL string
	Title   string
	// Feed names the feed the item was first seen in.
	Feed string
	// Published is zero when the feed gave no date.
	Published time.Time
	FoundAt   time.Time
	Score     int
	// Story is empty until the item is grouped into a story.
	Story string
	// Outlets names who published the story's copies, first seen first.
	Outlets []string
	Matches []match.Match
}

// HitJSON is a hit as /api/hits and `storywatch hits -json` write it
// (README.md, "HTTP endpoints"): one definition, so the two never drift apart.
type HitJSON struct {
	Watch     string      `json:"watch"`
	ItemURL   string      `json:"item_url"`
	Title     string      `json:"title"`
	Feed      string      `json:"feed"`
	Published *time.Time  `json:"published"`
	FoundAt   time.Time   `json:"found_at"`
	Score     int         `json:"score"`
	Story     string      `json:"story"`
	Outlets   []string    `json:"outlets"`
	Matches   []matchJSON `json:"matches"`
}

type matchJSON struct {
	Term    string `json:"term"`
	Field   string `json:"field"`
	Snippet string `json:"snippet"`
	// Found and Variant explain a name variant (docs/matching.md).
	Found   string `json:"found,omitempty"`
	Variant string `json:"variant,omitempty"`
}

// JSON returns the hit as /api/hits and `hits -json` write it: its link
// only when it is an http(s) URL, its text as one line without control
// characters (package safe).
func (h Hit) JSON() HitJSON {
	out := HitJSON{Watch: h.Watch, ItemURL: safe.Link(h.ItemURL), Title: safe.Text(h.Title), Feed: safe.Text(h.Feed),
		FoundAt: h.FoundAt.UTC(), Score: h.Score, Story: h.Story, Outlets: []string{}, Matches: []matchJSON{}}
	for _, o := range h.Outlets {
		out.Outlets = append(out.Outlets, safe.Text(o))
	}
	if !h.Published.IsZero() {
		p := h.Published.UTC()
		out.Published = &p
	}
	for _, m := range h.Matches {
		out.Matches = append(out.Matches, matchJSON{Term: safe.Text(m.Term), Field: m.Field, Snippet: safe.Text(m.Snippet),
			Found: safe.Text(m.Found), Variant: m.Variant})
	}
	return out
}

// Defaults of /api/hits and /hits.atom.
const (
	defaultSince = 24 * time.Hour
	maxHits      = 1000
	feedSince    = 7 * 24 * time.Hour
	feedEntries  = 100
)

// apiHits serves /api/hits?since=&watch=&limit= as a JSON array, newest
// first. since is a duration back from now (48h, 7d) or an RFC 3339 time;
// it defaults to 24h.
func (s *Server) apiHits(w http.ResponseWriter, r *http.Request) {
	q, err := s.hitQuery(r, defaultSince)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	if settings, _ := s.current(); q.Watch != "" && settings.Watches != nil {
		if _, known := settings.Watches[q.Watch]; !known {
			http.Error(w, fmt.Sprintf("no watch %q", q.Watch), http.StatusNotFound)
			return
		}
	}
	hits, err := s.store.Hits(r.Context(), q)
	if err != nil {
		s.log.Error("list hits for the API", "error", err)
		http.Error(w, "could not read hits", http.StatusInternalServerError)
		return
	}
	out := make([]HitJSON, len(hits))
	for i, h := range hits {
		out[i] = h.JSON()
	}
	w.Header().Set("Content-Type", "application/json")
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(out); err != nil {
		s.log.Warn("write hits", "error", err)
	}
}

func (s *Server) hitQuery(r *http.Request, since time.Duration) (HitQuery, error) {
	v := r.URL.Query()
	q := HitQuery{Watch: v.Get("watch"), Since: s.now().Add(-since), Limit: maxHits}
	if raw := v.Get("since"); raw != "" {
		t, err := parseSince(raw, s.now())
		if err != nil {
			return q, err
		}
		q.Since = t
	}
	if raw := v.Get("limit"); raw != "" {
		n, err := strconv.Atoi(raw)
		if err != nil || n <= 0 {
			return q, fmt.Errorf("limit %q: want a positive number", raw)
		}
		q.Limit = min(n, maxHits)
	}
	return q, nil
}

// parseSince reads a duration back from now, as the config writes
// durations (48h, 7d), or an RFC 3339 time.
func parseSince(raw string, now time.Time) (time.Time, error) {
	if t, err := time.Parse(time.RFC3339, raw); err == nil {
		return t, nil
	}
	d, err := config.ParseDuration(raw)
	if err != nil || d < 0 {
		return time.Time{}, fmt.Errorf("since %q: want a duration such as 48h or 7d, or an RFC 3339 time", raw)
	}
	return now.Add(-d), nil
}
