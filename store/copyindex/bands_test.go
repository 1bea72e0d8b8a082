package copyindex

import (
	"fmt"
	"math/bits"
	"slices"
	"testing"
)

// checkBands checks the band buckets against the records: every record
// with text is in each of its four buckets once, in the slot of its band;
// chains are newest first, with free slots only at the start of their head
// block; and every block handed out is on a chain or on the free list.
func checkBands(t *testing.T, x *Index) {
	t.Helper()
	if err := bandsError(x); err != nil {
		t.Fatal(err)
	}
}

func bandsError(x *Index) error {
	bt := &x.bands
	found := make(map[[2]int]int) // (band, record) → times found
	inChains := 0
	for h, head := range bt.heads.s {
		b, band := h/bandBuckets, uint64(h%bandBuckets)
		last := uint32(0)
		for i, first := head, true; i != 0; i, first = bt.blocks.s[i].next, false {
			if int(i) >= bt.used {
				return fmt.Errorf("bucket %d links block %d, never handed out (%d are)", h, i, bt.used)
			}
			inChains++
			blk := &bt.blocks.s[i]
			for k := range blockSlots {
				r := blk.rec[k]
				if r == 0 {
					if !first || (k > 0 && blk.rec[k-1] != 0) || blk.print[k] != 0 {
						return fmt.Errorf("bucket %d: a free slot %d in block %d (head: %v): %+v", h, k, i, first, *blk)
					}
					continue
				}
				if int(r) > x.n || x.recs.s[r].hasText == 0 || printOf(x.recs.s[r].text, b) != blk.print[k] || bandOf(x.recs.s[r].text, b) != band {
					return fmt.Errorf("bucket %d, block %d slot %d: record %d, print %x does not belong", h, i, k, r, blk.print[k])
				}
				if last != 0 && r >= last {
					return fmt.Errorf("bucket %d: record %d after record %d: not newest first", h, r, last)
				}
				last = r
				found[[2]int{b, int(r)}]++
			}
			if blk.rec[blockSlots-1] == 0 {
				return fmt.Errorf("bucket %d: block %d is empty", h, i)
			}
			if n := blockSlots - slices.IndexFunc(blk.rec[:], func(r uint32) bool { return r != 0 }); uint32(n) != blk.n {
				return fmt.Errorf("bucket %d: block %d holds %d records, counts %d: %+v", h, i, n, blk.n, *blk)
			}
		}
	}
	for r := 1; r <= x.n; r++ {
		for b := range bands {
			want := int(x.recs.s[r].hasText)
			if found[[2]int{b, r}] != want {
				return fmt.Errorf("record %d is %d times in band %d, want %d", r, found[[2]int{b, r}], b, want)
			}
		}
	}
	free := 0
	for i := bt.free; i != 0; i = bt.blocks.s[i].next {
		free++
		if free > bt.used {
			return fmt.Errorf("the free list loops")
		}
	}
	if free != bt.nfree || inChains+free != bt.used-1 {
		return fmt.Errorf("%d blocks on chains, %d free (counted %d), %d handed out", inChains, free, bt.nfree, bt.used-1)
	}
	return nil
}

// sameBands returns copies first..first+n-1, each its own story, whose
// SimHashes all have band 0 in common: copy i's is 0xbeef with i in each
// other band, so copies i and j are 3·popcount(i^j) bits apart.
func sameBands(first, n int) []Entry {
	var es []Entry
	for i := first; i < first+n; i++ {
		v := uint64(i)
		es = append(es, Entry{Item: int64(i), Story: int64(i), Feed: 1, FirstSeen: int64(i),
			Text: 0xbeef | v<<16 | v<<32 | v<<48, HasText: true})
	}
	return es
}

func addAll(t *testing.T, x *Index, es []Entry) {
	t.Helper()
	for _, e := range es {
		if err := x.Add(e); err != nil {
			t.Fatal(err)
		}
	}
}

// items returns the item ids of es in order.
func items(es []Entry) []int64 {
	var out []int64
	for _, e := range es {
		out = append(out, e.Item)
	}
	return out
}

func TestRollbackAcrossBlockBoundaryFreesBlocks(t *testing.T) {
	t.Parallel()
	x, err := New(0)
	if err != nil {
		t.Fatal(err)
	}
	defer x.Close()
	// Three copies: one block in band 0 with blockSlots-3 slots free, one
	// block per copy in each other band.
	addAll(t, x, sameBands(1, 3))
	if got := x.bands.used - 1; got != 1+3*3 {
		t.Fatalf("3 copies took %d blocks, want 10", got)
	}
	// More fill band 0's free slots, two whole blocks and one slot of a
	// third: 3 blocks there and one per copy in the other bands.
	const more = blockSlots - 3 + 2*blockSlots + 1
	x.Begin()
	addAll(t, x, sameBands(4, more))
	if got := items(x.ByText(nil, 0xbeef, 0, 0, 100)); len(got) != 0 {
		t.Fatalf("ByText(0xbeef, 0 bits) = %v, want nothing", got)
	}
	if got := items(x.ByText(nil, 0xbeef|4<<16|4<<32|4<<48, 0, 0, 100)); !slices.Equal(got, []int64{4}) {
		t.Fatalf("inside the transaction ByText(copy 4) = %v, want [4]", got)
	}
	checkBands(t, x)
	used, bytes := x.bands.used, x.Bytes()
	if got := used - 1; got != 10+3+3*more {
		t.Fatalf("%d copies took %d blocks, want %d", 3+more, got, 10+3+3*more)
	}
	x.Rollback()
	checkBands(t, x)
	if x.bands.nfree != 3+3*more || x.bands.used != used || x.Bytes() != bytes {
		t.Fatalf("after the rollback %d blocks free, %d handed out, want %d and %d", x.bands.nfree, x.bands.used, 3+3*more, used)
	}
	if got := items(x.ByText(nil, 0xbeef|4<<16|4<<32|4<<48, 0, 0, 100)); len(got) != 0 {
		t.Fatalf("after the rollback ByText(copy 4) = %v, want nothing", got)
	}
	if got := items(x.ByText(nil, 0xbeef|2<<16|2<<32|2<<48, 3, 0, 100)); !slices.Equal(got, []int64{3, 2}) {
		t.Fatalf("after the rollback ByText(copy 2, 3 bits) = %v, want [3 2]", got)
	}
	// The same copies again take the freed blocks, not new ones.
	addAll(t, x, sameBands(4, more))
	checkBands(t, x)
	if x.bands.nfree != 0 || x.bands.used != used {
		t.Fatalf("adding the copies again left %d blocks free, %d handed out, want 0 and %d", x.bands.nfree, x.bands.used, used)
	}
	// Copy 0xbeef's neighbours within 3 bits: the copies i with one bit.
	if got := items(x.ByText(nil, 0xbeef, 3, 0, 100)); !slices.Equal(got, []int64{16, 8, 4, 2, 1}) {
		t.Fatalf("ByText(0xbeef, 3 bits) = %v, want [16 8 4 2 1]", got)
	}
}

func TestBucketWithManyEntries(t *testing.T) {
	t.Parallel()
	x, err := New(0)
	if err != nil {
		t.Fatal(err)
	}
	defer x.Close()
	const n = 5000
	es := sameBands(1, n)
	addAll(t, x, es)
	checkBands(t, x)
	// Band 0's bucket holds all n in full blocks; each other band's
	// buckets one copy each.
	if got, want := x.bands.used-1, (n+blockSlots-1)/blockSlots+3*n; got != want {
		t.Fatalf("%d blocks handed out, want %d", got, want)
	}
	// The copies within 3 bits of 0xbeef are those whose number has one
	// bit set, newest first.
	want := []int64{4096, 2048, 1024, 512, 256, 128, 64, 32, 16, 8, 4, 2, 1}
	if got := items(x.ByText(nil, 0xbeef, 3, 0, n)); !slices.Equal(got, want) {
		t.Fatalf("ByText(0xbeef, 3 bits) = %v, want %v", got, want)
	}
	if got := items(x.ByText(nil, 0xbeef, 3, 3, 100)); !slices.Equal(got, []int64{64, 32, 16, 8, 4}) {
		t.Fatalf("ByText(0xbeef, 3 bits) in [3, 100] = %v, want [64 32 16 8 4]", got)
	}
	if got := x.ByText(nil, 0xbeef|0xffff<<16, 3, 0, n); len(got) != 0 {
		t.Fatalf("a SimHash far from every copy found %v", items(got))
	}
	m := &model{entries: es}
	for _, q := range []int{7, 1000, 4999, 4103} {
		text := es[q-1].Text
		for d := range 4 {
			got, want := x.ByText(nil, text, d, 0, n), m.byTextInOrder(text, d, 0, n)
			if !slices.Equal(got, want) {
				t.Fatalf("ByText(copy %d, %d bits) = %v, want %v", q, d, items(got), items(want))
			}
		}
	}
}

func TestCompactionRebuildsBlocks(t *testing.T) {
	t.Parallel()
	x, err := New(0)
	if err != nil {
		t.Fatal(err)
	}
	defer x.Close()
	x.compactAt = 10
	const n = 1000
	addAll(t, x, sameBands(1, n))
	x.Merge(n, 1) // the newest copy's story joins the oldest's
	blocks := len(x.bands.blocks.s)
	if err := x.Expire(n - 99); err != nil {
		t.Fatal(err)
	}
	if x.Len() != 100 {
		t.Fatalf("Len after expiring 900 of 1000 = %d, want 100", x.Len())
	}
	checkBands(t, x)
	// Band 0: 100 copies in one bucket, in as few blocks as hold them; the
	// other bands one block per copy.
	if want := (100+blockSlots-1)/blockSlots + 3*100; x.bands.used-1 != want {
		t.Fatalf("%d blocks in use after compaction, want %d", x.bands.used-1, want)
	}
	if got := len(x.bands.blocks.s); got >= blocks {
		t.Fatalf("compaction kept %d blocks of room, had %d", got, blocks)
	}
	got := x.ByText(nil, 0xbeef|n<<16|n<<32|n<<48, 0, 0, n)
	if len(got) != 1 || got[0].Item != n || got[0].Story != 1 {
		t.Fatalf("the newest copy after compaction = %+v, want item %d of story 1", got, n)
	}
	if got := items(x.ByText(nil, 0xbeef, 3, 0, n)); len(got) != 0 {
		t.Fatalf("expired copies returned: %v", got)
	}
	// Adding after compaction fills the rebuilt chains newest first.
	addAll(t, x, sameBands(n+1, 7))
	checkBands(t, x)
	if got := items(x.ByText(nil, 0xbeef|(n+3)<<16|(n+3)<<32|(n+3)<<48, 0, 0, 2*n)); !slices.Equal(got, []int64{n + 3}) {
		t.Fatalf("a copy added after compaction = %v", got)
	}
}

// byTextInOrder is ByText written as its contract says: band by band, the
// newest copy first, one per story, skipping a copy found in an earlier
// band already.
func (m *model) byTextInOrder(text uint64, maxDist int, from, to int64) []Entry {
	var out []Entry
	for b := range bands {
		for _, e := range slices.Backward(m.entries) {
			if !e.HasText || bandOf(e.Text, b) != bandOf(text, b) || bits.OnesCount64(e.Text^text) > maxDist ||
				sharesEarlierBand(e.Text, text, b) || e.FirstSeen < max(from, m.horizon) || e.FirstSeen > to {
				continue
			}
			e.Story = m.resolve(e.Story)
			if !slices.ContainsFunc(out, func(o Entry) bool { return o.Story == e.Story }) {
				out = append(out, e)
			}
		}
	}
	return out
}

// inOrder returns the entries in [from, to] that keep says yes to, newest
// first, one per story when onePerStory.
func (m *model) inOrder(from, to int64, onePerStory bool, keep func(Entry) bool) []Entry {
	var out []Entry
	for _, e := range slices.Backward(m.lookup(from, to, keep)) {
		if !onePerStory || !slices.ContainsFunc(out, func(o Entry) bool { return o.Story == e.Story }) {
			out = append(out, e)
		}
	}
	return out
}
