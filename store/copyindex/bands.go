package copyindex

import "fmt"

// Band buckets. Each value of each 16-bit band of a SimHash has a chain of
// 64-byte blocks, newest first, each holding up to blockSlots copies: the
// record number and 32 bits of the SimHash outside the band (print). A
// text lookup thus reads a band's candidates from a few contiguous cache
// lines and touches a record only when its print is near enough: every
// copy within maxDist bits is, and of the others about one in a million
// (a random 32-bit print is within 3 bits with a chance of 1.3e-6). Block
// 0 is never used, so a 0 link ends a chain; record 0 is never used either,
// so a 0 record marks a free slot.

const (
	bands       = 4
	bandBuckets = 1 << 16
	blockSlots  = 7
	blockSize   = 64
)

// block is one cache line of a band chain. Its slots fill from the last to
// the first, so that reading them in order gives the newest first; only a
// chain's head block has free slots, and only at its start: the first
// blockSlots-n.
type block struct {
	print [blockSlots]uint32
	rec   [blockSlots]uint32
	next  uint32
	n     uint32
}

// printOf returns the 32 bits of text that band b's chains keep: the two
// bands of the other half.
func printOf(text uint64, b int) uint32 {
	if b < bands/2 {
		return uint32(text >> 32)
	}
	return uint32(text)
}

// bandTable is the band chains: their heads and the blocks they are made
// of, taken from the slab and handed back to a free list when a rollback
// empties them.
type bandTable struct {
	heads  slab[uint32] // bands*bandBuckets chain heads
	blocks slab[block]
	used   int    // blocks[1:used] have been handed out at least once
	free   uint32 // first block of the free list, linked by next
	nfree  int
}

func bandOf(text uint64, b int) uint64 { return (text >> (16 * b)) & (bandBuckets - 1) }

func bucketOf(text uint64, b int) int { return b*bandBuckets + int(bandOf(text, b)) }

// blocksFor returns a first guess of the blocks that n records with text
// take: full blocks for most of them, plus a partly filled head block in
// each bucket they reach.
func blocksFor(n int) int {
	return n*bands/blockSlots + min(n*bands, bands*bandBuckets)*3/5 + bands + 1
}

// newBandTable returns empty chains with room for blocks blocks.
func newBandTable(blocks int) (bandTable, error) {
	var t bandTable
	var err error
	if t.heads, err = newSlab[uint32](bands * bandBuckets); err != nil {
		return bandTable{}, fmt.Errorf("copy index: %w", err)
	}
	if t.blocks, err = newSlab[block](max(blocks, bands+1)); err != nil {
		t.heads.release()
		return bandTable{}, fmt.Errorf("copy index: %w", err)
	}
	t.used = 1
	return t, nil
}

func (t *bandTable) release() {
	t.heads.release()
	t.blocks.release()
	*t = bandTable{}
}

func (t *bandTable) bytes() int64 {
	return 4*int64(len(t.heads.s)) + blockSize*int64(len(t.blocks.s))
}

// reserve makes sure that the next add cannot run out of blocks.
func (t *bandTable) reserve() error {
	if len(t.blocks.s)-t.used+t.nfree >= bands {
		return nil
	}
	n := len(t.blocks.s)
	bigger, err := newSlab[block](n + n/2 + bands)
	if err != nil {
		return fmt.Errorf("copy index: %w", err)
	}
	// As with the records: pages go back as they are copied.
	const chunk = 1 << 16 // blocks: 4 MB
	for i := 0; i < t.used; i += chunk {
		j := min(i+chunk, t.used)
		copy(bigger.s[i:j], t.blocks.s[i:j])
		dropPages(t.blocks.s[i:j])
	}
	t.blocks.release()
	t.blocks = bigger
	return nil
}

// take hands out a zeroed block: from the free list, else never used.
func (t *bandTable) take() uint32 {
	if t.free != 0 {
		i := t.free
		t.free = t.blocks.s[i].next
		t.nfree--
		t.blocks.s[i] = block{}
		return i
	}
	t.used++
	return uint32(t.used - 1)
}

// add puts record r with SimHash text first in its four band chains. There
// must be room (reserve).
func (t *bandTable) add(text uint64, r uint32) {
	for b := range bands {
		h := &t.heads.s[bucketOf(text, b)]
		if *h == 0 || t.blocks.s[*h].n == blockSlots {
			i := t.take()
			t.blocks.s[i].next = *h
			*h = i
		}
		blk := &t.blocks.s[*h]
		k := blockSlots - 1 - blk.n
		blk.print[k], blk.rec[k] = printOf(text, b), r
		blk.n++
	}
}

// remove takes record r, the newest of each of its band chains, out of
// them again; a head block left empty goes to the free list.
func (t *bandTable) remove(text uint64, r uint32) {
	for b := range bands {
		h := &t.heads.s[bucketOf(text, b)]
		blk := &t.blocks.s[*h]
		k := blockSlots - blk.n
		if blk.n == 0 || blk.rec[k] != r {
			panic(fmt.Sprintf("copy index: record %d is not the newest of its band chain", r))
		}
		blk.print[k], blk.rec[k] = 0, 0
		blk.n--
		if blk.n == 0 {
			i := *h
			*h = blk.next
			*blk = block{next: t.free}
			t.free = i
			t.nfree++
		}
	}
}

// bandTableOf returns the chains of recs[1:], oldest first, in memory
// sized for them and a quarter more.
func bandTableOf(recs []rec) (bandTable, error) {
	// Count each bucket's records in the heads first, to know the blocks.
	t, err := newBandTable(0)
	if err != nil {
		return bandTable{}, err
	}
	defer t.release()
	for i := 1; i < len(recs); i++ {
		if recs[i].hasText != 0 {
			for b := range bands {
				t.heads.s[bucketOf(recs[i].text, b)]++
			}
		}
	}
	need := 1
	for _, n := range t.heads.s {
		need += (int(n) + blockSlots - 1) / blockSlots
	}
	out, err := newBandTable(need + need/4 + bands)
	if err != nil {
		return bandTable{}, err
	}
	for i := 1; i < len(recs); i++ {
		if recs[i].hasText != 0 {
			out.add(recs[i].text, uint32(i))
		}
	}
	return out, nil
}
