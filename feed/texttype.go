package feed

import (
	"bytes"
	"encoding/xml"
	"io"
	"strings"

	"github.com/mmcdole/gofeed"
	"github.com/mmcdole/gofeed/atom"
)

// plainFields says which text constructs of one Atom entry declare
// type="text" (RFC 4287 §3.1.1): plain text, in which "<" and "&" are
// characters, not markup.
type plainFields struct {
	title, summary, content bool
}

// atomPlainFields returns, entry by entry, which fields of an Atom feed
// declare type="text". gofeed decodes such text but does not say so, and
// every field otherwise goes through PlainText, which would strip a
// literal "<script>…</script>" from a title: storywatch's own /hits.atom
// writes such titles. It returns nil for other feeds, for Atom feeds that
// declare no text type (the common case: no second reading of the
// document), and when the entries it finds do not line up with gofeed's.
func atomPlainFields(f *gofeed.Feed, doc []byte) []plainFields {
	orig, ok := f.OriginalFeed().(*atom.Feed)
	if !ok || (!bytes.Contains(doc, []byte(`type="text`)) && !bytes.Contains(doc, []byte(`type='text`))) {
		return nil
	}
	d := xml.NewDecoder(bytes.NewReader(doc))
	d.Strict = false
	d.CharsetReader = func(_ string, r io.Reader) (io.Reader, error) { return r, nil }
	var out []plainFields
	depth, entryDepth := 0, 0 // entryDepth is 0 outside an entry
	for {
		tok, err := d.RawToken()
		if err != nil {
			break
		}
		switch t := tok.(type) {
		case xml.StartElement:
			depth++
			switch {
			case entryDepth == 0 && t.Name.Local == "entry":
				entryDepth = depth
				out = append(out, plainFields{})
			case entryDepth > 0 && depth == entryDepth+1 && declaresText(t):
				p := &out[len(out)-1]
				switch t.Name.Local {
				case "title":
					p.title = true
				case "summary":
					p.summary = true
				case "content":
					p.content = true
				}
			}
		case xml.EndElement:
			if depth == entryDepth {
				entryDepth = 0
			}
			depth--
		}
	}
	if len(out) != len(orig.Entries) || len(out) != len(f.Items) {
		return nil
	}
	return out
}

// declaresText reports whether an Atom text construct's type is text
// (or a text/* media type, for content).
func declaresText(e xml.StartElement) bool {
	for _, a := range e.Attr {
		if a.Name.Local == "type" {
			v := strings.ToLower(strings.TrimSpace(a.Value))
			return v == "text" || (strings.HasPrefix(v, "text/") && v != "text/html")
		}
	}
	return false
}

// fieldText returns a field's text for matching and display, at most
// limit bytes: collapsed white space for declared plain text, PlainText
// otherwise.
func fieldText(s string, plain bool, limit int) string {
	if plain {
		return collapse(s, limit)
	}
	return plainText(s, limit)
}
