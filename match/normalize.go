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
	normKinds []uint8  // rune -> normMixed or normLetters, with normMarked
	// normTwo packs, for each rune of two UTF-8 bytes (U+0080 to U+07FF)
	// that normalizes to one or two bytes of letters, those bytes (the
	// low two bytes), their count (the third) and its normMarked bit
	// (the fourth); 0 for the other runes. The tokenizer reads a run of
	// Latin, Greek or Cyrillic letters from it without decoding a rune.
	normTwo [0x800]uint32
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
			switch r {
			case 'й', 'Й', 'ї', 'Ї', 0x306, 0x308:
				kinds[r] |= normMarked
			}
		}
		for r := rune(0x80); r < 0x800; r++ {
			if out := t[r]; kinds[r]&normLetters != 0 && len(out) <= 2 {
				e := uint32(out[0]) | uint32(len(out))<<16 | uint32(kinds[r]&normMarked)<<24
				if len(out) == 2 {
					e |= uint32(out[1]) << 8
				}
				normTwo[r] = e
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
	// normMarked is set, besides the kind, on the letters that
	// restoreMarks puts back and on the marks that make them.
	normMarked uint8 = 2
)

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
