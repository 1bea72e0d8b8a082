package feed

import (
	"strings"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// PlainText turns a feed's HTML fragment into plain text for matching and
// display: tags are removed, entities decoded, script and style dropped,
// block elements become line breaks and runs of white space collapse to one
// space. Text that is not HTML passes through with its white space collapsed.
// Feeds mix the two freely, so every text field goes through here.
func PlainText(s string) string { return plainText(s, 0) }

// plainText is PlainText stopping once the text reaches limit bytes (0 for
// no limit): a field is cut at a character boundary, and the rest of a huge
// field is never tokenized or copied. The markup most feeds send is read in
// one pass (markupText); what that pass leaves to it goes through the HTML
// tokenizer, which gives the same text for what both read.
func plainText(s string, limit int) string {
	if strings.IndexByte(s, '<') < 0 && strings.IndexByte(s, '&') < 0 {
		return collapse(s, limit)
	}
	if text, ok := markupText(s, limit); ok {
		return text
	}
	return tokenizedText(s, limit)
}

// tokenizedText is plainText through the HTML tokenizer.
func tokenizedText(s string, limit int) string {
	b := textBuilder{limit: limit}
	b.sb.Grow(b.capacity(len(s)))
	z := html.NewTokenizer(strings.NewReader(s))
	for !b.full {
		tt := z.Next()
		switch tt {
		case html.ErrorToken:
			return b.String()
		case html.TextToken:
			if b.skip == 0 {
				addText(&b, z.Text())
			}
		case html.StartTagToken, html.SelfClosingTagToken, html.EndTagToken:
			name, _ := z.TagName()
			b.element(atom.Lookup(name), tt)
		}
	}
	return b.String()
}

// element takes note of a tag: the content of dropped elements is skipped,
// block elements break the line.
func (b *textBuilder) element(a atom.Atom, tt html.TokenType) {
	if dropped[a] {
		switch {
		case tt == html.StartTagToken:
			// A self-closed form has no end tag to wait for.
			b.skip++
		case tt == html.EndTagToken && b.skip > 0:
			b.skip--
		}
		return
	}
	if blocks[a] {
		b.lineBreak()
	}
}

// dropped elements carry code or markup, never readable text.
var dropped = map[atom.Atom]bool{
	atom.Script: true, atom.Style: true, atom.Noscript: true, atom.Template: true,
	atom.Iframe: true, atom.Object: true, atom.Svg: true, atom.Math: true, atom.Head: true,
}

// blocks are the elements that separate words; inline elements (b, a, span)
// do not, so "Wit<b>koff</b>" stays one word.
var blocks = map[atom.Atom]bool{
	atom.P: true, atom.Div: true, atom.Br: true, atom.Hr: true, atom.Li: true, atom.Ul: true,
	atom.Ol: true, atom.Dl: true, atom.Dt: true, atom.Dd: true, atom.Table: true, atom.Tr: true,
	atom.Td: true, atom.Th: true, atom.Thead: true, atom.Tbody: true, atom.Tfoot: true,
	atom.Caption: true, atom.H1: true, atom.H2: true, atom.H3: true, atom.H4: true, atom.H5: true,
	atom.H6: true, atom.Blockquote: true, atom.Pre: true, atom.Section: true, atom.Article: true,
	atom.Aside: true, atom.Header: true, atom.Footer: true, atom.Nav: true, atom.Figure: true,
	atom.Figcaption: true, atom.Address: true, atom.Main: true, atom.Img: true, atom.Title: true,
	atom.Body: true, atom.Html: true, atom.Details: true, atom.Summary: true, atom.Center: true,
}
