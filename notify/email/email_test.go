package email

import (
	"bytes"
	"context"
	"crypto/tls"
	"encoding/base64"
	"image/png"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/mail"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/storywatch/storywatch/notify"
	"github.com/storywatch/storywatch/notify/notifytest"
	"github.com/storywatch/storywatch/notify/smtptest"
)

func newTestEmail(t *testing.T, srv *smtptest.Server, user, pass string) *Sender {
	t.Helper()
	e, err := New(Options{NotifierID: "desk-email", Host: srv.Host, Port: srv.Port, TLS: TLSNone,
		Username: user, Password: pass, From: "storywatch <alerts@example.org>", To: []string{"desk@example.org"},
		Timeout: 5 * time.Second, Now: func() time.Time { return notifytest.T0 }})
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
	t.Parallel()
	srv := smtptest.Start(t)
	r := notifytest.Rendered(t)
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
	if d, err := m.Header.Date(); err != nil || !d.Equal(notifytest.T0) {
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
	t.Parallel()
	const password = "s3cret-pa55word"
	t.Run("right credentials are accepted", func(t *testing.T) {
		srv := smtptest.Start(t, smtptest.WithAuth("desk", password))
		if err := newTestEmail(t, srv, "desk", password).Send(context.Background(), notifytest.Rendered(t)); err != nil {
			t.Fatal(err)
		}
		if len(srv.Messages()) != 1 {
			t.Error("message not delivered")
		}
	})
	t.Run("wrong password is permanent and not quoted", func(t *testing.T) {
		srv := smtptest.Start(t, smtptest.WithAuth("desk", "other-password"))
		err := newTestEmail(t, srv, "desk", password).Send(context.Background(), notifytest.Rendered(t))
		if err == nil {
			t.Fatal("sent with a wrong password")
		}
		if !notify.IsPermanent(err) {
			t.Errorf("auth failure is not permanent: %v", err)
		}
		if strings.Contains(err.Error(), password) {
			t.Errorf("error quotes the password: %v", err)
		}
	})
	t.Run("server without AUTH refuses mail when none is sent", func(t *testing.T) {
		srv := smtptest.Start(t, smtptest.WithAuth("desk", password))
		err := newTestEmail(t, srv, "", "").Send(context.Background(), notifytest.Rendered(t))
		if err == nil || !notify.IsPermanent(err) {
			t.Errorf("err = %v, want a permanent error (530)", err)
		}
	})
}

func TestEmailClassifiesReplies(t *testing.T) {
	t.Parallel()
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
			err := newTestEmail(t, srv, "", "").Send(context.Background(), notifytest.Rendered(t))
			if err == nil {
				t.Fatal("no error")
			}
			if notify.IsPermanent(err) != tt.permanent {
				t.Errorf("permanent = %v for %v", notify.IsPermanent(err), err)
			}
			if !strings.Contains(err.Error(), strconv.Itoa(tt.code)) {
				t.Errorf("error does not show the reply: %v", err)
			}
		})
	}
}

func TestEmailUnreachableIsTemporary(t *testing.T) {
	t.Parallel()
	srv := smtptest.Start(t)
	e := newTestEmail(t, srv, "", "")
	e.opts.Port = closedPort(t)
	err := e.Send(context.Background(), notifytest.Rendered(t))
	if err == nil || notify.IsPermanent(err) {
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
	t.Parallel()
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
			e, err := New(Options{NotifierID: "m", Host: srv.Host, Port: srv.Port, TLS: tt.mode,
				Username: "desk", Password: "pw-over-tls", From: "alerts@example.org", To: []string{"desk@example.org"},
				TLSConfig: clientTLS, Timeout: 5 * time.Second})
			if err != nil {
				t.Fatal(err)
			}
			if err := e.Send(context.Background(), notifytest.Rendered(t)); err != nil {
				t.Fatal(err)
			}
			if len(srv.Messages()) != 1 {
				t.Error("not delivered")
			}
		})
	}
	t.Run("STARTTLS required but not offered fails", func(t *testing.T) {
		srv := smtptest.Start(t)
		e, _ := New(Options{NotifierID: "m", Host: srv.Host, Port: srv.Port, TLS: TLSStartTLS,
			From: "alerts@example.org", To: []string{"desk@example.org"}, TLSConfig: clientTLS, Timeout: 5 * time.Second})
		if err := e.Send(context.Background(), notifytest.Rendered(t)); err == nil {
			t.Error("sent in clear text although STARTTLS was required")
		}
		if len(srv.Messages()) != 0 {
			t.Error("message accepted without TLS")
		}
	})
}
