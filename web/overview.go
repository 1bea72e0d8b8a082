package web

import (
	"net/http"
	"time"

	"github.com/storywatch/storywatch/notify"
)

// overviewStories is how many of a watch's stories of the week the
// overview lists; the watch's page has the rest.
const overviewStories = 5

type overviewView struct {
	chrome
	Storylines, Actors []watchCard
	Now                time.Time
}

// watchCard is one watch on the overview.
type watchCard struct {
	watchInfo
	// Day and Week count the new stories of the last 24 hours and 7 days.
	Day, Week int
	Chart     chartView
	// Stories are the newest of the week's new stories; More counts the
	// rest.
	Stories []storyRow
	More    int
}

// overview serves /: every watch, storylines first, with its new stories
// of the last day and week and a 14-day chart.
func (s *Server) overview(w http.ResponseWriter, r *http.Request) {
	settings, _ := s.current()
	now := s.now()
	watches := watchInfos(settings.Watchlist)
	ids := make([]string, len(watches))
	for i, wi := range watches {
		ids[i] = wi.ID
	}
	times, err := s.pages.HitTimes(r.Context(), ids, notify.ChartSince(now, settings.Location))
	if err != nil {
		s.log.Error("overview: new stories per day", "error", err)
		s.renderError(w, r, http.StatusInternalServerError, "The stories could not be read.")
		return
	}
	v := overviewView{chrome: s.chrome(r, "Watches", "watches"), Now: now}
	for _, wi := range watches {
		card := watchCard{watchInfo: wi, Chart: dailyChart(times[wi.ID], now, settings.Location)}
		for _, t := range times[wi.ID] {
			if !t.Before(now.Add(-24 * time.Hour)) {
				card.Day++
			}
			if !t.Before(now.Add(-7 * 24 * time.Hour)) {
				card.Week++
			}
		}
		if card.Week > 0 {
			page, err := s.pages.WatchStories(r.Context(), StoryQuery{Watch: wi.ID, Since: now.Add(-7 * 24 * time.Hour), Limit: overviewStories})
			if err != nil {
				s.log.Error("overview: stories of a watch", "watch", wi.ID, "error", err)
				s.renderError(w, r, http.StatusInternalServerError, "The stories could not be read.")
				return
			}
			card.Stories = storyRows(page.Stories)
			card.More = max(0, page.Total-len(page.Stories))
		}
		if wi.Kind == "storyline" {
			v.Storylines = append(v.Storylines, card)
		} else {
			v.Actors = append(v.Actors, card)
		}
	}
	s.render(w, http.StatusOK, "index", v)
}
