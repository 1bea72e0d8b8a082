package bench

import (
	"context"
	"net/url"
	"runtime"
	"testing"

	"github.com/storywatch/storywatch/store/storetest"
)

// A cycle's schema exists until it is dropped, and the server's CPU,
// read in /proc, grows by what a query costs it.
func TestPostgresSchemaPerCycleAndServerCPU(t *testing.T) {
	dsn := storetest.PostgresDatabase(t)
	if runtime.GOOS != "linux" {
		t.Skip("the server's CPU is read in /proc")
	}
	ctx := context.Background()
	pg, err := openPGServer(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer pg.close()
	if pg.postmaster == 0 {
		t.Fatalf("the test server's processes are not found: %s", pg.why)
	}
	before := pg.cpu()
	var n int64
	if err := pg.admin.QueryRowContext(ctx, "SELECT COUNT(*) FROM generate_series(1, 5000000)").Scan(&n); err != nil || n != 5000000 {
		t.Fatalf("count: %d, %v", n, err)
	}
	if used := pg.cpu() - before; used <= 0 {
		t.Errorf("the server used %s of CPU counting five million rows, want some", used)
	}

	cycleDSN, drop, err := pg.fresh(ctx, 0)
	if err != nil {
		t.Fatal(err)
	}
	u, err := url.Parse(cycleDSN)
	if err != nil {
		t.Fatal(err)
	}
	schema := func() int {
		var k int
		if err := pg.admin.QueryRowContext(ctx, `SELECT COUNT(*) FROM pg_namespace WHERE nspname = $1`, u.Query().Get("search_path")).Scan(&k); err != nil {
			t.Fatal(err)
		}
		return k
	}
	if schema() == 0 {
		t.Fatalf("no schema for %s", cycleDSN)
	}
	if err := drop(); err != nil {
		t.Fatal(err)
	}
	if k := schema(); k != 0 {
		t.Errorf("the schema of %s is left after the drop", u.Redacted())
	}
}
