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
	t, mark := makeSnippet(text, int(o.start), int(o.stop))
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
// It returns the snippet and the byte range of the match inside it.
func makeSnippet(text string, start, end int) (string, [2]int) {
	budget := snippetLen - utf8.RuneCountInString(text[start:end])
	left := budget / 2
	if left < 0 {
		left = 0
	}
	from := start
	for n := 0; n < left && from > 0; n++ {
		_, size := utf8.DecodeLastRuneInString(text[:from])
		from -= size
	}
	right := budget - runesBetween(text, from, start)
	to := end
	for n := 0; n < right && to < len(text); n++ {
		_, size := utf8.DecodeRuneInString(text[to:])
		to += size
	}
	// Cut at word boundaries: drop a word the window only partly holds.
	if from > 0 {
		if i := strings.IndexFunc(text[from:start], unicode.IsSpace); i >= 0 {
			from += i
		}
	}
	if to < len(text) {
		if i := strings.LastIndexFunc(text[end:to], unicode.IsSpace); i >= 0 {
			to = end + i
		}
	}
	var b strings.Builder
	b.Grow(to - from + 8)
	if from > 0 {
		b.WriteString("…")
	}
	space := from == 0
	space = writeCollapsed(&b, text[from:start], space)
	if from > 0 && b.Len() == len("…") {
		space = true
	}
	mark0 := b.Len()
	space = writeCollapsed(&b, text[start:end], space)
	mark1 := b.Len()
	writeCollapsed(&b, text[end:to], space)
	s := strings.TrimRightFunc(b.String(), unicode.IsSpace)
	if to < len(text) {
		s += "…"
	}
	return s, [2]int{mark0, mark1}
}

func runesBetween(s string, i, j int) int { return utf8.RuneCountInString(s[i:j]) }

// writeCollapsed writes s with every run of white space as one space and
// without leading space when space is already true (the previous write
// ended in space, or nothing was written). It returns whether the output
// now ends in space.
func writeCollapsed(b *strings.Builder, s string, space bool) bool {
	run := 0 // start of the pending run of non-space text
	for i := 0; i < len(s); {
		c := s[i]
		size, isSpace := 1, false
		if c < utf8.RuneSelf {
			isSpace = c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f'
		} else {
			var r rune
			r, size = utf8.DecodeRuneInString(s[i:])
			isSpace = unicode.IsSpace(r)
		}
		if isSpace {
			if i > run {
				b.WriteString(s[run:i])
				space = false
			}
			if !space {
				b.WriteByte(' ')
				space = true
			}
			run = i + size
		}
		i += size
	}
	if run < len(s) {
		b.WriteString(s[run:])
		space = false
	}
	return space
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
