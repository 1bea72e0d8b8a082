package webhook

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/storywatch/storywatch/notify"
	"github.com/storywatch/storywatch/notify/notifytest"
)

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
	t.Parallel()
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
	rd := notifytest.Rendered(t)
	w, _ := New(Options{NotifierID: "team-hook", URL: srv.URL + "/hook", Secret: secret,
		Now: func() time.Time { return notifytest.T0 }})
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
	if !strings.HasPrefix(sig, "t="+strconv.FormatInt(notifytest.T0.Unix(), 10)+",v1=") || !verifySignature(secret, sig, bodies[0]) {
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
	t.Parallel()
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
			w, _ := New(Options{NotifierID: "h", URL: srv.URL + "/token-in-path?key=k3y-value"})
			err := w.Send(context.Background(), notifytest.Rendered(t))
			if (err == nil) != tt.ok || notify.IsPermanent(err) != tt.permanent {
				t.Errorf("err = %v (permanent %v)", err, notify.IsPermanent(err))
			}
			if err != nil && (strings.Contains(err.Error(), "token-in-path") || strings.Contains(err.Error(), "k3y-value")) {
				t.Errorf("error quotes the URL's secrets: %v", err)
			}
		})
	}
}

func TestWebhookHangIsBoundedByTimeout(t *testing.T) {
	t.Parallel()
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		<-release
	}))
	defer srv.Close()
	defer close(release)
	w, _ := New(Options{NotifierID: "h", URL: srv.URL + "/secret-path", Timeout: 100 * time.Millisecond})
	start := time.Now()
	err := w.Send(context.Background(), notifytest.Rendered(t))
	if err == nil || notify.IsPermanent(err) {
		t.Fatalf("err = %v, want a temporary error", err)
	}
	if el := time.Since(start); el > 5*time.Second {
		t.Errorf("send took %v despite a 100ms timeout", el)
	}
	if strings.Contains(err.Error(), "secret-path") {
		t.Errorf("error quotes the URL path: %v", err)
	}
}

func TestWebhookRedirectIsPermanentAndNotFollowed(t *testing.T) {
	t.Parallel()
	for _, status := range []int{301, 302, 303, 307, 308} {
		t.Run(http.StatusText(status), func(t *testing.T) {
			moved := 0
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if r.URL.Path == "/new" {
					moved++
					return
				}
				http.Redirect(w, r, "/new?token=n3w-t0ken", status)
			}))
			defer srv.Close()
			w, _ := New(Options{NotifierID: "h", URL: srv.URL + "/old", Client: srv.Client()})
			err := w.Send(context.Background(), notifytest.Rendered(t))
			if err == nil || !notify.IsPermanent(err) {
				t.Fatalf("err = %v, want a permanent error", err)
			}
			if moved != 0 {
				t.Errorf("the redirect was followed %d times", moved)
			}
			want := "redirected to " + srv.URL + "/…; update the webhook URL"
			if !strings.Contains(err.Error(), want) || strings.Contains(err.Error(), "n3w-t0ken") {
				t.Errorf("err = %q, want it to contain %q and no token", err, want)
			}
		})
	}
}
