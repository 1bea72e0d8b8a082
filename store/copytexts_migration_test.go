package store

import (
	"context"
	"database/sql"
	"testing"
	"time"

	"github.com/storywatch/storywatch/store/storetest"
)

// A database from before copy_texts keeps its copies' text, on both
// engines: readers find it in copy_texts, and retention removes it there.
func TestMigrationMovesCopiesTextToItsTable(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	path := storetest.Database(t)
	dl, source := sqliteDialect, dsn(path)
	if IsPostgres(path) {
		dl, source = postgresDialect, path
	}
	raw, err := sql.Open(dl.driver, source)
	if err != nil {
		t.Fatal(err)
	}
	ms, err := loadMigrations(dl.migrationDir())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := raw.ExecContext(ctx, dl.createMigrationsTable()); err != nil {
		t.Fatal(err)
	}
	for _, m := range ms {
		if m.version >= 17 {
			break
		}
		if _, err := raw.ExecContext(ctx, m.sql); err != nil {
			t.Fatalf("%s: %v", m.name, err)
		}
		if _, err := raw.ExecContext(ctx, insertMigration, m.version, m.name, 0); err != nil {
			t.Fatal(err)
		}
	}
	for _, q := range []string{
		`INSERT INTO feeds (id, url) VALUES (1, 'http://a.test/feed')`,
		`INSERT INTO stories (id, lead_item_id, lead_feed_id, lead_key, first_seen, last_seen, copies) VALUES (1, 1, 1, 'k1', 1000, 2000, 2)`,
		`INSERT INTO items (id, canonical_url, key, url, title, first_seen, story_id) VALUES (1, 'https://a.test/1', 'k1', 'https://a.test/1', 'Witkoff call', 1000, 1)`,
		`INSERT INTO item_sources (feed_id, key, item_id, first_seen, story_id, url, title, summary, author)
			VALUES (1, 'k1', 1, 1000, 1, 'https://a.test/1', 'Witkoff call', 'Witkoff spoke to Ushakov.', 'A. Writer'),
			       (1, 'k2', 1, 2000, 1, 'https://a.test/1', 'Witkoff call', NULL, NULL)`,
	} {
		if _, err := raw.ExecContext(ctx, q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	raw.Close()

	now := time.UnixMilli(3000)
	db, err := Open(ctx, path, WithClock(func() time.Time { return now }))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	it, err := db.Item(ctx, 1)
	if err != nil || it.Summary != "Witkoff spoke to Ushakov." || it.Author != "A. Writer" {
		t.Fatalf("item = %+v, %v; want its copy's text", it, err)
	}
	items, err := db.ItemsSince(ctx, time.Time{})
	if err != nil || len(items) != 1 || len(items[0].Copies) != 2 || items[0].Copies[0].Doc.Summary != "Witkoff spoke to Ushakov." {
		t.Fatalf("items = %+v, %v; want the text of the first copy", items, err)
	}
	var texts int
	if err := db.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM copy_texts`).Scan(&texts); err != nil || texts != 1 {
		t.Fatalf("%d text rows (%v), want 1: the copy without text has none", texts, err)
	}
	if n, err := db.Prune(ctx, time.UnixMilli(2500)); err != nil || n != 1 {
		t.Fatalf("prune = %d, %v; want the item", n, err)
	}
	if err := db.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM copy_texts`).Scan(&texts); err != nil || texts != 0 {
		t.Errorf("%d text rows (%v) after the prune, want none", texts, err)
	}
	if it, err := db.Item(ctx, 1); err != nil || it.Summary != "" || !it.Pruned {
		t.Errorf("pruned item = %+v, %v", it, err)
	}
}
