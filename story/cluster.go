package story

import (
	"math/bits"
	"strings"
	"sync"
	"time"

	"github.com/storywatch/storywatch/feed"
	"github.com/storywatch/storywatch/match"
)

// Story clustering (docs/stories.md) needs, per entry, two cheap keys that
// a store can index: a hash of the normalized title and a SimHash of the
// text. The store compares them with the copies first seen within Window;
// this file computes them.

// Window is how far apart two copies may have been first seen and still be
// copies of one report (Linked).
const Window = 7 * 24 * time.Hour

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
func FingerprintOf(it feed.Item) Fingerprint {
	var fp Fingerprint
	sc := simScratchPool.Get().(*simScratch)
	buf, n := match.AppendNormalized(sc.text[:0], TitleWithoutOutlet(it.Title, it.Outlet))
	if n >= MinTitleTokens {
		fp.Title = hashBytes(buf)
	}
	body := it.Summary
	if len(it.Content) > len(body) {
		body = it.Content
	}
	buf, n = match.AppendNormalized(buf[:0], body)
	if n >= MinTextTokens {
		fp.Text, fp.HasText = sc.simHashNormalized(buf, n), true
	}
	sc.text = buf
	sc.put()
	return fp
}

// BodyField is the field FingerprintOf hashes the text of: the longer of
// the summary and the content.
func BodyField(it feed.Item) match.Field {
	if len(it.Content) > len(it.Summary) {
		return match.FieldContent
	}
	return match.FieldSummary
}

// FingerprintNormalized is FingerprintOf(it) from what the matcher made
// of the title and of it's BodyField (match.Matcher.MatchField hands them
// over): a field the matcher left out, and a title that loses an outlet's
// suffix, are normalized here.
func FingerprintNormalized(it feed.Item, title, body match.Normalized) Fingerprint {
	var fp Fingerprint
	sc := simScratchPool.Get().(*simScratch)
	buf := sc.text[:0]
	if t := TitleWithoutOutlet(it.Title, it.Outlet); len(t) != len(it.Title) || !title.OK {
		// A cut title is shorter than the title: its tokens are not the
		// matcher's.
		buf, title.Tokens = match.AppendNormalized(buf, t)
		title.Text = buf
	}
	if title.Tokens >= MinTitleTokens {
		fp.Title = hashBytes(title.Text)
	}
	if !body.OK {
		text := it.Summary
		if len(it.Content) > len(text) {
			text = it.Content
		}
		buf, body.Tokens = match.AppendNormalized(buf[:0], text)
		body.Text = buf
	}
	if body.Tokens >= MinTextTokens {
		fp.Text, fp.HasText = sc.simHashNormalized(body.Text, body.Tokens), true
	}
	sc.text = buf
	sc.put()
	return fp
}

// simHashNormalized is SimHash of the n tokens of normalized text (tokens
// joined by single spaces). A shingle's hash is hashTokens of its tokens,
// which is FNV-1a of its span of text. Every byte is in the spans of up to
// ShingleSize shingles; the hashes of the shingles open at a byte are
// computed side by side in one pass, so that their multiplications, each
// waiting on the one before in its own hash, overlap.
func (sc *simScratch) simHashNormalized(text []byte, n int) uint64 {
	set := sc.reset(n - ShingleSize + 1)
	var d dedupCounter
	d.init(set)
	// h0, h1, h2 hash the shingles that began with the current token, the
	// one before it and the one before that; k counts the tokens ended.
	h0, h1, h2 := uint64(fnvOffset), uint64(fnvOffset), uint64(fnvOffset)
	k := 0
	for _, c := range text {
		if c != ' ' {
			h0 = (h0 ^ uint64(c)) * fnvPrime
			h1 = (h1 ^ uint64(c)) * fnvPrime
			h2 = (h2 ^ uint64(c)) * fnvPrime
			continue
		}
		if k++; k >= ShingleSize {
			d.add(nonZero(h2))
		}
		h2 = (h1 ^ ' ') * fnvPrime
		h1 = (h0 ^ ' ') * fnvPrime
		h0 = fnvOffset
	}
	if k++; k >= ShingleSize {
		d.add(nonZero(h2))
	}
	return d.sum()
}

// nonZero returns h, or 1 for 0: a shingle hash is never 0, which marks
// an empty slot of the dedup set.
func nonZero(h uint64) uint64 {
	if h == 0 {
		return 1
	}
	return h
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
	var d dedupCounter
	d.init(sc.reset(n))
	for i := 0; i < n; i++ {
		d.add(hashShingle(tokens[i], tokens[i+1], tokens[i+2]))
	}
	sc.put()
	return d.sum()
}

// dedupCounter counts, per bit, how many distinct hashes have it set.
type dedupCounter struct {
	// set is an open-addressing hash set with linear probing; 0 marks an
	// empty slot (shingle hashes are never 0).
	set   []uint64
	shift uint
	// acc[k] holds, in byte j, how many distinct hashes since the last
	// flush have bit 8j+k set; a byte overflows after 255 hashes, so acc
	// is added to ones every 255 hashes.
	acc               [8]uint64
	ones              [64]int32
	distinct, pending int
}

// init starts counting with set, cleared, of a power-of-two size.
func (d *dedupCounter) init(set []uint64) {
	d.set = set
	d.shift = 64 - uint(bits.Len(uint(len(set)-1)))
}

// add counts h unless it was added before.
func (d *dedupCounter) add(h uint64) {
	mask := uint64(len(d.set) - 1)
	j := (h * 0x9e3779b97f4a7c15) >> d.shift
	for d.set[j] != 0 && d.set[j] != h {
		j = (j + 1) & mask
	}
	if d.set[j] == h {
		return
	}
	d.set[j] = h
	d.distinct++
	const lanes = 0x0101010101010101
	d.acc[0] += h & lanes
	d.acc[1] += h >> 1 & lanes
	d.acc[2] += h >> 2 & lanes
	d.acc[3] += h >> 3 & lanes
	d.acc[4] += h >> 4 & lanes
	d.acc[5] += h >> 5 & lanes
	d.acc[6] += h >> 6 & lanes
	d.acc[7] += h >> 7 & lanes
	if d.pending++; d.pending == 255 {
		d.flush()
	}
}

// flush adds the byte counters of acc to ones and clears acc.
func (d *dedupCounter) flush() {
	for k, a := range d.acc {
		for j := range 8 {
			d.ones[8*j+k] += int32(a >> (8 * j) & 0xff)
		}
		d.acc[k] = 0
	}
	d.pending = 0
}

// sum returns the SimHash: bit b is set when more than half of the
// distinct hashes have it set (the reference sum of +1 per set bit and -1
// per clear one, 2*ones[b] - distinct, is positive).
func (d *dedupCounter) sum() uint64 {
	d.flush()
	var out uint64
	for b, c := range d.ones {
		if 2*int(c) > d.distinct {
			out |= 1 << b
		}
	}
	return out
}

// simScratch is the hash set SimHash deduplicates shingles with.
type simScratch struct {
	set  []uint64
	text []byte // normalized text for FingerprintOf
}

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
	if cap(sc.set) <= maxPooledSet && cap(sc.text) <= 8*maxPooledSet {
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

// hashBytes is FNV-1a of b, never 0: hashTokens of the tokens of b when b
// is tokens joined by single spaces.
func hashBytes(b []byte) uint64 {
	h := uint64(fnvOffset)
	for _, c := range b {
		h ^= uint64(c)
		h *= fnvPrime
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
