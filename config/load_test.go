package config

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"
)

// loadString writes body to a config file in a fresh folder and loads it.
func loadString(t *testing.T, body string, env map[string]string) (*Config, error) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "storywatch.yaml")
	if err := os.WriteFile(path, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	return Load(path, func(k string) string { return env[k] })
}

func mustLoad(t *testing.T, body string, env map[string]string) *Config {
	t.Helper()
	c, err := loadString(t, body, env)
	if err != nil {
		t.Fatalf("load: %v", err)
	}
	return c
}

var exampleEnv = map[string]string{
	"SMTP_USER":      "alerts",
	"SMTP_PASSWORD":  "secret",
	"WEBHOOK_SECRET": "hmac-secret",
	"CHAT_URL":       "ntfy://ntfy.example.org/storywatch",
}

// TestExampleConfigLoads keeps config.example.yaml, which users copy, valid
// and true to its comments.
func TestExampleConfigLoads(t *testing.T) {
	t.Parallel()
	c, err := Load("../config.example.yaml", func(k string) string { return exampleEnv[k] })
	if err != nil {
		t.Fatalf("config.example.yaml: %v", err)
	}
	root, _ := filepath.Abs("..")
	if c.Database != filepath.Join(root, "storywatch.db") {
		t.Errorf("database = %q, want it beside the config file", c.Database)
	}
	actors := map[string]Actor{}
	for _, a := range c.Actors {
		actors[a.ID] = a
	}
	for _, id := range []string{"witkoff", "ushakov", "dmitriev", "kushner", "putin", "zelensky", "rubio"} {
		if len(actors[id].Aliases) == 0 {
			t.Errorf("actor %q has no aliases", id)
		}
		// Written once: name variants find the other spellings, so the
		// example carries no hand-written foreign ones (docs/matching.md).
		for _, al := range actors[id].Aliases {
			if strings.ContainsAny(al, "*") || strings.IndexFunc(al, func(r rune) bool { return r >= 0x400 && r < 0x530 }) >= 0 {
				t.Errorf("actor %q has a hand-written variant %q", id, al)
			}
		}
	}
	if actors["putin"].Track {
		t.Error("putin should be track: false")
	}
	if actors["ukraine"].Region != "UA" {
		t.Errorf("ukraine: %+v, want region UA", actors["ukraine"])
	}
	byID := map[string]Digest{}
	for _, d := range c.Digests {
		byID[d.ID] = d
	}
	morning, breaking := byID["morning"], byID["breaking"]
	if morning.Schedule == nil || morning.Timezone.String() != "Europe/Kyiv" {
		t.Fatalf("morning digest: %+v", morning)
	}
	// 07:00 in Kyiv on 26 November 2025 (UTC+2) is 05:00 UTC.
	next := morning.Schedule.Next(time.Date(2025, 11, 26, 0, 0, 0, 0, time.UTC))
	if want := time.Date(2025, 11, 26, 5, 0, 0, 0, time.UTC); !next.Equal(want) {
		t.Errorf("morning digest next runs at %v, want %v", next.UTC(), want)
	}
	if !breaking.Instant || breaking.Schedule != nil {
		t.Errorf("breaking digest should be instant: %+v", breaking)
	}
	kinds := map[string]string{}
	for _, n := range c.Notifiers {
		kinds[n.ID] = n.Kind()
	}
	if kinds["desk-email"] != "email" || kinds["team-hook"] != "webhook" || kinds["team-chat"] != "chat" || kinds["archive"] != "file" {
		t.Errorf("notifier kinds = %v", kinds)
	}
	if c.Notifiers[0].Email.Password != "secret" || c.Notifiers[2].Chat.URL != exampleEnv["CHAT_URL"] {
		t.Error("secrets were not taken from the environment")
	}
	bare, err := Load("../config.example.yaml", nil)
	if err != nil {
		t.Fatalf("config.example.yaml without its environment: %v", err)
	}
	if e := bare.Notifiers[0].Email; e.Username != "" || e.Password != "" || bare.Notifiers[2].Chat.URL != "logger://" {
		t.Errorf("secret defaults: email %q/%q, chat %q", e.Username, e.Password, bare.Notifiers[2].Chat.URL)
	}
}

func TestDefaults(t *testing.T) {
	t.Parallel()
	c := mustLoad(t, "", nil)
	dir := filepath.Dir(c.Path)
	checks := []struct {
		name      string
		got, want any
	}{
		{"database", c.Database, filepath.Join(dir, "storywatch.db")},
		{"listen", c.Listen, "127.0.0.1:8080"},
		{"http_token", c.HTTPToken, ""},
		{"timezone", c.Timezone, time.UTC},
		{"retention", c.Retention, 30 * 24 * time.Hour},
		{"poll.schedule", c.Poll.Schedule.Spec, "@every 10m"},
		{"poll.timeout", c.Poll.Timeout, 20 * time.Second},
		{"poll.max_body", c.Poll.MaxBody, int64(8 << 20)},
		{"poll.concurrency", c.Poll.Concurrency, 8},
		{"poll.per_host", c.Poll.PerHost, 2},
		{"poll.user_agent", c.Poll.UserAgent, "storywatch/VERSION (+https://github.com/storywatch/storywatch)"},
		{"poll.backfill", c.Poll.Backfill, 24 * time.Hour},
		{"delivery.retry_after", c.Delivery.RetryAfter, time.Minute},
		{"delivery.retry_max", c.Delivery.RetryMax, time.Hour},
		{"delivery.give_up", c.Delivery.GiveUp, 24 * time.Hour},
	}
	for _, ch := range checks {
		if ch.got != ch.want {
			t.Errorf("%s = %v, want %v", ch.name, ch.got, ch.want)
		}
	}
	start := time.Date(2025, 11, 26, 7, 0, 0, 0, time.UTC)
	if next := c.Poll.Schedule.Next(start); next.Sub(start) != 10*time.Minute {
		t.Errorf("default poll schedule runs next after %v, want 10m", next.Sub(start))
	}
}

func TestEntryDefaults(t *testing.T) {
	t.Parallel()
	c := mustLoad(t, `
actors:
  - id: witkoff
    aliases: [Witkoff]
storylines:
  - id: call-leak
    query: '@witkoff AND leak*'
digests:
  - id: morning
    schedule: "0 7 * * *"
    to: [desk, hook, local]
notifiers:
  - id: desk
    email: {host: smtp.example.org, from: a@example.org, to: [b@example.org]}
  - id: implicit
    email: {host: smtp.example.org, tls: tls, from: a@example.org, to: [b@example.org]}
  - id: hook
    webhook: {url: "https://hooks.example.org/x"}
  - id: local
    file: {dir: out/digests}
`, nil)
	a, s, d := c.Actors[0], c.Storylines[0], c.Digests[0]
	if a.Name != "witkoff" || !a.Track {
		t.Errorf("actor defaults: %+v", a)
	}
	if s.Title != "call-leak" {
		t.Errorf("storyline title defaults to %q, want its id", s.Title)
	}
	if d.MaxStories != 50 || d.SendEmpty || d.Instant || d.Watch != nil || d.Timezone != time.UTC {
		t.Errorf("digest defaults: %+v", d)
	}
	if e := c.Notifiers[0].Email; e.TLS != "starttls" || e.Port != 587 {
		t.Errorf("email defaults: tls %q port %d, want starttls 587", e.TLS, e.Port)
	}
	if e := c.Notifiers[1].Email; e.Port != 465 {
		t.Errorf("implicit TLS port = %d, want 465", e.Port)
	}
	if w := c.Notifiers[2].Webhook; w.Timeout != 10*time.Second {
		t.Errorf("webhook timeout = %v, want 10s", w.Timeout)
	}
	if f := c.Notifiers[3].File; f.Dir != filepath.Join(filepath.Dir(c.Path), "out", "digests") {
		t.Errorf("file dir = %q, want it relative to the config's folder", f.Dir)
	}
}

func TestListenEmptyTurnsHTTPOff(t *testing.T) {
	t.Parallel()
	for _, body := range []string{`listen: ""`, "listen:"} {
		if c := mustLoad(t, body, nil); c.Listen != "" {
			t.Errorf("%s: listen = %q, want empty", body, c.Listen)
		}
	}
}

func TestDatabase(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, value string
		want        func(dir string) string
	}{
		{"relative file", "data/sw.db", func(dir string) string { return filepath.Join(dir, "data", "sw.db") }},
		{"absolute file", "/var/lib/storywatch/sw.db", func(string) string { return "/var/lib/storywatch/sw.db" }},
		{"postgres URL", "postgres://sw:pw@db.example.org:5432/storywatch?sslmode=require",
			func(string) string { return "postgres://sw:pw@db.example.org:5432/storywatch?sslmode=require" }},
		{"postgresql URL with a socket host", "postgresql:///storywatch?host=/run/postgresql",
			func(string) string { return "postgresql:///storywatch?host=/run/postgresql" }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := mustLoad(t, "database: "+tt.value, nil)
			if want := tt.want(filepath.Dir(c.Path)); c.Database != want {
				t.Errorf("database = %q, want %q", c.Database, want)
			}
		})
	}
}

func TestEnvExpansion(t *testing.T) {
	t.Parallel()
	env := map[string]string{"HOST": "smtp.example.org", "EMPTY": "", "DATA": "/srv/sw"}
	tests := []struct {
		name, in, want string
		problems       int
	}{
		{"set variable", "${HOST}", "smtp.example.org", 0},
		{"inside text", "smtp://${HOST}:587", "smtp://smtp.example.org:587", 0},
		{"default when unset", "${NOPE:-fallback}", "fallback", 0},
		{"default when empty", "${EMPTY:-fallback}", "fallback", 0},
		{"empty default", "${NOPE:-}", "", 0},
		{"value wins over default", "${DATA:-.}/db", "/srv/sw/db", 0},
		{"escaped", "$${HOST}", "${HOST}", 0},
		{"lone dollar kept", "pa$$word$", "pa$$word$", 0},
		{"unset", "${NOPE}", "", 1},
		{"empty without default", "${EMPTY}", "", 1},
		{"two unset", "${A}-${B}", "-", 2},
		{"unterminated", "${HOST", "", 1},
		{"bad name", "${1HOST}", "", 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, problems := expand(tt.in, func(k string) string { return env[k] })
			if len(problems) != tt.problems {
				t.Fatalf("problems = %q, want %d", problems, tt.problems)
			}
			if tt.problems == 0 && got != tt.want {
				t.Errorf("expand(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestEnvExpansionIsForValuesOnly(t *testing.T) {
	t.Parallel()
	// A ${...} in a key is not expanded: the key is simply unknown.
	_, err := loadString(t, "${KEY}: x\n", map[string]string{"KEY": "listen"})
	if err == nil || !strings.Contains(err.Error(), "${KEY}: unknown key") {
		t.Errorf("err = %v, want the key reported as unknown", err)
	}
	// Expanded values keep the position of the value in the file.
	_, err = loadString(t, "poll:\n  timeout: ${T}\n", map[string]string{"T": "soon"})
	if err == nil || !strings.Contains(err.Error(), ":2:12: poll.timeout: invalid duration \"soon\"") {
		t.Errorf("err = %v, want the expanded value reported at 2:12", err)
	}
}

func TestParseDuration(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in   string
		want time.Duration
		ok   bool
	}{
		{"90s", 90 * time.Second, true},
		{"10m", 10 * time.Minute, true},
		{"1h30m", 90 * time.Minute, true},
		{"30d", 30 * 24 * time.Hour, true},
		{"1d12h", 36 * time.Hour, true},
		{"1.5d", 36 * time.Hour, true},
		{"500ms", 500 * time.Millisecond, true},
		{"0", 0, true},
		{"-1h", -time.Hour, true},
		{"", 0, false},
		{"30", 0, false},
		{"30 days", 0, false},
		{"1w", 0, false},
		{"d", 0, false},
		{"1h-2m", 0, false},
		{"999999999d", 0, false},
	}
	for _, tt := range tests {
		got, err := ParseDuration(tt.in)
		if (err == nil) != tt.ok || got != tt.want {
			t.Errorf("ParseDuration(%q) = %v, %v; want %v, ok %v", tt.in, got, err, tt.want, tt.ok)
		}
	}
}

func TestParseSize(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in   string
		want int64
		ok   bool
	}{
		{"8MiB", 8 << 20, true},
		{"512 KiB", 512 << 10, true},
		{"1GiB", 1 << 30, true},
		{"1.5MiB", 3 << 19, true},
		{"1048576", 1 << 20, true},
		{"100B", 100, true},
		{"8MB", 0, false},
		{"8 megabytes", 0, false},
		{"-1", 0, false},
		{"99999999999GiB", 0, false},
	}
	for _, tt := range tests {
		got, err := parseSize(tt.in)
		if (err == nil) != tt.ok || got != tt.want {
			t.Errorf("parseSize(%q) = %v, %v; want %v, ok %v", tt.in, got, err, tt.want, tt.ok)
		}
	}
}

func TestSchedules(t *testing.T) {
	t.Parallel()
	kyiv, err := time.LoadLocation("Europe/Kyiv")
	if err != nil {
		t.Fatal(err)
	}
	start := time.Date(2025, 11, 26, 0, 0, 0, 0, time.UTC)
	tests := []struct {
		name, spec string
		loc        *time.Location
		want       time.Time
	}{
		{"five fields in the default zone", "0 7 * * *", kyiv, time.Date(2025, 11, 26, 5, 0, 0, 0, time.UTC)},
		{"TZ prefix overrides the default", "TZ=America/New_York 0 7 * * *", kyiv, time.Date(2025, 11, 26, 12, 0, 0, 0, time.UTC)},
		{"CRON_TZ prefix", "CRON_TZ=UTC 0 7 * * *", kyiv, time.Date(2025, 11, 26, 7, 0, 0, 0, time.UTC)},
		{"descriptor", "@daily", time.UTC, time.Date(2025, 11, 27, 0, 0, 0, 0, time.UTC)},
		{"every with days", "@every 1d", time.UTC, time.Date(2025, 11, 27, 0, 0, 0, 0, time.UTC)},
		{"every", "@every 5m", time.UTC, time.Date(2025, 11, 26, 0, 5, 0, 0, time.UTC)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := parseSchedule(tt.spec, tt.loc)
			if err != nil {
				t.Fatal(err)
			}
			if s.Spec != tt.spec {
				t.Errorf("Spec = %q, want it as written", s.Spec)
			}
			if got := s.Next(start); !got.Equal(tt.want) {
				t.Errorf("Next = %v, want %v", got.UTC(), tt.want)
			}
		})
	}
	for _, bad := range []string{"", "TZ=", "TZ=Europe/Kyiv", "TZ=Nowhere/Land 0 7 * * *", "0 7 * *", "0 7 * * * *", "@every 0s", "@every soon", "@fortnightly", "61 * * * *"} {
		if _, err := parseSchedule(bad, time.UTC); err == nil {
			t.Errorf("parseSchedule(%q) succeeded", bad)
		}
	}
}

func TestFeedScheduleUsesGlobalTimezone(t *testing.T) {
	t.Parallel()
	c := mustLoad(t, `
timezone: Europe/Kyiv
feeds:
  - url: https://example.org/feed.xml
    schedule: "0 7 * * *"
  - url: https://example.org/other.xml
`, nil)
	start := time.Date(2025, 11, 26, 0, 0, 0, 0, time.UTC)
	if got := c.Feeds[0].Schedule.Next(start); !got.Equal(time.Date(2025, 11, 26, 5, 0, 0, 0, time.UTC)) {
		t.Errorf("feed schedule next = %v, want 07:00 Kyiv", got.UTC())
	}
	if c.Feeds[1].Schedule != nil {
		t.Errorf("a feed without a schedule should have none of its own")
	}
}

func TestErrorsAreSortedAndTyped(t *testing.T) {
	t.Parallel()
	_, err := loadString(t, `
notifiers:
  - id: n
    file: {}
digests:
  - id: d
    instant: true
    to: [nobody]
poll:
  timeout: never
`, nil)
	var errs Errors
	if !errors.As(err, &errs) {
		t.Fatalf("err = %v (%T), want Errors", err, err)
	}
	for i := 1; i < len(errs); i++ {
		if errs[i-1].Line > errs[i].Line {
			t.Errorf("problems not sorted by line: %v", err)
		}
	}
	var one *Error
	if !errors.As(err, &one) || one.Path == "" {
		t.Errorf("errors.As cannot reach a single *Error: %v", err)
	}
	if got := len(errs); got != 3 {
		t.Errorf("got %d problems, want 3 (file.dir, to[0], poll.timeout):\n%v", got, err)
	}
}

func TestErrorFormat(t *testing.T) {
	t.Parallel()
	e := &Error{File: "storywatch.yaml", Line: 31, Col: 12, Path: "storylines[1].query", Msg: "unbalanced parenthesis at offset 17"}
	if got, want := e.Error(), "storywatch.yaml:31:12: storylines[1].query: unbalanced parenthesis at offset 17"; got != want {
		t.Errorf("Error() = %q, want %q", got, want)
	}
	e = &Error{File: "storywatch.yaml", Line: 3, Col: 1, Msg: "invalid YAML: did not find expected key"}
	if got, want := e.Error(), "storywatch.yaml:3:1: invalid YAML: did not find expected key"; got != want {
		t.Errorf("Error() without a path = %q, want %q", got, want)
	}
}

func TestSecretsStayOutOfMessages(t *testing.T) {
	t.Parallel()
	_, err := loadString(t, `
notifiers:
  - id: hook
    webhook: {url: "${HOOK}"}
  - id: chat
    chat: {url: "${CHAT}"}
`, map[string]string{"HOOK": "hooks.example.org/T0KEN", "CHAT": "T0KEN"})
	if err == nil {
		t.Fatal("invalid URLs accepted")
	}
	if strings.Contains(err.Error(), "T0KEN") {
		t.Errorf("a secret URL is quoted in the problems:\n%v", err)
	}
}

func TestMultipleDocumentsRejected(t *testing.T) {
	t.Parallel()
	_, err := loadString(t, "listen: \"\"\n---\nlisten: :8080\n", nil)
	if err == nil || !strings.Contains(err.Error(), ":2:1: a config file holds one YAML document") {
		t.Errorf("err = %v", err)
	}
}

func TestAnchorsAndAliases(t *testing.T) {
	t.Parallel()
	c := mustLoad(t, `
notifiers:
  - id: a
    file: {dir: a}
  - id: b
    file: {dir: b}
digests:
  - id: morning
    schedule: "0 7 * * *"
    to: &everyone [a, b]
  - id: evening
    schedule: "0 19 * * *"
    to: *everyone
`, nil)
	if got := strings.Join(c.Digests[1].To, ","); got != "a,b" {
		t.Errorf("aliased list = %q, want a,b", got)
	}
}

func TestMissingFile(t *testing.T) {
	t.Parallel()
	_, err := Load(filepath.Join(t.TempDir(), "nope.yaml"), nil)
	var errs Errors
	if err == nil || errors.As(err, &errs) || !errors.Is(err, os.ErrNotExist) {
		t.Errorf("err = %v, want a wrapped not-exist error", err)
	}
}

func TestActorVariantsAndRegion(t *testing.T) {
	t.Parallel()
	c := mustLoad(t, `
actors:
  - id: ushakov
    aliases:
      - Ushakov
      - {alias: Ushakova, variants: exact}
  - id: witkoff
    aliases: [Witkoff]
    variants: exact
  - id: italy
    region: IT
digests:
  - id: morning
    schedule: "0 7 * * *"
    to: [local]
notifiers:
  - id: local
    file: {dir: out}
`, nil)
	u, w, it := c.Actors[0], c.Actors[1], c.Actors[2]
	if u.Exact || !reflect.DeepEqual(u.Aliases, []string{"Ushakov", "Ushakova"}) || !reflect.DeepEqual(u.ExactAliases, []string{"Ushakova"}) {
		t.Errorf("ushakov: %+v, want variants on, one exact alias", u)
	}
	if !w.Exact {
		t.Errorf("witkoff: %+v, want exact", w)
	}
	if it.Region != "IT" || len(it.Aliases) != 0 {
		t.Errorf("italy: %+v, want region IT and no aliases", it)
	}
}

func TestSecretsAreCollected(t *testing.T) {
	c, err := loadString(t, `
http_token: literal-api-token
listen: ${LISTEN}
database: ${DATA}/sw.db
feeds:
  - url: https://reader:feed-pass@news.example/rss/${FEED_KEY}
notifiers:
  - id: hook
    webhook:
      url: https://hooks.example/services/T01A2B3C4/plain/path?token=query-tok3n
      secret: ${HMAC}
  - id: mail
    email: {host: smtp.example, port: 587, username: desk, password: literal-smtp-pass, from: a@example.org, to: [b@example.org]}
  - id: chat
    chat: {url: "telegram://123456789:bot-t0ken@telegram?chats=@newsroom"}
`, map[string]string{"FEED_KEY": "env-feed-key", "HMAC": "env-hmac", "LISTEN": "0.0.0.0:8080", "DATA": "/srv/data"})
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"literal-api-token", "feed-pass", "env-feed-key", "T01A2B3C4", "query-tok3n",
		"env-hmac", "literal-smtp-pass", "123456789", "bot-t0ken", "@newsroom"} {
		if !slices.Contains(c.Secrets, want) {
			t.Errorf("Secrets lacks %q: %q", want, c.Secrets)
		}
	}
	// A listen address or a data folder from the environment is no secret.
	for _, not := range []string{"services", "plain", "path", "desk", "", "0.0.0.0:8080", "/srv/data"} {
		if slices.Contains(c.Secrets, not) {
			t.Errorf("Secrets holds %q, which is no secret", not)
		}
	}
}

func TestAllowPrivateNetworks(t *testing.T) {
	if c := mustLoad(t, "listen: \"\"\n", nil); c.Poll.AllowPrivateNetworks {
		t.Error("allow_private_networks is on by default")
	}
	if c := mustLoad(t, "poll:\n  allow_private_networks: true\n", nil); !c.Poll.AllowPrivateNetworks {
		t.Error("allow_private_networks: true was not read")
	}
}

// Feed URLs that differ only by case or a trailing slash are most likely
// one feed polled twice: valid, with a warning at the second.
func TestAlikeFeedURLsWarn(t *testing.T) {
	c := mustLoad(t, `feeds:
  - url: https://news.example/world/rss
  - url: https://NEWS.example/World/RSS/
  - url: https://news.example/world/rss2
`, nil)
	if len(c.Feeds) != 3 || len(c.Warnings) != 1 {
		t.Fatalf("%d feeds, warnings %v; want 3 feeds and one warning", len(c.Feeds), c.Warnings)
	}
	w := c.Warnings[0]
	if w.Line != 3 || w.Path != "feeds[1].url" || !strings.Contains(w.Msg, "only by case or a trailing slash") || !strings.Contains(w.Msg, "feeds[0].url") {
		t.Errorf("warning %v", w)
	}
}
