package config

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
)

// FuzzParse feeds arbitrary bytes to the config parser: it must never
// panic, and must return either a config or positioned problems.
func FuzzParse(f *testing.F) {
	seeds, _ := filepath.Glob("testdata/*.yaml")
	seeds = append(seeds, "../config.example.yaml")
	for _, s := range seeds {
		if b, err := os.ReadFile(s); err == nil {
			f.Add(b)
		}
	}
	f.Add([]byte("poll: {schedule: \"TZ=\"}\n"))
	f.Add([]byte("digests: [{id: a, schedule: \"CRON_TZ=UTC\", to: [x]}]\n"))
	getenv := func(k string) string { return exampleEnv[k] }
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := parse("fuzz.yaml", "/srv/storywatch/fuzz.yaml", data, getenv)
		if (c == nil) == (err == nil) {
			t.Fatalf("parse returned config %v and error %v", c, err)
		}
		var errs Errors
		if err != nil && (!errors.As(err, &errs) || len(errs) == 0) {
			t.Fatalf("error is not a non-empty Errors: %v", err)
		}
		for _, e := range errs {
			if e.Line < 1 || e.Col < 1 || e.Msg == "" {
				t.Fatalf("problem without position or message: %#v", e)
			}
		}
	})
}
