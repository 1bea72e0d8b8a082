package web

import (
	"bytes"
	"embed"
	"html/template"
	"io/fs"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/storywatch/storywatch/match"
	"github.com/storywatch/storywatch/safe"
)

// The desk's pages are server-rendered with html/template, which escapes
// every value for its context: feed text is never marked safe (no
// template.HTML anywhere), snippets are split around their mark so that
// the <mark> element comes from the template, and links are rendered only
// for http and https URLs. The stylesheet is a file of its own so that the
// Content-Security-Policy can forbid every inline style and all scripts.

//go:embed templates/*.html static/page.css
var pageFS embed.FS

// pageNames are the pages; each is templates/NAME.html on top of
// templates/base.html.
var pageNames = []string{"index", "watch", "story", "try", "login", "error"}

// prototypes are the parsed pages, never executed: executing a template
// forbids cloning it, and every configuration clones them to bind the
// time zone dates are shown in.
var prototypes = func() map[string]*template.Template {
	out := map[string]*template.Template{}
	for _, name := range pageNames {
		t := template.New("base.html").Funcs(pageFuncs(time.UTC))
		out[name] = template.Must(t.ParseFS(pageFS, "templates/base.html", "templates/"+name+".html"))
	}
	return out
}()

// pageTemplates returns the pages with dates shown in loc.
func pageTemplates(loc *time.Location) map[string]*template.Template {
	out := make(map[string]*template.Template, len(prototypes))
	for name, p := range prototypes {
		// Clone fails only for an executed template; prototypes never are.
		out[name] = template.Must(p.Clone()).Funcs(pageFuncs(loc))
	}
	return out
}

func pageFuncs(loc *time.Location) template.FuncMap {
	return template.FuncMap{
		"date": func(t time.Time) string {
			if t.IsZero() {
				return "unknown"
			}
			return t.In(loc).Format("2006-01-02 15:04 MST")
		},
		"day":    func(t time.Time) string { return t.In(loc).Format("Jan 2") },
		"parts":  markParts,
		"terms":  matchTerms,
		"brief":  briefMatch,
		"join":   strings.Join,
		"plural": pluralWord,
	}
}

// parts is a snippet split around its marked match.
type parts struct {
	Before, Mark, After string
}

func markParts(m match.Match) parts {
	b, mk, a := m.Split()
	return parts{b, mk, a}
}

// matchTerms returns the distinct terms of ms, in order.
func matchTerms(ms []match.Match) []string {
	var out []string
	for _, m := range ms {
		if !slices.Contains(out, m.Term) {
			out = append(out, m.Term)
		}
	}
	return out
}

// briefMatch picks the match whose snippet a list shows: the first found
// outside the title (the title is shown anyway), else the first.
func briefMatch(ms []match.Match) []match.Match {
	for _, m := range ms {
		if m.Field != "title" {
			return []match.Match{m}
		}
	}
	if len(ms) > 0 {
		return ms[:1]
	}
	return nil
}

// httpURL returns s when it is an absolute http or https URL, else "":
// only those become links (no javascript:, data: or relative links from a
// feed, nor one with a control character), as everywhere (safe.Link).
func httpURL(s string) string { return safe.Link(s) }

// chrome is what every page shows around its content.
type chrome struct {
	Title string
	// Nav names the menu entry of the page: "watches" or "try".
	Nav string
	// Logout shows the log-out button: a token is set and the page was
	// reached with the session cookie.
	Logout bool
}

// pageHeaders are the headers of every page: no script runs, nothing is
// framed, links to outlets carry no referrer (a page's address can name a
// watch or hold a query). Same-origin requests keep theirs, so that the
// login form's Origin names this server.
func pageHeaders(h http.Header) {
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Content-Security-Policy", "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "same-origin")
	h.Set("X-Frame-Options", "DENY")
	h.Set("Cache-Control", "no-store")
}

// render executes page with v and writes it with status; a template error
// gives a plain 500, never half a page.
func (s *Server) render(w http.ResponseWriter, status int, page string, v any) {
	s.mu.RLock()
	t := s.templates[page]
	s.mu.RUnlock()
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, "base.html", v); err != nil {
		s.log.Error("render page", "page", page, "error", err)
		http.Error(w, "could not render the page", http.StatusInternalServerError)
		return
	}
	pageHeaders(w.Header())
	w.WriteHeader(status)
	if _, err := w.Write(buf.Bytes()); err != nil {
		s.log.Debug("write page", "page", page, "error", err)
	}
}

type errorView struct {
	chrome
	Status  int
	Message string
}

// renderError shows a page saying what went wrong.
func (s *Server) renderError(w http.ResponseWriter, r *http.Request, status int, msg string) {
	s.render(w, status, "error", errorView{chrome: s.chrome(r, http.StatusText(status), ""), Status: status, Message: msg})
}

// stylesheet serves the pages' CSS; it holds nothing secret, so the login
// page can use it before any token is given.
func stylesheet() http.Handler {
	css, err := fs.Sub(pageFS, "static")
	if err != nil {
		panic(err) // the embedded folder is there or the build failed
	}
	files := http.FileServerFS(css)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "max-age=3600")
		w.Header().Set("X-Content-Type-Options", "nosniff")
		r.URL.Path = "/page.css"
		files.ServeHTTP(w, r)
	})
}
