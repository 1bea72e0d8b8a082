package config

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/url"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"
)

// Load reads, expands, defaults and validates the config file at path.
// Environment variables referenced as ${NAME} come from getenv (nil means
// none are set). When the file is invalid the error is an Errors holding
// every problem found; when it cannot be read the error wraps the
// os error.
func Load(path string, getenv func(string) string) (*Config, error) {
	return load(context.Background(), path, getenv)
}

// load reads and parses; ctx stops the parse between lists.
func load(ctx context.Context, path string, getenv func(string) string) (*Config, error) {
	data, err := readFile(path)
	if err != nil {
		return nil, err
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, fmt.Errorf("read config %s: %w", path, err)
	}
	c, err := parseContext(ctx, path, abs, data, getenv)
	if err == nil && ctx.Err() != nil {
		return nil, fmt.Errorf("load config %s: %w", path, ctx.Err())
	}
	return c, err
}

// parse turns the bytes of a config file into a Config. name is how
// problems refer to the file; abs is its absolute path, against whose
// folder relative paths are resolved.
func parse(name, abs string, data []byte, getenv func(string) string) (*Config, error) {
	return parseContext(context.Background(), name, abs, data, getenv)
}

// parseContext is parse that stops reading lists once ctx ends.
func parseContext(ctx context.Context, name, abs string, data []byte, getenv func(string) string) (*Config, error) {
	if getenv == nil {
		getenv = func(string) string { return "" }
	}
	// Values taken from the environment are noted with their place: in a
	// field that can carry a token they are secrets (secrets.go).
	var fromEnv []envValue
	d := &decoder{file: name, ctx: ctx}
	d.getenv = func(k string) string {
		v := getenv(k)
		if v != "" {
			fromEnv = append(fromEnv, envValue{path: d.expanding, value: v})
		}
		return v
	}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var doc yaml.Node
	if err := dec.Decode(&doc); err != nil && !errors.Is(err, io.EOF) {
		return nil, Errors{syntaxError(name, data, err)}
	}
	var extra yaml.Node
	switch err := dec.Decode(&extra); {
	case err == nil:
		d.errorf(&extra, "", "a config file holds one YAML document; remove the second one (or the --- line)")
	case !errors.Is(err, io.EOF):
		return nil, Errors{syntaxError(name, data, err)}
	}
	var root *yaml.Node
	if doc.Kind == yaml.DocumentNode && len(doc.Content) > 0 {
		root = doc.Content[0]
	}
	c := &Config{Path: abs}
	d.config(c, root, filepath.Dir(abs))
	if len(d.errs) > 0 {
		d.errs.sort()
		return nil, d.errs
	}
	c.Secrets = secrets(c, fromEnv)
	d.warns.sort()
	c.Warnings = d.warns
	return c, nil
}

var yamlLine = regexp.MustCompile(`^yaml: line (\d+): (.*)$`)

// syntaxError turns a YAML parser error into an Error at the first
// character of the line where the problem is (syntax.go).
func syntaxError(file string, data []byte, err error) *Error {
	msg := strings.TrimPrefix(err.Error(), "yaml: ")
	line := 1
	if m := yamlLine.FindStringSubmatch(err.Error()); m != nil {
		line, _ = strconv.Atoi(m[1])
		msg = m[2]
		line = problemLine(data, line, msg)
	}
	return &Error{File: file, Line: line, Col: firstColumn(data, line), Msg: "invalid YAML: " + msg}
}

var topKeys = []string{
	"database", "listen", "http_token", "public_url", "timezone", "retention", "poll",
	"feeds", "actors", "storylines", "digests", "delivery", "notifiers",
}

// config decodes the whole file. Sections are decoded in an order that lets
// later ones refer to earlier ones; references between sections are checked
// last, once every id is known.
func (d *decoder) config(c *Config, root *yaml.Node, dir string) {
	fs := d.mapping(root, "", topKeys...)
	c.Timezone = d.location(fs, "timezone", time.UTC)
	c.Database = d.database(fs, dir)
	c.Listen = DefaultListen
	if f, ok := fs["listen"]; ok {
		c.Listen, _ = d.scalar(f)
		if c.Listen != "" {
			if err := checkListen(c.Listen); err != nil {
				d.errorf(valueNode(f), f.path, "%v", err)
			}
		}
	}
	c.HTTPToken = d.str(fs, "http_token")
	c.PublicURL = d.publicURL(fs)
	c.Retention = d.duration(fs, "retention", DefaultRetention, 1)
	c.Poll = d.poll(section(fs, "poll"), c.Timezone)
	c.Feeds = d.feeds(section(fs, "feeds"), c.Timezone)

	w := &watches{ids: map[string]watchDef{}}
	c.Actors = d.actors(section(fs, "actors"), w)
	c.Storylines = d.storylines(section(fs, "storylines"), w)
	notifiers := map[string]bool{}
	c.Notifiers = d.notifiers(section(fs, "notifiers"), dir, notifiers)
	c.Digests = d.digests(section(fs, "digests"), c.Timezone, w, notifiers)
	c.Delivery = d.delivery(section(fs, "delivery"))
	d.checkQueryActors(w)
	d.checkSearchWatches(w)
}

// section returns a top-level field, or an empty one named after the key
// when it is absent, so that its defaults apply.
func section(fs fields, name string) field {
	if f, ok := fs[name]; ok {
		return f
	}
	return field{path: name}
}

func (d *decoder) database(fs fields, dir string) string {
	f, ok := fs["database"]
	if !ok {
		return filepath.Join(dir, DefaultDatabase)
	}
	s, ok := d.scalar(f)
	if !ok {
		return ""
	}
	switch {
	case strings.TrimSpace(s) == "":
		d.errorf(valueNode(f), f.path, "must not be empty: give a SQLite file path or a postgres:// URL")
		return ""
	case isPostgres(s):
		// The messages never echo the value: a URL carries its password.
		s = strings.TrimSpace(s)
		u, err := url.Parse(s)
		switch {
		case err != nil:
			d.errorf(valueNode(f), f.path, "not a valid PostgreSQL URL (postgres://user:password@host:port/database?sslmode=...); escape special characters of the password with %%XX")
			return ""
		case u.Host == "" && u.Query().Get("host") == "":
			d.errorf(valueNode(f), f.path, "a PostgreSQL URL needs a host: postgres://user:password@host:port/database")
			return ""
		}
		return s
	}
	return absPath(dir, s)
}

// isPostgres reports whether a database value is a PostgreSQL URL.
func isPostgres(s string) bool {
	s = strings.ToLower(strings.TrimSpace(s))
	return strings.HasPrefix(s, "postgres://") || strings.HasPrefix(s, "postgresql://")
}

func absPath(dir, p string) string {
	if filepath.IsAbs(p) {
		return filepath.Clean(p)
	}
	return filepath.Join(dir, p)
}

func (d *decoder) poll(f field, loc *time.Location) Poll {
	fs := d.mapping(f.val, f.path, "schedule", "timeout", "max_body", "concurrency", "per_host", "user_agent", "backfill",
		"min_interval", "max_interval", "hit_boost", "allow_private_networks")
	p := Poll{
		Timeout:     d.duration(fs, "timeout", DefaultTimeout, 1),
		MaxBody:     d.size(fs, "max_body", DefaultMaxBody),
		Concurrency: d.integer(fs, "concurrency", DefaultConcurrency, 1, 10000),
		PerHost:     d.integer(fs, "per_host", DefaultPerHost, 1, 10000),
		UserAgent:   DefaultUserAgent,
		Backfill:    d.duration(fs, "backfill", DefaultBackfill, 0),
		MinInterval: d.duration(fs, "min_interval", DefaultMinInterval, 1),
		MaxInterval: d.duration(fs, "max_interval", DefaultMaxInterval, 1),
		HitBoost:    d.duration(fs, "hit_boost", DefaultHitBoost, 0),

		AllowPrivateNetworks: d.boolean(fs, "allow_private_networks", false),
	}
	if p.MaxInterval < p.MinInterval {
		at := fs["max_interval"]
		if !fs.has("max_interval") {
			at = fs["min_interval"]
		}
		d.errorf(valueNode(at), at.path, "max_interval (%s) must not be shorter than min_interval (%s)", fmtDuration(p.MaxInterval), fmtDuration(p.MinInterval))
	}
	if s := d.pollSchedule(fs, "schedule", loc); s != nil {
		p.Schedule = *s
	} else {
		p.Schedule, _ = parseSchedule(DefaultPollSchedule, loc)
	}
	if ua, ok := fs["user_agent"]; ok {
		p.UserAgent, _ = d.scalar(ua)
		if strings.TrimSpace(p.UserAgent) == "" {
			d.errorf(valueNode(ua), ua.path, "must not be empty")
		}
	}
	return p
}

func (d *decoder) feeds(f field, loc *time.Location) []Feed {
	var feeds []Feed
	seen := map[string]string{}
	// alike maps a feed URL without case or trailing slashes to the
	// first URL listed that way.
	alike := map[string]string{}
	for i, n := range d.sequence(f) {
		p := index(f.path, i)
		fs, ok := d.entry(n, p, "url", "search", "provider", "hl", "gl", "name", "schedule", "tags")
		if !ok {
			continue
		}
		feed := Feed{
			Name:     d.str(fs, "name"),
			Schedule: d.pollSchedule(fs, "schedule", loc),
			Tags:     values(d.list(fs, "tags")),
		}
		if feed.Search = d.search(fs, resolve(n), p, seen); feed.Search != nil {
			feeds = append(feeds, feed)
			continue
		}
		feed.URL = d.required(fs, "url", resolve(n), p)
		if uf, ok := fs["url"]; ok && strings.TrimSpace(feed.URL) != "" {
			if err := checkURL(feed.URL, "http", "https"); err != nil {
				d.errorf(valueNode(uf), uf.path, "%v", err)
			} else if first, dup := seen[feed.URL]; dup {
				d.errorf(valueNode(uf), uf.path, "feed %s is already listed at %s", redactURL(feed.URL), first)
			} else {
				seen[feed.URL] = uf.path
				key := strings.ToLower(strings.TrimRight(feed.URL, "/"))
				if first, ok := alike[key]; ok {
					d.warnf(valueNode(uf), uf.path, "feed %s differs from the one at %s only by case or a trailing slash: most likely the same feed, polled twice", redactURL(feed.URL), first)
				} else {
					alike[key] = uf.path
				}
			}
		}
		feeds = append(feeds, feed)
	}
	return feeds
}

func (d *decoder) delivery(f field) Delivery {
	fs := d.mapping(f.val, f.path, "retry_after", "retry_max", "give_up")
	dl := Delivery{
		RetryAfter: d.duration(fs, "retry_after", DefaultRetryAfter, 1),
		RetryMax:   d.duration(fs, "retry_max", DefaultRetryMax, 1),
		GiveUp:     d.duration(fs, "give_up", DefaultGiveUp, 1),
	}
	if dl.RetryMax < dl.RetryAfter {
		at := fs["retry_max"]
		if !fs.has("retry_max") {
			at = fs["retry_after"]
		}
		d.errorf(valueNode(at), at.path, "retry_max (%s) must not be shorter than retry_after (%s)", fmtDuration(dl.RetryMax), fmtDuration(dl.RetryAfter))
	}
	if dl.GiveUp < dl.RetryAfter {
		at := fs["give_up"]
		if !fs.has("give_up") {
			at = fs["retry_after"]
		}
		d.errorf(valueNode(at), at.path, "give_up (%s) must not be shorter than retry_after (%s)", fmtDuration(dl.GiveUp), fmtDuration(dl.RetryAfter))
	}
	return dl
}
