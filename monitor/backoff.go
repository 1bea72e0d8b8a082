package monitor

import (
	"time"

	"github.com/storywatch/storywatch/feed"
)

// MaxBackoff is the longest a failing feed waits between attempts. Feeds
// are never disabled: they keep being tried at least this often.
const MaxBackoff = 24 * time.Hour

// DefaultInterval is the poll interval assumed when a feed's is unknown.
const DefaultInterval = 10 * time.Minute

// backoff returns how long a feed waits after its n-th consecutive error:
// the poll interval, doubled for each further error, at most MaxBackoff,
// and never less than what the server asked for with Retry-After.
func backoff(interval time.Duration, n int, retryAfter time.Duration) time.Duration {
	if interval <= 0 {
		interval = DefaultInterval
	}
	d := min(interval, MaxBackoff)
	for i := 1; i < n && d < MaxBackoff; i++ {
		d *= 2
	}
	return max(min(d, MaxBackoff), min(retryAfter, feed.MaxRetryAfter))
}
