package match

import (
	"errors"
	"reflect"
	"testing"
	"unicode/utf8"
)

func FuzzParseQuery(f *testing.F) {
	for _, s := range []string{
		`@witkoff AND @ushakov AND (transcript OR recording OR call OR leak*)`,
		`"28-point plan" OR "28-point peace plan" OR ("peace plan" NEAR/5 (28 OR "twenty-eight"))`,
		`@dmitriev AND (@witkoff OR @ushakov OR Kushner) -skater`,
		`title:(Ушаков* OR "Yuri Ushak*") NOT url:https://example.org`,
		`leak* AND (NOT denied OR "phone call")`, `(putin OR -skater) witkoff`, `(a AND b) NEAR/2 c`,
		`((a`, `a))`, `NOT NOT a`, `"`, `-`, `NEAR/`, `x NEAR/99999 y`, `a:b`, `*`, `@`,
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, q string) {
		parsed, err := ParseQuery(q)
		if err != nil {
			var se *SyntaxError
			if !errors.As(err, &se) {
				t.Fatalf("error %v is %T, want *SyntaxError", err, err)
			}
			if se.Offset < 0 || se.Offset > utf8.RuneCountInString(q) {
				t.Fatalf("offset %d outside query of %d characters: %v", se.Offset, utf8.RuneCountInString(q), err)
			}
			return
		}
		// A valid query compiles, given its actors, and matching never panics.
		var actors []Actor
		for _, id := range parsed.Actors() {
			actors = append(actors, Actor{ID: id, Aliases: []string{id + " alias"}})
		}
		m, err := Compile(Watchlist{Actors: actors, Storylines: []Storyline{{ID: "q", Query: q}}})
		if err != nil {
			// Actor ids that are not valid aliases are the only other failure.
			return
		}
		// ParseQuery refuses exactly the queries without a trigger, so no
		// watch has to be evaluated for every document.
		if len(m.always) != 0 {
			t.Fatalf("query %q has no trigger atom", q)
		}
		m.Match(Document{Title: q, Content: q})
	})
}

func FuzzNormalize(f *testing.F) {
	for _, s := range []string{
		"Witkoff’s 28-point plan", "Уиткофф и Ушаков", "Zélensky ﬁnance Straße", "½ ² ①",
		"e\u0301\u0301", "\xff\xfe", "東京 서울 العربية", "İstanbul ΣΊΣΥΦΟΣ",
		"Юри\u0306 Ушаков", "½й ї\u0308 и\u0306\u0306 Зеленський", "Й\u0306й",
	} {
		f.Add(s)
	}
	// Matching the text exercises the transliterated copies of the haystack.
	m, err := Compile(Watchlist{Actors: []Actor{
		{ID: "u", Track: true, Aliases: []string{"Yuri Ushakov", "Yury", "Ушаков*"}},
		{ID: "z", Track: true, Aliases: []string{"Zelensky", "Zelenski", "Зеленськ*", "yi"}},
	}})
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, s string) {
		toks := Tokens(s)
		n := Normalize(s)
		if !utf8.ValidString(n) {
			t.Fatalf("Normalize(%q) = %q is not valid UTF-8", s, n)
		}
		if again := Tokens(n); !reflect.DeepEqual(again, toks) && !(len(again) == 0 && len(toks) == 0) {
			t.Fatalf("Tokens(Normalize(%q)) = %q, want %q", s, again, toks)
		}
		if Normalize(n) != n {
			t.Fatalf("Normalize is not idempotent on %q: %q then %q", s, n, Normalize(n))
		}
		var prev int
		scanTokens(s, nil, func(tok []byte, start, end int) {
			if start < prev || end <= start || end > len(s) {
				t.Fatalf("token %q has range [%d,%d) in text of %d bytes after %d", tok, start, end, len(s), prev)
			}
			prev = start
		})
		for tz := newTokenizer(s); ; {
			tok, start, end, flags, ok := tz.next(nil)
			if !ok {
				break
			}
			if marked := hasMarkedLetter(s[start:end]); (flags&tokMarked != 0) != marked {
				t.Fatalf("token %q of %q: tokMarked is %v, hasMarkedLetter %v", tok, s, !marked, marked)
			}
			if flags&tokWide == 0 && hasCyrillic(tok) {
				t.Fatalf("token %q of %q has Cyrillic without tokWide", tok, s)
			}
		}
		for _, h := range m.Match(Document{Title: s, Content: s}) {
			for _, mt := range h.Matches {
				if mt.Mark[0] < 0 || mt.Mark[0] > mt.Mark[1] || mt.Mark[1] > len(mt.Snippet) {
					t.Fatalf("mark %v outside snippet %q of %q", mt.Mark, mt.Snippet, s)
				}
			}
		}
	})
}
