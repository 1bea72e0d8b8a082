package match

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// capitalized reports whether a word of text begins with a capital letter.
// Only such words can be name variants: names are written so in every
// script that has case, and the lower-case words of running text (most of
// it) cost nothing and cannot be mistaken for a name's variant.
func capitalized(word string) bool {
	c := word[0]
	if c < utf8.RuneSelf {
		return 'A' <= c && c <= 'Z'
	}
	if len(word) > 1 && word[1]&0xC0 == 0x80 { // a two-byte Cyrillic letter, decoded in place
		switch c {
		case 0xD0:
			return word[1] < 0xB0 // U+0400 to U+042F, upper case
		case 0xD1:
			if word[1] < 0xA0 {
				return false // U+0440 to U+045F, lower case
			}
		}
	}
	r, _ := utf8.DecodeRuneInString(word)
	switch {
	case r >= 0x430 && r <= 0x45F: // Cyrillic lower case, the common case
		return false
	case r >= 0x400 && r <= 0x42F:
		return true
	}
	return unicode.IsUpper(r) || unicode.IsTitle(r)
}

// vocc is a word of text that matches a word of an alias with variants.
type vocc struct {
	word int32
	tok  int32 // index into scratch.toks
	kind uint8 // variantInflection when an ending was added
}

// keyToken looks the word of text at token k (orig as written, norm
// normalized) up in the variant table and records the alias words of which
// it is a variant. What a word matches is remembered (most words match
// nothing; a name written as in the alias is no variant either).
func (sc *scratch) keyToken(vt *variantTable, k int, orig string, norm []byte, cyr bool) {
	if len(orig) < 3 {
		return
	}
	c := sc.words
	e := c.lookup(orig)
	if e != nil && e.n != 0 {
		for _, r := range c.results[e.off : e.off+uint32(e.cnt)] {
			sc.vocc = append(sc.vocc, vocc{word: r.word, tok: int32(k), kind: r.kind})
		}
		return
	}
	first := len(sc.vocc)
	sc.lookupToken(vt, k, orig, norm, cyr)
	if e != nil {
		c.remember(e, orig, sc.vocc[first:])
	}
}

func (sc *scratch) lookupToken(vt *variantTable, k int, orig string, norm []byte, cyr bool) {
	key, nonLatin := appendKey(sc.key[:0], orig)
	sc.key = key
	if len(key) < 4 {
		return
	}
	sc.coarse = coarseKey(sc.coarse[:0], key)
	if !vt.mayStart(sc.coarse) {
		return
	}
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
			}
		}
	}
}

// wordCache remembers what the words of text matched, so that the
// frequent words of a language (and the names that recur in the news) are
// looked up once per scratch, not once per item. It is direct-mapped and
// holds words of up to 14 bytes; the alias words they match are kept in
// results, which is emptied with the whole cache when it is full.
type wordCache struct {
	entries [8192]wordEntry
	results []wordResult
}

type wordEntry struct {
	n    uint8 // length of word; 0 when empty
	cnt  uint8 // results
	word [14]byte
	off  uint32 // first result
}

type wordResult struct {
	word int32
	kind uint8
}

// maxResults bounds the memory of a wordCache's results.
const maxResults = 1 << 14

// lookup returns the entry for word, empty (n == 0) when it has to be
// looked up and filled, or nil when the word cannot be cached.
func (c *wordCache) lookup(word string) *wordEntry {
	if len(word) > 14 {
		return nil
	}
	n := len(word)
	h := uint32(2166136261)
	for i := 0; i < n; i++ {
		h = (h ^ uint32(word[i])) * 16777619
	}
	e := &c.entries[(h^h>>16)%uint32(len(c.entries))]
	if int(e.n) != n || string(e.word[:n]) != word {
		e.n = 0 // another word's: recompute
	}
	return e
}

func (c *wordCache) remember(e *wordEntry, word string, found []vocc) {
	if len(found) > 255 {
		return
	}
	if len(c.results)+len(found) > maxResults {
		clear(c.entries[:])
		c.results = c.results[:0]
	}
	e.n = uint8(copy(e.word[:], word))
	e.cnt = uint8(len(found))
	e.off = uint32(len(c.results))
	for _, v := range found {
		c.results = append(c.results, wordResult{word: v.word, kind: v.kind})
	}
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
	forms := w.plain
	if inflected {
		forms = w.plainStem
	}
	for forms != "" {
		var p string
		p, forms, _ = strings.Cut(forms, "\x00")
		switch {
		case p == "":
		case inflected && len(form) >= len(p) && string(form[:len(p)]) == p:
			return true
		case !inflected && string(form) == p:
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
