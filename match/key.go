package match

import (
	"strings"
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

// cyrillicKey maps lower-case Cyrillic letters of Russian, Ukrainian,
// Belarusian, Bulgarian, Serbian and Macedonian to letters and symbols.
var cyrillicKey = map[rune]string{
	'а': "a", 'б': "b", 'в': "v", 'г': "g", 'ґ': "g", 'д': "d", 'е': "e", 'ё': "e",
	'є': "ie", 'ж': "Z", 'з': "z", 'и': "i", 'і': "i", 'ї': "i", 'й': "i", 'к': "k",
	'л': "l", 'м': "m", 'н': "n", 'о': "o", 'п': "p", 'р': "r", 'с': "s", 'т': "t",
	'у': "u", 'ў': "v", 'ф': "v", 'х': "h", 'ц': "c", 'ч': "C", 'ш': "S", 'щ': "SC",
	'ь': "", 'ы': "i", 'э': "e", 'ю': "iu", 'я': "ia",
	'ђ': "dZ", 'ј': "i", 'љ': "li", 'њ': "ni", 'ћ': "C", 'џ': "dZ", 'ѓ': "g", 'ќ': "k", 'ѕ': "dz",
}

func putCyrillic(w *keyWriter, r, next rune, first bool) {
	switch r {
	case 'у':
		// An English w at the start of a word: Уиткофф, Уолтц, Уэст.
		if first && isCyrillicVowel(next) {
			w.put('v')
			return
		}
	case 'ъ':
		// A hard sign before a vowel (Russian); a vowel before a
		// consonant (Bulgarian: Кънчев, Kanchev).
		if !isCyrillicVowel(next) && next != 0 && next != utf8.RuneError {
			w.put('a')
		}
		return
	}
	if s, ok := cyrillicKey[r]; ok {
		w.puts(s)
		return
	}
	var b [8]byte
	w.puts(string(appendLatinRune(b[:0], r)))
}

func isCyrillicVowel(r rune) bool {
	switch r {
	case 'а', 'е', 'ё', 'є', 'и', 'і', 'ї', 'о', 'у', 'ы', 'э', 'ю', 'я':
		return true
	}
	return false
}

// greekKey maps lower-case Greek letters (accents already removed) to
// letters and symbols; the digraphs ου, αι, ει, οι, μπ, ντ, γκ and τσ are
// handled in appendGreek.
var greekKey = map[rune]string{
	'α': "a", 'β': "v", 'γ': "g", 'δ': "d", 'ε': "e", 'ζ': "z", 'η': "i", 'θ': "t",
	'ι': "i", 'κ': "k", 'λ': "l", 'μ': "m", 'ν': "n", 'ξ': "ks", 'ο': "o", 'π': "p",
	'ρ': "r", 'σ': "Q", 'ς': "Q", 'τ': "t", 'υ': "i", 'φ': "v", 'χ': "h", 'ψ': "ps", 'ω': "o",
}

// greekDigraphs are the pairs whose sound is not that of their letters. In
// names μπ and ντ write b and d: Ρούμπιο, Όρμπαν, Ερντογάν.
var greekDigraphs = map[[2]rune]string{
	{'ο', 'υ'}: "u", {'α', 'ι'}: "e", {'ε', 'ι'}: "i", {'ο', 'ι'}: "i",
	{'μ', 'π'}: "b", {'ν', 'τ'}: "d", {'γ', 'κ'}: "g", {'γ', 'γ'}: "g", {'τ', 'σ'}: "c", {'τ', 'ζ'}: "dZ",
}

// putGreek writes one Greek letter. pending is the previous letter when
// it may begin a digraph; the letter to keep pending is returned.
func putGreek(w *keyWriter, pending, r rune) rune {
	out, _ := normRune(r) // removes the accent and folds final sigma
	if out == "" || out == " " {
		return pending
	}
	g, _ := utf8.DecodeRuneInString(out)
	if r == 'ϊ' || r == 'ϋ' || r == 'ΐ' || r == 'ΰ' {
		// A diaeresis: the vowel is not part of a digraph (Σοϊγκού).
		if pending != 0 {
			w.puts(greekKey[pending])
		}
		w.put('i')
		return 0
	}
	vowel := strings.ContainsRune("αεηιουω", g)
	if vowel && pending == 0 && w.n() == 2 && string(w.out[w.start:]) == "gu" {
		// γου before a vowel writes an English w: Γουίτκοφ, Γουόλτς.
		w.out = append(w.out[:w.start], 'v')
	}
	if pending != 0 {
		if s, ok := greekDigraphs[[2]rune{pending, g}]; ok {
			w.puts(s)
			if s == "b" {
				w.mb = len(w.out)
			}
			return 0
		}
		if pending == 'γ' && strings.ContainsRune("ειηυ", g) {
			w.put('i') // γ before e and i is a glide: Γέλτσιν
		} else {
			w.puts(greekKey[pending])
		}
	}
	switch g {
	case 'ο', 'α', 'ε', 'μ', 'ν', 'γ', 'τ':
		return g
	}
	w.puts(greekKey[g])
	return 0
}

// latinDigraphs turns letters into key symbols, reading the digraphs and
// trigraphs of the European orthographies.
func latinDigraphs(w *keyWriter, s []byte) {
	at := func(i int) byte {
		if i < len(s) {
			return s[i]
		}
		return 0
	}
	has := func(i int, p string) bool { return hasAt(s, i, p) }
	for i := 0; i < len(s); {
		c := s[i]
		switch c {
		case 't':
			switch {
			case has(i, "tsch"):
				w.put(symCh)
				i += 4
			case has(i, "tch"), has(i, "tsj"):
				w.put(symCh)
				i += 3
			case has(i, "ts"), has(i, "tz"):
				w.put(symTs)
				i += 2
			case has(i, "th"):
				w.put('t')
				i += 2
			default:
				w.put('t')
				i++
			}
			continue
		case 's':
			switch {
			case has(i, "sch"):
				w.put(symSh)
				i += 3
			case has(i, "sh"), has(i, "sj"):
				w.put(symSh)
				i += 2
			case has(i, "sz"):
				w.put(symSZ)
				i += 2
			default:
				w.put('s')
				i++
			}
			continue
		case 'z':
			switch {
			case has(i, "zh"), has(i, "zs"), has(i, "zj"):
				w.put(symZh)
				i += 2
			default:
				w.put('z')
				i++
			}
			continue
		case 'c':
			switch n := at(i + 1); {
			case n == 'z' || n == 's':
				w.put(symCh)
			case n == 'h':
				w.put(symCH)
			case n == 'k' && (isFrontVowel(at(i+2)) || i+2 == len(s)):
				w.put(symTs) // Polish -cki: Nawrocki, Навроцкий
				i++
				continue
			case n == 'k' || n == 'c' && !isFrontVowel(at(i+2)):
				w.put('k')
			case n == 'i' && (at(i+2) == 'a' || at(i+2) == 'o' || at(i+2) == 'u'):
				w.put(symCh) // Italian and Romanian ci: Gorbaciov
				i += 2
				continue
			case isFrontVowel(n):
				w.put(symTs)
				i++
				continue
			default:
				w.put(symCK)
				i++
				continue
			}
			i += 2
			continue
		case 'k', 'g', 'p', 'w':
			if at(i+1) == 'h' {
				w.put(aspirated(c))
				i += 2
				continue
			}
			if c == 'g' && at(i+1) == 'y' && isKeyVowel(at(i+2)) {
				w.puts("di") // Hungarian gy: Medvegyev
				i += 2
				continue
			}
		case 'o':
			if n := at(i + 1); n == 'u' || n == 'e' {
				w.put('u')
				i += 2
				continue
			}
		case 'a':
			if at(i+1) == 'e' {
				w.put('e')
				i += 2
				continue
			}
		case 'u':
			if at(i+1) == 'e' && i > 0 {
				w.put('u')
				i += 2
				continue
			}
		case 'x':
			w.puts("ks")
			i++
			continue
		case 'q':
			if at(i+1) == 'u' {
				w.puts("kv")
				i += 2
				continue
			}
		}
		if c == 'y' || c == 'j' {
			prev := w.last(1)
			switch n := at(i + 1); {
			case n == 'o' && w.n() > 0 && !isKeyVowel(prev):
				// jo, yo after a consonant write ё: Fjodor, Fyodor, Semjon.
				w.put('e')
				i += 2
				continue
			case c == 'j' && (prev == 'l' || prev == 'n') && n != 0 && !isKeyVowel(latinLetter(n)):
				// Croatian lj, nj before a consonant: Navaljni.
				i++
				continue
			}
		}
		w.put(latinLetter(c))
		i++
	}
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
