package web

import (
	"fmt"
	"time"

	"github.com/storywatch/storywatch/notify"
)

// The 14-day chart of a watch's new stories is the digest's chart: the
// same numbers (notify.Daily over HitTimes) and the same bars
// (notify.ChartBars), drawn as inline SVG rather than PNG so that it is
// sharp at any size, styled by the stylesheet, with a text alternative and
// a tooltip per day.

type chartView struct {
	Alt      string
	W, H     int
	Baseline int
	Bars     []chartBar
	// First and Last are the first and last day shown.
	First, Last time.Time
}

type chartBar struct {
	notify.ChartBar
	Label string
}

// dailyChart charts the new-story times of one watch as of now, with days
// in loc.
func dailyChart(times []time.Time, now time.Time, loc *time.Location) chartView {
	counts := notify.Daily(times, now, loc)
	y, m, d := now.In(loc).Date()
	today := time.Date(y, m, d, 0, 0, 0, 0, loc)
	c := chartView{Alt: notify.ChartAlt(counts), W: notify.ChartWidth, H: notify.ChartHeight,
		Baseline: notify.ChartBaseline, First: today.AddDate(0, 0, -(len(counts) - 1)), Last: today}
	for i, b := range notify.ChartBars(counts) {
		day := c.First.AddDate(0, 0, i)
		c.Bars = append(c.Bars, chartBar{ChartBar: b,
			Label: fmt.Sprintf("%s: %d new %s", day.Format("Jan 2"), b.Count, pluralWord(b.Count, "story", "stories"))})
	}
	return c
}

func pluralWord(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}
