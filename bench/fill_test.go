package bench

import (
	"path/filepath"
	"testing"
)

// A run into a kept database meets what earlier runs and the fill stored
// in the story window, and its own items are new all the same.
func TestRunFillsTheWindowAndKeepsItsDatabase(t *testing.T) {
	t.Parallel()
	o := Options{Feeds: 3, Items: 5, Actors: 5, Storylines: 2, Concurrency: 2, Cycles: 1, NoBaselines: true,
		DB: filepath.Join(t.TempDir(), "bench.db"), Stored: 30}
	first, err := Run(t.Context(), o)
	if err != nil {
		t.Fatal(err)
	}
	if first.Stored != 30 || first.ItemsNew != 15 || first.CPUPerItemUS <= 0 {
		t.Errorf("first run: stored %d, %d new items, %v µs per item; want 30 stored, 15 new, a CPU figure",
			first.Stored, first.ItemsNew, first.CPUPerItemUS)
	}
	second, err := Run(t.Context(), o)
	if err != nil {
		t.Fatal(err)
	}
	if second.Stored != 30+15+30 || second.ItemsNew != 15 {
		t.Errorf("second run: stored %d, %d new items; want 75 stored, 15 new", second.Stored, second.ItemsNew)
	}
}
