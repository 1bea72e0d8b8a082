package match

import (
	"math/rand/v2"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"
)

// refMakeSnippet is the straightforward snippet cutter, kept as the
// reference: snippets are stored and shown, so a faster makeSnippet must
// cut the same bytes.
func refMakeSnippet(text string, start, end int) (string, [2]int) {
	budget := snippetLen - utf8.RuneCountInString(text[start:end])
	left := max(budget/2, 0)
	from := start
	for n := 0; n < left && from > 0; n++ {
		_, size := utf8.DecodeLastRuneInString(text[:from])
		from -= size
	}
	right := budget - utf8.RuneCountInString(text[from:start])
	to := end
	for n := 0; n < right && to < len(text); n++ {
		_, size := utf8.DecodeRuneInString(text[to:])
		to += size
	}
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
	if from > 0 {
		b.WriteString("…")
	}
	space := from == 0
	space = refWriteCollapsed(&b, text[from:start], space)
	if from > 0 && b.Len() == len("…") {
		space = true
	}
	mark0 := b.Len()
	space = refWriteCollapsed(&b, text[start:end], space)
	mark1 := b.Len()
	refWriteCollapsed(&b, text[end:to], space)
	s := strings.TrimRightFunc(b.String(), unicode.IsSpace)
	if to < len(text) {
		s += "…"
	}
	return s, [2]int{mark0, mark1}
}

func refWriteCollapsed(b *strings.Builder, s string, space bool) bool {
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

// Snippets of texts of every kind of space, script and broken byte, cut
// around every kind of match, are the reference's.
func TestMakeSnippetMatchesReference(t *testing.T) {
	t.Parallel()
	pieces := []string{"word", "Ушаков", "Зеленський", "שלום", "Ελλάδα", "東京", "é", " ", "  ", "\t", "\n", "\r\n",
		"\u00a0", "\u0085", "\u1680", "\u2003", "\u2028", "\u3000", "\u200b", "\xc4", "\xd0", "\xe2\x80", "\xff", "…", ".", ","}
	r := rand.New(rand.NewPCG(9, 10))
	var buf []byte
	for trial := range 20000 {
		var b strings.Builder
		for n := r.IntN(200); b.Len() < n; {
			b.WriteString(pieces[r.IntN(len(pieces))])
		}
		text := b.String()
		if text == "" {
			continue
		}
		start := r.IntN(len(text))
		end := start + r.IntN(min(len(text)-start, 40)+1)
		var got string
		var mark [2]int
		got, mark, buf = makeSnippet(buf, text, start, end)
		want, wantMark := refMakeSnippet(text, start, end)
		if got != want || mark != wantMark {
			t.Fatalf("trial %d: makeSnippet(%q, %d, %d) = %q %v, want %q %v", trial, text, start, end, got, mark, want, wantMark)
		}
	}
}
