package match

import (
	"unicode"
	"unicode/utf8"
)

// A spelling key is what is left of a name once the differences between
// the orthographies and romanizations that write it are taken out
// (docs/matching.md, "Spelling variants"). Ушаков, Ushakov, Uschakow,
// Uszakow, Ušakov and Ouchakov all have the key "uSakov". Keys are bytes:
// lower-case ASCII letters for sounds that every orthography writes alike,
// and these upper-case symbols for the others:
const (
	symSh  = 'S' // ш: sh, sch, š, ş, ș, ś, sj
	symZh  = 'Z' // ж: zh, ž, ż, ź, zs, zj
	symCh  = 'C' // ч: tch, tsch, cz, č, ć, ç, cs, tsj
	symCH  = 'X' // ch: ч in English, ш in French, х in German, Polish and Czech
	symSZ  = 'Q' // sz (ш in Polish, с in Hungarian) and Greek σ (с or ш)
	symCK  = 'q' // c before a, o, u or a consonant: к in English and Romance, ц in Slavic
	symTs  = 'c' // ц: ts, tz, c before e, i, y, ț
	symKh  = 'h' // х: kh, h
	symVow = "aeiou"
)

// Other letters fold as follows (both in names as written and in text):
// y and j are i; w, f and ph are v; doubled letters are one;
// ou and oe are u; ae, ä, ö are e; ü is u; th is t; x is ks. A glide
// before e goes (Dmitrijew, Medwedjew, Niemcow: dmitrev, medvedev,
// nemcov), o after a hushing sound is e (Gorbatschow, Gorbachev), and jo
// after a consonant is e (Fjodor, Fyodor, Pyotr: fedor, petr).

// isKeyVowel reports whether a key symbol is a vowel.
func isKeyVowel(c byte) bool {
	switch c {
	case 'a', 'e', 'i', 'o', 'u':
		return true
	}
	return false
}

// isHushing reports the symbols after which o writes ё (and so is e).
// Not ch: it is х as often (Chodorkowski).
func isHushing(c byte) bool {
	return c == symSh || c == symZh || c == symCh || c == symSZ
}

// keyWriter appends key symbols, applying the rules that look at the
// symbols already written.
type keyWriter struct {
	out   []byte
	start int // where this key starts in out
	mb    int // len(out) after a Greek μπ written as b
}

func (w *keyWriter) n() int { return len(w.out) - w.start }

func (w *keyWriter) last(k int) byte {
	if w.n() < k {
		return 0
	}
	return w.out[len(w.out)-k]
}

func (w *keyWriter) put(c byte) {
	prev := w.last(1)
	if c == prev {
		return // doubled letters are one
	}
	switch {
	case c == 'e' && prev == 'i' && (w.n() == 1 || !isKeyVowel(w.last(2))):
		// A glide before e: Yeltsin, Jelzin, Eltsine; Dmitriev, Dmitrijew.
		w.out[len(w.out)-1] = 'e'
		return
	case c == symTs && prev == 't':
		w.out[len(w.out)-1] = symTs // тц, tz: Уолтц, Waltz
		return
	case (c == 'a' || c == 'o' || c == 'u') && prev == 'i' && isHushing(w.last(2)):
		// A softening i after a hushing sound: Gorbačiovas, Chruščiovas.
		w.out = w.out[:len(w.out)-1]
		if c == 'o' {
			c = 'e'
		}
	case c == 'o' && isHushing(prev):
		c = 'e' // ё after ж, ч, ш: Gorbachev, Gorbatschow, Gorbaczow
	}
	w.out = append(w.out, c)
}

func (w *keyWriter) puts(s string) {
	for i := 0; i < len(s); i++ {
		w.put(s[i])
	}
}

// appendKey appends the spelling key of one word (as written, with its
// diacritics) to dst. nonLatin reports a word in Cyrillic or Greek, to
// which the transcription variants of English names apply.
func appendKey(dst []byte, word string) (key []byte, nonLatin bool) {
	w := keyWriter{out: dst, start: len(dst)}
	var lat [64]byte
	if len(word) <= len(lat) {
		ascii := true
		for i := 0; i < len(word); i++ {
			c := word[i]
			switch {
			case 'a' <= c && c <= 'z', '0' <= c && c <= '9':
			case 'A' <= c && c <= 'Z':
				c += 'a' - 'A'
			default:
				ascii = false
			}
			if !ascii {
				break
			}
			lat[i] = c
		}
		if ascii {
			latinDigraphs(&w, lat[:len(word)])
			return w.out, false
		}
	}
	loadNormTable()
	letters := lat[:0] // a run of Latin letters, read as a whole
	var greek rune     // a Greek letter that may begin a digraph
	flush := func() {
		if len(letters) > 0 {
			latinDigraphs(&w, letters)
			letters = letters[:0]
		}
		if greek != 0 {
			w.puts(greekKey[greek])
			greek = 0
		}
	}
	for i := 0; i < len(word); {
		c := word[i]
		if c < utf8.RuneSelf {
			if 'A' <= c && c <= 'Z' {
				c += 'a' - 'A'
			}
			if ('a' <= c && c <= 'z') || ('0' <= c && c <= '9') {
				if greek != 0 {
					flush()
				}
				letters = append(letters, c)
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(word[i:])
		i += size
		r = unicode.ToLower(r)
		switch {
		case r >= 0x400 && r < 0x530:
			nonLatin = true
			flush()
			next, _ := utf8.DecodeRuneInString(word[i:])
			putCyrillic(&w, r, unicode.ToLower(next), w.n() == 0)
		case r >= 0x370 && r < 0x400:
			nonLatin = true
			if len(letters) > 0 {
				latinDigraphs(&w, letters)
				letters = letters[:0]
			}
			greek = putGreek(&w, greek, r)
		default:
			if greek != 0 {
				flush()
			}
			letters = appendLatinRune(letters, r)
		}
	}
	flush()
	if w.mb > 0 && w.mb == len(w.out) {
		// μπ at the end of a word is mp: Τραμπ.
		w.out = append(w.out[:len(w.out)-1], 'm', 'p')
	}
	return w.out, nonLatin
}

// latinRunes maps Latin letters with diacritics that change the sound, as
// far as names go; other marks are dropped.
var latinRunes = map[rune]string{
	'š': "S", 'ş': "S", 'ș': "S", 'ś': "s", // Polish ś and ź write сь, зь
	'ž': "Z", 'ż': "Z", 'ź': "z",
	'č': "C", 'ć': "C", 'ç': "C",
	'ț': "c", 'ţ': "c",
	'ł': "l", 'ß': "s", 'đ': "dZ", 'ı': "i", 'ğ': "g",
	'ä': "e", 'æ': "e", 'ö': "e", 'ø': "e", 'œ': "e", 'ő': "e",
	'ü': "u", 'ű': "u", 'å': "o",
}

func appendLatinRune(dst []byte, r rune) []byte {
	if s, ok := latinRunes[r]; ok {
		return append(dst, s...)
	}
	out, same := normRune(r)
	if same {
		var b [utf8.UTFMax]byte
		n := utf8.EncodeRune(b[:], r)
		return append(dst, b[:n]...)
	}
	for j := 0; j < len(out); j++ {
		if out[j] != ' ' {
			dst = append(dst, out[j])
		}
	}
	return dst
}

// latinDigraphs turns letters into key symbols, reading the digraphs and
// trigraphs of the European orthographies.
func latinDigraphs(w *keyWriter, s []byte) {
	for i := 0; i < len(s); {
		i += latinSound(w, s, i)
	}
}

// latinSound writes the sound that starts at s[i] and returns how many
// letters it took.
func latinSound(w *keyWriter, s []byte, i int) int {
	switch c := s[i]; c {
	case 't':
		return tSound(w, s, i)
	case 's':
		return sSound(w, s, i)
	case 'z':
		if hasAt(s, i, "zh") || hasAt(s, i, "zs") || hasAt(s, i, "zj") {
			w.put(symZh)
			return 2
		}
	case 'c':
		return cSound(w, s, i)
	case 'k', 'g', 'p', 'w':
		if at(s, i+1) == 'h' {
			w.put(aspirated(c))
			return 2
		}
		if c == 'g' && at(s, i+1) == 'y' && isKeyVowel(at(s, i+2)) {
			w.puts("di") // Hungarian gy: Medvegyev
			return 2
		}
	case 'o':
		if n := at(s, i+1); n == 'u' || n == 'e' {
			w.put('u')
			return 2
		}
	case 'a':
		if at(s, i+1) == 'e' {
			w.put('e')
			return 2
		}
	case 'u':
		if at(s, i+1) == 'e' && i > 0 {
			w.put('u')
			return 2
		}
	case 'x':
		w.puts("ks")
		return 1
	case 'q':
		if at(s, i+1) == 'u' {
			w.puts("kv")
			return 2
		}
	case 'y', 'j':
		if n := glide(w, s, i); n > 0 {
			return n
		}
	}
	w.put(latinLetter(s[i]))
	return 1
}

func tSound(w *keyWriter, s []byte, i int) int {
	switch {
	case hasAt(s, i, "tsch"):
		w.put(symCh)
		return 4
	case hasAt(s, i, "tch"), hasAt(s, i, "tsj"):
		w.put(symCh)
		return 3
	case hasAt(s, i, "ts"), hasAt(s, i, "tz"):
		w.put(symTs)
		return 2
	case hasAt(s, i, "th"):
		w.put('t')
		return 2
	}
	w.put('t')
	return 1
}

func sSound(w *keyWriter, s []byte, i int) int {
	switch {
	case hasAt(s, i, "sch"):
		w.put(symSh)
		return 3
	case hasAt(s, i, "sh"), hasAt(s, i, "sj"):
		w.put(symSh)
		return 2
	case hasAt(s, i, "sz"):
		w.put(symSZ)
		return 2
	}
	w.put('s')
	return 1
}

func cSound(w *keyWriter, s []byte, i int) int {
	switch n := at(s, i+1); {
	case n == 'z' || n == 's':
		w.put(symCh)
		return 2
	case n == 'h':
		w.put(symCH)
		return 2
	case n == 'k' && (isFrontVowel(at(s, i+2)) || i+2 == len(s)):
		w.put(symTs) // Polish -cki: Nawrocki, Навроцкий
		return 1
	case n == 'k' || n == 'c' && !isFrontVowel(at(s, i+2)):
		w.put('k')
		return 2
	case n == 'i' && (at(s, i+2) == 'a' || at(s, i+2) == 'o' || at(s, i+2) == 'u'):
		w.put(symCh) // Italian and Romanian ci: Gorbaciov
		return 2
	case isFrontVowel(n):
		w.put(symTs)
		return 1
	}
	w.put(symCK)
	return 1
}

// glide reads a y or j that is not a plain i, or returns 0.
func glide(w *keyWriter, s []byte, i int) int {
	prev := w.last(1)
	switch n := at(s, i+1); {
	case n == 'o' && w.n() > 0 && !isKeyVowel(prev):
		// jo, yo after a consonant write ё: Fjodor, Fyodor, Semjon.
		w.put('e')
		return 2
	case s[i] == 'j' && (prev == 'l' || prev == 'n') && n != 0 && !isKeyVowel(latinLetter(n)):
		// Croatian lj, nj before a consonant: Navaljni.
		return 1
	}
	return 0
}

func at(s []byte, i int) byte {
	if i < len(s) {
		return s[i]
	}
	return 0
}

func hasAt(s []byte, i int, p string) bool {
	return len(s)-i >= len(p) && string(s[i:i+len(p)]) == p
}

func isFrontVowel(c byte) bool { return c == 'e' || c == 'i' || c == 'y' }

// latinLetter folds one letter that no digraph claimed.
func latinLetter(c byte) byte {
	switch c {
	case 'y', 'j':
		return 'i'
	case 'w', 'f':
		return 'v'
	case 'q':
		return 'k'
	}
	return c
}

// aspirated folds kh, gh, ph and wh.
func aspirated(c byte) byte {
	switch c {
	case 'k':
		return symKh
	case 'p', 'w':
		return 'v'
	}
	return c
}
