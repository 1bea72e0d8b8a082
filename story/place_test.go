package story

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"
)

var t0 = time.Date(2025, 11, 26, 7, 0, 0, 0, time.UTC)

func TestLinked(t *testing.T) {
	t.Parallel()
	base := Copy{Feed: 1, CanonicalURL: "https://ap.test/a", FirstSeen: t0, Title: 11, Text: 0xF0F0, HasText: true}
	for _, tt := range []struct {
		name string
		b    Copy
		want bool
	}{
		{"same link in another feed", Copy{Feed: 2, CanonicalURL: "https://ap.test/a", FirstSeen: t0}, true},
		{"same link in the same feed is another entry", Copy{Feed: 1, CanonicalURL: "https://ap.test/a", FirstSeen: t0}, false},
		{"same title", Copy{Feed: 1, Title: 11, FirstSeen: t0.Add(time.Hour)}, true},
		{"text three bits away", Copy{Feed: 3, Text: 0xF0F0 ^ 0b10101, HasText: true, FirstSeen: t0}, true},
		{"text four bits away", Copy{Feed: 3, Text: 0xF0F0 ^ 0b1111, HasText: true, FirstSeen: t0}, false},
		{"text without enough words", Copy{Feed: 3, Text: 0xF0F0, FirstSeen: t0}, false},
		{"title too short to count", Copy{Feed: 3, Title: 0, FirstSeen: t0}, false},
		{"a week apart", Copy{Feed: 2, Title: 11, FirstSeen: t0.Add(Window)}, true},
		{"a week and a second apart", Copy{Feed: 2, Title: 11, FirstSeen: t0.Add(-Window - time.Second)}, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if got := Linked(base, tt.b); got != tt.want {
				t.Errorf("Linked = %v, want %v", got, tt.want)
			}
			if got := Linked(tt.b, base); got != tt.want {
				t.Errorf("Linked reversed = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestPlaceJoinsTheOldestLinkedStoryAndMergesTheRest(t *testing.T) {
	t.Parallel()
	c := Copy{Feed: 9, Title: 5, Text: 0xFF, HasText: true, FirstSeen: t0}
	cands := []Copy{
		{Story: 30, StoryStart: t0.Add(-time.Hour), Feed: 1, Title: 5, FirstSeen: t0},
		{Story: 20, StoryStart: t0.Add(-2 * time.Hour), Feed: 2, Text: 0xFE, HasText: true, FirstSeen: t0},
		{Story: 10, StoryStart: t0.Add(-3 * time.Hour), Feed: 3, Title: 6, FirstSeen: t0}, // not linked
		{Story: 40, StoryStart: t0.Add(-2 * time.Hour), Feed: 4, Title: 5, FirstSeen: t0},
	}
	got := Place(c, cands)
	if got.Story != 20 || !slices.Equal(got.Merged, []int64{40, 30}) {
		t.Errorf("Place = %+v, want story 20 (oldest, smaller id on a tie) absorbing 40 and 30", got)
	}
	if p := Place(c, cands[2:3]); p.Story != 0 || p.Merged != nil {
		t.Errorf("Place without a linked copy = %+v, want a new story", p)
	}
}

// randomCopies draws copies whose keys come from small pools, so that the
// Linked graph has chains, bridges and copies just outside the window.
func randomCopies(r *rand.Rand, n int) []Copy {
	texts := []uint64{0, 0b111, 0b111000, 1 << 40, 1<<40 | 0b11, 0xFFFF << 20}
	out := make([]Copy, n)
	for i := range out {
		c := Copy{Feed: int64(1 + r.IntN(3)), FirstSeen: t0.Add(time.Duration(r.IntN(20*24)) * time.Hour)}
		if r.IntN(3) == 0 {
			c.CanonicalURL = fmt.Sprintf("https://x.test/%d", r.IntN(4))
		}
		if r.IntN(3) == 0 {
			c.Title = uint64(1 + r.IntN(5))
		}
		if r.IntN(2) == 0 {
			c.Text, c.HasText = texts[r.IntN(len(texts))]^uint64(r.IntN(4)), true
		}
		out[i] = c
	}
	return out
}

// simulate places copies in the given order as a store does: each new copy
// sees every stored copy, joins or starts a story, and merged stories are
// relabelled. It returns each copy's story id.
func simulate(copies []Copy, order []int) []int64 {
	stored := make([]Copy, len(copies))
	placed := make([]bool, len(copies))
	nextID := int64(1)
	for _, i := range order {
		c := copies[i]
		var cands []Copy
		for j := range stored {
			if placed[j] {
				cands = append(cands, stored[j])
			}
		}
		p := Place(c, cands)
		start := c.FirstSeen
		if p.Story == 0 {
			p.Story = nextID
		}
		nextID++
		absorbed := append([]int64{p.Story}, p.Merged...)
		for j := range stored {
			if placed[j] && slices.Contains(absorbed, stored[j].Story) && stored[j].StoryStart.Before(start) {
				start = stored[j].StoryStart
			}
		}
		c.Story = p.Story
		stored[i], placed[i] = c, true
		for j := range stored {
			if placed[j] && slices.Contains(absorbed, stored[j].Story) {
				stored[j].Story, stored[j].StoryStart = p.Story, start
			}
		}
	}
	ids := make([]int64, len(copies))
	for i, c := range stored {
		ids[i] = c.Story
	}
	return ids
}

// partitionOf writes a labelling as its sorted groups of indexes.
func partitionOf(labels []int64) string {
	groups := map[int64][]int{}
	for i, l := range labels {
		groups[l] = append(groups[l], i)
	}
	var parts []string
	for _, g := range groups {
		parts = append(parts, fmt.Sprint(g))
	}
	sort.Strings(parts)
	return strings.Join(parts, " ")
}

func TestPlaceKeepsTheComponentsWhateverTheOrder(t *testing.T) {
	t.Parallel()
	r := rand.New(rand.NewPCG(12, 1))
	for round := range 200 {
		copies := randomCopies(r, 4+r.IntN(30))
		labels := make([]int64, len(copies))
		for n, comp := range Components(copies) {
			for _, i := range comp {
				labels[i] = int64(n + 1)
			}
		}
		wantPart := partitionOf(labels)
		for range 10 {
			order := r.Perm(len(copies))
			if got := partitionOf(simulate(copies, order)); got != wantPart {
				t.Fatalf("round %d, order %v: partition %s, want the components %s", round, order, got, wantPart)
			}
		}
	}
}

func TestRankOrdersCopiesByRule(t *testing.T) {
	t.Parallel()
	ranks := []Rank{
		{Published: t0.Add(-2 * time.Hour), FirstSeen: t0, CanonicalURL: "https://z.test/", Feed: "f", Key: "k"},
		{Published: t0.Add(-time.Hour), FirstSeen: t0.Add(-time.Hour), CanonicalURL: "https://a.test/"},
		{Published: t0.Add(-time.Hour), FirstSeen: t0, CanonicalURL: "https://a.test/", Feed: "a"},
		{Published: t0.Add(-time.Hour), FirstSeen: t0, CanonicalURL: "https://a.test/", Feed: "b", Key: "1"},
		{Published: t0.Add(-time.Hour), FirstSeen: t0, CanonicalURL: "https://a.test/", Feed: "b", Key: "2"},
		{Published: t0.Add(-time.Hour), FirstSeen: t0, Feed: "a"},
		// A date after the first sighting counts as the first sighting.
		{Published: t0.Add(48 * time.Hour), FirstSeen: t0.Add(time.Hour)},
		{FirstSeen: t0.Add(-5 * time.Hour), CanonicalURL: "https://undated.test/"},
	}
	r := rand.New(rand.NewPCG(1, 1))
	for range 50 {
		got := slices.Clone(ranks)
		r.Shuffle(len(got), func(i, j int) { got[i], got[j] = got[j], got[i] })
		slices.SortFunc(got, Rank.Compare)
		if !slices.Equal(got, ranks) {
			t.Fatalf("sorted = %+v\nwant %+v", got, ranks)
		}
	}
}
