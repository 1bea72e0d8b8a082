package match

import (
	"sort"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Name variants of actor aliases (docs/matching.md): each word of an alias
// becomes a stem key and a set of endings, and a word of text matches it
// when its key is one of the stem's spellings followed by one of the
// endings.

const (
	// maxSpellings bounds the transcriptions of one stem.
	maxSpellings = 8
	// minVariantKey is the shortest key (in symbols) that gets spelling
	// variants; shorter words (Li, Kim, Xi, Lee) match as written.
	minVariantKey = 4
	// minStem is the shortest stem that gets inflected endings.
	minStem = 4
)

// Variant kinds, as bits of occ.variant and words of Match.Variant.
const (
	variantSpelling = 1 << iota
	variantInflection
	variantRegion
)

// variantNames names the kinds in Match.Variant, in this order.
var variantNames = [...]string{"spelling", "inflection", "region"}

func variantString(kind uint8) string {
	var parts []string
	for i, n := range variantNames {
		if kind&(1<<i) != 0 {
			parts = append(parts, n)
		}
	}
	return strings.Join(parts, ", ")
}

// alternatives lists, for a key symbol of an alias, the symbols that other
// orthographies write in its place in a word of text (see key.go).
var alternatives = [128]string{
	symSh: "XQ",   // ш: French ch, Polish sz
	symCh: "Xc",   // ч: English ch; Italian c before i (Gorbaciov)
	symKh: "X",    // х: German, Polish, Czech ch
	symCH: "SChc", // ch as written in the alias: any of them
	's':   "Qz",   // Hungarian sz, Greek σ; z for s (Rodríguez, Rodrigues)
	'z':   "s",    // German s for з (Kusnezow, Selenskyj)
	symTs: "qzC",  // ц: Slavic c before a, o, u; German z; č without its mark
	'k':   "q",    // Costa, Kostas
	symCK: "kc",
	symSZ: "Ss",
	symZh: "Sz", // German sch (Saluschnyj, Prigoschin), Greek ζ
}

// transcription reports the other symbols that a Cyrillic or Greek
// transcription of an English name writes at position i of key k:
// Trump → Трамп, Waltz → Уолтц, Hrytsenko → Гриценко (and Jared → Джаред,
// see spellings).
func transcription(k []byte, i int) string {
	c := k[i]
	next := func(j int) byte {
		if i+j < len(k) {
			return k[i+j]
		}
		return 0
	}
	switch {
	case c == 'u' && next(1) != 0 && !isKeyVowel(next(1)) && (next(2) == 0 || !isKeyVowel(next(2))):
		return "a"
	case c == 'a' && next(1) == 'l' && (next(2) == 0 || !isKeyVowel(next(2))):
		return "o"
	case c == symKh:
		return "g"
	case c == 'z':
		return string(symTs) // German z is ц: Merz, Мерц; Scholz, Шольц
	}
	return ""
}

// spelling is one way of writing a stem in text: its key, each of whose
// symbols a word of text may also write as one of its alternatives.
type spelling struct {
	key      string
	nonLatin bool // only in Cyrillic or Greek words
	exact    bool // no alternatives: the symbols as they are
}

// spellings returns the ways of writing stem key k: itself with the
// alternatives of each symbol, then the transcriptions into Cyrillic or
// Greek of an English spelling (Trump: Трамп; Jared: Джаред), which only
// Cyrillic and Greek words may have.
func spellings(stem string) []spelling {
	k := []byte(stem)
	out := []spelling{{key: stem}}
	seen := map[string]bool{stem: true}
	add := func(v []byte) {
		if len(out) < maxSpellings && !seen[string(v)] {
			seen[string(v)] = true
			out = append(out, newSpelling(v, true))
		}
	}
	for i := range k {
		if t := transcription(k, i); t != "" {
			for _, base := range out {
				b := []byte(base.key)
				if len(b) == len(k) {
					b[i] = t[0]
					add(b)
				}
			}
		}
	}
	if len(k) > 1 && k[0] == 'i' && isKeyVowel(k[1]) {
		add(append([]byte("dZ"), k[1:]...))
	}
	return out
}

func newSpelling(k []byte, nonLatin bool) spelling {
	return spelling{key: string(k), nonLatin: nonLatin}
}

// matches reports whether key (of a word of text) is written like s.
func (s *spelling) matches(key []byte, nonLatin bool) bool {
	if len(key) != len(s.key) || s.nonLatin && !nonLatin {
		return false
	}
	for i, c := range key {
		a := s.key[i]
		switch {
		case c == a:
		case s.exact:
			return false
		case a < 128 && strings.IndexByte(alternatives[a], c) >= 0:
		case (a == 'e' || a == 'o') && (c == 'e' || c == 'o') && i > 0 && (isHushing(s.key[i-1]) || s.key[i-1] == symCH):
			// ё after a hushing sound is e or o: Gorbachev, Gorbačov, Горбачов.
		default:
			return false
		}
	}
	return true
}

// coarse maps every symbol to a class that holds all the symbols it may
// stand for, so that one look-up finds the candidates that matches then
// checks.
var coarse = func() (t [256]byte) {
	for i := range t {
		t[i] = byte(i)
	}
	for _, c := range "SXQCcszqkhZ" {
		t[c] = '*'
	}
	t['o'] = 'e' // ё: Gorbachev, Gorbačov
	return t
}()

// Endings are written as in text and turned into keys in the context of
// the stem. Those after the whole word decline names that end in a
// consonant (Ushakov: Ushakova, Ушаковым, Witkoffom, Putinowi, Putinin,
// Putyinnal, Putinas, Putins); those after the stem replace a final vowel
// (Zelensky: Zelenskiego, Зеленского, Zelenskio; Kuleba: Kuleby; Italia:
// Italii, Italien).
var (
	afterWord = []string{
		"", "a", "u", "e", "i", "y", "o", "om", "em", "im", "ym", "ie", "ou", "oj", "oi", "oy",
		"ovi", "owi", "evi", "ewi", "owie", "ego", "ogo", "emu", "omu", "ich", "ych", "ih", "ikh", "ykh",
		"ami", "ama", "ima", "ah", "ach", "am", "as", "is", "ys", "us", "ui", "ai", "iui", "io", "s", "es",
		"ova", "ová", "ovou", "ové", "ovoj", "ovoy", "ovu", "ovy", "iene", "ienė", "aite", "aitė",
		"ą", "ę", "ų", "ą", "ams", "ui", "ul", "ului", "ei",
		"in", "ia", "ja", "iä", "jä", "iin", "ille", "ilta", "ilt", "ista", "issa", "illa", "ina", "iksi", "n", "lle", "lta", "sta", "ssa", "lla", "ksi", "ta", "tä",
		"t", "ot", "et", "at", "nak", "nek", "al", "el", "val", "vel", "ra", "re", "rol", "ról", "ről", "tol", "tól", "től",
		"hoz", "hez", "höz", "on", "en", "ön", "ban", "ben", "ba", "be", "nal", "nál", "nél", "ig", "ért", "é",
		"ою", "ей", "ею", "ові", "еві", "ах", "ям", "ях",
	}
	afterStem = []string{
		"a", "e", "i", "o", "u", "y", "ii", "iy", "yy", "ij", "yj", "yi", "ia", "ie", "io", "iu", "ya", "ye", "yu", "ja", "je", "ju",
		"ou", "oj", "oi", "oy", "ej", "ei", "ey", "ą", "ę", "ė", "ų",
		"is", "as", "os", "us", "ys", "es", "iui", "ui", "ai", "ius", "ijus", "ijaus", "ijui", "iją",
		"ego", "ogo", "iego", "emu", "omu", "iemu", "im", "ym", "om", "em", "iem", "ich", "ych", "ih", "ikh", "ykh", "imi", "ymi",
		"aya", "aja", "aia", "ija", "iya", "ije", "iji", "iju", "ijom", "ijo", "ien", "ian", "ier",
		"oj", "oju", "ou", "oi", "u", "ų",
		"in", "ia", "iä", "ille", "ilta", "ista", "issa", "illa", "ina", "n", "lle", "sta", "ssa", "lla", "t", "nak", "nek", "val", "vel",
		"ova", "ová", "ovi", "owi",
		"ého", "ému", "ým", "ých", "ými", "ý", "á", "é", "ou", "ej", "eho",
	}
)

// wordVariant is the compiled form of one word of an alias with variants.
type wordVariant struct {
	key     string // the word's own key
	stem    string // the key without its declinable end
	cut     string // what the written stem lacks of the written word
	endings *endingSet
	spell   []spelling // the stem's spellings, its own first
	// plain and plainStem are the normalized (and transliterated) word
	// and stem: a word of text that is one of them, or starts with one of
	// the stems, is no spelling variant.
	plain, plainStem string // NUL-separated
	short            bool   // too short for variants: matches its own key only
}

// endingSet is a set of ending keys, shared between words whose stems end
// alike.
type endingSet struct {
	keys map[string]uint8 // ending key -> variantInflection, or 0 for the word's own ending
}

// endingCache shares ending sets between the words of one compile.
type endingCache map[string]*endingSet

// stemOf returns the written stem of a word: the word without the final
// vowels (and the -is, -as, -os, -us, -ys of Greek and Baltic names), and
// what was cut off.
func stemOf(word string) (stem, end string) {
	stem = word
	for stem != "" {
		k, _ := appendKey(nil, stem)
		if len(k) == 0 || !isKeyVowel(k[len(k)-1]) {
			break
		}
		_, size := utf8.DecodeLastRuneInString(stem)
		stem = stem[:len(stem)-size]
	}
	if stem == word && len(word) > 2 {
		k, _ := appendKey(nil, word)
		if n := len(k); n > 2 && k[n-1] == 's' && isKeyVowel(k[n-2]) && strings.ContainsRune("aiouy", rune(lower(word[len(word)-2]))) {
			stem = word[:len(word)-2]
			for stem != "" {
				k, _ := appendKey(nil, stem)
				if len(k) == 0 || !isKeyVowel(k[len(k)-1]) {
					break
				}
				_, size := utf8.DecodeLastRuneInString(stem)
				stem = stem[:len(stem)-size]
			}
		}
	}
	return stem, word[len(stem):]
}

// europeanScript reports whether a word is written in Latin, Cyrillic or
// Greek letters, the scripts whose spellings and endings the keys know.
func europeanScript(word string) bool {
	for _, r := range word {
		if !unicode.In(r, unicode.Latin, unicode.Cyrillic, unicode.Greek, unicode.Mn) {
			return false
		}
	}
	return true
}

func lower(c byte) byte {
	if 'A' <= c && c <= 'Z' {
		return c + 'a' - 'A'
	}
	return c
}

// compileWord returns the variant form of one alias word, or ok=false when
// the word is too short (or has digits) to have variants.
func compileWord(word string, cache endingCache) (wordVariant, bool) {
	k, _ := appendKey(nil, word)
	if len(k) < minVariantKey || strings.ContainsAny(string(k), "0123456789") || !europeanScript(word) {
		return wordVariant{}, false
	}
	key := string(k)
	wv := wordVariant{key: key, stem: key}
	stem, end := stemOf(word)
	sk, _ := appendKey(nil, stem)
	if len(sk) < minStem || !strings.HasPrefix(string(k), string(sk)) {
		// Too short a stem to replace the end (Rubio, Kallas): endings
		// are only added to the whole word (Rubios, Kallasin).
		stem, end, sk = word, "", k
	}
	wv.stem = key[:len(sk)]
	wv.cut = end
	// The endings depend on the last letters of the stem only (the key's
	// rules look back three symbols): share them between words.
	ctx := stem
	for n := 0; n < 4 && ctx != ""; n++ {
		_, size := utf8.DecodeLastRuneInString(ctx)
		ctx = ctx[:len(ctx)-size]
	}
	ctx = stem[len(ctx):]
	id := ctx + "|" + end
	if e, ok := cache[id]; ok {
		wv.endings = e
		return wv, true
	}
	ck, _ := appendKey(nil, ctx)
	set := &endingSet{keys: map[string]uint8{}}
	add := func(written string) {
		full, _ := appendKey(nil, ctx+written)
		rem := ""
		if len(full) >= len(ck) && string(full[:len(ck)]) == string(ck) {
			rem = string(full[len(ck):])
		} else {
			// The ending changes how the stem's last letters read
			// (Nawrock-i, Навроцк-ого): take it as it reads on its own.
			k, _ := appendKey(nil, "b"+written)
			rem = string(k[1:])
		}
		if rem == "" && end != "" {
			return // Costa+t reads Cost: not a form of Costa
		}
		if _, ok := set.keys[rem]; !ok {
			set.keys[rem] = variantInflection
		}
	}
	own, _ := appendKey(nil, ctx+end)
	for _, e := range afterWord {
		if e != "" || end == "" {
			add(end + e)
		}
	}
	if end != "" {
		for _, e := range afterStem {
			add(e)
		}
	}
	if len(own) >= len(ck) {
		set.keys[string(own[len(ck):])] = 0
	}
	set = cache.intern(set)
	cache[id] = set
	wv.endings = set
	return wv, true
}

// intern returns the set of the cache with the same endings as set, or
// set, remembered: the stems of a watchlist end in a few ways, so a few
// dozen sets serve thousands of words (and cost the collector little).
func (c endingCache) intern(set *endingSet) *endingSet {
	keys := make([]string, 0, len(set.keys))
	for k, v := range set.keys {
		keys = append(keys, k+"="+string(rune('0'+v)))
	}
	sort.Strings(keys)
	sig := "\x00" + strings.Join(keys, ",")
	if e, ok := c[sig]; ok {
		return e
	}
	c[sig] = set
	return set
}

// onlyOwn is the ending set of a word without inflections.
var onlyOwn = &endingSet{keys: map[string]uint8{"": 0}}
