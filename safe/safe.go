package safe

import (
	"net/url"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Link returns raw, trimmed, when it is an absolute http or https URL with
// a host and without white space, control or bidirectional formatting
// characters; otherwise it returns "". Such a link cannot run script
// (javascript:, data:, vbscript:), start a new line in a text rendering
// or move the terminal's cursor.
func Link(raw string) string {
	s := strings.TrimSpace(raw)
	if s == "" || !utf8.ValidString(s) {
		return ""
	}
	for _, r := range s {
		if unicode.IsSpace(r) || unicode.IsControl(r) || Bidi(r) {
			return ""
		}
	}
	u, err := url.Parse(s)
	if err != nil || u.Opaque != "" || u.Host == "" {
		return ""
	}
	switch strings.ToLower(u.Scheme) {
	case "http", "https":
		return s
	}
	return ""
}

// Text returns s as one line of plain text: control characters (C0, C1,
// DEL) and line or paragraph separators become spaces, bidirectional
// embeddings, overrides and isolates are dropped, invalid UTF-8 becomes
// U+FFFD, runs of white space collapse to one space and the ends are
// trimmed.
func Text(s string) string {
	if isPlain(s) {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	space := false
	for _, r := range strings.ToValidUTF8(s, "\uFFFD") {
		switch {
		case Bidi(r):
			continue
		case unicode.IsSpace(r) || unicode.IsControl(r):
			space = b.Len() > 0
			continue
		}
		if space {
			b.WriteByte(' ')
			space = false
		}
		b.WriteRune(r)
	}
	return b.String()
}

// isPlain reports whether Text would return s unchanged.
func isPlain(s string) bool {
	prevSpace := true // no leading space
	for i, r := range s {
		if r == utf8.RuneError {
			if _, n := utf8.DecodeRuneInString(s[i:]); n == 1 {
				return false
			}
		}
		switch {
		case Bidi(r), unicode.IsControl(r):
			return false
		case r == ' ':
			if prevSpace {
				return false
			}
			prevSpace = true
		case unicode.IsSpace(r):
			return false
		default:
			prevSpace = false
		}
	}
	return !prevSpace || s == ""
}

// Bidi reports the bidirectional formatting characters that change the
// order text is shown in: the embeddings and overrides U+202A–U+202E and
// the isolates U+2066–U+2069, the tools of "Trojan Source" spoofing. The
// marks U+200E, U+200F and U+061C that right-to-left text needs are not
// among them.
func Bidi(r rune) bool {
	return r >= 0x202A && r <= 0x202E || r >= 0x2066 && r <= 0x2069
}
