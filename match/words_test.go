package match

import (
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
)

// TestWordIndexFindsExactlyItsWords checks appendIDs against a plain scan
// of the words: a token is each whole word it equals and each prefix word
// it begins with, whatever their lengths (under, at and over the start
// filter's length and the longest length told apart).
func TestWordIndexFindsExactlyItsWords(t *testing.T) {
	t.Parallel()
	r := rand.New(rand.NewPCG(8, 9))
	letters := []string{"a", "b", "ш", "к", "o"}
	word := func(max int) string {
		var b strings.Builder
		for range 1 + r.IntN(max) {
			b.WriteString(letters[r.IntN(len(letters))])
		}
		return b.String()
	}
	type entry struct {
		text   string
		prefix bool
	}
	b := newWordIndexBuilder()
	var entries []entry
	seen := map[entry]bool{}
	for range 300 {
		e := entry{text: word(12), prefix: r.IntN(2) == 0}
		if r.IntN(20) == 0 {
			e.text = strings.Repeat(e.text, 70/len(e.text)+1) // past maxPrefixLen
		}
		if seen[e] {
			continue
		}
		seen[e] = true
		entries = append(entries, e)
		b.add([]string{e.text}, e.prefix, int32(len(entries)-1))
	}
	ix := b.build()
	for range 5000 {
		tok := word(16)
		if r.IntN(4) == 0 {
			e := entries[r.IntN(len(entries))]
			tok = e.text + word(3)[:r.IntN(2)]
		}
		var got, want []int32
		ids, h := ix.appendIDs(nil, []byte(tok))
		if h != fnvHash([]byte(tok)) {
			t.Fatalf("appendIDs(%q) hashed it %#x, fnvHash %#x", tok, h, fnvHash([]byte(tok)))
		}
		for _, id := range ids {
			got = append(got, ix.nodes[ix.words[id].root].atom)
		}
		for i, e := range entries {
			if tok == e.text && !e.prefix || e.prefix && strings.HasPrefix(tok, e.text) {
				want = append(want, int32(i))
			}
		}
		slices.Sort(got)
		if !slices.Equal(got, want) {
			t.Fatalf("token %q is words %v, want %v", tok, got, want)
		}
	}
}

// TestTransliteratedCopiesDoNotJoin checks that a phrase is found in one
// transliterated copy of a field, never across the two: Алексей Юрий reads
// "aleksey yury" or "aleksei yuri", not "aleksey yuri", even though the
// copies leave out the words the watchlist lacks.
func TestTransliteratedCopiesDoNotJoin(t *testing.T) {
	t.Parallel()
	m := mustCompile(t, Watchlist{Actors: []Actor{
		{ID: "mixed", Track: true, Exact: true, Aliases: []string{"Aleksey Yuri"}},
	}})
	if got := hitIDs(m.Match(Document{Title: "Алексей Юрий"})); len(got) != 0 {
		t.Errorf("hits on Алексей Юрий = %q, want none", got)
	}
	if got := hitIDs(m.Match(Document{Title: "Aleksey Yuri"})); !slices.Equal(got, []string{"mixed"}) {
		t.Errorf("hits on Aleksey Yuri = %q, want [mixed]", got)
	}
}
