package match

import (
	"fmt"
	"reflect"
	"strings"
	"testing"
)

// exampleWatchlist is a small watchlist modelled on config.example.yaml.
func exampleWatchlist() Watchlist {
	return Watchlist{
		Actors: []Actor{
			{ID: "witkoff", Name: "Steve Witkoff", Track: true, Aliases: []string{"Witkoff", "Steve Witkoff", "Steven Witkoff", "Уиткофф*", "Віткофф*"}},
			{ID: "ushakov", Name: "Yuri Ushakov", Track: true, Aliases: []string{"Ushakov", "Yuri Ushakov", "Yury Ushakov", "Iouri Ouchakov", "Ушаков*"}},
			{ID: "dmitriev", Name: "Kirill Dmitriev", Track: true, Aliases: []string{"Kirill Dmitriev", "Dmitriev", "Dmitriyev", "Дмитриев*"}},
			{ID: "putin", Name: "Vladimir Putin", Track: false, Aliases: []string{"Putin", "Путин*"}},
		},
		Storylines: []Storyline{
			{ID: "call-leak", Title: "Witkoff–Ushakov call recording", Query: `@witkoff AND @ushakov AND (transcript OR recording OR call OR leak*)`},
			{ID: "peace-plan", Title: "The 28-point peace plan", Query: `"28-point plan" OR "28-point peace plan" OR ("peace plan" NEAR/5 (28 OR "twenty-eight"))`},
			{ID: "dmitriev-channel", Title: "Dmitriev's back channel", Query: `@dmitriev AND (@witkoff OR @ushakov OR Kushner) -skater`},
		},
	}
}

func mustCompile(t testing.TB, w Watchlist) *Matcher {
	t.Helper()
	m, err := Compile(w)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func hitIDs(hits []Hit) []string {
	ids := []string{}
	for _, h := range hits {
		ids = append(ids, h.Watch)
	}
	return ids
}

func TestMatchBehaviour(t *testing.T) {
	t.Parallel()
	actors := []Actor{
		{ID: "witkoff", Track: true, Aliases: []string{"Witkoff", "Steve Witkoff", "Уиткофф*"}},
		{ID: "ushakov", Track: true, Aliases: []string{"Ushakov", "Ушаков*"}},
		{ID: "putin", Track: true, Aliases: []string{"Putin"}},
		{ID: "zelensky", Track: true, Aliases: []string{"Zelensky", "Zelenskyy"}},
		{ID: "lavrov", Track: false, Aliases: []string{"Lavrov"}},
	}
	tests := []struct {
		name  string
		query string // storyline "s"; empty for actor-only checks
		doc   Document
		want  []string
	}{
		{"possessive", "", Document{Title: "Witkoff’s advice to the Kremlin"}, []string{"witkoff"}},
		{"possessive with ASCII apostrophe", "", Document{Title: "Witkoff's advice"}, []string{"witkoff"}},
		{"hyphenated phrase matches spaced text", `"28-point plan"`, Document{Content: "a 28 point plan for Ukraine"}, []string{"s"}},
		{"spaced phrase matches hyphenated text", `"28 point plan"`, Document{Content: "the 28-point plan"}, []string{"s"}},
		{"en dash separates words", `"28 point plan"`, Document{Content: "the 28–point plan"}, []string{"s"}},
		{"dash between names", "", Document{Title: "The Witkoff–Ushakov call"}, []string{"witkoff", "ushakov"}},
		{"diacritics in text", `Zelensky`, Document{Title: "Zélensky à Paris"}, []string{"zelensky", "s"}},
		{"diacritics in alias", `"Zélensky"`, Document{Title: "Zelensky in Paris"}, []string{"zelensky", "s"}},
		{"case folding", "", Document{Summary: "WITKOFF SPOKE"}, []string{"witkoff"}},
		{"Cyrillic inflection with prefix", "", Document{Content: "разговор с Ушаковым"}, []string{"ushakov"}},
		{"Latin alias on Cyrillic text", "", Document{Content: "Помощник Путина Ушаков"}, []string{"ushakov", "putin"}},
		{"Latin alias on transliterated Cyrillic", `Uitkoff`, Document{Content: "Уиткофф сказал"}, []string{"witkoff", "s"}},
		{"Latin phrase across Cyrillic words", `"yuri ushakov"`, Document{Content: "Юри Ушаков"}, []string{"ushakov", "s"}},
		{"word inside another word", "", Document{Title: "Rasputin and the tsar"}, nil},
		{"prefix term", `leak*`, Document{Title: "Recording leaked"}, []string{"s"}},
		{"prefix does not match mid-word", `leak*`, Document{Title: "Recording was bleak"}, nil},
		{"NEAR in order", `peace NEAR/2 plan`, Document{Content: "peace and a plan"}, []string{"s"}},
		{"NEAR reversed", `peace NEAR/2 plan`, Document{Content: "plan for a peace"}, []string{"s"}},
		{"NEAR too far", `peace NEAR/2 plan`, Document{Content: "peace is not a simple plan"}, nil},
		{"NEAR needs one field", `peace NEAR/5 plan`, Document{Title: "peace", Summary: "plan"}, nil},
		{"NOT wins over OR", `(Putin OR Witkoff) -skater`, Document{Title: "Putin skater Witkoff"}, []string{"witkoff", "putin"}},
		{"NOT absent", `(Putin OR Witkoff) NOT skater`, Document{Title: "Putin"}, []string{"putin", "s"}},
		{"field restriction excludes other fields", `title:Putin`, Document{Content: "Putin"}, []string{"putin"}},
		{"field restriction matches its field", `title:Putin`, Document{Title: "Putin"}, []string{"putin", "s"}},
		{"author field", `author:Smith AND Putin`, Document{Title: "Putin", Author: "Jane Smith"}, []string{"putin", "s"}},
		{"author not in default fields", `Smith`, Document{Author: "Jane Smith"}, nil},
		{"untracked actor in a storyline", `@lavrov AND @putin`, Document{Title: "Lavrov and Putin"}, []string{"putin", "s"}},
		{"untracked actor alone", "", Document{Title: "Lavrov"}, nil},
		{"lower-case or is a word", `Putin or Witkoff`, Document{Title: "Putin Witkoff"}, []string{"witkoff", "putin"}},
		{"adjacency is AND", `Putin Witkoff`, Document{Title: "Putin Witkoff"}, []string{"witkoff", "putin", "s"}},
		{"phrase across fields does not match", `"putin witkoff"`, Document{Title: "Putin", Summary: "Witkoff"}, []string{"witkoff", "putin"}},
		{"ligature and full-width", `finance`, Document{Title: "ﬁnance"}, []string{"s"}},
		{"ё folds to е", `Семёнов`, Document{Title: "Семенов"}, []string{"s"}},
		{"NOT inside OR leaves the AND its trigger", `leak* AND (NOT denied OR "phone call")`, Document{Title: "recording leaked"}, []string{"s"}},
		{"NOT inside OR still excludes", `leak* AND (NOT denied OR "phone call")`, Document{Title: "leak denied"}, nil},
		{"negated branch of OR satisfied by absence", `(putin OR -skater) witkoff`, Document{Title: "Witkoff"}, []string{"witkoff", "s"}},
		{"negated branch of OR fails on presence", `(putin OR -skater) witkoff`, Document{Title: "Witkoff skater"}, []string{"witkoff"}},
		{"-ий transliterates as Yuri", `"Yuri Ushakov"`, Document{Content: "Юрий Ушаков"}, []string{"ushakov", "s"}},
		{"-ий transliterates as Yury", `"Yury Ushakov"`, Document{Content: "Юрий Ушаков"}, []string{"ushakov", "s"}},
		{"-ий not as Yurii", `"Yurii Ushakov"`, Document{Content: "Юрий Ушаков"}, []string{"ushakov"}},
		{"decomposed й transliterates like й", `Yuri`, Document{Content: "Юри\u0306"}, []string{"s"}},
		{"Russian -ский matches Zelensky", "", Document{Content: "Зеленский"}, []string{"zelensky"}},
		{"Ukrainian -ський matches Zelensky", "", Document{Content: "Зеленський"}, []string{"zelensky"}},
		{"Ukrainian -ський second spelling", `Zelenski`, Document{Content: "Зеленського и Зеленський"}, []string{"zelensky", "s"}},
		{"-ей matches Sergey", `Sergey`, Document{Content: "Сергей Лавров"}, []string{"s"}},
		{"-ей matches Sergei", `Sergei`, Document{Content: "Сергей Лавров"}, []string{"s"}},
		{"й inside a word is y", `Maydan`, Document{Content: "Майдан"}, []string{"s"}},
		{"Ukrainian є is ye", `Dmitriyev`, Document{Content: "Дмитрієв"}, []string{"s"}},
		{"Ukrainian ї is yi", `Ukrayina`, Document{Content: "Україна"}, []string{"s"}},
		{"Ukrainian г is g", `Gerashchenko`, Document{Content: "Геращенко"}, []string{"s"}},
		{"Cyrillic query still matches folded й", `Юрий`, Document{Content: "Юрии"}, []string{"s"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := Watchlist{Actors: actors}
			if tt.query != "" {
				w.Storylines = []Storyline{{ID: "s", Query: tt.query}}
			}
			m := mustCompile(t, w)
			got := hitIDs(m.Match(tt.doc))
			want := tt.want
			if want == nil {
				want = []string{}
			}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("hits = %q, want %q", got, want)
			}
		})
	}
}

func TestNearEvidence(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		query     string
		doc       Document
		wantTerms []string
		wantScore int
	}{
		{"longer alias inside NEAR is shown", `@witkoff NEAR/1 plan`, Document{Content: "plan Steve Witkoff"},
			[]string{"Steve Witkoff", "plan"}, 2},
		{"shorter alias near, longer one reaching away", `@witkoff NEAR/1 plan`, Document{Content: "Steve Witkoff plan"},
			[]string{"Steve Witkoff", "plan"}, 2},
		{"every present branch of an OR side", `peace NEAR/3 (plan OR deal)`, Document{Content: "peace plan deal"},
			[]string{"peace", "plan", "deal"}, 3},
		{"nested NEAR gives all three", `(peace NEAR/1 plan) NEAR/2 28`, Document{Content: "the 28 point peace plan"},
			[]string{"peace", "plan", "28"}, 3},
		{"only the pair that is near", `peace NEAR/1 plan`, Document{Title: "peace talks", Content: "a plan for peace"},
			[]string{"peace", "plan"}, 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := mustCompile(t, Watchlist{
				Actors:     []Actor{{ID: "witkoff", Aliases: []string{"Witkoff", "Steve Witkoff"}}},
				Storylines: []Storyline{{ID: "s", Query: tt.query}},
			})
			hits := m.Match(tt.doc)
			if len(hits) != 1 {
				t.Fatalf("hits = %+v, want one", hits)
			}
			var terms []string
			for _, mt := range hits[0].Matches {
				terms = append(terms, mt.Term)
			}
			if !reflect.DeepEqual(terms, tt.wantTerms) || hits[0].Score != tt.wantScore {
				t.Errorf("terms %q score %d, want %q score %d", terms, hits[0].Score, tt.wantTerms, tt.wantScore)
			}
		})
	}
}

// TestWatchWithoutTriggerIsEvaluated checks that a watch no atom triggers
// (ParseQuery refuses such queries, so it is built by hand) is evaluated
// for every document instead of never.
func TestWatchWithoutTriggerIsEvaluated(t *testing.T) {
	t.Parallel()
	c := &compiler{m: &Matcher{fields: defaultFields}, atomIDs: map[string]int32{}, units: map[string]int32{}}
	skater := &expr{kind: nodeTerm, fields: defaultFields, atoms: []int32{c.atom([]string{"skater"}, false)}, labels: []string{"skater"}}
	c.addWatch(Watch{ID: "s"}, &expr{kind: nodeNot, kids: []*expr{skater}})
	if err := c.finish(); err != nil {
		t.Fatal(err)
	}
	if got := hitIDs(c.m.Match(Document{Title: "Putin"})); !reflect.DeepEqual(got, []string{"s"}) {
		t.Errorf("hits on a document without skater = %q, want [s]", got)
	}
	if got := hitIDs(c.m.Match(Document{Title: "skater"})); len(got) != 0 {
		t.Errorf("hits on a document with skater = %q, want none", got)
	}
}

func TestTransliteration(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, text string
		want       []string // per token: the transliteration, and the second spelling after "|" if any
	}{
		{"й at the end after и", "Юрий", []string{"yury|yuri"}},
		{"й at the end after ы", "Белый", []string{"bely|belyi"}},
		{"й at the end after е", "Сергей", []string{"sergey|sergei"}},
		{"й at the end after і", "Сергій", []string{"sergiy|sergii"}},
		{"й inside a word", "Майдан", []string{"maydan"}},
		{"decomposed й", "Юри\u0306 Ма\u0306", []string{"yury|yuri", "ma"}},
		{"capital Й", "ЙЕМЕН", []string{"yemen"}},
		{"Ukrainian letters", "Київ Дмитрієв Ґрунт", []string{"kiyiv", "dmitriyev", "grunt"}},
		{"soft and hard signs dropped", "Зеленський подъезд", []string{"zelensky|zelenski", "podezd"}},
		{"ё is e", "Семёнов", []string{"semenov"}},
		{"mixed with Latin", "Ушаков-2 Putin", []string{"ushakov", "2", "putin"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got []string
			scanTokens(tt.text, nil, func(tok []byte, start, end int) {
				if !hasCyrillic(tok) {
					got = append(got, string(tok))
					return
				}
				r := restoreMarks(nil, tok, tt.text[start:end])
				s := string(appendTranslit(nil, r, false))
				if hasSecondForm(r) {
					s += "|" + string(appendTranslit(nil, r, true))
				}
				got = append(got, s)
			})
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("transliteration of %q = %q, want %q", tt.text, got, tt.want)
			}
		})
	}
}

func TestTokensOfCyrillicStayCyrillic(t *testing.T) {
	t.Parallel()
	// docs/architecture.md, "Matching": й folds to и in tokens; only the transliterated copy the
	// Matcher searches tells them apart.
	if got, want := Tokens("Юрий Зеленський Київ"), []string{"юрии", "зеленськии", "киів"}; !reflect.DeepEqual(got, want) {
		t.Errorf("Tokens = %q, want %q", got, want)
	}
}

func TestNegatedMatchGivesNoEvidence(t *testing.T) {
	t.Parallel()
	m := mustCompile(t, Watchlist{Storylines: []Storyline{{ID: "s", Query: `putin AND NOT (skater AND ballet) OR witkoff`}}})
	hits := m.Match(Document{Title: "Putin skater witkoff"})
	if len(hits) != 1 {
		t.Fatalf("hits = %v, want one", hits)
	}
	for _, mt := range hits[0].Matches {
		if mt.Term == "skater" || mt.Term == "ballet" {
			t.Errorf("negated term %q in explanations %+v", mt.Term, hits[0].Matches)
		}
	}
}

func TestScore(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		query string
		doc   Document
		want  int
	}{
		{"one term in content", `putin`, Document{Content: "Putin spoke"}, 1},
		{"one term in title", `putin`, Document{Title: "Putin spoke", Content: "Putin"}, 2},
		{"repeated term counts once", `putin`, Document{Content: "Putin, Putin, Putin"}, 1},
		{"actor counts once across aliases", `@witkoff AND call`, Document{Content: "Steve Witkoff call; Уиткофф"}, 2},
		{"title and content terms", `putin AND call`, Document{Title: "Putin", Content: "a call"}, 3},
		{"OR counts every present branch", `putin OR call OR leak`, Document{Content: "Putin call leak"}, 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := mustCompile(t, Watchlist{
				Actors:     []Actor{{ID: "witkoff", Aliases: []string{"Witkoff", "Steve Witkoff", "Уиткофф*"}}},
				Storylines: []Storyline{{ID: "s", Query: tt.query}},
			})
			hits := m.Match(tt.doc)
			if len(hits) != 1 {
				t.Fatalf("hits = %+v, want one", hits)
			}
			if hits[0].Score != tt.want {
				t.Errorf("score = %d, want %d (matches %+v)", hits[0].Score, tt.want, hits[0].Matches)
			}
		})
	}
}

func TestLongerAliasHidesTheShorterOneInside(t *testing.T) {
	t.Parallel()
	m := mustCompile(t, Watchlist{Actors: []Actor{{ID: "witkoff", Track: true, Aliases: []string{"Witkoff", "Steve Witkoff"}}}})
	hits := m.Match(Document{Content: "US envoy Steve Witkoff said"})
	if len(hits) != 1 || len(hits[0].Matches) != 1 || hits[0].Matches[0].Term != "Steve Witkoff" {
		t.Fatalf("hits = %+v, want one match for \"Steve Witkoff\"", hits)
	}
	if got := hits[0].Matches[0].Marked("[", "]"); got != "US envoy [Steve Witkoff] said" {
		t.Errorf("Marked = %q", got)
	}
}

func TestCompileErrors(t *testing.T) {
	t.Parallel()
	w := Watchlist{
		Actors: []Actor{
			{ID: "witkoff", Aliases: []string{"Witkoff"}},
			{ID: "bad", Aliases: []string{"*"}},
			{ID: "witkoff", Aliases: []string{"Steve"}},
		},
		Storylines: []Storyline{
			{ID: "call-leak", Query: `@witkoff AND @foo`},
			{ID: "broken", Query: `(call`},
		},
	}
	_, err := Compile(w)
	if err == nil {
		t.Fatal("Compile succeeded")
	}
	want := strings.Join([]string{
		`actor "bad": alias "*": "*" must follow a word`,
		`actor "witkoff": duplicate id`,
		`storyline "call-leak": unknown actor "@foo"`,
		`storyline "broken": unbalanced parenthesis at offset 0`,
	}, "\n")
	if err.Error() != want {
		t.Errorf("error:\n%s\nwant:\n%s", err, want)
	}
}

func TestWatches(t *testing.T) {
	t.Parallel()
	m := mustCompile(t, exampleWatchlist())
	want := []Watch{
		{ID: "witkoff", Title: "Steve Witkoff", Kind: "actor"},
		{ID: "ushakov", Title: "Yuri Ushakov", Kind: "actor"},
		{ID: "dmitriev", Title: "Kirill Dmitriev", Kind: "actor"},
		{ID: "call-leak", Title: "Witkoff–Ushakov call recording", Kind: "storyline"},
		{ID: "peace-plan", Title: "The 28-point peace plan", Kind: "storyline"},
		{ID: "dmitriev-channel", Title: "Dmitriev's back channel", Kind: "storyline"},
	}
	if got := m.Watches(); !reflect.DeepEqual(got, want) {
		t.Errorf("Watches() = %+v", got)
	}
}

func TestMatchIsSafeForConcurrentUse(t *testing.T) {
	t.Parallel()
	m := mustCompile(t, exampleWatchlist())
	doc := Document{Title: "Witkoff and Ushakov call transcript leaked", Content: "Дмитриев и Уиткофф"}
	want := hitIDs(m.Match(doc))
	done := make(chan []string)
	for range 8 {
		go func() {
			var got []string
			for range 50 {
				got = hitIDs(m.Match(doc))
			}
			done <- got
		}()
	}
	for range 8 {
		if got := <-done; !reflect.DeepEqual(got, want) {
			t.Errorf("concurrent hits = %q, want %q", got, want)
		}
	}
}

func TestAppendNormalizedEqualsNormalize(t *testing.T) {
	t.Parallel()
	for _, s := range []string{"", "Witkoff’s 28-point plan", "Ушаков и Дмитриев", "  ﬁnance — Ōsaka…  ", "a", "🙂 x 🙂"} {
		got, n := AppendNormalized([]byte("prefix"), s)
		want := Normalize(s)
		if string(got) != "prefix"+want {
			t.Errorf("AppendNormalized(%q) = %q, want %q", s, got, "prefix"+want)
		}
		if tokens := len(Tokens(s)); n != tokens {
			t.Errorf("AppendNormalized(%q) counted %d tokens, want %d", s, n, tokens)
		}
	}
}

// An actor with 200,000 aliases compiles in time linear in their number
// (each alias was compared with every earlier one: seconds, and minutes at
// 500,000), and every alias matches.
func TestActorWithVeryManyAliases(t *testing.T) {
	t.Parallel()
	const n = 200_000
	aliases := make([]string, n)
	for i := range aliases {
		aliases[i] = fmt.Sprintf("name%d", i)
	}
	aliases = append(aliases, "name7", "NAME7") // the same alias again
	m, err := Compile(Watchlist{Actors: []Actor{{ID: "many", Aliases: aliases, Track: true}}})
	if err != nil {
		t.Fatal(err)
	}
	for _, text := range []string{"report on name0 today", fmt.Sprintf("report on name%d today", n-1), "NAME7 again"} {
		hits := m.Match(Document{Title: text})
		if len(hits) != 1 || hits[0].Watch != "many" || len(hits[0].Matches) != 1 {
			t.Errorf("%q: hits %+v, want one hit with one match", text, hits)
		}
	}
	if hits := m.Match(Document{Title: fmt.Sprintf("name%d", n)}); len(hits) != 0 {
		t.Errorf("an alias that is not there matched: %+v", hits)
	}
}
