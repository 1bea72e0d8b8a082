package store

import (
	"context"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/storywatch/storywatch/store/storetest"
)

// columns lists every table of db with its columns, "table.column".
func columns(t *testing.T, db *DB) []string {
	t.Helper()
	q := `SELECT m.name || '.' || p.name FROM sqlite_schema m JOIN pragma_table_info(m.name) p
		WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%'`
	if db.dialect.postgres {
		q = `SELECT table_name || '.' || column_name FROM information_schema.columns WHERE table_schema = current_schema()`
	}
	rows, err := db.db.QueryContext(context.Background(), q)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var c string
		if err := rows.Scan(&c); err != nil {
			t.Fatal(err)
		}
		out = append(out, c)
	}
	slices.Sort(out)
	return out
}

// The PostgreSQL migrations give the tables and columns the SQLite ones
// give, under the same numbers.
func TestPostgresSchemaMatchesSQLite(t *testing.T) {
	t.Parallel()
	pgDSN := storetest.PostgresDatabase(t)
	ctx := context.Background()
	lite, err := Open(ctx, filepath.Join(t.TempDir(), "sw.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer lite.Close()
	pg, err := Open(ctx, pgDSN)
	if err != nil {
		t.Fatal(err)
	}
	defer pg.Close()
	if a, b := columns(t, lite), columns(t, pg); !slices.Equal(a, b) {
		t.Errorf("schemas differ:\nonly SQLite: %s\nonly PostgreSQL: %s", strings.Join(minus(a, b), " "), strings.Join(minus(b, a), " "))
	}
	names := func(dir string) []string {
		ms, err := loadMigrations(dir)
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, m := range ms {
			out = append(out, m.name)
		}
		return out
	}
	if a, b := names(sqliteDialect.migrationDir()), names(postgresDialect.migrationDir()); !slices.Equal(a, b) {
		t.Errorf("migrations differ:\nSQLite:     %v\nPostgreSQL: %v", a, b)
	}
}

// minus returns the elements of a not in b, in a's order.
func minus(a, b []string) []string {
	var out []string
	for _, s := range a {
		if !slices.Contains(b, s) {
			out = append(out, s)
		}
	}
	return out
}
