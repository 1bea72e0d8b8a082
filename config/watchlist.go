package config

import (
	"errors"
	"fmt"
	"sort"
	"strings"
	"unicode/utf8"

	"go.yaml.in/yaml/v3"

	"github.com/storywatch/storywatch/match"
)

// watches is what the decoder learns about actors and storylines, to check
// ids and references once the whole file has been read.
type watches struct {
	// ids maps every actor and storyline id to where it was defined.
	ids     map[string]watchDef
	actors  []string
	queries []queryRef
}

type watchDef struct {
	path  string
	actor bool
	track bool
}

// queryRef is a parsed storyline query, kept to check its @actor
// references.
type queryRef struct {
	node   *yaml.Node
	path   string
	actors []string
}

// id reads and checks the id of an actor or storyline and registers it.
func (d *decoder) watchID(fs fields, n *yaml.Node, path string, w *watches, def watchDef) string {
	id := d.required(fs, "id", n, path)
	f, ok := fs["id"]
	if !ok || id == "" {
		return id
	}
	if err := checkID(id); err != nil {
		d.errorf(valueNode(f), f.path, "%v", err)
		return id
	}
	if prev, dup := w.ids[id]; dup {
		d.errorf(valueNode(f), f.path, "id %q is already used by %s (actors and storylines share one set of ids)", id, prev.path)
		return id
	}
	def.path = path
	w.ids[id] = def
	if def.actor {
		w.actors = append(w.actors, id)
	}
	return id
}

func (d *decoder) actors(f field, w *watches) []Actor {
	var actors []Actor
	for i, n := range d.sequence(f) {
		p := index(f.path, i)
		fs, ok := d.entry(n, p, "id", "name", "aliases", "variants", "region", "track")
		if !ok {
			continue
		}
		a := Actor{Track: d.boolean(fs, "track", true)}
		a.ID = d.watchID(fs, resolve(n), p, w, watchDef{actor: true, track: a.Track})
		a.Name = d.str(fs, "name")
		if a.Name == "" {
			a.Name = a.ID
		}
		a.Exact = d.variants(fs)
		if rf, ok := fs["region"]; ok {
			a.Region = strings.TrimSpace(d.str(fs, "region"))
			if len(match.RegionNames(a.Region)) == 0 {
				d.errorf(valueNode(rf), rf.path, "unknown region %q: use an ISO 3166 code such as IT, DE or US", a.Region)
			}
		}
		aliases := d.aliases(fs)
		if len(aliases) == 0 && a.Region == "" {
			d.missingList(fs, "aliases", resolve(n), p, "at least one alias is required (or a region)")
		}
		if len(aliases) > MaxAliases {
			f := fs["aliases"]
			d.errorf(valueNode(f), f.path, "%d aliases; an actor may have at most %d (split it, or give the watch a storyline)", len(aliases), MaxAliases)
			aliases = aliases[:MaxAliases]
		}
		for _, al := range aliases {
			if err := checkAlias(al.value); err != nil {
				d.errorf(al.node, al.path, "%v", err)
			}
			a.Aliases = append(a.Aliases, al.value)
			if al.exact {
				a.ExactAliases = append(a.ExactAliases, al.value)
			}
		}
		actors = append(actors, a)
	}
	return actors
}

// aliasItem is one alias: a string, or a mapping {alias: …, variants: exact}.
type aliasItem struct {
	item
	exact bool
}

// aliases reads an actor's list of aliases.
func (d *decoder) aliases(fs fields) []aliasItem {
	f, ok := fs["aliases"]
	if !ok {
		return nil
	}
	var out []aliasItem
	for i, n := range d.sequence(f) {
		p := index(f.path, i)
		if m := resolve(n); m != nil && m.Kind == yaml.MappingNode {
			afs := d.mapping(m, p, "alias", "variants")
			s := d.required(afs, "alias", m, p)
			if strings.TrimSpace(s) == "" {
				continue
			}
			node := m
			if af, ok := afs["alias"]; ok {
				node = valueNode(af)
			}
			out = append(out, aliasItem{item: item{node: node, path: join(p, "alias"), value: s}, exact: d.variants(afs)})
			continue
		}
		it := field{val: n, path: p}
		s, ok := d.scalar(it)
		if !ok {
			continue
		}
		if strings.TrimSpace(s) == "" {
			d.errorf(resolve(n), p, "must not be empty")
			continue
		}
		out = append(out, aliasItem{item: item{node: resolve(n), path: p, value: s}})
	}
	return out
}

// variants reads "variants: exact" (no name variants) or "variants: all"
// (the default) and reports whether it is exact.
func (d *decoder) variants(fs fields) bool {
	f, ok := fs["variants"]
	if !ok {
		return false
	}
	s, ok := d.scalar(f)
	if !ok {
		return false
	}
	switch strings.TrimSpace(s) {
	case "exact":
		return true
	case "all", "":
		return false
	}
	d.errorf(valueNode(f), f.path, "variants must be exact or all, got %q", s)
	return false
}

// checkAlias rejects a * anywhere but at the end of an alias: it marks a
// prefix (Ушаков* finds Ушакова, Ушаковым) and nothing else.
func checkAlias(s string) error {
	s = strings.TrimSpace(s)
	body := strings.TrimSuffix(s, "*")
	if strings.Contains(body, "*") {
		return fmt.Errorf("alias %q: * is allowed only at the end, to mark a prefix", s)
	}
	if strings.HasSuffix(s, "*") && strings.TrimSpace(body) != body {
		return fmt.Errorf("alias %q: * must directly follow a word", s)
	}
	if len(match.Tokens(body)) == 0 {
		return fmt.Errorf("alias %q has no letters or digits", s)
	}
	return nil
}

func (d *decoder) storylines(f field, w *watches) []Storyline {
	var storylines []Storyline
	for i, n := range d.sequence(f) {
		p := index(f.path, i)
		fs, ok := d.entry(n, p, "id", "title", "query")
		if !ok {
			continue
		}
		s := Storyline{ID: d.watchID(fs, resolve(n), p, w, watchDef{track: true})}
		s.Title = d.str(fs, "title")
		if s.Title == "" {
			s.Title = s.ID
		}
		s.Query = d.required(fs, "query", resolve(n), p)
		if qf, ok := fs["query"]; ok && utf8.RuneCountInString(s.Query) > MaxQueryLength {
			d.errorf(valueNode(qf), qf.path, "query of %d characters; the most is %d", utf8.RuneCountInString(s.Query), MaxQueryLength)
		} else if ok && strings.TrimSpace(s.Query) != "" {
			q, err := match.ParseQuery(s.Query)
			if err != nil {
				var se *match.SyntaxError
				if !errors.As(err, &se) {
					err = fmt.Errorf("invalid query: %w", err)
				}
				d.errorf(valueNode(qf), qf.path, "%v", err)
			} else {
				w.queries = append(w.queries, queryRef{node: valueNode(qf), path: qf.path, actors: q.Actors()})
			}
		}
		storylines = append(storylines, s)
	}
	return storylines
}

// checkQueryActors checks that every @actor in a query names an actor.
func (d *decoder) checkQueryActors(w *watches) {
	for _, q := range w.queries {
		for _, id := range q.actors {
			def, ok := w.ids[id]
			switch {
			case !ok:
				d.errorf(q.node, q.path, "unknown actor @%s%s", id, didYouMean(id, w.actors))
			case !def.actor:
				d.errorf(q.node, q.path, "@%s is a storyline (%s); @ refers to actors only", id, def.path)
			}
		}
	}
}

// checkWatchRef checks one entry of a digest's watch list.
func (d *decoder) checkWatchRef(it item, w *watches) {
	def, ok := w.ids[it.value]
	switch {
	case !ok:
		known := make([]string, 0, len(w.ids))
		for id := range w.ids {
			known = append(known, id)
		}
		sort.Strings(known)
		d.errorf(it.node, it.path, "unknown watch %q: not an actor or storyline id%s", it.value, didYouMean(it.value, known))
	case def.actor && !def.track:
		d.errorf(it.node, it.path, "actor %q has track: false, so it has no hits of its own to watch", it.value)
	}
}
