package main

import (
	"errors"
	"fmt"
	"strconv"
	"text/tabwriter"
	"time"

	"github.com/storywatch/storywatch/store"
)

// feedOutput is one line of `feeds -json`.
type feedOutput struct {
	URL               string     `json:"url"`
	Name              string     `json:"name"`
	Title             string     `json:"title"`
	FetchURL          string     `json:"fetch_url,omitempty"`
	LastFetch         *time.Time `json:"last_fetch"`
	LastSuccess       *time.Time `json:"last_success"`
	Status            int        `json:"status"`
	Items             int        `json:"items"`
	ConsecutiveErrors int        `json:"consecutive_errors"`
	Error             string     `json:"error"`
	NextAttempt       *time.Time `json:"next_attempt"`
	// NextPoll is when the feed is due next (docs/config.md, "When feeds
	// are polled") and NextPollReason why.
	NextPoll       *time.Time    `json:"next_poll"`
	NextPollReason string        `json:"next_poll_reason"`
	WebSub         *websubOutput `json:"websub,omitempty"`
}

// websubOutput is a feed's WebSub hub and subscription in `feeds -json`.
type websubOutput struct {
	Hub        string     `json:"hub"`
	Topic      string     `json:"topic"`
	State      string     `json:"state"`
	LeaseUntil *time.Time `json:"lease_until"`
	LastPush   *time.Time `json:"last_push"`
	Error      string     `json:"error,omitempty"`
}

// cmdFeeds shows each configured feed's fetch state and plan; `feeds
// import`, `feeds export` and `feeds discover` speak OPML and HTML.
func cmdFeeds(a *app, args []string) error {
	if len(args) > 0 {
		switch args[0] {
		case "import":
			return cmdFeedsImport(a, args[1:])
		case "export":
			return cmdFeedsExport(a, args[1:])
		case "discover":
			return cmdFeedsDiscover(a, args[1:])
		}
	}
	fs := a.flags("feeds")
	asJSON := fs.Bool("json", false, "one JSON object per line")
	rest, err := a.parse(fs, args)
	if err != nil {
		return err
	}
	if len(rest) > 0 {
		return usagef("feeds takes no arguments but import FILE.opml, export or discover URL; got %q", rest)
	}
	c, db, err := a.openExistingStore()
	if err != nil {
		return err
	}
	defer db.Close()

	feeds := make([]store.Feed, 0, len(c.Feeds))
	subs := map[string]*websubOutput{}
	for _, cf := range c.Feeds {
		f, err := db.Feed(a.ctx, cf.URL)
		if errors.Is(err, store.ErrNotFound) {
			f = store.Feed{}
			f.URL = cf.URL
		} else if err != nil {
			return err
		}
		f.Name = cf.Name
		feeds = append(feeds, f)
		if ws, err := feedWebSub(a, db, f); err != nil {
			return err
		} else if ws != nil {
			subs[f.URL] = ws
		}
	}
	if *asJSON {
		out := make([]feedOutput, len(feeds))
		for i, f := range feeds {
			out[i] = feedOutput{
				URL: a.secrets.Scrub(f.URL), Name: f.Name, Title: f.Title, FetchURL: a.secrets.Scrub(f.FetchURL),
				LastFetch: timePtr(f.LastFetch), LastSuccess: timePtr(f.LastSuccess),
				Status: f.LastStatus, Items: f.ItemCount, ConsecutiveErrors: f.ConsecutiveErrors,
				Error: f.LastError, NextAttempt: timePtr(f.NextAttempt),
				NextPoll: timePtr(f.Due()), NextPollReason: pollReason(f), WebSub: subs[f.URL],
			}
		}
		return writeJSONLines(a.stdout, out)
	}
	return writeFeedsTable(a, feeds)
}

func writeFeedsTable(a *app, feeds []store.Feed) error {
	tw := tabwriter.NewWriter(a.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "FEED\tSTATUS\tITEMS\tLAST FETCH\tNEXT POLL\tWHY\tERROR\tURL")
	for _, f := range feeds {
		status := "-"
		if f.LastStatus != 0 {
			status = strconv.Itoa(f.LastStatus)
		}
		if f.LastFetch.IsZero() {
			status = "never"
		}
		errText := f.LastError
		if f.ConsecutiveErrors > 1 {
			errText = fmt.Sprintf("%s (%d errors in a row)", errText, f.ConsecutiveErrors)
		}
		if errText == "" {
			errText = "-"
		}
		next := formatTime(f.Due())
		if f.LastFetch.IsZero() {
			next = "now"
		}
		fmt.Fprintf(tw, "%s\t%s\t%d\t%s\t%s\t%s\t%s\t%s\n", oneLine(a.secrets.Scrub(f.DisplayName()), 40), status, f.ItemCount,
			formatTime(f.LastFetch), next, pollReason(f), oneLine(errText, 100), a.feedURLs(f))
	}
	return tw.Flush()
}

// pollReason says why a feed's next poll is when it is.
func pollReason(f store.Feed) string {
	switch {
	case f.LastFetch.IsZero():
		return "never polled: due at once"
	case f.PollReason == "":
		return "polled before poll plans were kept: due at once"
	}
	return f.PollReason
}

// feedWebSub returns a feed's hub and subscription, nil when it declares
// no hub.
func feedWebSub(a *app, db *store.DB, f store.Feed) (*websubOutput, error) {
	if f.Hub == "" || f.ID == 0 {
		return nil, nil
	}
	ws := &websubOutput{Hub: f.Hub, Topic: f.Self, State: "not subscribed"}
	sub, err := db.Subscription(a.ctx, f.ID)
	switch {
	case errors.Is(err, store.ErrNotFound):
		return ws, nil
	case err != nil:
		return nil, err
	}
	ws.Topic, ws.State, ws.Error = sub.Topic, string(sub.State), sub.LastError
	ws.LeaseUntil, ws.LastPush = timePtr(sub.LeaseUntil), timePtr(sub.LastPush)
	return ws, nil
}

func timePtr(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	u := t.UTC()
	return &u
}

// feedURLs shows the configured URL and, after a 301 or 308, the one the
// feed is fetched from now.
func (a *app) feedURLs(f store.Feed) string {
	u := a.secrets.Scrub(f.URL)
	if f.FetchURL != "" && f.FetchURL != f.URL {
		u += " (moved to " + a.secrets.Scrub(f.FetchURL) + ")"
	}
	return u
}
