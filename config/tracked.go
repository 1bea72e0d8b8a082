package config

import (
	"fmt"
	"slices"
	"strings"
)

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

// DigestByID returns the digest with the given id, and false when the
// config has none; the ids it has are then in DigestIDs.
func (c *Config) DigestByID(id string) (Digest, bool) {
	for _, d := range c.Digests {
		if d.ID == id {
			return d, true
		}
	}
	return Digest{}, false
}

// DigestIDs returns the ids of the config's digests in file order.
func (c *Config) DigestIDs() []string {
	ids := make([]string, len(c.Digests))
	for i, d := range c.Digests {
		ids[i] = d.ID
	}
	return ids
}

// UnknownWatch explains why id names no tracked watch, with the closest
// id as a suggestion; nil for a tracked watch or an empty id.
func (c *Config) UnknownWatch(id string) error {
	tracked := c.TrackedWatches()
	if id == "" || slices.Contains(tracked, id) {
		return nil
	}
	for _, act := range c.Actors {
		if act.ID == id {
			return fmt.Errorf("-watch %s: the actor %s has track: false, so it has no hits of its own; storylines that use @%s do", id, id, id)
		}
	}
	msg := fmt.Sprintf("-watch %s: no such watch in %s", id, c.Path)
	if s := Closest(id, tracked); s != "" {
		return fmt.Errorf("%s (did you mean %s?)", msg, s)
	}
	return fmt.Errorf("%s (watches: %s)", msg, strings.Join(tracked, ", "))
}

// InstantDigests counts the config's instant digests.
func (c *Config) InstantDigests() int {
	n := 0
	for _, d := range c.Digests {
		if d.Instant {
			n++
		}
	}
	return n
}

// FeedNames maps each configured feed's URL to its name ("" when none).
func (c *Config) FeedNames() map[string]string {
	names := make(map[string]string, len(c.Feeds))
	for _, f := range c.Feeds {
		names[f.URL] = f.Name
	}
	return names
}
