package match

import (
	"strings"
	"unicode/utf8"
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
	// Every letter of translitTable falls in the array
	// (TestTranslitRunesHoldTheWholeTable).
	for r, lat := range translitTable {
		if i := int(r - translitFirst); i >= 0 && i < len(t) {
			t[i].lat, t[i].ok = lat, true
		}
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
