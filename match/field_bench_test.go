package match

import (
	"bufio"
	"compress/gzip"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// cycleNames are the people the poll cycle's benchmark feeds name (one
// sentence in ten), in Latin and Cyrillic.
var cycleNames = []string{
	"Steve Witkoff", "Witkoff", "Yuri Ushakov", "Ushakov", "Kirill Dmitriev", "Dmitriev",
	"Уиткофф", "Ушаков", "Дмитриев", "Юрий Ушаков", "Ушакова", "Дмитриеву",
}

// frequentWords returns the n most frequent words of a language of
// testdata/words.
func frequentWords(tb testing.TB, lang string, n int) []string {
	f, err := os.Open(filepath.Join("testdata", "words", lang+".txt.gz"))
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	z, err := gzip.NewReader(f)
	if err != nil {
		tb.Fatal(err)
	}
	var out []string
	s := bufio.NewScanner(z)
	for s.Scan() && len(out) < n {
		out = append(out, s.Text())
	}
	return out
}

// cycleItems returns n items shaped like those of `storywatch bench`: a
// title and a ~1 KB summary of sentences of frequent English, Russian and
// Ukrainian words, one sentence in ten opening with a person of the
// example watchlist, one in forty with one of names.
func cycleItems(tb testing.TB, n int, names []string) []Document {
	var words []string
	for _, lang := range []string{"english", "russian", "ukrainian"} {
		words = append(words, frequentWords(tb, lang, 3000)...)
	}
	r := rand.New(rand.NewPCG(4, 5))
	docs := make([]Document, n)
	for i := range docs {
		var b strings.Builder
		for b.Len() < 950 {
			if b.Len() > 0 {
				b.WriteByte(' ')
			}
			switch x := r.IntN(40); {
			case x == 0:
				b.WriteString(names[r.IntN(len(names))])
			case x <= 3:
				b.WriteString(cycleNames[r.IntN(len(cycleNames))])
			default:
				b.WriteString("The minister")
			}
			for range 8 + r.IntN(13) {
				b.WriteByte(' ')
				b.WriteString(words[r.IntN(len(words))])
			}
			b.WriteByte('.')
		}
		text := b.String()
		title, _, _ := strings.Cut(text, ".")
		docs[i] = Document{Title: fmt.Sprintf("%s, report %d", title, i), Summary: text,
			URL: fmt.Sprintf("https://news.example/2026/11/story-%d.html", i)}
	}
	return docs
}

// reportCPU reports the process's CPU time per iteration since start
// (GC included): on a shared machine it varies less than the wall time.
func reportCPU(b *testing.B, start time.Duration) {
	if end := processCPU(); start > 0 && end > start {
		b.ReportMetric(float64(end-start)/float64(b.N), "cpu-ns/op")
	}
}

// BenchmarkMatchField is the matcher as the poll cycle calls it: the
// example watchlist with generated actors and storylines, items shaped
// like those of `storywatch bench`, the summary's tokens handed on for the
// story fingerprint.
func BenchmarkMatchField(b *testing.B) {
	for _, size := range []struct{ actors, storylines int }{{2000, 500}, {20000, 5000}} {
		w, names := genWatchlist(size.actors, size.storylines)
		ex := exampleWatchlist()
		w.Actors = append(w.Actors, ex.Actors...)
		w.Storylines = append(w.Storylines, ex.Storylines...)
		b.Run(fmt.Sprintf("%dx4+%d", size.actors, size.storylines), func(b *testing.B) {
			m := mustCompile(b, w)
			docs := cycleItems(b, 512, names)
			hits, tokens := 0, 0
			b.ReportAllocs()
			b.ResetTimer()
			cpu := processCPU()
			for i := 0; b.Loop(); i++ {
				hits += len(m.MatchField(docs[i%len(docs)], FieldSummary, func(_, body Normalized) { tokens += body.Tokens }))
			}
			reportCPU(b, cpu)
			b.ReportMetric(float64(hits)/float64(b.N), "hits/item")
			if hits == 0 || tokens == 0 {
				b.Fatal("no hits or no tokens: the benchmark measures nothing useful")
			}
		})
	}
}
