package web

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"
)

func TestSessionValue(t *testing.T) {
	t.Parallel()
	const token = "correct horse battery staple"
	v := sessionValue(token, testNow.Add(time.Hour))
	if strings.Contains(v, token) || strings.Contains(v, url.QueryEscape(token)) {
		t.Fatalf("the cookie %q holds the token", v)
	}
	exp, sig, _ := strings.Cut(v, ".")
	tests := []struct {
		name  string
		value string
		token string
		now   time.Time
		want  bool
	}{
		{"fresh session", v, token, testNow, true},
		{"ended session", v, token, testNow.Add(2 * time.Hour), false},
		{"after the token changed", v, "another token", testNow, false},
		{"expiry pushed back", "99999999999." + sig, token, testNow, false},
		{"signature cut short", exp + "." + sig[:10], token, testNow, false},
		{"no signature", exp, token, testNow, false},
		{"garbage", "..", token, testNow, false},
		{"no token configured", v, "", testNow, false},
	}
	for _, tt := range tests {
		if got := sessionOK(tt.value, tt.token, tt.now); got != tt.want {
			t.Errorf("%s: sessionOK = %v, want %v", tt.name, got, tt.want)
		}
	}
}

func postForm(h http.Handler, target string, form url.Values, header http.Header) *httptest.ResponseRecorder {
	req := httptest.NewRequest("POST", target, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	for k, v := range header {
		req.Header[k] = v
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}

func TestLoginFormSetsASessionCookie(t *testing.T) {
	t.Parallel()
	s, h := newPageServer(t, samplePages(), "s3cret")

	rec := get(t, h, "GET", "/watch/call-leak?page=1", nil)
	if rec.Code != http.StatusUnauthorized || !strings.Contains(rec.Body.String(), `name="next" value="/watch/call-leak?page=1"`) {
		t.Fatalf("a page without the token = %d, want 401 with the login form:\n%s", rec.Code, rec.Body)
	}
	if strings.Contains(rec.Header().Get("WWW-Authenticate"), "Basic") {
		t.Errorf("pages ask for basic auth: browsers would show their own prompt")
	}
	if rec := get(t, h, "GET", "/", http.Header{"Authorization": {"Bearer s3cret"}}); rec.Code != 200 {
		t.Errorf("a page with the bearer token = %d, want 200", rec.Code)
	}

	wrong := postForm(h, "/login", url.Values{"token": {"guess"}, "next": {"/"}}, nil)
	if wrong.Code != http.StatusUnauthorized || !strings.Contains(wrong.Body.String(), "That is not the token") || len(wrong.Result().Cookies()) != 0 {
		t.Errorf("wrong token = %d, cookies %v", wrong.Code, wrong.Result().Cookies())
	}

	ok := postForm(h, "/login", url.Values{"token": {"s3cret"}, "next": {"/watch/call-leak?page=1"}}, http.Header{"Origin": {"http://example.com"}})
	if ok.Code != http.StatusSeeOther || ok.Header().Get("Location") != "/watch/call-leak?page=1" {
		t.Fatalf("login = %d to %q, want 303 back to the page", ok.Code, ok.Header().Get("Location"))
	}
	cookies := ok.Result().Cookies()
	if len(cookies) != 1 {
		t.Fatalf("login set %d cookies", len(cookies))
	}
	c := cookies[0]
	if c.Name != "__Host-storywatch" || !c.Secure || !c.HttpOnly || c.SameSite != http.SameSiteStrictMode || c.Path != "/" || c.Domain != "" {
		t.Errorf("cookie = %+v, want __Host-, Secure, HttpOnly, SameSite=Strict, Path=/", c)
	}
	if strings.Contains(c.Value, "s3cret") {
		t.Errorf("the cookie holds the token: %q", c.Value)
	}
	withCookie := http.Header{"Cookie": {c.Name + "=" + c.Value}}
	page := get(t, h, "GET", "/", withCookie)
	if page.Code != 200 || !strings.Contains(page.Body.String(), `action="/logout"`) {
		t.Errorf("a page with the cookie = %d, want 200 with a log-out button", page.Code)
	}
	if rec := get(t, h, "GET", "/api/hits", withCookie); rec.Code != 200 {
		t.Errorf("the API with the cookie = %d, want 200", rec.Code)
	}

	s.Configure(Settings{Token: "new token", Watchlist: testWatchlist})
	if rec := get(t, h, "GET", "/", withCookie); rec.Code != http.StatusUnauthorized {
		t.Errorf("a cookie of the old token = %d, want 401", rec.Code)
	}

	out := postForm(h, "/logout", nil, withCookie)
	if out.Code != http.StatusSeeOther || len(out.Result().Cookies()) != 1 || out.Result().Cookies()[0].MaxAge >= 0 {
		t.Errorf("logout = %d, cookies %+v; want the cookie removed", out.Code, out.Result().Cookies())
	}
}

func TestLoginRefusesOtherSitesAndForeignRedirects(t *testing.T) {
	t.Parallel()
	_, h := newPageServer(t, samplePages(), "s3cret")
	cross := postForm(h, "/login", url.Values{"token": {"s3cret"}}, http.Header{"Origin": {"https://evil.example"}})
	if cross.Code != http.StatusForbidden || len(cross.Result().Cookies()) != 0 {
		t.Errorf("login from another site = %d, want 403 and no cookie", cross.Code)
	}
	for _, site := range []string{"cross-site", "same-site"} {
		fetch := postForm(h, "/login", url.Values{"token": {"s3cret"}}, http.Header{"Sec-Fetch-Site": {site}, "Origin": {"http://example.com"}})
		if fetch.Code != http.StatusForbidden {
			t.Errorf("login marked %s = %d, want 403", site, fetch.Code)
		}
	}
	hidden := postForm(h, "/login", url.Values{"token": {"s3cret"}}, http.Header{"Origin": {"null"}})
	if hidden.Code != http.StatusForbidden {
		t.Errorf("login from a hidden origin = %d, want 403", hidden.Code)
	}
	for _, next := range []string{"https://evil.example/", "//evil.example/", "/\\evil.example", "evil", ""} {
		rec := postForm(h, "/login", url.Values{"token": {"s3cret"}, "next": {next}}, nil)
		if loc := rec.Header().Get("Location"); rec.Code != http.StatusSeeOther || loc != "/" {
			t.Errorf("next=%q redirects to %q (%d), want /", next, loc, rec.Code)
		}
	}
	if rec := get(t, h, "POST", "/try", nil); rec.Code != http.StatusMethodNotAllowed {
		t.Errorf("POST /try = %d, want 405: only the login forms may be posted", rec.Code)
	}
	if rec := get(t, h, "GET", "/static/page.css", nil); rec.Code != 200 || !strings.HasPrefix(rec.Header().Get("Content-Type"), "text/css") {
		t.Errorf("the stylesheet = %d %q without a token, want 200 text/css", rec.Code, rec.Header().Get("Content-Type"))
	}
}

func TestLoginWithoutTokenGoesHome(t *testing.T) {
	t.Parallel()
	_, h := newPageServer(t, samplePages(), "")
	if rec := get(t, h, "GET", "/login?next=/try", nil); rec.Code != http.StatusSeeOther || rec.Header().Get("Location") != "/try" {
		t.Errorf("GET /login without a token = %d to %q", rec.Code, rec.Header().Get("Location"))
	}
}
