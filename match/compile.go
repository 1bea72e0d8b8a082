package match

import (
	"errors"
	"fmt"
	"strings"
)

// Matcher is a compiled watchlist. It is safe for concurrent use.
type Matcher struct {
	watches []Watch
	exprs   []*expr // parallel to watches

	atoms []atom
	// atomWatches[atomWatchIdx[a]:atomWatchIdx[a+1]] are the watches that
	// become candidates when atom a occurs.
	atomWatchIdx []int32
	atomWatches  []int32

	// always are the watches evaluated for every document because no atom
	// is required by them (see triggers).
	always []int32

	// words finds the atoms in a document's tokens; the atoms of aliases
	// with variants are not in it (variantTable finds them).
	words  *wordIndex
	vt     *variantTable // nil without aliases with variants
	fields fieldMask     // fields any watch looks at
	pool   *scratchPool
}

// atom is one distinct normalized word sequence that the word index finds.
type atom struct {
	words  int
	prefix bool
}

// expr is a compiled query node.
type expr struct {
	kind   nodeKind
	kids   []*expr
	dist   int
	fields fieldMask
	// Leaves (nodeTerm, nodeActor): the atoms that satisfy the leaf, the
	// label of each (alias or term as written) and the scoring unit.
	atoms  []int32
	labels []string
	unit   int32
}

type compiler struct {
	m        *Matcher
	atomIDs  map[string]int32
	units    map[string]int32
	actors   map[string]*Actor
	aliases  map[string][]int32 // actor id -> atoms
	aliasIDs map[string]map[int32]bool
	labels   map[string][]string
	words    *wordIndexBuilder
	watchOf  [][]int32 // atom -> watches (may repeat)
	variants *variantCompiler
	// varied are the actors with at least one alias with variants.
	varied map[string]bool
}

// Compile compiles a watchlist into a Matcher. Every problem is reported,
// joined with errors.Join, each naming the watch it belongs to.
func Compile(w Watchlist) (*Matcher, error) {
	c := &compiler{
		m:        &Matcher{},
		atomIDs:  map[string]int32{},
		units:    map[string]int32{},
		actors:   map[string]*Actor{},
		aliases:  map[string][]int32{},
		aliasIDs: map[string]map[int32]bool{},
		labels:   map[string][]string{},
		variants: newVariantCompiler(),
		varied:   map[string]bool{},
	}
	var errs []error
	ids := map[string]bool{}
	for i := range w.Actors {
		a := &w.Actors[i]
		if ids[a.ID] {
			errs = append(errs, fmt.Errorf("actor %q: duplicate id", a.ID))
			continue
		}
		ids[a.ID] = true
		c.actors[a.ID] = a
		if err := c.actorAliases(a); err != nil {
			errs = append(errs, err)
		}
	}
	for _, a := range w.Actors {
		if !a.Track || len(c.aliases[a.ID]) == 0 {
			continue
		}
		title := a.Name
		if title == "" {
			title = a.ID
		}
		c.addWatch(Watch{ID: a.ID, Title: title, Kind: "actor"},
			c.actorLeaf(a.ID, defaultFields))
	}
	for _, s := range w.Storylines {
		if ids[s.ID] {
			errs = append(errs, fmt.Errorf("storyline %q: duplicate id", s.ID))
			continue
		}
		ids[s.ID] = true
		q, err := ParseQuery(s.Query)
		if err != nil {
			errs = append(errs, fmt.Errorf("storyline %q: %w", s.ID, err))
			continue
		}
		var unknown []error
		for _, id := range q.Actors() {
			if c.actors[id] == nil {
				unknown = append(unknown, fmt.Errorf("storyline %q: unknown actor \"@%s\"", s.ID, id))
			}
		}
		if len(unknown) > 0 {
			errs = append(errs, unknown...)
			continue
		}
		title := s.Title
		if title == "" {
			title = s.ID
		}
		c.addWatch(Watch{ID: s.ID, Title: title, Kind: "storyline"}, c.compileNode(q.root, defaultFields))
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	if err := c.finish(); err != nil {
		return nil, err
	}
	return c.m, nil
}

// actorAliases compiles the aliases of one actor (and the names of its
// region), each into its atom and, unless it is exact, its variant atom.
func (c *compiler) actorAliases(a *Actor) error {
	aliases := actorAliasList(a)
	if len(aliases) == 0 {
		if a.Region != "" {
			return fmt.Errorf("actor %q: unknown region %q", a.ID, a.Region)
		}
		return fmt.Errorf("actor %q: no aliases", a.ID)
	}
	var errs []error
	for _, al := range aliases {
		words, prefix, msg := termWords(al.text)
		if msg != "" {
			errs = append(errs, fmt.Errorf("actor %q: alias %q: %s", a.ID, al.text, msg))
			continue
		}
		label := strings.TrimSpace(al.text)
		c.addAlias(a.ID, c.atom(words, prefix), label)
		if prefix || al.exact {
			continue
		}
		ids, key := c.variants.phraseWords(writtenWords(al.text))
		if key == "" {
			continue
		}
		id, ok := c.atomIDs[key]
		if !ok {
			id = c.patternless(len(words))
			if !c.variants.addPhrase(id, ids, al.region) {
				continue
			}
			c.atomIDs[key] = id
		}
		c.varied[a.ID] = true
		c.addAlias(a.ID, id, label)
	}
	return errors.Join(errs...)
}

func (c *compiler) addAlias(actor string, id int32, label string) {
	// A set per actor, not a scan of its list: 500,000 aliases on one
	// actor must not cost 500,000² comparisons.
	set := c.aliasIDs[actor]
	if set == nil {
		set = map[int32]bool{}
		c.aliasIDs[actor] = set
	}
	if set[id] {
		return // the same words as an earlier alias: its label explains them
	}
	set[id] = true
	c.aliases[actor] = append(c.aliases[actor], id)
	c.labels[actor] = append(c.labels[actor], label)
}

// patternless adds an atom that the word index does not find.
func (c *compiler) patternless(words int) int32 {
	id := int32(len(c.m.atoms))
	c.m.atoms = append(c.m.atoms, atom{words: words})
	c.watchOf = append(c.watchOf, nil)
	return id
}

// atom returns the id of a word sequence, adding it to the word index when
// new.
func (c *compiler) atom(words []string, prefix bool) int32 {
	key := strings.Join(words, " ")
	if prefix {
		key += "*"
	}
	if id, ok := c.atomIDs[key]; ok {
		return id
	}
	id := int32(len(c.m.atoms))
	c.atomIDs[key] = id
	c.m.atoms = append(c.m.atoms, atom{words: len(words), prefix: prefix})
	if c.words == nil {
		c.words = newWordIndexBuilder()
	}
	c.words.add(words, prefix, id)
	c.watchOf = append(c.watchOf, nil)
	return id
}

func (c *compiler) unit(key string) int32 {
	if id, ok := c.units[key]; ok {
		return id
	}
	id := int32(len(c.units))
	c.units[key] = id
	return id
}

func (c *compiler) actorLeaf(id string, fields fieldMask) *expr {
	c.m.fields |= fields
	if c.varied[id] {
		c.variants.t.fields |= fields
	}
	return &expr{kind: nodeActor, fields: fields, atoms: c.aliases[id], labels: c.labels[id], unit: c.unit("@" + id)}
}

func (c *compiler) compileNode(n *node, fields fieldMask) *expr {
	switch n.kind {
	case nodeField:
		return c.compileNode(n.kids[0], n.fields)
	case nodeActor:
		return c.actorLeaf(n.text, fields)
	case nodeTerm:
		c.m.fields |= fields
		key := strings.Join(n.words, " ")
		if n.prefix {
			key += "*"
		}
		return &expr{kind: nodeTerm, fields: fields, atoms: []int32{c.atom(n.words, n.prefix)},
			labels: []string{strings.TrimSpace(n.text)}, unit: c.unit(key)}
	}
	e := &expr{kind: n.kind, dist: n.dist, fields: fields}
	for _, k := range n.kids {
		e.kids = append(e.kids, c.compileNode(k, fields))
	}
	return e
}

func (c *compiler) addWatch(w Watch, e *expr) {
	wid := int32(len(c.m.watches))
	c.m.watches = append(c.m.watches, w)
	c.m.exprs = append(c.m.exprs, e)
	atoms, _, ok := c.triggers(e)
	if !ok {
		// No atom is common to every document that satisfies e. ParseQuery
		// rejects such queries, but should one get here it is evaluated
		// for every document rather than missing matches.
		c.m.always = append(c.m.always, wid)
		return
	}
	for _, a := range atoms {
		if l := c.watchOf[a]; len(l) == 0 || l[len(l)-1] != wid {
			c.watchOf[a] = append(l, wid)
		}
	}
}

// triggers returns atoms of which every document that satisfies e holds at
// least one, preferring rare ones, and ok=false when there are none. For AND
// (and NEAR) it takes only the operand that looks rarest, so a storyline
// like `@witkoff AND (call OR leak*)` is evaluated only for items that name
// Witkoff, not for every item with "call". A NOT cannot trigger: a document
// satisfies it by lacking something. Nor can an OR with a branch that cannot
// trigger: `(putin OR -skater) witkoff` must be evaluated for every item
// naming Witkoff, whether or not it names Putin.
// The cost estimates how often the atoms occur: an actor's aliases are
// names, rarer than words; phrases are rarer than single words; prefixes
// are the most common.
func (c *compiler) triggers(e *expr) (atoms []int32, cost float64, ok bool) {
	switch e.kind {
	case nodeActor:
		return e.atoms, 0.1 * float64(len(e.atoms)), true
	case nodeTerm:
		a := c.m.atoms[e.atoms[0]]
		switch {
		case a.prefix:
			return e.atoms, 2, true
		case a.words > 1:
			return e.atoms, 0.2, true
		}
		return e.atoms, 1, true
	case nodeOr:
		var all []int32
		total := 0.0
		for _, k := range e.kids {
			t, cost, ok := c.triggers(k)
			if !ok {
				return nil, 0, false
			}
			all = append(all, t...)
			total += cost
		}
		return all, total, true
	case nodeAnd, nodeNear:
		var best []int32
		bestCost, found := 0.0, false
		for _, k := range e.kids {
			if t, cost, ok := c.triggers(k); ok && (!found || cost < bestCost) {
				best, bestCost, found = t, cost, true
			}
		}
		return best, bestCost, found
	}
	return nil, 0, false
}

func (c *compiler) finish() error {
	m := c.m
	m.atomWatchIdx = make([]int32, len(m.atoms)+1)
	for a, ws := range c.watchOf {
		m.atomWatchIdx[a+1] = m.atomWatchIdx[a] + int32(len(ws))
		m.atomWatches = append(m.atomWatches, ws...)
	}
	if c.words != nil {
		m.words = c.words.build()
	}
	if c.variants != nil && len(c.variants.t.phrases) > 0 {
		m.vt = c.variants.t
	}
	m.pool = newScratchPool(func() *scratch { return newScratch(len(m.atoms), len(m.watches)) })
	return nil
}

// Watches returns the compiled watches in watchlist order: tracked actors
// first, then storylines.
func (m *Matcher) Watches() []Watch {
	return append([]Watch(nil), m.watches...)
}
