package web

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"errors"
	"fmt"
	"html/template"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/storywatch/storywatch/match"
)

// Store is the storage the endpoints read.
type Store interface {
	// Ready checks that the database can be read and written.
	Ready(ctx context.Context) error
	// Hits returns the hits selected by q, newest first.
	Hits(ctx context.Context, q HitQuery) ([]Hit, error)
}

// Options configures New.
type Options struct {
	Store Store
	// Pages, when not nil, serves the desk's pages (/, /watch/{id},
	// /story/{id}, /try) from it.
	Pages   PageStore
	Metrics *Metrics
	Log     *slog.Logger
	// Now is the clock for readiness and feed dates; nil means time.Now.
	Now func() time.Time
	// WebSub, when set, answers hubs at /websub/{feed}, the one route that
	// takes a POST.
	WebSub WebSub
	// Instance is the database's instance id (store.DB.InstanceID); it
	// makes the Atom ids unique to this installation and database.
	Instance string
}

// Settings are the parts of the server that follow the config and change
// on a reload.
type Settings struct {
	// Token, when not empty, is required as a bearer token (or as the
	// password of HTTP basic auth, for feed readers) on every endpoint but
	// /healthz and /readyz.
	Token string
	// PollSchedules are the schedules of the poll jobs (a cron.Schedule
	// fits; give @every ones as Every). /readyz fails when no cycle completed since the third-last
	// tick of any of them, so uneven schedules (none at night) are judged
	// by their own ticks, not by one interval.
	PollSchedules []Schedule
	// Watches maps each watch id to its title. /hits.atom answers 404 for
	// an id not in it.
	Watches map[string]string
	// Watchlist is the config's actors and storylines: the pages list its
	// watches (storylines first, then tracked actors) and /try compiles
	// queries against its actors.
	Watchlist match.Watchlist
	// Location is the time zone of the pages' dates and chart days; nil
	// means UTC.
	Location *time.Location
	// Jobs are the poll schedules and digests, for /api/status.
	Jobs []Job
	// PublicURL is where readers reach the server (public_url), for
	// /hits.atom's rel="self" link; "" makes the link relative.
	PublicURL string
}

// Server serves the HTTP endpoints.
type Server struct {
	store    Store
	pages    PageStore
	metrics  *Metrics
	log      *slog.Logger
	now      func() time.Time
	instance string
	// tries bounds the /try queries running at once; each gets
	// tryTimeout.
	tries      chan struct{}
	tryTimeout time.Duration
	hub        WebSub

	mu        sync.RWMutex
	settings  Settings
	templates map[string]*template.Template
	lastCycle time.Time
}

// Schedule says when something is next due after a time; cron.Schedule
// implements it.
type Schedule interface {
	Next(time.Time) time.Time
}

// Every is a schedule that is due every so often from whenever it began
// (cron's @every): its ticks have no fixed phase, so readiness gives it
// three whole intervals.
type Every time.Duration

// Next returns t plus the interval.
func (e Every) Next(t time.Time) time.Time { return t.Add(time.Duration(e)) }

// readySince returns the time after which a poll cycle must have completed
// for the daemon to be ready at now: the latest, over the schedules, of
// the third-last tick at or before now. It is zero when no schedule ticked
// three times in the last year.
func readySince(schedules []Schedule, now time.Time) time.Time {
	var since time.Time
	for _, sc := range schedules {
		var t time.Time
		if e, ok := sc.(Every); ok {
			t = now.Add(-3 * time.Duration(e))
		} else {
			t = thirdLastTick(sc, now)
		}
		if t.After(since) {
			since = t
		}
	}
	return since
}

// thirdLastTick walks sc's ticks forward from ever further back until
// three fall at or before now.
func thirdLastTick(sc Schedule, now time.Time) time.Time {
	for back := time.Minute; back <= 366*24*time.Hour; back *= 2 {
		var last [3]time.Time
		n := 0
		for t := sc.Next(now.Add(-back)); !t.IsZero() && !t.After(now); t = sc.Next(t) {
			last[n%3] = t
			n++
		}
		if n >= 3 {
			return last[n%3] // the oldest of the three kept
		}
	}
	return time.Time{}
}

// New returns a Server; call Configure before serving.
func New(opts Options) *Server {
	s := &Server{store: opts.Store, pages: opts.Pages, metrics: opts.Metrics, log: opts.Log, now: opts.Now,
		instance: opts.Instance, tries: make(chan struct{}, maxTries), tryTimeout: tryTimeout, templates: pageTemplates(time.UTC),
		hub: opts.WebSub}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	if s.now == nil {
		s.now = time.Now
	}
	return s
}

// Configure applies settings from a (re)loaded config.
func (s *Server) Configure(settings Settings) {
	if settings.Location == nil {
		settings.Location = time.UTC
	}
	templates := pageTemplates(settings.Location)
	s.mu.Lock()
	defer s.mu.Unlock()
	s.settings = settings
	s.templates = templates
}

// CycleDone records that a poll cycle completed at t, for /readyz.
func (s *Server) CycleDone(t time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if t.After(s.lastCycle) {
		s.lastCycle = t
	}
}

func (s *Server) current() (Settings, time.Time) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.settings, s.lastCycle
}

// Handler returns the endpoints. They answer GET and HEAD only (405
// otherwise), but for the login forms (see readOnly) and /websub/{feed},
// where hubs also POST.
func (s *Server) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", s.healthz)
	mux.HandleFunc("GET /readyz", s.readyz)
	if s.metrics != nil {
		mux.Handle("GET /metrics", s.auth(promhttp.HandlerFor(s.metrics.reg, promhttp.HandlerOpts{
			ErrorLog: slog.NewLogLogger(s.log.Handler(), slog.LevelError),
		})))
	}
	mux.Handle("GET /hits.atom", s.auth(http.HandlerFunc(s.hitsAtom)))
	mux.Handle("GET /api/hits", s.auth(http.HandlerFunc(s.apiHits)))
	if s.pages != nil {
		s.pageRoutes(mux)
	}
	mux.Handle("GET /api/status", s.auth(http.HandlerFunc(s.apiStatus)))
	if s.hub == nil {
		return readOnly(mux)
	}
	root := http.NewServeMux()
	root.Handle("/", readOnly(mux))
	root.HandleFunc("/websub/{feed}", s.websub)
	return root
}

// readOnly turns every method but GET and HEAD away, also for unknown
// paths, so that nothing can be written through the server. The one
// exception is posting the login and log-out forms, which set and clear
// the session cookie and write nothing else.
func readOnly(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		form := r.Method == http.MethodPost && (r.URL.Path == "/login" || r.URL.Path == "/logout")
		if r.Method != http.MethodGet && r.Method != http.MethodHead && !form {
			w.Header().Set("Allow", "GET, HEAD")
			http.Error(w, "method not allowed: the storywatch endpoints are read-only", http.StatusMethodNotAllowed)
			return
		}
		next.ServeHTTP(w, r)
	})
}

// auth requires the configured token, compared in constant time, or a
// session cookie from the login form.
func (s *Server) auth(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if s.authorized(r) {
			next.ServeHTTP(w, r)
			return
		}
		w.Header().Set("WWW-Authenticate", `Bearer realm="storywatch", Basic realm="storywatch"`)
		http.Error(w, "unauthorized", http.StatusUnauthorized)
	})
}

func tokenOK(r *http.Request, token string) bool {
	var given string
	if h := r.Header.Get("Authorization"); len(h) > 7 && strings.EqualFold(h[:7], "bearer ") {
		given = strings.TrimSpace(h[7:])
	} else if _, password, ok := r.BasicAuth(); ok {
		given = password
	} else {
		return false
	}
	return tokenEqual(given, token)
}

// tokenEqual compares a given token with the configured one in constant
// time. It compares digests: ConstantTimeCompare returns at once on a
// length mismatch, which would leak the token's length.
func tokenEqual(given, token string) bool {
	g, t := sha256.Sum256([]byte(given)), sha256.Sum256([]byte(token))
	return subtle.ConstantTimeCompare(g[:], t[:]) == 1
}

func (s *Server) healthz(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	fmt.Fprintln(w, "ok")
}

// readyz answers 200 when the database can be read and written and a poll
// cycle completed since the third-last scheduled poll.
func (s *Server) readyz(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
	defer cancel()
	if err := s.store.Ready(ctx); err != nil {
		s.log.Warn("readiness: database cannot be read or written", "error", err)
		http.Error(w, "not ready: the database cannot be read or written", http.StatusServiceUnavailable)
		return
	}
	settings, last := s.current()
	if last.IsZero() {
		http.Error(w, "not ready: no poll cycle completed yet", http.StatusServiceUnavailable)
		return
	}
	now := s.now()
	if since := readySince(settings.PollSchedules, now); last.Before(since) {
		http.Error(w, fmt.Sprintf("not ready: last poll cycle completed %s ago, before the third-last scheduled poll", now.Sub(last).Round(time.Second)), http.StatusServiceUnavailable)
		return
	}
	fmt.Fprintln(w, "ready")
}

// Timeouts of the HTTP server: a slow or idle client cannot hold a
// connection for long.
const (
	readHeaderTimeout = 5 * time.Second
	readTimeout       = 10 * time.Second
	writeTimeout      = 30 * time.Second
	idleTimeout       = 60 * time.Second
	shutdownTimeout   = 5 * time.Second
)

// Serve serves the endpoints on ln until ctx is done, then shuts down,
// letting requests in flight finish for a few seconds. It returns nil after
// a shutdown.
func (s *Server) Serve(ctx context.Context, ln net.Listener) error {
	srv := &http.Server{
		Handler:           s.Handler(),
		ReadHeaderTimeout: readHeaderTimeout,
		ReadTimeout:       readTimeout,
		WriteTimeout:      writeTimeout,
		IdleTimeout:       idleTimeout,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(s.log.Handler(), slog.LevelWarn),
		BaseContext:       func(net.Listener) context.Context { return context.WithoutCancel(ctx) },
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return fmt.Errorf("serve http on %s: %w", ln.Addr(), err)
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.Background(), shutdownTimeout)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		srv.Close()
	}
	if err := <-errc; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("serve http on %s: %w", ln.Addr(), err)
	}
	return nil
}
