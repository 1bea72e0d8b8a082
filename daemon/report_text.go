package daemon

import (
	"fmt"
	"io"
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
