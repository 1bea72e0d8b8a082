// Package web serves the daemon's read-only HTTP endpoints (README.md,
// "HTTP endpoints"): /healthz and /readyz for orchestrators, /metrics for
// Prometheus, the hits as an Atom feed (/hits.atom) and as JSON
// (/api/hits), and the desk's pages (/, /watch/{id}, /story/{id}, /try;
// docs/page.md). It declares the small interfaces it needs from storage
// (Store, PageStore); the store implements them, and cmd/storywatch wires
// them together.
package web
