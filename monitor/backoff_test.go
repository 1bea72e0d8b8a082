package monitor

import (
	"testing"
	"time"
)

func TestBackoff(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		interval   time.Duration
		errors     int
		retryAfter time.Duration
		want       time.Duration
	}{
		{"first error waits one interval", 10 * time.Minute, 1, 0, 10 * time.Minute},
		{"doubles per error", 10 * time.Minute, 3, 0, 40 * time.Minute},
		{"capped at a day", 10 * time.Minute, 30, 0, 24 * time.Hour},
		{"retry-after longer than backoff wins", 10 * time.Minute, 1, time.Hour, time.Hour},
		{"backoff longer than retry-after wins", time.Hour, 2, time.Minute, 2 * time.Hour},
		{"unknown interval uses the default", 0, 1, 0, DefaultInterval},
		{"retry-after capped at a day", time.Minute, 1, 48 * time.Hour, 24 * time.Hour},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := backoff(tt.interval, tt.errors, tt.retryAfter); got != tt.want {
				t.Errorf("backoff = %s, want %s", got, tt.want)
			}
		})
	}
}
