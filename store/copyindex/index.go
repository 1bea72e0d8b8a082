package copyindex

import (
	"errors"
	"fmt"
	"hash/fnv"
	"math"
	"math/bits"
)

// Entry is one copy as the index stores and returns it.
type Entry struct {
	// Item and Story are the ids of the copy's item and story, Feed of the
	// feed it came from. They must fit in 32 bits.
	Item, Story, Feed int64
	// FirstSeen is when the copy was first seen, in Unix milliseconds.
	FirstSeen int64
	// Title is the hash of the normalized title; 0 when the copy has none.
	Title uint64
	// URL is URLHash of the canonical URL; 0 when the copy has none.
	URL uint64
	// Text is the SimHash of the copy's text, valid when HasText.
	Text    uint64
	HasText bool
}

// ErrRange is returned by Add for an id that does not fit in 32 bits.
var ErrRange = errors.New("id out of the index's range")

// URLHash returns the key of a canonical URL: FNV-1a, never 0 for a
// non-empty URL; 0 for the empty one.
func URLHash(canonical string) uint64 {
	if canonical == "" {
		return 0
	}
	h := fnv.New64a()
	h.Write([]byte(canonical))
	if s := h.Sum64(); s != 0 {
		return s
	}
	return 1
}

// Chains: every record is on up to two singly linked lists, newest first,
// one per key: its title and its canonical URL. Its SimHash is in the band
// buckets instead (bands.go), one per 16-bit band: two SimHashes within 3
// bits share at least one band whole.
const (
	chainTitle = iota
	chainURL
	chains
)

// rec is a stored copy: 56 bytes of plain integers. Record 0 is never
// used, so a 0 link ends a chain.
type rec struct {
	title, url, text uint64
	seen             int64
	item, story      uint32
	feed, hasText    uint32
	next             [chains]uint32
}

// Index is the in-memory index of the copies in the story window. Its zero
// value is not usable; call New. Records first seen before the horizon
// (Expire) are skipped and dropped as they accumulate.
type Index struct {
	recs       slab[rec]
	n          int // records in use: recs.s[1..n]
	front      int // records before it are known to have expired
	title, url slab[uint32]
	mask       uint64 // of the title and URL buckets
	bands      bandTable
	horizon    int64
	// compactAt is how many expired records at least make Expire compact.
	compactAt int
	// moved maps a story merged away to the story it joined; records keep
	// the old id until the next compaction.
	moved map[uint32]uint32
	// txStart is the first record of the open transaction; 0 when none.
	txStart int
	undo    []undoMove
}

type undoMove struct {
	gone, prev uint32
	had        bool
}

// slab is a slice outside the Go heap and the function that frees it.
type slab[T any] struct {
	s    []T
	free func()
}

func newSlab[T any](n int) (slab[T], error) {
	s, free, err := alloc[T](n)
	if err != nil {
		return slab[T]{}, err
	}
	return slab[T]{s: s, free: free}, nil
}

func (s *slab[T]) release() {
	if s.free != nil {
		s.free()
	}
	*s = slab[T]{}
}

// New returns an empty index with room for about capacity records before
// it first grows. Close frees it.
func New(capacity int) (*Index, error) {
	x := &Index{moved: map[uint32]uint32{}, horizon: math.MinInt64, compactAt: 4096}
	var err error
	if x.recs, err = newSlab[rec](max(capacity+1, 1024)); err != nil {
		return nil, fmt.Errorf("copy index: %w", err)
	}
	if x.bands, err = newBandTable(blocksFor(len(x.recs.s))); err != nil {
		x.Close()
		return nil, err
	}
	if err := x.rehash(bucketsFor(len(x.recs.s))); err != nil {
		x.Close()
		return nil, err
	}
	return x, nil
}

// bucketsFor returns the number of title and URL buckets for n records: a
// power of two at least n, so chains hold about one record of other keys.
func bucketsFor(n int) int {
	return 1 << bits.Len(uint(max(n, 1024)-1))
}

// Close frees the index's memory. The index must not be used after.
func (x *Index) Close() {
	x.recs.release()
	x.title.release()
	x.url.release()
	x.bands.release()
	x.n, x.front = 0, 0
}

// Len returns the number of records held, expired ones included until
// they are dropped.
func (x *Index) Len() int { return x.n }

// Bytes returns the memory the index holds.
func (x *Index) Bytes() int64 {
	return int64(len(x.recs.s))*int64(recSize) + 4*int64(len(x.title.s)+len(x.url.s)) + x.bands.bytes()
}

// Horizon returns the earliest first sighting the index answers for.
func (x *Index) Horizon() int64 { return x.horizon }

// SetHorizon sets the earliest first sighting the index answers for
// without dropping anything: a store that loaded the copies seen since t
// calls it with t, so that lookups reaching further back are refused
// rather than answered from a partial index.
func (x *Index) SetHorizon(t int64) {
	x.horizon = max(x.horizon, t)
}

// Covers reports whether a lookup of first sightings in [from, to] can be
// answered from the index alone.
func (x *Index) Covers(from int64) bool { return from >= x.horizon }

// mix spreads a key over the buckets: title hashes are already uniform,
// URL hashes too, but the multiplication costs nothing and guards against
// callers with weaker hashes.
func mix(k uint64) uint64 { return (k * 0x9e3779b97f4a7c15) >> 17 }

// head returns the chain head of record r's key on chain c.
func (x *Index) head(c int, r *rec) *uint32 {
	if c == chainTitle {
		return &x.title.s[mix(r.title)&x.mask]
	}
	return &x.url.s[mix(r.url)&x.mask]
}

// on reports whether record r belongs on chain c.
func (r *rec) on(c int) bool {
	if c == chainTitle {
		return r.title != 0
	}
	return r.url != 0
}

// link puts record i at the head of its title and URL chains.
func (x *Index) link(i int) {
	r := &x.recs.s[i]
	for c := range chains {
		if r.on(c) {
			h := x.head(c, r)
			r.next[c], *h = *h, uint32(i)
		}
	}
}

// rehash rebuilds the title and URL chains with buckets buckets each,
// linking the records oldest first so that each chain stays newest first.
func (x *Index) rehash(buckets int) error {
	title, url, err := newBuckets(buckets)
	if err != nil {
		return err
	}
	x.relink(title, url)
	return nil
}

// newBuckets allocates title and URL chain heads.
func newBuckets(n int) (title, url slab[uint32], err error) {
	if title, err = newSlab[uint32](n); err != nil {
		return title, url, fmt.Errorf("copy index: %w", err)
	}
	if url, err = newSlab[uint32](n); err != nil {
		title.release()
		return title, url, fmt.Errorf("copy index: %w", err)
	}
	return title, url, nil
}

// relink makes title and url the chain heads and links every record into
// them, oldest first. The band buckets do not depend on them.
func (x *Index) relink(title, url slab[uint32]) {
	x.title.release()
	x.url.release()
	x.title, x.url, x.mask = title, url, uint64(len(title.s)-1)
	for i := 1; i <= x.n; i++ {
		x.link(i)
	}
}

// Add records a copy. Inside a transaction (Begin) it is undone by
// Rollback.
func (x *Index) Add(e Entry) error {
	if e.Item < 0 || e.Item > math.MaxUint32 || e.Story < 0 || e.Story > math.MaxUint32 || e.Feed < 0 || e.Feed > math.MaxUint32 {
		return fmt.Errorf("add copy of item %d, story %d, feed %d: %w", e.Item, e.Story, e.Feed, ErrRange)
	}
	if x.n+1 >= len(x.recs.s) {
		if err := x.grow(); err != nil {
			return err
		}
	}
	if x.n+1 > len(x.title.s) {
		if err := x.rehash(2 * len(x.title.s)); err != nil {
			return err
		}
	}
	if e.HasText {
		if err := x.bands.reserve(); err != nil {
			return err
		}
	}
	x.n++
	r := &x.recs.s[x.n]
	*r = rec{title: e.Title, url: e.URL, seen: e.FirstSeen, item: uint32(e.Item), story: uint32(e.Story), feed: uint32(e.Feed)}
	if e.HasText {
		r.text, r.hasText = e.Text, 1
		x.bands.add(e.Text, uint32(x.n))
	}
	x.link(x.n)
	return nil
}

// grow doubles the records' room. The old records' pages go back as they
// are copied, so that growing never holds both copies.
func (x *Index) grow() error {
	bigger, err := newSlab[rec](2 * len(x.recs.s))
	if err != nil {
		return fmt.Errorf("copy index: %w", err)
	}
	const chunk = 1 << 16 // records: 4.5 MB
	for i := 0; i <= x.n; i += chunk {
		j := min(i+chunk, x.n+1)
		copy(bigger.s[i:j], x.recs.s[i:j])
		dropPages(x.recs.s[i:j])
	}
	x.recs.release()
	x.recs = bigger
	return nil
}

// Merge records that story gone joined story into: records of gone are
// returned with into from now on.
func (x *Index) Merge(gone, into int64) {
	if gone == into || gone < 0 || gone > math.MaxUint32 || into < 0 || into > math.MaxUint32 {
		return
	}
	g := uint32(gone)
	prev, had := x.moved[g]
	if x.txStart != 0 {
		x.undo = append(x.undo, undoMove{gone: g, prev: prev, had: had})
	}
	x.moved[g] = uint32(into)
}

// resolve returns the story that story s is part of now.
func (x *Index) resolve(s uint32) uint32 {
	for range len(x.moved) + 1 {
		t, ok := x.moved[s]
		if !ok {
			break
		}
		s = t
	}
	return s
}

func (x *Index) entry(i uint32) Entry {
	r := &x.recs.s[i]
	return Entry{Item: int64(r.item), Story: int64(x.resolve(r.story)), Feed: int64(r.feed), FirstSeen: r.seen,
		Title: r.title, URL: r.url, Text: r.text, HasText: r.hasText != 0}
}

const recSize = 56
