package story

// The clustering decision, given what a store has looked up: Linked
// (copy.go), Place and Components (place.go) and the lead order (lead.go).
// The lookups need indexes and a transaction; the decisions need neither.

// SameReport reports whether two fingerprints are the same report: the
// same normalized title, or near-identical text (the keys of Linked but
// the link). Items too short to fingerprint are never the same by this
// rule.
func SameReport(a, b Fingerprint) bool {
	if a.Title != 0 && a.Title == b.Title {
		return true
	}
	return Near(a, b)
}
