package feed

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/mmcdole/gofeed"
	ext "github.com/mmcdole/gofeed/extensions"
	"github.com/mmcdole/gofeed/rss"
)

// MaxHint caps what a publisher may ask for, so that a stored hint stays a
// sensible duration; the poll plan caps it much lower (poll.max_interval).
const MaxHint = 366 * 24 * time.Hour

// Hint is how long a publisher asks readers to wait before fetching its
// feed again, and where it said so (docs/config.md, "Publisher hints").
type Hint struct {
	Wait time.Duration
	// Source names the hint as the publisher wrote it, e.g.
	// "Cache-Control max-age=3600" or "RSS ttl 60"; empty when Wait is 0.
	Source string
}

// Longest returns the hint that asks for the longest wait, as Miniflux
// does: a publisher that says both "ttl 60" and "max-age=600" means the
// hour. Ties go to the first.
func Longest(hints ...Hint) Hint {
	var best Hint
	for _, h := range hints {
		if h.Wait > best.Wait {
			best = h
		}
	}
	return best
}

// HTTPHint reads the caching headers of a response: Cache-Control max-age
// and Expires (counted from the response's Date when it has one, so that
// a skewed server clock does not matter). no-cache, no-store and a past
// Expires ask for no wait.
func HTTPHint(h http.Header, now time.Time) Hint {
	cc := h.Get("Cache-Control")
	d, hasAge, noCache := maxAge(cc)
	switch {
	case noCache:
		return Hint{}
	case hasAge && d == 0:
		return Hint{}
	case hasAge:
		// RFC 9111 §5.3: max-age wins over Expires.
		return Hint{Wait: d, Source: "Cache-Control max-age=" + strconv.FormatInt(int64(d/time.Second), 10)}
	}
	if exp := strings.TrimSpace(h.Get("Expires")); exp != "" {
		if t, err := http.ParseTime(exp); err == nil {
			base := now
			if date, err := http.ParseTime(h.Get("Date")); err == nil {
				base = date
			}
			if d := t.Sub(base); d > 0 {
				return Hint{Wait: min(d, MaxHint), Source: "Expires " + exp}
			}
		}
	}
	return Hint{}
}

// maxAge reads a Cache-Control value: its max-age, and
// whether no-cache or no-store forbid waiting at all.
func maxAge(cc string) (age time.Duration, ok, noCache bool) {
	for part := range strings.SplitSeq(cc, ",") {
		name, value, _ := strings.Cut(strings.TrimSpace(part), "=")
		switch strings.ToLower(strings.TrimSpace(name)) {
		case "no-cache", "no-store":
			noCache = true
		case "max-age":
			secs, err := strconv.ParseInt(strings.Trim(strings.TrimSpace(value), `"`), 10, 64)
			if err == nil && secs >= 0 {
				age, ok = time.Duration(min(secs, int64(MaxHint/time.Second)))*time.Second, true
			}
		}
	}
	return age, ok, noCache
}

// syPeriods are the values of sy:updatePeriod (RSS 1.0 Syndication module).
var syPeriods = map[string]time.Duration{
	"hourly":  time.Hour,
	"daily":   24 * time.Hour,
	"weekly":  7 * 24 * time.Hour,
	"monthly": 30 * 24 * time.Hour,
	"yearly":  365 * 24 * time.Hour,
}

// feedHint reads the hints of the feed document itself: RSS <ttl> (in
// minutes) and the Syndication module's sy:updatePeriod divided by
// sy:updateFrequency (default 1), whichever is longer.
func feedHint(f *gofeed.Feed) Hint {
	var hints []Hint
	if orig, ok := f.OriginalFeed().(*rss.Feed); ok {
		ttl := strings.TrimSpace(orig.TTL)
		if mins, err := strconv.ParseInt(ttl, 10, 64); err == nil && mins > 0 {
			d := min(time.Duration(min(mins, int64(MaxHint/time.Minute)))*time.Minute, MaxHint)
			hints = append(hints, Hint{Wait: d, Source: "RSS ttl " + ttl})
		}
	}
	period := strings.ToLower(extValue(f.Extensions, "updatePeriod"))
	if d, ok := syPeriods[period]; ok {
		freq := strings.TrimSpace(extValue(f.Extensions, "updateFrequency"))
		source := "sy:updatePeriod " + period
		n, err := strconv.Atoi(freq)
		if err == nil && n > 1 {
			d /= time.Duration(n)
			source += fmt.Sprintf(", sy:updateFrequency %d", n)
		}
		hints = append(hints, Hint{Wait: d, Source: source})
	}
	return Longest(hints...)
}

// extValue returns the text of the first extension element called name,
// under whatever prefix the document bound its namespace to.
func extValue(exts ext.Extensions, name string) string {
	for _, elems := range exts {
		for _, e := range elems[name] {
			if v := strings.TrimSpace(e.Value); v != "" {
				return v
			}
		}
	}
	return ""
}
