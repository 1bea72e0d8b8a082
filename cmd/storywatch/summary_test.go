package main

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

func TestOnceSummarySaysEachThingOnce(t *testing.T) {
	t.Parallel()
	srv := newPollServer(t)
	srv.feeds["/good.xml"] = pollFeed("Good", leakItem)
	fail := func(w http.ResponseWriter, r *http.Request) { http.Error(w, "boom", http.StatusInternalServerError) }
	srv.special["/rss/search"] = fail
	srv.special["/named.xml"] = fail
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/fail" {
			http.Error(w, "busy", http.StatusServiceUnavailable)
		}
	}))
	defer hook.Close()

	dir := t.TempDir()
	cfg := filepath.Join(dir, "storywatch.yaml")
	body := fmt.Sprintf(`database: %s
listen: ""
poll:
  timeout: 5s
feeds:
  - url: %[2]s/rss/search?q=Witkoff+OR+Ushakov&hl=en-US
  - url: %[2]s/rss/search?q=Dmitriev&hl=en-US
  - url: %[2]s/named.xml?key=s3cret
    name: Named search
  - url: %[2]s/good.xml
actors:
  - id: witkoff
    aliases: [Witkoff]
  - id: ushakov
    aliases: [Ushakov]
storylines:
  - id: call-leak
    query: '@witkoff AND @ushakov AND (call OR recording)'
digests:
  - id: breaking
    instant: true
    to: [hook, bad-hook]
notifiers:
  - id: hook
    webhook: {url: "%[3]s/ok"}
  - id: bad-hook
    webhook: {url: "%[3]s/fail"}
`, filepath.Join(dir, "sw.db"), srv.URL, hook.URL)
	if err := os.WriteFile(cfg, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	code, out, errOut := runCmd(t, "-config", cfg, "once")
	if code != exitOK {
		t.Fatalf("once: exit %d\n%s%s", code, out, errOut)
	}
	for _, want := range []string{
		"polled 4 feeds in ",
		"failed: " + srv.URL + "/rss/search?… (q: Witkoff OR Ushakov): ",
		"failed: " + srv.URL + "/rss/search?… (q: Dmitriev): ",
		"failed: Named search: ",
		"): 1 new story (",
		"sent: digest breaking (breaking-",
		") to hook\n",
		") to bad-hook: webhook bad-hook (" + hook.URL + "/…): HTTP 503",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("once's summary lacks %q:\n%s", want, out)
		}
	}
	if n := strings.Count(out, "failed: "); n != 3 {
		t.Errorf("%d failed-feed lines, want 3:\n%s", n, out)
	}
	if !regexp.MustCompile(`(?m)^digest breaking \(breaking-[0-9TZ-]+[0-9a-f]+\): 1 new story`).MatchString(out) {
		t.Errorf("the summary does not name the digest it recorded:\n%s", out)
	}
	if !strings.Contains(out, "failed, will retry: digest breaking") {
		t.Errorf("the failed delivery is not reported:\n%s", out)
	}
	for _, dup := range []string{"poll feed", "delivery failed"} {
		if strings.Contains(errOut, dup) {
			t.Errorf("stderr repeats the summary (%q):\n%s", dup, errOut)
		}
	}
	if strings.Contains(out+errOut, "s3cret") {
		t.Error("a feed URL's query reached the output")
	}
}
