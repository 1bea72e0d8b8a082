package file

import (
	"bytes"
	"context"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/storywatch/storywatch/notify/notifytest"
)

func TestFileWritesAtomicallyBesideCharts(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	r := notifytest.Rendered(t)
	f, err := New(Options{NotifierID: "archive", Dir: filepath.Join(dir, "digests")})
	if err != nil {
		t.Fatal(err)
	}
	if err := f.Send(context.Background(), r); err != nil {
		t.Fatal(err)
	}
	base := filepath.Join(dir, "digests", "morning-20251126T070000Z-00000000")
	for _, ext := range []string{".txt", ".html", ".json"} {
		if _, err := os.Stat(base + ext); err != nil {
			t.Error(err)
		}
	}
	html, _ := os.ReadFile(base + ".html")
	if strings.Contains(string(html), "<script") || strings.Contains(string(html), "<img src=x") {
		t.Error("file HTML contains feed markup")
	}
	for _, img := range r.Images {
		b, err := os.ReadFile(filepath.Join(dir, "digests", img.Filename))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := png.Decode(bytes.NewReader(b)); err != nil {
			t.Errorf("%s: %v", img.Filename, err)
		}
		if !strings.Contains(string(html), `src="`+img.Filename+`"`) {
			t.Errorf("HTML does not show %s", img.Filename)
		}
	}
	entries, _ := os.ReadDir(filepath.Join(dir, "digests"))
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), ".") {
			t.Errorf("temporary file left behind: %s", e.Name())
		}
	}
}

func TestNewWantsADir(t *testing.T) {
	t.Parallel()
	if _, err := New(Options{NotifierID: "archive"}); err == nil || err.Error() != "file archive: no dir" {
		t.Errorf("err = %v, want file archive: no dir", err)
	}
}

func TestFileKeepsTwoDigestsOfOneSecond(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	f, err := New(Options{NotifierID: "archive", Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	d := notifytest.Digest()
	for _, id := range []string{"morning-20251126T070000Z-aaaaaaaa", "morning-20251126T070000Z-bbbbbbbb"} {
		d.ID = id
		r, err := notifytest.Render(t, d)
		if err != nil {
			t.Fatal(err)
		}
		if err := f.Send(context.Background(), r); err != nil {
			t.Fatal(err)
		}
	}
	var jsons []string
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		if strings.HasSuffix(e.Name(), ".json") {
			jsons = append(jsons, e.Name())
		}
	}
	want := []string{"morning-20251126T070000Z-aaaaaaaa.json", "morning-20251126T070000Z-bbbbbbbb.json"}
	if strings.Join(jsons, " ") != strings.Join(want, " ") {
		t.Errorf("json files %v, want %v", jsons, want)
	}
	if n := len(entries); n != 2*(3+len(d.Watches)) {
		t.Errorf("%d files, want %d", n, 2*(3+len(d.Watches)))
	}
}
