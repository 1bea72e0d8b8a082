package feed

import (
	"strings"

	nethtml "golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// markupText is plainText in one pass over the markup most feeds send:
// text, tags with quoted or simple attributes, comments and character
// references. It reads them as the HTML tokenizer does, and gives up (ok false, the
// text to be discarded) at the first construct whose reading it leaves to
// the tokenizer: the elements whose content is raw text (script, style,
// title, textarea, …), unusual tag or attribute syntax, a tag cut off by
// the end, and named references it cannot resolve the tokenizer's way.
func markupText(s string, limit int) (text string, ok bool) {
	b := textBuilder{limit: limit}
	b.sb.Grow(b.capacity(len(s)))
	lt, amp := -1, -1 // the next "<" and "&" at or after pos, len(s) for none
	for pos := 0; pos < len(s) && !b.full; {
		if lt < pos {
			lt = indexFrom(s, pos, '<')
		}
		if amp < pos {
			amp = indexFrom(s, pos, '&')
		}
		i := min(lt, amp)
		if b.skip == 0 {
			addText(&b, s[pos:i])
		}
		if i == len(s) || b.full {
			break
		}
		var n int
		if s[i] == '&' {
			n, ok = b.reference(s[i:])
		} else {
			n, ok = b.tag(s[i:])
		}
		if !ok {
			return "", false
		}
		pos = i + n
	}
	return b.String(), true
}

// indexFrom is the index of the first c in s at or after i, len(s) if none.
func indexFrom(s string, i int, c byte) int {
	if j := strings.IndexByte(s[i:], c); j >= 0 {
		return i + j
	}
	return len(s)
}

// tag reads the "<" that starts s: a tag, or a "<" that is text. It
// returns the bytes read.
func (b *textBuilder) tag(s string) (int, bool) {
	if len(s) < 2 || !isLetter(s[1]) && s[1] != '/' && s[1] != '!' && s[1] != '?' {
		// Not markup: the "<" is text.
		if b.skip == 0 {
			addText(b, s[:1])
		}
		return 1, true
	}
	switch {
	case strings.HasPrefix(s, "<!--"):
		return commentLen(s), true
	case s[1] == '!' || s[1] == '?' || s[1] == '/' && len(s) > 2 && !isLetter(s[2]):
		// A doctype, a processing instruction, "</>" or a bogus comment
		// ("<!x", "</1"): no text, up to the first ">" or the end.
		if n := strings.IndexByte(s[2:], '>'); n >= 0 {
			return 2 + n + 1, true
		}
		return len(s), true
	}
	name, tt, n := scanTag(s)
	if n == 0 {
		return 0, false
	}
	var lower [12]byte
	if len(name) > len(lower) {
		// Longer than any element with a meaning here.
		return n, true
	}
	for i := range len(name) {
		c := name[i]
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		lower[i] = c
	}
	a := atom.Lookup(lower[:len(name)])
	if tt != nethtml.EndTagToken && rawText[a] {
		return 0, false
	}
	b.element(a, tt)
	return n, true
}

// commentLen is the length of the comment that starts s ("<!--"), read as
// the tokenizer reads it: it ends at "-->", at "--!>", at a ">" right
// after the opening ("<!-->", "<!--->"), or at the end of the text.
func commentLen(s string) int {
	dashes, beginning := 0, true
	for i := len("<!--"); i < len(s); {
		c := s[i]
		i++
		switch c {
		case '-':
			dashes++
			continue
		case '>':
			if dashes >= 2 || beginning {
				return i
			}
		case '!':
			if dashes >= 2 {
				if i == len(s) {
					return i
				}
				c = s[i]
				i++
				if c == '>' {
					return i
				}
				if c == '-' {
					dashes, beginning = 1, false
					continue
				}
			}
		}
		dashes, beginning = 0, false
	}
	return len(s)
}

// rawText elements switch the tokenizer to reading their content as text
// up to their end tag.
var rawText = map[atom.Atom]bool{
	atom.Iframe: true, atom.Noembed: true, atom.Noframes: true, atom.Noscript: true,
	atom.Plaintext: true, atom.Script: true, atom.Style: true, atom.Textarea: true,
	atom.Title: true, atom.Xmp: true,
}

// scanTag reads a start tag ("<name attr='v' attr2=v attr3>", optionally
// self-closed) or an end tag ("</name >") at the start of s, in the forms
// where the tokenizer reads it the same way: white space between
// attributes, attribute names of letters, digits and "-_:.@", unquoted
// values without quotes, "<=>/`" or white space. It returns the tag's name,
// its kind and its length, 0 for anything else.
func scanTag(s string) (name string, tt nethtml.TokenType, n int) {
	i := 1
	tt = nethtml.StartTagToken
	if s[i] == '/' {
		tt = nethtml.EndTagToken
		i++
	}
	start := i
	if i >= len(s) || !isLetter(s[i]) {
		return "", 0, 0
	}
	for i < len(s) && isNameByte(s[i]) {
		i++
	}
	name = s[start:i]
	for {
		j := skipSpace(s, i)
		if j >= len(s) {
			return "", 0, 0
		}
		switch {
		case s[j] == '>':
			if tt == nethtml.StartTagToken && s[j-1] == '/' {
				tt = nethtml.SelfClosingTagToken
			}
			return name, tt, j + 1
		case s[j] == '/' && j+1 < len(s) && s[j+1] == '>' && tt == nethtml.StartTagToken:
			return name, nethtml.SelfClosingTagToken, j + 2
		case j == i || tt == nethtml.EndTagToken:
			// Attributes must follow white space; end tags have none.
			return "", 0, 0
		}
		if i = scanAttribute(s, j); i == 0 {
			return "", 0, 0
		}
	}
}

// scanAttribute reads the attribute at s[i:] and returns where it ends, 0
// when it is not of scanTag's forms.
func scanAttribute(s string, i int) int {
	k := i
	for k < len(s) && (isNameByte(s[k]) || s[k] == '@') {
		k++
	}
	if k == i {
		return 0
	}
	m := skipSpace(s, k)
	if m >= len(s) || s[m] != '=' {
		return k
	}
	m = skipSpace(s, m+1)
	if m >= len(s) {
		return 0
	}
	if q := s[m]; q == '"' || q == '\'' {
		e := strings.IndexByte(s[m+1:], q)
		if e < 0 {
			return 0
		}
		return m + 1 + e + 1
	}
	e := m
	for e < len(s) && !isSpaceByte(s[e]) && !strings.ContainsRune("\"'<=>/`", rune(s[e])) {
		e++
	}
	if e == m || e == len(s) || s[e] != '>' && !isSpaceByte(s[e]) {
		// The tokenizer would read a "/" or a quote as part of the value.
		return 0
	}
	return e
}

func (b *textBuilder) textIfShown(s string) {
	if b.skip == 0 {
		addText(b, s)
	}
}

func isLetter(c byte) bool { return 'a' <= c|0x20 && c|0x20 <= 'z' }

func isAlnum(c byte) bool { return isLetter(c) || '0' <= c && c <= '9' }

func isNameByte(c byte) bool { return isAlnum(c) || c == '-' || c == ':' || c == '_' || c == '.' }

func isSpaceByte(c byte) bool {
	return c == ' ' || c == '\n' || c == '\r' || c == '\t' || c == '\f'
}

func skipSpace(s string, i int) int {
	for i < len(s) && isSpaceByte(s[i]) {
		i++
	}
	return i
}
