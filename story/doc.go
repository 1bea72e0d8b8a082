// Package story decides which feed entries are copies of one report. It
// computes each entry's Fingerprint (a hash of the normalized title and a
// SimHash of the text, split into bands a store can index) and holds the
// clustering decision as pure functions: when two copies are Linked,
// which story a new copy joins and which it merges (Place), and which copy
// leads a story (Rank). The store runs the lookups inside the transaction
// that saves the entries and calls them; docs/stories.md states the rules.
//
// The partition of copies into stories is the connected components of the
// graph whose edges are Linked pairs. Place keeps a stored partition equal
// to it as copies arrive one by one in any order, provided it is handed
// every stored copy Linked to the new one (one per story and key is
// enough); Components computes it from scratch, as the reference.
package story
