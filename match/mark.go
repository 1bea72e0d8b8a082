package match

import "unicode/utf8"

// Split returns the snippet in three parts: before the match, the match
// and after it, so that an HTML rendering can escape each part and wrap
// the middle one in its own element. A mark out of range or not on
// character boundaries is ignored rather than trusted: the whole snippet
// comes back as before.
func (m Match) Split() (before, marked, after string) {
	s, a, b := m.Snippet, m.Mark[0], m.Mark[1]
	if a < 0 || b <= a || b > len(s) || !utf8.RuneStart(s[a]) || (b < len(s) && !utf8.RuneStart(s[b])) {
		return s, "", ""
	}
	return s[:a], s[a:b], s[b:]
}
