package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/url"
	"strings"

	"github.com/storywatch/storywatch/config"
	"github.com/storywatch/storywatch/daemon"
	"github.com/storywatch/storywatch/feed"
	"github.com/storywatch/storywatch/notify"
)

// instantDigests counts the config's instant digests.
func instantDigests(c *config.Config) int {
	n := 0
	for _, d := range c.Digests {
		if d.Instant {
			n++
		}
	}
	return n
}

// feedNames maps each configured feed's URL to its name ("" when none).
func feedNames(c *config.Config) map[string]string {
	names := make(map[string]string, len(c.Feeds))
	for _, f := range c.Feeds {
		names[f.URL] = f.Name
	}
	return names
}

// feedLabel names a feed for a summary line: its configured name, else its
// URL redacted, with the search query (q=) that tells searches of one
// service apart (five Google News searches are otherwise all
// "https://news.google.com/rss/search?…").
func feedLabel(name, raw string) string {
	if name != "" {
		return name
	}
	label := feed.RedactURL(raw)
	if u, err := url.Parse(raw); err == nil {
		if q := u.Query().Get("q"); q != "" {
			label += " (q: " + oneLine(q, 80) + ")"
		}
	}
	return label
}

// printDigests says which digests a run of once recorded (of the config's
// instant digests) and how each delivery it attempted went.
func printDigests(w io.Writer, r daemon.Report, instant int) {
	if len(r.Digests) == 0 && instant > 0 {
		fmt.Fprintln(w, "no instant digest recorded: nothing new to send")
	}
	for _, d := range r.Digests {
		var parts []string
		stories, more := map[string]bool{}, 0
		for _, s := range d.Watches {
			if n := s.Total(); n > 0 {
				parts = append(parts, fmt.Sprintf("%s %d", s.ID, n))
			}
			for _, st := range s.Stories {
				stories[st.ID] = true
			}
			more += s.More
		}
		total := len(stories) + more
		line := fmt.Sprintf("digest %s (%s): %s", d.Name, d.ID, plural(total, "new story"))
		if len(parts) > 0 {
			line += " (" + strings.Join(parts, ", ") + ")"
		}
		fmt.Fprintln(w, line)
	}
	for _, dl := range r.Deliveries {
		what := fmt.Sprintf("digest %s (%s) to %s", dl.Digest, dl.DigestID, dl.Notifier)
		if dl.Err != nil {
			what += ": " + notify.RedactURLs(dl.Err.Error())
		}
		switch dl.Status {
		case notify.StatusSent:
			fmt.Fprintf(w, "sent: %s\n", what)
		case notify.StatusDead:
			fmt.Fprintf(w, "failed for good: %s\n", what)
		default:
			fmt.Fprintf(w, "failed, will retry: %s\n", what)
		}
	}
}

// summarized are the messages of the records that once's summary says
// again: a failed feed (the poll cycle's "poll feed") and a delivery's
// outcome (the outbox's).
var summarized = map[string]bool{
	"poll feed":                   true,
	"delivery failed, will retry": true,
	"delivery failed permanently": true,
	"delivery gave up":            true,
}

// withoutFeedRecords drops the records once's summary repeats, so that a
// failing feed gives one line, not a summary line and a warning.
type withoutFeedRecords struct{ slog.Handler }

func (h withoutFeedRecords) Handle(ctx context.Context, r slog.Record) error {
	if summarized[r.Message] {
		return nil
	}
	return h.Handler.Handle(ctx, r)
}

func (h withoutFeedRecords) WithAttrs(attrs []slog.Attr) slog.Handler {
	return withoutFeedRecords{h.Handler.WithAttrs(attrs)}
}

func (h withoutFeedRecords) WithGroup(name string) slog.Handler {
	return withoutFeedRecords{h.Handler.WithGroup(name)}
}
