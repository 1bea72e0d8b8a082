package feed

import (
	"net/url"
	"os"
	"strings"
	"testing"

	"github.com/storywatch/storywatch/match"
)

var searchAliases = map[string][]string{
	"witkoff": {"Witkoff", "Steve Witkoff", "Steven Witkoff", "Уиткофф*", "Віткофф*"},
	"ushakov": {"Ushakov", "Yuri Ushakov", "Iouri Ouchakov", "Ouchakov", "Ушаков*"},
	"putin":   {"Putin", "Путин*"},
}

func queryExpr(t *testing.T, q string) match.Expr {
	t.Helper()
	parsed, err := match.ParseQuery(q)
	if err != nil {
		t.Fatal(err)
	}
	return parsed.Expr()
}

func searchQuery(t *testing.T, raw string) string {
	t.Helper()
	u, err := url.Parse(raw)
	if err != nil {
		t.Fatal(err)
	}
	return u.Query().Get("q")
}

func TestSearchQueryFromWatches(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, query, want string
	}{
		{"actor aliases that contain another are left out", "@witkoff", "Witkoff OR Уиткофф OR Віткофф"},
		{"AND of ORs in parentheses", "@witkoff AND @ushakov AND (transcript OR leak*)",
			"(Witkoff OR Уиткофф OR Віткофф) (Ushakov OR Ушаков OR Ouchakov) (transcript OR leak)"},
		{"phrases quoted", `"28-point plan" OR "peace plan"`, `"28-point plan" OR "peace plan"`},
		{"NEAR searched as AND, fields dropped", `title:"peace plan" NEAR/5 (28 OR "twenty-eight")`, `"peace plan" (28 OR twenty-eight)`},
		{"a NOT word excluded", "@putin -skater", "(Putin OR Путин) -skater"},
		{"an AND inside an OR in parentheses", `("28-point" NEAR/3 (plan OR deal)) OR "28 пункт*"`, `(28-point (plan OR deal)) OR "28 пункт"`},
		{"a NOT of a group widens the search", "@putin NOT (skater OR ballet)", "Putin OR Путин"},
		{"an OR with a NOT asks for anything", "@witkoff (@putin OR -skater)", "Witkoff OR Уиткофф OR Віткофф"},
		{"an actor without names widens its OR", "@putin (28 OR @nameless)", "Putin OR Путин"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := SearchURL(Search{Provider: ProviderGoogleNews}, queryExpr(t, tt.query), searchAliases)
			if err != nil {
				t.Fatal(err)
			}
			if q := searchQuery(t, got); q != tt.want {
				t.Errorf("query = %s\nwant    %s", q, tt.want)
			}
		})
	}
}

func TestSearchURLProviders(t *testing.T) {
	t.Parallel()
	e := match.Expr{Op: match.OpActor, Text: "putin"}
	tests := []struct {
		name string
		s    Search
		want string
	}{
		{"google news defaults", Search{Provider: ProviderGoogleNews},
			"https://news.google.com/rss/search?ceid=US%3Aen&gl=US&hl=en-US&q=Putin+OR+%D0%9F%D1%83%D1%82%D0%B8%D0%BD"},
		{"google news in Ukrainian", Search{Provider: ProviderGoogleNews, HL: "uk", GL: "UA"},
			"https://news.google.com/rss/search?ceid=UA%3Auk&gl=UA&hl=uk&q=Putin+OR+%D0%9F%D1%83%D1%82%D0%B8%D0%BD"},
		{"bing news", Search{Provider: ProviderBingNews, HL: "ru-RU", GL: "RU"},
			"https://www.bing.com/news/search?cc=RU&format=RSS&q=Putin+OR+%D0%9F%D1%83%D1%82%D0%B8%D0%BD&setlang=ru-RU"},
		{"template", Search{Provider: "https://search.example.org/rss?query={query}&lang={hl}"},
			"https://search.example.org/rss?query=Putin+OR+%D0%9F%D1%83%D1%82%D0%B8%D0%BD&lang=en-US"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := SearchURL(tt.s, e, searchAliases)
			if err != nil {
				t.Fatal(err)
			}
			if got != tt.want {
				t.Errorf("URL = %s\nwant  %s", got, tt.want)
			}
		})
	}
	if _, err := SearchURL(Search{Provider: "https://search.example.org/rss"}, e, searchAliases); err == nil {
		t.Error("a template without {query} was accepted")
	}
}

func TestSearchQueryKeptWithinGoogleWords(t *testing.T) {
	t.Parallel()
	many := map[string][]string{"a": {}, "b": {}}
	for i := range 20 {
		many["a"] = append(many["a"], "alpha"+strings.Repeat("x", i))
		many["b"] = append(many["b"], "beta"+strings.Repeat("y", i))
	}
	got, err := SearchURL(Search{Provider: ProviderGoogleNews}, queryExpr(t, "@a @b -gamma -delta"), many)
	if err != nil {
		t.Fatal(err)
	}
	q := searchQuery(t, got)
	if n := len(strings.Fields(q)); n > googleMaxWords {
		t.Errorf("query has %d words: %s", n, q)
	}
	if strings.Contains(q, "-gamma") {
		t.Errorf("NOT terms kept while aliases were dropped: %s", q)
	}
	if !strings.HasPrefix(q, "(alpha OR alphax") {
		t.Errorf("the first aliases should stay: %s", q)
	}
	long := map[string][]string{"a": {strings.Repeat("word ", 40)}}
	if _, err := SearchURL(Search{Provider: ProviderGoogleNews}, match.Expr{Op: match.OpActor, Text: "a"}, long); err == nil {
		t.Error("a 40-word alias was accepted for Google")
	}
}

func TestSearchResponsesCreditOutlets(t *testing.T) {
	t.Parallel()
	tests := []struct {
		file    string
		outlets []string
		url0    string
	}{
		{"testdata/google-news-search.xml", []string{"Bloomberg.com", "Коммерсантъ", "The Kyiv Independent"},
			"https://news.google.com/rss/articles/CBMiigFBVV95cUxQY2FsbC1sZWFrLXdpdGtvZmYtdXNoYWtvdi0yMDI1LTExLTI1?oc=5"},
		{"testdata/bing-news-search.xml", []string{"The Guardian", "Reuters"},
			"https://www.theguardian.com/us-news/2025/nov/25/witkoff-ushakov-call-transcript"},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			t.Parallel()
			data, err := os.ReadFile(tt.file)
			if err != nil {
				t.Fatal(err)
			}
			f, err := Parse(data, "application/rss+xml; charset=UTF-8", "https://news.example/search")
			if err != nil {
				t.Fatal(err)
			}
			if len(f.Items) != len(tt.outlets) {
				t.Fatalf("%d items, want %d", len(f.Items), len(tt.outlets))
			}
			for i, it := range f.Items {
				if it.Outlet != tt.outlets[i] {
					t.Errorf("item %d outlet = %q, want %q", i, it.Outlet, tt.outlets[i])
				}
			}
			if f.Items[0].URL != tt.url0 {
				t.Errorf("first item URL = %s, want %s", f.Items[0].URL, tt.url0)
			}
		})
	}
}
