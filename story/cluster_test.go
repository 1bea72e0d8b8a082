package story

import (
	"fmt"
	"strings"
	"testing"

	"github.com/storywatch/storywatch/feed"
	"github.com/storywatch/storywatch/match"
)

const wireText = "Steve Witkoff, the US special envoy, advised Kremlin aide Yuri Ushakov on how Vladimir Putin should " +
	"present a peace proposal to Donald Trump, according to a transcript of an October phone call obtained by " +
	"Bloomberg News. In the recording, Witkoff suggested that Putin congratulate Trump on the Gaza agreement and " +
	"describe a plan for Ukraine modelled on it. Ushakov agreed and said he would pass the advice on to the Russian " +
	"leader. The White House did not dispute the authenticity of the call, and officials said the envoy was doing " +
	"his job of talking to both sides."

func TestFingerprint(t *testing.T) {
	t.Parallel()
	base := FingerprintOf(feed.Item{Title: "Witkoff advised Kremlin aide, transcript shows", Summary: wireText})
	if base.Title == 0 || !base.HasText {
		t.Fatalf("fingerprint of a wire story = %+v, want a title hash and a text hash", base)
	}
	tests := []struct {
		name      string
		item      feed.Item
		sameTitle bool
		near      bool
	}{
		{"typography and case only", feed.Item{
			Title:   "WITKOFF ADVISED KREMLIN AIDE — TRANSCRIPT SHOWS",
			Summary: strings.NewReplacer(", ", " , ", "'", "’", "Ukraine", "UKRAINE").Replace(wireText) + " "},
			true, true},
		{"aggregator suffix on the title", feed.Item{
			Title: "Witkoff advised Kremlin aide, transcript shows - Ynet", Outlet: "Ynet", Summary: wireText},
			true, true},
		{"content longer than the summary is the text", feed.Item{
			Title: "Another headline for the same copy", Summary: "Short teaser.", Content: "<p>" + wireText + "</p>"},
			false, true},
		{"last words cut", feed.Item{
			Title: "Transcript: envoy coached Ushakov", Summary: strings.TrimSuffix(wireText, " of talking to both sides.") + "."},
			false, true},
		{"rewrite of the same facts", feed.Item{
			Title: "Leaked call shows Witkoff coaching Ushakov",
			Summary: "A leaked recording of an October call shows Steve Witkoff, Washington's special envoy, coaching Yuri " +
				"Ushakov, a senior Kremlin adviser, on the way Vladimir Putin might pitch Donald Trump on ending the war. " +
				"Witkoff proposed that the Russian president praise Trump for the Gaza deal and then lay out a Ukraine plan " +
				"along the same lines, Bloomberg News reported. Ushakov said he would relay the suggestion. The White House " +
				"did not deny the call took place and said the envoy talks to both sides."},
			false, false},
		{"too short to compare", feed.Item{Title: "Witkoff", Summary: "Witkoff advised Kremlin aide Yuri Ushakov."}, false, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fp := FingerprintOf(tt.item)
			if got := fp.Title == base.Title; got != tt.sameTitle {
				t.Errorf("same title = %v, want %v", got, tt.sameTitle)
			}
			if got := Near(base, fp); got != tt.near {
				t.Errorf("near = %v (distance %d), want %v", got, Distance(base.Text, fp.Text), tt.near)
			}
		})
	}
}

func TestShortTitlesHaveNoTitleHash(t *testing.T) {
	t.Parallel()
	for _, title := range []string{"", "World", "Live updates", "  —  "} {
		if fp := FingerprintOf(feed.Item{Title: title}); fp.Title != 0 || fp.HasText {
			t.Errorf("%q: fingerprint %+v, want none", title, fp)
		}
	}
}

func TestTitleWithoutOutlet(t *testing.T) {
	t.Parallel()
	tests := []struct{ title, outlet, want string }{
		{"Witkoff call leaked - Reuters", "Reuters", "Witkoff call leaked"},
		{"Witkoff call leaked | The Kyiv Independent", "The Kyiv Independent", "Witkoff call leaked"},
		{"Witkoff call leaked - Reuters", "", "Witkoff call leaked - Reuters"},
		{"Reuters", "Reuters", "Reuters"},
		{"Leak - a timeline", "Reuters", "Leak - a timeline"},
	}
	for _, tt := range tests {
		if got := TitleWithoutOutlet(tt.title, tt.outlet); got != tt.want {
			t.Errorf("TitleWithoutOutlet(%q, %q) = %q, want %q", tt.title, tt.outlet, got, tt.want)
		}
	}
}

// Two hashes within MaxDistance bits share a band: the store's lookup by
// band relies on it.
func TestNearHashesShareABand(t *testing.T) {
	t.Parallel()
	h := SimHash(match.Tokens(wireText))
	for a := 0; a < 64; a++ {
		for b := a; b < 64; b++ {
			for c := b; c < 64; c++ {
				other := h ^ 1<<a ^ 1<<b ^ 1<<c
				x, y := SplitBands(h), SplitBands(other)
				shared := false
				for i := range x {
					shared = shared || x[i] == y[i]
				}
				if !shared {
					t.Fatalf("bits %d,%d,%d flipped: no band shared", a, b, c)
				}
			}
		}
	}
}

// BenchmarkFingerprint measures the pure part of clustering for a 1 KB
// item; the store's lookups are measured in store.BenchmarkSaveFetchStories.
func BenchmarkFingerprint(b *testing.B) {
	it := feed.Item{Title: "Witkoff advised Kremlin aide, transcript shows", Summary: wireText + " " + wireText[:450]}
	b.SetBytes(int64(len(it.Summary)))
	for i := 0; b.Loop(); i++ {
		it.Title = fmt.Sprint("Witkoff advised Kremlin aide ", i)
		FingerprintOf(it)
	}
}

// BenchmarkSimHash measures SimHash alone, on the tokens of a 1 KB text;
// BenchmarkFingerprint adds the tokenization.
func BenchmarkSimHash(b *testing.B) {
	toks := match.Tokens(wireText + " " + wireText[:450])
	for b.Loop() {
		SimHash(toks)
	}
}

// BenchmarkSimHashNormalized measures the SimHash of a 1 KB text already
// normalized, as the poll cycle computes it from the matcher's tokens.
func BenchmarkSimHashNormalized(b *testing.B) {
	text, n := match.AppendNormalized(nil, wireText+" "+wireText[:450])
	sc := new(simScratch)
	b.SetBytes(int64(len(text)))
	for b.Loop() {
		sc.simHashNormalized(text, n)
	}
}
