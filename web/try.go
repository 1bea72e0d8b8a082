package web

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/storywatch/storywatch/backtest"
	"github.com/storywatch/storywatch/match"
)

// /try runs a query over stored items with the backtest engine, read-only.
// It is bounded: at most maxTries at once, each within tryTimeout, each
// list cut to tryLimit (counts stay whole), queries of at most
// maxQueryRunes.
const (
	maxTries      = 2
	tryTimeout    = 10 * time.Second
	tryLimit      = 100
	maxQueryRunes = 2000
	defaultTry    = "720h"
	// tryID names a query that edits no storyline.
	tryID = "tried-query"
)

type tryView struct {
	chrome
	Q, Since, Watch string
	Storylines      []watchInfo
	Actors          []string
	// Editing is the storyline the query would replace.
	Editing *watchInfo
	Err     string
	Syntax  *syntaxView
	// Ran is set once the query ran; the fields below are its result.
	Ran              bool
	From             time.Time
	Items            int
	Counts           backtest.Counts
	Found, Add, Drop []tryRow
	Limit            int
}

// syntaxView shows where a syntax error is in the query.
type syntaxView struct {
	Before, At, After string
}

type tryRow struct {
	ItemID, StoryID int64
	Title, Link     string
	FirstSeen       time.Time
	Score           int
	Matches         []match.Match
	Outlets         []string
}

// tryPage serves /try?q=QUERY&since=720h&watch=ID: the items of the period
// the query would hit, and, when it replaces storyline ID, what it would
// add to and drop from that storyline's stored hits.
func (s *Server) tryPage(w http.ResponseWriter, r *http.Request) {
	settings, _ := s.current()
	v, id, status := s.tryForm(r, settings)
	if status != http.StatusOK || v.Q == "" {
		s.render(w, status, "try", v)
		return
	}
	m, err := match.Compile(tryWatchlist(settings.Watchlist, v.Q, id))
	if err != nil {
		v.Err = strings.ReplaceAll(err.Error(), fmt.Sprintf("storyline %q: ", id), "")
		s.render(w, http.StatusBadRequest, "try", v)
		return
	}
	select {
	case s.tries <- struct{}{}:
		defer func() { <-s.tries }()
	default:
		v.Err = "Other queries are running; try again in a few seconds."
		s.render(w, http.StatusServiceUnavailable, "try", v)
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), s.tryTimeout)
	defer cancel()
	res, err := backtest.Run(ctx, s.pages, m, backtest.Options{Since: v.From, Watches: []string{id}, Found: true, Limit: tryLimit})
	if errors.Is(err, context.DeadlineExceeded) {
		v.Err = fmt.Sprintf("The query took longer than %s; try a shorter period.", s.tryTimeout)
		s.render(w, http.StatusServiceUnavailable, "try", v)
		return
	}
	if err != nil {
		s.log.Error("try a query", "error", err)
		v.Err = "The stored items could not be read."
		s.render(w, http.StatusInternalServerError, "try", v)
		return
	}
	v.Ran, v.Items, v.Counts = true, res.Items, res.Counts[id]
	v.Found, v.Add, v.Drop = tryRows(res.Found[id]), tryRows(res.Add[id]), tryRows(res.Drop[id])
	if err := s.addOutlets(ctx, v.Found, v.Add, v.Drop); err != nil {
		s.log.Warn("try a query: outlets", "error", err)
	}
	s.render(w, http.StatusOK, "try", v)
}

// tryForm reads the form into a view; it returns the watch id the query
// runs as and the status to answer with (not 200 for a bad form).
func (s *Server) tryForm(r *http.Request, settings Settings) (tryView, string, int) {
	q := r.URL.Query()
	v := tryView{chrome: s.chrome(r, "Try a query", "try"), Q: strings.TrimSpace(q.Get("q")),
		Since: strings.TrimSpace(q.Get("since")), Watch: q.Get("watch"), Limit: tryLimit}
	for _, wi := range watchInfos(settings.Watchlist) {
		if wi.Kind == "storyline" {
			v.Storylines = append(v.Storylines, wi)
		}
	}
	for _, a := range settings.Watchlist.Actors {
		v.Actors = append(v.Actors, "@"+a.ID)
	}
	if v.Since == "" {
		v.Since = defaultTry
	}
	id := tryID
	if v.Watch != "" {
		i := slices.IndexFunc(v.Storylines, func(wi watchInfo) bool { return wi.ID == v.Watch })
		if i < 0 {
			v.Err = fmt.Sprintf("There is no storyline %q in the config to compare with.", v.Watch)
			return v, id, http.StatusBadRequest
		}
		v.Editing, id = &v.Storylines[i], v.Watch
		if v.Q == "" {
			v.Q = v.Editing.Query
		}
	}
	from, err := parseSince(v.Since, s.now())
	if err != nil {
		v.Err = err.Error()
		return v, id, http.StatusBadRequest
	}
	v.From = from
	if v.Q == "" {
		return v, id, http.StatusOK
	}
	if n := len([]rune(v.Q)); n > maxQueryRunes {
		v.Err = fmt.Sprintf("The query has %d characters; at most %d are tried.", n, maxQueryRunes)
		return v, id, http.StatusBadRequest
	}
	if _, err := match.ParseQuery(v.Q); err != nil {
		v.Err = err.Error()
		var se *match.SyntaxError
		if errors.As(err, &se) {
			v.Syntax = syntaxAt(v.Q, se.Offset)
		}
		return v, id, http.StatusBadRequest
	}
	return v, id, http.StatusOK
}

// syntaxAt splits q around the character at offset (in runes).
func syntaxAt(q string, offset int) *syntaxView {
	rs := []rune(q)
	offset = min(max(offset, 0), len(rs))
	v := &syntaxView{Before: string(rs[:offset])}
	if offset < len(rs) {
		v.At, v.After = string(rs[offset]), string(rs[offset+1:])
	}
	return v
}

// tryWatchlist is wl's actors, as building blocks only, and the tried
// query as storyline id: the matcher evaluates nothing else.
func tryWatchlist(wl match.Watchlist, query, id string) match.Watchlist {
	out := match.Watchlist{Actors: make([]match.Actor, len(wl.Actors))}
	for i, a := range wl.Actors {
		a.Track = false
		out.Actors[i] = a
	}
	title := "tried query"
	for _, sl := range wl.Storylines {
		if sl.ID == id {
			title = sl.Title
		}
	}
	out.Storylines = []match.Storyline{{ID: id, Title: title, Query: query}}
	return out
}

// tryRows turns changes (oldest first) into rows, newest first.
func tryRows(cs []backtest.Change) []tryRow {
	out := make([]tryRow, 0, len(cs))
	for i := len(cs) - 1; i >= 0; i-- {
		c := cs[i]
		out = append(out, tryRow{ItemID: c.ItemID, StoryID: c.StoryID, Title: orID(c.Title, "(untitled)"),
			Link: httpURL(c.URL), FirstSeen: c.FirstSeen, Score: c.Hit.Score, Matches: c.Hit.Matches})
	}
	return out
}

// addOutlets names the outlets of the rows' stories.
func (s *Server) addOutlets(ctx context.Context, lists ...[]tryRow) error {
	var ids []int64
	for _, l := range lists {
		for _, r := range l {
			if r.StoryID != 0 {
				ids = append(ids, r.StoryID)
			}
		}
	}
	slices.Sort(ids)
	outlets, err := s.pages.StoryOutlets(ctx, slices.Compact(ids))
	if err != nil {
		return err
	}
	for _, l := range lists {
		for i := range l {
			l[i].Outlets = outlets[l[i].StoryID]
		}
	}
	return nil
}
