package config

import (
	"fmt"
	"sort"
	"strings"
	"time"
)

func (d *decoder) digests(f field, tz *time.Location, w *watches, notifiers map[string]bool) []Digest {
	var digests []Digest
	ids := map[string]string{}
	for i, n := range d.sequence(f) {
		p := index(f.path, i)
		fs, ok := d.entry(n, p, "id", "schedule", "instant", "timezone", "watch", "to", "max_stories", "send_empty")
		if !ok {
			continue
		}
		dg := Digest{ID: d.required(fs, "id", resolve(n), p)}
		if idf, ok := fs["id"]; ok && dg.ID != "" {
			if err := checkID(dg.ID); err != nil {
				d.errorf(valueNode(idf), idf.path, "%v", err)
			} else if prev, dup := ids[dg.ID]; dup {
				d.errorf(valueNode(idf), idf.path, "digest id %q is already used by %s", dg.ID, prev)
			} else {
				ids[dg.ID] = p
			}
		}
		dg.Timezone = d.location(fs, "timezone", tz)
		dg.Instant = d.boolean(fs, "instant", false)
		dg.Schedule = d.schedule(fs, "schedule", dg.Timezone)
		switch sf, has := fs["schedule"]; {
		case has && dg.Instant:
			d.errorf(sf.key, sf.path, "a digest has a schedule or instant: true, not both")
		case !has && !dg.Instant:
			d.errorf(resolve(n), p, "a digest needs a schedule (a cron spec) or instant: true")
		}
		if dg.Instant {
			dg.Schedule = nil
		}

		seen := map[string]bool{}
		for _, it := range d.list(fs, "watch") {
			if seen[it.value] {
				d.errorf(it.node, it.path, "%q is listed twice", it.value)
				continue
			}
			seen[it.value] = true
			d.checkWatchRef(it, w)
			dg.Watch = append(dg.Watch, it.value)
		}

		to := d.list(fs, "to")
		if len(to) == 0 {
			d.missingList(fs, "to", resolve(n), p, "at least one notifier is required")
		}
		known := make([]string, 0, len(notifiers))
		for id := range notifiers {
			known = append(known, id)
		}
		sort.Strings(known)
		seen = map[string]bool{}
		for _, it := range to {
			switch {
			case seen[it.value]:
				d.errorf(it.node, it.path, "%q is listed twice", it.value)
				continue
			case !notifiers[it.value]:
				d.errorf(it.node, it.path, "unknown notifier %q%s", it.value, knownList(it.value, known))
			}
			seen[it.value] = true
			dg.To = append(dg.To, it.value)
		}

		dg.MaxStories = d.integer(fs, "max_stories", DefaultMaxStories, 1, 10000)
		dg.SendEmpty = d.boolean(fs, "send_empty", false)
		digests = append(digests, dg)
	}
	return digests
}

// knownList suggests a close id or, when there are few, lists them all.
func knownList(name string, known []string) string {
	if s := didYouMean(name, known); s != "" {
		return s
	}
	switch {
	case len(known) == 0:
		return " (no notifiers are defined)"
	case len(known) <= 10:
		return fmt.Sprintf(" (notifiers: %s)", strings.Join(known, ", "))
	}
	return ""
}
