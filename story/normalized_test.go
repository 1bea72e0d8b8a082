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
// matcher after the field's tokens), outlets and empty fields included,
// whether the matcher's watches read the title and body or not.
func TestFingerprintNormalizedIsFingerprintOf(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		name      string
		w         match.Watchlist
		wantTitle bool
		wantBody  func(match.Field) bool // whether the matcher reads a body field
	}{
		{"title and body read", match.Watchlist{
			Actors:     []match.Actor{{ID: "witkoff", Name: "Steve Witkoff", Track: true, Aliases: []string{"Witkoff", "Зеленський"}}},
			Storylines: []match.Storyline{{ID: "talks", Query: `@witkoff AND (Kremlin OR talks)`}},
		}, true, func(match.Field) bool { return true }},
		{"only the title read", match.Watchlist{Storylines: []match.Storyline{{ID: "t", Query: `title:Kremlin`}}},
			true, func(match.Field) bool { return false }},
		{"only the summary read", match.Watchlist{Storylines: []match.Storyline{{ID: "s", Query: `summary:Kremlin`}}},
			false, func(f match.Field) bool { return f == match.FieldSummary }},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			m, err := match.Compile(c.w)
			if err != nil {
				t.Fatal(err)
			}
			handed := fingerprintTrials(t, m, c.wantTitle, c.wantBody)
			if handed != 1000 {
				t.Errorf("MatchField called fn %d times in 1000 matches", handed)
			}
		})
	}
}

// fingerprintTrials compares FingerprintNormalized with FingerprintOf on
// 1000 random items, checking which fields m hands over, and returns how
// often MatchField called fn.
func fingerprintTrials(t *testing.T, m *match.Matcher, wantTitle bool, wantBody func(match.Field) bool) int {
	t.Helper()
	r := rand.New(rand.NewPCG(5, 6))
	words := strings.Fields(wireText + " Зеленський Женеві Юрий Café Müller İstanbul ﬁnance ½ 東京 — ’s")
	text := func(n int) string {
		var b strings.Builder
		for range n {
			b.WriteString(words[r.IntN(len(words))])
			b.WriteString([]string{" ", ", ", "  ", "\n", "-", " - ", " | "}[r.IntN(7)])
		}
		return b.String()
	}
	handed := 0
	for trial := range 1000 {
		it := feed.Item{Title: text(r.IntN(8)), Summary: text(r.IntN(120)), Content: text(r.IntN(200) * (trial % 2))}
		switch trial % 4 {
		case 0:
			it.Outlet = "Ynet"
			it.Title += " - Ynet"
		case 1:
			it.Outlet = "Ynet" // named, but not in the title
		}
		var got Fingerprint
		m.MatchField(it.Document(), BodyField(it), func(title, body match.Normalized) {
			if title.OK != wantTitle {
				t.Fatalf("trial %d: the matcher handed over the title: %v, want %v", trial, title.OK, wantTitle)
			}
			if want := wantBody(BodyField(it)); body.OK != want {
				t.Fatalf("trial %d: the matcher handed over the body: %v, want %v", trial, body.OK, want)
			}
			got = FingerprintNormalized(it, title, body)
			handed++
		})
		if want := FingerprintOf(it); got != want {
			t.Fatalf("trial %d: FingerprintNormalized = %+v, FingerprintOf = %+v, item %+v", trial, got, want, it)
		}
	}
	return handed
}

// A matcher whose watches read only titles hands no body over.
func TestMatchFieldSaysWhenItLeftTheFieldOut(t *testing.T) {
	t.Parallel()
	m, err := match.Compile(match.Watchlist{Storylines: []match.Storyline{{ID: "t", Query: `title:Kremlin`}}})
	if err != nil {
		t.Fatal(err)
	}
	it := feed.Item{Title: "Kremlin talks", Summary: wireText}
	m.MatchField(it.Document(), BodyField(it), func(title, body match.Normalized) {
		if body.OK || body.Tokens != 0 {
			t.Errorf("MatchField handed over %d tokens of a field no watch reads", body.Tokens)
		}
		if !title.OK || string(title.Text) != "kremlin talks" || title.Tokens != 2 {
			t.Errorf("MatchField handed over title %+v, want the 2 tokens of %q", title, "kremlin talks")
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
			m.MatchField(it.Document(), BodyField(it), func(title, body match.Normalized) {
				FingerprintNormalized(it, title, body)
			})
		}
	})
}
