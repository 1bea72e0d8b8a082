package story

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/storywatch/storywatch/feed"
	"github.com/storywatch/storywatch/match"
)

// Fingerprints are stored: a faster implementation must return the same
// bits for every input. refSimHash and refFingerprintOf are the original,
// straightforward implementation, kept as the reference.

func refFingerprintOf(it feed.Item) Fingerprint {
	var fp Fingerprint
	tt := match.Tokens(TitleWithoutOutlet(it.Title, it.Outlet))
	if len(tt) >= MinTitleTokens {
		fp.Title = refHashTokens(tt)
	}
	body := it.Summary
	if len(it.Content) > len(body) {
		body = it.Content
	}
	if toks := match.Tokens(body); len(toks) >= MinTextTokens {
		fp.Text, fp.HasText = refSimHash(toks), true
	}
	return fp
}

func refSimHash(tokens []string) uint64 {
	n := len(tokens) - ShingleSize + 1
	if n < 1 {
		n = 1
	}
	hs := make([]uint64, 0, n)
	for i := 0; i < n; i++ {
		hs = append(hs, refHashTokens(tokens[i:min(i+ShingleSize, len(tokens))]))
	}
	slices.Sort(hs)
	hs = slices.Compact(hs)
	var counts [64]int32
	for _, h := range hs {
		for b := range 64 {
			counts[b] += int32(h>>b&1)*2 - 1
		}
	}
	var out uint64
	for b, c := range counts {
		if c > 0 {
			out |= 1 << b
		}
	}
	return out
}

func refHashTokens(toks []string) uint64 {
	h := uint64(14695981039346656037)
	for i, t := range toks {
		if i > 0 {
			h ^= ' '
			h *= 1099511628211
		}
		for j := 0; j < len(t); j++ {
			h ^= uint64(t[j])
			h *= 1099511628211
		}
	}
	if h == 0 {
		h = 1
	}
	return h
}

// numberedWords returns n distinct words "w0 w1 …", a text with n-2
// distinct shingles.
func numberedWords(n int) string {
	var b strings.Builder
	for i := range n {
		fmt.Fprintf(&b, "w%d ", i)
	}
	return b.String()
}

// TestFingerprintsAreStable pins outputs computed before any optimization:
// these values are in users' databases.
func TestFingerprintsAreStable(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		item feed.Item
		want Fingerprint
	}{
		{"wire story", feed.Item{Title: "Witkoff advised Kremlin aide, transcript shows", Summary: wireText},
			Fingerprint{Title: 0x537e5fbdd46bb18, Text: 0x4e9a1b2c9d054349, HasText: true}},
		{"aggregator title and content longer than summary", feed.Item{
			Title: "Witkoff advised Kremlin aide, transcript shows - Ynet", Outlet: "Ynet",
			Summary: "Short teaser.", Content: "<p>" + wireText + " " + wireText + "</p>"},
			Fingerprint{Title: 0x537e5fbdd46bb18, Text: 0x4c9a1b249f05434b, HasText: true}},
		{"Cyrillic and diacritics", feed.Item{Title: "Зеленский встретился с Ушаковым в Женеве",
			Summary: strings.Repeat("Президент Зеленський заявив, що переговори в Женеві тривають; Café Müller İstanbul ", 8)},
			Fingerprint{Title: 0x5231242f3efd7ce4, Text: 0x6a81b2fad86ab523, HasText: true}},
		{"more than 255 distinct shingles", feed.Item{Title: "a b c", Summary: numberedWords(700)},
			Fingerprint{Title: 0x69cf480885ad45af, Text: 0x336af52cb1e86ba6, HasText: true}},
		{"one text repeated many times", feed.Item{Title: "x y", Summary: strings.Repeat("alpha beta gamma ", 40)},
			Fingerprint{Title: 0, Text: 0x23db6cbc6a26db06, HasText: true}},
		{"too short", feed.Item{Title: "Live updates", Summary: "Witkoff advised Kremlin aide Yuri Ushakov."},
			Fingerprint{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := FingerprintOf(tt.item); got != tt.want {
				t.Errorf("FingerprintOf = {Title: %#x, Text: %#x, HasText: %v}, want %+v", got.Title, got.Text, got.HasText, tt.want)
			}
		})
	}
	simTests := []struct {
		name   string
		tokens []string
		want   uint64
	}{
		{"no tokens", nil, 0xcbf29ce484222325},
		{"one token", []string{"witkoff"}, 0x3b88f482e30a7d75},
		{"two tokens", []string{"witkoff", "ushakov"}, 0x178a66f5dcf49030},
		{"one shingle", []string{"witkoff", "ushakov", "putin"}, 0x41e7beabfca10822},
		{"two equal shingles", []string{"a", "a", "a", "a"}, 0x61260d0880c5b3c4},
	}
	for _, tt := range simTests {
		t.Run("SimHash "+tt.name, func(t *testing.T) {
			if got := SimHash(tt.tokens); got != tt.want {
				t.Errorf("SimHash = %#x, want %#x", got, tt.want)
			}
		})
	}
}

// randomTokens draws n tokens from a vocabulary of v words, so that small
// vocabularies repeat shingles and large ones do not.
func randomTokens(r *rand.Rand, n, v int) []string {
	toks := make([]string, n)
	for i := range toks {
		toks[i] = fmt.Sprintf("t%d", r.IntN(v))
	}
	return toks
}

func TestSimHashMatchesReference(t *testing.T) {
	t.Parallel()
	r := rand.New(rand.NewPCG(1, 2))
	for trial := range 3000 {
		n := r.IntN(40)
		switch trial % 3 {
		case 1:
			n = r.IntN(600)
		case 2:
			n = 250 + r.IntN(20) // around the 255-hash flush of the counters
		}
		v := 1 + r.IntN(1+[]int{2, 20, 5000}[r.IntN(3)])
		toks := randomTokens(r, n, v)
		if got, want := SimHash(toks), refSimHash(toks); got != want {
			t.Fatalf("trial %d: SimHash(%d tokens of %d words) = %#x, want %#x", trial, n, v, got, want)
		}
	}
}

// The SimHash of normalized text, its shingles hashed side by side in one
// pass, is the reference SimHash of its tokens, repeated shingles and
// tokens of every length included.
func TestSimHashNormalizedMatchesReference(t *testing.T) {
	t.Parallel()
	r := rand.New(rand.NewPCG(7, 8))
	sc := new(simScratch)
	for trial := range 3000 {
		n := ShingleSize + r.IntN(40)
		if trial%2 == 1 {
			n = ShingleSize + r.IntN(600)
		}
		v := 1 + r.IntN(1+[]int{2, 20, 5000}[r.IntN(3)])
		toks := randomTokens(r, n, v)
		for i := range toks {
			toks[i] = strings.Repeat(toks[i], 1+r.IntN(3))
		}
		text := []byte(strings.Join(toks, " "))
		if got, want := sc.simHashNormalized(text, n), refSimHash(toks); got != want {
			t.Fatalf("trial %d: simHashNormalized(%d tokens of %d words) = %#x, want %#x", trial, n, v, got, want)
		}
	}
}

// TestSimHashTiesMatchReference covers bit counts of exactly half the
// distinct shingles ("a b a" and "b a b"), where a bit stays clear.
func TestSimHashTiesMatchReference(t *testing.T) {
	t.Parallel()
	for n := range 12 {
		toks := strings.Fields(strings.Repeat("a b ", n))
		if got, want := SimHash(toks), refSimHash(toks); got != want {
			t.Errorf("%d tokens: SimHash = %#x, want %#x", len(toks), got, want)
		}
	}
}

func TestFingerprintOfMatchesReference(t *testing.T) {
	t.Parallel()
	r := rand.New(rand.NewPCG(3, 4))
	words := strings.Fields(wireText + " Зеленський Женеві Café Müller İstanbul ﬁnance ½ 東京 — ’s")
	text := func(n int) string {
		var b strings.Builder
		for range n {
			b.WriteString(words[r.IntN(len(words))])
			b.WriteString([]string{" ", ", ", "  ", "\n", "-"}[r.IntN(5)])
		}
		return b.String()
	}
	for trial := range 1000 {
		it := feed.Item{Title: text(r.IntN(8)), Summary: text(r.IntN(120)), Content: text(r.IntN(200))}
		if trial%4 == 0 {
			it.Outlet = "Ynet"
			it.Title += " - Ynet"
		}
		if got, want := FingerprintOf(it), refFingerprintOf(it); got != want {
			t.Fatalf("trial %d: FingerprintOf(%+v) = %+v, want %+v", trial, it, got, want)
		}
	}
}
