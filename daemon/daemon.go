package daemon

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"github.com/storywatch/storywatch/backtest"
	"github.com/storywatch/storywatch/config"
	"github.com/storywatch/storywatch/feed"
	"github.com/storywatch/storywatch/monitor"
	"github.com/storywatch/storywatch/notify"
	"github.com/storywatch/storywatch/secret"
	"github.com/storywatch/storywatch/store"
	"github.com/storywatch/storywatch/web"
)

// DefaultGrace is how long, after the end of Run's context, in-flight
// fetches, sends and backtests get before they are cancelled and Run
// returns.
const DefaultGrace = 10 * time.Second

// Store is the storage the daemon needs: what the poll cycle, the digests,
// the outbox and the backtest need, pruning, and what the HTTP endpoints
// read.
type Store interface {
	monitor.Store
	notify.DigestStore
	notify.OutboxStore
	backtest.Writer
	// PageStore is what the desk's pages read (backtest.Store among it).
	web.PageStore
	// Prune drops the text of items first seen before olderThan and
	// returns how many items it pruned.
	Prune(ctx context.Context, olderThan time.Time) (int64, error)
	// OutboxDepth counts the deliveries still to be sent.
	OutboxDepth(ctx context.Context) (int, error)
	// Ready checks that the database can be read and written.
	Ready(ctx context.Context) error
	// InstanceID is the database's own id, which makes the Atom ids the
	// daemon serves unique to it.
	InstanceID(ctx context.Context) (string, error)
	// RecordWatchlist records the hash of each watch's definition and
	// returns the backtests owed; FinishBacktests drops the owed ones
	// that were done (backtest.go).
	RecordWatchlist(ctx context.Context, hashes map[string]string, since time.Time) ([]store.PendingBacktest, error)
	FinishBacktests(ctx context.Context, watches []string) error
	// DigestRuns reads when each scheduled digest last ran, DigestLastRun
	// when one did; DigestScheduled records the first schedule of an
	// @every digest unless one is stored, and returns the stored one
	// (schedule.go).
	DigestRuns(ctx context.Context) (map[string]time.Time, error)
	DigestLastRun(ctx context.Context, name string) (time.Time, error)
	DigestScheduled(ctx context.Context, name string, at time.Time) (time.Time, error)
	// ListenOutbox calls wake whenever a process sharing the database
	// records a digest, until ctx ends (at once on SQLite).
	ListenOutbox(ctx context.Context, wake func())
	// Leader contends for the leadership of the processes sharing the
	// database: the leader prunes and renews WebSub subscriptions.
	Leader() *store.Leader
	// Hits returns the stored hits that filter selects, newest first.
	Hits(ctx context.Context, filter store.HitFilter) ([]store.Hit, error)
	WebSubStore
}

var _ Store = (*store.DB)(nil)

// Options configures New.
type Options struct {
	// Config is the config to run; it must be valid (config.Load).
	Config *config.Config
	// Store is where everything is stored; the daemon does not close it.
	Store Store
	// Log receives the daemon's log; nil discards it.
	Log *slog.Logger
	// Now is the clock of the poll cycle, digests and deliveries; nil
	// means time.Now.
	Now func() time.Time
	// Version goes into the user agents and the start log.
	Version string
	// ConfigPath is the file Run watches and reloads, as given on the
	// command line; empty means no reload from a file. Getenv expands its
	// ${NAME}s (nil: none are set).
	ConfigPath string
	Getenv     func(string) string
	// Hangup reloads the config file each time it receives (storywatch
	// run relays SIGHUP to it); nil means never.
	Hangup <-chan os.Signal
	// Progress, when not nil, is told of every feed done in a cycle.
	Progress func(done, total int)
	// Grace bounds a shutdown; zero means DefaultGrace.
	Grace time.Duration
	// Secrets are scrubbed from the daemon's log, its feed errors and its
	// delivery errors, and replaced by a reload's; nil means a set of the
	// config's own (config.Config.Secrets).
	Secrets *secret.Set
}

// Daemon is a storywatch process: New builds it, Run runs it until its
// context ends, and Once, Digest and SendDue do single steps of it for the
// one-shot commands.
type Daemon struct {
	opts    Options
	log     *slog.Logger
	now     func() time.Time
	store   Store
	metrics *web.Metrics
	server  *web.Server
	sched   *monitor.Scheduler
	drain   *drain
	// websub keeps the WebSub subscriptions and answers their hubs.
	websub *pusher
	// kick wakes the delivery loop after a digest was recorded.
	kick chan struct{}
	// lastPrune is when item text was last pruned (Unix nanoseconds).
	lastPrune atomic.Int64
	// leader is Run's part in the leadership of the processes sharing
	// the database (leader.go); nil outside Run.
	leader atomic.Pointer[store.Leader]
	// secrets are the running config's (Options.Secrets).
	secrets *secret.Set
	// replica names this process as the owner of the feeds its pollers
	// lease (monitor.ReplicaID).
	replica string

	gen atomic.Pointer[generation]
	// reloadMu orders reloads.
	reloadMu sync.Mutex
	// cycleMu keeps the instant digests of two poll jobs from racing.
	cycleMu sync.Mutex
	// instantChecked is set once every instant digest succeeded after a
	// cycle of this process: hits stored by a run killed before its
	// digest, or kept back by a failed digest, must not wait for the next
	// new hit.
	instantChecked atomic.Bool
}

// New builds a daemon for o.Config without starting anything. Its error
// says what in the config cannot be run (a watchlist that does not
// compile, a notifier that cannot be built).
func New(o Options) (*Daemon, error) {
	if o.Config == nil || o.Store == nil {
		return nil, errors.New("daemon: a config and a store are required")
	}
	if o.Log == nil {
		o.Log = slog.New(slog.DiscardHandler)
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Getenv == nil {
		o.Getenv = func(string) string { return "" }
	}
	if o.Grace <= 0 {
		o.Grace = DefaultGrace
	}
	if o.Secrets == nil {
		o.Secrets = secret.New(o.Config.Secrets...)
	}
	// Every log line of the daemon, its pollers' and its outbox's among
	// them, passes the scrubber once, here.
	o.Log = slog.New(secret.Handler(o.Log.Handler(), o.Secrets))
	d := &Daemon{opts: o, log: o.Log, now: o.Now, store: o.Store, drain: newDrain(),
		kick: make(chan struct{}, 1), secrets: o.Secrets, replica: monitor.ReplicaID()}
	g, err := d.newGeneration(o.Config)
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	instance, err := o.Store.InstanceID(ctx)
	cancel()
	if err != nil {
		return nil, fmt.Errorf("daemon: %w", err)
	}
	d.metrics = web.NewMetrics(d.outboxDepth)
	d.websub = &pusher{store: o.Store, client: feed.NewHTTPClient(o.Config.Poll.Timeout), now: d.now, log: o.Log,
		poller: func() *monitor.Poller { return d.gen.Load().poller }, pushed: d.afterPush}
	d.server = web.New(web.Options{Store: webStore{o.Store}, Pages: o.Store, Metrics: d.metrics, Log: o.Log,
		WebSub: d.websub, Instance: instance})
	d.sched = monitor.NewScheduler(o.Log)
	d.install(g)
	return d, nil
}

// outboxDepth reads the number of waiting deliveries for /metrics.
func (d *Daemon) outboxDepth() float64 {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	n, err := d.store.OutboxDepth(ctx)
	if err != nil {
		d.log.Warn("outbox depth", "error", err)
		return 0
	}
	return float64(n)
}

// errNoDigest is returned for a digest name the config does not have.
var errNoDigest = errors.New("no such digest")

// spec returns the running config's digest called name.
func (d *Daemon) spec(name string) (notify.Spec, error) {
	for _, s := range d.gen.Load().digests {
		if s.Name == name {
			return s, nil
		}
	}
	return notify.Spec{}, fmt.Errorf("digest %s: %w", name, errNoDigest)
}
