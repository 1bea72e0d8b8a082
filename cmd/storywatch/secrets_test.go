package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/base64"
	"fmt"
	"io/fs"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// echoSMTP is an SMTP server that refuses every AUTH with a reply that
// quotes the AUTH line, base64 credentials included, as some servers do.
func echoSMTP(t *testing.T) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				r := bufio.NewReader(c)
				fmt.Fprint(c, "220 localhost ESMTP\r\n")
				for {
					line, err := r.ReadString('\n')
					if err != nil {
						return
					}
					line = strings.TrimRight(line, "\r\n")
					switch verb := strings.ToUpper(strings.Fields(line + " x")[0]); {
					case verb == "EHLO" || verb == "HELO":
						fmt.Fprint(c, "250-localhost\r\n250 AUTH PLAIN LOGIN\r\n")
					case line == "AUTH PLAIN":
						fmt.Fprint(c, "334 \r\n")
						resp, _ := r.ReadString('\n')
						fmt.Fprintf(c, "535 5.7.8 AUTH PLAIN %s rejected\r\n", strings.TrimSpace(resp))
					case verb == "AUTH":
						fmt.Fprintf(c, "535 5.7.8 %s rejected\r\n", line)
					case verb == "QUIT":
						fmt.Fprint(c, "221 bye\r\n")
						return
					default:
						fmt.Fprint(c, "250 ok\r\n")
					}
				}
			}()
		}
	}()
	return ln.Addr().(*net.TCPAddr).Port
}

// Servers that echo what they were sent put no secret into the outbox, the
// feeds' errors, the log or any command's output: a webhook whose 500 page
// quotes the request line with its path and query tokens, an SMTP server
// quoting AUTH PLAIN with the base64 password, a feed whose URL path holds
// a token.
func TestRemoteErrorsNeverShowSecrets(t *testing.T) {
	env := map[string]string{
		"FEED_TOKEN":    "feedTok3n-9f1c",
		"HOOK_TOKEN":    "hookTok3n-2b7d",
		"HOOK_KEY":      "hook/Key+5e8a",
		"SMTP_PASSWORD": "smtp-Pass-61f0",
	}
	srv := newPollServer(t)
	srv.feeds["/good.xml"] = pollFeed("Wire", leakItem)
	srv.special["/news/"+env["FEED_TOKEN"]+"/rss"] = func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "no feed at "+r.RequestURI, http.StatusInternalServerError)
	}
	var hookCalls int
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hookCalls++
		http.Error(w, "rejected: "+r.Method+" "+r.RequestURI+" "+r.Proto, http.StatusInternalServerError)
	}))
	t.Cleanup(hook.Close)
	smtpPort := echoSMTP(t)

	dir := t.TempDir()
	cfg := filepath.Join(dir, "storywatch.yaml")
	text := fmt.Sprintf(`database: sw.db
listen: ""
feeds:
  - url: %[1]s/good.xml
  - url: %[1]s/news/${FEED_TOKEN}/rss
actors:
  - id: witkoff
    aliases: [Witkoff]
digests:
  - id: breaking
    instant: true
    to: [hook, mail]
delivery:
  retry_after: 1s
  retry_max: 1s
  give_up: 1h
notifiers:
  - id: hook
    webhook:
      url: %[2]s/hook/${HOOK_TOKEN}?key=${HOOK_KEY}
  - id: mail
    email:
      host: 127.0.0.1
      port: %[3]d
      tls: none
      username: desk
      password: ${SMTP_PASSWORD}
      from: storywatch <alerts@example.org>
      to: [desk@example.org]
`, srv.URL, hook.URL, smtpPort)
	if err := os.WriteFile(cfg, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	var seen strings.Builder
	for _, args := range [][]string{{"once"}, {"feeds"}, {"feeds", "-json"}, {"deliveries"}, {"deliveries", "-json"}} {
		var out, errb bytes.Buffer
		err := run(context.Background(), append([]string{"-config", cfg}, args...), func(k string) string { return env[k] },
			strings.NewReader(""), &out, &errb)
		exitCode(err, &errb)
		fmt.Fprintf(&seen, "$ %s\n%s%s", strings.Join(args, " "), out.String(), errb.String())
	}
	all := seen.String()
	t.Logf("%s", all)
	if hookCalls == 0 || !strings.Contains(all, "535") || !strings.Contains(all, "HTTP 500") {
		t.Fatalf("the failures to scrub did not happen:\n%s", all)
	}
	var stored bytes.Buffer
	filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() && !strings.HasSuffix(p, ".yaml") {
			b, _ := os.ReadFile(p)
			stored.Write(b)
		}
		return nil
	})
	for name, text := range map[string]string{"output and log": all, "database": stored.String()} {
		for k, v := range env {
			if k == "FEED_TOKEN" && name == "database" {
				// The configured URL is the feed's identity, stored as
				// given in the private database; its errors are not
				// (feeds -json above shows them as stored).
				continue
			}
			for _, form := range []string{v, strings.ReplaceAll(v, "/", "%2F"), strings.ReplaceAll(strings.ReplaceAll(v, "/", "%2F"), "+", "%2B")} {
				if strings.Contains(text, form) {
					t.Errorf("%s shows %s (%q)", name, k, form)
				}
			}
		}
		// No base64 in them decodes to the password.
		for _, word := range regexp.MustCompile(`[A-Za-z0-9+/]{8,}={0,2}`).FindAllString(text, -1) {
			for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding} {
				if b, err := enc.DecodeString(word); err == nil && bytes.Contains(b, []byte("Pass-61")) {
					t.Errorf("%s holds %q, which decodes to %q", name, word, b)
				}
			}
		}
	}
}
