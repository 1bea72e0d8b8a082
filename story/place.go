package story

import (
	"cmp"
	"slices"
)

// Placement is where a new copy goes.
type Placement struct {
	// Story is the story the copy joins; 0 when it starts a story of its
	// own.
	Story int64
	// Merged lists the other stories the copy is Linked to, oldest first:
	// they join Story, whose id survives.
	Merged []int64
}

// Place decides where the new copy c goes, given stored copies. Candidates
// that are not Linked to c are ignored, so a store may hand over every copy
// that shares a key with c. c joins the oldest story it is Linked to (the
// earliest StoryStart, then the smallest id) and merges the others into it.
func Place(c Copy, candidates []Copy) Placement {
	var stories []Copy // one Linked copy per story
	for _, o := range candidates {
		if o.Story == 0 || !Linked(c, o) {
			continue
		}
		if !slices.ContainsFunc(stories, func(s Copy) bool { return s.Story == o.Story }) {
			stories = append(stories, o)
		}
	}
	if len(stories) == 0 {
		return Placement{}
	}
	slices.SortFunc(stories, Older)
	p := Placement{Story: stories[0].Story}
	for _, s := range stories[1:] {
		p.Merged = append(p.Merged, s.Story)
	}
	return p
}

// Older orders the stories of two copies, the older first: the earlier
// StoryStart, then the smaller id.
func Older(a, b Copy) int {
	if c := a.StoryStart.Compare(b.StoryStart); c != 0 {
		return c
	}
	return cmp.Compare(a.Story, b.Story)
}

// Components partitions copies into stories from scratch: the connected
// components of the Linked graph, each a list of indexes into copies in
// increasing order, the components ordered by their first index. It
// compares every pair, so it is for checks and small sets; the store keeps
// the same partition incrementally with Place.
func Components(copies []Copy) [][]int {
	parent := make([]int, len(copies))
	for i := range parent {
		parent[i] = i
	}
	find := func(i int) int {
		for parent[i] != i {
			parent[i] = parent[parent[i]]
			i = parent[i]
		}
		return i
	}
	for i := range copies {
		for j := i + 1; j < len(copies); j++ {
			if Linked(copies[i], copies[j]) {
				a, b := find(i), find(j)
				parent[max(a, b)] = min(a, b)
			}
		}
	}
	index := map[int]int{}
	var out [][]int
	for i := range copies {
		r := find(i)
		n, ok := index[r]
		if !ok {
			n = len(out)
			index[r] = n
			out = append(out, nil)
		}
		out[n] = append(out[n], i)
	}
	return out
}
