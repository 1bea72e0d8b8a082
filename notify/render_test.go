package notify_test

import (
	"bytes"
	"encoding/json"
	"flag"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/storywatch/storywatch/notify"
	"github.com/storywatch/storywatch/notify/notifytest"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from the golden file (go test -update rewrites it)\n--- got\n%s", name, got)
	}
}

func TestRenderGolden(t *testing.T) {
	t.Parallel()
	r, err := notifytest.Render(t, notifytest.Digest())
	if err != nil {
		t.Fatal(err)
	}
	golden(t, "morning.txt", []byte(r.Text))
	golden(t, "morning.html", []byte(r.HTML))
	var pretty bytes.Buffer
	if err := json.Indent(&pretty, r.JSON, "", "  "); err != nil {
		t.Fatal(err)
	}
	golden(t, "morning.json", pretty.Bytes())
	golden(t, "morning.chat.txt", []byte(r.Chat))
	if want := "[storywatch] morning: 3 new stories (call-leak 2, peace-plan 1)"; r.Subject != want {
		t.Errorf("subject = %q, want %q", r.Subject, want)
	}
}

func TestRenderIsDeterministic(t *testing.T) {
	t.Parallel()
	a, err := notifytest.Render(t, notifytest.Digest())
	if err != nil {
		t.Fatal(err)
	}
	// A stored digest is rendered again from its JSON on every retry.
	js, err := json.Marshal(notifytest.Digest())
	if err != nil {
		t.Fatal(err)
	}
	var d notify.Digest
	if err := json.Unmarshal(js, &d); err != nil {
		t.Fatal(err)
	}
	b, err := notifytest.Render(t, &d)
	if err != nil {
		t.Fatal(err)
	}
	if a.HTML != b.HTML || a.Text != b.Text || !bytes.Equal(a.JSON, b.JSON) || a.Chat != b.Chat {
		t.Error("a digest restored from its stored JSON renders differently")
	}
	for i := range a.Images {
		if !bytes.Equal(a.Images[i].PNG, b.Images[i].PNG) {
			t.Errorf("chart %d differs after a round trip", i)
		}
	}
}

func TestHTMLEscapesFeedText(t *testing.T) {
	t.Parallel()
	r, err := notifytest.Render(t, notifytest.Digest())
	if err != nil {
		t.Fatal(err)
	}
	for name, html := range map[string]string{"email": r.HTML, "file": r.FileHTML} {
		for _, bad := range []string{"<script", "<img src=x", "javascript:", "<b>"} {
			if strings.Contains(html, bad) {
				t.Errorf("%s HTML contains feed markup %q", name, bad)
			}
		}
		for _, want := range []string{"&lt;script&gt;alert(1)&lt;/script&gt;", "&lt;img src=x onerror=alert(2)&gt;",
			`<mark style="background:#fe6">Witkoff</mark>`, `<mark style="background:#fe6">28-point plan</mark>`} {
			if !strings.Contains(html, want) {
				t.Errorf("%s HTML lacks %q", name, want)
			}
		}
	}
}

func TestHTMLReferencesEveryChart(t *testing.T) {
	t.Parallel()
	r, err := notifytest.Render(t, notifytest.Digest())
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Images) != 2 {
		t.Fatalf("%d charts, want one per watch (2)", len(r.Images))
	}
	for _, img := range r.Images {
		if !strings.Contains(r.HTML, `src="cid:`+img.ContentID+`"`) {
			t.Errorf("email HTML does not reference cid:%s", img.ContentID)
		}
		if !strings.Contains(r.FileHTML, `src="`+img.Filename+`"`) {
			t.Errorf("file HTML does not reference %s", img.Filename)
		}
		cfg, err := png.DecodeConfig(bytes.NewReader(img.PNG))
		if err != nil {
			t.Fatalf("chart %s: %v", img.Filename, err)
		}
		if cfg.Width != notify.ChartWidth || cfg.Height != notify.ChartHeight {
			t.Errorf("chart %s is %dx%d", img.Filename, cfg.Width, cfg.Height)
		}
	}
}
