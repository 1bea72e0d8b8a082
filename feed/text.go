package feed

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/encoding/charmap"

	"github.com/storywatch/storywatch/safe"
)

// textBuilder collects text with collapsed white space: at most one space
// between words and at most one line break between blocks, none at the ends.
// With a limit it stops (full) before the text would grow past limit bytes.
//
// Text is taken in runs of plain runes (plainLen), copied whole; only the
// runes between runs (white space, controls, C1 punctuation, bidi
// controls, invalid bytes) are looked at one by one.
type textBuilder struct {
	sb      strings.Builder
	pending byte // ' ' or '\n' owed before the next word, 0 for none
	limit   int  // 0 for none
	full    bool
	skip    int // depth inside elements whose content is never text
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

func (b *textBuilder) String() string { return b.sb.String() }

// addText adds p, a string or the tokenizer's bytes, to the text. A run
// of plain runes and single spaces goes in whole, as its words would one
// by one.
func addText[T string | []byte](b *textBuilder, p T) {
	for len(p) > 0 && !b.full {
		if n := collapsedLen(p); n > 0 {
			addWord(b, p[:n])
			p = p[n:]
			continue
		}
		if p[0] < utf8.RuneSelf {
			// ASCII white space or a control character.
			if b.sb.Len() > 0 && b.pending == 0 {
				b.pending = ' '
			}
			p = p[1:]
			continue
		}
		r, n := decodeRune(p)
		p = p[n:]
		b.rune(r)
	}
}

// addWord adds a run of plain runes, or of plain runs separated by single
// spaces (collapsedLen), as much of it as the limit leaves room for: the
// runes that fit whole, as adding them one by one would, without a space
// that no rune follows.
func addWord[T string | []byte](b *textBuilder, w T) {
	sep := 0
	if b.pending != 0 {
		sep = 1
	}
	if b.limit > 0 && b.sb.Len()+sep+len(w) > b.limit {
		b.full = true
		n := b.limit - b.sb.Len() - sep
		if n <= 0 {
			return
		}
		for n > 0 && !utf8.RuneStart(w[n]) {
			n--
		}
		if n > 0 && w[n-1] == ' ' {
			n-- // the word after the space does not fit
		}
		if n == 0 {
			return
		}
		w = w[:n]
	}
	if b.pending != 0 {
		b.sb.WriteByte(b.pending)
		b.pending = 0
	}
	switch w := any(w).(type) {
	case string:
		b.sb.WriteString(w)
	case []byte:
		b.sb.Write(w)
	}
}

// rune adds one rune that is not plain (plainRune).
func (b *textBuilder) rune(r rune) {
	if r >= 0x80 && r <= 0x9F {
		// C1 controls in feed text are windows-1252 punctuation that
		// went through a Latin-1 decoder ("don\u0092t" is "don’t").
		r = charmap.Windows1252.DecodeByte(byte(r))
	}
	if safe.Bidi(r) {
		// An override would make the text read other than it is
		// matched and stored.
		return
	}
	if isSpace(r) {
		if b.sb.Len() > 0 && b.pending == 0 {
			b.pending = ' '
		}
		return
	}
	// An invalid byte was decoded as U+FFFD, which is written in its
	// place.
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

// plainLen is the length of the run of plain runes that p starts with.
func plainLen[T string | []byte](p T) int {
	i := 0
	for i < len(p) {
		c := p[i]
		if c < utf8.RuneSelf {
			if c <= ' ' || c == 0x7F {
				return i
			}
			i++
			continue
		}
		if c >= 0xC2 && c < 0xE0 && i+1 < len(p) {
			// Two bytes (Latin, Greek, Cyrillic, Hebrew, Arabic): plain
			// unless invalid, a C1 control or U+00A0.
			if c1 := p[i+1]; c1&0xC0 != 0x80 || c == 0xC2 && c1 <= 0xA0 {
				return i
			}
			i += 2
			continue
		}
		r, n := decodeRune(p[i:])
		if !plainRune(r) {
			return i
		}
		i += n
	}
	return i
}

// plainRune reports whether a rune of U+0080 or above goes into the text
// as it is: not a C1 control, white space, bidi control or U+FFFD (which
// may stand for an invalid byte).
func plainRune(r rune) bool {
	switch {
	case r <= 0xA0: // C1 controls, no-break space
		return false
	case r < 0x1680: // the first white space above U+00A0
		return true
	case r == utf8.RuneError:
		return false
	}
	return !isSpace(r) && !safe.Bidi(r)
}

// decodeRune is utf8.DecodeRune for a string or bytes, with the two- and
// three-byte forms of Cyrillic, Hebrew and punctuation decoded inline.
func decodeRune[T string | []byte](p T) (rune, int) {
	if len(p) >= 2 {
		c0, c1 := p[0], p[1]
		switch {
		case c0 < utf8.RuneSelf:
			return rune(c0), 1
		case c0 >= 0xC2 && c0 < 0xE0 && c1&0xC0 == 0x80:
			return rune(c0&0x1F)<<6 | rune(c1&0x3F), 2
		case len(p) >= 3 && c0 > 0xE0 && c0 < 0xF0 && c0 != 0xED && c1&0xC0 == 0x80 && p[2]&0xC0 == 0x80:
			// E0 (overlong forms) and ED (surrogates) are left to utf8.
			return rune(c0&0x0F)<<12 | rune(c1&0x3F)<<6 | rune(p[2]&0x3F), 3
		}
	}
	if len(p) > 0 && p[0] < utf8.RuneSelf {
		return rune(p[0]), 1
	}
	var buf [utf8.UTFMax]byte
	return utf8.DecodeRune(buf[:copy(buf[:], p)])
}

// isSpace reports white space and the control characters that feeds leak
// into text; both only ever separate words.
func isSpace(r rune) bool {
	return unicode.IsSpace(r) || unicode.IsControl(r) || r == '\u200b' || r == '\ufeff'
}

// collapse is PlainText's path for text without markup. Text that is
// already collapsed, as most feed text is, is returned as it is; the
// collapsed start of other text is copied whole, and no more than limit
// bytes of a huge field are looked at.
func collapse(s string, limit int) string {
	head := s
	if limit > 0 && len(head) > limit {
		head = head[:limit]
	}
	n := collapsedLen(head)
	if n == len(s) {
		return s
	}
	b := textBuilder{limit: limit}
	b.sb.Grow(b.capacity(len(s)))
	b.sb.WriteString(s[:n])
	addText(&b, s[n:])
	return b.String()
}

// collapsedLen is the length of the longest start of s that is its own
// collapsed text and ends in a plain rune: plain runs separated by single
// spaces. ASCII and two-byte runes are read in place, as plainLen reads
// them.
func collapsedLen[T string | []byte](s T) int {
	end := 0 // after the last plain rune
	for i := 0; i < len(s); {
		c := s[i]
		switch {
		case c > ' ' && c < 0x7F:
			for i++; i < len(s) && s[i]-'!' < 0x7F-'!'; i++ { // '!' to '~'
			}
		case c == ' ' && end == i && i > 0:
			i++
			continue
		case c < utf8.RuneSelf:
			return end
		case c >= 0xC2 && c < 0xE0 && i+1 < len(s):
			j := i
			for ; j+1 < len(s); j += 2 { // a run of them
				c, c1 := s[j], s[j+1]
				if c-0xC2 >= 0xE0-0xC2 || c1&0xC0 != 0x80 || c == 0xC2 && c1 <= 0xA0 {
					break
				}
			}
			if j == i {
				return end
			}
			i = j
		default:
			n := plainLen(s[i:])
			if n == 0 {
				return end
			}
			i += n
		}
		end = i
	}
	return end
}
