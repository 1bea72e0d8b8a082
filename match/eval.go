package match

// eval reports whether the candidate document satisfies e. Satisfied
// leaves append their evidence to sc.contribs; evidence from a subtree
// that turns out unsatisfied, or that sits under a NOT, is dropped again.
func (sc *scratch) eval(e *expr) bool {
	switch e.kind {
	case nodeTerm:
		o := sc.first(e.atoms[0], e.fields, nil)
		if o < 0 {
			return false
		}
		sc.contribs = append(sc.contribs, contrib{unit: e.unit, label: e.labels[0], occ: o})
		return true
	case nodeActor:
		return sc.actor(e, nil)
	case nodeAnd:
		mark := len(sc.contribs)
		for _, k := range e.kids {
			if !sc.eval(k) {
				sc.contribs = sc.contribs[:mark]
				return false
			}
		}
		return true
	case nodeOr:
		ok := false
		for _, k := range e.kids {
			// Every branch is evaluated so that all evidence is collected.
			if sc.eval(k) {
				ok = true
			}
		}
		return ok
	case nodeNot:
		mark := len(sc.contribs)
		ok := sc.eval(e.kids[0])
		sc.contribs = sc.contribs[:mark]
		return !ok
	case nodeNear:
		return sc.near(e)
	}
	return false
}

// within restricts the occurrences that count as evidence to a token
// range of one field or, when near is set, to those at most dist tokens
// from that range.
type within struct {
	field    Field
	pos, end int32
	near     bool
	dist     int
}

func (w *within) admits(o *occ) bool {
	switch {
	case w == nil:
		return true
	case w.near:
		return nearby(span{o.field, o.pos, o.end}, span{w.field, w.pos, w.end}, w.dist)
	}
	return o.field == w.field && o.pos >= w.pos && o.end <= w.end
}

// first returns the earliest occurrence of atom a (by field, then
// position) in the given fields and range, or -1.
func (sc *scratch) first(a int32, fields fieldMask, w *within) int32 {
	best := int32(-1)
	for i := sc.occurrences(a); i >= 0; i = sc.occs[i].next {
		o := &sc.occs[i]
		if fields&(1<<o.field) == 0 || !w.admits(o) {
			continue
		}
		if best < 0 || before(o, &sc.occs[best]) {
			best = i
		}
	}
	return best
}

func before(a, b *occ) bool {
	if a.field != b.field {
		return a.field < b.field
	}
	if a.pos != b.pos {
		return a.pos < b.pos
	}
	return a.end > b.end
}

// actor collects each matched alias of an actor leaf. An alias whose every
// occurrence lies inside a longer alias's occurrence ("Witkoff" inside
// "Steve Witkoff") adds no evidence of its own.
func (sc *scratch) actor(e *expr, w *within) bool {
	ok := false
	for i, a := range e.atoms {
		best := int32(-1)
		for j := sc.occurrences(a); j >= 0; j = sc.occs[j].next {
			o := &sc.occs[j]
			if e.fields&(1<<o.field) == 0 || !w.admits(o) || sc.covered(e, a, o, w) {
				continue
			}
			if best < 0 || before(o, &sc.occs[best]) {
				best = j
			}
		}
		if best >= 0 {
			ok = true
			sc.contribs = append(sc.contribs, contrib{unit: e.unit, label: e.labels[i], occ: best})
		}
	}
	return ok
}

// covered reports whether o lies inside a longer occurrence of another of
// the leaf's atoms, or exactly on one that is preferred: one that is no
// name variant, one found without transliteration ("Ушаков*" over
// "Ushakov" on Cyrillic text), else the alias listed first. Only occurrences inside w count: inside a NEAR, an
// alias that reaches outside the matched pair must not hide the one that
// made the NEAR true.
func (sc *scratch) covered(e *expr, self int32, o *occ, w *within) bool {
	earlier := true
	for _, b := range e.atoms {
		if b == self {
			earlier = false
			continue
		}
		for j := sc.occurrences(b); j >= 0; j = sc.occs[j].next {
			p := &sc.occs[j]
			if p.field != o.field || p.pos > o.pos || o.end > p.end || !w.admits(p) {
				continue
			}
			if p.end-p.pos > o.end-o.pos {
				return true
			}
			if p.pos != o.pos || p.end != o.end {
				continue
			}
			// The same words: an alias as written beats a variant, one
			// found without transliteration beats one found with, else
			// the alias listed first wins.
			switch {
			case (p.variant == 0) != (o.variant == 0):
				if o.variant != 0 {
					return true
				}
			case p.alt != o.alt:
				if o.alt {
					return true
				}
			case earlier:
				return true
			}
		}
	}
	return false
}

// span is a token range in one field where a NEAR operand matched.
type span struct {
	field    Field
	pos, end int32
}

// spans returns every place where e matches, for NEAR. A NEAR operand is
// a term, phrase, actor, OR or NEAR, possibly restricted to fields:
// ParseQuery refuses AND and NOT inside NEAR, so every place of an operand
// is one occurrence of one leaf, or a pair of them for a nested NEAR.
func (sc *scratch) spans(e *expr, out []span) []span {
	switch e.kind {
	case nodeTerm, nodeActor:
		for _, a := range e.atoms {
			for i := sc.occurrences(a); i >= 0; i = sc.occs[i].next {
				o := &sc.occs[i]
				if e.fields&(1<<o.field) != 0 {
					out = append(out, span{o.field, o.pos, o.end})
				}
			}
		}
	case nodeOr:
		for _, k := range e.kids {
			out = sc.spans(k, out)
		}
	case nodeNear:
		l := sc.spans(e.kids[0], nil)
		r := sc.spans(e.kids[1], nil)
		for _, a := range l {
			for _, b := range r {
				if nearby(a, b, e.dist) {
					out = append(out, span{a.field, min(a.pos, b.pos), max(a.end, b.end)})
				}
			}
		}
	}
	return out
}

// nearby reports whether two spans are in one field with at most dist
// tokens between them, in either order.
func nearby(a, b span, dist int) bool {
	if a.field != b.field || a == b {
		return false
	}
	gap := int32(0)
	switch {
	case a.end <= b.pos:
		gap = b.pos - a.end
	case b.end <= a.pos:
		gap = a.pos - b.end
	}
	return gap <= int32(dist)
}

// near evaluates a NEAR node: the earliest pair of close operand matches
// wins, the one covering more tokens among pairs that start together (so
// "plan Steve Witkoff" pairs plan with "Steve Witkoff", not "Witkoff"), and
// the evidence is taken from inside that pair.
func (sc *scratch) near(e *expr) bool {
	l := sc.spans(e.kids[0], nil)
	if len(l) == 0 {
		return false
	}
	r := sc.spans(e.kids[1], nil)
	found := false
	var bl, br span
	for _, a := range l {
		for _, b := range r {
			if !nearby(a, b, e.dist) {
				continue
			}
			if !found || betterPair(a, b, bl, br) {
				bl, br, found = a, b, true
			}
		}
	}
	if !found {
		return false
	}
	sc.contribWithin(e.kids[0], &within{field: bl.field, pos: bl.pos, end: bl.end},
		&within{field: br.field, pos: br.pos, end: br.end, near: true, dist: e.dist})
	sc.contribWithin(e.kids[1], &within{field: br.field, pos: br.pos, end: br.end},
		&within{field: bl.field, pos: bl.pos, end: bl.end, near: true, dist: e.dist})
	return true
}

// contribWithin collects the evidence of the leaves of one NEAR operand:
// of each term, phrase or actor, its first occurrence admitted by near
// (close enough to the other operand's matched place), so that every
// branch of an OR that is near counts, as it does outside NEAR. A nested
// NEAR's leaves are taken inside own, the place it matched as a whole.
// The leaf occurrence at own is always admitted, so the evidence is never
// empty.
func (sc *scratch) contribWithin(e *expr, own, near *within) {
	switch e.kind {
	case nodeTerm:
		if o := sc.first(e.atoms[0], e.fields, near); o >= 0 {
			sc.contribs = append(sc.contribs, contrib{unit: e.unit, label: e.labels[0], occ: o})
		}
	case nodeActor:
		sc.actor(e, near)
	case nodeNear:
		for _, k := range e.kids {
			sc.contribWithin(k, own, own)
		}
	default:
		for _, k := range e.kids {
			sc.contribWithin(k, own, near)
		}
	}
}

// betterPair reports whether the pair (a, b) is preferred to (c, d) as the
// evidence of a NEAR: earlier field, then earlier start, then wider.
func betterPair(a, b, c, d span) bool {
	if a.field != c.field {
		return a.field < c.field
	}
	if s, t := min(a.pos, b.pos), min(c.pos, d.pos); s != t {
		return s < t
	}
	return a.end-a.pos+b.end-b.pos > c.end-c.pos+d.end-d.pos
}
