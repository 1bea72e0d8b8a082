package web

import (
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/storywatch/storywatch/match"
	"github.com/storywatch/storywatch/notify"
)

// watchPageSize is how many stories one page of a watch lists.
const watchPageSize = 25

// storyRow is a story in a list.
type storyRow struct {
	ID        int64
	Title     string
	Link      string
	Published time.Time
	FirstSeen time.Time
	Found     time.Time
	Copies    int
	// Lead is the lead's outlet; Also the other outlets ("also in").
	Lead    string
	Also    []string
	Score   int
	Matches []match.Match
}

func storyRows(stories []StorySummary) []storyRow {
	out := make([]storyRow, len(stories))
	for i, st := range stories {
		r := storyRow{ID: st.ID, Title: st.Title, Link: httpURL(st.URL), Published: st.Published,
			FirstSeen: st.FirstSeen, Found: st.Found, Copies: st.Copies, Score: st.Score, Matches: st.Matches}
		if r.Title == "" {
			r.Title = "(untitled)"
		}
		if len(st.Outlets) > 0 {
			r.Lead, r.Also = st.Outlets[0], st.Outlets[1:]
		}
		out[i] = r
	}
	return out
}

type watchView struct {
	chrome
	Watch watchInfo
	// Known is false for a watch no longer in the config whose hits are
	// still stored.
	Known   bool
	Stories []storyRow
	Total   int
	// Page counts from 1; Prev and Next link the neighbouring pages.
	Page, Pages int
	Prev, Next  string
	Chart       chartView
}

// watchPage serves /watch/{id}?page=N: the watch's stories, newest first,
// a page at a time.
func (s *Server) watchPage(w http.ResponseWriter, r *http.Request) {
	settings, _ := s.current()
	id := r.PathValue("id")
	wi, known := findWatch(settings.Watchlist, id)
	n := 1
	if raw := r.URL.Query().Get("page"); raw != "" {
		var err error
		if n, err = strconv.Atoi(raw); err != nil || n < 1 {
			s.renderError(w, r, http.StatusBadRequest, "page must be a number from 1 up.")
			return
		}
	}
	page, err := s.pages.WatchStories(r.Context(), StoryQuery{Watch: id, Offset: (n - 1) * watchPageSize, Limit: watchPageSize})
	if err != nil {
		s.log.Error("stories of a watch", "watch", id, "error", err)
		s.renderError(w, r, http.StatusInternalServerError, "The stories could not be read.")
		return
	}
	if !known && page.Total == 0 {
		s.renderError(w, r, http.StatusNotFound, "There is no watch "+strconv.Quote(id)+" in the config, and no story was found for it.")
		return
	}
	now := s.now()
	times, err := s.pages.HitTimes(r.Context(), []string{id}, notify.ChartSince(now, settings.Location))
	if err != nil {
		s.log.Error("new stories per day", "watch", id, "error", err)
		s.renderError(w, r, http.StatusInternalServerError, "The stories could not be read.")
		return
	}
	v := watchView{chrome: s.chrome(r, wi.Title, "watches"), Watch: wi, Known: known, Stories: storyRows(page.Stories),
		Total: page.Total, Page: n, Pages: max(1, (page.Total+watchPageSize-1)/watchPageSize),
		Chart: dailyChart(times[id], now, settings.Location)}
	base := "/watch/" + url.PathEscape(id)
	if n > 1 {
		v.Prev = base + "?page=" + strconv.Itoa(n-1)
	}
	if n < v.Pages {
		v.Next = base + "?page=" + strconv.Itoa(n+1)
	}
	s.render(w, http.StatusOK, "watch", v)
}
