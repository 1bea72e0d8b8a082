package feed

import (
	"strings"
	"testing"
)

func TestAssignKeys(t *testing.T) {
	t.Parallel()
	item := func(guid, link, title string) Item {
		return Item{GUID: guid, URL: link, CanonicalURL: Canonical(link), Title: title}
	}
	tests := []struct {
		name  string
		items []Item
		want  []string // keys, or a prefix ending in "#" for disambiguated keys
	}{
		{
			name:  "unique guid is the key",
			items: []Item{item("a", "https://x.org/1", "One"), item("b", "https://x.org/2", "Two")},
			want:  []string{"guid:a", "guid:b"},
		},
		{
			name:  "no guid falls back to the canonical link",
			items: []Item{item("", "https://X.org/1?utm_source=rss#top", "One")},
			want:  []string{"url:https://x.org/1"},
		},
		{
			name:  "no guid and no link falls back to a hash",
			items: []Item{item("", "", "One")},
			want:  []string{HashKey("One", "")},
		},
		{
			name:  "duplicate guids fall back to their links",
			items: []Item{item("same", "https://x.org/1", "One"), item("same", "https://x.org/2", "Two")},
			want:  []string{"url:https://x.org/1", "url:https://x.org/2"},
		},
		{
			name:  "duplicate guids without links fall back to hashes",
			items: []Item{item("same", "", "One"), item("same", "", "Two")},
			want:  []string{HashKey("One", ""), HashKey("Two", "")},
		},
		{
			name:  "shared link and no guid falls back to hashes",
			items: []Item{item("", "https://x.org/1", "One"), item("", "https://x.org/1", "Two")},
			want:  []string{HashKey("One", ""), HashKey("Two", "")},
		},
		{
			name: "same title and summary with different content are both kept",
			items: []Item{
				{GUID: "g", Title: "One", Content: "first"},
				{GUID: "g", Title: "One", Content: "second"},
			},
			want: []string{HashKey("One", "") + "#", HashKey("One", "") + "#"},
		},
		{
			name:  "identical items are one item",
			items: []Item{item("g", "https://x.org/1", "One"), item("g", "https://x.org/1", "One")},
			want:  []string{HashKey("One", "") + "#"},
		},
		{
			name:  "a guid that looks like a link cannot collide with a link key",
			items: []Item{item("https://x.org/1", "", "One"), item("", "https://x.org/1", "Two")},
			want:  []string{"guid:https://x.org/1", "url:https://x.org/1"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := assignKeys(tt.items)
			if len(got) != len(tt.want) {
				t.Fatalf("got %d items, want %d: %+v", len(got), len(tt.want), got)
			}
			seen := map[string]bool{}
			for i, it := range got {
				want := tt.want[i]
				if strings.HasSuffix(want, "#") {
					if !strings.HasPrefix(it.Key, want) || len(it.Key) <= len(want) {
						t.Errorf("item %d: key %q, want prefix %q and a content hash", i, it.Key, want)
					}
				} else if it.Key != want {
					t.Errorf("item %d: key %q, want %q", i, it.Key, want)
				}
				if seen[it.Key] {
					t.Errorf("item %d: key %q is not unique", i, it.Key)
				}
				seen[it.Key] = true
			}
		})
	}
}

func TestHashKeyIsStableAndSeparatesFields(t *testing.T) {
	t.Parallel()
	// Keys are stored, so the same input must give the same key every time.
	if got, again := HashKey("a", "b"), HashKey("a", "b"); got != again {
		t.Fatalf("HashKey is not deterministic: %q then %q", got, again)
	}
	if HashKey("ab", "") == HashKey("a", "b") {
		t.Fatal("HashKey does not separate title from summary")
	}
	if !strings.HasPrefix(HashKey("a", "b"), "hash:") {
		t.Fatalf("HashKey = %q, want a hash: prefix", HashKey("a", "b"))
	}
}
