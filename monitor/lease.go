package monitor

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net/url"
	"os"
	"sync"
	"time"
)

// Feeds are leased, not locked through a fetch (docs/architecture.md,
// "Feed leases"): a replica claims due feeds in the store for a while,
// fetches them, and saves each with its lease's token, which the store
// checks. Several replicas on one database thus poll each feed once per
// turn between them, and the feeds of a replica that dies are taken over
// once its leases end.

// ErrLeaseLost is the error of a save whose lease ended or was taken over
// by another replica: the store committed nothing of it.
var ErrLeaseLost = errors.New("feed lease lost")

// Lease is a replica's claim on one feed. Token grows with every claim of
// the feed, so a save carrying an old one is refused.
type Lease struct {
	FeedID int64
	Token  int64
	// Until is when the lease ends, on the store's clock.
	Until time.Time
}

// Claim asks a store for feeds to poll.
type Claim struct {
	// Owner names the claiming replica (ReplicaID), for people looking
	// at the database.
	Owner string
	// FeedIDs are the candidates, as RegisterFeeds numbered them; other
	// feeds are never claimed.
	FeedIDs []int64
	// Limit is the most feeds claimed; PerHost the most unexpired leases
	// any one host may have, counting every replica's.
	Limit, PerHost int
	// DueBy claims only feeds planned at or before it (zero: ignore the
	// plan, as PollAll does); feeds backing off past Now are never
	// claimed. Both are on the poller's clock, as the plans are.
	DueBy, Now time.Time
	// For is how long each lease lasts, from the store's clock.
	For time.Duration
}

// Claimed is one claimed feed with its state as stored.
type Claimed struct {
	Lease Lease
	State FeedState
}

// FeedKey names a configured feed for RegisterFeeds.
type FeedKey struct {
	URL, Name string
}

// Leaser is a Store whose feeds are claimed through it. A Poller on a
// Leaser claims every feed before fetching it and saves it fenced by its
// lease; on any other Store it decides alone what to poll.
type Leaser interface {
	Store
	// RegisterFeeds makes sure each feed has a row to lease and returns
	// each URL's id.
	RegisterFeeds(ctx context.Context, feeds []FeedKey) (map[string]int64, error)
	// ClaimFeeds leases up to c.Limit of c.FeedIDs that are due and not
	// leased, soonest due first, never giving a host more than c.PerHost
	// unexpired leases.
	ClaimFeeds(ctx context.Context, c Claim) ([]Claimed, error)
	// ReleaseLease ends a lease whose fetch recorded nothing, so that the
	// feed can be claimed at once; a lease no longer held is left alone.
	ReleaseLease(ctx context.Context, l Lease) error
	// ReleaseDead ends the unexpired leases of every owner that dead
	// reports gone, and returns how many it ended.
	ReleaseDead(ctx context.Context, dead func(owner string) bool) (int64, error)
}

// LeaseMargin is how much longer than its fetches a lease lasts: for the
// parse, the match and the save after them.
const LeaseMargin = 30 * time.Second

// leaseFetch bounds one feed's fetches: two (a moved feed that fails
// falls back to its configured URL).
func leaseFetch(fetchTimeout time.Duration) time.Duration {
	return 2 * fetchTimeout
}

// leaseFor is how long a feed is leased: long enough to wait for a fetch
// slot behind one round of fetches, then to be fetched, and the margin.
// A feed that waited longer is let go unfetched (claimLoop).
func leaseFor(fetchTimeout time.Duration) time.Duration {
	return 2*leaseFetch(fetchTimeout) + LeaseMargin
}

// LeaseFor is how long a Poller with that fetch timeout leases a feed:
// how long the feeds of a replica that stopped answering may wait for
// another.
func LeaseFor(fetchTimeout time.Duration) time.Duration { return leaseFor(fetchTimeout) }

// ReplicaID returns this process's name as a lease owner: host, process
// id and a random suffix, unique across restarts and machines, and the
// same for every Poller of the process.
var ReplicaID = sync.OnceValue(func() string {
	host, err := os.Hostname()
	if err != nil || host == "" {
		host = "unknown"
	}
	b := make([]byte, 4)
	_, _ = rand.Read(b) // crypto/rand.Read never fails
	return fmt.Sprintf("%s:%d:%s", host, os.Getpid(), hex.EncodeToString(b))
})

// PollHost returns the host a feed is fetched from, which per_host counts:
// that of its fetch URL after a move, else of its configured URL.
func PollHost(fetchURL, configured string) string {
	u := fetchURL
	if u == "" {
		u = configured
	}
	if pu, err := url.Parse(u); err == nil {
		return pu.Host
	}
	return u
}
