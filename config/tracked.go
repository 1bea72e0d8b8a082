package config

// TrackedWatches returns the ids of the watches that get hits of their
// own: the storylines, then the actors not marked track: false, each in
// file order (the order digests list them in).
func (c *Config) TrackedWatches() []string {
	var ids []string
	for _, s := range c.Storylines {
		ids = append(ids, s.ID)
	}
	for _, a := range c.Actors {
		if a.Track {
			ids = append(ids, a.ID)
		}
	}
	return ids
}

// Closest returns the id of known closest to name, a likely misspelling of
// it (at most two edits away), or "" when none is that close.
func Closest(name string, known []string) string {
	best, bestDist := "", 3
	for _, k := range known {
		if d := editDistance(name, k); d < bestDist && d < len(name) {
			best, bestDist = k, d
		}
	}
	return best
}
