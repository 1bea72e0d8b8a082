// Package web serves the daemon's read-only HTTP endpoints (README.md, "HTTP endpoints"):
// /healthz and /readyz for orchestrators, /metrics for Prometheus, and the
// hits as an Atom feed (/hits.atom) and as JSON (/api/hits). It declares
// the small interface it needs from storage; the store implements it, and
// cmd/storywatch wires them together.
package web
