package store

import (
	"encoding/json"
	"errors"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/storywatch/storywatch/match"
)

// A hit's evidence (its matches) is stored in hits.matches in a terse
// text form rather than as JSON: encoding and decoding it costs a fraction
// of encoding/json's reflection, it carries no field names, and a string
// equal to the same field of the match before it (the field, the term, a
// snippet shared by two matches) is stored once. Rows written as JSON
// arrays (every row before this form, and evidence this form cannot hold)
// stay readable: decodeMatches tells the two apart by the first byte.
//
// The form is evidencePrefix, then per match its mark as two decimal
// numbers ("start,end,") and its term, field, snippet, found text and
// variant, each as "=" (the same as the previous match's) or its length
// in bytes, ":" and its bytes.
const evidencePrefix = "~"

// encodeMatches returns the stored form of a hit's matches.
func encodeMatches(ms []match.Match) (string, error) {
	if len(ms) == 0 || !terseable(ms) {
		b, err := json.Marshal(ms)
		return string(b), err
	}
	n := len(evidencePrefix)
	for _, m := range ms {
		n += 16 + len(m.Term) + len(m.Field) + len(m.Snippet) + len(m.Found) + len(m.Variant)
	}
	b := make([]byte, 0, n)
	b = append(b, evidencePrefix...)
	var prev *match.Match
	for i := range ms {
		m := &ms[i]
		b = strconv.AppendInt(b, int64(m.Mark[0]), 10)
		b = append(b, ',')
		b = strconv.AppendInt(b, int64(m.Mark[1]), 10)
		b = append(b, ',')
		for f, s := range matchFields(m) {
			if prev != nil && *matchFields(prev)[f] == *s {
				b = append(b, '=')
				continue
			}
			b = strconv.AppendInt(b, int64(len(*s)), 10)
			b = append(b, ':')
			b = append(b, *s...)
		}
		prev = m
	}
	return string(b), nil
}

// terseable reports whether the terse form holds ms exactly: JSON would
// replace invalid UTF-8, and PostgreSQL's text holds no NUL.
func terseable(ms []match.Match) bool {
	for i := range ms {
		if ms[i].Mark[0] < 0 || ms[i].Mark[1] < 0 {
			return false
		}
		for _, s := range matchFields(&ms[i]) {
			if !utf8.ValidString(*s) || strings.IndexByte(*s, 0) >= 0 {
				return false
			}
		}
	}
	return true
}

// matchFields are the strings of a match, in their stored order.
func matchFields(m *match.Match) [5]*string {
	return [5]*string{&m.Term, &m.Field, &m.Snippet, &m.Found, &m.Variant}
}

var errEvidence = errors.New("malformed evidence")

// decodeMatches reads the stored form of a hit's matches, terse or JSON.
// The strings it returns share the memory of s.
func decodeMatches(s string) ([]match.Match, error) {
	rest, terse := strings.CutPrefix(s, evidencePrefix)
	if !terse {
		var ms []match.Match
		err := json.Unmarshal([]byte(s), &ms)
		return ms, err
	}
	var ms []match.Match
	for rest != "" {
		var m match.Match
		var err error
		for i := range m.Mark {
			if m.Mark[i], rest, err = decodeNumber(rest, ','); err != nil {
				return nil, err
			}
		}
		for f, dst := range matchFields(&m) {
			if strings.HasPrefix(rest, "=") {
				if len(ms) == 0 {
					return nil, errEvidence
				}
				*dst, rest = *matchFields(&ms[len(ms)-1])[f], rest[1:]
				continue
			}
			var n int
			if n, rest, err = decodeNumber(rest, ':'); err != nil {
				return nil, err
			}
			if n > len(rest) {
				return nil, errEvidence
			}
			*dst, rest = rest[:n], rest[n:]
		}
		ms = append(ms, m)
	}
	return ms, nil
}

// decodeNumber reads a non-negative decimal number ended by sep.
func decodeNumber(s string, sep byte) (int, string, error) {
	i := strings.IndexByte(s, sep)
	if i <= 0 {
		return 0, "", errEvidence
	}
	n, err := strconv.Atoi(s[:i])
	if err != nil || n < 0 {
		return 0, "", errEvidence
	}
	return n, s[i+1:], nil
}
