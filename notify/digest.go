package notify

import (
	"cmp"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/storywatch/storywatch/match"
	"github.com/storywatch/storywatch/safe"
	"github.com/storywatch/storywatch/story"
)

// DigestVersion is the version of the JSON rendering (docs/webhook.md):
// 2 lists each story once, under the first of its watches, with an "also"
// array naming the others.
const DigestVersion = 2

// ChartDays is how many days the per-watch chart covers, today included.
const ChartDays = 14

// Spec is a digest as configured: which watches it covers and how it is cut.
type Spec struct {
	// Name is the digest's id in the config, e.g. "morning".
	Name string
	// Watches lists the watches covered, in the order they are rendered.
	Watches []WatchInfo
	// MaxStories caps the entries of one digest; 0 means no cap.
	MaxStories int
	// SendEmpty records and sends a digest with no stories.
	SendEmpty bool
	// Instant digests run after each poll cycle and leave out backfilled
	// hits.
	Instant bool
	// Backfill is how far before its first run a digest reaches back: it
	// includes only hits found after its first run minus Backfill, so a
	// new or renamed digest does not send every hit in history
	// (poll.backfill).
	Backfill time.Duration
	// Location is the time zone of dates and chart days; nil means UTC.
	Location *time.Location
	// To lists the notifier ids that receive the digest.
	To []string
	// PublicURL is the address people reach the HTTP server at
	// (public_url); when set, each section links to the watch's page
	// there, for the stories a digest does not show.
	PublicURL string
}

// WatchInfo names a watch for the reader.
type WatchInfo struct {
	ID    string
	Title string
}

// Candidate is a stored hit that a digest has not yet included, with the
// story it is about.
type Candidate struct {
	HitID  int64
	Watch  string
	ItemID int64
	// StoryID is the story of the item; 0 makes the item a story of its
	// own.
	StoryID int64
	// Title and URL are the story lead's (the item's without a story).
	Title string
	URL   string
	// Outlet names who published the item: the item's own outlet, else the
	// name of the feed it was first seen in.
	Outlet string
	// Outlets names who published the story's copies known now; when empty
	// the story is shown with Outlet alone.
	Outlets []string
	// Sent marks a story this digest already included for the watch: a
	// later copy of it is no development, so its hit is included silently.
	Sent bool
	// FirstSeen is when the story (the item without a story) was first
	// seen.
	FirstSeen time.Time
	Published time.Time
	FoundAt   time.Time
	Score     int
	// Terms counts the distinct terms and actors matched (0 when not
	// recorded); Score counts those in the title twice.
	Terms   int
	Matches []match.Match
	// Copy ranks the copy whose text gave the hit's evidence: of two hits
	// of a story with one score, the one from the copy first by story.Rank
	// is shown, so that the order copies arrived in never shows.
	Copy story.Rank
}

// Digest is one built digest. It is stored as JSON with the digest record
// and is everything the renderings need, so a retry renders the same bytes.
type Digest struct {
	ID          string    `json:"id"`
	Name        string    `json:"digest"`
	GeneratedAt time.Time `json:"generated_at"`
	// Timezone is the IANA name of the zone dates are shown in.
	Timezone string    `json:"timezone"`
	Watches  []Section `json:"watches"`
	// HitIDs are every hit this digest includes, shown or cut by the cap.
	HitIDs []int64 `json:"hit_ids"`
}

// Section is the part of a digest about one watch.
type Section struct {
	ID      string  `json:"id"`
	Title   string  `json:"title"`
	Stories []Story `json:"stories"`
	// More counts the stories left out by the digest's max_stories.
	More int `json:"more"`
	// Daily counts the watch's new stories on each of the last ChartDays
	// days, oldest first, the last being the day the digest was built.
	Daily []int `json:"daily"`
	// Link is where every story of the watch can be read (its page at
	// Spec.PublicURL); empty without a public URL.
	Link string `json:"link,omitempty"`
}

// Story is one entry of a digest: one report however many outlets ran it,
// listed under one watch.
type Story struct {
	ID        string    `json:"id"`
	Title     string    `json:"title"`
	URL       string    `json:"url"`
	Outlets   []string  `json:"outlets"`
	FirstSeen time.Time `json:"first_seen"`
	Published time.Time `json:"published"`
	// Score, Terms and Matches are the best hit's of the watch the story
	// is listed under.
	Score   int           `json:"score"`
	Terms   int           `json:"terms,omitempty"`
	Matches []match.Match `json:"matches"`
	// Also lists the ids of the digest's other watches the story is new
	// for, in the digest's order.
	Also []string `json:"also,omitempty"`
}

// Total returns the number of new stories listed under the section, shown
// or not.
func (s Section) Total() int { return len(s.Stories) + s.More }

// Empty reports whether the digest has no story at all.
func (d *Digest) Empty() bool {
	for _, s := range d.Watches {
		if s.Total() > 0 {
			return false
		}
	}
	return true
}

// Location returns the digest's time zone, UTC when unknown.
func (d *Digest) Location() *time.Location {
	if d.Timezone == "" {
		return time.UTC
	}
	loc, err := time.LoadLocation(d.Timezone)
	if err != nil {
		return time.UTC
	}
	return loc
}

// Build makes a digest from the candidates of spec's watches. It is pure:
// id and now are given, and hitTimes holds, per watch, when each of its
// recent hits was found (for the charts). Candidates of other watches are
// ignored. Each story makes one entry, listed under the first of its
// watches in spec's order, with the others in Also, and shown with the
// best hit of that watch (the highest score, then the hit from the copy
// first by story.Rank). A story the digest already sent for a watch is no
// news for it: its new hits there are only marked included (a new copy of
// a known story is no development). Entries are ordered by score, then
// newest first; when more than spec.MaxStories entries exist the lowest
// ranked are cut, but their hits still count as included so that they do
// not come back in the next digest. Nothing depends on the candidates'
// order.
func Build(spec Spec, id string, now time.Time, cands []Candidate, hitTimes map[string][]time.Time) *Digest {
	loc := spec.Location
	if loc == nil {
		loc = time.UTC
	}
	d := &Digest{ID: id, Name: spec.Name, GeneratedAt: now.UTC(), Timezone: loc.String()}
	index := map[string]int{}
	for _, w := range spec.Watches {
		index[w.ID] = len(d.Watches)
		title := w.Title
		if title == "" {
			title = w.ID
		}
		d.Watches = append(d.Watches, Section{ID: w.ID, Title: title, Stories: []Story{},
			Daily: Daily(hitTimes[w.ID], now, loc), Link: watchLink(spec.PublicURL, w.ID)})
	}

	// best holds, per story and section, the hit the story is shown with.
	best := map[int64]map[int]Candidate{}
	for _, c := range cands {
		i, ok := index[c.Watch]
		if !ok {
			continue
		}
		d.HitIDs = append(d.HitIDs, c.HitID)
		if c.Sent {
			continue
		}
		k := c.StoryID
		if k == 0 {
			k = -c.ItemID
		}
		if best[k] == nil {
			best[k] = map[int]Candidate{}
		}
		if b, ok := best[k][i]; !ok || better(c, b) {
			best[k][i] = c
		}
	}
	type entry struct {
		section int
		story   Story
	}
	entries := make([]entry, 0, len(best))
	for _, bySection := range best {
		sections := make([]int, 0, len(bySection))
		for i := range bySection {
			sections = append(sections, i)
		}
		slices.Sort(sections)
		s := storyOf(bySection[sections[0]])
		for _, i := range sections[1:] {
			s.Also = append(s.Also, d.Watches[i].ID)
		}
		entries = append(entries, entry{sections[0], s})
	}
	slices.SortFunc(entries, func(a, b entry) int {
		return rank(a.story, b.story)
	})
	for n, e := range entries {
		s := &d.Watches[e.section]
		if spec.MaxStories > 0 && n >= spec.MaxStories {
			s.More++
			continue
		}
		s.Stories = append(s.Stories, e.story)
	}
	if spec.Instant {
		// An instant digest is an alert about what is new: a watch with
		// nothing new has no place in it.
		d.Watches = slices.DeleteFunc(d.Watches, func(s Section) bool { return s.Total() == 0 })
	}
	slices.Sort(d.HitIDs)
	return d
}

// watchLink returns the address of a watch's page (its stories, newest
// first) under the public URL, or "" without one.
func watchLink(public, watch string) string {
	if public == "" {
		return ""
	}
	return strings.TrimRight(public, "/") + "/watch/" + url.PathEscape(watch)
}

// better reports whether hit a should show a story rather than hit b.
func better(a, b Candidate) bool {
	if a.Score != b.Score {
		return a.Score > b.Score
	}
	if c := a.Copy.Compare(b.Copy); c != 0 {
		return c < 0
	}
	return a.HitID < b.HitID
}

// rank orders stories by score, then newest first, by when the lead was
// published (first seen, when undated), then by first sighting, link and
// id: a publication time is the report's own, so the order of stories
// found over several poll cycles does not depend on which cycle found
// which.
func rank(a, b Story) int {
	if c := cmp.Compare(b.Score, a.Score); c != 0 {
		return c
	}
	if c := when(b).Compare(when(a)); c != 0 {
		return c
	}
	if c := b.FirstSeen.Compare(a.FirstSeen); c != 0 {
		return c
	}
	if c := cmp.Compare(a.URL, b.URL); c != 0 {
		return c
	}
	return cmp.Compare(a.ID, b.ID)
}

// when is a story's time for ordering: its lead's publication, else when
// it was first seen.
func when(s Story) time.Time {
	if s.Published.IsZero() {
		return s.FirstSeen
	}
	return s.Published
}

func storyOf(c Candidate) Story {
	outlets := []string{}
	for _, o := range c.Outlets {
		if o = clean(o); o != "" && !slices.Contains(outlets, o) {
			outlets = append(outlets, o)
		}
	}
	if o := clean(c.Outlet); o != "" && len(outlets) == 0 {
		outlets = []string{o}
	}
	id := c.ItemID
	if c.StoryID != 0 {
		id = c.StoryID
	}
	matches := make([]match.Match, 0, len(c.Matches))
	for _, m := range c.Matches {
		m.Term = clean(m.Term)
		m.Found = clean(m.Found)
		matches = append(matches, m)
	}
	return Story{
		ID:        strconv.FormatInt(id, 10),
		Title:     clean(c.Title),
		URL:       safe.Link(c.URL),
		Outlets:   outlets,
		FirstSeen: c.FirstSeen.UTC(),
		Published: c.Published.UTC(),
		Score:     c.Score,
		Terms:     c.Terms,
		Matches:   matches,
	}
}

// clean makes feed text one line without control or bidi-override
// characters (safe.Text), so that it cannot break the layout of a text
// message or a header, forge a line or drive a terminal.
func clean(s string) string { return safe.Text(s) }

// Daily counts times per local day in loc over the ChartDays days ending
// today, oldest first: the bars of a digest's chart, and of the desk's
// pages, from the times DigestStore.HitTimes gives.
func Daily(times []time.Time, now time.Time, loc *time.Location) []int {
	counts := make([]int, ChartDays)
	today := dayStart(now.In(loc))
	first := today.AddDate(0, 0, -(ChartDays - 1))
	for _, t := range times {
		day := dayStart(t.In(loc))
		if day.Before(first) || day.After(today) {
			continue
		}
		// Days are counted on the calendar, not in 24 h steps, so that a
		// daylight saving change does not shift a bar.
		n := 0
		for d := first; d.Before(day); d = d.AddDate(0, 0, 1) {
			n++
		}
		counts[n]++
	}
	return counts
}

func dayStart(t time.Time) time.Time {
	y, m, d := t.Date()
	return time.Date(y, m, d, 0, 0, 0, 0, t.Location())
}

// ChartSince returns the earliest time whose hits can appear in the chart of
// a digest built at now in loc.
func ChartSince(now time.Time, loc *time.Location) time.Time {
	if loc == nil {
		loc = time.UTC
	}
	return dayStart(now.In(loc)).AddDate(0, 0, -(ChartDays - 1))
}
