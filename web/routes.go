package web

import (
	"net/http"

	"github.com/storywatch/storywatch/match"
)

// pageRoutes adds the desk's pages to mux. Each page needs the token, as
// a bearer header or through the login form's session cookie; the login
// form and the stylesheet do not.
func (s *Server) pageRoutes(mux *http.ServeMux) {
	mux.Handle("GET /static/page.css", stylesheet())
	mux.HandleFunc("GET /login", s.loginPage)
	mux.HandleFunc("POST /login", s.login)
	mux.HandleFunc("POST /logout", s.logout)
	mux.Handle("GET /{$}", s.pageAuth(s.overview))
	mux.Handle("GET /watch/{id}", s.pageAuth(s.watchPage))
	mux.Handle("GET /story/{id}", s.pageAuth(s.storyPage))
	mux.Handle("GET /try", s.pageAuth(s.tryPage))
}

// chrome returns the frame of a page for r.
func (s *Server) chrome(r *http.Request, title, nav string) chrome {
	settings, _ := s.current()
	return chrome{Title: title, Nav: nav, Logout: settings.Token != "" && s.hasSession(r, settings.Token)}
}

// watchInfo describes a watch of the config to the pages.
type watchInfo struct {
	ID    string
	Title string
	// Kind is "storyline" or "actor".
	Kind string
	// Query is a storyline's query.
	Query string
}

// watchInfos lists the watches of wl as the pages show them: storylines
// first, then tracked actors, each in config order.
func watchInfos(wl match.Watchlist) []watchInfo {
	var out []watchInfo
	for _, sl := range wl.Storylines {
		out = append(out, watchInfo{ID: sl.ID, Title: orID(sl.Title, sl.ID), Kind: "storyline", Query: sl.Query})
	}
	for _, a := range wl.Actors {
		if a.Track {
			out = append(out, watchInfo{ID: a.ID, Title: orID(a.Name, a.ID), Kind: "actor"})
		}
	}
	return out
}

// findWatch returns the watch with id, and whether the config has it.
func findWatch(wl match.Watchlist, id string) (watchInfo, bool) {
	for _, w := range watchInfos(wl) {
		if w.ID == id {
			return w, true
		}
	}
	return watchInfo{ID: id, Title: id}, false
}

func orID(title, id string) string {
	if title == "" {
		return id
	}
	return title
}
