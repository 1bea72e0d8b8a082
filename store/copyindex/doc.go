// Package copyindex is the store's in-memory index of the copies inside the
// story window: for a new copy it finds the stored copies with the same
// canonical URL, the same normalized title or a SimHash within a few bits,
// without a B-tree lookup per key (docs/architecture.md, "Stories").
//
// The index holds fixed-size records of plain integers in memory outside
// the Go heap (an anonymous mapping where the platform has one), so the
// garbage collector neither scans it nor counts it towards its heap goal:
// a million copies cost about 110 MB of resident memory, once. Titles and
// URLs are found through chains of records; SimHashes through per-band
// chains of 64-byte blocks of (print, record) pairs (bands.go), so that a
// text lookup reads a few contiguous cache lines per band. It is
// rebuilt from the database when the store opens and is not safe for
// concurrent use: the store touches it only while it holds its write lock.
package copyindex
