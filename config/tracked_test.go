package config

import "testing"

func TestTrackedWatchesAndClosest(t *testing.T) {
	t.Parallel()
	c := mustLoad(t, `
actors:
  - id: witkoff
    aliases: [Witkoff]
  - id: putin
    aliases: [Putin]
    track: false
storylines:
  - id: call-leak
    query: '@witkoff AND leak'
`, nil)
	got := c.TrackedWatches()
	if len(got) != 2 || got[0] != "call-leak" || got[1] != "witkoff" {
		t.Errorf("TrackedWatches = %v, want [call-leak witkoff]", got)
	}
	for _, tt := range []struct{ name, want string }{
		{"call-leek", "call-leak"}, {"witkof", "witkoff"}, {"nonesuch", ""}, {"x", ""},
	} {
		if s := Closest(tt.name, got); s != tt.want {
			t.Errorf("Closest(%q) = %q, want %q", tt.name, s, tt.want)
		}
	}
}
