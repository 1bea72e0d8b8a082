// Package match decides which watches (tracked actors and storylines) a news
// item is about.
//
// Text is normalized (NFKD, combining marks removed, case folded, Cyrillic
// transliterated) and split into tokens; a watchlist is compiled once into a
// Matcher that finds every alias and query term in one pass over an item's
// tokens, a hash-table look-up per token, and then evaluates only the
// watches that have a candidate.
package match
