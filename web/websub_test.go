package web

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
)

type fakeHub struct {
	feed, sig, body string
}

func (f *fakeHub) Verify(_ context.Context, feed string, q url.Values) (int, string) {
	if feed != "7" {
		return http.StatusNotFound, "no subscription"
	}
	return http.StatusOK, q.Get("hub.challenge")
}

func (f *fakeHub) Push(_ context.Context, feed, _, sig string, body io.Reader) (int, string) {
	b, _ := io.ReadAll(body)
	f.feed, f.sig, f.body = feed, sig, string(b)
	return http.StatusAccepted, "taken"
}

func TestWebSubRouteTakesNoTokenAndTheRestStaysReadOnly(t *testing.T) {
	t.Parallel()
	hub := &fakeHub{}
	s := New(Options{Store: &fakeStore{}, WebSub: hub})
	s.Configure(Settings{Token: "s3cret"})
	h := s.Handler()

	rec := get(t, h, "GET", "/websub/7?hub.mode=subscribe&hub.challenge=abc", nil)
	if rec.Code != 200 || rec.Body.String() != "abc" {
		t.Errorf("verification: %d %q", rec.Code, rec.Body.String())
	}
	if rec := get(t, h, "GET", "/websub/8?hub.challenge=abc", nil); rec.Code != 404 {
		t.Errorf("verification for another feed: %d", rec.Code)
	}
	req := httptest.NewRequest("POST", "/websub/7", strings.NewReader("<rss/>"))
	req.Header.Set("X-Hub-Signature", "sha256=00")
	rec = httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	if rec.Code != 202 || hub.feed != "7" || hub.sig != "sha256=00" || hub.body != "<rss/>" {
		t.Errorf("push: %d, hub saw %+v", rec.Code, hub)
	}
	if rec := get(t, h, "DELETE", "/websub/7", nil); rec.Code != 405 {
		t.Errorf("DELETE /websub/7: %d", rec.Code)
	}
	if rec := get(t, h, "POST", "/api/hits", nil); rec.Code != 405 {
		t.Errorf("POST /api/hits: %d, want the other endpoints read-only", rec.Code)
	}
	if rec := get(t, h, "GET", "/api/hits", nil); rec.Code != 401 {
		t.Errorf("GET /api/hits without the token: %d", rec.Code)
	}
	plain := New(Options{Store: &fakeStore{}}).Handler()
	if rec := get(t, plain, "POST", "/websub/7", nil); rec.Code != 405 {
		t.Errorf("without WebSub, POST /websub/7: %d", rec.Code)
	}
}
