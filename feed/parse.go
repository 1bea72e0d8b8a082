package feed

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"net/url"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/mmcdole/gofeed"
	"github.com/mmcdole/gofeed/atom"
	"github.com/mmcdole/gofeed/rss"

	"github.com/storywatch/storywatch/safe"
)

// The most bytes of plain text kept of each field of an item: a feed that
// puts a book into one item is read, matched and stored up to these, so
// that its cost is bounded by them rather than by max_body
// (docs/security.md).
const (
	MaxTitle   = 4 << 10
	MaxSummary = 64 << 10
	MaxContent = 256 << 10
	// MaxField bounds the author, category and outlet of an item and the
	// feed's own title.
	MaxField = 1 << 10
)

// Feed is one parsed feed document.
type Feed struct {
	// Title is the feed's own title as plain text.
	Title string
	// Items are the feed's entries in document order, each with a Key that
	// is unique within the feed.
	Items []Item
	// Hint is what the document asks for: RSS ttl or sy:updatePeriod.
	Hint Hint
	// Hub and Self are the WebSub hub and topic the document declares
	// (<link rel="hub"> and rel="self"); empty when it declares none.
	Hub, Self string
}

// Parse turns the bytes of a feed document into items. It reads RSS
// 0.9x/1.0/2.0, Atom and JSON Feed in any declared or sniffed encoding;
// contentType is the HTTP Content-Type (its charset overrides the XML
// declaration; "" when unknown) and feedURL is where the bytes came from,
// used to resolve relative links and to name the feed in errors. An empty
// document, or one that is not a feed, is an error. Parse never panics.
func Parse(data []byte, contentType, feedURL string) (feed *Feed, err error) {
	defer func() {
		if r := recover(); r != nil {
			feed = nil
			err = fmt.Errorf("parse %s: feed parser panicked: %s", feedURL, oneLine(fmt.Sprint(r)))
		}
	}()
	doc := toUTF8(data, contentType)
	if why := notAFeed(doc); why != "" {
		return nil, fmt.Errorf("parse %s: not a feed: %s", feedURL, why)
	}
	f, err := newParser().Parse(bytes.NewReader(doc))
	if errors.Is(err, gofeed.ErrFeedTypeNotDetected) {
		return nil, fmt.Errorf("parse %s: not a feed: no rss, rdf or feed root element near the start", feedURL)
	}
	if err != nil {
		return nil, fmt.Errorf("parse %s: %s", feedURL, oneLine(err.Error()))
	}
	return convert(f, feedURL, atomPlainFields(f, doc)), nil
}

// newParser returns gofeed's parser as Parse uses it: the format-specific
// feed kept (sourceTitles, atomPlainFields), no second parse of every
// item's HTML to find an image.
func newParser() *gofeed.Parser {
	p := gofeed.NewParser()
	p.KeepOriginalFeed = true
	p.RSSTranslator = &gofeed.DefaultRSSTranslator{DisableContentImageScan: true}
	return p
}

// notAFeed explains why a document is certainly not a feed, or returns "".
func notAFeed(doc []byte) string {
	trimmed := bytes.TrimLeft(doc, " \t\r\n\ufeff")
	if len(trimmed) == 0 {
		return "empty document"
	}
	switch trimmed[0] {
	case '<':
		root, err := rootElement(trimmed)
		switch {
		case err != nil:
			return "not well-formed XML: " + oneLine(err.Error())
		case root == "":
			return "XML document without a root element"
		case strings.EqualFold(root, "html"):
			return "an HTML page, not a feed"
		case !strings.EqualFold(root, "rss") && !strings.EqualFold(root, "rdf") && !strings.EqualFold(root, "feed"):
			return fmt.Sprintf("root element <%s> is not rss, rdf:RDF or feed", root)
		}
	case '{':
		var top map[string]json.RawMessage
		if err := json.Unmarshal(trimmed, &top); err != nil {
			return "invalid JSON: " + oneLine(err.Error())
		}
		if _, ok := top["version"]; !ok {
			if _, ok := top["items"]; !ok {
				return "JSON without version or items"
			}
		}
	case '[':
		if json.Valid(trimmed) {
			return "a JSON array, not a JSON Feed object"
		}
		return "neither XML nor JSON"
	default:
		return "neither XML nor JSON"
	}
	return ""
}

// rootElement returns the local name of the first element of an XML
// document, reading no further than that.
func rootElement(doc []byte) (string, error) {
	d := xml.NewDecoder(bytes.NewReader(doc))
	d.Strict = false
	d.CharsetReader = func(_ string, r io.Reader) (io.Reader, error) { return r, nil }
	for range 10000 {
		tok, err := d.RawToken()
		if err == io.EOF {
			return "", nil
		}
		if err != nil {
			return "", err
		}
		if se, ok := tok.(xml.StartElement); ok {
			return se.Name.Local, nil
		}
	}
	return "", nil
}

// convert turns gofeed's items into Items; plain says, per item, which of
// its fields are declared plain text (nil: none).
func convert(f *gofeed.Feed, feedURL string, plain []plainFields) *Feed {
	base := absoluteBase(feedURL)
	if base == nil {
		base = absoluteBase(strings.TrimSpace(f.Link))
	}
	outlets := sourceTitles(f)
	items := make([]Item, 0, len(f.Items))
	for i, gi := range f.Items {
		if gi == nil {
			continue
		}
		var p plainFields
		if i < len(plain) {
			p = plain[i]
		}
		it := Item{
			GUID:      strings.TrimSpace(gi.GUID),
			Title:     fieldText(gi.Title, p.title, MaxTitle),
			Summary:   fieldText(gi.Description, p.summary, MaxSummary),
			Content:   fieldText(gi.Content, p.content, MaxContent),
			Author:    authors(gi),
			Category:  plainText(strings.Join(gi.Categories, ", "), MaxField),
			Published: published(gi),
		}
		if it.Summary == "" && gi.ITunesExt != nil {
			it.Summary = plainText(gi.ITunesExt.Summary, MaxSummary)
		}
		if i < len(outlets) {
			it.Outlet = plainText(outlets[i], MaxField)
		}
		if it.Outlet == "" {
			it.Outlet = plainText(extValue(gi.Extensions, "Source"), MaxField) // Bing News
		}
		it.URL = itemURL(gi, it.GUID, base)
		if target := unwrapClick(it.URL); target != it.URL {
			it.URL = safe.Link(target)
		}
		it.CanonicalURL = Canonical(it.URL)
		items = append(items, it)
	}
	out := &Feed{Title: plainText(f.Title, MaxField), Items: assignKeys(items), Hint: feedHint(f)}
	out.Hub, out.Self = hubLinks(f, base)
	return out
}

// absoluteBase returns u parsed when it is an absolute http(s) URL.
func absoluteBase(u string) *url.URL {
	b, err := url.Parse(u)
	if err != nil || (b.Scheme != "http" && b.Scheme != "https") || b.Host == "" {
		return nil
	}
	return b
}

// itemURL returns the item's link made absolute, or "" when it is not an
// http or https URL (safe.Link). An RSS guid that is itself a URL stands in
// for a missing link.
func itemURL(gi *gofeed.Item, guid string, base *url.URL) string {
	link := strings.TrimSpace(gi.Link)
	if link == "" {
		for _, l := range gi.Links {
			if l = strings.TrimSpace(l); l != "" {
				link = l
				break
			}
		}
	}
	if link == "" && (strings.HasPrefix(guid, "http://") || strings.HasPrefix(guid, "https://")) {
		link = guid
	}
	if plainURL(link) {
		// What the steps below would return, without them.
		return link
	}
	if link == "" || base == nil {
		return safe.Link(link)
	}
	ref, err := url.Parse(link)
	if err != nil {
		// A link url.Parse refuses (a control character, a bad escape)
		// is dropped, never kept raw for a terminal or a mail to show.
		return ""
	}
	return safe.Link(base.ResolveReference(ref).String())
}

func authors(gi *gofeed.Item) string {
	people := gi.Authors
	if len(people) == 0 && gi.Author != nil {
		people = []*gofeed.Person{gi.Author}
	}
	var names []string
	for _, p := range people {
		if p == nil {
			continue
		}
		name := plainText(p.Name, MaxField)
		if name == "" {
			name = plainText(p.Email, MaxField)
		}
		if name != "" {
			names = append(names, name)
		}
	}
	return cut(strings.Join(names, ", "), MaxField)
}

// cut shortens s to at most n bytes at a character boundary.
func cut(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}

// published returns the item's publication time, else its update time, in
// UTC; zero when unknown or outside the years 1–9999 that every consumer
// (JSON, SQLite, templates) can represent.
func published(gi *gofeed.Item) time.Time {
	for _, t := range []*time.Time{gi.PublishedParsed, gi.UpdatedParsed} {
		if t == nil || t.IsZero() {
			continue
		}
		u := t.UTC()
		if u.Year() < 1 || u.Year() > 9999 {
			continue
		}
		return u
	}
	return time.Time{}
}

// sourceTitles returns, per item, the title of the <source> it credits
// (Google News names the outlet there), from the format-specific feed that
// gofeed keeps beside its universal one, item for item.
func sourceTitles(f *gofeed.Feed) []string {
	var titles []string
	switch orig := f.OriginalFeed().(type) {
	case *rss.Feed:
		if len(orig.Items) != len(f.Items) {
			return nil
		}
		for _, it := range orig.Items {
			var t string
			if it != nil && it.Source != nil {
				t = it.Source.Title
			}
			titles = append(titles, t)
		}
	case *atom.Feed:
		if len(orig.Entries) != len(f.Items) {
			return nil
		}
		for _, e := range orig.Entries {
			var t string
			if e != nil && e.Source != nil {
				t = e.Source.Title
			}
			titles = append(titles, t)
		}
	}
	return titles
}

// oneLine keeps error messages on one line: parser errors can quote input.
func oneLine(s string) string {
	return strings.Join(strings.Fields(s), " ")
}
