package story

import (
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/storywatch/storywatch/feed"
	"github.com/storywatch/storywatch/match"
)

// The fingerprint from the matcher's tokens is the fingerprint: the same
// bits as FingerprintOf for every item, Cyrillic (transliterated by the
// matcher after the field's tokens), outlets and empty fields included.
func TestFingerprintNormalizedIsFingerprintOf(t *testing.T) {
	t.Parallel()
	m, err := match.Compile(match.Watchlist{
		Actors:     []match.Actor{{ID: "witkoff", Name: "Steve Witkoff", Track: true, Aliases: []string{"Witkoff", "Зеленський"}}},
		Storylines: []match.Storyline{{ID: "talks", Query: `@witkoff AND (Kremlin OR talks)`}},
	})
	if err != nil {
		t.Fatal(err)
	}
	r := rand.New(rand.NewPCG(5, 6))
	words := strings.Fields(wireText + " Зеленський Женеві Юрий Café Müller İstanbul ﬁnance ½ 東京 — ’s")
	text := func(n int) string {
		var b strings.Builder
		for range n {
			b.WriteString(words[r.IntN(len(words))])
			b.WriteString([]string{" ", ", ", "  ", "\n", "-"}[r.IntN(5)])
		}
		return b.String()
	}
	handed := 0
	for trial := range 1000 {
		it := feed.Item{Title: text(r.IntN(8)), Summary: text(r.IntN(120)), Content: text(r.IntN(200) * (trial % 2))}
		if trial%4 == 0 {
			it.Outlet = "Ynet"
			it.Title += " - Ynet"
		}
		var got Fingerprint
		m.MatchField(it.Document(), BodyField(it), func(body []byte, n int, ok bool) {
			if !ok {
				t.Fatalf("trial %d: the matcher left out the body, which its watches read", trial)
			}
			got = FingerprintNormalized(it, body, n)
			handed++
		})
		if want := FingerprintOf(it); got != want {
			t.Fatalf("trial %d: FingerprintNormalized = %+v, FingerprintOf = %+v, item %+v", trial, got, want, it)
		}
	}
	if handed != 1000 {
		t.Errorf("MatchField called fn %d times in 1000 matches", handed)
	}
}

// A matcher whose watches read only titles hands no body over.
func TestMatchFieldSaysWhenItLeftTheFieldOut(t *testing.T) {
	t.Parallel()
	m, err := match.Compile(match.Watchlist{Storylines: []match.Storyline{{ID: "t", Query: `title:Kremlin`}}})
	if err != nil {
		t.Fatal(err)
	}
	it := feed.Item{Title: "Kremlin talks", Summary: wireText}
	m.MatchField(it.Document(), BodyField(it), func(body []byte, n int, ok bool) {
		if ok {
			t.Errorf("MatchField handed over %d tokens of a field no watch reads", n)
		}
	})
}

// BenchmarkMatchThenFingerprint is the poll cycle's work per new item:
// matching it and fingerprinting it, tokenizing the text twice (Match,
// then FingerprintOf) or once (MatchField, then FingerprintNormalized).
func BenchmarkMatchThenFingerprint(b *testing.B) {
	m, err := match.Compile(match.Watchlist{
		Actors: []match.Actor{{ID: "witkoff", Name: "Steve Witkoff", Track: true, Aliases: []string{"Witkoff"}}},
	})
	if err != nil {
		b.Fatal(err)
	}
	it := feed.Item{Title: "Witkoff advised Kremlin aide, transcript shows", Summary: wireText + " " + wireText}
	b.Run("twice", func(b *testing.B) {
		for b.Loop() {
			m.Match(it.Document())
			FingerprintOf(it)
		}
	})
	b.Run("once", func(b *testing.B) {
		for b.Loop() {
			m.MatchField(it.Document(), BodyField(it), func(body []byte, n int, ok bool) {
				FingerprintNormalized(it, body, n)
			})
		}
	})
}
