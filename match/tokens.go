package match

// MatchField is Match, and also hands fn the normalized tokens of field f
// of d, joined by single spaces as AppendNormalized writes them, with
// their count: the bytes Match searched, so that a caller who needs them
// too (the story fingerprint) does not normalize the text again. fn runs
// before MatchField returns and must not keep normalized. ok is false
// when the matcher left the field out because no watch reads it; the
// caller then normalizes the text itself.
func (m *Matcher) MatchField(d Document, f Field, fn func(normalized []byte, tokens int, ok bool)) []Hit {
	if m.words == nil && len(m.always) == 0 {
		fn(nil, 0, false)
		return nil
	}
	sc := m.pool.get()
	defer m.pool.put(sc)
	hits := m.match(sc, &d)
	if f < FieldTitle || f > FieldURL || sc.fieldSpans[f].end < 0 {
		fn(nil, 0, false)
		return hits
	}
	sp := sc.fieldSpans[f]
	fn(sc.hay[sp.start:sp.end], int(sp.tokens), true)
	return hits
}
