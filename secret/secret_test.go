package secret

import (
	"bytes"
	"encoding/base64"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net/url"
	"strings"
	"testing"
)

func TestScrubRemovesEveryFormOfASecret(t *testing.T) {
	t.Parallel()
	const user, password = "desk", "smtp-Secret-77c1"
	const token, query = "hook/Tok+en/91ab", "q=1&key value"
	s := New(password, token, query, "abc")
	plain := base64.StdEncoding.EncodeToString([]byte("\x00" + user + "\x00" + password))
	tests := []struct {
		name, in string
		gone     []string
	}{
		{"as written", "550 no such user " + password, []string{password}},
		{"request line echoed", "POST /" + url.PathEscape(token) + "?k=" + url.QueryEscape(query) + " HTTP/1.1",
			[]string{url.PathEscape(token), url.QueryEscape(query)}},
		{"AUTH PLAIN echoed", "535 5.7.8 AUTH PLAIN " + plain + " rejected", []string{"Secret-77"}},
		{"AUTH LOGIN password echoed", "535 " + base64.StdEncoding.EncodeToString([]byte(password)), []string{"Secret-77"}},
		{"URL alphabet", base64.URLEncoding.EncodeToString([]byte("x" + password)), []string{"Secret-77"}},
		{"too short to search", "abc stays", nil},
	}
	for _, tt := range tests {
		got := s.Scrub(tt.in)
		for _, g := range tt.gone {
			if strings.Contains(got, g) {
				t.Errorf("%s: %q still holds %q", tt.name, got, g)
			}
		}
		// Whatever base64 is left must not decode to the secret.
		for _, word := range strings.Fields(got) {
			for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.URLEncoding, base64.RawStdEncoding} {
				if b, err := enc.DecodeString(word); err == nil && bytes.Contains(b, []byte("Secret")) {
					t.Errorf("%s: %q decodes to %q", tt.name, word, b)
				}
			}
		}
		if s.Scrub(got) != got {
			t.Errorf("%s: scrubbing twice changed %q to %q", tt.name, got, s.Scrub(got))
		}
	}
	if got := s.Scrub("abc stays"); got != "abc stays" {
		t.Errorf("a secret under MinLen was scrubbed: %q", got)
	}
}

func TestScrubAtEveryAlignment(t *testing.T) {
	t.Parallel()
	const pw = "hunter22"
	s := New(pw)
	for pad := range 6 {
		enc := base64.StdEncoding.EncodeToString([]byte(strings.Repeat("\x00", pad) + pw + "\x00tail"))
		got := s.Scrub(enc)
		if got == enc {
			t.Errorf("pad %d: %q not scrubbed", pad, enc)
		}
		for _, part := range strings.Split(got, Redacted) {
			b, _ := base64.StdEncoding.DecodeString(part + strings.Repeat("=", (4-len(part)%4)%4))
			if bytes.Contains(b, []byte("unter2")) {
				t.Errorf("pad %d: %q leaves %q", pad, got, b)
			}
		}
	}
}

func TestErrorKeepsItsChain(t *testing.T) {
	t.Parallel()
	s := New("t0ken-1234")
	err := s.Error(fmt.Errorf("post https://h/t0ken-1234: %w", fs.ErrNotExist))
	if err.Error() != "post https://h/[redacted]: file does not exist" || !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("err = %q (is ErrNotExist: %v)", err, errors.Is(err, fs.ErrNotExist))
	}
	plain := errors.New("no secret here")
	if s.Error(plain) != plain || s.Error(nil) != nil {
		t.Error("an error without a secret was wrapped")
	}
	var none *Set
	if none.Scrub("t0ken-1234") != "t0ken-1234" {
		t.Error("a nil Set scrubbed")
	}
}

func TestReplaceSwapsTheSecrets(t *testing.T) {
	t.Parallel()
	s := New("old-secret")
	s.Replace("new-secret")
	if got := s.Scrub("old-secret new-secret"); got != "old-secret [redacted]" {
		t.Errorf("after Replace: %q", got)
	}
	s.Replace()
	if got := s.Scrub("new-secret"); got != "new-secret" {
		t.Errorf("after Replace(): %q", got)
	}
}

func TestHandlerScrubsEveryRecord(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	s := New("t0ken-1234")
	log := slog.New(Handler(slog.NewTextHandler(&buf, nil), s)).With("url", "https://h/t0ken-1234")
	log.WithGroup("g").Error("send t0ken-1234", "error", errors.New("echo t0ken-1234"), "n", 3,
		slog.Group("req", "line", "GET /t0ken-1234"), "stringer", url.URL{Path: "/t0ken-1234"})
	out := buf.String()
	if strings.Contains(out, "t0ken-1234") || strings.Count(out, Redacted) != 5 || !strings.Contains(out, "g.n=3") {
		t.Errorf("log line: %s", out)
	}
}
