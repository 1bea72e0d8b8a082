package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// commandFlags returns the flags a command's -h lists.
func commandFlags(t *testing.T, name string) map[string]bool {
	t.Helper()
	var stderr bytes.Buffer
	run(context.Background(), []string{name, "-h"}, func(string) string { return "" }, strings.NewReader(""), &bytes.Buffer{}, &stderr)
	flags := map[string]bool{}
	for _, m := range regexp.MustCompile(`(?m)^  -(\S+)`).FindAllStringSubmatch(stderr.String(), -1) {
		flags[m[1]] = true
	}
	return flags
}

// TestDocumentedFlagsExist reads every `storywatch COMMAND -flag …` (or
// `COMMAND -flag …`) in the README, docs/ and the example config and
// checks that the command has each flag: the docs once told of a
// `digest -preview` that never existed.
func TestDocumentedFlagsExist(t *testing.T) {
	t.Parallel()
	files, err := filepath.Glob("../../docs/*.md")
	if err != nil {
		t.Fatal(err)
	}
	files = append(files, "../../README.md", "../../config.example.yaml")
	span := regexp.MustCompile("`(?:storywatch )?([a-z]+)( [^`\n]*)`")
	known := map[string]map[string]bool{}
	checked := 0
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range span.FindAllStringSubmatch(string(data), -1) {
			name := m[1]
			if _, ok := commands[name]; !ok {
				continue
			}
			if known[name] == nil {
				known[name] = commandFlags(t, name)
			}
			for _, tok := range strings.Fields(m[2]) {
				tok = strings.TrimLeft(tok, "[")
				if !strings.HasPrefix(tok, "-") || tok == "-" {
					continue
				}
				flag := strings.TrimLeft(tok, "-")
				flag, _, _ = strings.Cut(flag, "=")
				flag = strings.TrimRight(flag, "],.")
				checked++
				if !known[name][flag] {
					t.Errorf("%s: %s names the flag -%s, which `storywatch %s` does not have", filepath.Base(f), strings.TrimSpace(m[0]), flag, name)
				}
			}
		}
	}
	if checked < 10 {
		t.Errorf("only %d documented flags found: is the pattern still right?", checked)
	}
}
