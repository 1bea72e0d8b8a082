package copyindex

import (
	"math/rand/v2"
	"runtime"
	"testing"
)

// fill adds n copies with distinct random keys, one millisecond apart.
func fill(b *testing.B, x *Index, n int, r *rand.Rand) {
	b.Helper()
	for i := range n {
		e := Entry{Item: int64(i + 1), Story: int64(i + 1), Feed: int64(i%2000 + 1), FirstSeen: int64(i),
			Title: r.Uint64() | 1, URL: r.Uint64() | 1, Text: r.Uint64(), HasText: true}
		if err := x.Add(e); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkIndex1M builds an index of a million copies, as a store with a
// million copies in its story window does at open, and reports its memory:
// index-B/copy is what it holds, heap-B/copy what it added to the Go heap
// (nothing: it lives outside it).
func BenchmarkIndex1M(b *testing.B) {
	const n = 1_000_000
	for b.Loop() {
		var before, after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		x, err := New(n)
		if err != nil {
			b.Fatal(err)
		}
		fill(b, x, n, rand.New(rand.NewPCG(1, 2)))
		runtime.GC()
		runtime.ReadMemStats(&after)
		b.ReportMetric(float64(x.Bytes())/n, "index-B/copy")
		b.ReportMetric(float64(int64(after.HeapAlloc)-int64(before.HeapAlloc))/n, "heap-B/copy")
		x.Close()
	}
}

// BenchmarkLookup1M is one new copy's lookups (URL, title, text) in an
// index of a million copies.
func BenchmarkLookup1M(b *testing.B) {
	const n = 1_000_000
	x, err := New(n)
	if err != nil {
		b.Fatal(err)
	}
	defer x.Close()
	r := rand.New(rand.NewPCG(1, 2))
	fill(b, x, n, r)
	var dst []Entry
	for b.Loop() {
		dst = x.ByURL(dst[:0], r.Uint64()|1, 0, n)
		dst = x.ByTitle(dst, r.Uint64()|1, 0, n)
		dst = x.ByText(dst, r.Uint64(), 3, 0, n)
	}
}
