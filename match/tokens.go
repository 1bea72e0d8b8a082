package match

// Normalized is what the matcher made of one field of a document: its
// normalized tokens joined by single spaces, as AppendNormalized writes
// them, and their count. OK is false when the matcher left the field out
// because no watch reads it; Text and Tokens are then empty and the
// caller normalizes the text itself.
type Normalized struct {
	Text   []byte
	Tokens int
	OK     bool
}

// MatchField is Match, and also hands fn the normalized tokens of the
// title and of field f of d: the bytes Match searched, so that a caller
// who needs them too (the story fingerprint) does not normalize the text
// again. fn runs before MatchField returns and must not keep the bytes.
func (m *Matcher) MatchField(d Document, f Field, fn func(title, field Normalized)) []Hit {
	if m.words == nil && len(m.always) == 0 {
		fn(Normalized{}, Normalized{})
		return nil
	}
	sc := m.pool.get()
	defer m.pool.put(sc)
	hits := m.match(sc, &d)
	fn(sc.normalized(FieldTitle), sc.normalized(f))
	return hits
}

// normalized returns field f of the haystack just built.
func (sc *scratch) normalized(f Field) Normalized {
	if f < FieldTitle || f > FieldURL || sc.fieldSpans[f].end < 0 {
		return Normalized{}
	}
	sp := sc.fieldSpans[f]
	return Normalized{Text: sc.hay[sp.start:sp.end], Tokens: int(sp.tokens), OK: true}
}
