package store

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"

	"github.com/storywatch/storywatch/match"
)

func TestEvidenceRoundTrip(t *testing.T) {
	t.Parallel()
	snippet := "… said Steve Witkoff, who met Ushakov = 1:2 ~ in Moscow"
	cases := map[string][]match.Match{
		"one": {{Term: "Witkoff", Field: "summary", Snippet: snippet, Mark: [2]int{10, 17}}},
		"shared snippet and field": {
			{Term: "Witkoff", Field: "summary", Snippet: snippet, Mark: [2]int{10, 17}},
			{Term: "Ushakov", Field: "summary", Snippet: snippet, Mark: [2]int{31, 38}, Found: "Ушаков", Variant: "spelling"},
			{Term: "Ushakov", Field: "title", Snippet: "", Mark: [2]int{0, 0}},
		},
		"empty strings and digits": {{Term: "1", Field: "", Snippet: "=", Mark: [2]int{0, 1}, Found: ":", Variant: ","}},
	}
	for name, ms := range cases {
		enc, err := encodeMatches(ms)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if !strings.HasPrefix(enc, evidencePrefix) {
			t.Errorf("%s: stored as %q, want the terse form", name, enc)
		}
		js, _ := json.Marshal(ms)
		if len(enc) >= len(js) {
			t.Errorf("%s: terse form %d bytes, JSON %d", name, len(enc), len(js))
		}
		got, err := decodeMatches(enc)
		if err != nil || !reflect.DeepEqual(got, ms) {
			t.Errorf("%s: decoded %+v, %v; want %+v", name, got, err, ms)
		}
	}
}

// Rows stored as JSON, and evidence the terse form cannot hold, read back
// as encoding/json gives them.
func TestEvidenceJSON(t *testing.T) {
	t.Parallel()
	for _, ms := range [][]match.Match{nil, {}, {{Term: "a\x00b", Field: "summary"}}, {{Term: "bad\xffutf8"}}} {
		enc, err := encodeMatches(ms)
		if err != nil {
			t.Fatal(err)
		}
		js, _ := json.Marshal(ms)
		if enc != string(js) {
			t.Errorf("%+v stored as %q, want JSON %q", ms, enc, js)
		}
		var want []match.Match
		json.Unmarshal(js, &want)
		if got, err := decodeMatches(enc); err != nil || !reflect.DeepEqual(got, want) {
			t.Errorf("%q decoded to %#v, %v; want %#v", enc, got, err, want)
		}
	}
	old := `[{"term":"Witkoff","field":"summary","snippet":"Witkoff met","mark":[0,7]}]`
	got, err := decodeMatches(old)
	if err != nil || len(got) != 1 || got[0].Term != "Witkoff" || got[0].Mark != [2]int{0, 7} {
		t.Errorf("old row decoded to %+v, %v", got, err)
	}
}

func TestEvidenceMalformed(t *testing.T) {
	t.Parallel()
	for _, s := range []string{"~1", "~1,2,", "~1,2,5:abc", "~x,2,", "~1,2,=", "~-1,2,0:0:0:0:0:", "[{"} {
		if ms, err := decodeMatches(s); err == nil {
			t.Errorf("%q decoded to %+v, want an error", s, ms)
		}
	}
}
