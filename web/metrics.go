package web

import (
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
)

// Metrics holds the daemon's Prometheus collectors in a registry of its own
// (never the global one). The poll cycle, the delivery worker and the
// reloader report through its methods, which are safe for concurrent use.
// The names are listed in the README.
type Metrics struct {
	reg        *prometheus.Registry
	fetches    *prometheus.CounterVec
	items      prometheus.Counter
	hits       *prometheus.CounterVec
	stories    prometheus.Counter
	deliveries *prometheus.CounterVec
	cycle      prometheus.Histogram
	lastCycle  prometheus.Gauge
	reloads    *prometheus.CounterVec
}

// Fetch results, the values of the "result" label of
// storywatch_fetches_total.
const (
	FetchOK          = "ok"
	FetchNotModified = "not_modified"
	FetchError       = "error"
)

// Delivery results, the values of the "result" label of
// storywatch_deliveries_total.
const (
	DeliverySent  = "sent"
	DeliveryRetry = "retry"
	DeliveryDead  = "dead"
)

// NewMetrics registers every collector, the Go runtime's and the
// process's included. outboxDepth, when not nil, is read at each scrape for
// storywatch_outbox_depth.
func NewMetrics(outboxDepth func() float64) *Metrics {
	m := &Metrics{
		reg: prometheus.NewRegistry(),
		fetches: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "storywatch_fetches_total",
			Help: "Feed fetches by result: ok, not_modified or error.",
		}, []string{"result"}),
		items: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "storywatch_items_total",
			Help: "New items stored.",
		}),
		hits: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "storywatch_hits_total",
			Help: "New hits stored, by watch id (backtest hits included).",
		}, []string{"watch"}),
		stories: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "storywatch_stories_total",
			Help: "New stories: items that did not join a known story.",
		}),
		deliveries: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "storywatch_deliveries_total",
			Help: "Delivery attempts by notifier and result: sent, retry or dead.",
		}, []string{"notifier", "result"}),
		cycle: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "storywatch_poll_cycle_duration_seconds",
			Help:    "Duration of poll cycles.",
			Buckets: []float64{0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300},
		}),
		lastCycle: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "storywatch_last_poll_cycle_timestamp_seconds",
			Help: "Unix time the last poll cycle completed.",
		}),
		reloads: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "storywatch_config_reloads_total",
			Help: "Config reloads by result: ok or error.",
		}, []string{"result"}),
	}
	m.reg.MustRegister(m.fetches, m.items, m.hits, m.stories, m.deliveries, m.cycle, m.lastCycle, m.reloads,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	if outboxDepth != nil {
		m.reg.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "storywatch_outbox_depth",
			Help: "Deliveries waiting to be sent (pending or retrying).",
		}, outboxDepth))
	}
	// Labelled series appear before their first event, so that a
	// dashboard shows zeros rather than gaps.
	for _, r := range []string{FetchOK, FetchNotModified, FetchError} {
		m.fetches.WithLabelValues(r)
	}
	for _, r := range []string{"ok", "error"} {
		m.reloads.WithLabelValues(r)
	}
	return m
}

// Known creates the series of every watch and every notifier × result at
// zero, as the Prometheus documentation advises for label values known in
// advance: a restart with no hits yet still exports every watch, and a
// rate() over a first event has a zero to start from. The daemon calls it
// with the tracked watches and the notifiers of each config it runs;
// series of ids a reload removed stay, as the counts they were.
func (m *Metrics) Known(watches, notifiers []string) {
	for _, w := range watches {
		m.hits.WithLabelValues(w)
	}
	for _, n := range notifiers {
		for _, r := range []string{DeliverySent, DeliveryRetry, DeliveryDead} {
			m.deliveries.WithLabelValues(n, r)
		}
	}
}

// Registry returns the registry the collectors are in.
func (m *Metrics) Registry() *prometheus.Registry { return m.reg }

// Fetch counts one fetch with its result (FetchOK, FetchNotModified or
// FetchError).
func (m *Metrics) Fetch(result string) { m.fetches.WithLabelValues(result).Inc() }

// Items counts n new items.
func (m *Metrics) Items(n int) { m.items.Add(float64(n)) }

// Hits counts n new hits for watch.
func (m *Metrics) Hits(watch string, n int) { m.hits.WithLabelValues(watch).Add(float64(n)) }

// Stories counts n new stories.
func (m *Metrics) Stories(n int) { m.stories.Add(float64(n)) }

// Delivery counts one delivery attempt of notifier with its result.
func (m *Metrics) Delivery(notifier, result string) {
	m.deliveries.WithLabelValues(notifier, result).Inc()
}

// Cycle records a poll cycle that took d and ended at end.
func (m *Metrics) Cycle(d time.Duration, end time.Time) {
	m.cycle.Observe(d.Seconds())
	m.lastCycle.Set(float64(end.UnixMilli()) / 1000)
}

// Reload counts a config reload; ok says whether the new config was taken.
func (m *Metrics) Reload(ok bool) {
	if ok {
		m.reloads.WithLabelValues("ok").Inc()
		return
	}
	m.reloads.WithLabelValues("error").Inc()
}
