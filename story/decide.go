package story

// The clustering decision, given what a store has looked up. A store asks
// in this order and stops at the first answer: another entry of the same
// page (canonical URL) in the window, an item of the window with the same
// normalized title, then the item with the nearest text (Nearest). The
// lookups need indexes and a transaction; the decisions below need neither.

// SameReport reports whether two fingerprints are the same report: the
// same normalized title, or near-identical text. Items too short to
// fingerprint are never the same by this rule.
func SameReport(a, b Fingerprint) bool {
	if a.Title != 0 && a.Title == b.Title {
		return true
	}
	return Near(a, b)
}

// Candidate is an item of the window that shares a band with a new item:
// the story it belongs to and the SimHash of its text.
type Candidate struct {
	Story int64
	Text  uint64
}

// Nearest returns the story of the candidate whose text is nearest to fp's,
// within MaxDistance bits; of candidates at the same distance, the oldest
// story (the lowest id) wins, so that the choice does not depend on the
// order the candidates were read in. It returns 0 when fp has no text or no
// candidate is near enough.
func Nearest(fp Fingerprint, cands []Candidate) int64 {
	if !fp.HasText {
		return 0
	}
	var best int64
	bestDist := MaxDistance + 1
	for _, c := range cands {
		d := Distance(c.Text, fp.Text)
		if d < bestDist || (d == bestDist && c.Story < best) {
			best, bestDist = c.Story, d
		}
	}
	return best
}
