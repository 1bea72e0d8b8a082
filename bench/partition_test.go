package bench

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// The first run writes the partition, the next finds it the same, and a
// file that groups the items otherwise is found different. The stories
// are the generator's copies: item 0 of each feed with item 1 of the
// previous one, every other item alone.
func TestRunWritesThenComparesThePartition(t *testing.T) {
	t.Parallel()
	file := filepath.Join(t.TempDir(), "partition.txt")
	o := Options{Feeds: 3, Items: 5, Actors: 5, Storylines: 2, Concurrency: 2, Cycles: 1, NoBaselines: true, Partition: file}
	first, err := Run(t.Context(), o)
	if err != nil {
		t.Fatal(err)
	}
	p := first.Partition
	if p == nil || p.Compared || p.Copies != 15 || p.Stories != 12 || len(p.SHA256) != 64 {
		t.Fatalf("first run: partition %+v, want 15 copies in 12 stories written", p)
	}
	text, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	for _, pair := range []string{"\n0-0 2-1\n", "\n0-1 1-0\n", "\n1-1 2-0\n"} {
		if !strings.Contains(string(text), pair) {
			t.Errorf("the partition lacks the copies %q:\n%s", strings.TrimSpace(pair), text)
		}
	}
	o.Cycles = 2
	second, err := Run(t.Context(), o)
	if err != nil {
		t.Fatal(err)
	}
	if p := second.Partition; !p.Compared || !p.Same || p.SHA256 != first.Partition.SHA256 {
		t.Errorf("second run: partition %+v, want the same as the first's", p)
	}
	// Split one pair of copies in the file: this run's pair is not in it.
	broken := strings.Replace(string(text), "\n0-0 2-1\n", "\n0-0\n2-1\n", 1)
	if err := os.WriteFile(file, []byte(broken), 0o644); err != nil {
		t.Fatal(err)
	}
	third, err := Run(t.Context(), o)
	if err != nil {
		t.Fatal(err)
	}
	if p := third.Partition; !p.Compared || p.Same || p.Differing != 1 {
		t.Errorf("against a changed file: partition %+v, want 1 story different", p)
	}
}

func TestItemLinksParseBackForTheirRunOnly(t *testing.T) {
	t.Parallel()
	g := newGenerator(nil, 20, 60, nil, time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC))
	g.run = 99
	if f, i, ok := g.parseItemLink(g.itemLink(17, 42)); !ok || f != 17 || i != 42 {
		t.Errorf("parse(link(17, 42)) = %d, %d, %v", f, i, ok)
	}
	other := *g
	other.run = 98
	for _, link := range []string{other.itemLink(17, 42), g.itemLink(20, 0), g.itemLink(0, 60), "https://fill3.example/1/2.html"} {
		if _, _, ok := g.parseItemLink(link); ok {
			t.Errorf("%s parses as an item of this run", link)
		}
	}
}
