package match

import (
	"fmt"
	"strings"
)

// AliasVariants says what one alias of an actor matches, for a desk to
// check before it trusts it (storywatch aliases).
type AliasVariants struct {
	Alias string `json:"alias"`
	// Region is set for a name of the actor's region.
	Region bool `json:"region,omitempty"`
	// Exact is set when the alias matches as written only; Reason says why.
	Exact  bool   `json:"exact"`
	Reason string `json:"reason,omitempty"`
	// Key is the spelling key of each word (docs/matching.md).
	Key string `json:"key,omitempty"`
	// Endings counts the inflected endings of its last word.
	Endings int `json:"endings"`
	// Spellings and Inflections are examples, each checked against the
	// compiled matcher: text that the alias finds.
	Spellings   []string `json:"spellings"`
	Inflections []string `json:"inflections"`
}

// DescribeActor returns what each alias of an actor matches, with
// examples of spellings and inflections that it finds.
func DescribeActor(a Actor) ([]AliasVariants, error) {
	one := a
	one.Track = true
	m, err := Compile(Watchlist{Actors: []Actor{one}})
	if err != nil {
		return nil, err
	}
	var out []AliasVariants
	cache := endingCache{}
	for _, al := range actorAliasList(&one) {
		av := AliasVariants{Alias: strings.TrimSpace(al.text), Region: al.region, Spellings: []string{}, Inflections: []string{}}
		words := writtenWords(al.text)
		var keys []string
		short := true
		var last wordVariant
		for _, w := range words {
			k, _ := appendKey(nil, w)
			keys = append(keys, string(k))
			if wv, ok := compileWord(w, cache); ok {
				short = false
				last = wv
			}
		}
		av.Key = strings.Join(keys, " ")
		switch {
		case strings.HasSuffix(av.Alias, "*"):
			av.Exact, av.Reason, av.Key = true, "a prefix: matched as written", ""
		case al.exact:
			av.Exact, av.Reason = true, "variants: exact"
		case short:
			av.Exact, av.Reason = true, fmt.Sprintf("shorter than %d letters: matched as written", minVariantKey)
		default:
			if last.endings != nil {
				av.Endings = len(last.endings.keys) - 1
			}
			av.Spellings, av.Inflections = examples(m, av.Alias, words)
		}
		out = append(out, av)
	}
	return out, nil
}

// examples writes an alias in several orthographies and with a few
// endings, and keeps what the matcher finds as a variant of it.
func examples(m *Matcher, label string, words []string) (spell, infl []string) {
	seen := map[string]bool{Normalize(label): true}
	try := func(text string, into *[]string, max int) {
		n := Normalize(text)
		if len(*into) >= max || seen[n] {
			return
		}
		seen[n] = true
		for _, h := range m.Match(Document{Content: text}) {
			for _, mt := range h.Matches {
				if mt.Term == label { // a variant, or a transliteration
					*into = append(*into, text)
					return
				}
			}
		}
	}
	last := len(words) - 1
	for _, o := range orthographies {
		try(o.phrase(words, ""), &spell, 8)
	}
	endings := consonantExamples
	if _, cut := stemOf(words[last]); cut != "" {
		endings = vowelExamples
	}
	for _, e := range endings {
		for _, o := range orthographies {
			if o.name == e.orthography {
				prefix := o.phrase(words[:last], "")
				if prefix != "" {
					prefix += " "
				}
				try(prefix+o.word(words[last], e.ending), &infl, 8)
			}
		}
	}
	return spell, infl
}

// orthography writes a key in one language's letters, to make examples.
type orthography struct {
	name    string
	symbols map[byte]string
	glide   string // i before a vowel
	cyr     bool
}

var orthographies = []orthography{
	{name: "ru", cyr: true, glide: "й", symbols: map[byte]string{'a': "а", 'b': "б", 'v': "в", 'g': "г", 'd': "д", 'e': "е", 'Z': "ж", 's': "с",
		'i': "и", 'k': "к", 'l': "л", 'm': "м", 'n': "н", 'o': "о", 'p': "п", 'r': "р", 't': "т", 'u': "у", 'h': "х", 'c': "ц",
		'C': "ч", 'S': "ш", 'X': "х", 'q': "к", 'Q': "ш"}},
	{name: "uk", cyr: true, glide: "й", symbols: map[byte]string{'a': "а", 'b': "б", 'v': "в", 'g': "ґ", 'd': "д", 'e': "е", 'Z': "ж", 's': "с",
		'i': "і", 'k': "к", 'l': "л", 'm': "м", 'n': "н", 'o': "о", 'p': "п", 'r': "р", 't': "т", 'u': "у", 'h': "х", 'c': "ц",
		'C': "ч", 'S': "ш", 'X': "х", 'q': "к", 'Q': "ш"}},
	{name: "de", glide: "j", symbols: map[byte]string{'S': "sch", 'Z': "sch", 'C': "tsch", 'X': "ch", 'h': "ch", 'c': "z", 'v': "w", 'q': "k", 'Q': "sch", 'k': "k"}},
	{name: "fr", glide: "i", symbols: map[byte]string{'S': "ch", 'Z': "j", 'C': "tch", 'X': "ch", 'h': "kh", 'c': "ts", 'u': "ou", 'q': "k", 'Q': "ch"}},
	{name: "pl", glide: "j", symbols: map[byte]string{'S': "sz", 'Z': "ż", 'C': "cz", 'X': "ch", 'h': "ch", 'c': "c", 'v': "w", 'q': "k", 'Q': "sz"}},
	{name: "cs", glide: "j", symbols: map[byte]string{'S': "š", 'Z': "ž", 'C': "č", 'X': "ch", 'h': "ch", 'c': "c", 'q': "k", 'Q': "š"}},
	{name: "en", glide: "y", symbols: map[byte]string{'S': "sh", 'Z': "zh", 'C': "ch", 'X': "ch", 'h': "kh", 'c': "ts", 'q': "k", 'Q': "sh"}},
}

// consonantExamples and vowelExamples are endings shown as examples of
// inflection, for words that end in a consonant (Ushakov) and in a vowel
// (Zelensky, Kuleba).
var (
	consonantExamples = []struct{ orthography, ending string }{
		{"ru", "а"}, {"ru", "ым"}, {"uk", "ові"}, {"pl", "owi"}, {"pl", "em"}, {"cs", "em"}, {"de", "s"}, {"en", "as"}, {"en", "in"},
	}
	vowelExamples = []struct{ orthography, ending string }{
		{"ru", "ого"}, {"ru", "ому"}, {"ru", "ы"}, {"pl", "iego"}, {"pl", "ie"}, {"cs", "ého"}, {"en", "io"}, {"en", "os"},
	}
)

func (o orthography) phrase(words []string, ending string) string {
	var parts []string
	for _, w := range words {
		parts = append(parts, o.word(w, ending))
	}
	return strings.Join(parts, " ")
}

// word writes an alias word in the orthography; with an ending, it is
// added to the word's stem.
func (o orthography) word(w, ending string) string {
	if ending != "" {
		stem, _ := stemOf(w)
		if k, _ := appendKey(nil, stem); len(k) >= minStem {
			w = stem
		}
	}
	k, _ := appendKey(nil, w)
	var b strings.Builder
	for i, c := range k {
		if c == 'i' && i+1 < len(k) && isKeyVowel(k[i+1]) {
			b.WriteString(o.glide)
			continue
		}
		if s, ok := o.symbols[c]; ok {
			b.WriteString(s)
			continue
		}
		if c == 'k' && i+1 < len(k) && k[i+1] == 's' && !o.cyr {
			b.WriteByte('x')
			continue
		}
		b.WriteByte(c)
	}
	s := b.String()
	if !o.cyr && s != "" {
		s = strings.ToUpper(s[:1]) + s[1:]
	} else if o.cyr && s != "" {
		r := []rune(s)
		s = strings.ToUpper(string(r[0])) + string(r[1:])
	}
	return s + ending
}

// Collision is a name variant of one actor's alias that is another
// actor's alias as written: text with it would be a hit for both.
type Collision struct {
	Actor, Alias   string // the actor whose variant matches
	Other, Written string // the actor with that alias as written
	Variant        string
}

// Collisions returns every alias of an actor that another actor's alias
// matches as a name variant (for storywatch check).
func Collisions(w Watchlist) ([]Collision, error) {
	all := Watchlist{Actors: make([]Actor, len(w.Actors))}
	for i, a := range w.Actors {
		a.Track = true
		all.Actors[i] = a
	}
	m, err := Compile(all)
	if err != nil {
		return nil, err
	}
	var out []Collision
	seen := map[[2]string]bool{}
	for _, b := range all.Actors {
		for _, al := range actorAliasList(&b) {
			text := strings.TrimSuffix(strings.TrimSpace(al.text), "*")
			for _, h := range m.Match(Document{Title: text}) {
				if h.Watch == b.ID || seen[[2]string{h.Watch, b.ID}] {
					continue
				}
				for _, mt := range h.Matches {
					if mt.Variant != "" {
						seen[[2]string{h.Watch, b.ID}] = true
						out = append(out, Collision{Actor: h.Watch, Alias: mt.Term, Other: b.ID, Written: text, Variant: mt.Variant})
						break
					}
				}
			}
		}
	}
	return out, nil
}
