// Package story decides which items are copies of one report. It computes
// each item's Fingerprint (a hash of the normalized title and a SimHash of
// the text, split into bands a store can index) and holds the clustering
// decision as pure functions (SameReport, Nearest); the store runs the
// lookups inside the transaction that saves the items and calls them.
// docs/architecture.md describes where clustering sits in the flow.
package story
