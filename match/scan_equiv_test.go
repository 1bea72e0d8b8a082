package match

import (
	"math/rand/v2"
	"strings"
	"testing"
	"unicode/utf8"
)

// Tokens are matched and hashed into stored fingerprints: a faster
// tokenizer must hand out the same tokens, byte ranges and flags for every
// text. refNext is the tokenizer before its run of two-byte letters, each
// rune decoded and looked up in normTable, kept as the reference.

func TestTokenizerIsReference(t *testing.T) {
	t.Parallel()
	loadNormTable()
	// Runes of every path: ASCII, Latin with marks, Greek, Cyrillic with
	// й and ї, combining marks, C1 controls and no-break space, two-byte
	// runes that are no letters or fold to more bytes (ŉ, ǅ), letters of
	// three and four bytes, compatibility characters with spaces, CJK,
	// emoji and invalid bytes.
	pieces := []string{
		"a", "Z", "7", " ", ",", "-", "\n", "é", "É", "ß", "ø", "ł", "ŉ", "ǅ", "Ω", "ά", "ж", "Ж", "й", "Й",
		"ї", "Ї", "ё", "і", "ґ", "\u0306", "\u0308", "\u0301", "\u0085", "\u0092", "\u00a0", "\u00ad",
		"×", "§", "«", "־", "א", "ب", "ߊ", "ﬁ", "½", "㎏", "Ⅻ", "東", "京", "😀", "ᏸ", "𝐀", "\xff", "\xd0", "\xc2",
	}
	for r := rune(0x80); r < 0x800; r += 7 {
		pieces = append(pieces, string(r))
	}
	rnd := rand.New(rand.NewPCG(11, 12))
	for trial := range 20000 {
		var b strings.Builder
		for range rnd.IntN(40) {
			b.WriteString(pieces[rnd.IntN(len(pieces))])
		}
		s := b.String()
		got, want := newTokenizer(s), newTokenizer(s)
		var gb, wb []byte
		for k := 0; ; k++ {
			var gs, ge, ws, we int
			var gf, wf uint8
			var gok, wok bool
			gb, gs, ge, gf, gok = got.next(gb[:0])
			wb, ws, we, wf, wok = want.refNext(wb[:0])
			if gok != wok || string(gb) != string(wb) || gs != ws || ge != we || gf != wf {
				t.Fatalf("trial %d, text %q, token %d: next = %q [%d,%d) flags %d ok %v, reference %q [%d,%d) flags %d ok %v",
					trial, s, k, gb, gs, ge, gf, gok, wb, ws, we, wf, wok)
			}
			if !gok {
				break
			}
		}
	}
}

func (t *tokenizer) refNext(buf []byte) (out []byte, start, end int, flags uint8, ok bool) {
	s := t.s
	start = -1
	i := t.i
	if t.rest != "" {
		var done bool
		if buf, start, end, flags, done = t.resume(buf); done {
			return buf, start, end, flags, true
		}
	}
	for i < len(s) {
		c := s[i]
		if c < utf8.RuneSelf {
			if asciiFold[c] == 0 {
				i++
				if start >= 0 {
					t.i = i
					return buf, start, end, flags, true
				}
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
		case kind&normLetters != 0:
			if start < 0 {
				start = i
			}
			if len(out) == 2 {
				buf = append(buf, out[0], out[1]) // no copy call for a Cyrillic letter
			} else {
				buf = append(buf, out...)
			}
			end, flags = i+size, flags|tokWide|kind&normMarked
		case same:
			if start < 0 {
				start = i
			}
			buf = append(buf, s[i:i+size]...)
			end, flags = i+size, flags|tokWide
		case out == "":
			// A combining mark continues the token it follows.
			if start >= 0 {
				end, flags = i+size, flags|kind&normMarked
			}
		default:
			for j := 0; j < len(out); j++ {
				if out[j] == ' ' {
					if start >= 0 {
						t.i, t.rest, t.at, t.size = i+size, out[j+1:], i, size
						return buf, start, end, flags, true
					}
					continue
				}
				if start < 0 {
					start = i
				}
				buf = append(buf, out[j])
				end, flags = i+size, flags|tokWide
			}
		}
		i += size
	}
	t.i = i
	if start >= 0 {
		return buf, start, end, flags, true
	}
	return buf, 0, 0, 0, false
}
