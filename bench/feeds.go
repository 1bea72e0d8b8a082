package bench

import (
	"bytes"
	"fmt"
	"html"
	"io"
	"io/fs"
	"math/rand/v2"
	"net/http"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/storywatch/storywatch/match"
)

// generator generates the feeds of the benchmark. Feed bodies are
// assembled on each request from a pool of words, so that the harness
// holds about a megabyte however many feeds it serves and the peak RSS
// measured is the pipeline's. Every item's text is its own, except that
// one item in ten is a copy of an item of the previous feed (same title and
// text, another link: a wire story run by two outlets), so clustering has
// copies to find.
type generator struct {
	feeds, items int
	words        []string
	extra        []string
	published    time.Time
	// run, when not 0, makes every text, link and key unlike those of
	// other runs, for runs into one kept database (Options.DB).
	run int64
}

// exampleNames are the people of the example watchlist as news prose names
// them, in English, Russian and Ukrainian.
var exampleNames = []string{
	"Steve Witkoff", "Witkoff", "Yuri Ushakov", "Ushakov", "Kirill Dmitriev", "Dmitriev",
	"Jared Kushner", "Volodymyr Zelensky", "Zelensky", "Marco Rubio", "Rubio", "Vladimir Putin", "Putin",
	"Уиткофф", "Ушаков", "Дмитриев", "Кушнер", "Зеленский", "Рубио", "Путин", "Зеленський", "Путін",
}

// anonymous stand in for names in most sentences.
var anonymous = []string{"The minister", "A government spokesman", "The mayor", "Officials", "Правительство", "Мэр города", "Міністр"}

// newGenerator builds the word pool: the lower-case words of the files of
// corpus (the demo's feeds: English, Russian, Ukrainian and Hebrew news
// prose), with their frequencies. Item text is drawn word by word from
// it, so that two items share no more phrases than two unrelated reports
// do. A nil or empty corpus gives a small pool of its own.
func newGenerator(corpus fs.FS, feeds, items int, extra []string, now time.Time) *generator {
	g := &generator{feeds: feeds, items: items, published: now.Add(-time.Hour), extra: extra}
	var entries []fs.DirEntry
	if corpus != nil {
		entries, _ = fs.ReadDir(corpus, ".")
	}
	for _, e := range entries {
		b, err := fs.ReadFile(corpus, e.Name())
		if err != nil {
			continue
		}
		for _, w := range strings.Fields(stripTags(string(b))) {
			w = strings.TrimFunc(w, func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) })
			if r, _ := utf8.DecodeRuneInString(w); w != "" && !unicode.IsUpper(r) && !strings.ContainsAny(w, "/:=&;") {
				g.words = append(g.words, w)
			}
		}
	}
	if len(g.words) == 0 {
		g.words = strings.Fields("the talks on a ceasefire and energy prices were discussed at the summit of ministers in the capital")
	}
	return g
}

// stripTags drops markup, roughly: enough to collect words.
func stripTags(s string) string {
	var b strings.Builder
	in := false
	for _, r := range s {
		switch {
		case r == '<':
			in = true
			b.WriteByte(' ')
		case r == '>':
			in = false
		case !in:
			b.WriteRune(r)
		}
	}
	return html.UnescapeString(b.String())
}

// item returns the title and text of item i of feed f: sentences of 8 to
// 20 words, each opened by a subject that is, one time in ten, a person
// of the example watchlist and one time in forty a generated actor.
func (g *generator) item(f, i int) (title, text string) {
	if i%10 == 0 && g.feeds > 1 && i+1 < g.items {
		// A copy of the next item of the previous feed, which is no copy.
		f, i = (f+g.feeds-1)%g.feeds, i+1
	}
	r := rand.New(rand.NewPCG(uint64(f)^uint64(g.run)<<20, uint64(i)))
	var b strings.Builder
	for b.Len() < 950 {
		if b.Len() > 0 {
			b.WriteByte(' ')
		}
		switch n := r.IntN(40); {
		case n == 0 && len(g.extra) > 0:
			b.WriteString(g.extra[r.IntN(len(g.extra))])
		case n <= 3:
			b.WriteString(exampleNames[r.IntN(len(exampleNames))])
		default:
			b.WriteString(anonymous[r.IntN(len(anonymous))])
		}
		for range 8 + r.IntN(13) {
			b.WriteByte(' ')
			b.WriteString(g.words[r.IntN(len(g.words))])
		}
		b.WriteByte('.')
	}
	text = b.String()
	title, _, _ = strings.Cut(text, ".")
	if cut := strings.LastIndexByte(title[:min(len(title), 100)], ' '); len(title) > 100 && cut > 0 {
		title = title[:cut]
	}
	if g.run != 0 {
		return fmt.Sprintf("%s, report %d-%d", title, g.run, f*g.items+i), text
	}
	return fmt.Sprintf("%s, report %d", title, f*g.items+i), text
}

// etag is feed f's validator: bodies never change, so neither does it.
// runSuffix sets the links and keys of a run apart from other runs'.
func (g *generator) runSuffix() string {
	if g.run == 0 {
		return ""
	}
	return "-" + strconv.FormatInt(g.run, 36)
}

func (g *generator) etag(f int) string { return `"bench-` + strconv.Itoa(f) + `"` }

func (g *generator) lastModified() string {
	return g.published.UTC().Format(http.TimeFormat)
}

// write writes feed f (render).
func (g *generator) write(w io.Writer, f int) { w.Write(g.render(f)) }

// render returns feed f as RSS 2.0: every item has its own link and GUID,
// a title and a description of about 1 KB (half as HTML in CDATA, half as
// escaped plain text).
func (g *generator) render(f int) []byte {
	var b bytes.Buffer
	b.Grow(g.items * 1300)
	fmt.Fprintf(&b, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<rss version=\"2.0\"><channel><title>Bench feed %d</title><link>https://news%d.example/</link><description>Generated news</description>\n", f, f)
	pub := g.published.UTC().Format(time.RFC1123Z)
	for i := range g.items {
		title, text := g.item(f, i)
		b.WriteString("<item><title>")
		xmlEscape(&b, title)
		fmt.Fprintf(&b, "</title><link>%s</link><guid>news%d-%d%s</guid><pubDate>%s</pubDate><description>",
			g.itemLink(f, i), f, i, g.runSuffix(), pub)
		if i%2 == 0 {
			b.WriteString("<![CDATA[<p>")
			b.WriteString(text)
			b.WriteString("</p><p><a href=\"https://news.example/more\">Read more</a></p>]]>")
		} else {
			xmlEscape(&b, text)
		}
		b.WriteString("</description></item>\n")
	}
	b.WriteString("</channel></rss>\n")
	return b.Bytes()
}

// size returns the bytes of every feed, as served with a 200: the
// report's "MB of feeds", known whether or not the baselines run.
func (g *generator) size() int64 {
	var n countingWriter
	for f := range g.feeds {
		g.write(&n, f)
	}
	return int64(n)
}

type countingWriter int64

func (c *countingWriter) Write(p []byte) (int, error) {
	*c += countingWriter(len(p))
	return len(p), nil
}

func xmlEscape(b *bytes.Buffer, s string) {
	for i := 0; i < len(s); i++ {
		switch c := s[i]; c {
		case '<':
			b.WriteString("&lt;")
		case '>':
			b.WriteString("&gt;")
		case '&':
			b.WriteString("&amp;")
		default:
			b.WriteByte(c)
		}
	}
}

// ServeHTTP serves /f{n}.xml with an ETag and Last-Modified, answering 304
// to a request that presents either.
func (g *generator) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	name, ok := strings.CutPrefix(r.URL.Path, "/f")
	name, ok2 := strings.CutSuffix(name, ".xml")
	f, err := strconv.Atoi(name)
	if !ok || !ok2 || err != nil || f < 0 || f >= g.feeds {
		http.NotFound(w, r)
		return
	}
	h := w.Header()
	h.Set("ETag", g.etag(f))
	h.Set("Last-Modified", g.lastModified())
	if r.Header.Get("If-None-Match") == g.etag(f) || r.Header.Get("If-Modified-Since") == g.lastModified() {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	// With its length, as a static or cached feed is served (a body
	// streamed without one comes chunked).
	body := g.render(f)
	h.Set("Content-Type", "application/rss+xml; charset=utf-8")
	h.Set("Content-Length", strconv.Itoa(len(body)))
	w.Write(body)
}

// watchlist is a watchlist modelled on config.example.yaml plus actors generated
// actors of 4 aliases each and storylines generated storylines, built like
// the matcher's benchmarks. It returns the generated actors' names too.
func watchlist(actors, storylines int) (match.Watchlist, []string) {
	w := match.Watchlist{
		Actors: []match.Actor{
			{ID: "witkoff", Name: "Steve Witkoff", Track: true, Aliases: []string{"Witkoff", "Steve Witkoff", "Steven Witkoff", "Уиткофф*", "Виткофф*", "Віткофф*"}},
			{ID: "ushakov", Name: "Yuri Ushakov", Track: true, Aliases: []string{"Ushakov", "Yuri Ushakov", "Yury Ushakov", "Ouchakov", "Uschakow", "Ушаков*"}},
			{ID: "dmitriev", Name: "Kirill Dmitriev", Track: true, Aliases: []string{"Kirill Dmitriev", "Dmitriev", "Dmitriyev", "Дмитриев*", "Дмитрієв*"}},
			{ID: "kushner", Name: "Jared Kushner", Track: true, Aliases: []string{"Jared Kushner", "Kushner", "Кушнер*"}},
			{ID: "putin", Name: "Vladimir Putin", Aliases: []string{"Putin", "Vladimir Putin", "Путин*", "Путін*"}},
			{ID: "zelensky", Name: "Volodymyr Zelensky", Track: true, Aliases: []string{"Zelensky", "Zelenskyy", "Volodymyr Zelensky", "Selenskyj", "Зеленск*", "Зеленськ*"}},
			{ID: "rubio", Name: "Marco Rubio", Track: true, Aliases: []string{"Marco Rubio", "Rubio", "Рубио*", "Рубіо*"}},
		},
		Storylines: []match.Storyline{
			{ID: "call-leak", Query: `@witkoff AND @ushakov AND (transcript OR recording OR call OR leak* OR tape* OR запис* OR разговор* OR розмов*)`},
			{ID: "peace-plan", Query: `("28-point" NEAR/3 (plan OR framework OR proposal OR deal)) OR ("peace plan" NEAR/5 (28 OR "twenty-eight"))`},
			{ID: "dmitriev-channel", Query: `@dmitriev AND (@witkoff OR @ushakov OR @kushner) -skater`},
			{ID: "witkoff-putin", Query: `@witkoff AND @putin AND (Moscow OR Kremlin OR meet* OR talks OR visit* OR Москв* OR Кремл*)`},
			{ID: "ceasefire", Query: `ceasefire NEAR/8 (@zelensky OR @putin OR @rubio)`},
		},
	}
	r := rand.New(rand.NewPCG(1, uint64(actors)))
	var names []string
	for i := range actors {
		first, last := personName(r), personName(r)
		names = append(names, first+" "+last)
		w.Actors = append(w.Actors, match.Actor{
			ID: fmt.Sprintf("a%d", i), Name: first + " " + last, Track: true,
			Aliases: []string{last + first[:1], first + " " + last, "Minister " + last, cyrillic.Replace(strings.ToLower(last)) + "*"},
		})
	}
	words := []string{"talks", "deal", "sanctions", "envoy", "ceasefire", "summit", "minister", "report", "meeting", "border", "energy", "election", "court", "vote", "trade"}
	for i := range storylines {
		a, b := r.IntN(actors), r.IntN(actors)
		w1, w2 := words[r.IntN(len(words))], words[r.IntN(len(words))]
		var q string
		switch i % 4 {
		case 0:
			q = fmt.Sprintf(`@a%d AND (@a%d OR %s)`, a, b, w1)
		case 1:
			q = fmt.Sprintf(`"%s %s" OR (%s NEAR/5 @a%d)`, personName(r), w1, w2, a)
		case 2:
			q = fmt.Sprintf(`@a%d %s* -%s`, a, w1[:4], w2)
		default:
			q = fmt.Sprintf(`title:@a%d OR (@a%d AND "%s")`, a, b, personName(r))
		}
		w.Storylines = append(w.Storylines, match.Storyline{ID: fmt.Sprintf("s%d", i), Query: q})
	}
	return w, names
}

var syllables = []string{"ka", "lo", "mi", "ren", "sto", "vak", "dor", "ish", "bel", "nor", "tas", "gri", "zen", "pol", "vin", "mar", "ush", "tek", "sal", "dov"}

var cyrillic = strings.NewReplacer("sh", "ш", "a", "а", "b", "б", "d", "д", "e", "е", "g", "г", "i", "и", "k", "к", "l", "л", "m", "м", "n", "н", "o", "о", "p", "п", "r", "р", "s", "с", "t", "т", "u", "у", "v", "в", "z", "з")

func personName(r *rand.Rand) string {
	var b strings.Builder
	for range 2 + r.IntN(2) {
		b.WriteString(syllables[r.IntN(len(syllables))])
	}
	s := b.String()
	return strings.ToUpper(s[:1]) + s[1:]
}
