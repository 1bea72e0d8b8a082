package feed

import (
	"bytes"
	"reflect"
	"strings"
	"testing"
	"time"
)

const nestedOPML = `<?xml version="1.0" encoding="UTF-8"?>
<opml version="2.0"><head><title>Subscriptions</title></head><body>
  <outline text="News">
    <outline text="Europe">
      <outline type="rss" text="BBC Europe" xmlUrl="https://feeds.bbci.co.uk/news/world/europe/rss.xml" category="/wire,/Ukraine/War"/>
    </outline>
    <outline type="rss" text="https://example.org/feed" xmlUrl="https://example.org/feed"/>
  </outline>
  <outline text="Again">
    <outline type="rss" title="BBC Europe (again)" xmlUrl="https://feeds.bbci.co.uk/news/world/europe/rss.xml"/>
  </outline>
  <outline type="rss" title="Loose" xmlUrl="https://loose.example/rss"/>
</body></opml>`

func TestParseOPML(t *testing.T) {
	t.Parallel()
	subs, err := ParseOPML([]byte(nestedOPML))
	if err != nil {
		t.Fatal(err)
	}
	want := []Subscription{
		{Title: "BBC Europe", URL: "https://feeds.bbci.co.uk/news/world/europe/rss.xml", Tags: []string{"News", "Europe", "wire", "Ukraine", "War", "Again"}},
		{URL: "https://example.org/feed", Tags: []string{"News"}},
		{Title: "Loose", URL: "https://loose.example/rss"},
	}
	if !reflect.DeepEqual(subs, want) {
		t.Errorf("subscriptions:\n got %+v\nwant %+v", subs, want)
	}
	for name, doc := range map[string]string{
		"not XML":    "feeds: []",
		"no feeds":   `<opml version="2.0"><head/><body><outline text="Empty"/></body></opml>`,
		"not OPML":   `<rss version="2.0"><channel/></rss>`,
		"empty file": "",
	} {
		if _, err := ParseOPML([]byte(doc)); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

func TestWriteOPMLRoundTrips(t *testing.T) {
	t.Parallel()
	subs := []Subscription{
		{Title: "BBC World", URL: "https://feeds.bbci.co.uk/news/world/rss.xml"},
		{Title: "Kyiv Independent", URL: "https://kyivindependent.com/news-archive/rss/", Tags: []string{"ukraine"}},
		{Title: "TASS & co", URL: "https://tass.com/rss/v2.xml?a=1&b=2", Tags: []string{"russia", "state-media"}},
		{URL: "https://example.org/untitled", Tags: []string{"ukraine"}},
	}
	var buf bytes.Buffer
	if err := WriteOPML(&buf, "storywatch feeds", subs, time.Date(2025, 11, 26, 0, 0, 0, 0, time.UTC)); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(buf.String(), `xmlUrl="https://tass.com/rss/v2.xml?a=1&amp;b=2"`) {
		t.Errorf("URL not escaped:\n%s", buf.String())
	}
	back, err := ParseOPML(buf.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	// Feeds come back grouped by their first tag.
	want := []Subscription{subs[0], subs[1], subs[3], subs[2]}
	if !reflect.DeepEqual(back, want) {
		t.Errorf("round trip:\n got %+v\nwant %+v\n%s", back, want, buf.String())
	}
}

func TestDiscover(t *testing.T) {
	t.Parallel()
	page := `<!doctype html><html><head><title>Kyiv Independent</title>
<base href="https://kyivindependent.com/news/">
<link rel="alternate" type="application/rss+xml" title="Kyiv Independent  RSS" href="/news-archive/rss/">
<link rel="alternate" type="application/atom+xml" href="atom.xml">
<link rel="alternate" type="application/rss+xml" href="/news-archive/rss/">
<link rel="stylesheet" type="text/css" href="/style.css">
<link rel="alternate" hreflang="uk" href="https://kyivindependent.com/uk/">
<link rel="alternate feed" type="application/feed+json" href="https://kyivindependent.com/feed.json">
</head><body><a href="/rss.xml">not a link element</a></body></html>`
	got := Discover([]byte(page), "text/html; charset=utf-8", "https://kyivindependent.com/")
	want := []Subscription{
		{URL: "https://kyivindependent.com/news-archive/rss/", Title: "Kyiv Independent RSS"},
		{URL: "https://kyivindependent.com/news/atom.xml"},
		{URL: "https://kyivindependent.com/feed.json"},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Discover:\n got %+v\nwant %+v", got, want)
	}
}
