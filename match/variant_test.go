package match

import (
	"strings"
	"testing"
)

// explain returns the explanations of the hits of watch id in text.
func explain(m *Matcher, id, text string) []string {
	var out []string
	for _, h := range m.Match(Document{Content: text}) {
		if h.Watch != id {
			continue
		}
		for _, mt := range h.Matches {
			out = append(out, mt.Explain())
		}
	}
	return out
}

func TestSpellingKeys(t *testing.T) {
	t.Parallel()
	same := [][]string{
		{"Ushakov", "Uschakow", "Ušakov", "Ушаков", "Uşakov", "Ușakov", "Oesjakov"},
		{"Witkoff", "Уиткофф", "Віткофф", "Виткофф", "Whitkoff", "Γουίτκοφ"},
		{"Dmitriev", "Dmitrijew", "Dmitriyev", "Дмитриев", "Дмитрієв"},
		{"Zelensky", "Zelenskyy", "Zelenskiy", "Zelenskyi", "Зеленский", "Зеленський"},
		{"Medvedev", "Medwedjew", "Медведев", "Medvegyev", "Miedwiediew"},
		{"Yuri", "Iouri", "Juri", "Jurij", "Юрий", "Yury"},
		{"Gorbatschow", "Gorbaczow", "Gorbačov", "Горбачёв"},
		{"Nemtsov", "Немцов"},
	}
	for _, names := range same {
		want, _ := appendKey(nil, names[0])
		for _, n := range names[1:] {
			if got, _ := appendKey(nil, n); string(got) != string(want) {
				t.Errorf("key(%s) = %q, want %q, the key of %s", n, got, want, names[0])
			}
		}
	}
	distinct := [][2]string{
		{"Ushakov", "Usakov"}, {"Putin", "Rasputin"}, {"Kushner", "Kuchner"}, {"Petrov", "Petrova"},
		{"Ivanov", "Ivanova"}, {"Sokolov", "Sobolev"}, {"Novak", "Nowacki"},
	}
	for _, p := range distinct {
		a, _ := appendKey(nil, p[0])
		b, _ := appendKey(nil, p[1])
		if string(a) == string(b) {
			t.Errorf("%s and %s have one key %q", p[0], p[1], a)
		}
	}
}

func TestUshakovWrittenOnce(t *testing.T) {
	t.Parallel()
	w := Watchlist{Actors: []Actor{{ID: "ushakov", Aliases: []string{"Ushakov"}, Track: true}}}
	m := mustCompile(t, w)
	for text, want := range map[string]string{
		"Ushakov":  "Ushakov",
		"Ouchakov": "Ouchakov ≈ Ushakov, spelling",
		"Uschakow": "Uschakow ≈ Ushakov, spelling",
		"Uszakow":  "Uszakow ≈ Ushakov, spelling",
		"Ušakov":   "Ušakov ≈ Ushakov, spelling",
		"Ушаков":   "Ushakov",
		"Ушакова":  "Ушакова ≈ Ushakov, inflection",
		"Ушаковым": "Ушаковым ≈ Ushakov, inflection",
		"Ушакову":  "Ушакову ≈ Ushakov, inflection",
		"Uszakowa": "Uszakowa ≈ Ushakov, spelling, inflection",
	} {
		if got := explain(m, "ushakov", "said "+text+" today"); strings.Join(got, "|") != want {
			t.Errorf("%s: explanations %q, want %q", text, got, want)
		}
	}
	for _, text := range []string{"Usakov", "Ushakovsky", "Rushakov", "Ushak", "ушаковым", "uschakow"} {
		if got := explain(m, "ushakov", text); len(got) > 0 {
			t.Errorf("%s is a hit: %q", text, got)
		}
	}

	if got := explain(m, "ushakov", "ушаков"); len(got) != 1 {
		t.Errorf("a lower-case name as written is still found: %q", got)
	}

	w.Actors[0].Exact = true
	exact := mustCompile(t, w)
	for _, text := range []string{"Ushakov", "Ушаков"} {
		if len(explain(exact, "ushakov", text)) != 1 {
			t.Errorf("variants: exact misses %s", text)
		}
	}
	for _, text := range []string{"Ouchakov", "Uschakow", "Uszakow", "Ušakov", "Ушакова", "Ушаковым", "Ушакову"} {
		if got := explain(exact, "ushakov", text); len(got) > 0 {
			t.Errorf("variants: exact finds %s: %q", text, got)
		}
	}
}

func TestVariantControl(t *testing.T) {
	t.Parallel()
	m := mustCompile(t, Watchlist{Actors: []Actor{
		{ID: "one-exact", Aliases: []string{"Ushakov", "Witkoff"}, ExactAliases: []string{"Witkoff"}, Track: true},
		{ID: "prefix", Aliases: []string{"Ushak*"}, Track: true},
		{ID: "short", Aliases: []string{"Lee"}, Track: true},
	}})
	cases := []struct {
		text, watch string
		hit         bool
	}{
		{"Uszakow", "one-exact", true},
		{"Уиткофф", "one-exact", false}, // the exact alias
		{"Witkoff", "one-exact", true},
		{"Uschakow", "prefix", false}, // a prefix matches as written
		{"Ushakova", "prefix", true},
		{"le", "short", false}, // too short for variants
		{"Lee", "short", true},
	}
	for _, c := range cases {
		if got := len(explain(m, c.watch, c.text)) > 0; got != c.hit {
			t.Errorf("%s: hit for %s = %v, want %v", c.text, c.watch, got, c.hit)
		}
	}
}

func TestStorylineWordsStayExact(t *testing.T) {
	t.Parallel()
	m := mustCompile(t, Watchlist{
		Actors: []Actor{{ID: "ushakov", Aliases: []string{"Ushakov"}}},
		Storylines: []Storyline{
			{ID: "word", Query: `Ushakov`},
			{ID: "actor", Query: `@ushakov`},
			{ID: "prefix", Query: `Ushakov*`},
		},
	})
	got := hitIDs(m.Match(Document{Content: "Ушаковым"}))
	if strings.Join(got, ",") != "actor,prefix" {
		t.Errorf("hits on Ушаковым = %q, want actor and prefix (a word stays exact)", got)
	}
	if got := hitIDs(m.Match(Document{Content: "Uschakow"})); strings.Join(got, ",") != "actor" {
		t.Errorf("hits on Uschakow = %q, want actor only", got)
	}
}

func TestPhraseVariants(t *testing.T) {
	t.Parallel()
	m := mustCompile(t, Watchlist{Actors: []Actor{{ID: "u", Aliases: []string{"Yuri Ushakov"}, Track: true}}})
	for text, want := range map[string]string{
		"Juri Uschakow sagte":    "Juri Uschakow ≈ Yuri Ushakov, spelling",
		"помощнику Юрию Ушакову": "Юрию Ушакову ≈ Yuri Ushakov, inflection",
		"Iouri Ouchakov a dit":   "Iouri Ouchakov ≈ Yuri Ushakov, spelling",
		"Yuri Ushakov said":      "Yuri Ushakov",
	} {
		if got := explain(m, "u", text); strings.Join(got, "|") != want {
			t.Errorf("%s: %q, want %q", text, got, want)
		}
	}
	if got := explain(m, "u", "Juri said Uschakow"); len(got) > 0 {
		t.Errorf("words apart matched the phrase: %q", got)
	}
}

func TestRegion(t *testing.T) {
	t.Parallel()
	if len(RegionNames("XY")) != 0 || len(RegionNames("italy")) != 0 {
		t.Error("an unknown code has names")
	}
	names := RegionNames("IT")
	if len(names) < 50 || names[0] != "Italy" {
		t.Fatalf("IT has %d names, first %q", len(names), names[0])
	}
	m := mustCompile(t, Watchlist{Actors: []Actor{{ID: "it", Region: "IT", Track: true}}})
	for _, text := range []string{"Italien", "Italia", "Włochy", "Италия", "Италии", "Італії", "Italiens", "Olaszország"} {
		if len(explain(m, "it", "in "+text+" today")) == 0 {
			t.Errorf("region IT misses %s", text)
		}
	}
	if got := explain(m, "it", "Италии"); len(got) != 1 || !strings.Contains(got[0], "region") {
		t.Errorf("Италии explained %q, want one region match", got)
	}
	if _, err := Compile(Watchlist{Actors: []Actor{{ID: "x", Region: "QQ"}}}); err == nil {
		t.Error("an unknown region compiled")
	}
}

func TestDescribeActorExamplesAreFound(t *testing.T) {
	t.Parallel()
	a := Actor{ID: "zelensky", Aliases: []string{"Zelensky", "Зеленск*"}}
	avs, err := DescribeActor(a)
	if err != nil {
		t.Fatal(err)
	}
	if len(avs) != 2 || avs[0].Exact || !avs[1].Exact || avs[1].Reason == "" {
		t.Fatalf("aliases: %+v", avs)
	}
	m := mustCompile(t, Watchlist{Actors: []Actor{{ID: "z", Aliases: []string{"Zelensky"}, Track: true}}})
	examples := append(avs[0].Spellings, avs[0].Inflections...)
	if len(avs[0].Spellings) < 3 || len(avs[0].Inflections) < 3 {
		t.Errorf("few examples: %+v", avs[0])
	}
	for _, e := range examples {
		if len(m.Match(Document{Content: e})) == 0 {
			t.Errorf("example %q is not found", e)
		}
	}
}

func TestCollisions(t *testing.T) {
	t.Parallel()
	cs, err := Collisions(Watchlist{Actors: []Actor{
		{ID: "a", Aliases: []string{"Ushakov"}},
		{ID: "b", Aliases: []string{"Uschakow"}, Exact: true},
		{ID: "c", Aliases: []string{"Witkoff"}},
	}})
	if err != nil {
		t.Fatal(err)
	}
	if len(cs) != 1 || cs[0].Actor != "a" || cs[0].Other != "b" || cs[0].Variant != "spelling" {
		t.Errorf("collisions %+v, want a's Ushakov matching b's Uschakow", cs)
	}
}

func BenchmarkKey(b *testing.B) {
	words := []string{"sanctions", "Ushakov", "Уиткоффом", "Zelenskiego", "the", "Ζελένσκι"}
	var buf []byte
	for i := 0; b.Loop(); i++ {
		buf, _ = appendKey(buf[:0], words[i%len(words)])
	}
}

// FuzzAppendKey checks that any word has a key without separators, and
// that matching arbitrary text against aliases with variants is safe.
func FuzzAppendKey(f *testing.F) {
	for _, s := range []string{"Ushakov", "Уиткоффом", "Γουίτκοφ", "Σοϊγκού", "Τραμπ", "tsch", "ъ", "\xff", "Ⅻ"} {
		f.Add(s)
	}
	m := mustCompile(f, Watchlist{Actors: []Actor{{ID: "u", Aliases: []string{"Yuri Ushakov", "Τραμπ"}, Track: true}}})
	f.Fuzz(func(t *testing.T, s string) {
		k, _ := appendKey(nil, s)
		if strings.ContainsAny(string(k), " \n") {
			t.Fatalf("key(%q) = %q has a separator", s, k)
		}
		m.Match(Document{Title: s, Content: s + " " + s})
	})
}
