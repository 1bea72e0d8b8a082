package schematest

import (
	"strings"
	"testing"
)

const valid = `{"version":2,"id":"morning-20251126T070000Z-00000000","digest":"morning","generated_at":"2025-11-26T07:00:00Z",
"watches":[{"id":"call-leak","title":"Witkoff–Ushakov call recording","more":0,"stories":[
{"id":"10","title":"Leaked call","url":"https://example.org/a","first_seen":"2025-11-26T04:00:00Z","published":null,
 "outlets":["AP"],"score":6,"also":["witkoff"],"matches":[{"term":"Witkoff","field":"title","snippet":"Leaked call"}]}]}]}`

// The schema accepts a digest of version 2 with an undated story and
// rejects what a receiver could not rely on.
func TestSchemaTellsValidFromInvalid(t *testing.T) {
	t.Parallel()
	if err := Validate([]byte(valid)); err != nil {
		t.Fatalf("a valid digest: %v", err)
	}
	variant := strings.Replace(valid, `"snippet":"Leaked call"}`, `"snippet":"Leaked call","found":"Уиткофф","variant":"spelling"}`, 1)
	if err := Validate([]byte(variant)); err != nil {
		t.Fatalf("a match through a name variant: %v", err)
	}
	for _, tt := range []struct{ name, from, to string }{
		{"version 1", `"version":2`, `"version":1`},
		{"published missing", `"published":null,`, ``},
		{"published not a time", `"published":null`, `"published":"yesterday"`},
		{"published with an offset", `"published":null`, `"published":"2025-11-26T07:00:00+02:00"`},
		{"no also", `"also":["witkoff"],`, ``},
		{"also not an id", `"also":["witkoff"]`, `"also":["Steve Witkoff"]`},
		{"unknown field", `"score":6,`, `"score":6,"rank":1,`},
		{"unknown match field", `"field":"title"`, `"field":"body"`},
		{"negative more", `"more":0`, `"more":-1`},
		{"a variant without what was found", `"snippet":"Leaked call"}`, `"snippet":"Leaked call","variant":"spelling"}`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if !strings.Contains(valid, tt.from) {
				t.Fatalf("fixture lacks %q", tt.from)
			}
			if err := Validate([]byte(strings.Replace(valid, tt.from, tt.to, 1))); err == nil {
				t.Error("accepted")
			}
		})
	}
}
