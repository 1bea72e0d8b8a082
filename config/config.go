package config

import (
	"time"

	"github.com/robfig/cron/v3"
)

// Config is a loaded, validated configuration file with every default
// applied.
type Config struct {
	// Path is the absolute path of the file the config was loaded from.
	Path string
	// Database is an absolute SQLite file path (a relative one in the file is
	// resolved against the config file's folder), or a PostgreSQL URL
	// (postgres:// or postgresql://) as given. The URL may carry a password:
	// show it only through store.Redact.
	Database string
	// Listen is the address of the HTTP endpoints; empty turns HTTP off.
	Listen string
	// HTTPToken, when set, is the bearer token the HTTP endpoints require.
	HTTPToken string
	// PublicURL is the address people, feed readers and WebSub hubs reach
	// the HTTP endpoints at (behind a proxy, say), without a trailing
	// slash; empty when not set, which turns WebSub off. Digests link
	// there.
	PublicURL string
	// Timezone is the default for schedules and for dates in digests.
	Timezone *time.Location
	// Retention is how long item text is kept for backtests.
	Retention  time.Duration
	Poll       Poll
	Feeds      []Feed
	Actors     []Actor
	Storylines []Storyline
	Digests    []Digest
	Delivery   Delivery
	Notifiers  []Notifier
	// Warnings are what is valid but most likely a mistake, such as two
	// feed URLs that differ only by case; check prints them.
	Warnings Errors
	// Secrets are the texts no error, log line or output may show: every
	// value taken from the environment, and the values that are secret by
	// their place (http_token, passwords, webhook secrets, the user info
	// and query values of notifier URLs). See secret.Set.
	Secrets []string
}

// Schedule is a parsed cron spec together with the text it was written as.
type Schedule struct {
	// Spec is the spec as written in the file, TZ= prefix included.
	Spec string
	// Adaptive is set for the poll schedule "adaptive": polls follow how
	// often the feed publishes, and the cron.Schedule is nil.
	Adaptive bool
	// Location is the time zone the spec runs in: its TZ= prefix, else
	// the digest's or the global timezone. An @every spec runs at a fixed
	// interval in any zone; Location is then the zone to show times in.
	Location *time.Location
	cron.Schedule
}

// Poll says when and how feeds are fetched.
type Poll struct {
	// Schedule is the default schedule of every feed.
	Schedule Schedule
	// Timeout bounds one whole request, body included.
	Timeout time.Duration
	// MaxBody is the most bytes read from one response.
	MaxBody int64
	// Concurrency is how many feeds are fetched at once.
	Concurrency int
	// PerHost is how many requests go to one host at once.
	PerHost int
	// UserAgent is sent with every request. The word VERSION in it is meant
	// to be replaced by the running binary's version.
	UserAgent string
	// Backfill limits which items of a feed's first poll can become hits.
	Backfill time.Duration
	// MinInterval and MaxInterval bound adaptive schedules; MaxInterval
	// also caps how long publisher hints delay a poll.
	MinInterval time.Duration
	MaxInterval time.Duration
	// HitBoost is how long an adaptive feed is polled every MinInterval
	// after a hit for a storyline; 0 turns it off.
	HitBoost time.Duration
	// AllowPrivateNetworks lets feeds on the internet redirect to
	// loopback, private and link-local addresses.
	AllowPrivateNetworks bool
}

// Feed is one news feed to poll.
type Feed struct {
	// URL is empty for a search feed until the search URL is built from
	// the watchlist (outside config, which knows no search engines).
	URL string
	// Name is empty when the feed's own title is to be used.
	Name string
	// Schedule overrides Poll.Schedule when not nil.
	Schedule *Schedule
	Tags     []string
	// Search, when set, makes the feed a news search for a watch.
	Search *Search
}

// Search is a news search built from a watch's aliases and terms.
type Search struct {
	// Watch is an actor or storyline id.
	Watch string
	// Provider is google-news, bing-news, or an http(s) URL template
	// holding {query}.
	Provider string
	// HL and GL are the language and country asked for (empty: the
	// provider's default).
	HL, GL string
	// Path, Line and Col locate the search key, for problems found when
	// the URL is built.
	Path      string
	Line, Col int
}

// Actor is a person or organisation known by a set of aliases.
type Actor struct {
	ID string
	// Name defaults to the ID.
	Name    string
	Aliases []string
	// Exact is set by variants: exact: every alias matches as written,
	// without spelling variants and inflections (docs/matching.md).
	Exact bool
	// ExactAliases are the aliases (also in Aliases) written as a mapping
	// with variants: exact.
	ExactAliases []string
	// Region is an ISO 3166 region code (region: IT): the actor also
	// matches the region's names in every language.
	Region string
	// Track makes the actor a watch of its own (the default); when false it
	// is only a building block for storyline queries.
	Track bool
}

// Storyline is a watch defined by a query (the query language of docs/config.md).
type Storyline struct {
	ID string
	// Title defaults to the ID.
	Title string
	Query string
}

// Digest is a periodic or instant summary of new stories for some watches.
type Digest struct {
	ID string
	// Schedule is nil when the digest is Instant.
	Schedule *Schedule
	// Instant digests are sent right after the poll cycle that found hits.
	Instant bool
	// Timezone is used for the schedule and dates; it defaults to the
	// config's Timezone.
	Timezone *time.Location
	// Watch lists actor and storyline ids; empty means every tracked watch.
	Watch []string
	// To lists notifier ids.
	To         []string
	MaxStories int
	SendEmpty  bool
}

// Delivery configures the retries of the delivery outbox.
type Delivery struct {
	// RetryAfter is the first retry delay; it doubles on each failure up to
	// RetryMax.
	RetryAfter time.Duration
	RetryMax   time.Duration
	// GiveUp is how long after its creation (when its digest was recorded)
	// a failing delivery is declared dead; a manual retry starts a new
	// period.
	GiveUp time.Duration
}

// Notifier is one way of sending digests. Exactly one of its kinds is set.
type Notifier struct {
	ID      string
	Email   *Email
	Webhook *Webhook
	Chat    *Chat
	File    *File
}

// Kind returns the name of the notifier's kind: email, webhook, chat or file.
func (n Notifier) Kind() string {
	switch {
	case n.Email != nil:
		return "email"
	case n.Webhook != nil:
		return "webhook"
	case n.Chat != nil:
		return "chat"
	case n.File != nil:
		return "file"
	}
	return ""
}

// Email sends digests through an SMTP server.
type Email struct {
	Host string
	Port int
	// TLS is starttls, tls (implicit) or none.
	TLS      string
	Username string
	Password string
	// From and To are RFC 5322 addresses, already checked.
	From string
	To   []string
}

// Webhook posts digests as JSON.
type Webhook struct {
	URL string
	// Secret, when set, signs each request with HMAC-SHA256.
	Secret  string
	Timeout time.Duration
}

// Chat sends a short digest to a shoutrrr service URL.
type Chat struct {
	URL string
}

// File writes each digest into a folder.
type File struct {
	// Dir is absolute; a relative one in the file is resolved against the
	// config file's folder.
	Dir string
}

// Defaults (docs/config.md), exported so that documentation and tests can name
// them.
const (
	DefaultDatabase     = "storywatch.db"
	DefaultListen       = "127.0.0.1:8080"
	DefaultRetention    = 30 * 24 * time.Hour
	DefaultPollSchedule = "@every 10m"
	DefaultTimeout      = 20 * time.Second
	DefaultMaxBody      = 8 << 20
	DefaultConcurrency  = 8
	DefaultPerHost      = 2
	DefaultUserAgent    = "storywatch/VERSION (+https://github.com/storywatch/storywatch)"
	DefaultBackfill     = 24 * time.Hour
	DefaultMinInterval  = 5 * time.Minute
	DefaultMaxInterval  = time.Hour
	DefaultHitBoost     = 2 * time.Hour
	DefaultProvider     = "google-news"
	DefaultMaxStories   = 50
	DefaultRetryAfter   = time.Minute
	DefaultRetryMax     = time.Hour
	DefaultGiveUp       = 24 * time.Hour
	DefaultWebhookWait  = 10 * time.Second
)
