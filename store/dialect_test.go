package store

import (
	"context"
	"strings"
	"sync"
	"testing"

	"github.com/storywatch/storywatch/store/storetest"
)

func TestRedactHidesThePassword(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"/var/lib/storywatch/sw.db":                            "/var/lib/storywatch/sw.db",
		"postgres://sw:s3cret@db.example.org:5432/sw":          "postgres://sw:xxxxx@db.example.org:5432/sw",
		"postgresql://sw@db.example.org/sw?sslmode=require":    "postgresql://sw@db.example.org/sw?sslmode=require",
		"postgres://db.example.org/sw?password=s3cret&user=sw": "postgres://db.example.org/sw?password=xxxxx&user=sw",
		"postgres://sw:s3cret%zz@db.example.org/sw":            "postgres://(a URL that does not parse)",
	} {
		if got := Redact(in); got != want {
			t.Errorf("Redact(%q) = %q, want %q", in, got, want)
		}
	}
	if !IsPostgres(" PostgreSQL://h/db") || IsPostgres("postgres.db") {
		t.Error("IsPostgres tells URLs from paths wrongly")
	}
}

// Replicas starting together on one new database each apply or find
// every migration once, and all open.
func TestConcurrentOpensMigrateOnce(t *testing.T) {
	t.Parallel()
	path := storetest.Database(t)
	ctx := context.Background()
	var wg sync.WaitGroup
	errs := make(chan error, 4)
	for range 4 {
		wg.Go(func() {
			db, err := Open(ctx, path)
			if err == nil {
				err = db.Close()
			}
			errs <- err
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Error(err)
		}
	}
	db, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if db.Engine() != storetest.Engine() {
		t.Errorf("engine %s, want %s", db.Engine(), storetest.Engine())
	}
	ms, _ := loadMigrations(db.dialect.migrationDir())
	if n := rowCount(t, db, "schema_migrations"); n != len(ms) {
		t.Errorf("%d migrations recorded, want %d", n, len(ms))
	}
}

// NUL characters, which PostgreSQL's text refuses, are left out of what is
// stored, on both engines alike.
func TestNULCharactersAreNotStored(t *testing.T) {
	t.Parallel()
	db, _ := testDB(t)
	it := storyItem("k\x001", "https://a.test/1", "Witkoff\x00 call", "body\x00 text", "w")
	f := fetchOf("http://a.test/rss", it)
	f.State.Title = "Feed\x00"
	mustSave(t, db, f)
	hits, err := db.Hits(context.Background(), HitFilter{})
	if err != nil || len(hits) != 1 {
		t.Fatalf("hits = %+v, %v", hits, err)
	}
	got, err := db.Item(context.Background(), hits[0].ItemID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Key != "k1" || got.Title != "Witkoff call" || got.Summary != "body text" || strings.ContainsRune(hits[0].Feed, 0) {
		t.Errorf("stored %+v, feed %q: want the text without NUL", got, hits[0].Feed)
	}
	unseen, err := db.UnseenKeys(context.Background(), "http://a.test/rss", []string{"k\x001"})
	if err != nil || len(unseen) != 0 {
		t.Errorf("the key with a NUL is unseen: %v, %v", unseen, err)
	}
}
