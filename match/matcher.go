package match

import (
	"slices"
)

// tokInfo locates one token of the haystack.
type tokInfo struct {
	field      Field
	alt        bool  // in a transliterated segment
	cyr        bool  // transliteration differs from the token
	copy       uint8 // 0 in the field's own tokens, 1 or 2 in its transliterated copies
	pos        int32
	start, end int32 // byte range in the original field text
}

// occ is one occurrence of an atom; occurrences of an atom form a list
// through next (-1 ends it).
type occ struct {
	field       Field
	alt         bool  // found through transliteration
	pos, end    int32 // token positions [pos, end) in the field
	start, stop int32 // byte range in the original field text
	next        int32
	variant     uint8 // found as a name variant: variantSpelling | …
}

// contrib is one piece of evidence collected while evaluating a watch.
type contrib struct {
	unit  int32
	label string
	occ   int32
}

// scratch is the per-call working memory, pooled so that matching an item
// allocates little more than its hits.
type scratch struct {
	hay      []byte
	toks     []tokInfo
	tokStart []int32 // haystack offset of each token's first byte
	// tokWords[tokWordIdx[k]:tokWordIdx[k+1]] are the ids of the words of
	// the word index that token k is.
	tokWords   []int32
	tokWordIdx []int32
	occs       []occ
	atomHead   []int32
	atomSeen   []uint32
	watchSeen  []uint32
	cands      []int32
	epoch      uint32
	contribs   []contrib
	fold       []byte   // a token with й and ї restored, for transliteration
	marked     []bool   // per token of a field: its text has a letter to restore
	tokHash    []uint32 // per token of a field: fnvHash of its normalized bytes
	lat        []byte   // its transliteration
	translits  *translitCache
	second     []secondForm // per token of a field: its second form
	snippets   []snippetMemo
	snip       []byte // the snippet being cut
	secondIDs  []int32
	key        []byte // a token's spelling key
	coarse     []byte // its coarse key
	hashes     []uint32
	vocc       []vocc // words of aliases with variants found in the text
	words      *wordCache
	// fieldSpans holds each field's normalized tokens in hay, as [start, end)
	// and a count; end < 0 for a field the haystack left out.
	fieldSpans [FieldURL + 1]fieldSpan
}

type fieldSpan struct{ start, end, tokens int32 }

func newScratch(atoms, watches int) *scratch {
	return &scratch{
		words:     new(wordCache),
		translits: new(translitCache),
		atomHead:  make([]int32, atoms),
		atomSeen:  make([]uint32, atoms),
		watchSeen: make([]uint32, watches),
	}
}

func fieldText(d *Document, f Field) string {
	switch f {
	case FieldTitle:
		return d.Title
	case FieldSummary:
		return d.Summary
	case FieldContent:
		return d.Content
	case FieldAuthor:
		return d.Author
	case FieldCategory:
		return d.Category
	case FieldURL:
		return d.URL
	}
	return ""
}

// Match returns the hits of d, one per satisfied watch, in watchlist order.
func (m *Matcher) Match(d Document) []Hit {
	if m.words == nil && len(m.always) == 0 {
		return nil
	}
	sc := m.pool.get()
	defer m.pool.put(sc)
	return m.match(sc, &d)
}

// match finds the hits of d with the working memory sc.
func (m *Matcher) match(sc *scratch, d *Document) []Hit {
	sc.epoch++
	if sc.epoch == 0 { // wrapped: forget every stamp
		clear(sc.atomSeen)
		clear(sc.watchSeen)
		sc.epoch = 1
	}
	sc.buildHaystack(d, m.fields, m.words, m.vt)
	m.findAtoms(sc)
	if m.vt != nil && len(sc.vocc) > 0 {
		m.findVariants(sc, d)
	}
	if len(sc.cands) == 0 {
		return nil
	}
	slices.Sort(sc.cands)
	var hits []Hit
	for _, w := range sc.cands {
		sc.contribs = sc.contribs[:0]
		if !sc.eval(m.exprs[w]) {
			continue
		}
		hits = append(hits, m.hit(sc, d, w))
	}
	clear(sc.snippets) // the pool keeps no item's text alive
	sc.snippets = sc.snippets[:0]
	return hits
}

// buildHaystack writes the normalized tokens of each field as
// " tok tok … tok " followed by "\n" and looks each token up in the word
// index; a field with Cyrillic tokens gets a second, transliterated copy of
// its tokens with the same positions, and a third when a token ending in й
// has a second spelling (Юрий: yury, yuri). The copies are tokens and word
// ids only: their text is looked up, never kept.
func (sc *scratch) buildHaystack(d *Document, fields fieldMask, ix *wordIndex, vt *variantTable) {
	sc.hay = sc.hay[:0]
	sc.toks = sc.toks[:0]
	sc.tokStart = sc.tokStart[:0]
	sc.tokWords = sc.tokWords[:0]
	sc.tokWordIdx = append(sc.tokWordIdx[:0], 0)
	sc.vocc = sc.vocc[:0]
	for f := FieldTitle; f <= FieldURL; f++ {
		sc.fieldSpans[f] = fieldSpan{end: -1}
		if fields&(1<<f) == 0 {
			continue
		}
		text := fieldText(d, f)
		if text == "" {
			sc.fieldSpans[f] = fieldSpan{}
			continue
		}
		first := len(sc.toks)
		var pos int32
		cyr := false
		sc.marked = sc.marked[:0]
		sc.tokHash = sc.tokHash[:0]
		keyed := vt != nil && vt.fields&(1<<f) != 0
		sc.hay = append(sc.hay, ' ')
		fieldStart := int32(len(sc.hay))
		for tz := newTokenizer(text); ; {
			at := len(sc.hay)
			hay, start, end, flags, ok := tz.next(sc.hay)
			sc.hay = hay
			if !ok {
				break
			}
			tok := hay[at:]
			c := flags&tokWide != 0 && hasCyrillic(tok)
			sc.marked = append(sc.marked, flags&tokMarked != 0)
			cyr = cyr || c
			// An ASCII token is capitalized when its first letter is:
			// capitalized is called only for the others.
			if c0 := text[start]; keyed && (c0 >= 0x80 || 'A' <= c0 && c0 <= 'Z') && capitalized(text[start:end]) {
				sc.keyToken(vt, len(sc.toks), text[start:end], tok, c)
			}
			sc.tokStart = append(sc.tokStart, int32(at))
			sc.toks = append(sc.toks, tokInfo{field: f, cyr: c, pos: pos, start: int32(start), end: int32(end)})
			sc.hay = append(sc.hay, ' ')
			sc.tokHash = append(sc.tokHash, sc.addWords(ix, tok))
			pos++
		}
		sp := fieldSpan{start: fieldStart, end: fieldStart, tokens: pos}
		if pos > 0 {
			sp.end = int32(len(sc.hay)) - 1 // without the last token's space
		}
		sc.fieldSpans[f] = sp
		sc.hay = append(sc.hay, '\n')
		if !cyr {
			continue
		}
		if ix == nil {
			continue // nothing to find in a transliteration
		}
		last := len(sc.toks)
		sc.translitCopies(ix, text, sp.end, first, last)
	}
}

// addWords records the ids of the words that the token just appended is
// and returns the token's hash (0 without a word index, which has no
// transliterated copies to look up).
func (sc *scratch) addWords(ix *wordIndex, tok []byte) uint32 {
	var h uint32
	if ix != nil {
		sc.tokWords, h = ix.appendIDs(sc.tokWords, tok)
	}
	sc.tokWordIdx = append(sc.tokWordIdx, int32(len(sc.tokWords)))
	return h
}

// findAtoms looks every token up in the word index, records every
// occurrence of every atom and collects the candidate watches.
func (m *Matcher) findAtoms(sc *scratch) {
	sc.occs = sc.occs[:0]
	sc.cands = sc.cands[:0]
	for _, w := range m.always {
		sc.watchSeen[w] = sc.epoch
		sc.cands = append(sc.cands, w)
	}
	if m.words == nil {
		return
	}
	for k := range sc.toks {
		for _, id := range sc.tokWords[sc.tokWordIdx[k]:sc.tokWordIdx[k+1]] {
			if node := m.words.words[id].root; node >= 0 {
				m.follow(sc, k, k, node, sc.toks[k].cyr)
			}
		}
	}
}

// follow records the atom that ends at trie node node, reached through
// tokens first…k, and goes on with the next token of the same segment.
// cyr says whether one of the tokens needed transliteration: in a
// transliterated segment, which repeats the field's Latin tokens, only
// such matches count.
func (m *Matcher) follow(sc *scratch, first, k int, node int32, cyr bool) {
	ix := m.words
	nd := ix.nodes[node]
	t0 := &sc.toks[first]
	if nd.atom >= 0 && (!t0.alt || cyr) {
		sc.addOcc(m, nd.atom, occ{field: t0.field, alt: t0.alt, pos: t0.pos, end: sc.toks[k].pos + 1,
			start: t0.start, stop: sc.toks[k].end, next: -1})
	}
	if !nd.kids || k+1 >= len(sc.toks) {
		return
	}
	t, next := &sc.toks[k], &sc.toks[k+1]
	if next.field != t.field || next.copy != t.copy || next.pos != t.pos+1 {
		return // the segment ends at k
	}
	for _, id := range sc.tokWords[sc.tokWordIdx[k+1]:sc.tokWordIdx[k+2]] {
		if c := ix.child(node, id); c >= 0 {
			m.follow(sc, first, k+1, c, cyr || next.cyr)
		}
	}
}

// addOcc records an occurrence of atom a and, at its first, makes its
// watches candidates.
func (sc *scratch) addOcc(m *Matcher, a int32, o occ) {
	if sc.atomSeen[a] == sc.epoch {
		o.next = sc.atomHead[a]
	} else {
		sc.atomSeen[a] = sc.epoch
		for _, w := range m.atomWatches[m.atomWatchIdx[a]:m.atomWatchIdx[a+1]] {
			if sc.watchSeen[w] != sc.epoch {
				sc.watchSeen[w] = sc.epoch
				sc.cands = append(sc.cands, w)
			}
		}
	}
	sc.atomHead[a] = int32(len(sc.occs))
	sc.occs = append(sc.occs, o)
}

// occurrences returns the head of atom a's occurrence list, or -1.
func (sc *scratch) occurrences(a int32) int32 {
	if sc.atomSeen[a] != sc.epoch {
		return -1
	}
	return sc.atomHead[a]
}
