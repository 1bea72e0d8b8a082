package copyindex

import (
	"math/bits"
	"math/rand/v2"
	"slices"
	"testing"
	"unsafe"
)

// model is the index written the obvious way: every lookup scans every
// copy. The index must agree with it.
type model struct {
	entries []Entry
	moved   map[int64]int64
	horizon int64
}

func (m *model) resolve(s int64) int64 {
	for {
		t, ok := m.moved[s]
		if !ok {
			return s
		}
		s = t
	}
}

// lookup returns the entries in [from, to] that keep says yes to, with
// their stories resolved.
func (m *model) lookup(from, to int64, keep func(Entry) bool) []Entry {
	var out []Entry
	for _, e := range m.entries {
		if e.FirstSeen >= max(from, m.horizon) && e.FirstSeen <= to && keep(e) {
			e.Story = m.resolve(e.Story)
			out = append(out, e)
		}
	}
	return out
}

func storiesOf(es []Entry) []int64 {
	var s []int64
	for _, e := range es {
		s = append(s, e.Story)
	}
	slices.Sort(s)
	return slices.Compact(s)
}

func sortEntries(es []Entry) []Entry {
	es = slices.Clone(es)
	slices.SortFunc(es, func(a, b Entry) int {
		if a.Item != b.Item {
			return int(a.Item - b.Item)
		}
		return int(a.Feed - b.Feed)
	})
	return es
}

// randomEntry draws copies whose keys collide often: few titles and URLs,
// SimHashes that are near variants of a few bases.
func randomEntry(r *rand.Rand, item int64, seen int64, bases []uint64) Entry {
	e := Entry{Item: item, Story: 1 + r.Int64N(item), Feed: 1 + r.Int64N(5), FirstSeen: seen}
	if r.IntN(2) == 0 {
		e.Title = 1 + r.Uint64N(20)
	}
	if r.IntN(2) == 0 {
		e.URL = URLHash(string(rune('a' + r.IntN(15))))
	}
	if r.IntN(3) > 0 {
		e.HasText = true
		e.Text = bases[r.IntN(len(bases))]
		for range r.IntN(7) {
			e.Text ^= 1 << r.IntN(64)
		}
	}
	return e
}

func TestIndexAgreesWithScan(t *testing.T) {
	t.Parallel()
	for seed := range uint64(8) {
		r := rand.New(rand.NewPCG(seed, 7))
		x, err := New(r.IntN(50))
		if err != nil {
			t.Fatal(err)
		}
		x.compactAt = 64 // compact often
		compactions := 0
		blocks, grown := len(x.bands.blocks.s), false
		m := &model{moved: map[int64]int64{}}
		bases := []uint64{r.Uint64(), r.Uint64(), r.Uint64()}
		var seen int64
		var item int64
		for step := range 1500 {
			// A transaction of a few copies and merges, then a commit or a
			// rollback.
			x.Begin()
			saved := len(m.entries)
			savedMoved := map[int64]int64{}
			for k, v := range m.moved {
				savedMoved[k] = v
			}
			for range 1 + r.IntN(4) {
				item++
				seen += r.Int64N(40)
				e := randomEntry(r, item, seen, bases)
				e.Story = m.resolve(e.Story) // a new copy joins a live story
				if err := x.Add(e); err != nil {
					t.Fatal(err)
				}
				grown = grown || len(x.bands.blocks.s) > blocks
				blocks = len(x.bands.blocks.s)
				m.entries = append(m.entries, e)
				if r.IntN(10) == 0 {
					// Only live stories merge: a story merged away is gone.
					gone, into := m.resolve(1+r.Int64N(item)), m.resolve(1+r.Int64N(item))
					if gone != into {
						x.Merge(gone, into)
						m.moved[gone] = into
					}
				}
			}
			if r.IntN(4) == 0 {
				x.Rollback()
				m.entries, m.moved = m.entries[:saved], savedMoved
			} else {
				x.Commit()
			}
			if step%97 == 0 {
				h := seen - 2000
				before := x.Len()
				if err := x.Expire(h); err != nil {
					t.Fatal(err)
				}
				if x.Len() < before {
					compactions++
				}
				blocks = len(x.bands.blocks.s)
				m.horizon = max(m.horizon, h)
			}
			checkLookups(t, r, x, m, seen, bases)
			if step%25 == 0 {
				checkBands(t, x)
			}
		}
		if !grown {
			t.Fatalf("seed %d: the band blocks never grew", seed)
		}
		if compactions == 0 {
			t.Fatalf("seed %d: the index never compacted", seed)
		}
		x.Close()
	}
}

// checkLookups checks one random lookup of each kind against a scan of
// every copy, and its order against the order each lookup promises.
func checkLookups(t *testing.T, r *rand.Rand, x *Index, m *model, seen int64, bases []uint64) {
	t.Helper()
	from, to := seen-r.Int64N(1500), seen+r.Int64N(100)
	url := URLHash(string(rune('a' + r.IntN(15))))
	got := x.ByURL(nil, url, from, to)
	want := m.lookup(from, to, func(e Entry) bool { return e.URL == url })
	if !slices.Equal(sortEntries(got), sortEntries(want)) {
		t.Fatalf("ByURL(%x, %d, %d) = %v, want %v", url, from, to, got, want)
	}
	if want := m.inOrder(from, to, false, func(e Entry) bool { return e.URL == url }); !slices.Equal(got, want) {
		t.Fatalf("ByURL(%x, %d, %d) = %v, want in this order %v", url, from, to, got, want)
	}
	title := 1 + r.Uint64N(20)
	got = x.ByTitle(nil, title, from, to)
	want = m.lookup(from, to, func(e Entry) bool { return e.Title == title })
	checkOnePerStory(t, "ByTitle", got, want)
	if want := m.inOrder(from, to, true, func(e Entry) bool { return e.Title == title }); !slices.Equal(got, want) {
		t.Fatalf("ByTitle(%d, %d, %d) = %v, want in this order %v", title, from, to, got, want)
	}
	text := bases[r.IntN(len(bases))] ^ 1<<r.IntN(64)
	d := r.IntN(bands)
	got = x.ByText(nil, text, d, from, to)
	want = m.lookup(from, to, func(e Entry) bool { return e.HasText && bits.OnesCount64(e.Text^text) <= d })
	checkOnePerStory(t, "ByText", got, want)
	if want := m.byTextInOrder(text, d, from, to); !slices.Equal(got, want) {
		t.Fatalf("ByText(%x, %d, %d, %d) = %v, want in this order %v", text, d, from, to, got, want)
	}
}

// checkOnePerStory checks that got holds one of want's entries for each of
// want's stories, and nothing else.
func checkOnePerStory(t *testing.T, name string, got, want []Entry) {
	t.Helper()
	if !slices.Equal(storiesOf(got), storiesOf(want)) || len(got) != len(storiesOf(want)) {
		t.Fatalf("%s stories = %v, want %v", name, storiesOf(got), storiesOf(want))
	}
	for _, g := range got {
		if !slices.Contains(want, g) {
			t.Fatalf("%s returned %+v, not among %v", name, g, want)
		}
	}
}

func TestIndexRefusesIDsBeyond32Bits(t *testing.T) {
	t.Parallel()
	x, err := New(0)
	if err != nil {
		t.Fatal(err)
	}
	defer x.Close()
	if err := x.Add(Entry{Item: 1 << 32, Story: 1, Feed: 1}); err == nil {
		t.Fatal("Add took an item id of 2^32")
	}
	if x.Len() != 0 {
		t.Fatalf("Len = %d after a refused Add", x.Len())
	}
}

func TestIndexGrowsAndCompacts(t *testing.T) {
	t.Parallel()
	x, err := New(0)
	if err != nil {
		t.Fatal(err)
	}
	defer x.Close()
	const n = 20000
	for i := range int64(n) {
		if err := x.Add(Entry{Item: i + 1, Story: i + 1, Feed: 1, FirstSeen: i, Title: uint64(i%100 + 1),
			URL: URLHash(string(rune(i))), Text: uint64(i) * 0x9e3779b97f4a7c15, HasText: true}); err != nil {
			t.Fatal(err)
		}
	}
	if got := len(x.ByTitle(nil, 5, 0, n)); got != n/100 {
		t.Fatalf("ByTitle before expiry found %d stories, want %d", got, n/100)
	}
	if err := x.Expire(n - 1000); err != nil {
		t.Fatal(err)
	}
	if x.Len() != 1000 {
		t.Fatalf("Len after expiring 19,000 of 20,000 = %d, want 1000", x.Len())
	}
	if got := len(x.ByTitle(nil, 5, 0, n)); got != 10 {
		t.Fatalf("ByTitle after expiry found %d stories, want 10", got)
	}
	lastSeen := int64(n - 1)
	last := Entry{Item: n, Story: n, Feed: 1, FirstSeen: lastSeen, Title: 100, URL: URLHash(string(rune(lastSeen))),
		Text: uint64(lastSeen) * 0x9e3779b97f4a7c15, HasText: true}
	if got := x.ByURL(nil, last.URL, 0, n); !slices.Equal(got, []Entry{last}) {
		t.Fatalf("ByURL of the last copy after compaction = %v, want %v", got, []Entry{last})
	}
	if !x.Covers(n-1000) || x.Covers(n-1001) {
		t.Fatalf("Covers disagrees with the horizon %d", x.Horizon())
	}
}

func TestRecordSize(t *testing.T) {
	t.Parallel()
	if got := unsafe.Sizeof(rec{}); got != recSize {
		t.Fatalf("record size %d, recSize says %d", got, recSize)
	}
	if got := unsafe.Sizeof(block{}); got != blockSize {
		t.Fatalf("block size %d, blockSize says %d", got, blockSize)
	}
}

func TestDropPagesKeepsWhatIsOutsideTheRange(t *testing.T) {
	t.Parallel()
	s, free, err := alloc[uint64](10000)
	if err != nil {
		t.Fatal(err)
	}
	defer free()
	for i := range s {
		s[i] = uint64(i) + 1
	}
	dropPages(s[1000:9000])
	for _, i := range []int{0, 999, 9000, 9999} {
		if s[i] != uint64(i)+1 {
			t.Fatalf("s[%d] = %d after dropping s[1000:9000], want %d", i, s[i], i+1)
		}
	}
	for i := 1000; i < 9000; i++ {
		if s[i] != 0 && s[i] != uint64(i)+1 {
			t.Fatalf("s[%d] = %d, neither kept nor dropped", i, s[i])
		}
	}
}
