package web

import (
	"fmt"
	"net/url"
	"testing"
	"time"

	"github.com/storywatch/storywatch/backtest"
	"github.com/storywatch/storywatch/match"
)

// BenchmarkTry measures /try over 10,000 stored items (a tenth of them
// hit), from the request to the rendered page.
func BenchmarkTry(b *testing.B) {
	pages := samplePages()
	for i := range 10000 {
		title := fmt.Sprintf("Report %d on the talks in Geneva", i)
		if i%10 == 0 {
			title = fmt.Sprintf("Witkoff call with Ushakov leaked, report %d", i)
		}
		pages.items = append(pages.items, backtest.Item{ID: int64(i + 1), StoryID: int64(i + 1), FirstSeen: testNow.Add(-time.Duration(i) * time.Minute),
			Title: title, URL: fmt.Sprintf("https://news.example/%d", i),
			Copies: []backtest.Copy{{Doc: match.Document{Title: title, URL: fmt.Sprintf("https://news.example/%d", i),
				Summary: "Officials met for a second day to discuss a framework for ending the war; the envoy said the talks were productive and that a plan would be presented to both sides next week."}}}})
	}
	_, h := newPageServer(b, pages, "")
	target := "/try?since=720h&q=" + url.QueryEscape("@witkoff AND @ushakov AND (call OR leak*)")
	b.ReportAllocs()
	for b.Loop() {
		if rec := get(b, h, "GET", target, nil); rec.Code != 200 {
			b.Fatalf("try = %d", rec.Code)
		}
	}
}
