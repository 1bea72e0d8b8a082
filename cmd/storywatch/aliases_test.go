package main

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/storywatch/storywatch/match"
)

const variantsConfig = "testdata/variants.yaml"

func TestAliasesShowsVariantsWithExamples(t *testing.T) {
	t.Parallel()
	r := runStorywatch(t, "", "-config", variantsConfig, "aliases", "ushakov", "exact")
	if r.err != nil {
		t.Fatalf("%v: %s", r.err, r.stderr)
	}
	for _, want := range []string{
		"ushakov (Yuri Ushakov)\n  Ushakov: spelling variants and ",
		"spellings:   Ушаков, Uschakow, Ouchakov, Uszakow, Ušakov",
		"inflections: Ушакова, Ушаковым",
		"exact (Ushakov, exactly)\n  Ushakov: as written (variants: exact)\n",
	} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("output lacks %q:\n%s", want, r.stdout)
		}
	}
	if strings.Contains(r.stdout, "italy") {
		t.Errorf("output shows an actor not asked for:\n%s", r.stdout)
	}
}

func TestAliasesJSONAndRegion(t *testing.T) {
	t.Parallel()
	r := runStorywatch(t, "", "-config", variantsConfig, "aliases", "-json", "italy")
	if r.err != nil {
		t.Fatalf("%v: %s", r.err, r.stderr)
	}
	var out struct {
		ID      string                `json:"id"`
		Aliases []match.AliasVariants `json:"aliases"`
	}
	if err := json.Unmarshal([]byte(r.stdout), &out); err != nil {
		t.Fatalf("%v: %s", err, r.stdout)
	}
	names := map[string]bool{}
	for _, a := range out.Aliases {
		names[a.Alias] = a.Region
	}
	for _, n := range []string{"Italy", "Italien", "Włochy", "Италия", "Італія", "Italia"} {
		if !names[n] {
			t.Errorf("region IT lacks %q (got %d names)", n, len(names))
		}
	}
}

func TestAliasesUnknownActor(t *testing.T) {
	t.Parallel()
	r := runStorywatch(t, "", "-config", variantsConfig, "aliases", "nobody")
	if r.err == nil || exitCode(r.err, &strings.Builder{}) != exitUsage || !strings.Contains(r.err.Error(), "no actor nobody") {
		t.Errorf("err = %v, want a usage error naming nobody", r.err)
	}
}

func TestCheckWarnsWhenVariantsCollide(t *testing.T) {
	t.Parallel()
	code, stdout, stderr := checkRun(t, nil, "check", "-config", variantsConfig)
	if code != exitOK || !strings.Contains(stdout, ": ok: ") {
		t.Fatalf("exit %d, stdout %q, stderr %q", code, stdout, stderr)
	}
	want := `warning: actor ushakov: alias "Ushakov" also matches actor namesake's alias "Uschakow" (spelling)`
	if !strings.Contains(stderr, want) {
		t.Errorf("stderr lacks %q:\n%s", want, stderr)
	}
	if strings.Contains(stderr, "actor exact:") {
		t.Errorf("an exact actor has no variants to collide:\n%s", stderr)
	}
}

func TestMatchExplainsVariants(t *testing.T) {
	t.Parallel()
	r := runStorywatch(t, "Помощник Путина Ушаковым и Uschakow", "-config", variantsConfig, "match", "-text", "-json", "-")
	if r.err != nil {
		t.Fatalf("%v: %s", r.err, r.stderr)
	}
	var got []string
	for _, item := range decodeLines(t, r.stdout) {
		for _, w := range item.Watches {
			for _, m := range w.Matches {
				got = append(got, w.ID+": "+match.Match{Term: m.Term, Found: m.Found, Variant: m.Variant}.Explain())
			}
		}
	}
	// One match per alias: Uschakow, a second spelling of Ushakov, adds
	// nothing to the first; the exact actor finds neither.
	want := "ushakov: Ушаковым ≈ Ushakov, inflection|namesake: Uschakow"
	if strings.Join(got, "|") != want {
		t.Errorf("matches = %q, want %q", strings.Join(got, "|"), want)
	}
	text := runStorywatch(t, "Uschakow", "-config", variantsConfig, "match", "-text", "-")
	if !strings.Contains(text.stdout, "ushakov  score 1: Uschakow ≈ Ushakov, spelling (content)") {
		t.Errorf("text output:\n%s", text.stdout)
	}
}
