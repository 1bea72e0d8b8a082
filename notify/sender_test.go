package notify

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"crypto/tls"
	"encoding/base64"
	"encoding/hex"
	"image/png"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/mail"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/storywatch/storywatch/notify/smtptest"
)

func fixtureRendered(t *testing.T) *Rendered {
	t.Helper()
	r, err := Render(fixtureDigest())
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func newTestEmail(t *testing.T, srv *smtptest.Server, user, pass string) *Email {
	t.Helper()
	e, err := NewEmail(EmailOptions{NotifierID: "desk-email", Host: srv.Host, Port: srv.Port, TLS: TLSNone,
		Username: user, Password: pass, From: "storywatch <alerts@example.org>", To: []string{"desk@example.org"},
		Timeout: 5 * time.Second, Now: func() time.Time { return t0 }})
	if err != nil {
		t.Fatal(err)
	}
	return e
}

// mimeParts walks a message and returns its leaf parts by content type.
type mimePart struct {
	header map[string][]string
	body   []byte
}

func leafParts(t *testing.T, ctype string, body io.Reader, out map[string][]mimePart) {
	t.Helper()
	mt, params, err := mime.ParseMediaType(ctype)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(mt, "multipart/") {
		b, _ := io.ReadAll(body)
		out[mt] = append(out[mt], mimePart{body: b})
		return
	}
	mr := multipart.NewReader(body, params["boundary"])
	for {
		p, err := mr.NextPart() // decodes quoted-printable
		if err == io.EOF {
			return
		}
		if err != nil {
			t.Fatal(err)
		}
		ct := p.Header.Get("Content-Type")
		if strings.HasPrefix(ct, "multipart/") {
			leafParts(t, ct, p, out)
			continue
		}
		b, _ := io.ReadAll(p)
		pmt, _, _ := mime.ParseMediaType(ct)
		if p.Header.Get("Content-Transfer-Encoding") == "base64" {
			b = decodeBase64(t, b)
		}
		out[pmt] = append(out[pmt], mimePart{header: p.Header, body: b})
	}
}

func parseMail(t *testing.T, data []byte) (*mail.Message, map[string][]mimePart) {
	t.Helper()
	m, err := mail.ReadMessage(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	parts := map[string][]mimePart{}
	leafParts(t, m.Header.Get("Content-Type"), m.Body, parts)
	return m, parts
}

func TestEmailCarriesTextHTMLAndInlineCharts(t *testing.T) {
	srv := smtptest.Start(t)
	r := fixtureRendered(t)
	if err := newTestEmail(t, srv, "", "").Send(context.Background(), r); err != nil {
		t.Fatal(err)
	}
	msgs := srv.Messages()
	if len(msgs) != 1 {
		t.Fatalf("%d messages", len(msgs))
	}
	m, parts := parseMail(t, msgs[0].Data)
	dec := new(mime.WordDecoder)
	subj, _ := dec.DecodeHeader(m.Header.Get("Subject"))
	if subj != r.Subject {
		t.Errorf("subject = %q", subj)
	}
	if id := m.Header.Get("Message-Id"); id != "<"+r.DigestID+".desk-email@example.org>" {
		t.Errorf("Message-ID = %q", id)
	}
	if d, err := m.Header.Date(); err != nil || !d.Equal(t0) {
		t.Errorf("Date = %v, %v", d, err)
	}
	if len(parts["text/plain"]) != 1 || !strings.Contains(string(parts["text/plain"][0].body), "Leaked call: Witkoff coached Ushakov") {
		t.Errorf("text part missing or wrong: %v", parts["text/plain"])
	}
	if len(parts["text/html"]) != 1 {
		t.Fatalf("html parts: %d", len(parts["text/html"]))
	}
	html := string(parts["text/html"][0].body)
	if strings.Contains(html, "<script") || !strings.Contains(html, "&lt;script&gt;") {
		t.Error("feed markup reached the HTML part unescaped")
	}
	pngs := parts["image/png"]
	if len(pngs) != len(r.Images) {
		t.Fatalf("%d inline PNGs, want %d", len(pngs), len(r.Images))
	}
	for _, p := range pngs {
		cid := strings.Trim(mimeHeader(p.header, "Content-Id"), "<>")
		if !strings.Contains(html, `src="cid:`+cid+`"`) {
			t.Errorf("HTML does not reference attached cid %q", cid)
		}
		if !strings.HasPrefix(mimeHeader(p.header, "Content-Disposition"), "inline") {
			t.Errorf("chart %s is not inline", cid)
		}
		if _, err := png.Decode(bytes.NewReader(p.body)); err != nil {
			t.Errorf("chart %s does not decode: %v", cid, err)
		}
	}
}

func mimeHeader(h map[string][]string, key string) string {
	for k, v := range h {
		if strings.EqualFold(k, key) && len(v) > 0 {
			return v[0]
		}
	}
	return ""
}

func TestEmailAuth(t *testing.T) {
	const password = "s3cret-pa55word"
	t.Run("right credentials are accepted", func(t *testing.T) {
		srv := smtptest.Start(t, smtptest.WithAuth("desk", password))
		if err := newTestEmail(t, srv, "desk", password).Send(context.Background(), fixtureRendered(t)); err != nil {
			t.Fatal(err)
		}
		if len(srv.Messages()) != 1 {
			t.Error("message not delivered")
		}
	})
	t.Run("wrong password is permanent and not quoted", func(t *testing.T) {
		srv := smtptest.Start(t, smtptest.WithAuth("desk", "other-password"))
		err := newTestEmail(t, srv, "desk", password).Send(context.Background(), fixtureRendered(t))
		if err == nil {
			t.Fatal("sent with a wrong password")
		}
		if !IsPermanent(err) {
			t.Errorf("auth failure is not permanent: %v", err)
		}
		if strings.Contains(err.Error(), password) {
			t.Errorf("error quotes the password: %v", err)
		}
	})
	t.Run("server without AUTH refuses mail when none is sent", func(t *testing.T) {
		srv := smtptest.Start(t, smtptest.WithAuth("desk", password))
		err := newTestEmail(t, srv, "", "").Send(context.Background(), fixtureRendered(t))
		if err == nil || !IsPermanent(err) {
			t.Errorf("err = %v, want a permanent error (530)", err)
		}
	})
}

func TestEmailClassifiesReplies(t *testing.T) {
	tests := []struct {
		name      string
		code      int
		permanent bool
	}{
		{"451 is temporary", 451, false},
		{"550 is permanent", 550, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := smtptest.Start(t)
			srv.Refuse(tt.code)
			err := newTestEmail(t, srv, "", "").Send(context.Background(), fixtureRendered(t))
			if err == nil {
				t.Fatal("no error")
			}
			if IsPermanent(err) != tt.permanent {
				t.Errorf("permanent = %v for %v", IsPermanent(err), err)
			}
			if !strings.Contains(err.Error(), strconv.Itoa(tt.code)) {
				t.Errorf("error does not show the reply: %v", err)
			}
		})
	}
}

func TestEmailUnreachableIsTemporary(t *testing.T) {
	srv := smtptest.Start(t)
	e := newTestEmail(t, srv, "", "")
	e.opts.Port = closedPort(t)
	err := e.Send(context.Background(), fixtureRendered(t))
	if err == nil || IsPermanent(err) {
		t.Errorf("err = %v, want a temporary error", err)
	}
}

func closedPort(t *testing.T) int {
	t.Helper()
	srv := httptest.NewServer(http.NotFoundHandler())
	port := srv.Listener.Addr().(interface{ String() string }).String()
	srv.Close()
	p, _ := strconv.Atoi(port[strings.LastIndexByte(port, ':')+1:])
	return p
}

func verifySignature(secret, header string, body []byte) bool {
	var ts, sig string
	for _, kv := range strings.Split(header, ",") {
		k, v, _ := strings.Cut(kv, "=")
		switch k {
		case "t":
			ts = v
		case "v1":
			sig = v
		}
	}
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte(ts + "." + string(body)))
	want := hex.EncodeToString(mac.Sum(nil))
	return ts != "" && hmac.Equal([]byte(sig), []byte(want))
}

func TestWebhookSignsAndSendsJSON(t *testing.T) {
	const secret = "whsec-0123456789"
	var mu sync.Mutex
	var got []*http.Request
	var bodies [][]byte
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		mu.Lock()
		got, bodies = append(got, r), append(bodies, b)
		mu.Unlock()
		w.WriteHeader(http.StatusAccepted)
	}))
	defer srv.Close()
	rd := fixtureRendered(t)
	w, _ := NewWebhook(WebhookOptions{NotifierID: "team-hook", URL: srv.URL + "/hook", Secret: secret,
		Now: func() time.Time { return t0 }})
	if err := w.Send(context.Background(), rd); err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 {
		t.Fatalf("%d requests", len(got))
	}
	r := got[0]
	if r.Method != http.MethodPost || r.Header.Get("Content-Type") != "application/json" {
		t.Errorf("%s with Content-Type %q", r.Method, r.Header.Get("Content-Type"))
	}
	if k := r.Header.Get("Idempotency-Key"); k != rd.DigestID+"-team-hook" {
		t.Errorf("Idempotency-Key = %q", k)
	}
	sig := r.Header.Get("Storywatch-Signature")
	if !strings.HasPrefix(sig, "t="+strconv.FormatInt(t0.Unix(), 10)+",v1=") || !verifySignature(secret, sig, bodies[0]) {
		t.Errorf("signature %q does not verify", sig)
	}
	if verifySignature("wrong", sig, bodies[0]) {
		t.Error("signature verifies with the wrong secret")
	}
	if !bytes.Equal(bodies[0], rd.JSON) {
		t.Error("body is not the JSON rendering")
	}
}

func TestWebhookClassifiesAnswers(t *testing.T) {
	tests := []struct {
		name      string
		status    int
		ok        bool
		permanent bool
	}{
		{"200 is success", 200, true, false},
		{"204 is success", 204, true, false},
		{"400 is permanent", 400, false, true},
		{"410 is permanent", 410, false, true},
		{"408 is temporary", 408, false, false},
		{"429 is temporary", 429, false, false},
		{"500 is temporary", 500, false, false},
		{"503 is temporary", 503, false, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.WriteHeader(tt.status)
			}))
			defer srv.Close()
			w, _ := NewWebhook(WebhookOptions{NotifierID: "h", URL: srv.URL + "/token-in-path?key=k3y-value"})
			err := w.Send(context.Background(), fixtureRendered(t))
			if (err == nil) != tt.ok || IsPermanent(err) != tt.permanent {
				t.Errorf("err = %v (permanent %v)", err, IsPermanent(err))
			}
			if err != nil && (strings.Contains(err.Error(), "token-in-path") || strings.Contains(err.Error(), "k3y-value")) {
				t.Errorf("error quotes the URL's secrets: %v", err)
			}
		})
	}
}

func TestWebhookHangIsBoundedByTimeout(t *testing.T) {
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		<-release
	}))
	defer srv.Close()
	defer close(release)
	w, _ := NewWebhook(WebhookOptions{NotifierID: "h", URL: srv.URL + "/secret-path", Timeout: 100 * time.Millisecond})
	start := time.Now()
	err := w.Send(context.Background(), fixtureRendered(t))
	if err == nil || IsPermanent(err) {
		t.Fatalf("err = %v, want a temporary error", err)
	}
	if el := time.Since(start); el > 5*time.Second {
		t.Errorf("send took %v despite a 100ms timeout", el)
	}
	if strings.Contains(err.Error(), "secret-path") {
		t.Errorf("error quotes the URL path: %v", err)
	}
}

func TestChatThroughShoutrrrGeneric(t *testing.T) {
	var mu sync.Mutex
	var bodies []string
	status := http.StatusOK
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		mu.Lock()
		bodies = append(bodies, string(b))
		s := status
		mu.Unlock()
		w.WriteHeader(s)
	}))
	defer srv.Close()
	host := strings.TrimPrefix(srv.URL, "http://")
	const token = "chat-T0KEN-abcdef"
	c, err := NewChat("team-chat", "generic://"+host+"/hooks/"+token+"?disabletls=yes")
	if err != nil {
		t.Fatal(err)
	}
	r := fixtureRendered(t)
	if err := c.Send(context.Background(), r); err != nil {
		t.Fatal(err)
	}
	if len(bodies) != 1 || !strings.Contains(bodies[0], "Leaked call: Witkoff coached Ushakov") ||
		!strings.Contains(bodies[0], "https://example.org/a?x=1\\u0026y=2") && !strings.Contains(bodies[0], "https://example.org/a?x=1&y=2") {
		t.Errorf("chat body = %q", bodies)
	}
	mu.Lock()
	status = http.StatusInternalServerError
	mu.Unlock()
	err = c.Send(context.Background(), r)
	if err == nil {
		t.Fatal("a 500 answer is not an error")
	}
	if strings.Contains(err.Error(), token) {
		t.Errorf("error quotes the chat URL token: %v", err)
	}
}

func TestChatBadURLDoesNotLeak(t *testing.T) {
	_, err := NewChat("team-chat", "nosuchservice://user:hunter22@example.org/secret-token")
	if err == nil {
		t.Fatal("unknown service accepted")
	}
	for _, s := range []string{"hunter22", "secret-token"} {
		if strings.Contains(err.Error(), s) {
			t.Errorf("error quotes %q: %v", s, err)
		}
	}
}

func TestFileWritesAtomicallyBesideCharts(t *testing.T) {
	dir := t.TempDir()
	r := fixtureRendered(t)
	if err := NewFile("archive", filepath.Join(dir, "digests")).Send(context.Background(), r); err != nil {
		t.Fatal(err)
	}
	base := filepath.Join(dir, "digests", "morning-20251126T070000Z-00000000")
	for _, ext := range []string{".txt", ".html", ".json"} {
		if _, err := os.Stat(base + ext); err != nil {
			t.Error(err)
		}
	}
	html, _ := os.ReadFile(base + ".html")
	if strings.Contains(string(html), "<script") || strings.Contains(string(html), "<img src=x") {
		t.Error("file HTML contains feed markup")
	}
	for _, img := range r.Images {
		b, err := os.ReadFile(filepath.Join(dir, "digests", img.Filename))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := png.Decode(bytes.NewReader(b)); err != nil {
			t.Errorf("%s: %v", img.Filename, err)
		}
		if !strings.Contains(string(html), `src="`+img.Filename+`"`) {
			t.Errorf("HTML does not show %s", img.Filename)
		}
	}
	entries, _ := os.ReadDir(filepath.Join(dir, "digests"))
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), ".") {
			t.Errorf("temporary file left behind: %s", e.Name())
		}
	}
}

func decodeBase64(t *testing.T, b []byte) []byte {
	t.Helper()
	s := strings.Join(strings.Fields(string(b)), "")
	out, err := base64.StdEncoding.DecodeString(s)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func TestEmailOverTLS(t *testing.T) {
	// httptest makes a certificate for 127.0.0.1 that its client trusts.
	hs := httptest.NewTLSServer(http.NotFoundHandler())
	defer hs.Close()
	serverTLS := &tls.Config{Certificates: hs.TLS.Certificates}
	clientTLS := &tls.Config{RootCAs: hs.Client().Transport.(*http.Transport).TLSClientConfig.RootCAs, ServerName: "127.0.0.1"}
	for _, tt := range []struct {
		name     string
		mode     string
		implicit bool
	}{
		{"STARTTLS", TLSStartTLS, false},
		{"implicit TLS", TLSImplicit, true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			srv := smtptest.Start(t, smtptest.WithTLS(serverTLS, tt.implicit), smtptest.WithAuth("desk", "pw-over-tls"))
			e, err := NewEmail(EmailOptions{NotifierID: "m", Host: srv.Host, Port: srv.Port, TLS: tt.mode,
				Username: "desk", Password: "pw-over-tls", From: "alerts@example.org", To: []string{"desk@example.org"},
				TLSConfig: clientTLS, Timeout: 5 * time.Second})
			if err != nil {
				t.Fatal(err)
			}
			if err := e.Send(context.Background(), fixtureRendered(t)); err != nil {
				t.Fatal(err)
			}
			if len(srv.Messages()) != 1 {
				t.Error("not delivered")
			}
		})
	}
	t.Run("STARTTLS required but not offered fails", func(t *testing.T) {
		srv := smtptest.Start(t)
		e, _ := NewEmail(EmailOptions{NotifierID: "m", Host: srv.Host, Port: srv.Port, TLS: TLSStartTLS,
			From: "alerts@example.org", To: []string{"desk@example.org"}, TLSConfig: clientTLS, Timeout: 5 * time.Second})
		if err := e.Send(context.Background(), fixtureRendered(t)); err == nil {
			t.Error("sent in clear text although STARTTLS was required")
		}
		if len(srv.Messages()) != 0 {
			t.Error("message accepted without TLS")
		}
	})
}
