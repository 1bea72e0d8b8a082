package copyindex

import (
	"fmt"
	"math/bits"
	"slices"
)

// Lookups return the records first seen within [from, to] (Unix
// milliseconds, inclusive), appended to dst, newest added first. A caller
// checks Covers(from) first: records before the horizon are never
// returned.

// ByURL returns every record with the canonical URL hash url, whatever its
// feed or story.
func (x *Index) ByURL(dst []Entry, url uint64, from, to int64) []Entry {
	if url == 0 {
		return dst
	}
	from = max(from, x.horizon)
	for i := x.url.s[mix(url)&x.mask]; i != 0; i = x.recs.s[i].next[chainURL] {
		r := &x.recs.s[i]
		if r.url == url && r.seen >= from && r.seen <= to {
			dst = append(dst, x.entry(i))
		}
	}
	return dst
}

// ByTitle returns one record per story among those with the title hash
// title: every such record is Linked to a copy first seen in the middle of
// the range by its title alone.
func (x *Index) ByTitle(dst []Entry, title uint64, from, to int64) []Entry {
	if title == 0 {
		return dst
	}
	from = max(from, x.horizon)
	start := len(dst)
	for i := x.title.s[mix(title)&x.mask]; i != 0; i = x.recs.s[i].next[chainTitle] {
		r := &x.recs.s[i]
		if r.title != title || r.seen < from || r.seen > to {
			continue
		}
		dst = x.appendStory(dst, start, i)
	}
	return dst
}

// ByText returns one record per story among those whose SimHash is within
// maxDist bits of text. It finds them through the bands, so maxDist must
// be below the number of bands (4).
func (x *Index) ByText(dst []Entry, text uint64, maxDist int, from, to int64) []Entry {
	from = max(from, x.horizon)
	start := len(dst)
	blocks := x.bands.blocks.s
	for b := range bands {
		q := printOf(text, b)
		for i := x.bands.heads.s[bucketOf(text, b)]; i != 0; i = blocks[i].next {
			blk := &blocks[i]
			for k := range blockSlots {
				// A free slot holds 0, which may be near q: its
				// record, 0, tells it apart.
				if bits.OnesCount32(blk.print[k]^q) > maxDist || blk.rec[k] == 0 {
					continue
				}
				r := &x.recs.s[blk.rec[k]]
				if bits.OnesCount64(r.text^text) > maxDist || r.seen < from || r.seen > to || sharesEarlierBand(r.text, text, b) {
					continue
				}
				dst = x.appendStory(dst, start, blk.rec[k])
			}
		}
	}
	return dst
}

// sharesEarlierBand reports whether a and b share a band before band b,
// whose chain has then been walked already.
func sharesEarlierBand(a, b uint64, band int) bool {
	for e := range band {
		if bandOf(a, e) == bandOf(b, e) {
			return true
		}
	}
	return false
}

// appendStory appends record i unless dst[start:] has its story already.
func (x *Index) appendStory(dst []Entry, start int, i uint32) []Entry {
	s := int64(x.resolve(x.recs.s[i].story))
	if slices.ContainsFunc(dst[start:], func(e Entry) bool { return e.Story == s }) {
		return dst
	}
	return append(dst, x.entry(i))
}

// Begin starts a transaction: the records added and the merges recorded
// until Commit or Rollback are undone by Rollback. Transactions do not
// nest.
func (x *Index) Begin() {
	x.txStart = x.n + 1
	x.undo = x.undo[:0]
}

// Commit keeps what the transaction added.
func (x *Index) Commit() {
	x.txStart = 0
	x.undo = x.undo[:0]
}

// Rollback removes what the transaction added, newest first: each record
// removed is the head of each of its chains and the first entry of each of
// its band buckets, so the heads go back to what they were.
func (x *Index) Rollback() {
	if x.txStart == 0 {
		return
	}
	for ; x.n >= x.txStart; x.n-- {
		r := &x.recs.s[x.n]
		for c := range chains {
			if r.on(c) {
				*x.head(c, r) = r.next[c]
			}
		}
		if r.hasText != 0 {
			x.bands.remove(r.text, uint32(x.n))
		}
	}
	for _, u := range slices.Backward(x.undo) {
		if u.had {
			x.moved[u.gone] = u.prev
		} else {
			delete(x.moved, u.gone)
		}
	}
	x.Commit()
}

// Expire moves the horizon to t: records first seen before it are no
// longer returned, and once they are a quarter of the index they are
// dropped: the survivors move to memory of their size and every chain is
// rebuilt. Expire
// must not be called inside a transaction; it returns an error only when
// memory for the rebuilt chains cannot be had, and the index is then
// unchanged.
func (x *Index) Expire(t int64) error {
	if x.txStart != 0 {
		return nil
	}
	x.SetHorizon(t)
	// Records come roughly in first-seen order: count the expired prefix.
	for x.front < x.n && x.recs.s[x.front+1].seen < x.horizon {
		x.front++
	}
	if x.front < x.compactAt || 4*x.front < x.n {
		return nil
	}
	return x.compact()
}

// compact drops expired records, writes every record's story as it is
// now, and rebuilds the chains.
func (x *Index) compact() error {
	kept := 0
	for i := 1; i <= x.n; i++ {
		if x.recs.s[i].seen >= x.horizon {
			kept++
		}
	}
	// Into fresh memory sized for the survivors, so that what the
	// expired records held goes back to the system.
	recs, err := newSlab[rec](max(kept+kept/4+1, 1024))
	if err != nil {
		return fmt.Errorf("copy index: %w", err)
	}
	title, url, err := newBuckets(bucketsFor(len(recs.s)))
	if err != nil {
		recs.release()
		return err
	}
	j := 0
	for i := 1; i <= x.n; i++ {
		r := x.recs.s[i]
		if r.seen < x.horizon {
			continue
		}
		j++
		r.story = x.resolve(r.story)
		recs.s[j] = r
	}
	bt, err := bandTableOf(recs.s[:kept+1])
	if err != nil {
		recs.release()
		title.release()
		url.release()
		return err
	}
	x.recs.release()
	x.bands.release()
	x.recs, x.bands, x.n, x.front = recs, bt, kept, 0
	clear(x.moved)
	x.relink(title, url)
	return nil
}
