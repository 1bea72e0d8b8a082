package feed

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"
)

// Subscription is one feed of an OPML subscription list, as feed readers
// export them (Feedly, Inoreader, Miniflux, NetNewsWire, …).
type Subscription struct {
	// Title is the outline's title, else its text; "" when it only
	// repeats the URL.
	Title string
	// URL is the feed (xmlUrl); HTMLURL the site (htmlUrl), if given.
	URL     string
	HTMLURL string
	// Tags are the folders the outline sits in, outermost first, then the
	// parts of its category attribute, each once.
	Tags []string
}

type opmlDoc struct {
	XMLName xml.Name    `xml:"opml"`
	Version string      `xml:"version,attr"`
	Title   string      `xml:"head>title"`
	Created string      `xml:"head>dateCreated,omitempty"`
	Body    opmlOutline `xml:"body"`
}

type opmlOutline struct {
	Text     string        `xml:"text,attr,omitempty"`
	Title    string        `xml:"title,attr,omitempty"`
	Type     string        `xml:"type,attr,omitempty"`
	XMLURL   string        `xml:"xmlUrl,attr,omitempty"`
	HTMLURL  string        `xml:"htmlUrl,attr,omitempty"`
	Category string        `xml:"category,attr,omitempty"`
	Outlines []opmlOutline `xml:"outline"`
}

// ParseOPML reads an OPML file's subscriptions in document order. Folders
// (outlines without an xmlUrl) become tags of the feeds inside them. A feed
// listed twice is returned once, with the tags of both places.
func ParseOPML(data []byte) ([]Subscription, error) {
	var doc opmlDoc
	d := xml.NewDecoder(bytes.NewReader(toUTF8(data, "")))
	d.Strict = false
	d.CharsetReader = func(_ string, r io.Reader) (io.Reader, error) { return r, nil }
	if err := d.Decode(&doc); err != nil {
		return nil, fmt.Errorf("parse OPML: %s", oneLine(err.Error()))
	}
	var subs []Subscription
	index := map[string]int{}
	var walk func(o opmlOutline, folders []string)
	walk = func(o opmlOutline, folders []string) {
		if u := strings.TrimSpace(o.XMLURL); u != "" {
			s := Subscription{URL: u, HTMLURL: strings.TrimSpace(o.HTMLURL), Title: outlineTitle(o)}
			s.Tags = addTags(slices.Clone(folders), categories(o.Category)...)
			if i, dup := index[u]; dup {
				subs[i].Tags = addTags(subs[i].Tags, s.Tags...)
			} else {
				index[u] = len(subs)
				subs = append(subs, s)
			}
		}
		inner := folders
		if o.XMLURL == "" {
			if name := outlineTitle(o); name != "" {
				inner = addTags(slices.Clone(folders), name)
			}
		}
		for _, kid := range o.Outlines {
			walk(kid, inner)
		}
	}
	walk(doc.Body, nil)
	if len(subs) == 0 {
		return nil, fmt.Errorf("parse OPML: no outline with an xmlUrl")
	}
	return subs, nil
}

func outlineTitle(o opmlOutline) string {
	t := strings.TrimSpace(o.Title)
	if t == "" {
		t = strings.TrimSpace(o.Text)
	}
	if t == strings.TrimSpace(o.XMLURL) {
		return ""
	}
	return strings.Join(strings.Fields(t), " ")
}

// categories splits OPML 2.0's category attribute: comma-separated,
// slash-delimited paths ("/News/World,/Ukraine").
func categories(attr string) []string {
	var out []string
	for path := range strings.SplitSeq(attr, ",") {
		for part := range strings.SplitSeq(path, "/") {
			if part = strings.TrimSpace(part); part != "" {
				out = append(out, part)
			}
		}
	}
	return out
}

func addTags(tags []string, more ...string) []string {
	for _, t := range more {
		if !slices.Contains(tags, t) {
			tags = append(tags, t)
		}
	}
	return tags
}

// WriteOPML writes subscriptions as an OPML 2.0 file: feeds with tags go
// in a folder named after their first tag (what feed readers import as a
// category) and carry every tag in their category attribute, so that
// ParseOPML gives back the same tags.
func WriteOPML(w io.Writer, title string, subs []Subscription, now time.Time) error {
	doc := opmlDoc{Version: "2.0", Title: title, Created: now.UTC().Format(time.RFC1123Z)}
	folders := map[string]int{}
	for _, s := range subs {
		o := opmlOutline{Text: s.Title, Title: s.Title, Type: "rss", XMLURL: s.URL, HTMLURL: s.HTMLURL}
		if o.Text == "" {
			o.Text = s.URL
		}
		if len(s.Tags) == 0 {
			doc.Body.Outlines = append(doc.Body.Outlines, o)
			continue
		}
		cats := make([]string, len(s.Tags))
		for i, t := range s.Tags {
			cats[i] = "/" + strings.ReplaceAll(strings.ReplaceAll(t, "/", " "), ",", " ")
		}
		o.Category = strings.Join(cats, ",")
		i, ok := folders[s.Tags[0]]
		if !ok {
			i = len(doc.Body.Outlines)
			folders[s.Tags[0]] = i
			doc.Body.Outlines = append(doc.Body.Outlines, opmlOutline{Text: s.Tags[0], Title: s.Tags[0]})
		}
		doc.Body.Outlines[i].Outlines = append(doc.Body.Outlines[i].Outlines, o)
	}
	if _, err := io.WriteString(w, xml.Header); err != nil {
		return fmt.Errorf("write OPML: %w", err)
	}
	enc := xml.NewEncoder(w)
	enc.Indent("", "  ")
	if err := enc.Encode(doc); err != nil {
		return fmt.Errorf("write OPML: %w", err)
	}
	if _, err := io.WriteString(w, "\n"); err != nil {
		return fmt.Errorf("write OPML: %w", err)
	}
	return nil
}
