package store

import (
	"context"
	"database/sql"
	"errors"

	"github.com/storywatch/storywatch/monitor"
)

// One goroutine, the writer, saves every fetch. Fetches that arrive while
// it is saving queue up and are saved together in its next transaction
// (group commit): one commit and one set of rewritten index pages for
// several feeds instead of one per feed. Each feed stays atomic: if any
// fetch of a group fails, or the commit does, the group is rolled back
// whole and each of its fetches is saved again in a transaction of its
// own, so one feed's failure is its own and the others commit. A crash
// loses at most the open transaction, whose fetches stored neither their
// items nor their validators, so they are fetched again in full.

// Bounds of one group: the fetches and the new items it may hold, so that
// one transaction holds the write lock for a fraction of a second. On
// PostgreSQL a group holds fewer items, so that its key locks fit the
// server's lock table (clusterlock.go).
const (
	groupFetches = 16
	groupItems   = 1000
	groupItemsPG = 128
)

// errClosed is returned by SaveFetch after Close.
var errClosed = errors.New("database closed")

type saveRequest struct {
	ctx  context.Context
	f    monitor.FeedFetch
	done chan saveResult // buffered: the writer never waits on a caller
}

type saveResult struct {
	saved monitor.Saved
	err   error
}

// SaveFetch writes one fetch of one feed (saveFetchTx) in a transaction,
// possibly shared with fetches of other feeds saved at the same time; it
// returns once that transaction committed or failed.
func (d *DB) SaveFetch(ctx context.Context, f monitor.FeedFetch) (monitor.Saved, error) {
	req := &saveRequest{ctx: ctx, f: f, done: make(chan saveResult, 1)}
	select {
	case d.saves <- req:
	case <-ctx.Done():
		return monitor.Saved{}, ctx.Err()
	case <-d.closing:
		return monitor.Saved{}, errClosed
	}
	r := <-req.done
	return r.saved, r.err
}

// startWriter starts the writer goroutine; Close stops it.
func (d *DB) startWriter() {
	d.saves = make(chan *saveRequest)
	d.closing = make(chan struct{})
	d.writerDone = make(chan struct{})
	go d.runWriter()
}

func (d *DB) runWriter() {
	defer close(d.writerDone)
	for {
		var first *saveRequest
		select {
		case first = <-d.saves:
		case <-d.closing:
			return
		}
		group, items := []*saveRequest{first}, len(first.f.Items)
		maxItems := groupItems
		if d.dialect.postgres {
			maxItems = groupItemsPG
		}
	collect:
		for len(group) < groupFetches && items < maxItems {
			select {
			case r := <-d.saves:
				group = append(group, r)
				items += len(r.f.Items)
			default:
				break collect
			}
		}
		d.saveGroup(group)
	}
}

// saveGroup saves the fetches of group together, or each alone when that
// fails, and answers every caller.
func (d *DB) saveGroup(group []*saveRequest) {
	live := group[:0]
	for _, r := range group {
		if err := r.ctx.Err(); err != nil {
			r.done <- saveResult{err: err}
			continue
		}
		live = append(live, r)
	}
	if len(live) == 0 {
		return
	}
	results, err := d.saveTogether(live)
	if err == nil || len(live) == 1 {
		for i, r := range live {
			if err != nil {
				r.done <- saveResult{err: err}
			} else {
				r.done <- results[i]
			}
		}
		return
	}
	for _, r := range live {
		results, err := d.saveTogether([]*saveRequest{r})
		if err != nil {
			r.done <- saveResult{err: err}
		} else {
			r.done <- results[0]
		}
	}
}

// saveTogether saves reqs in one transaction; a fetch whose lease was
// lost has its error in its result and the others are saved. The
// transaction outlives no caller's context but follows none of them: a
// caller that gives up fails only its own statements, and so only its own
// fetch when the group is saved again fetch by fetch. On PostgreSQL a
// transaction aborted for a deadlock or a serialization failure
// (retryable) runs again whole, up to maxTxAttempts times.
func (d *DB) saveTogether(reqs []*saveRequest) ([]saveResult, error) {
	ctx := context.WithoutCancel(reqs[0].ctx)
	for attempt := 1; ; attempt++ {
		out, err := d.saveOnce(ctx, reqs)
		if err == nil || !d.dialect.postgres || !retryable(err) || attempt == maxTxAttempts {
			return out, err
		}
		d.log.Info("feed transaction aborted by the database; running it again", "attempt", attempt,
			"fetches", len(reqs), "err", err)
	}
}

// saveOnce runs saveTogether's transaction once.
func (d *DB) saveOnce(ctx context.Context, reqs []*saveRequest) ([]saveResult, error) {
	out := make([]saveResult, len(reqs))
	now := d.now()
	err := d.tx(ctx, func(tx *sql.Tx) error {
		if d.dialect.postgres {
			fetches := make([]monitor.FeedFetch, len(reqs))
			for i, r := range reqs {
				fetches[i] = r.f
			}
			if err := lockCopyKeys(ctx, tx, fetches); err != nil {
				return err
			}
		}
		var st *itemStmts
		defer func() {
			if st != nil {
				st.close()
			}
		}()
		for i, r := range reqs {
			s, err := d.saveFetchTx(r.ctx, tx, &st, r.f, now)
			if errors.Is(err, ErrLeaseLost) {
				// The fence wrote nothing: the others go on.
				out[i] = saveResult{err: err}
				continue
			}
			if err != nil {
				return err
			}
			out[i] = saveResult{saved: s}
		}
		if st != nil {
			return st.flushHits(context.WithoutCancel(reqs[0].ctx))
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}
