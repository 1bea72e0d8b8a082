package feed

import (
	"bytes"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

func readTestdata(t testing.TB, name string) []byte {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return data
}

func TestParseSeedFeed(t *testing.T) {
	t.Parallel()
	feed, err := Parse(readTestdata(t, "seed.xml"), "application/rss+xml", "https://news.example.org/world/rss")
	if err != nil {
		t.Fatal(err)
	}
	if feed.Title != "World news & analysis" {
		t.Errorf("feed title = %q", feed.Title)
	}
	if len(feed.Items) != 3 {
		t.Fatalf("got %d items, want 3", len(feed.Items))
	}

	seed := feed.Items[0]
	checks := []struct{ name, got, want string }{
		{"title", seed.Title, "Trump envoy Witkoff coached Putin aide Ushakov on how to pitch peace plan, transcript shows"},
		{"key", seed.Key, "guid:ap-witkoff-ushakov-transcript-20251126"},
		{"guid", seed.GUID, "ap-witkoff-ushakov-transcript-20251126"},
		{"url", seed.URL, "https://apnews.com/article/russia-ukraine-war-witkoff-ushakov-transcript-bloomberg-5a1e3c?utm_source=rss&utm_medium=feed&utm_campaign=world&id=1"},
		{"canonical url", seed.CanonicalURL, "https://apnews.com/article/russia-ukraine-war-witkoff-ushakov-transcript-bloomberg-5a1e3c?id=1"},
		{"author", seed.Author, "The Associated Press"},
		{"category", seed.Category, "Russia-Ukraine war"},
		{"outlet", seed.Outlet, "AP News"},
	}
	for _, c := range checks {
		if c.got != c.want {
			t.Errorf("seed %s = %q, want %q", c.name, c.got, c.want)
		}
	}
	if want := time.Date(2025, 11, 26, 5, 12, 0, 0, time.UTC); !seed.Published.Equal(want) {
		t.Errorf("seed published = %v, want %v", seed.Published, want)
	}
	if !strings.HasPrefix(seed.Summary, "President Donald Trump’s chief interlocutor") || strings.Contains(seed.Summary, "<p>") {
		t.Errorf("seed summary is not the first paragraph as plain text: %q", seed.Summary)
	}
	for _, want := range []string{
		"according to a transcript of the call published Tuesday by Bloomberg News.\nTrump envoy Steve Witkoff",
		"On October 29, Ushakov spoke by phone with Kirill Dmitriev",
		"“Here’s what I think would be amazing,” Witkoff told Ushakov",
	} {
		if !strings.Contains(seed.Content, want) {
			t.Errorf("seed content lacks %q", want)
		}
	}
	if strings.ContainsAny(seed.Content, "<>") {
		t.Errorf("seed content keeps markup: %q", seed.Content)
	}

	plan := feed.Items[1]
	if plan.Summary != "The 28-point plan drafted by US and Russian officials would have Ukraine cede the Donbas region and cap the size of its army." {
		t.Errorf("escaped HTML in description not stripped: %q", plan.Summary)
	}
	if plan.CanonicalURL != "https://news.example.org/world/28-point-peace-plan-explained" || plan.Outlet != "Example World" {
		t.Errorf("second item: canonical %q, outlet %q", plan.CanonicalURL, plan.Outlet)
	}

	dmitriev := feed.Items[2]
	if dmitriev.Key != "url:https://news.example.org/world/dmitriev-witkoff-talks?page=2" {
		t.Errorf("item without guid: key %q", dmitriev.Key)
	}
	if want := time.Date(2025, 11, 26, 6, 5, 0, 0, time.UTC); !dmitriev.Published.Equal(want) {
		t.Errorf("item with +0300 date: published %v, want %v", dmitriev.Published, want)
	}
}

func TestParseEncodings(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, file, contentType string
		field                   func(*Feed) string
		want                    string
	}{
		{"windows-1251 declared in the prolog", "windows-1251.xml", "", firstTitle, "Цитата #17703"},
		{"KOI8-R with no label is recognised as Cyrillic", "koi8-r-unlabelled.xml", "", firstTitle, "Как пережить новогоднюю ночь"},
		{"KOI8-R declared in the prolog", "koi8-r-labelled.xml", "", firstTitle, "Ушаков и Уиткофф обсудили мирный план"},
		{"HTTP charset overrides the prolog", "windows-1251-http-charset.xml", "text/xml; charset=windows-1251", firstTitle, "Ушаков и Уиткофф обсудили мирный план"},
		{"UTF-16LE with byte-order mark", "utf-16le-cyrillic.xml", "", firstSummary, "Помощник президента Юрий Ушаков"},
		{"UTF-16BE without byte-order mark", "utf-16be-cyrillic-no-bom.xml", "", firstTitle, "Ушаков и Уиткофф обсудили мирный план"},
		{"UTF-32BE with byte-order mark", "utf-32be-cyrillic.xml", "", feedTitle, "Новости"},
		{"UTF-16LE real file without items", "utf-16le-bom.xml", "", feedTitle, ""},
		{"UTF-16BE real file sniffed", "utf-16be-no-bom.xml", "", feedTitle, ""},
		{"UTF-32LE real file", "utf-32le-bom.xml", "", feedTitle, ""},
		{"UTF-8 byte-order mark", "utf-8-bom.xml", "", feedTitle, "Feed Title"},
		{"UTF-8 bytes under a windows-1252 label", "utf-8-labelled-windows-1252.xml", "", feedTitle, "Euro €"},
		{"windows-1252 punctuation with no label", "windows-1252-unlabelled.xml", "", firstSummary, "don’t"},
		{"ISO-8859-1 with no declaration", "iso-8859-1-unlabelled.xml", "", firstSummary, "Si leur impact semble discret au premier abord, nombre d'études montrent"},
		{"bare ampersands do not stop entities", "bare-ampersand.xml", "", feedTitle, "Fish & Chips & more <3"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			feed, err := Parse(readTestdata(t, tt.file), tt.contentType, "https://x.example/feed")
			if err != nil {
				t.Fatal(err)
			}
			got := tt.field(feed)
			if tt.want == "" && got != "" || !strings.HasPrefix(got, tt.want) {
				t.Errorf("got %q, want it to start with %q", got, tt.want)
			}
		})
	}
}

func feedTitle(f *Feed) string { return f.Title }

func firstTitle(f *Feed) string {
	if len(f.Items) == 0 {
		return "(no items)"
	}
	return f.Items[0].Title
}

func firstSummary(f *Feed) string {
	if len(f.Items) == 0 {
		return "(no items)"
	}
	return f.Items[0].Summary
}

func TestParseFormats(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, doc string
		want      Item
	}{
		{
			name: "atom with xml:base and a relative link",
			doc: `<feed xmlns="http://www.w3.org/2005/Atom" xml:base="https://ria.example/news/">
<title>t</title><entry><id>urn:1</id><title type="html">Ушаков &lt;b&gt;said&lt;/b&gt;</title>
<link rel="alternate" href="2025/ushakov.html"/><updated>2025-11-26T10:00:00+03:00</updated>
<author><name>Desk</name></author><summary>s</summary><content type="html">&lt;p&gt;c&lt;/p&gt;</content></entry></feed>`,
			want: Item{Key: "guid:urn:1", GUID: "urn:1", Title: "Ушаков said", URL: "https://ria.example/news/2025/ushakov.html",
				CanonicalURL: "https://ria.example/news/2025/ushakov.html", Summary: "s", Content: "c", Author: "Desk",
				Published: time.Date(2025, 11, 26, 7, 0, 0, 0, time.UTC)},
		},
		{
			name: "rss link relative to the feed URL",
			doc:  `<rss version="2.0"><channel><item><title>a</title><link>/world/a?utm_source=x</link></item></channel></rss>`,
			want: Item{Key: "url:https://x.example/world/a", Title: "a", URL: "https://x.example/world/a?utm_source=x", CanonicalURL: "https://x.example/world/a"},
		},
		{
			name: "rss 1.0",
			doc: `<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns="http://purl.org/rss/1.0/" xmlns:dc="http://purl.org/dc/elements/1.1/">
<channel><title>t</title></channel><item><title>a</title><link>https://x.example/a</link><dc:date>2025-11-26T00:00:00Z</dc:date><dc:subject>War</dc:subject></item></rdf:RDF>`,
			want: Item{Key: "url:https://x.example/a", Title: "a", URL: "https://x.example/a", CanonicalURL: "https://x.example/a",
				Category: "War", Published: time.Date(2025, 11, 26, 0, 0, 0, 0, time.UTC)},
		},
		{
			name: "json feed",
			doc:  `{"version":"https://jsonfeed.org/version/1.1","title":"t","items":[{"id":"7","url":"https://x.example/7","title":"Dmitriev","content_html":"<p>hi</p>","summary":"s","date_published":"2025-11-26T01:02:03Z","tags":["a","b"],"authors":[{"name":"A"}]}]}`,
			want: Item{Key: "guid:7", GUID: "7", Title: "Dmitriev", URL: "https://x.example/7", CanonicalURL: "https://x.example/7",
				Summary: "s", Content: "hi", Category: "a, b", Author: "A", Published: time.Date(2025, 11, 26, 1, 2, 3, 0, time.UTC)},
		},
		{
			name: "rss guid permalink stands in for a missing link",
			doc:  `<rss version="2.0"><channel><item><title>a</title><guid>https://x.example/p/1</guid></item></channel></rss>`,
			want: Item{Key: "guid:https://x.example/p/1", GUID: "https://x.example/p/1", Title: "a", URL: "https://x.example/p/1", CanonicalURL: "https://x.example/p/1"},
		},
		{
			name: "updated stands in for a missing published date",
			doc:  `<feed xmlns="http://www.w3.org/2005/Atom"><entry><id>e</id><title>a</title><updated>2025-11-26T00:00:00Z</updated></entry></feed>`,
			want: Item{Key: "guid:e", GUID: "e", Title: "a", Published: time.Date(2025, 11, 26, 0, 0, 0, 0, time.UTC)},
		},
		{
			name: "year 0 is an unknown date",
			doc:  `<rss version="2.0"><channel><item><title>a</title><pubDate>0000-01-01T00:00:00Z</pubDate></item></channel></rss>`,
			want: Item{Key: HashKey("a", ""), Title: "a"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			feed, err := Parse([]byte(tt.doc), "", "https://x.example/feed")
			if err != nil {
				t.Fatal(err)
			}
			if len(feed.Items) != 1 {
				t.Fatalf("got %d items, want 1", len(feed.Items))
			}
			got := feed.Items[0]
			if !got.Published.Equal(tt.want.Published) {
				t.Errorf("published = %v, want %v", got.Published, tt.want.Published)
			}
			got.Published, tt.want.Published = time.Time{}, time.Time{}
			if got != tt.want {
				t.Errorf("got  %+v\nwant %+v", got, tt.want)
			}
		})
	}
}

func TestParseFarDatesDoNotPanic(t *testing.T) {
	t.Parallel()
	for _, date := range []string{"9999-12-31T23:59:59-23:00", "0001-01-01T00:00:00+14:00", "10000-01-01T00:00:00Z", "Mon, 01 Jan 0000 00:00:00 GMT"} {
		doc := `<feed xmlns="http://www.w3.org/2005/Atom"><entry><id>e</id><title>a</title><published>` + date + `</published></entry></feed>`
		feed, err := Parse([]byte(doc), "", "https://x.example/feed")
		if err != nil {
			t.Fatalf("%s: %v", date, err)
		}
		if p := feed.Items[0].Published; !p.IsZero() && (p.Year() < 1 || p.Year() > 9999) {
			t.Errorf("%s: published %v is outside years 1-9999", date, p)
		}
	}
}

func TestParseRejectsWhatIsNotAFeed(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, doc, want string
	}{
		{"empty document", "", "parse https://x/feed: not a feed: empty document"},
		{"only white space", " \n\t ", "parse https://x/feed: not a feed: empty document"},
		{"only a byte-order mark", "\xef\xbb\xbf", "parse https://x/feed: not a feed: empty document"},
		{"an HTML page", "<!DOCTYPE html>\n<html><head><title>x</title></head></html>", "parse https://x/feed: not a feed: an HTML page, not a feed"},
		{"other XML", "<?xml version='1.0'?><note><to>x</to></note>", "parse https://x/feed: not a feed: root element <note> is not rss, rdf:RDF or feed"},
		{"only a comment", "<!-- nothing -->", "parse https://x/feed: not a feed: XML document without a root element"},
		{"plain text", "Witkoff met Ushakov", "parse https://x/feed: not a feed: neither XML nor JSON"},
		{"broken JSON", `{"version":`, "parse https://x/feed: not a feed: invalid JSON: unexpected end of JSON input"},
		{"JSON that is not a feed", `{"name":"x"}`, "parse https://x/feed: not a feed: JSON without version or items"},
		{"truncated RSS", "<rss version=\"2.0\"><channel><item><title>a</title>\n</item", "parse https://x/feed: XML syntax error on line 2: unexpected EOF"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			feed, err := Parse([]byte(tt.doc), "", "https://x/feed")
			if err == nil {
				t.Fatalf("got a feed with %d items, want an error", len(feed.Items))
			}
			if err.Error() != tt.want {
				t.Errorf("error %q, want %q", err, tt.want)
			}
		})
	}
}

// realFeedsDir finds ../shared/eval/feeds/real beside the repository by
// walking up from the package directory, or skips the test.
func realFeedsDir(t testing.TB) string {
	t.Helper()
	dir, err := filepath.Abs(".")
	if err != nil {
		t.Fatal(err)
	}
	for {
		candidate := filepath.Join(dir, "shared", "eval", "feeds", "real")
		if st, err := os.Stat(candidate); err == nil && st.IsDir() {
			return candidate
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Skip("shared/eval/feeds/real not found beside the repository")
		}
		dir = parent
	}
}

// realFeedErrors lists the real-world files that must fail to parse, with
// why (SOURCES.md marks them malformed, empty or not a feed). Every other
// file must parse.
var realFeedErrors = map[string]string{
	"feedparser/cdf__item_lastmod_parsed.xml":                      "CDF is not a feed format we read",
	"feedparser/encoding__bozo_invalid-bytes-with-bom.xml":         "unterminated root element",
	"feedparser/illformed__aaa_illformed.xml":                      "unterminated closing tag",
	"feedparser/illformed__rss_empty_document.xml":                 "only a comment",
	"feedparser/illformed__rss_incomplete_cdata.xml":               "truncated CDATA section",
	"feedparser/illformed__rss_item_link_corrupted_ampersands.xml": "unterminated </rss",
	"gofeed/universal__empty_feed.xml":                             "zero bytes",
	"gofeed/universal__invalid.json":                               "invalid JSON",
	"gofeed/universal__unknown_feed.xml":                           "XML that is not a feed",
}

// realFeedsWithoutItems lists real-world files that parse but hold no
// items by design (encoding and channel-level fixtures).
var realFeedsWithoutItems = map[string]bool{
	"feedparser/encoding__big5.xml":                                     true,
	"feedparser/encoding__bozo_bogus_encoding.xml":                      true,
	"feedparser/encoding__http_text_xml_charset_overrides_encoding.xml": true,
	"feedparser/encoding__utf-16be-autodetect.xml":                      true,
	"feedparser/encoding__utf-16be-bom.xml":                             true,
	"feedparser/encoding__utf-16le-bom.xml":                             true,
	"feedparser/encoding__utf-32le-bom.xml":                             true,
	"feedparser/encoding__utf-8-bom.xml":                                true,
	"feedparser/entities__doesnotexist.xml":                             true,
	"feedparser/entities__euro.xml":                                     true,
	"feedparser/entities__hellip.xml":                                   true,
	"feedparser/illformed__always_strip_doctype.xml":                    true,
	"feedparser/illformed__http_high_bit_date.xml":                      true,
	"feedparser/illformed__undeclared_namespace.xml":                    true,
	"feedparser/rdf__doctype_contains_entity_decl.xml":                  true,
	"feedparser/rdf__rss_version_10_not_default_ns.xml":                 true,
	"feedparser/rss__rss_version_missing.xml":                           true,
	"gofeed/atom__feed_title_xml_base_cdata.xml":                        true,
	"gofeed/rss__issue_305_bare_ampersand.xml":                          true,
	"gofeed/rss__issue_309_namespace_whitespace.xml":                    true,
	"gofeed/rss__issue_320_legacy_entity_prefix.xml":                    true,
	"gofeed/rss__version_rss_091_userland.xml":                          true,
	"gofeed/universal__rss_feed_bom.xml":                                true,
	"gofeed/universal__rss_feed_leading_spaces.xml":                     true,
	"miniflux/encoding__windows-1252-incorrect-prolog.xml":              true,
	"miniflux/encoding__windows-1252.xml":                               true,
	"rome/atom_1.0_prefix.xml":                                          true,
}

func TestParseRealFeeds(t *testing.T) {
	t.Parallel()
	root := realFeedsDir(t)
	files, err := filepath.Glob(filepath.Join(root, "*", "*"))
	if err != nil {
		t.Fatal(err)
	}
	var parsed, failed int
	for _, path := range files {
		name, _ := filepath.Rel(root, path)
		name = filepath.ToSlash(name)
		if !strings.Contains(name, "/") {
			continue // SOURCES.md
		}
		t.Run(name, func(t *testing.T) {
			data, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			type result struct {
				feed *Feed
				err  error
			}
			done := make(chan result, 1)
			go func() {
				f, err := Parse(data, "", "https://feeds.example/"+name)
				done <- result{f, err}
			}()
			var r result
			select {
			case r = <-done:
			case <-time.After(10 * time.Second):
				t.Fatal("Parse hangs")
			}
			if why, bad := realFeedErrors[name]; bad {
				failed++
				if r.err == nil {
					t.Fatalf("parsed with %d items, want an error (%s)", len(r.feed.Items), why)
				}
				if msg := r.err.Error(); strings.Contains(msg, "\n") || !strings.HasPrefix(msg, "parse https://feeds.example/"+name+": ") {
					t.Errorf("error is not one line naming the feed: %q", msg)
				}
				return
			}
			if r.err != nil {
				t.Fatal(r.err)
			}
			parsed++
			if len(r.feed.Items) == 0 && !realFeedsWithoutItems[name] {
				t.Errorf("no items")
			}
			if len(r.feed.Items) > 0 && realFeedsWithoutItems[name] {
				t.Errorf("%d items, but the file is listed as having none", len(r.feed.Items))
			}
			checkItems(t, r.feed)
		})
	}
	t.Logf("%d files parsed, %d failed as expected", parsed, failed)
}

// checkItems asserts what holds for every parsed feed: non-empty keys,
// unique within the feed, and valid UTF-8 text.
func checkItems(t testing.TB, feed *Feed) {
	t.Helper()
	keys := make(map[string]bool, len(feed.Items))
	for i, it := range feed.Items {
		if it.Key == "" {
			t.Fatalf("item %d has no key", i)
		}
		if keys[it.Key] {
			t.Fatalf("item %d: key %q is not unique", i, it.Key)
		}
		keys[it.Key] = true
		for _, s := range []string{it.Title, it.Summary, it.Content, it.Author, it.Category, it.Outlet} {
			if !utf8.ValidString(s) {
				t.Fatalf("item %d: invalid UTF-8 in %q", i, s)
			}
		}
		if !it.Published.IsZero() && (it.Published.Year() < 1 || it.Published.Year() > 9999) {
			t.Fatalf("item %d: published %v", i, it.Published)
		}
	}
}

func FuzzParse(f *testing.F) {
	entries, err := os.ReadDir("testdata")
	if err != nil {
		f.Fatal(err)
	}
	for _, e := range entries {
		if !e.IsDir() {
			f.Add(readTestdata(f, e.Name()), "")
		}
	}
	f.Add([]byte(`{"version":"https://jsonfeed.org/version/1","items":[{"id":"1"},{"id":"1"},{}]}`), "application/feed+json")
	f.Add([]byte(`<rss><channel><item><guid>a</guid></item><item><guid>a</guid></item></channel></rss>`), "text/xml; charset=koi8-r")
	f.Fuzz(func(t *testing.T, data []byte, contentType string) {
		type result struct {
			feed *Feed
			err  error
		}
		done := make(chan result, 1)
		go func() {
			f, err := Parse(data, contentType, "https://x.example/feed")
			done <- result{f, err}
		}()
		var r result
		select {
		case r = <-done:
		case <-time.After(5 * time.Second):
			t.Fatalf("Parse hangs on %q (content type %q)", data, contentType)
		}
		feed, err := r.feed, r.err
		if err != nil {
			if strings.Contains(err.Error(), "\n") {
				t.Fatalf("error spans lines: %q", err)
			}
			return
		}
		checkItems(t, feed)
	})
}

// hugeItemFeed is an RSS document of about size bytes whose one item
// carries the same long text in its title, description and content, and
// a two-byte letter at every position a cap could fall on.
func hugeItemFeed(size int) []byte {
	var b bytes.Buffer
	b.WriteString(`<?xml version="1.0" encoding="UTF-8"?><rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/"><channel><title>Big</title><item><guid>big</guid><link>https://big.example/1</link>`)
	words := "Witkoff met Ushakov on the call é "
	text := strings.Repeat(words, size/3/len(words))
	for _, el := range []string{"title", "description", "content:encoded"} {
		b.WriteString("<" + el + ">" + text + "</" + el + ">")
	}
	b.WriteString(`</item></channel></rss>`)
	return b.Bytes()
}

func TestParseCapsTheTextOfAHugeItem(t *testing.T) {
	doc := hugeItemFeed(8 << 20)
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	feed, err := Parse(doc, "application/rss+xml", "https://big.example/feed")
	runtime.ReadMemStats(&after)
	if err != nil {
		t.Fatal(err)
	}
	it := feed.Items[0]
	for _, f := range []struct {
		name string
		text string
		max  int
	}{{"title", it.Title, MaxTitle}, {"summary", it.Summary, MaxSummary}, {"content", it.Content, MaxContent}} {
		if len(f.text) > f.max || len(f.text) < f.max-len("é ") || !utf8.ValidString(f.text) {
			t.Errorf("%s: %d bytes (valid UTF-8: %v), want at most %d, cut at a character", f.name, len(f.text), utf8.ValidString(f.text), f.max)
		}
		if !strings.HasPrefix(f.text, "Witkoff met Ushakov") {
			t.Errorf("%s starts %q", f.name, f.text[:min(len(f.text), 40)])
		}
	}
	// Parsing takes a few times the body (the XML decoder's buffer and the
	// parsed strings), never a copy per step: the document is not copied
	// to rewrite a UTF-8 declaration, the item's HTML is not parsed again
	// to look for an image, and no field is copied past its cap.
	alloc := after.TotalAlloc - before.TotalAlloc
	t.Logf("parsing %d MiB allocated %d MiB", len(doc)>>20, alloc>>20)
	if alloc > 6*uint64(len(doc)) && !raceEnabled {
		t.Errorf("parsing %d MiB allocated %d MiB, want at most 6 times the body", len(doc)>>20, alloc>>20)
	}
}

func TestParseDropsLinksThatAreNotHTTPURLs(t *testing.T) {
	t.Parallel()
	jsonFeed := `{"version":"https://jsonfeed.org/version/1.1","title":"J","items":[
		{"id":"1","title":"Terminal","url":"https://j.example/1\u001b]0;owned\u0007\u001b[2J"},
		{"id":"2","title":"Script","url":"javascript:alert(1)"},
		{"id":"3","title":"Good","url":"https://j.example/3"}]}`
	rssFeed := `<?xml version="1.0"?><rss version="2.0"><channel><title>R</title>
		<item><guid>1</guid><title>Mention</title><link>https://r.example/1&#10;@everyone ping</link></item>
		<item><guid>2</guid><title>Header</title><link>https://r.example/2&#13;&#10;Bcc: victim@example.org</link></item>
		<item><guid>3</guid><title>Data</title><link>data:text/html;base64,PHNjcmlwdD4=</link></item>
		<item><guid>4</guid><title>Reversed &#x202E;gnp.exe</title><link>/relative/4</link></item>
		</channel></rss>`
	for _, tt := range []struct {
		name, doc, ct, base string
		want                []string
	}{
		{"JSON Feed", jsonFeed, "application/feed+json", "https://j.example/feed.json", []string{"", "", "https://j.example/3"}},
		{"RSS", rssFeed, "application/rss+xml", "https://r.example/rss", []string{"", "", "", "https://r.example/relative/4"}},
	} {
		feed, err := Parse([]byte(tt.doc), tt.ct, tt.base)
		if err != nil {
			t.Fatalf("%s: %v", tt.name, err)
		}
		if len(feed.Items) != len(tt.want) {
			t.Fatalf("%s: %d items, want %d", tt.name, len(feed.Items), len(tt.want))
		}
		for i, it := range feed.Items {
			if it.URL != tt.want[i] {
				t.Errorf("%s item %d (%s): URL = %q, want %q", tt.name, i, it.Title, it.URL, tt.want[i])
			}
			if strings.ContainsAny(it.Title+it.URL, "\x1b\x07\r\n\u202E") {
				t.Errorf("%s item %d: control or override character kept: %q %q", tt.name, i, it.Title, it.URL)
			}
		}
	}
}
