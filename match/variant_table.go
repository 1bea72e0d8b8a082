package match

import (
	"strings"
)

// variantTable finds the words of aliases with variants in text: a word of
// text matches when a prefix of its key is a spelling of a stem and the
// rest of its key is one of that stem's endings.
type variantTable struct {
	words   []wordVariant
	phrases []vphrase
	// byWord[w] are the places of word w in phrases.
	byWord [][]wordPlace
	stems  map[string][]stemRef
	// filter has a bit set for the first four symbols of every stem, so
	// that most words of a text cost one look-up in it.
	filter [1 << filterBits / 64]uint64
	// stemBits has a bit set for every coarse stem, so that the prefixes
	// of a word that are no stem cost no map look-up.
	stemBits [1 << filterBits / 64]uint64
	fields   fieldMask
}

// stemRef is one spelling of the stem of a word.
type stemRef struct {
	word  int32
	spell int32
}

// wordPlace is the place of a word in a phrase.
type wordPlace struct {
	phrase, at int32
}

// vphrase is an alias with variants: its words in order and the atom it
// reports.
type vphrase struct {
	atom   int32
	words  []int32
	region bool
}

func coarseKey(dst, k []byte) []byte {
	for _, c := range k {
		dst = append(dst, coarse[c])
	}
	return dst
}

// filterBits sizes the two bit sets: 2^18 bits (32 KiB) each stay sparse
// for the stems of tens of thousands of actors.
const filterBits = 18

func filterHash(k []byte) uint32 {
	h := uint32(k[0]) | uint32(k[1])<<8 | uint32(k[2])<<16 | uint32(k[3])<<24
	h *= 0x9E3779B1
	return h >> (32 - filterBits)
}

// prefixHashes appends the hash of every prefix of k to dst.
func prefixHashes(k []byte, dst []uint32) []uint32 {
	h := uint32(2166136261)
	for _, c := range k {
		h = (h ^ uint32(c)) * 16777619
		dst = append(dst, (h^h>>15)&(1<<filterBits-1))
	}
	return dst
}

func (t *variantTable) isStem(h uint32) bool {
	return t.stemBits[h>>6]&(1<<(h&63)) != 0
}

func (t *variantTable) mayStart(k []byte) bool {
	h := filterHash(k)
	return t.filter[h>>6]&(1<<(h&63)) != 0
}

// variantCompiler builds a variantTable.
type variantCompiler struct {
	t       *variantTable
	wordIDs map[string]int32
	cache   endingCache
}

func newVariantCompiler() *variantCompiler {
	return &variantCompiler{
		t:       &variantTable{stems: map[string][]stemRef{}},
		wordIDs: map[string]int32{},
		cache:   endingCache{},
	}
}

// word returns the id of an alias word with variants, or -1 when the word
// has none (too short): it then has to match as written.
func (vc *variantCompiler) word(written string) int32 {
	if id, ok := vc.wordIDs[written]; ok {
		return id
	}
	wv, ok := compileWord(written, vc.cache)
	if !ok {
		vc.wordIDs[written] = -1
		return -1
	}
	id := int32(len(vc.t.words))
	vc.wordIDs[written] = id
	vc.t.words = append(vc.t.words, wv)
	vc.t.byWord = append(vc.t.byWord, nil)
	wv.spell = spellings(wv.stem)
	wv.plain = plainForms(written)
	wv.plainStem = plainForms(written[:len(written)-len(wv.cut)])
	vc.t.words[id] = wv
	for i, s := range wv.spell {
		if len(s.key) < 4 {
			continue
		}
		ck := coarseKey(nil, []byte(s.key))
		vc.t.stems[string(ck)] = append(vc.t.stems[string(ck)], stemRef{word: id, spell: int32(i)})
		h := filterHash(ck)
		vc.t.filter[h>>6] |= 1 << (h & 63)
		sh := prefixHashes(ck, nil)[len(ck)-1]
		vc.t.stemBits[sh>>6] |= 1 << (sh & 63)
	}
	return id
}

// phraseWords returns the word ids of an alias and the key under which its
// variant atom is shared, or "" when a word has no key at all.
func (vc *variantCompiler) phraseWords(written []string) ([]int32, string) {
	ids := make([]int32, len(written))
	var b strings.Builder
	b.WriteString("\x00v")
	for i, w := range written {
		id := vc.word(w)
		if id < 0 {
			// A short word (a title, an initial) is still part of the
			// phrase: it matches by its own key, without endings.
			id = vc.shortWord(w)
			if id < 0 {
				return nil, ""
			}
		}
		ids[i] = id
		b.WriteByte(' ')
		b.WriteString(vc.t.words[id].key)
	}
	return ids, b.String()
}

// shortWord registers a word too short for variants inside a longer
// phrase ("Xi Jinping"): it matches only its own key. A phrase of short
// words alone has no variants.
func (vc *variantCompiler) shortWord(written string) int32 {
	k, _ := appendKey(nil, written)
	if len(k) == 0 {
		return -1
	}
	key := "\x00s" + string(k)
	if id, ok := vc.wordIDs[key]; ok {
		return id
	}
	id := int32(len(vc.t.words))
	vc.wordIDs[key] = id
	ks := string(k)
	vc.t.words = append(vc.t.words, wordVariant{key: ks, stem: ks, endings: onlyOwn, short: true,
		spell: []spelling{{key: ks, exact: true}}, plain: plainForms(written)})
	vc.t.byWord = append(vc.t.byWord, nil)
	return id
}

// addPhrase registers an alias with variants. It reports false when
// every word is short: such an alias has no variants.
func (vc *variantCompiler) addPhrase(atom int32, words []int32, region bool) bool {
	long := false
	for _, w := range words {
		long = long || !vc.t.words[w].short
	}
	if !long {
		return false
	}
	p := int32(len(vc.t.phrases))
	vc.t.phrases = append(vc.t.phrases, vphrase{atom: atom, words: words, region: region})
	for i, w := range words {
		if !vc.t.words[w].short {
			vc.t.byWord[w] = append(vc.t.byWord[w], wordPlace{phrase: p, at: int32(i)})
		}
	}
	return true
}

// plainForms returns the normalized word and, for Cyrillic, its
// transliterations, joined by NUL: the forms that count as written, not as
// variants (one string, so that thousands of words are few objects).
func plainForms(written string) string {
	n := Normalize(written)
	if !hasCyrillic([]byte(n)) {
		return n
	}
	fold := restoreMarks(nil, []byte(n), written)
	return n + "\x00" + string(appendTranslit(nil, fold, false)) + "\x00" + string(appendTranslit(nil, fold, true))
}

// writtenWords splits an alias into its words as written (with their
// diacritics), which the spelling keys need.
func writtenWords(s string) []string {
	var out []string
	var buf []byte
	scanTokens(s, buf, func(_ []byte, start, end int) {
		out = append(out, s[start:end])
	})
	return out
}

// aliasSpec is one alias of an actor, as compiled.
type aliasSpec struct {
	text   string
	exact  bool
	region bool
}

// actorAliasList returns an actor's aliases (its name when it has none)
// followed by the names of its region.
func actorAliasList(a *Actor) []aliasSpec {
	var out []aliasSpec
	exact := map[string]bool{}
	for _, e := range a.ExactAliases {
		exact[strings.TrimSpace(e)] = true
	}
	for _, al := range a.Aliases {
		out = append(out, aliasSpec{text: al, exact: a.Exact || exact[strings.TrimSpace(al)]})
	}
	if len(out) == 0 && a.Name != "" && a.Region == "" {
		out = append(out, aliasSpec{text: a.Name, exact: a.Exact})
	}
	if a.Region != "" {
		for _, n := range RegionNames(a.Region) {
			out = append(out, aliasSpec{text: n, exact: a.Exact, region: true})
		}
	}
	return out
}
