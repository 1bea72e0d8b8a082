package match

import (
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// TestExplanationsGolden runs the example watchlist (modelled on config.example.yaml) over a few
// documents and compares the hits, with their explanations, to
// testdata/*.golden.json. Run with -update to rewrite them.
func TestExplanationsGolden(t *testing.T) {
	t.Parallel()
	seed, err := os.ReadFile(filepath.Join("testdata", "witkoff-ushakov-transcript.txt"))
	if err != nil {
		t.Fatal(err)
	}
	docs := []struct {
		name string
		doc  Document
	}{
		{"seed-article", Document{
			Title:   "Leaked call transcript shows Witkoff coaching Putin aide on how to pitch Trump",
			Summary: "Steve Witkoff advised Yuri Ushakov on how Putin should pitch a peace plan.",
			Content: string(seed),
			URL:     "https://example.org/world/witkoff-ushakov-transcript",
		}},
		{"russian-report", Document{
			Title:   "Ушаков прокомментировал утечку разговора с Уиткоффом",
			Content: "Помощник президента Юрий Ушаков заявил, что запись разговора с Уиткоффом «не имеет значения». Кирилл Дмитриев также обсуждал с Ушаковым «план из 28 пунктов».",
		}},
		{"peace-plan-near", Document{
			Title:   "Ukraine weighs US proposal",
			Content: "Kyiv said the peace plan, which has twenty-eight points, needs changes. Dmitriev met Kushner in Miami.",
		}},
		{"figure-skater", Document{
			Title:   "Dmitriev wins gold",
			Content: "The skater Dmitriev thanked his coach Ushakov.",
		}},
		{"no-match", Document{
			Title:   "Rasputin revisited",
			Content: "A new biography of Grigori Rasputin.",
		}},
	}
	m := mustCompile(t, exampleWatchlist())
	for _, tc := range docs {
		t.Run(tc.name, func(t *testing.T) {
			hits := m.Match(tc.doc)
			type marked struct {
				Hit
				Marked []string `json:"marked"`
			}
			out := []marked{}
			for _, h := range hits {
				mk := marked{Hit: h}
				for _, mt := range h.Matches {
					mk.Marked = append(mk.Marked, mt.Marked("[[", "]]"))
				}
				out = append(out, mk)
			}
			got, err := json.MarshalIndent(out, "", "  ")
			if err != nil {
				t.Fatal(err)
			}
			got = append(got, '\n')
			path := filepath.Join("testdata", tc.name+".golden.json")
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
			if string(got) != string(want) {
				t.Errorf("%s differs (run go test -update and review the diff):\n%s", path, got)
			}
			for _, h := range hits {
				for _, mt := range h.Matches {
					if n := len([]rune(mt.Snippet)); n > snippetLen+2 {
						t.Errorf("%s: snippet of %d characters: %q", h.Watch, n, mt.Snippet)
					}
					if !strings.Contains(mt.Marked("[[", "]]"), "[[") {
						t.Errorf("%s: snippet without mark: %+v", h.Watch, mt)
					}
				}
			}
		})
	}
}
