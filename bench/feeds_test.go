package bench

import (
	"bytes"
	"errors"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
	"time"
)

// demoCorpus is the demo's feeds, the prose storywatch bench draws from.
func demoCorpus(t *testing.T) fs.FS {
	t.Helper()
	corpus := os.DirFS("../cmd/storywatch/demo/feeds")
	if _, err := fs.ReadDir(corpus, "."); err != nil {
		t.Fatal(err)
	}
	return corpus
}

func TestGeneratorDrawsItsWordsFromTheCorpus(t *testing.T) {
	t.Parallel()
	fallback := newGenerator(nil, 1, 1, nil, time.Now())
	g := newGenerator(demoCorpus(t), 1, 1, nil, time.Now())
	if len(g.words) < 10*len(fallback.words) {
		t.Fatalf("%d words from the demo's feeds, want far more than the %d of the fallback pool", len(g.words), len(fallback.words))
	}
	var cyrillic int
	for _, w := range g.words {
		if strings.ContainsAny(w, "абвгдежзийклмнопрстуфхцчшщыэюяіїє") {
			cyrillic++
		}
	}
	if cyrillic == 0 {
		t.Error("no Russian or Ukrainian words in the pool: the corpus was not read")
	}
}

func TestBenchFeedsAnswer304ToTheirValidators(t *testing.T) {
	t.Parallel()
	g := newGenerator(demoCorpus(t), 2, 3, nil, time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC))
	for _, tc := range []struct {
		name, header, value string
		want                int
	}{
		{"no validator", "", "", http.StatusOK},
		{"its ETag", "If-None-Match", g.etag(1), http.StatusNotModified},
		{"another feed's ETag", "If-None-Match", g.etag(0), http.StatusOK},
		{"its Last-Modified", "If-Modified-Since", g.lastModified(), http.StatusNotModified},
	} {
		t.Run(tc.name, func(t *testing.T) {
			req := httptest.NewRequest(http.MethodGet, "/f1.xml", nil)
			if tc.header != "" {
				req.Header.Set(tc.header, tc.value)
			}
			rec := httptest.NewRecorder()
			g.ServeHTTP(rec, req)
			if rec.Code != tc.want {
				t.Errorf("status %d, want %d", rec.Code, tc.want)
			}
		})
	}
}

func TestBenchFeedsAreStableAndShareCopies(t *testing.T) {
	t.Parallel()
	g := newGenerator(demoCorpus(t), 2, 3, nil, time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC))
	var a, b bytes.Buffer
	g.write(&a, 1)
	g.write(&b, 1)
	if a.String() != b.String() {
		t.Error("feed 1 differs between two requests: its ETag would lie")
	}
	if n := strings.Count(a.String(), "<item>"); n != 3 {
		t.Errorf("feed has %d items, want 3", n)
	}
	// Item 0 of feed 1 is a copy of item 1 of feed 0: the same title and
	// text under another link.
	title0, text0 := g.item(0, 1)
	title1, text1 := g.item(1, 0)
	if title0 != title1 || text0 != text1 {
		t.Error("item 0 of feed 1 is not a copy of item 1 of feed 0")
	}
	if _, other := g.item(1, 1); other == text0 {
		t.Error("item 1 of feed 1 is a copy too")
	}
}

func TestRunRefusesSizesItCannotRun(t *testing.T) {
	t.Parallel()
	for _, o := range []Options{{}, {Feeds: 1, Items: 1, Concurrency: 1, Cycles: 1, Actors: -1}} {
		if _, err := Run(t.Context(), o); !errors.Is(err, ErrOptions) {
			t.Errorf("Run(%+v) = %v, want ErrOptions", o, err)
		}
	}
}
