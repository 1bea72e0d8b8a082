package feed

import (
	"html"
	"strings"
	"unicode/utf8"
)

// reference reads the "&" that starts s: a character reference, or an "&"
// that is text.
func (b *textBuilder) reference(s string) (int, bool) {
	i := 1
	for i < len(s) && isAlnum(s[i]) {
		i++
	}
	switch {
	case len(s) > 1 && s[1] == '#':
		return b.numericReference(s)
	case i == 1:
		b.textIfShown("&") // "& " and "&;" are text
		return 1, true
	case i < len(s) && s[i] == ';':
		i++
	}
	ref := s[:i]
	if r, ok := commonReferences[ref]; ok {
		b.textIfShown(r)
		return i, true
	}
	// html.UnescapeString resolves a name whole, as the tokenizer does
	// first; the tokenizer then tries the prefixes of a name it cannot
	// resolve, which two letters or fewer do not have.
	if text := html.UnescapeString(ref); text != ref {
		b.textIfShown(text)
		return i, true
	}
	if len(strings.TrimSuffix(ref, ";")) <= 3 {
		b.textIfShown("&")
		return 1, true
	}
	return 0, false
}

// commonReferences are resolved without html.UnescapeString's copies.
var commonReferences = map[string]string{
	"&amp;": "&", "&lt;": "<", "&gt;": ">", "&quot;": `"`, "&apos;": "'", "&nbsp;": "\u00a0",
	"&rsquo;": "’", "&lsquo;": "‘", "&rdquo;": "”", "&ldquo;": "“", "&mdash;": "—", "&ndash;": "–",
	"&hellip;": "…",
}

// numericReference reads "&#…" as the tokenizer does: decimal or "x"
// hexadecimal digits, an optional ";", windows-1252 for C1 controls and
// U+FFFD for what is not a character.
func (b *textBuilder) numericReference(s string) (int, bool) {
	i, base := 2, rune(10)
	if i < len(s) && (s[i] == 'x' || s[i] == 'X') {
		i, base = 3, 16
	}
	start := i
	x := rune(0)
	for ; i < len(s); i++ {
		d := digitValue(s[i])
		if d >= base {
			break
		}
		if x <= utf8.MaxRune {
			x = base*x + d
		}
	}
	if i == start {
		b.textIfShown("&")
		return 1, true
	}
	if i < len(s) && s[i] == ';' {
		i++
	}
	switch {
	case x >= 0x80 && x <= 0x9F:
		x = windows1252C1[x-0x80]
	case x == 0 || x >= 0xD800 && x <= 0xDFFF || x > utf8.MaxRune:
		x = utf8.RuneError
	}
	if b.skip == 0 {
		var buf [utf8.UTFMax]byte
		addText(b, buf[:utf8.EncodeRune(buf[:], x)])
	}
	return i, true
}

// windows1252C1 is what the tokenizer makes of numeric references to C1
// controls: the windows-1252 character of that byte, the control itself
// where windows-1252 has none.
var windows1252C1 = [32]rune{
	'\u20AC', '\u0081', '\u201A', '\u0192', '\u201E', '\u2026', '\u2020', '\u2021',
	'\u02C6', '\u2030', '\u0160', '\u2039', '\u0152', '\u008D', '\u017D', '\u008F',
	'\u0090', '\u2018', '\u2019', '\u201C', '\u201D', '\u2022', '\u2013', '\u2014',
	'\u02DC', '\u2122', '\u0161', '\u203A', '\u0153', '\u009D', '\u017E', '\u0178',
}

func digitValue(c byte) rune {
	switch {
	case '0' <= c && c <= '9':
		return rune(c - '0')
	case 'a' <= c && c <= 'f':
		return rune(c-'a') + 10
	case 'A' <= c && c <= 'F':
		return rune(c-'A') + 10
	}
	return 99
}
