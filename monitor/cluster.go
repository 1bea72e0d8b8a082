package monitor

import (
	"math/bits"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/storywatch/storywatch/match"
)

// Story clustering (DESIGN §5) needs, per item, two cheap keys that a store
// can index: a hash of the normalized title and a SimHash of the text. The
// store compares them with the items of the last StoryWindow; this
// file holds only the pure part.

// StoryWindow is how long a story takes new copies: an item joins a story
// first seen within this window before it.
const StoryWindow = 7 * 24 * time.Hour

// Clustering parameters.
const (
	// MinTitleTokens is the fewest tokens a normalized title needs to
	// identify a report: shorter titles ("Live updates", "World") recur
	// across unrelated reports.
	MinTitleTokens = 3
	// MinTextTokens is the fewest tokens a text needs for its SimHash to
	// mean something: below it, a few shared phrases would make two texts
	// look alike.
	MinTextTokens = 50
	// ShingleSize is the number of consecutive tokens hashed together.
	ShingleSize = 3
	// MaxDistance is the largest Hamming distance between the SimHashes of
	// two copies of one report.
	MaxDistance = 3
	// Bands is the number of 16-bit bands a SimHash is split into for
	// lookup: by pigeonhole, two hashes within MaxDistance bits of each
	// other share at least one band whole.
	Bands = MaxDistance + 1
)

// Fingerprint is what story clustering compares between items.
type Fingerprint struct {
	// Title is a hash of the normalized title; 0 when the title has fewer
	// than MinTitleTokens tokens.
	Title uint64
	// Text is the SimHash of the item's text; valid only when HasText.
	Text uint64
	// HasText is set when the text has at least MinTextTokens tokens.
	HasText bool
}

// FingerprintOf computes an item's fingerprint. The text is the longer of
// summary and content (feeds often repeat one in the other), without the
// title: outlets running wire copy rewrite headlines more than bodies. A
// title ending in " - Outlet", as aggregators write them, is compared
// without that suffix.
func FingerprintOf(it Item) Fingerprint {
	var fp Fingerprint
	title := TitleWithoutOutlet(it.Title, it.Outlet)
	tt := match.Tokens(title)
	if len(tt) >= MinTitleTokens {
		fp.Title = hashTokens(tt)
	}
	body := it.Summary
	if len(it.Content) > len(body) {
		body = it.Content
	}
	if toks := match.Tokens(body); len(toks) >= MinTextTokens {
		fp.Text, fp.HasText = SimHash(toks), true
	}
	return fp
}

// TitleWithoutOutlet removes a trailing " - outlet" (or " | outlet") from
// title, the way Google News and other aggregators suffix headlines.
func TitleWithoutOutlet(title, outlet string) string {
	outlet = strings.TrimSpace(outlet)
	if outlet == "" {
		return title
	}
	t := strings.TrimSpace(title)
	for _, sep := range []string{" - ", " – ", " — ", " | "} {
		if s, ok := strings.CutSuffix(t, sep+outlet); ok && strings.TrimSpace(s) != "" {
			return s
		}
	}
	return title
}

// SimHash returns the 64-bit SimHash of tokens over ShingleSize-token
// shingles, each shingle hashed with FNV-1a and counted once, so that a
// paragraph repeated (summary inside content) does not outweigh the rest.
// Texts shorter than one shingle hash as one shingle.
func SimHash(tokens []string) uint64 {
	n := len(tokens) - ShingleSize + 1
	if n < 1 {
		n = 1
	}
	hs := make([]uint64, 0, n)
	for i := 0; i < n; i++ {
		hs = append(hs, hashTokens(tokens[i:min(i+ShingleSize, len(tokens))]))
	}
	slices.Sort(hs)
	hs = slices.Compact(hs)
	var counts [64]int32
	for _, h := range hs {
		for b := range 64 {
			// +1 for a set bit, -1 for a clear one, without a branch.
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

// Distance is the Hamming distance between two SimHashes.
func Distance(a, b uint64) int { return bits.OnesCount64(a ^ b) }

// Near reports whether two fingerprints have near-identical text.
func Near(a, b Fingerprint) bool {
	return a.HasText && b.HasText && Distance(a.Text, b.Text) <= MaxDistance
}

// SplitBands splits a SimHash into its Bands 16-bit bands, lowest first.
func SplitBands(h uint64) [Bands]uint16 {
	var out [Bands]uint16
	for i := range out {
		out[i] = uint16(h >> (16 * i))
	}
	return out
}

// FNV-1a, 64 bit.
const (
	fnvOffset = 14695981039346656037
	fnvPrime  = 1099511628211
)

// hashTokens hashes tokens joined by a separator that no token contains,
// never returning 0 (which means "no title").
func hashTokens(toks []string) uint64 {
	h := uint64(fnvOffset)
	for i, t := range toks {
		if i > 0 {
			h ^= ' '
			h *= fnvPrime
		}
		for j := 0; j < len(t); j++ {
			h ^= uint64(t[j])
			h *= fnvPrime
		}
	}
	if h == 0 {
		h = 1
	}
	return h
}

// linkHost names the outlet of an aggregated item by its link's host,
// without a leading "www.".
func linkHost(link string) string {
	u, err := url.Parse(link)
	if err != nil {
		return ""
	}
	return strings.TrimPrefix(strings.ToLower(u.Hostname()), "www.")
}
