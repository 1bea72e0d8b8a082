package monitor

import (
	"math/bits"
	"net/url"
	"strings"
	"sync"
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
//
// Bit b of the result is set when more than half of the distinct shingle
// hashes have it set.
func SimHash(tokens []string) uint64 {
	n := len(tokens) - ShingleSize + 1
	if n <= 1 {
		// One shingle: every bit is counted +1 or -1 once, so the SimHash
		// is the shingle's hash.
		return hashTokens(tokens)
	}
	sc := simScratchPool.Get().(*simScratch)
	set := sc.reset(n)
	shift := 64 - uint(bits.Len(uint(len(set)-1)))
	mask := uint64(len(set) - 1)

	// acc[k] holds, in byte j, how many distinct hashes have bit 8j+k set;
	// a byte overflows after 255 hashes, so the bytes are added to ones
	// every 255 hashes.
	var acc [8]uint64
	var ones [64]int32
	distinct, pending := 0, 0
	for i := 0; i < n; i++ {
		h := hashShingle(tokens[i], tokens[i+1], tokens[i+2])
		// Open addressing with linear probing; 0 marks an empty slot, and
		// hashShingle never returns 0.
		j := (h * 0x9e3779b97f4a7c15) >> shift
		for set[j] != 0 && set[j] != h {
			j = (j + 1) & mask
		}
		if set[j] == h {
			continue
		}
		set[j] = h
		distinct++
		const lanes = 0x0101010101010101
		acc[0] += h & lanes
		acc[1] += h >> 1 & lanes
		acc[2] += h >> 2 & lanes
		acc[3] += h >> 3 & lanes
		acc[4] += h >> 4 & lanes
		acc[5] += h >> 5 & lanes
		acc[6] += h >> 6 & lanes
		acc[7] += h >> 7 & lanes
		if pending++; pending == 255 {
			flushCounts(&ones, &acc)
			pending = 0
		}
	}
	flushCounts(&ones, &acc)
	sc.put()

	var out uint64
	for b, c := range ones {
		// The reference sum of +1 per set bit and -1 per clear one is
		// 2*c - distinct.
		if 2*int(c) > distinct {
			out |= 1 << b
		}
	}
	return out
}

// flushCounts adds the byte counters of acc to ones and clears acc.
func flushCounts(ones *[64]int32, acc *[8]uint64) {
	for k, a := range acc {
		for j := range 8 {
			ones[8*j+k] += int32(a >> (8 * j) & 0xff)
		}
		acc[k] = 0
	}
}

// simScratch is the hash set SimHash deduplicates shingles with.
type simScratch struct{ set []uint64 }

// maxPooledSet is the largest set, in slots, kept for reuse: a huge text
// should not pin its memory.
const maxPooledSet = 1 << 14

var simScratchPool = sync.Pool{New: func() any { return new(simScratch) }}

// reset returns a cleared set with a power-of-two number of slots, at
// least twice n.
func (sc *simScratch) reset(n int) []uint64 {
	size := 1 << bits.Len(uint(2*n-1))
	if cap(sc.set) < size {
		sc.set = make([]uint64, size)
		return sc.set
	}
	sc.set = sc.set[:size]
	clear(sc.set)
	return sc.set
}

// put returns sc to the pool unless its set is too large to keep.
func (sc *simScratch) put() {
	if cap(sc.set) <= maxPooledSet {
		simScratchPool.Put(sc)
	}
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

// hashShingle is hashTokens of three tokens, without the slice.
// SimHash calls it for every shingle, so ShingleSize must stay 3; the
// constants below do not compile otherwise.
func hashShingle(a, b, c string) uint64 {
	h := uint64(fnvOffset)
	for i := 0; i < len(a); i++ {
		h ^= uint64(a[i])
		h *= fnvPrime
	}
	h ^= ' '
	h *= fnvPrime
	for i := 0; i < len(b); i++ {
		h ^= uint64(b[i])
		h *= fnvPrime
	}
	h ^= ' '
	h *= fnvPrime
	for i := 0; i < len(c); i++ {
		h ^= uint64(c[i])
		h *= fnvPrime
	}
	if h == 0 {
		h = 1
	}
	return h
}

const (
	_ uint = ShingleSize - 3
	_ uint = 3 - ShingleSize
)

// linkHost names the outlet of an aggregated item by its link's host,
// without a leading "www.".
func linkHost(link string) string {
	u, err := url.Parse(link)
	if err != nil {
		return ""
	}
	return strings.TrimPrefix(strings.ToLower(u.Hostname()), "www.")
}
