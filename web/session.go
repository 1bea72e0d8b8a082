package web

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// The pages are for people with a browser, who cannot send a bearer
// header: with a token set, they log in once through a form that sets a
// session cookie. The cookie never holds the token: its value is an
// expiry time and an HMAC-SHA256 of it keyed by the token, so it proves
// knowledge of the token without revealing it, ends by itself, and every
// session ends when the token changes. It is Secure, HttpOnly and
// SameSite=Strict, and carries the __Host- prefix (no Domain, Path /),
// so other sites can neither read nor send it.

const (
	sessionCookie = "__Host-storywatch"
	sessionTTL    = 30 * 24 * time.Hour
	// maxLoginForm bounds the body of a login request.
	maxLoginForm = 8 << 10
)

// sessionMAC returns the MAC of a session ending at expires (Unix
// seconds, as written in the cookie).
func sessionMAC(token, expires string) []byte {
	m := hmac.New(sha256.New, []byte(token))
	m.Write([]byte("storywatch session\x00" + expires))
	return m.Sum(nil)
}

// sessionValue returns the cookie value of a session ending at expires.
func sessionValue(token string, expires time.Time) string {
	exp := strconv.FormatInt(expires.Unix(), 10)
	return exp + "." + base64.RawURLEncoding.EncodeToString(sessionMAC(token, exp))
}

// sessionOK reports whether value is a session for token that has not
// ended at now. The MAC is compared in constant time.
func sessionOK(value, token string, now time.Time) bool {
	exp, sig, ok := strings.Cut(value, ".")
	if !ok || token == "" {
		return false
	}
	n, err := strconv.ParseInt(exp, 10, 64)
	if err != nil || now.Unix() >= n {
		return false
	}
	got, err := base64.RawURLEncoding.DecodeString(sig)
	if err != nil {
		return false
	}
	return hmac.Equal(got, sessionMAC(token, exp))
}

// hasSession reports whether r carries a valid session cookie for token.
func (s *Server) hasSession(r *http.Request, token string) bool {
	c, err := r.Cookie(sessionCookie)
	return err == nil && sessionOK(c.Value, token, s.now())
}

// authorized reports whether r may read the data: no token is set, or r
// gives it as a bearer token or basic-auth password, or r carries a
// session cookie.
func (s *Server) authorized(r *http.Request) bool {
	settings, _ := s.current()
	return settings.Token == "" || tokenOK(r, settings.Token) || s.hasSession(r, settings.Token)
}

// pageAuth guards a page: without authorization it answers 401 with the
// login form, which brings the reader back to the page.
func (s *Server) pageAuth(next http.HandlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if s.authorized(r) {
			next(w, r)
			return
		}
		w.Header().Set("WWW-Authenticate", `Bearer realm="storywatch"`)
		s.render(w, http.StatusUnauthorized, "login", loginView{chrome: chrome{Title: "Log in"}, Next: r.URL.RequestURI()})
	})
}

type loginView struct {
	chrome
	Next  string
	Wrong bool
}

// loginPage shows the login form; without a token there is nothing to log
// in to.
func (s *Server) loginPage(w http.ResponseWriter, r *http.Request) {
	settings, _ := s.current()
	next := localPath(r.URL.Query().Get("next"))
	if settings.Token == "" || s.hasSession(r, settings.Token) {
		http.Redirect(w, r, next, http.StatusSeeOther)
		return
	}
	s.render(w, http.StatusOK, "login", loginView{chrome: chrome{Title: "Log in"}, Next: next})
}

// login checks the token given in the form and sets the session cookie.
func (s *Server) login(w http.ResponseWriter, r *http.Request) {
	if !sameOrigin(r) {
		s.renderError(w, r, http.StatusForbidden, "The login form was sent from another site.")
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, maxLoginForm)
	if err := r.ParseForm(); err != nil {
		s.renderError(w, r, http.StatusBadRequest, "The login form could not be read.")
		return
	}
	settings, _ := s.current()
	next := localPath(r.PostForm.Get("next"))
	if settings.Token == "" {
		http.Redirect(w, r, next, http.StatusSeeOther)
		return
	}
	if !tokenEqual(r.PostForm.Get("token"), settings.Token) {
		s.log.Info("page login refused: wrong token")
		s.render(w, http.StatusUnauthorized, "login", loginView{chrome: chrome{Title: "Log in"}, Next: next, Wrong: true})
		return
	}
	expires := s.now().Add(sessionTTL)
	http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: sessionValue(settings.Token, expires), Path: "/",
		Expires: expires, MaxAge: int(sessionTTL / time.Second), Secure: true, HttpOnly: true, SameSite: http.SameSiteStrictMode})
	http.Redirect(w, r, next, http.StatusSeeOther)
}

// logout removes the session cookie from the browser.
func (s *Server) logout(w http.ResponseWriter, r *http.Request) {
	if !sameOrigin(r) {
		s.renderError(w, r, http.StatusForbidden, "The log-out form was sent from another site.")
		return
	}
	http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: "", Path: "/", MaxAge: -1,
		Secure: true, HttpOnly: true, SameSite: http.SameSiteStrictMode})
	http.Redirect(w, r, "/login", http.StatusSeeOther)
}

// sameOrigin reports whether a form was posted from the server's own
// pages. Browsers say where a request comes from in Sec-Fetch-Site; older
// ones only in Origin, which names the posting site ("null" when it is
// hidden). A client that sends neither is no browser a page could misuse.
func sameOrigin(r *http.Request) bool {
	switch r.Header.Get("Sec-Fetch-Site") {
	case "same-origin", "none":
		return true
	case "":
	default:
		return false
	}
	origin := r.Header.Get("Origin")
	if origin == "" {
		return true
	}
	u, err := url.Parse(origin)
	return err == nil && u.Host == r.Host
}

// localPath keeps a redirect target on this server: a path, not a URL
// and not a scheme-relative "//host".
func localPath(p string) string {
	if !strings.HasPrefix(p, "/") || strings.HasPrefix(p, "//") || strings.HasPrefix(p, "/\\") || strings.ContainsAny(p, "\r\n") {
		return "/"
	}
	return p
}
