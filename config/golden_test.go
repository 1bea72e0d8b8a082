package config

import (
	"errors"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the .want files of testdata/invalid-*.yaml")

// testEnv is the environment the invalid configs are loaded with: one
// variable set, so that both a set and an unset one can be shown.
func testEnv(name string) string {
	return map[string]string{"SMTP_PASSWORD": "secret"}[name]
}

// TestInvalidConfigs loads every testdata/invalid-*.yaml and compares the
// problems, one a line, with the file's .want.
func TestInvalidConfigs(t *testing.T) {
	t.Parallel()
	files, err := filepath.Glob("testdata/invalid-*.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if len(files) < 15 {
		t.Fatalf("found %d invalid configs, want at least 15", len(files))
	}
	for _, file := range files {
		name := strings.TrimSuffix(filepath.Base(file), ".yaml")
		t.Run(name, func(t *testing.T) {
			c, err := Load(file, testEnv)
			if err == nil {
				t.Fatalf("loaded without error: %+v", c)
			}
			var errs Errors
			if !errors.As(err, &errs) {
				t.Fatalf("error is %T, not config.Errors: %v", err, err)
			}
			got := err.Error() + "\n"
			want := strings.TrimSuffix(file, ".yaml") + ".want"
			if *update {
				if err := os.WriteFile(want, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			b, err := os.ReadFile(want)
			if err != nil {
				t.Fatalf("%v (run go test ./config -update to create it)", err)
			}
			if got != string(b) {
				t.Errorf("problems differ from %s\ngot:\n%s\nwant:\n%s", want, got, b)
			}
			for _, e := range errs {
				if e.File != file || e.Line < 1 || e.Col < 1 {
					t.Errorf("problem without a position: %#v", e)
				}
			}
		})
	}
}
