package match

import (
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"unicode/utf8"
)

var syllables = []string{"ka", "lo", "mi", "ren", "sto", "vak", "dor", "ish", "bel", "nor", "tas", "gri", "zen", "pol", "vin", "mar", "ush", "tek", "sal", "dov"}

// cyrillicOf spells a generated Latin name in Cyrillic, letter by letter.
var cyrillicOf = strings.NewReplacer("sh", "ш", "a", "а", "b", "б", "d", "д", "e", "е", "g", "г", "i", "и", "k", "к", "l", "л", "m", "м", "n", "н", "o", "о", "p", "п", "r", "р", "s", "с", "t", "т", "u", "у", "v", "в", "z", "з")

func genName(r *rand.Rand) string {
	n := 2 + r.IntN(2)
	var b strings.Builder
	for range n {
		b.WriteString(syllables[r.IntN(len(syllables))])
	}
	s := b.String()
	return strings.ToUpper(s[:1]) + s[1:]
}

var commonWords = []string{"talks", "deal", "sanctions", "envoy", "ceasefire", "summit", "minister", "report", "meeting", "border", "energy", "election", "court", "vote", "trade"}

// genWatchlist builds a watchlist of actors × 4 aliases and storylines that
// combine actors, words, phrases, prefixes, NEAR and NOT.
func genWatchlist(actors, storylines int) (Watchlist, []string) {
	r := rand.New(rand.NewPCG(1, uint64(actors)))
	var w Watchlist
	var names []string
	for i := range actors {
		first, last := genName(r), genName(r)
		names = append(names, first+" "+last)
		w.Actors = append(w.Actors, Actor{
			ID:    fmt.Sprintf("a%d", i),
			Name:  first + " " + last,
			Track: true,
			Aliases: []string{
				last + first[:1], // a surname unlikely to collide with another actor's
				first + " " + last,
				"Minister " + last,
				cyrillicOf.Replace(strings.ToLower(last)) + "*",
			},
		})
	}
	for i := range storylines {
		a, b := r.IntN(actors), r.IntN(actors)
		w1, w2 := commonWords[r.IntN(len(commonWords))], commonWords[r.IntN(len(commonWords))]
		var q string
		switch i % 4 {
		case 0:
			q = fmt.Sprintf(`@a%d AND (@a%d OR %s)`, a, b, w1)
		case 1:
			q = fmt.Sprintf(`"%s %s" OR (%s NEAR/5 @a%d)`, genName(r), w1, w2, a)
		case 2:
			q = fmt.Sprintf(`@a%d %s* -%s`, a, w1[:4], w2)
		default:
			q = fmt.Sprintf(`title:@a%d OR (@a%d AND "%s")`, a, b, genName(r))
		}
		w.Storylines = append(w.Storylines, Storyline{ID: fmt.Sprintf("s%d", i), Query: q})
	}
	return w, names
}

// benchItems returns n items of about 1 KB of news prose (the seed
// article), each mentioning two of the given names.
func benchItems(tb testing.TB, n int, names []string) []Document {
	seed, err := os.ReadFile(filepath.Join("testdata", "witkoff-ushakov-transcript.txt"))
	if err != nil {
		tb.Fatal(err)
	}
	text := strings.Join(strings.Fields(string(seed)), " ")
	r := rand.New(rand.NewPCG(2, 3))
	docs := make([]Document, n)
	for i := range docs {
		off := r.IntN(len(text) - 1100)
		for !utf8.RuneStart(text[off]) {
			off++
		}
		end := off + 1000
		for !utf8.RuneStart(text[end]) {
			end++
		}
		body := text[off:end]
		if len(names) > 0 {
			body = names[r.IntN(len(names))] + " said " + body + " " + names[r.IntN(len(names))] + "."
		}
		docs[i] = Document{Title: fmt.Sprintf("Item %d about the talks", i), Content: body}
	}
	return docs
}

func BenchmarkMatch(b *testing.B) {
	small, largeW := exampleWatchlist(), Watchlist{}
	gen, genNames := genWatchlist(2000, 500)
	largeW, largeNames := genWatchlist(20000, 5000)
	cases := []struct {
		name  string
		w     Watchlist
		names []string
	}{
		{"example", small, []string{"Steve Witkoff", "Kirill Dmitriev"}},
		{"2000x4+500", gen, genNames},
		{"20000x4+5000", largeW, largeNames},
	}
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			m := mustCompile(b, c.w)
			docs := benchItems(b, 256, c.names)
			hits := 0
			b.ReportAllocs()
			b.ResetTimer()
			cpu := processCPU()
			for i := 0; b.Loop(); i++ {
				hits += len(m.Match(docs[i%len(docs)]))
			}
			reportCPU(b, cpu)
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "items/s")
			b.ReportMetric(float64(hits)/float64(b.N), "hits/item")
			if hits == 0 {
				b.Fatal("no hits: the benchmark measures nothing useful")
			}
		})
	}
	b.Run("regexp-per-alias/2000x4", func(b *testing.B) {
		var res []*regexp.Regexp
		for _, a := range gen.Actors {
			for _, al := range a.Aliases {
				p := regexp.QuoteMeta(strings.TrimSuffix(al, "*"))
				if strings.HasSuffix(al, "*") {
					res = append(res, regexp.MustCompile(`(?i)\b`+p))
				} else {
					res = append(res, regexp.MustCompile(`(?i)\b`+p+`\b`))
				}
			}
		}
		docs := benchItems(b, 256, genNames)
		hits := 0
		b.ResetTimer()
		for i := 0; b.Loop(); i++ {
			d := docs[i%len(docs)]
			for _, re := range res {
				if re.MatchString(d.Title) || re.MatchString(d.Content) {
					hits++
				}
			}
		}
		b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "items/s")
		if hits == 0 {
			b.Fatal("no hits")
		}
	})
}

func BenchmarkCompile(b *testing.B) {
	for _, size := range []struct{ actors, storylines int }{{2000, 500}, {20000, 5000}} {
		w, _ := genWatchlist(size.actors, size.storylines)
		b.Run(fmt.Sprintf("%dx4+%d", size.actors, size.storylines), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				mustCompile(b, w)
			}
		})
	}
}
