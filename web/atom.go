package web

import (
	"encoding/xml"
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/storywatch/storywatch/safe"
)

// The Atom 1.0 document (RFC 4287). encoding/xml escapes all text, so no
// feed markup can reach a reader as markup.
type atomFeed struct {
	XMLName   xml.Name    `xml:"http://www.w3.org/2005/Atom feed"`
	ID        string      `xml:"id"`
	Title     string      `xml:"title"`
	Updated   string      `xml:"updated"`
	Author    atomPerson  `xml:"author"`
	Generator string      `xml:"generator"`
	Links     []atomLink  `xml:"link"`
	Entries   []atomEntry `xml:"entry"`
}

type atomPerson struct {
	Name string `xml:"name"`
}

type atomLink struct {
	Rel  string `xml:"rel,attr,omitempty"`
	Type string `xml:"type,attr,omitempty"`
	Href string `xml:"href,attr"`
}

type atomText struct {
	Type string `xml:"type,attr"`
	Body string `xml:",chardata"`
}

type atomCategory struct {
	Term string `xml:"term,attr"`
}

type atomEntry struct {
	ID         string         `xml:"id"`
	Title      atomText       `xml:"title"`
	Updated    string         `xml:"updated"`
	Published  string         `xml:"published,omitempty"`
	Links      []atomLink     `xml:"link"`
	Authors    []atomPerson   `xml:"author,omitempty"`
	Categories []atomCategory `xml:"category"`
	Summary    atomText       `xml:"summary"`
}

// tagPrefix starts the ids of feeds and entries (RFC 4151 tag URIs): stable
// across restarts and independent of the address the daemon is reached at.
// The database's instance id follows (Options.Instance), so two
// installations never share an id and a database made again never reuses
// one: "tag:storywatch.github.io,2025:3f…9a/story/8".
const tagPrefix = "tag:storywatch.github.io,2025:"

// idPrefix returns the start of the server's feed and entry ids.
func (s *Server) idPrefix() string {
	if s.instance == "" {
		return tagPrefix
	}
	return tagPrefix + s.instance + "/"
}

// hitsAtom serves /hits.atom?watch=ID: the stories of the last week (one
// entry per story) for one watch, or for all watches without watch=.
func (s *Server) hitsAtom(w http.ResponseWriter, r *http.Request) {
	q, err := s.hitQuery(r, feedSince)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	settings, _ := s.current()
	title := "storywatch: all watches"
	if q.Watch != "" {
		t, known := settings.Watches[q.Watch]
		if settings.Watches != nil && !known {
			http.Error(w, fmt.Sprintf("no watch %q", q.Watch), http.StatusNotFound)
			return
		}
		if t == "" {
			t = q.Watch
		}
		title = "storywatch: " + t
	}
	hits, err := s.store.Hits(r.Context(), q)
	if err != nil {
		s.log.Error("list hits for the Atom feed", "error", err)
		http.Error(w, "could not read hits", http.StatusInternalServerError)
		return
	}
	feed := buildFeed(hits, s.idPrefix(), q.Watch, title, selfURL(r, settings.PublicURL), s.now())
	w.Header().Set("Content-Type", "application/atom+xml; charset=utf-8")
	if _, err := w.Write([]byte(xml.Header)); err != nil {
		return
	}
	enc := xml.NewEncoder(w)
	enc.Indent("", "  ")
	if err := enc.Encode(feed); err != nil {
		s.log.Warn("write atom feed", "error", err)
	}
}

// selfURL is the feed's own address for rel="self": under the configured
// public URL, or relative (path and query) without one. Never from the
// Host header, which is the client's to choose and must not be echoed
// into a document that readers store and follow.
func selfURL(r *http.Request, public string) string {
	u := url.URL{Path: r.URL.Path, RawQuery: r.URL.RawQuery}
	return strings.TrimRight(public, "/") + u.String()
}

// story is the hits of one story, for one entry.
type story struct {
	key  string
	hits []Hit
}

// buildFeed groups hits (newest first) into one entry per story; an item
// not yet in a story is a story of its own.
func buildFeed(hits []Hit, prefix, watch, title, self string, now time.Time) atomFeed {
	var stories []*story
	byKey := map[string]*story{}
	for _, h := range hits {
		key := "story/" + h.Story
		if h.Story == "" {
			key = fmt.Sprintf("item/%d", h.ItemID)
		}
		st, ok := byKey[key]
		if !ok {
			if len(stories) == feedEntries {
				continue
			}
			st = &story{key: key}
			byKey[key] = st
			stories = append(stories, st)
		}
		st.hits = append(st.hits, h)
	}
	feedID := prefix + "hits"
	if watch != "" {
		feedID += "/" + url.PathEscape(watch)
	}
	feed := atomFeed{
		ID:        feedID,
		Title:     title,
		Updated:   now.UTC().Format(time.RFC3339),
		Author:    atomPerson{Name: "storywatch"},
		Generator: "storywatch",
		Links:     []atomLink{{Rel: "self", Type: "application/atom+xml", Href: self}},
	}
	for i, st := range stories {
		e := entryFor(st, prefix)
		if i == 0 {
			feed.Updated = e.Updated
		}
		feed.Entries = append(feed.Entries, e)
	}
	return feed
}

// leadOf returns the hit of the story's lead item, whose id is the story's
// id; when the lead has no hit among these, the earliest copy (the lowest
// item id) stands in for it.
func leadOf(st *story) Hit {
	lead := st.hits[0]
	for _, h := range st.hits {
		if h.Story != "" && strconv.FormatInt(h.ItemID, 10) == h.Story {
			return h
		}
		if h.ItemID < lead.ItemID {
			lead = h
		}
	}
	return lead
}

func entryFor(st *story, prefix string) atomEntry {
	lead := leadOf(st)
	e := atomEntry{
		ID:    prefix + st.key,
		Title: atomText{Type: "text", Body: safe.Text(lead.Title)},
		// Hits arrive newest first.
		Updated: st.hits[0].FoundAt.UTC().Format(time.RFC3339),
	}
	// Only an http(s) link is republished: a feed's javascript:, data: or
	// vbscript: link would run in a reader that follows it.
	link := safe.Link(lead.ItemURL)
	if link != "" {
		e.Links = []atomLink{{Rel: "alternate", Type: "text/html", Href: link}}
	}
	if e.Title.Body == "" {
		e.Title.Body = link
	}
	if e.Title.Body == "" {
		e.Title.Body = "(untitled)"
	}
	if !lead.Published.IsZero() {
		e.Published = lead.Published.UTC().Format(time.RFC3339)
	}
	if feed := safe.Text(lead.Feed); feed != "" {
		e.Authors = []atomPerson{{Name: feed}}
	}
	watches := map[string]bool{}
	var lines []string
	// Oldest hit first: the order the watches found the story in.
	sorted := append([]Hit(nil), st.hits...)
	sort.SliceStable(sorted, func(i, j int) bool { return sorted[i].FoundAt.Before(sorted[j].FoundAt) })
	for _, h := range sorted {
		if watches[h.Watch] {
			continue
		}
		watches[h.Watch] = true
		e.Categories = append(e.Categories, atomCategory{Term: h.Watch})
		line := fmt.Sprintf("%s (score %d)", h.Watch, h.Score)
		var terms []string
		for _, m := range h.Matches {
			terms = append(terms, m.Term)
		}
		if len(terms) > 0 {
			line += ": " + strings.Join(terms, ", ")
		}
		if len(h.Matches) > 0 && h.Matches[0].Snippet != "" {
			line += " — " + h.Matches[0].Snippet
		}
		lines = append(lines, safe.Text(line))
	}
	if len(lead.Outlets) > 1 {
		lines = append(lines, safe.Text("also in: "+strings.Join(lead.Outlets[1:], ", ")))
	}
	e.Summary = atomText{Type: "text", Body: strings.Join(lines, "\n")}
	return e
}
