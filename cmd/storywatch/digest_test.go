package main

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"image/png"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/mail"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/storywatch/storywatch/feed"
	"github.com/storywatch/storywatch/match"
	"github.com/storywatch/storywatch/monitor"
	"github.com/storywatch/storywatch/notify/schematest"
	"github.com/storywatch/storywatch/notify/smtptest"
	"github.com/storywatch/storywatch/store"
)

const (
	testHookSecret   = "whsec-cmd-test-secret"
	testSMTPPassword = "smtp-cmd-Pa55"
)

// hookReceiver is a webhook endpoint that verifies signatures and counts
// accepted deliveries by Idempotency-Key.
type hookReceiver struct {
	t        testing.TB
	mu       sync.Mutex
	fail     int // answer 500 to this many requests first
	requests int
	badSig   int
	byKey    map[string]int
	bodies   [][]byte
}

func (h *hookReceiver) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	schematest.Check(h.t, body)
	h.mu.Lock()
	defer h.mu.Unlock()
	h.requests++
	if !validSignature(testHookSecret, r.Header.Get("Storywatch-Signature"), body) {
		h.badSig++
		http.Error(w, "bad signature", http.StatusUnauthorized)
		return
	}
	if h.fail > 0 {
		h.fail--
		http.Error(w, "busy", http.StatusInternalServerError)
		return
	}
	if h.byKey == nil {
		h.byKey = map[string]int{}
	}
	h.byKey[r.Header.Get("Idempotency-Key")]++
	h.bodies = append(h.bodies, body)
}

func (h *hookReceiver) snapshot() (requests, badSig int, byKey map[string]int, bodies [][]byte) {
	h.mu.Lock()
	defer h.mu.Unlock()
	byKey = map[string]int{}
	for k, v := range h.byKey {
		byKey[k] = v
	}
	return h.requests, h.badSig, byKey, append([][]byte(nil), h.bodies...)
}

func validSignature(secret, header string, body []byte) bool {
	var ts, sig string
	for _, kv := range strings.Split(header, ",") {
		k, v, _ := strings.Cut(kv, "=")
		if k == "t" {
			ts = v
		} else if k == "v1" {
			sig = v
		}
	}
	mac := hmac.New(sha256.New, []byte(secret))
	fmt.Fprintf(mac, "%s.%s", ts, body)
	return ts != "" && hmac.Equal([]byte(sig), []byte(hex.EncodeToString(mac.Sum(nil))))
}

// digestEnv is a config with a loopback SMTP server, a webhook receiver
// and a file notifier, and a database seeded with hits.
type digestEnv struct {
	dir, config, db string
	feedURL         string
	smtp            *smtptest.Server
	hook            *hookReceiver
	env             map[string]string
}

func newDigestEnv(t *testing.T, smtpOpts ...smtptest.Option) *digestEnv {
	t.Helper()
	e := &digestEnv{dir: t.TempDir(), smtp: smtptest.Start(t, smtpOpts...), hook: &hookReceiver{t: t}}
	srv := httptest.NewServer(e.hook)
	t.Cleanup(srv.Close)
	// The configured feed answers with an empty channel: `once` polls it
	// and finds nothing new.
	feed := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/rss+xml")
		io.WriteString(w, `<?xml version="1.0"?><rss version="2.0"><channel><title>Wire</title><link>http://wire.example/</link><description>d</description></channel></rss>`)
	}))
	t.Cleanup(feed.Close)
	e.feedURL = feed.URL + "/rss.xml"
	e.db = filepath.Join(e.dir, "sw.db")
	e.config = filepath.Join(e.dir, "storywatch.yaml")
	e.env = map[string]string{"WEBHOOK_SECRET": testHookSecret, "SMTP_PASSWORD": testSMTPPassword}
	auth := ""
	if len(smtpOpts) > 0 {
		auth = "\n      username: desk\n      password: ${SMTP_PASSWORD}"
	}
	cfg := fmt.Sprintf(`database: sw.db
listen: ""
feeds:
  - url: %s
    name: Wire
actors:
  - id: witkoff
    name: Steve Witkoff
    aliases: [Witkoff]
  - id: ushakov
    name: Yuri Ushakov
    aliases: [Ushakov]
storylines:
  - id: call-leak
    title: Witkoff–Ushakov call recording
    query: '@witkoff AND @ushakov'
digests:
  - id: morning
    schedule: "0 7 * * *"
    watch: [call-leak, witkoff]
    to: [desk-email, team-hook, archive]
  - id: breaking
    instant: true
    watch: [call-leak]
    to: [team-hook]
delivery:
  retry_after: 1ms
  retry_max: 1s
  give_up: 1h
notifiers:
  - id: desk-email
    email:
      host: 127.0.0.1
      port: %d
      tls: none%s
      from: storywatch <alerts@example.org>
      to: [desk@example.org]
  - id: team-hook
    webhook:
      url: %s/hook
      secret: ${WEBHOOK_SECRET}
      timeout: 5s
  - id: archive
    file:
      dir: digests
`, e.feedURL, e.smtp.Port, auth, srv.URL)
	if err := os.WriteFile(e.config, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	return e
}

// seed stores one item of feed Wire per title, each a hit for the watches.
func (e *digestEnv) seed(t *testing.T, titles []string, summary string, watches ...string) {
	t.Helper()
	db, err := store.Open(context.Background(), e.db)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var items []monitor.NewItem
	for _, title := range titles {
		it := monitor.NewItem{Item: feed.Item{Key: title,
			URL:   "https://news.example/" + base64.RawURLEncoding.EncodeToString([]byte(title)),
			Title: title, Summary: summary, Published: time.Now().Add(-time.Hour)}}
		for _, w := range watches {
			it.Hits = append(it.Hits, match.Hit{Watch: w, Score: 3, Matches: []match.Match{
				{Term: "Witkoff", Field: "summary", Snippet: summary, Mark: [2]int{0, 0}}}})
		}
		items = append(items, it)
	}
	_, err = db.SaveFetch(context.Background(), monitor.FeedFetch{Name: "Wire",
		State: monitor.FeedState{URL: e.feedURL, LastFetch: time.Now(), FirstPollDone: true},
		Items: items})
	if err != nil {
		t.Fatal(err)
	}
}

func (e *digestEnv) run(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	return checkRun(t, e.env, append(args, "-config", e.config)...)
}

// mailParts returns the decoded leaf parts of a raw message by media type.
func mailParts(t *testing.T, raw []byte) (map[string][][]byte, map[string][]map[string][]string, *mail.Message) {
	t.Helper()
	m, err := mail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	bodies := map[string][][]byte{}
	headers := map[string][]map[string][]string{}
	var walk func(ctype string, r io.Reader, h map[string][]string)
	walk = func(ctype string, r io.Reader, h map[string][]string) {
		mt, params, err := mime.ParseMediaType(ctype)
		if err != nil {
			t.Fatal(err)
		}
		if strings.HasPrefix(mt, "multipart/") {
			mr := multipart.NewReader(r, params["boundary"])
			for {
				p, err := mr.NextPart()
				if err == io.EOF {
					return
				}
				if err != nil {
					t.Fatal(err)
				}
				walk(p.Header.Get("Content-Type"), p, p.Header)
			}
		}
		b, _ := io.ReadAll(r)
		if strings.EqualFold(textprotoGet(h, "Content-Transfer-Encoding"), "base64") {
			b, err = base64.StdEncoding.DecodeString(strings.Join(strings.Fields(string(b)), ""))
			if err != nil {
				t.Fatal(err)
			}
		}
		bodies[mt] = append(bodies[mt], b)
		headers[mt] = append(headers[mt], h)
	}
	walk(m.Header.Get("Content-Type"), m.Body, nil)
	return bodies, headers, m
}

func textprotoGet(h map[string][]string, k string) string {
	for hk, v := range h {
		if strings.EqualFold(hk, k) && len(v) > 0 {
			return v[0]
		}
	}
	return ""
}

func TestDigestSendDeliversEmailWebhookAndFileOnce(t *testing.T) {
	t.Parallel()
	e := newDigestEnv(t, smtptest.WithAuth("desk", testSMTPPassword))
	e.seed(t, []string{"Leaked call: Witkoff coached Ushakov", "Kremlin on the Witkoff transcript"},
		"Witkoff and Ushakov on a call", "call-leak", "witkoff")
	e.seed(t, []string{`Witkoff <script>alert(1)</script> <img src=x onerror=alert(1)>`},
		`Witkoff summary <script>alert(1)</script><img src=x onerror=alert(1)>`, "witkoff")

	// The preview prints and records nothing.
	code, out, stderr := e.run(t, "digest", "morning")
	if code != 0 || !strings.Contains(out, "Leaked call: Witkoff coached Ushakov") {
		t.Fatalf("preview: exit %d\n%s\n%s", code, out, stderr)
	}
	if _, _, byKey, _ := e.hook.snapshot(); len(byKey) != 0 || len(e.smtp.Messages()) != 0 {
		t.Fatal("the preview sent something")
	}
	if code, out, _ := e.run(t, "deliveries"); code != 0 || strings.Count(out, "\n") != 1 {
		t.Fatalf("the preview recorded deliveries:\n%s", out)
	}

	code, out, stderr = e.run(t, "digest", "morning", "-send")
	if code != 0 {
		t.Fatalf("send: exit %d\n%s\n%s", code, out, stderr)
	}
	msgs := e.smtp.Messages()
	if len(msgs) != 1 {
		t.Fatalf("%d emails", len(msgs))
	}
	bodies, headers, m := mailParts(t, msgs[0].Data)
	subject, _ := new(mime.WordDecoder).DecodeHeader(m.Header.Get("Subject"))
	// Each story once, under its first watch: the two call-leak stories
	// are not counted again under witkoff.
	if subject != "[storywatch] morning: 3 new stories (call-leak 2, witkoff 1)" {
		t.Errorf("subject = %q", subject)
	}
	if len(bodies["text/plain"]) != 1 || len(bodies["text/html"]) != 1 {
		t.Fatalf("parts: %d text, %d html", len(bodies["text/plain"]), len(bodies["text/html"]))
	}
	text, html := string(bodies["text/plain"][0]), string(bodies["text/html"][0])
	for _, want := range []string{"Leaked call: Witkoff coached Ushakov", "https://news.example/", "Witkoff (summary)"} {
		if !strings.Contains(text, want) {
			t.Errorf("text part lacks %q", want)
		}
	}
	for _, want := range []string{"Leaked call: Witkoff coached Ushakov", `href="https://news.example/`, "Witkoff (summary)",
		"&lt;script&gt;alert(1)&lt;/script&gt;", "&lt;img src=x onerror=alert(1)&gt;"} {
		if !strings.Contains(html, want) {
			t.Errorf("HTML part lacks %q", want)
		}
	}
	for _, bad := range []string{"<script", "<img src=x"} {
		if strings.Contains(html, bad) {
			t.Errorf("HTML part contains feed markup %q", bad)
		}
	}
	if len(bodies["image/png"]) != 2 {
		t.Fatalf("%d inline charts, want one per watch", len(bodies["image/png"]))
	}
	for i, b := range bodies["image/png"] {
		cid := strings.Trim(textprotoGet(headers["image/png"][i], "Content-Id"), "<>")
		if cid == "" || !strings.Contains(html, `src="cid:`+cid+`"`) {
			t.Errorf("chart %d (cid %q) is not referenced by the HTML", i, cid)
		}
		if _, err := png.Decode(bytes.NewReader(b)); err != nil {
			t.Errorf("chart %d: %v", i, err)
		}
	}

	requests, badSig, byKey, hookBodies := e.hook.snapshot()
	if requests != 1 || badSig != 0 || len(byKey) != 1 {
		t.Fatalf("webhook: %d requests, %d bad signatures, keys %v", requests, badSig, byKey)
	}
	var payload struct {
		Version int    `json:"version"`
		Digest  string `json:"digest"`
		Watches []struct {
			ID      string `json:"id"`
			Stories []struct {
				Title string `json:"title"`
			} `json:"stories"`
		} `json:"watches"`
	}
	if err := json.Unmarshal(hookBodies[0], &payload); err != nil || payload.Version != 2 || payload.Digest != "morning" ||
		len(payload.Watches) != 2 || len(payload.Watches[0].Stories) != 2 || len(payload.Watches[1].Stories) != 1 {
		t.Errorf("webhook payload %s: %v", hookBodies[0], err)
	}

	files, _ := filepath.Glob(filepath.Join(e.dir, "digests", "morning-*.html"))
	if len(files) != 1 {
		t.Fatalf("file notifier wrote %v", files)
	}
	fileHTML, _ := os.ReadFile(files[0])
	if strings.Contains(string(fileHTML), "<script") || strings.Contains(string(fileHTML), "<img src=x") ||
		!strings.Contains(string(fileHTML), "&lt;script&gt;") {
		t.Error("the file notifier's HTML is not escaped")
	}
	jsonFiles, _ := filepath.Glob(filepath.Join(e.dir, "digests", "morning-*.json"))
	if len(jsonFiles) != 1 {
		t.Fatalf("file notifier wrote JSON files %v", jsonFiles)
	}
	fileJSON, _ := os.ReadFile(jsonFiles[0])
	schematest.Check(t, fileJSON)
	pngs, _ := filepath.Glob(filepath.Join(e.dir, "digests", "morning-*.png"))
	if len(pngs) != 2 {
		t.Errorf("file notifier wrote %d charts", len(pngs))
	}

	// Again: no new hits, nothing new sent.
	code, out, _ = e.run(t, "digest", "morning", "-send")
	if code != 0 || !strings.Contains(out, "nothing new") {
		t.Errorf("second send: exit %d: %s", code, out)
	}
	if requests, _, _, _ := e.hook.snapshot(); requests != 1 || len(e.smtp.Messages()) != 1 {
		t.Errorf("second send delivered again: %d webhook requests, %d emails", requests, len(e.smtp.Messages()))
	}
	if _, out, _ := e.run(t, "deliveries"); strings.Count(out, " sent ") != 3 {
		t.Errorf("deliveries:\n%s", out)
	}
}

func TestSMTP550IsDeadShownAndRetried(t *testing.T) {
	t.Parallel()
	e := newDigestEnv(t)
	e.seed(t, []string{"Witkoff story"}, "Witkoff", "witkoff")
	e.smtp.Refuse(550)
	code, out, stderr := e.run(t, "digest", "morning", "-send")
	if code != exitFailure {
		t.Fatalf("exit %d with a refused email\n%s\n%s", code, out, stderr)
	}
	if !strings.Contains(out, "desk-email: dead") {
		t.Errorf("send output:\n%s", out)
	}
	code, out, _ = e.run(t, "deliveries", "-json")
	if code != 0 {
		t.Fatal(code)
	}
	var dead struct {
		ID        int64  `json:"id"`
		Status    string `json:"status"`
		LastError string `json:"last_error"`
		Notifier  string `json:"notifier"`
	}
	for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
		var d = dead
		if err := json.Unmarshal([]byte(line), &d); err != nil {
			t.Fatalf("%q: %v", line, err)
		}
		if d.Notifier == "desk-email" {
			dead = d
		}
	}
	if dead.Status != "dead" || !strings.Contains(dead.LastError, "550") {
		t.Fatalf("email delivery = %+v", dead)
	}
	if _, table, _ := e.run(t, "deliveries"); !strings.Contains(table, "550") || !strings.Contains(table, "dead") {
		t.Errorf("table does not show the error:\n%s", table)
	}
	code, out, stderr = e.run(t, "deliveries", "retry", fmt.Sprint(dead.ID))
	if code != 0 || !strings.Contains(out, "sent") {
		t.Fatalf("retry: exit %d\n%s\n%s", code, out, stderr)
	}
	if n := len(e.smtp.Messages()); n != 1 {
		t.Errorf("%d emails accepted, want 1", n)
	}
	if code, _, _ := e.run(t, "deliveries", "retry", fmt.Sprint(dead.ID)); code != exitFailure {
		t.Errorf("retrying a sent delivery: exit %d", code)
	}
	if code, _, _ := e.run(t, "deliveries", "retry", "999"); code != exitUsage {
		t.Errorf("retrying an unknown delivery: exit %d", code)
	}
}

func TestWebhookFailingTwiceEndsSentOnce(t *testing.T) {
	t.Parallel()
	e := newDigestEnv(t)
	e.seed(t, []string{"Witkoff story"}, "Witkoff", "witkoff")
	e.hook.fail = 2
	e.smtp.Refuse(451)
	// retry_after is 1ms: each further run finds the failed deliveries due.
	deadline := time.Now().Add(10 * time.Second)
	code, _, _ := e.run(t, "digest", "morning", "-send")
	for code != 0 && time.Now().Before(deadline) {
		code, _, _ = e.run(t, "digest", "morning", "-send")
	}
	if code != 0 {
		t.Fatal("deliveries never all sent")
	}
	requests, _, byKey, _ := e.hook.snapshot()
	if requests != 3 || len(byKey) != 1 {
		t.Errorf("webhook saw %d requests, accepted %v; want 3 and one key once", requests, byKey)
	}
	for k, n := range byKey {
		if n != 1 {
			t.Errorf("key %s accepted %d times", k, n)
		}
	}
	if n := len(e.smtp.Messages()); n != 1 {
		t.Errorf("%d emails after a 451, want 1", n)
	}
}

func TestInstantDigestFiresOnceAfterTheCycle(t *testing.T) {
	t.Parallel()
	e := newDigestEnv(t)
	e.seed(t, []string{"Witkoff and Ushakov call"}, "Witkoff", "call-leak")
	// once: a cycle (the feed has nothing new), then the instant digest of
	// what is pending, then the outbox.
	if code, out, errOut := e.run(t, "once"); code != 0 {
		t.Fatalf("once: exit %d\n%s%s", code, out, errOut)
	}
	_, _, byKey, bodies := e.hook.snapshot()
	if len(byKey) != 1 || !bytes.Contains(bodies[0], []byte(`"digest":"breaking"`)) {
		t.Fatalf("instant digest: keys %v", byKey)
	}
	if code, out, errOut := e.run(t, "once"); code != 0 {
		t.Fatalf("second once: exit %d\n%s%s", code, out, errOut)
	}
	if requests, _, _, _ := e.hook.snapshot(); requests != 1 {
		t.Errorf("instant digest fired again without new hits (%d requests)", requests)
	}
	if len(e.smtp.Messages()) != 0 {
		t.Error("the scheduled digest was sent after a cycle")
	}
}
