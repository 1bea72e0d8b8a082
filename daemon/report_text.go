package daemon

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"strings"

	"github.com/storywatch/storywatch/notify"
)

// WriteDigests says which digests the run recorded (of instant, the
// config's instant digests) and how each delivery it attempted went, one
// line each, as `storywatch once` prints them.
func (r Report) WriteDigests(w io.Writer, instant int) {
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
		noun := "new stories"
		if len(stories)+more == 1 {
			noun = "new story"
		}
		line := fmt.Sprintf("digest %s (%s): %d %s", d.Name, d.ID, len(stories)+more, noun)
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

// summarized are the messages of the records that a printed Report says
// again: a failed feed (the poll cycle's "poll feed") and a delivery's
// outcome (the outbox's).
var summarized = map[string]bool{
	"poll feed":                   true,
	"delivery failed, will retry": true,
	"delivery failed permanently": true,
	"delivery gave up":            true,
}

// Unsummarized returns h without the records that a printed Report
// repeats, so that a failing feed gives one line, not a summary line and
// a warning.
func Unsummarized(h slog.Handler) slog.Handler { return unsummarized{h} }

type unsummarized struct{ slog.Handler }

func (h unsummarized) Handle(ctx context.Context, r slog.Record) error {
	if summarized[r.Message] {
		return nil
	}
	return h.Handler.Handle(ctx, r)
}

func (h unsummarized) WithAttrs(attrs []slog.Attr) slog.Handler {
	return unsummarized{h.Handler.WithAttrs(attrs)}
}

func (h unsummarized) WithGroup(name string) slog.Handler {
	return unsummarized{h.Handler.WithGroup(name)}
}
