package match

import (
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/cases"
	"golang.org/x/text/unicode/norm"
)

// Normalize returns the tokens of s (see Tokens) joined by single spaces: the
// form in which two texts compare equal when they differ only in case,
// diacritics, punctuation or spacing.
func Normalize(s string) string {
	return strings.Join(Tokens(s), " ")
}

// Tokens returns the normalized tokens of s (docs/architecture.md, "Matching"): s is decomposed
// (NFKD), combining marks are removed, case is folded, and tokens are the
// maximal runs of letters and digits. Cyrillic tokens stay Cyrillic here; the
// Matcher also matches their Latin transliteration.
func Tokens(s string) []string {
	var toks []string
	var buf []byte
	scanTokens(s, buf, func(tok []byte, _, _ int) {
		toks = append(toks, string(tok))
	})
	return toks
}

// isWordRune reports whether r belongs to a token before normalization.
func isWordRune(r rune) bool {
	return unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.IsMark(r)
}

// tableSize covers Latin, Greek, Cyrillic and the other alphabetic scripts
// and punctuation below CJK; runes above it are normalized on the fly.
const tableSize = 0x3000

var (
	normOnce  sync.Once
	normTable []string // rune -> normalized bytes, separators as ' '
	normKinds []uint8  // rune -> normMixed or normLetters
)

func loadNormTable() {
	normOnce.Do(func() {
		t := make([]string, tableSize)
		kinds := make([]uint8, tableSize)
		fold := cases.Fold()
		for r := rune(0); r < tableSize; r++ {
			t[r] = computeNorm(r, fold)
			if t[r] != "" && !strings.Contains(t[r], " ") {
				kinds[r] = normLetters
			}
		}
		normTable, normKinds = t, kinds
	})
}

// computeNorm returns the normalized form of one rune: letters and digits
// decomposed, unmarked and case folded; every other rune becomes a space.
func computeNorm(r rune, fold cases.Caser) string {
	if !utf8.ValidRune(r) {
		return " "
	}
	s := norm.NFKD.String(string(r))
	folded := fold.String(s)
	if fold.String(folded) != folded {
		// x/text folds a few letters back and forth (Cherokee U+13F0–13F5
		// and U+13F8–13FD); their lower case is stable.
		folded = strings.ToLower(s)
	}
	s = norm.NFKD.String(folded)
	var b strings.Builder
	for _, c := range s {
		switch {
		case unicode.In(c, unicode.Mn, unicode.Me):
		case isWordRune(c):
			b.WriteRune(c)
		default:
			b.WriteByte(' ')
		}
	}
	return b.String()
}

// normRune returns the normalized bytes of r, or same=true when they are
// the rune's own UTF-8 encoding (the common case for CJK and other scripts
// without case or decomposition).
func normRune(r rune) (out string, same bool) {
	if r < tableSize {
		return normTable[r], false
	}
	if r == utf8.RuneError {
		return " ", false
	}
	var b [utf8.UTFMax]byte
	n := utf8.EncodeRune(b[:], r)
	if norm.NFKD.Properties(b[:n]).Decomposition() == nil {
		switch {
		case unicode.IsLetter(r) && unicode.ToLower(r) == r:
			return "", true
		case !isWordRune(r):
			// Emoji, symbols, private use: nothing to decompose or fold,
			// a separator. Without this shortcut each cost a computeNorm
			// (microseconds): a hostile megabyte of emoji took seconds.
			return " ", false
		}
	}
	return computeNorm(r, cases.Fold()), false
}

// scanTokens calls emit for every normalized token of s with the byte range
// [start, end) of the original text it came from. tok is only valid during
// the call. buf is scratch space; the grown buffer is returned.
func scanTokens(s string, buf []byte, emit func(tok []byte, start, end int)) []byte {
	loadNormTable()
	buf = buf[:0]
	start, end := -1, 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if asciiFold[c] == 0 {
				if start >= 0 {
					emit(buf, start, end)
					buf, start = buf[:0], -1
				}
				i++
				continue
			}
			if start < 0 {
				start = i
			}
			for ; i < len(s) && asciiFold[s[i]] != 0; i++ { // a run of letters and digits
				buf = append(buf, asciiFold[s[i]])
			}
			end = i
			continue
		}
		var r rune
		size := 2
		if c < 0xE0 && i+1 < len(s) && s[i+1]&0xC0 == 0x80 && c >= 0xC2 {
			r = rune(c&0x1F)<<6 | rune(s[i+1]&0x3F) // Latin, Greek, Cyrillic …
		} else {
			r, size = utf8.DecodeRuneInString(s[i:])
		}
		out, same := "", false
		kind := normMixed
		if r < tableSize {
			out, kind = normTable[r], normKinds[r]
		} else {
			out, same = normRune(r)
		}
		switch {
		case kind == normLetters:
			if start < 0 {
				start = i
			}
			if len(out) == 2 {
				buf = append(buf, out[0], out[1]) // no copy call for a Cyrillic letter
			} else {
				buf = append(buf, out...)
			}
			end = i + size
		case same:
			if start < 0 {
				start = i
			}
			buf = append(buf, s[i:i+size]...)
			end = i + size
		case out == "":
			// A combining mark continues the token it follows.
			if start >= 0 {
				end = i + size
			}
		default:
			for j := 0; j < len(out); j++ {
				if out[j] == ' ' {
					if start >= 0 {
						emit(buf, start, end)
						buf, start = buf[:0], -1
					}
					continue
				}
				if start < 0 {
					start = i
				}
				buf = append(buf, out[j])
				end = i + size
			}
		}
		i += size
	}
	if start >= 0 {
		emit(buf, start, end)
	}
	return buf
}

// asciiFold maps an ASCII letter or digit to its normalized byte and
// every other ASCII byte to 0, a separator.
var asciiFold = func() (t [256]byte) {
	for c := '0'; c <= '9'; c++ {
		t[c] = byte(c)
	}
	for c := 'a'; c <= 'z'; c++ {
		t[c], t[c-'a'+'A'] = byte(c), byte(c)
	}
	return t
}()

// Kinds of normTable entries, so that a letter costs no look at its bytes.
const (
	normMixed   uint8 = iota // separators, marks or both with letters
	normLetters              // letters and digits only
)

// translitTable maps lower-case Cyrillic letters (after normalization,
// which folds ё into е, and after restoreMarks, which keeps й and ї) to
// Latin, BGN/PCGN style. One table serves Russian and Ukrainian, so a letter
// the two spell differently gets the Russian value: г is g (Ukrainian
// Гречко would be Hrechko), и is i (Ukrainian Володимир would be
// Volodymyr). Endings in й have a second form; see appendTranslit.
var translitTable = map[rune]string{
	'а': "a", 'б': "b", 'в': "v", 'г': "g", 'д': "d", 'е': "e", 'ж': "zh",
	'з': "z", 'и': "i", 'й': "y", 'к': "k", 'л': "l", 'м': "m", 'н': "n",
	'о': "o", 'п': "p", 'р': "r", 'с': "s", 'т': "t", 'у': "u", 'ф': "f",
	'х': "kh", 'ц': "ts", 'ч': "ch", 'ш': "sh", 'щ': "shch", 'ъ': "", 'ы': "y",
	'ь': "", 'э': "e", 'ю': "yu", 'я': "ya",
	// Ukrainian letters (BGN/PCGN 1965).
	'і': "i", 'ї': "yi", 'є': "ye", 'ґ': "g",
	// Serbian and Macedonian letters.
	'ђ': "dj", 'ј': "j", 'љ': "lj", 'њ': "nj", 'ћ': "c", 'џ': "dz", 'ѕ': "dz",
}

// translitFirst is the first rune of translitRunes, translitTable as an
// array: a look-up per letter of every Cyrillic word of every item.
const translitFirst = 0x430

var translitRunes = func() (t [0x492 - translitFirst]struct {
	lat string
	ok  bool
}) {
	for r, lat := range translitTable {
		if r < translitFirst || r >= translitFirst+rune(len(t)) {
			panic("translitTable: letter outside translitRunes")
		}
		t[r-translitFirst].lat, t[r-translitFirst].ok = lat, true
	}
	return t
}()

// hasCyrillic reports whether a normalized token holds a Cyrillic letter
// (U+0400–U+04FF, lead bytes 0xD0–0xD3).
func hasCyrillic(tok []byte) bool {
	for _, c := range tok {
		if c >= 0xD0 && c <= 0xD3 {
			return true
		}
	}
	return false
}

// restoreMarks appends tok to dst with each и put back to й, and each і to
// ї, where the original text orig of the token had that letter: they are
// letters of their own, not и and і with a mark, but NFKD and the removal of
// marks fold them. Tokens keep the folded form (docs/architecture.md, "Matching"); only the
// transliteration needs the difference (Юрий is Yuri, not Yurii). When orig
// does not line up with tok (a compatibility character at its edge, or more
// than 64 such letters), tok is appended as it is.
func restoreMarks(dst, tok []byte, orig string) []byte {
	if !hasMarkedLetter(orig) {
		return append(dst, tok...)
	}
	var flags uint64 // bit n: the n-th и or і of tok was й or ї
	n := 0
	var prev rune // the previous rune normalized to exactly this и or і
	for _, r := range orig {
		switch r {
		case 'й', 'Й', 'ї', 'Ї':
			if n < 64 {
				flags |= 1 << n
			}
			n, prev = n+1, 0
			continue
		case '\u0306', '\u0308': // combining breve and diaeresis: й is й, ї is ї
			if (r == '\u0306' && prev == 'и' || r == '\u0308' && prev == 'і') && n <= 64 {
				flags |= 1 << (n - 1)
			}
			prev = 0
			continue
		}
		if r >= 'А' && r <= 'я' { // the basic Cyrillic letters (й is above)
			prev = 0
			if r == 'и' || r == 'И' {
				n, prev = n+1, 'и'
			}
			continue
		}
		out, same := normRune(r)
		if same {
			prev = 0
			continue
		}
		c := strings.Count(out, "и") + strings.Count(out, "і")
		n += c
		prev = 0
		if out == "и" || out == "і" {
			prev, _ = utf8.DecodeRuneInString(out)
		}
	}
	if flags == 0 || n > 64 {
		return append(dst, tok...)
	}
	mark := len(dst)
	dst = append(dst, tok...)
	k := 0
	for i := mark; i+1 < len(dst); i++ {
		switch {
		case dst[i] == 0xD0 && dst[i+1] == 0xB8: // и
		case dst[i] == 0xD1 && dst[i+1] == 0x96: // і
		default:
			continue
		}
		if flags&(1<<k) != 0 {
			dst[i+1]++ // и → й (U+0439), і → ї (U+0457)
		}
		k++
		i++
	}
	if k != n {
		return append(dst[:mark], tok...)
	}
	return dst
}

// hasMarkedLetter reports whether s holds й, Й, ї, Ї or a combining breve
// or diaeresis (U+0306, U+0308), the letters restoreMarks puts back.
func hasMarkedLetter(s string) bool {
	for i := 0; i+1 < len(s); i++ {
		switch c := s[i+1]; s[i] {
		case 0xD0:
			if c == 0xB9 || c == 0x99 || c == 0x87 {
				return true
			}
		case 0xD1:
			if c == 0x97 {
				return true
			}
		case 0xCC:
			if c == 0x86 || c == 0x88 {
				return true
			}
		}
	}
	return false
}

// hasSecondForm reports whether a restored token ends in й, whose
// transliteration has a second common spelling.
func hasSecondForm(tok []byte) bool {
	n := len(tok)
	return n >= 2 && tok[n-2] == 0xD0 && tok[n-1] == 0xB9
}

// appendTranslit appends the Latin transliteration of a normalized token
// (after restoreMarks). A final -ий or -ый becomes y (Юрий → yury, Зеленский
// and Зеленський → zelensky), another final й becomes y (Сергей → sergey).
// With second set the ending takes the other common English spelling
// instead: -ий → i (yuri, dmitri), -ый → yi, and й → i (sergei, nikolai),
// so that both "Yuri Ushakov" and "Yury Ushakov" find Юрий Ушаков.
func appendTranslit(dst, tok []byte, second bool) []byte {
	body := tok
	ending := ""
	if hasSecondForm(tok) {
		body = tok[:len(tok)-2]
		prev, size := utf8.DecodeLastRune(body)
		switch {
		case prev == 'и' && second:
			body, ending = body[:len(body)-size], "i"
		case prev == 'и' || prev == 'ы':
			body, ending = body[:len(body)-size], "y"
			if second && prev == 'ы' {
				ending = "yi"
			}
		case second:
			ending = "i"
		default:
			ending = "y"
		}
	}
	for i := 0; i < len(body); {
		c := body[i]
		if c < utf8.RuneSelf {
			dst = append(dst, c)
			i++
			continue
		}
		var r rune
		size := 2
		if c < 0xE0 && i+1 < len(body) && body[i+1]&0xC0 == 0x80 && c >= 0xC2 {
			r = rune(c&0x1F)<<6 | rune(body[i+1]&0x3F)
		} else {
			r, size = utf8.DecodeRune(body[i:])
		}
		if r >= translitFirst && r < translitFirst+rune(len(translitRunes)) && translitRunes[r-translitFirst].ok {
			dst = append(dst, translitRunes[r-translitFirst].lat...)
		} else {
			dst = append(dst, body[i:i+size]...)
		}
		i += size
	}
	return append(dst, ending...)
}

// AppendNormalized appends Normalize(s) to dst without allocating and
// returns the extended buffer and the number of tokens appended.
func AppendNormalized(dst []byte, s string) ([]byte, int) {
	n := 0
	var scratch [64]byte
	scanTokens(s, scratch[:0], func(tok []byte, _, _ int) {
		if n > 0 {
			dst = append(dst, ' ')
		}
		dst = append(dst, tok...)
		n++
	})
	return dst, n
}
