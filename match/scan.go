package match

import "unicode/utf8"

// tokenizer hands out the normalized tokens of a text one at a time, so
// that a caller builds its own structures in a plain loop instead of a
// callback per token.
type tokenizer struct {
	s string
	i int // the next byte of s to read
	// A rune whose normalized form holds a space (a compatibility
	// character) can end a token in its middle: rest is what is left of
	// that form, for the rune at at of size size.
	rest     string
	at, size int
}

func newTokenizer(s string) tokenizer {
	loadNormTable()
	return tokenizer{s: s}
}

// Flags of a token that next hands out.
const (
	// tokWide: a byte of the token came from a non-ASCII rune; only
	// then can it hold Cyrillic.
	tokWide uint8 = 1
	// tokMarked: the token's original text holds a letter or mark that
	// restoreMarks puts back (hasMarkedLetter of it is true). It is the
	// bit normMarked of the rune's kind.
	tokMarked = normMarked
)

// next appends the next normalized token to buf and returns buf, the byte
// range [start, end) of the original text the token came from, and its
// flags (tokWide, tokMarked). ok is false at the end of the text, with buf
// unchanged.
func (t *tokenizer) next(buf []byte) (out []byte, start, end int, flags uint8, ok bool) {
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
		if b, j, f := twoByteLetters(buf, s, i); j > i {
			buf = b
			if start < 0 {
				start = i
			}
			i, end, flags = j, j, flags|tokWide|f
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

// twoByteLetters appends to b the normalized bytes of the run of two-byte
// letters of normTwo that s[i:] starts with and returns b, where the run
// ends (i when there is none) and the normMarked bit of any of them.
func twoByteLetters(b []byte, s string, i int) ([]byte, int, uint8) {
	var marked uint32
	for i+1 < len(s) {
		c, c1 := s[i], s[i+1]
		if c < 0xC2 || c >= 0xE0 || c1&0xC0 != 0x80 {
			break
		}
		e := normTwo[uint32(c&0x1F)<<6|uint32(c1&0x3F)]
		if e == 0 {
			break
		}
		if e>>16&3 == 2 {
			b = append(b, byte(e), byte(e>>8))
		} else {
			b = append(b, byte(e))
		}
		marked |= e >> 24
		i += 2
	}
	return b, i, uint8(marked)
}

// scanTokens calls emit for every normalized token of s with the byte range
// [start, end) of the original text it came from. tok is only valid during
// the call. buf is scratch space; the grown buffer is returned.
func scanTokens(s string, buf []byte, emit func(tok []byte, start, end int)) []byte {
	t := newTokenizer(s)
	for {
		tok, start, end, _, ok := t.next(buf[:0])
		buf = tok
		if !ok {
			return buf
		}
		emit(tok, start, end)
	}
}

// resume goes on with the rest of a rune's normalized form after the space
// that ended the previous token: it appends to buf the bytes up to the
// next space, and done says that this space ends a token there.
func (t *tokenizer) resume(buf []byte) (out []byte, start, end int, flags uint8, done bool) {
	start = -1
	rest := t.rest
	t.rest = ""
	for j := 0; j < len(rest); j++ {
		if rest[j] == ' ' {
			if start >= 0 {
				t.rest = rest[j+1:]
				return buf, start, end, tokWide, true
			}
			continue
		}
		if start < 0 {
			start = t.at
		}
		buf = append(buf, rest[j])
		end = t.at + t.size
	}
	if start >= 0 {
		flags = tokWide
	}
	return buf, start, end, flags, false
}
