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

// PlainText turns a feed's HTML fragment into plain text for matching and
// display: tags are removed, entities decoded, script and style dropped,
// block elements become line breaks and runs of white space collapse to one
// space. Text that is not HTML passes through with its white space collapsed.
// Feeds mix the two freely, so every text field goes through here.
func PlainText(s string) string { return plainText(s, 0) }

// plainText is PlainText stopping once the text reaches limit bytes (0 for
// no limit): a field is cut at a character boundary, and the rest of a huge
// field is never tokenized or copied.
func plainText(s string, limit int) string {
	if !strings.ContainsAny(s, "<&") {
		return collapse(s, limit)
	}
	b := textBuilder{limit: limit}
	b.sb.Grow(b.capacity(len(s)))
	z := html.NewTokenizer(strings.NewReader(s))
	skip := 0 // depth inside elements whose content is never text
	for !b.full {
		tt := z.Next()
		switch tt {
		case html.ErrorToken:
			return b.String()
		case html.TextToken:
			if skip == 0 {
				b.text(z.Text())
			}
		case html.StartTagToken, html.SelfClosingTagToken:
			name, _ := z.TagName()
			a := atom.Lookup(name)
			if dropped[a] {
				// A self-closed form has no end tag to wait for.
				if tt == html.StartTagToken {
					skip++
				}
				continue
			}
			if blocks[a] {
				b.lineBreak()
			}
		case html.EndTagToken:
			name, _ := z.TagName()
			a := atom.Lookup(name)
			if dropped[a] {
				if skip > 0 {
					skip--
				}
				continue
			}
			if blocks[a] {
				b.lineBreak()
			}
		}
	}
	return b.String()
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

// textBuilder collects text with collapsed white space: at most one space
// between words and at most one line break between blocks, none at the ends.
// With a limit it stops (full) before the text would grow past limit bytes.
type textBuilder struct {
	sb      strings.Builder
	pending byte // ' ' or '\n' owed before the next word, 0 for none
	limit   int  // 0 for none
	full    bool
}

// capacity is the most bytes the text of an n-byte input can take.
func (b *textBuilder) capacity(n int) int {
	if b.limit > 0 {
		return min(n, b.limit)
	}
	return n
}

func (b *textBuilder) lineBreak() {
	if b.sb.Len() > 0 {
		b.pending = '\n'
	}
}

func (b *textBuilder) text(p []byte) {
	for len(p) > 0 {
		r, n := utf8.DecodeRune(p)
		p = p[n:]
		if r >= 0x80 && r <= 0x9F {
			// C1 controls in feed text are windows-1252 punctuation that
			// went through a Latin-1 decoder ("don\u0092t" is "don’t").
			r = charmap.Windows1252.DecodeByte(byte(r))
		}
		if safe.Bidi(r) {
			// An override would make the text read other than it is
			// matched and stored.
			continue
		}
		if isSpace(r) {
			if b.sb.Len() > 0 && b.pending == 0 {
				b.pending = ' '
			}
			continue
		}
		if r == utf8.RuneError && n == 1 {
			r = unicode.ReplacementChar
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

func (b *textBuilder) String() string { return b.sb.String() }

// isSpace reports white space and the control characters that feeds leak
// into text; both only ever separate words.
func isSpace(r rune) bool {
	return unicode.IsSpace(r) || unicode.IsControl(r) || r == '\u200b' || r == '\ufeff'
}

// collapse is PlainText's fast path for text without markup.
func collapse(s string, limit int) string {
	b := textBuilder{limit: limit}
	b.sb.Grow(b.capacity(len(s)))
	for len(s) > 0 && !b.full {
		// In slices, so that a huge field is not copied whole to bytes.
		n := min(len(s), 4096)
		for n < len(s) && !utf8.RuneStart(s[n]) {
			n++
		}
		b.text([]byte(s[:n]))
		s = s[n:]
	}
	return b.String()
}
