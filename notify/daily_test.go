package notify

import (
	"testing"
	"time"
)

func TestDailyCountsLocalCalendarDays(t *testing.T) {
	t.Parallel()
	kyiv, _ := time.LoadLocation("Europe/Kyiv")
	now := time.Date(2025, 11, 26, 7, 0, 0, 0, kyiv)
	times := []time.Time{
		now, // today
		time.Date(2025, 11, 25, 23, 30, 0, 0, time.UTC), // 01:30 on the 26th in Kyiv: today
		time.Date(2025, 11, 25, 12, 0, 0, 0, kyiv),      // yesterday
		time.Date(2025, 11, 13, 0, 5, 0, 0, kyiv),       // first day of the window
		time.Date(2025, 11, 12, 23, 55, 0, 0, kyiv),     // just before it
	}
	got := Daily(times, now, kyiv)
	if len(got) != ChartDays || got[13] != 2 || got[12] != 1 || got[0] != 1 {
		t.Errorf("daily = %v", got)
	}
	sum := 0
	for _, n := range got {
		sum += n
	}
	if sum != 4 {
		t.Errorf("%d counted, want 4 (one is outside the window)", sum)
	}
}
