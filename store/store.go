package store

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net/url"
	"os"
	"path"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	_ "modernc.org/sqlite" // registers the "sqlite" driver
)

// ErrNotFound is returned when a requested row does not exist.
var ErrNotFound = errors.New("not found")

//go:embed migrations/*.sql migrations/postgres/*.sql
var migrationFS embed.FS

// DB is an open storywatch database. It is safe for concurrent use.
type DB struct {
	// writeMu serializes this process's write transactions: waiting on a
	// mutex is cheaper and fairer than SQLite's sleeping busy handler.
	// Other processes still wait on busy_timeout.
	writeMu sync.Mutex
	db      *sql.DB
	now     func() time.Time
	log     *slog.Logger
	// path is the SQLite file, or the PostgreSQL URL without its password
	// (Redact), for messages.
	path    string
	dialect dialect
	// index is the in-memory index of the story window's copies
	// (indexfinder.go), changed only under writeMu; nil without one.
	index *windowIndex
	stmts *stmtCache
	// The writer goroutine's queue of fetches to save (writer.go).
	saves               chan *saveRequest
	closing, writerDone chan struct{}
	closeOnce           sync.Once
	// lastWrite is the outcome of the last write, for Ready.
	lastWrite atomic.Pointer[writeOutcome]
}

// Option configures Open.
type Option func(*DB)

// WithClock makes the store read the time from now instead of time.Now, for
// timestamps such as first_seen and found_at.
func WithClock(now func() time.Time) Option {
	return func(db *DB) { db.now = now }
}

// WithLogger sets the logger for migrations and maintenance messages.
func WithLogger(log *slog.Logger) Option {
	return func(db *DB) { db.log = log }
}

// Open opens a database and brings its schema up to date: a PostgreSQL
// database given a postgres:// or postgresql:// URL (IsPostgres), else the
// SQLite file at the path, created with mode 0600 if missing. Messages and
// logs name a URL without its password (Redact).
func Open(ctx context.Context, path string, opts ...Option) (*DB, error) {
	d := &DB{now: time.Now, log: slog.New(slog.DiscardHandler), path: Redact(path), dialect: sqliteDialect}
	for _, opt := range opts {
		opt(d)
	}
	if strings.TrimSpace(path) == "" {
		return nil, errors.New("open database: empty path")
	}
	source := path
	if IsPostgres(path) {
		d.dialect, source = postgresDialect, strings.TrimSpace(path)
	} else {
		// Create the file ourselves so that it is private: SQLite would use
		// 0644, and its -wal and -shm files copy the database file's mode.
		f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
		if err != nil {
			return nil, fmt.Errorf("open database: %w", err)
		}
		f.Close()
		source = dsn(path)
	}
	db, err := sql.Open(d.dialect.driver, source)
	if err != nil {
		return nil, fmt.Errorf("open database %s: %w", d.path, err)
	}
	d.db = db
	d.stmts = &stmtCache{db: db, stmts: map[string]*sql.Stmt{}, positional: !d.dialect.postgres}
	// A connection opened while the file was read-only stays read-only:
	// a lifetime retires it even if no write ever fails on it.
	db.SetConnMaxLifetime(connLifetime)
	db.SetMaxIdleConns(maxIdleConns)
	if err := d.ping(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("open database %s: %w", d.path, err)
	}
	if err := d.migrate(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("migrate database %s: %w", d.path, err)
	}
	// The copy index is SQLite's: on PostgreSQL other replicas write
	// copies this process never sees, so lookups read the key indexes.
	if !d.dialect.postgres {
		if err := d.loadIndex(ctx); err != nil {
			db.Close()
			return nil, fmt.Errorf("open database %s: %w", d.path, err)
		}
	}
	d.startWriter()
	return d, nil
}

// dsn builds the connection string. Pragmas sit in the DSN so that every
// pooled connection gets them, not only the first; _txlock=immediate makes
// every transaction take the write lock at BEGIN, so two writers wait on the
// busy timeout instead of one failing with SQLITE_BUSY on lock upgrade.
func dsn(path string) string {
	q := url.Values{}
	// The busy timeout first: the pragmas run in order when a connection
	// opens, so those after it wait on another process's locks where
	// SQLite lets them (ping.go retries the one place it does not).
	q.Add("_pragma", "busy_timeout(10000)")
	q.Add("_pragma", "journal_mode(WAL)")
	q.Add("_pragma", "foreign_keys(1)")
	q.Add("_pragma", "synchronous(NORMAL)")
	// Statement journals in memory, not in temporary files: they took
	// over half of a poll cycle's write system calls and bytes.
	q.Add("_pragma", "temp_store(MEMORY)")
	// Checkpoint every 10,000 WAL pages (40 MB) rather than 1,000: index
	// pages rewritten by many transactions are copied back once, which
	// cut a 50,000-item poll cycle's write bytes by 28%.
	q.Add("_pragma", "wal_autocheckpoint(10000)")
	q.Set("_txlock", "immediate")
	return "file:" + path + "?" + q.Encode()
}

// Pool settings. The pool keeps as many idle connections as a poll cycle
// of the default concurrency (8 fetches) reads on at once beside the
// writer's: with database/sql's default of 2, a 1,000-feed cycle closed
// and opened again 85 connections (pragmas, schema, statements prepared
// anew), about 2% of its CPU. An idle SQLite connection costs its page
// cache, which every commit of the writer empties anyway.
const (
	connLifetime = 5 * time.Minute
	maxIdleConns = 8
)

// Close closes the database.
func (d *DB) Close() error {
	d.closeOnce.Do(func() { close(d.closing) })
	<-d.writerDone
	d.writeMu.Lock()
	if d.index != nil {
		d.index.x.Close()
		d.index = nil
	}
	d.writeMu.Unlock()
	d.stmts.close()
	if err := d.db.Close(); err != nil {
		return fmt.Errorf("close database %s: %w", d.path, err)
	}
	return nil
}

// Now returns the store's clock reading.
func (d *DB) Now() time.Time { return d.now() }

// tx runs fn in a write transaction, committing when it returns nil.
func (d *DB) tx(ctx context.Context, fn func(*sql.Tx) error) error {
	d.writeMu.Lock()
	defer d.writeMu.Unlock()
	return d.txLocked(ctx, fn)
}

// txLocked is tx for a caller holding writeMu.
func (d *DB) txLocked(ctx context.Context, fn func(*sql.Tx) error) error {
	tx, err := d.db.BeginTx(ctx, nil)
	if err != nil {
		return d.writeFailed(ctx, fmt.Errorf("begin: %w", err))
	}
	if d.index != nil {
		if err := d.beginIndex(ctx, tx); err != nil {
			tx.Rollback()
			return err
		}
	}
	if err := fn(tx); err != nil {
		tx.Rollback()
		d.endIndex(false)
		return d.writeFailed(ctx, err)
	}
	if d.index != nil {
		if err := d.sealIndex(ctx, tx); err != nil {
			tx.Rollback()
			d.endIndex(false)
			return err
		}
	}
	if err := tx.Commit(); err != nil {
		d.endIndex(false)
		return d.writeFailed(ctx, fmt.Errorf("commit: %w", err))
	}
	d.endIndex(true)
	d.noteWrite(nil)
	d.guardWAL(ctx)
	return nil
}

// exec runs one write statement outside a transaction.
func (d *DB) exec(ctx context.Context, query string, args ...any) (sql.Result, error) {
	res, err := d.db.ExecContext(ctx, query, args...)
	if err != nil {
		return nil, d.writeFailed(ctx, err)
	}
	d.noteWrite(nil)
	d.guardWAL(ctx)
	return res, nil
}

// endIndex ends the copy index's part of a transaction, and drops the
// index if a copy could not be added to it.
func (d *DB) endIndex(committed bool) {
	if d.index != nil && !d.index.end(committed) {
		d.index.x.Close()
		d.index = nil
	}
}

// millis converts t to the stored form: Unix milliseconds, or NULL for the
// zero time.
func millis(t time.Time) sql.NullInt64 {
	if t.IsZero() {
		return sql.NullInt64{}
	}
	return sql.NullInt64{Int64: t.UnixMilli(), Valid: true}
}

// fromMillis converts a stored time back; NULL gives the zero time.
func fromMillis(n sql.NullInt64) time.Time {
	if !n.Valid {
		return time.Time{}
	}
	return time.UnixMilli(n.Int64).UTC()
}

// migration is one numbered schema change.
type migration struct {
	version int
	name    string
	sql     string
}

func loadMigrations(dir string) ([]migration, error) {
	entries, err := fs.ReadDir(migrationFS, dir)
	if err != nil {
		return nil, err
	}
	var ms []migration
	seen := map[int]string{}
	for _, e := range entries {
		name := e.Name()
		if e.IsDir() {
			continue
		}
		num, _, ok := strings.Cut(name, "_")
		if !ok || !strings.HasSuffix(name, ".sql") {
			return nil, fmt.Errorf("migration %s: name is not NNNN_name.sql", name)
		}
		v, err := strconv.Atoi(num)
		if err != nil || v <= 0 {
			return nil, fmt.Errorf("migration %s: bad number %q", name, num)
		}
		if other, dup := seen[v]; dup {
			return nil, fmt.Errorf("migrations %s and %s share number %d", other, name, v)
		}
		seen[v] = name
		body, err := fs.ReadFile(migrationFS, path.Join(dir, name))
		if err != nil {
			return nil, err
		}
		ms = append(ms, migration{version: v, name: name, sql: string(body)})
	}
	sort.Slice(ms, func(i, j int) bool { return ms[i].version < ms[j].version })
	return ms, nil
}

// createMigrationsTable creates the table of applied migrations; on
// PostgreSQL only under the migration lock (two CREATE TABLE IF NOT
// EXISTS at once can both try to create it).
func (dl dialect) createMigrationsTable() string {
	times := "INTEGER"
	if dl.postgres {
		times = "BIGINT"
	}
	return `
CREATE TABLE IF NOT EXISTS schema_migrations (
    version    INTEGER PRIMARY KEY,
    name       TEXT    NOT NULL,
    applied_at ` + times + ` NOT NULL
)`
}

const selectAppliedMigrations = `SELECT version FROM schema_migrations`

const insertMigration = `INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)`

// migrate applies every embedded migration of the dialect not yet
// recorded, each in its own transaction with its schema_migrations row, so
// a crash leaves the schema at a whole version. On PostgreSQL they run
// under an advisory lock, so that replicas starting together apply each
// once.
func (d *DB) migrate(ctx context.Context) error {
	ms, err := loadMigrations(d.dialect.migrationDir())
	if err != nil {
		return err
	}
	conn, err := d.db.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	unlock, err := d.dialect.lockMigrations(ctx, conn)
	if err != nil {
		return err
	}
	defer unlock()
	if _, err := conn.ExecContext(ctx, d.dialect.createMigrationsTable()); err != nil {
		return fmt.Errorf("create schema_migrations: %w", err)
	}
	known := map[int]bool{}
	for _, m := range ms {
		known[m.version] = true
	}
	for _, m := range ms {
		if err := d.applyMigration(ctx, conn, m, known); err != nil {
			return err
		}
	}
	return nil
}

// applyMigration applies m on conn unless it is recorded already.
func (d *DB) applyMigration(ctx context.Context, conn *sql.Conn, m migration, known map[int]bool) error {
	tx, err := conn.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	defer tx.Rollback()
	// Read applied versions inside the write transaction: another
	// process may have migrated while we waited for the lock.
	applied, err := appliedVersions(ctx, tx)
	if err != nil {
		return err
	}
	for v := range applied {
		if !known[v] {
			return fmt.Errorf("database has schema version %d, unknown to this storywatch (newer?)", v)
		}
	}
	if applied[m.version] {
		return nil
	}
	if _, err := tx.ExecContext(ctx, m.sql); err != nil {
		return fmt.Errorf("apply %s: %w", m.name, err)
	}
	if _, err := tx.ExecContext(ctx, insertMigration, m.version, m.name, d.now().UnixMilli()); err != nil {
		return fmt.Errorf("record %s: %w", m.name, err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("commit %s: %w", m.name, err)
	}
	d.log.Info("applied migration", "migration", m.name)
	return nil
}

func appliedVersions(ctx context.Context, tx *sql.Tx) (map[int]bool, error) {
	rows, err := tx.QueryContext(ctx, selectAppliedMigrations)
	if err != nil {
		return nil, fmt.Errorf("read schema_migrations: %w", err)
	}
	defer rows.Close()
	applied := map[int]bool{}
	for rows.Next() {
		var v int
		if err := rows.Scan(&v); err != nil {
			return nil, err
		}
		applied[v] = true
	}
	return applied, rows.Err()
}

// SchemaVersion returns the highest applied migration number.
func (d *DB) SchemaVersion(ctx context.Context) (int, error) {
	var v sql.NullInt64
	if err := d.db.QueryRowContext(ctx, `SELECT MAX(version) FROM schema_migrations`).Scan(&v); err != nil {
		return 0, fmt.Errorf("schema version: %w", err)
	}
	return int(v.Int64), nil
}
