package match

// translitCopies appends the transliterated copies of the field whose
// tokens are sc.toks[first:last], with the word ids of each copied token
// (the copies' tokens are marked alt); segEnd is where the field's last
// token ends in the haystack. The first copy writes every Cyrillic token
// in its first form; when a token ending in й has a second spelling, a
// second copy writes each token in its second form. Tokens are marked cyr
// when a copy needs them: every Cyrillic token in the first copy; in the
// second only those whose second form differs, so that a match found
// there is not a repeat of the first copy. A copy leaves out the tokens
// that are no word of the index: no atom starts or goes on there, and the
// gap they leave in the positions ends a phrase as they would.
func (sc *scratch) translitCopies(ix *wordIndex, text string, segEnd int32, first, last int) {
	sc.second = sc.second[:0]
	sc.secondIDs = sc.secondIDs[:0]
	twos := false
	for k := first; k < last; k++ {
		t := sc.toks[k]
		t.alt, t.copy = true, 1
		sf := secondForm{mid: int32(len(sc.secondIDs))}
		if t.cyr {
			e := segEnd
			if k+1 < last {
				e = sc.tokStart[k+1] - 1
			}
			start := sf.mid
			sf.mid, sf.two = sc.translitWords(ix, sc.hay[sc.tokStart[k]:e], sc.tokHash[k-first], text[t.start:t.end], sc.marked[k-first])
			sc.appendCopy(k, t, sc.secondIDs[start:sf.mid])
			twos = twos || sf.two
		} else {
			sc.appendCopy(k, t, sc.tokWords[sc.tokWordIdx[k]:sc.tokWordIdx[k+1]]) // the field's word
		}
		sf.end = int32(len(sc.secondIDs))
		sc.second = append(sc.second, sf)
	}
	if !twos {
		return
	}
	from := int32(0)
	for k := first; k < last; k++ {
		t := sc.toks[k]
		t.alt, t.copy = true, 2
		sf := sc.second[k-first]
		switch {
		case sf.two:
			sc.appendCopy(k, t, sc.secondIDs[sf.mid:sf.end])
		case t.cyr:
			t.cyr = false
			sc.appendCopy(k, t, sc.secondIDs[from:sf.mid])
		default:
			sc.appendCopy(k, t, sc.tokWords[sc.tokWordIdx[k]:sc.tokWordIdx[k+1]])
		}
		from = sf.end
	}
}

// secondForm records, for a token of a first transliterated copy, whether
// it has a second form and where the word ids of its first form
// ([previous end, mid)) and second form ([mid, end)) are in
// scratch.secondIDs.
type secondForm struct {
	two      bool
	mid, end int32
}

// appendCopy adds t, the copy of token k, with its word ids, unless it has
// none.
func (sc *scratch) appendCopy(k int, t tokInfo, ids []int32) {
	if len(ids) == 0 {
		return
	}
	sc.tokWords = append(sc.tokWords, ids...)
	sc.tokWordIdx = append(sc.tokWordIdx, int32(len(sc.tokWords)))
	sc.tokStart = append(sc.tokStart, sc.tokStart[k])
	sc.toks = append(sc.toks, t)
}

// translitWords appends to sc.secondIDs the word ids of the
// transliterations of a Cyrillic token (tok normalized with hash h, orig
// as written, marked when hasMarkedLetter of orig is true), in its first
// and then its second form, and returns where the second form's ids begin
// and whether it has one (none are appended when not). The words of a
// language recur from item to item, so what a token's transliterations
// are is remembered.
func (sc *scratch) translitWords(ix *wordIndex, tok []byte, h uint32, orig string, marked bool) (mid int32, two bool) {
	fold := tok
	if marked {
		sc.fold = restoreMarks(sc.fold[:0], tok, orig)
		fold, h = sc.fold, fnvHash(sc.fold)
	}
	c := sc.translits
	e := c.lookup(fold, h)
	if e != nil && e.n != 0 {
		sc.secondIDs = append(sc.secondIDs, c.ids[e.off[0]:e.off[0]+uint32(e.cnt[0])]...)
		mid = int32(len(sc.secondIDs))
		sc.secondIDs = append(sc.secondIDs, c.ids[e.off[1]:e.off[1]+uint32(e.cnt[1])]...)
		return mid, e.two
	}
	start := len(sc.secondIDs)
	two = hasSecondForm(fold)
	sc.lat = appendTranslit(sc.lat[:0], fold, false)
	sc.secondIDs, _ = ix.appendIDs(sc.secondIDs, sc.lat)
	mid = int32(len(sc.secondIDs))
	if two {
		sc.lat = appendTranslit(sc.lat[:0], fold, true)
		sc.secondIDs, _ = ix.appendIDs(sc.secondIDs, sc.lat)
	}
	if e != nil {
		c.remember(e, fold, two, [2][]int32{sc.secondIDs[start:mid], sc.secondIDs[mid:]})
	}
	return mid, two
}

// translitCache remembers the word ids of the transliterations of
// Cyrillic tokens of up to 22 bytes. It is direct-mapped; the ids are kept
// in ids, which is emptied with the whole cache when it is full.
type translitCache struct {
	entries [8192]translitEntry
	ids     []int32
}

type translitEntry struct {
	n   uint8 // length of the token; 0 when empty
	two bool  // the token has a second form
	tok [22]byte
	off [2]uint32 // ids of the first and second form
	cnt [2]uint8
}

// lookup returns the entry for tok, whose fnvHash is h, empty (n == 0)
// when it has to be computed and filled, or nil when the token cannot be
// cached.
func (c *translitCache) lookup(tok []byte, h uint32) *translitEntry {
	if len(tok) > len(translitEntry{}.tok) {
		return nil
	}
	e := &c.entries[mix(h)%uint32(len(c.entries))]
	if int(e.n) != len(tok) || string(e.tok[:e.n]) != string(tok) {
		e.n = 0
	}
	return e
}

func (c *translitCache) remember(e *translitEntry, tok []byte, two bool, ids [2][]int32) {
	if len(ids[0]) > 255 || len(ids[1]) > 255 {
		return
	}
	if len(c.ids)+len(ids[0])+len(ids[1]) > maxResults {
		clear(c.entries[:])
		c.ids = c.ids[:0]
	}
	e.n = uint8(copy(e.tok[:], tok))
	e.two = two
	for i := range 2 {
		e.off[i], e.cnt[i] = uint32(len(c.ids)), uint8(len(ids[i]))
		c.ids = append(c.ids, ids[i]...)
	}
}
