package monitor

import (
	"testing"
	"time"

	"github.com/robfig/cron/v3"
)

func TestEverySinceCountsTicksFromTheLastRun(t *testing.T) {
	t.Parallel()
	last := time.Date(2025, 11, 26, 10, 0, 0, 0, time.UTC)
	e := EverySince{Every: time.Hour, Since: last}
	for _, tt := range []struct {
		now, next time.Time
		due       bool
	}{
		{last.Add(30 * time.Minute), last.Add(time.Hour), false},
		{last.Add(time.Hour), last.Add(2 * time.Hour), true},
		{last.Add(150 * time.Minute), last.Add(3 * time.Hour), true},
		{last.Add(-time.Minute), last, false},
	} {
		if got := e.Next(tt.now); !got.Equal(tt.next) {
			t.Errorf("Next(%s) = %s, want %s", tt.now.Format("15:04"), got.Format("15:04"), tt.next.Format("15:04"))
		}
		if got := e.Due(tt.now); got != tt.due {
			t.Errorf("Due(%s) = %v, want %v", tt.now.Format("15:04"), got, tt.due)
		}
	}
	if !(EverySince{}).Next(last).IsZero() {
		t.Error("a schedule without an interval ticks")
	}
	// A reload keeps the entry of an EverySince of the same interval,
	// wherever its ticks are counted from.
	if !sameSchedule(e, EverySince{Every: time.Hour, Since: last.Add(time.Hour)}) || sameSchedule(e, EverySince{Every: time.Minute}) ||
		sameSchedule(e, cron.Every(time.Hour)) {
		t.Error("sameSchedule of EverySince")
	}
}
