package match

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// snippetLen is the target length of a snippet in characters.
const snippetLen = 160

// hit turns the evidence collected for watch w into a Hit: one Match per
// distinct alias or term, and a score of 1 per distinct term or actor,
// doubled when it matched in the title.
func (m *Matcher) hit(sc *scratch, d *Document, w int32) Hit {
	h := Hit{Watch: m.watches[w].ID}
	cs := sc.contribs
	for i, c := range cs {
		firstOfUnit, dup := true, false
		for _, p := range cs[:i] {
			if p.unit == c.unit {
				firstOfUnit = false
				if p.label == c.label {
					dup = true
				}
			}
		}
		if firstOfUnit {
			pts := 1
			for _, q := range cs[i:] {
				if q.unit == c.unit && sc.occs[q.occ].field == FieldTitle {
					pts = 2
					break
				}
			}
			h.Score += pts
			h.Terms++
		}
		if dup {
			continue
		}
		o := &sc.occs[c.occ]
		text := fieldText(d, o.field)
		snippet, mark := sc.snippet(text, o)
		mt := Match{Term: c.label, Field: o.field.String(), Snippet: snippet, Mark: mark}
		if o.variant != 0 {
			mt.Found = text[o.start:o.stop]
			mt.Variant = variantString(o.variant)
		}
		h.Matches = append(h.Matches, mt)
	}
	return h
}

// snippet returns makeSnippet of the text of occurrence o. The watches an
// item hits often share evidence (an actor's own watch and the storylines
// that name the actor), so each snippet is cut once per item.
func (sc *scratch) snippet(text string, o *occ) (string, [2]int) {
	for _, s := range sc.snippets {
		if s.field == o.field && s.start == o.start && s.stop == o.stop {
			return s.text, s.mark
		}
	}
	t, mark, buf := makeSnippet(sc.snip[:0], text, int(o.start), int(o.stop))
	sc.snip = buf
	sc.snippets = append(sc.snippets, snippetMemo{field: o.field, start: o.start, stop: o.stop, text: t, mark: mark})
	return t, mark
}

// snippetMemo is a snippet cut for the item being matched.
type snippetMemo struct {
	field       Field
	start, stop int32
	text        string
	mark        [2]int
}

// makeSnippet cuts about snippetLen characters of text around the byte
// range [start, end), at word boundaries, collapsing runs of white space.
// It returns the snippet and the byte range of the match inside it, and
// buf, which it writes the snippet in before making it a string, grown.
func makeSnippet(buf []byte, text string, start, end int) (string, [2]int, []byte) {
	budget := snippetLen - utf8.RuneCountInString(text[start:end])
	left := budget / 2
	if left < 0 {
		left = 0
	}
	from := start
	for n := 0; n < left && from > 0; n++ {
		from -= lastRuneLen(text[:from])
	}
	right := budget - runesBetween(text, from, start)
	to := end
	for n := 0; n < right && to < len(text); n++ {
		_, size := spaceAt(text, to)
		to += size
	}
	// Cut at word boundaries: drop a word the window only partly holds.
	if from > 0 {
		if i := indexSpace(text[from:start]); i >= 0 {
			from += i
		}
	}
	if to < len(text) {
		if i := lastIndexSpace(text[end:to]); i >= 0 {
			to = end + i
		}
	}
	b := buf[:0]
	if from > 0 {
		b = append(b, "…"...)
	}
	space := from == 0
	b, space = appendCollapsed(b, text[from:start], space)
	if from > 0 && len(b) == len("…") {
		space = true
	}
	mark0 := len(b)
	b, space = appendCollapsed(b, text[start:end], space)
	mark1 := len(b)
	b, _ = appendCollapsed(b, text[end:to], space)
	b = trimRightSpace(b)
	if to < len(text) {
		b = append(b, "…"...)
	}
	return string(b), [2]int{mark0, mark1}, b
}

func runesBetween(s string, i, j int) int { return utf8.RuneCountInString(s[i:j]) }

// spaceAt reports whether s[i:] starts with white space (unicode.IsSpace)
// and the length of the rune there, an invalid byte counting as one
// (utf8.DecodeRuneInString). ASCII and the two-byte runes from U+0100 on
// (Cyrillic, Greek, Hebrew …), none of them space, are read in place.
func spaceAt(s string, i int) (space bool, size int) {
	c := s[i]
	if c < utf8.RuneSelf {
		return asciiSpace[c], 1
	}
	if c >= 0xC4 && c < 0xE0 && i+1 < len(s) && s[i+1]&0xC0 == 0x80 {
		return false, 2
	}
	return decodedSpace(s[i:])
}

// asciiSpace marks the ASCII white space of unicode.IsSpace.
var asciiSpace = [utf8.RuneSelf]bool{' ': true, '\t': true, '\n': true, '\r': true, '\v': true, '\f': true}

// decodedSpace is spaceAt for the runes it does not read in place.
func decodedSpace(s string) (bool, int) {
	r, size := utf8.DecodeRuneInString(s)
	return unicode.IsSpace(r), size
}

// lastRuneLen is the size that utf8.DecodeLastRuneInString(s) returns,
// with ASCII and well-formed two-byte runes read in place.
func lastRuneLen(s string) int {
	n := len(s)
	if s[n-1] < utf8.RuneSelf {
		return 1
	}
	if n >= 2 && s[n-1]&0xC0 == 0x80 && s[n-2] >= 0xC2 && s[n-2] < 0xE0 {
		return 2
	}
	_, size := utf8.DecodeLastRuneInString(s)
	return size
}

// indexSpace is strings.IndexFunc(s, unicode.IsSpace).
func indexSpace(s string) int {
	for i := 0; i < len(s); {
		space, size := spaceAt(s, i)
		if space {
			return i
		}
		i += size
	}
	return -1
}

// lastIndexSpace is strings.LastIndexFunc(s, unicode.IsSpace).
func lastIndexSpace(s string) int {
	for i := len(s); i > 0; {
		if c := s[i-1]; c < utf8.RuneSelf {
			i--
			if space, _ := spaceAt(s, i); space {
				return i
			}
			continue
		}
		r, size := utf8.DecodeLastRuneInString(s[:i])
		i -= size
		if unicode.IsSpace(r) {
			return i
		}
	}
	return -1
}

// trimRightSpace is strings.TrimRightFunc(b, unicode.IsSpace) on bytes.
func trimRightSpace(b []byte) []byte {
	for len(b) > 0 {
		r, size := rune(b[len(b)-1]), 1
		if r >= utf8.RuneSelf {
			r, size = utf8.DecodeLastRune(b)
		}
		if !unicode.IsSpace(r) {
			break
		}
		b = b[:len(b)-size]
	}
	return b
}

// appendCollapsed appends s with every run of white space as one space
// and without leading space when space is already true (the previous
// write ended in space, or nothing was written). It returns whether the
// output now ends in space.
func appendCollapsed(b []byte, s string, space bool) ([]byte, bool) {
	run := 0 // start of the pending run of non-space text
	for i := 0; i < len(s); {
		isSpace, size := false, 1
		switch c := s[i]; {
		case c < utf8.RuneSelf:
			isSpace = asciiSpace[c]
		case c >= 0xC4 && c < 0xE0 && i+1 < len(s) && s[i+1]&0xC0 == 0x80:
			size = 2 // spaceAt's case, inline
		default:
			isSpace, size = decodedSpace(s[i:])
		}
		if isSpace {
			if i > run {
				b = append(b, s[run:i]...)
				space = false
			}
			if !space {
				b = append(b, ' ')
				space = true
			}
			run = i + size
		}
		i += size
	}
	if run < len(s) {
		b = append(b, s[run:]...)
		space = false
	}
	return b, space
}

// Explain says what matched and, for a name variant, why:
// "Ushakov", or "Uschakow ≈ Ushakov, spelling".
func (m Match) Explain() string {
	if m.Variant == "" {
		return m.Term
	}
	return strings.Join(strings.Fields(m.Found), " ") + " ≈ " + m.Term + ", " + m.Variant
}

// Marked returns the snippet with the matched text wrapped in open and
// close, e.g. m.Marked("**", "**"). For HTML, escape the three parts
// Snippet[:Mark[0]], Snippet[Mark[0]:Mark[1]] and Snippet[Mark[1]:] one by
// one instead: Marked does not escape.
func (m Match) Marked(open, close string) string {
	s, e := m.Mark[0], m.Mark[1]
	if s < 0 || e > len(m.Snippet) || s > e {
		return m.Snippet
	}
	return m.Snippet[:s] + open + m.Snippet[s:e] + close + m.Snippet[e:]
}
