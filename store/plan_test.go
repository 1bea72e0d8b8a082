package store

import (
	"context"
	"strings"
	"testing"

	"github.com/storywatch/storywatch/store/storetest"
)

// keyIndex names the index each lookup by a story key must search.
// The lookups by story key serve only lookups before the in-memory
// index's horizon (indexfinder.go): they search the window by first
// sighting, the same feed's page by the feed and a text by its story.
var keyIndex = map[string]string{
	"linked": "item_sources_first_seen", "same feed page": "sqlite_autoindex_item_sources_1",
	"copy of a text": "item_sources_story", "representative": "item_sources_story",
}

// The clustering lookups run for every new copy inside the write
// transaction: each must search an index, never scan a table or an index
// whole, however many copies are stored.
func TestClusteringLookupsSearchIndexes(t *testing.T) {
	t.Parallel()
	storetest.SQLiteOnly(t, "SQLite's query plans")
	db, _ := testDB(t)
	ctx := context.Background()
	for name, q := range map[string]string{
		"linked":         selectLinked,
		"copy of a text": selectCopyOfText, "representative": selectRepresentative, "same feed page": selectSameFeedPage,
		"item copies": selectItemCopies, "copy rank": selectCopyRank, "story lead": selectStoryLead,
		"item hit": selectItemHit,
	} {
		args := make([]any, params(q))
		for i := range args {
			args[i] = 1
		}
		rows, err := db.db.QueryContext(ctx, "EXPLAIN QUERY PLAN "+q, args...)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		var plan []string
		for rows.Next() {
			var id, parent, unused int
			var detail string
			if err := rows.Scan(&id, &parent, &unused, &detail); err != nil {
				t.Fatal(err)
			}
			plan = append(plan, detail)
		}
		rows.Close()
		// A co-routine (a FROM subquery) is scanned as it yields its rows.
		coroutines := map[string]bool{}
		for _, step := range plan {
			if name, ok := strings.CutPrefix(step, "CO-ROUTINE "); ok {
				coroutines[name] = true
			}
		}
		for _, step := range plan {
			if strings.HasPrefix(step, "SCAN ") && !strings.HasPrefix(step, "SCAN (subquery") && !coroutines[strings.TrimPrefix(step, "SCAN ")] {
				t.Errorf("%s scans: %s", name, strings.Join(plan, "; "))
			}
		}
		// A search on the wrong index can read a feed's every entry.
		for _, index := range strings.Fields(keyIndex[name]) {
			if p := strings.Join(plan, "; "); !strings.Contains(p, "USING INDEX "+index+" ") &&
				!strings.Contains(p, "USING COVERING INDEX "+index+" ") {
				t.Errorf("%s does not search %s: %s", name, index, p)
			}
		}
	}
	for _, stmt := range mergeStory {
		rows, err := db.db.QueryContext(ctx, "EXPLAIN QUERY PLAN "+stmt, 1, 2, 3)
		if err != nil {
			t.Fatalf("%s: %v", stmt, err)
		}
		for rows.Next() {
			var id, parent, unused int
			var detail string
			rows.Scan(&id, &parent, &unused, &detail)
			if strings.HasPrefix(detail, "SCAN ") {
				t.Errorf("merge %q scans: %s", stmt, detail)
			}
		}
		rows.Close()
	}
}
