package feed

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
	"golang.org/x/text/encoding/charmap"

	"github.com/storywatch/storywatch/safe"
)

// referencePlainText is the straightforward form of plainText: the HTML
// tokenizer for markup and one rune at a time into the text. plainText's
// fast paths must give exactly its output (TestPlainTextMatchesReference,
// FuzzPlainText).
func referencePlainText(s string, limit int) string {
	if !strings.ContainsAny(s, "<&") {
		return referenceCollapse(s, limit)
	}
	b := referenceBuilder{limit: limit}
	z := html.NewTokenizer(strings.NewReader(s))
	skip := 0
	for !b.full {
		tt := z.Next()
		switch tt {
		case html.ErrorToken:
			return b.sb.String()
		case html.TextToken:
			if skip == 0 {
				b.text(z.Text())
			}
		case html.StartTagToken, html.SelfClosingTagToken, html.EndTagToken:
			name, _ := z.TagName()
			a := atom.Lookup(name)
			if referenceDropped[a] {
				switch {
				case tt == html.StartTagToken:
					skip++
				case tt == html.EndTagToken && skip > 0:
					skip--
				}
				continue
			}
			if referenceBlocks[a] && b.sb.Len() > 0 {
				b.pending = '\n'
			}
		}
	}
	return b.sb.String()
}

// referenceCollapse is referencePlainText for text without markup.
func referenceCollapse(s string, limit int) string {
	b := referenceBuilder{limit: limit}
	b.text([]byte(s))
	return b.sb.String()
}

type referenceBuilder struct {
	sb      strings.Builder
	pending byte
	limit   int
	full    bool
}

func (b *referenceBuilder) text(p []byte) {
	for len(p) > 0 {
		// An invalid byte decodes to U+FFFD, which WriteRune writes.
		r, n := utf8.DecodeRune(p)
		p = p[n:]
		if r >= 0x80 && r <= 0x9F {
			r = charmap.Windows1252.DecodeByte(byte(r))
		}
		if safe.Bidi(r) {
			continue
		}
		if unicode.IsSpace(r) || unicode.IsControl(r) || r == '\u200b' || r == '\ufeff' {
			if b.sb.Len() > 0 && b.pending == 0 {
				b.pending = ' '
			}
			continue
		}
		if b.limit > 0 && b.sb.Len()+utf8.RuneLen(r)+min(int(b.pending), 1) > b.limit {
			b.full = true
			return
		}
		if b.pending != 0 {
			b.sb.WriteByte(b.pending)
			b.pending = 0
		}
		b.sb.WriteRune(r)
	}
}

var referenceDropped = map[atom.Atom]bool{
	atom.Script: true, atom.Style: true, atom.Noscript: true, atom.Template: true,
	atom.Iframe: true, atom.Object: true, atom.Svg: true, atom.Math: true, atom.Head: true,
}

var referenceBlocks = map[atom.Atom]bool{
	atom.P: true, atom.Div: true, atom.Br: true, atom.Hr: true, atom.Li: true, atom.Ul: true,
	atom.Ol: true, atom.Dl: true, atom.Dt: true, atom.Dd: true, atom.Table: true, atom.Tr: true,
	atom.Td: true, atom.Th: true, atom.Thead: true, atom.Tbody: true, atom.Tfoot: true,
	atom.Caption: true, atom.H1: true, atom.H2: true, atom.H3: true, atom.H4: true, atom.H5: true,
	atom.H6: true, atom.Blockquote: true, atom.Pre: true, atom.Section: true, atom.Article: true,
	atom.Aside: true, atom.Header: true, atom.Footer: true, atom.Nav: true, atom.Figure: true,
	atom.Figcaption: true, atom.Address: true, atom.Main: true, atom.Img: true, atom.Title: true,
	atom.Body: true, atom.Html: true, atom.Details: true, atom.Summary: true, atom.Center: true,
}
