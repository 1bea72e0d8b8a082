package notify

import (
	"unicode"
	"unicode/utf8"

	"github.com/storywatch/storywatch/match"
	"github.com/storywatch/storywatch/safe"
)

// sanitized returns a copy of d fit for every rendering: feed text as one
// line without control or bidi-override characters, links only when they
// are http or https URLs (safe.Link). Digests are built clean; this also
// covers a digest stored by an older version and rendered for a retry.
func sanitized(d *Digest) *Digest {
	out := *d
	out.Watches = make([]Section, len(d.Watches))
	for i, s := range d.Watches {
		s.Title = clean(s.Title)
		stories := make([]Story, len(s.Stories))
		for j, st := range s.Stories {
			st.Title = clean(st.Title)
			st.URL = safe.Link(st.URL)
			outlets := make([]string, 0, len(st.Outlets))
			for _, o := range st.Outlets {
				if o = clean(o); o != "" {
					outlets = append(outlets, o)
				}
			}
			if st.Outlets == nil {
				outlets = nil
			}
			st.Outlets = outlets
			matches := make([]match.Match, len(st.Matches))
			for k, m := range st.Matches {
				matches[k] = sanitizedMatch(m)
			}
			st.Matches = matches
			stories[j] = st
		}
		s.Stories = stories
		out.Watches[i] = s
	}
	return &out
}

// sanitizedMatch cleans a match's text, cleaning its snippet on either
// side of the mark so that the mark still covers the matched words.
func sanitizedMatch(m match.Match) match.Match {
	m.Term, m.Field = clean(m.Term), clean(m.Field)
	p := splitMark(m.Snippet, m.Mark)
	before, mark, after := clean(p.Before), clean(p.Mark), clean(p.After)
	if mark == "" {
		m.Snippet, m.Mark = clean(m.Snippet), [2]int{}
		return m
	}
	if before != "" && (spaced(lastRune(p.Before)) || spaced(firstRune(p.Mark))) {
		before += " "
	}
	if after != "" && (spaced(lastRune(p.Mark)) || spaced(firstRune(p.After))) {
		after = " " + after
	}
	m.Snippet = before + mark + after
	m.Mark = [2]int{len(before), len(before) + len(mark)}
	return m
}

// spaced reports the characters that clean turns into a space.
func spaced(r rune) bool { return unicode.IsSpace(r) || unicode.IsControl(r) }

func firstRune(s string) rune {
	r, _ := utf8.DecodeRuneInString(s)
	return r
}

func lastRune(s string) rune {
	r, _ := utf8.DecodeLastRuneInString(s)
	return r
}
