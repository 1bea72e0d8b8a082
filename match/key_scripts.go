package match

import (
	"strings"
	"unicode/utf8"
)

// The spelling keys of Cyrillic and Greek words (see key.go): each letter
// has one sound, so a table does it, with a few rules for the letters that
// read by their neighbours.

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
