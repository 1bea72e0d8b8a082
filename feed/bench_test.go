package feed

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/mmcdole/gofeed"
)

// benchWords are news words in the four languages of the demo feeds.
var benchWords = strings.Fields(`the talks on a ceasefire and energy prices were discussed at summit
	of ministers in capital after weeks delegation envoy said agreement sanctions
	переговоры о прекращении огня и ценах на энергию обсуждались на встрече министров в столице
	після тижнів делегація посланець заявив угода санкції уряд
	השיחות על הפסקת אש ומחירי האנרגיה נדונו בפסגה של השרים בבירה`)

// benchFeed is an RSS 2.0 document shaped like the feeds of `storywatch
// bench`: items of a title and a ~1 KB description, half of them HTML in
// CDATA, half escaped plain text, each with its own link and GUID.
func benchFeed(items int) []byte {
	r := rand.New(rand.NewPCG(1, 2))
	var b bytes.Buffer
	b.WriteString("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<rss version=\"2.0\"><channel><title>Bench feed</title><link>https://news.example/</link><description>Generated news</description>\n")
	for i := range items {
		var t strings.Builder
		for t.Len() < 950 {
			if t.Len() > 0 {
				t.WriteByte(' ')
			}
			t.WriteString("Witkoff")
			for range 8 + r.IntN(13) {
				t.WriteByte(' ')
				t.WriteString(benchWords[r.IntN(len(benchWords))])
			}
			t.WriteByte('.')
		}
		text := t.String()
		title, _, _ := strings.Cut(text, ".")
		fmt.Fprintf(&b, "<item><title>%s, report %d</title><link>https://news.example/2026/11/story-%d.html</link><guid>news-%d</guid><pubDate>Tue, 01 Dec 2026 15:00:00 +0000</pubDate><description>", title, i, i, i)
		if i%2 == 0 {
			b.WriteString("<![CDATA[<p>" + text + "</p><p><a href=\"https://news.example/more\">Read more</a></p>]]>")
		} else {
			b.WriteString(text)
		}
		b.WriteString("</description></item>\n")
	}
	b.WriteString("</channel></rss>\n")
	return b.Bytes()
}

// loop runs f b.N times and reports, beside the wall time, the CPU time
// of the process per call (cpu-ns/op), which other work on a shared
// machine disturbs much less.
func loop(b *testing.B, f func()) {
	b.ReportAllocs()
	start, ok := processCPU()
	for b.Loop() {
		f()
	}
	if end, _ := processCPU(); ok {
		b.ReportMetric(float64(end-start)/float64(b.N), "cpu-ns/op")
	}
}

// BenchmarkParse measures Parse beside gofeed alone, configured as Parse
// configures it, on the same bytes, so that our share (decoding, HTML to
// text, keys, canonical URLs) is the difference; Convert is that share
// alone, from gofeed's result to Items.
func BenchmarkParse(b *testing.B) {
	docs := []struct {
		name string
		data []byte
	}{{"bench-50", benchFeed(50)}}
	for _, name := range []string{"seed.xml", "windows-1251.xml", "iso-8859-1-unlabelled.xml"} {
		docs = append(docs, struct {
			name string
			data []byte
		}{name, readTestdata(b, name)})
	}
	for _, d := range docs {
		b.Run(d.name+"/Parse", func(b *testing.B) {
			b.SetBytes(int64(len(d.data)))
			loop(b, func() {
				if _, err := Parse(d.data, "", "https://x.example/feed"); err != nil {
					b.Fatal(err)
				}
			})
		})
		b.Run(d.name+"/gofeed", func(b *testing.B) {
			b.SetBytes(int64(len(d.data)))
			doc := toUTF8(d.data, "")
			loop(b, func() {
				if _, err := newParser().Parse(bytes.NewReader(doc)); err != nil {
					b.Fatal(err)
				}
			})
		})
		b.Run(d.name+"/Convert", func(b *testing.B) {
			doc := toUTF8(d.data, "")
			f, err := newParser().Parse(bytes.NewReader(doc))
			if err != nil {
				b.Fatal(err)
			}
			b.SetBytes(int64(len(d.data)))
			loop(b, func() { convert(f, "https://x.example/feed", atomPlainFields(f, doc)) })
		})
	}
}

// BenchmarkPlainText measures the text of one bench item's description
// in both of its forms, and as text broken into lines (which is not its
// own collapsed text).
func BenchmarkPlainText(b *testing.B) {
	f, err := gofeed.NewParser().Parse(bytes.NewReader(benchFeed(2)))
	if err != nil {
		b.Fatal(err)
	}
	for _, tt := range []struct{ name, text string }{
		{"html", f.Items[0].Description},
		{"text", f.Items[1].Description},
		{"lines", strings.ReplaceAll(f.Items[1].Description, ". ", ".\n")},
	} {
		b.Run(tt.name, func(b *testing.B) {
			b.SetBytes(int64(len(tt.text)))
			loop(b, func() { plainText(tt.text, MaxSummary) })
		})
	}
}
