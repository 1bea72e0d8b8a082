// Package bench measures the poll pipeline: it serves generated feeds on a
// loopback server in a child process (ServeChild), runs full poll cycles
// through fetching, parsing, matching and storing into a fresh database,
// then a cycle where every feed answers 304, and times fetching, gofeed,
// Parse and matching alone on the same bytes for comparison. It can also
// record or compare how the items fell into stories, and measure the
// memory of a reload with a large watchlist. `storywatch bench` runs it;
// the figures and how to read them are in docs/benchmarks.md.
package bench
