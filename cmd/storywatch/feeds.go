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
}

// cmdFeeds shows each configured feed's fetch state.
func cmdFeeds(a *app, args []string) error {
	fs := a.flags("feeds")
	asJSON := fs.Bool("json", false, "one JSON object per line")
	if _, err := a.parse(fs, args); err != nil {
		return err
	}
	c, db, err := a.openConfigStore()
	if err != nil {
		return err
	}
	defer db.Close()

	feeds := make([]store.Feed, 0, len(c.Feeds))
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
	}

	if *asJSON {
		out := make([]feedOutput, len(feeds))
		for i, f := range feeds {
			out[i] = feedOutput{
				URL: f.URL, Name: f.Name, Title: f.Title, FetchURL: f.FetchURL,
				LastFetch: timePtr(f.LastFetch), LastSuccess: timePtr(f.LastSuccess),
				Status: f.LastStatus, Items: f.ItemCount, ConsecutiveErrors: f.ConsecutiveErrors,
				Error: f.LastError, NextAttempt: timePtr(f.NextAttempt),
			}
		}
		return writeJSONLines(a.stdout, out)
	}
	tw := tabwriter.NewWriter(a.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "FEED\tSTATUS\tITEMS\tLAST FETCH\tNEXT ATTEMPT\tERROR\tURL")
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
		fmt.Fprintf(tw, "%s\t%s\t%d\t%s\t%s\t%s\t%s\n", oneLine(f.DisplayName(), 40), status, f.ItemCount,
			formatTime(f.LastFetch), formatTime(f.NextAttempt), oneLine(errText, 100), f.URL)
	}
	return tw.Flush()
}

func timePtr(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	u := t.UTC()
	return &u
}
