// Package bench measures the poll pipeline: it serves generated feeds on a
// loopback server, runs full poll cycles through fetching, parsing,
// matching and storing into a fresh database, then a cycle where every
// feed answers 304, and times fetching, gofeed, Parse and matching alone
// on the same bytes for comparison. `storywatch bench` runs it; the
// figures and how to read them are in docs/benchmarks.md.
package bench
