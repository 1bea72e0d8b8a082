package match

// vocc is a word of text that matches a word of an alias with variants.
type vocc struct {
	word int32
	tok  int32 // index into scratch.toks
	kind uint8 // variantInflection when an ending was added
}

// keyToken looks the word of text at token k (orig as written, norm
// normalized) up in the variant table and records the alias words of which
// it is a variant. A word that is no variant of any (the frequent case,
// and a name written as in the alias) is remembered as a miss.
func (sc *scratch) keyToken(vt *variantTable, k int, orig string, norm []byte, cyr bool) {
	if len(orig) < 3 || sc.knownMiss(orig) {
		return
	}
	key, nonLatin := appendKey(sc.key[:0], orig)
	sc.key = key
	if len(key) < 4 {
		sc.rememberMiss(orig)
		return
	}
	sc.coarse = coarseKey(sc.coarse[:0], key)
	if !vt.mayStart(sc.coarse) {
		sc.rememberMiss(orig)
		return
	}
	found := false
	sc.hashes = prefixHashes(sc.coarse, sc.hashes[:0])
	for n := len(key); n >= 4; n-- {
		if !vt.isStem(sc.hashes[n-1]) {
			continue
		}
		for _, r := range vt.stems[string(sc.coarse[:n])] {
			w := &vt.words[r.word]
			if !w.spell[r.spell].matches(key[:n], nonLatin) {
				continue
			}
			kind, ok := w.endings.keys[string(key[n:])]
			if !ok {
				continue
			}
			kind |= spelledOtherwise(w, norm, orig, cyr, kind != 0)
			if kind != 0 {
				sc.vocc = append(sc.vocc, vocc{word: r.word, tok: int32(k), kind: kind})
				found = true
			}
		}
	}
	if !found {
		sc.rememberMiss(orig)
	}
}

// missCache remembers words of text that match no alias word, so that the
// frequent words of a language are keyed once per scratch, not once per
// item. It is direct-mapped and holds words of up to 15 bytes.
type missCache [4096]struct {
	n    uint8
	word [15]byte
}

// missSlot hashes the length and the first and last two bytes of a word
// (of at least 3 bytes): cheap, and spread enough for a cache.
func missSlot(word string) uint32 {
	n := len(word)
	h := uint32(word[0]) | uint32(word[1])<<8 | uint32(word[n-1])<<16 | uint32(word[n-2])<<24
	h ^= uint32(n) * 0x9E3779B1
	h *= 0x85EBCA6B
	return h >> (32 - 12)
}

func (sc *scratch) knownMiss(word string) bool {
	if len(word) > 15 {
		return false
	}
	e := &sc.misses[missSlot(word)]
	return int(e.n) == len(word) && string(e.word[:e.n]) == word
}

func (sc *scratch) rememberMiss(word string) {
	if len(word) > 15 {
		return
	}
	e := &sc.misses[missSlot(word)]
	e.n = uint8(copy(e.word[:], word))
}

// matchWord reports whether a word of text (its key) is a form of word w,
// and how.
func matchWord(w *wordVariant, key []byte, nonLatin bool) (kind uint8, ok bool) {
	for i := range w.spell {
		s := &w.spell[i]
		n := len(s.key)
		if len(key) < n || !s.matches(key[:n], nonLatin) {
			continue
		}
		if kind, ok := w.endings.keys[string(key[n:])]; ok {
			return kind, true
		}
	}
	return 0, false
}

// findVariants turns the alias words found in text into occurrences of the
// aliases they belong to, word by word in a row, each with the kind of
// variant that matched (spelling, inflection, region). Only a variant
// word starts the search: an alias written as in the text is its own
// atom's.
func (m *Matcher) findVariants(sc *scratch, d *Document) {
	vt := m.vt
	for _, v := range sc.vocc {
		for _, wp := range vt.byWord[v.word] {
			ph := &vt.phrases[wp.phrase]
			first := int(v.tok) - int(wp.at)
			last := first + len(ph.words) - 1
			if first < 0 || last >= len(sc.toks) {
				continue
			}
			t0, tn := sc.toks[first], sc.toks[last]
			if t0.alt || tn.alt || t0.field != sc.toks[v.tok].field || tn.field != t0.field {
				continue
			}
			kind, ok := m.phraseKind(sc, d, ph, first)
			if !ok {
				continue
			}
			if ph.region {
				kind |= variantRegion
			}
			if h := sc.occurrences(ph.atom); h >= 0 && sc.occs[h].field == t0.field && sc.occs[h].pos == t0.pos {
				continue // found already through another of its words
			}
			sc.addOcc(m, ph.atom, occ{field: t0.field, pos: t0.pos, end: t0.pos + int32(len(ph.words)),
				start: t0.start, stop: tn.end, variant: kind, next: -1})
		}
	}
}

// phraseKind checks that the words of phrase ph are at tokens first… and
// returns how they differ from the alias as written.
func (m *Matcher) phraseKind(sc *scratch, d *Document, ph *vphrase, first int) (uint8, bool) {
	vt := m.vt
	text := fieldText(d, sc.toks[first].field)
	kind := uint8(0)
	for j, w := range ph.words {
		tok := first + j
		t := sc.toks[tok]
		wv := &vt.words[w]
		orig := text[t.start:t.end]
		if wv.short {
			key, _ := appendKey(sc.key[:0], orig)
			sc.key = key
			if string(key) != wv.key {
				return 0, false
			}
			continue
		}
		found := false
		for _, v := range sc.vocc {
			if int(v.tok) == tok && v.word == w {
				kind |= v.kind
				found = true
				break
			}
		}
		if !found && spelledOtherwise(wv, sc.normToken(tok), orig, t.cyr, false) != 0 {
			return 0, false
		}
	}
	return kind, true
}

// spelledOtherwise returns variantSpelling when a word of text (norm is
// its normalized form, orig as written) differs from the alias word (or,
// when inflected, from its stem) by more than case, diacritics and
// transliteration.
func spelledOtherwise(w *wordVariant, norm []byte, orig string, cyr, inflected bool) uint8 {
	if plainMatch(w, norm, inflected) {
		return 0
	}
	if cyr {
		fold := restoreMarks(nil, norm, orig)
		for _, second := range []bool{false, true} {
			if plainMatch(w, appendTranslit(nil, fold, second), inflected) {
				return 0
			}
		}
	}
	return variantSpelling
}

func plainMatch(w *wordVariant, form []byte, inflected bool) bool {
	if inflected {
		for _, s := range w.plainStem {
			if s != "" && len(form) >= len(s) && string(form[:len(s)]) == s {
				return true
			}
		}
		return false
	}
	for _, p := range w.plain {
		if string(form) == p {
			return true
		}
	}
	return false
}

// normToken returns the normalized text of token k from the haystack.
func (sc *scratch) normToken(k int) []byte {
	start := sc.tokStart[k]
	end := start
	for end < int32(len(sc.hay)) && sc.hay[end] != ' ' && sc.hay[end] != '\n' {
		end++
	}
	return sc.hay[start:end]
}
