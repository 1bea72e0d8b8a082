package web

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
)

// WebSub answers the WebSub hubs that push feeds to /websub/{feed}
// (docs/config.md, "WebSub"). The route takes no bearer token: a hub has
// none, and every push is checked against its subscription's secret.
type WebSub interface {
	// Verify answers a hub's verification of intent (a GET with hub.mode,
	// hub.topic, hub.challenge): 200 with the challenge to accept it, 404
	// to refuse it.
	Verify(ctx context.Context, feed string, query url.Values) (status int, body string)
	// Push takes the body a hub pushed with its X-Hub-Signature and says
	// how to answer: 2xx once taken, 403 for a wrong signature, 404 for a
	// feed with no subscription, 413 for a body too large.
	Push(ctx context.Context, feed, contentType, signature string, body io.Reader) (status int, msg string)
}

// websub serves /websub/{feed}: GET for intents, POST for pushes.
func (s *Server) websub(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	feed := r.PathValue("feed")
	switch r.Method {
	case http.MethodGet:
		status, body := s.hub.Verify(r.Context(), feed, r.URL.Query())
		w.WriteHeader(status)
		io.WriteString(w, body)
	case http.MethodPost:
		status, msg := s.hub.Push(r.Context(), feed, r.Header.Get("Content-Type"), r.Header.Get("X-Hub-Signature"), r.Body)
		w.WriteHeader(status)
		fmt.Fprintln(w, msg)
	default:
		w.Header().Set("Allow", "GET, POST")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
	}
}
