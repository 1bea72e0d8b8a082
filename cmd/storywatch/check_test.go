package main

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/storywatch/storywatch/config"
)

const checkExample = "../../config.example.yaml"

// checkExampleEnv sets the secrets config.example.yaml takes from the
// environment.
var checkExampleEnv = map[string]string{
	"SMTP_USER":      "alerts",
	"SMTP_PASSWORD":  "secret",
	"WEBHOOK_SECRET": "hmac-secret",
	"CHAT_URL":       "ntfy://ntfy.example.org/storywatch",
}

// checkRun runs storywatch as main does and returns the exit code and
// output.
func checkRun(t *testing.T, env map[string]string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errOut bytes.Buffer
	getenv := func(k string) string { return env[k] }
	err := run(context.Background(), args, getenv, strings.NewReader(""), &out, &errOut)
	code = exitCode(err, &errOut)
	return code, out.String(), errOut.String()
}

func TestCheckExampleConfig(t *testing.T) {
	t.Parallel()
	code, stdout, stderr := checkRun(t, checkExampleEnv, "check", "-config", checkExample)
	if code != exitOK {
		t.Fatalf("exit %d, stderr:\n%s", code, stderr)
	}
	want := checkExample + ": ok: 17 feeds, 8 actors (6 tracked), 5 storylines, 2 digests, 4 notifiers\n"
	if stdout != want {
		t.Errorf("stdout = %q, want %q", stdout, want)
	}
	if stderr != "" {
		t.Errorf("stderr = %q, want nothing", stderr)
	}
}

func TestCheckExampleWithoutEnvironment(t *testing.T) {
	t.Parallel()
	// The example's secrets have harmless defaults, so that it checks on a
	// fresh checkout.
	code, stdout, stderr := checkRun(t, nil, "check", "-config", checkExample)
	if code != exitOK || !strings.Contains(stdout, ": ok: ") {
		t.Errorf("exit %d, stdout %q, stderr %q", code, stdout, stderr)
	}
}

// TestCheckInvalidConfigs runs check on every config/testdata/invalid-*.yaml
// and expects exit 2 with exactly the lines of its .want file.
func TestCheckInvalidConfigs(t *testing.T) {
	t.Parallel()
	files, err := filepath.Glob("../../config/testdata/invalid-*.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if len(files) == 0 {
		t.Fatal("no invalid configs found")
	}
	env := map[string]string{"SMTP_PASSWORD": "secret"} // as in the config package's test
	for _, file := range files {
		t.Run(strings.TrimSuffix(filepath.Base(file), ".yaml"), func(t *testing.T) {
			b, err := os.ReadFile(strings.TrimSuffix(file, ".yaml") + ".want")
			if err != nil {
				t.Fatal(err)
			}
			// The .want files name the file as the config package's test
			// does, relative to config/.
			want := strings.ReplaceAll("\n"+string(b), "\ntestdata/", "\n../../config/testdata/")[1:]
			code, stdout, stderr := checkRun(t, env, "check", "-config", file)
			if code != exitUsage {
				t.Errorf("exit %d, want %d", code, exitUsage)
			}
			if stderr != want {
				t.Errorf("stderr:\n%s\nwant:\n%s", stderr, want)
			}
			if stdout != "" {
				t.Errorf("stdout = %q, want nothing", stdout)
			}
		})
	}
}

func TestCheckConfigFlagPlacement(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		env  map[string]string
		args []string
	}{
		{"before the command", nil, []string{"-config", checkExample, "check"}},
		{"after the command", nil, []string{"check", "-config", checkExample}},
		{"with an equals sign", nil, []string{"check", "-config=" + checkExample}},
		{"from STORYWATCH_CONFIG", map[string]string{"STORYWATCH_CONFIG": checkExample}, []string{"check"}},
		{"after overrides before", nil, []string{"-config", "nope.yaml", "check", "-config", checkExample}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env := map[string]string{}
			for k, v := range checkExampleEnv {
				env[k] = v
			}
			for k, v := range tt.env {
				env[k] = v
			}
			code, stdout, stderr := checkRun(t, env, tt.args...)
			if code != exitOK || !strings.Contains(stdout, ": ok: ") {
				t.Errorf("exit %d, stdout %q, stderr %q", code, stdout, stderr)
			}
		})
	}
}

func TestCheckMissingFile(t *testing.T) {
	t.Parallel()
	missing := filepath.Join(t.TempDir(), "missing.yaml")
	code, stdout, stderr := checkRun(t, nil, "check", "-config", missing)
	if code != exitUsage {
		t.Errorf("exit %d, want %d", code, exitUsage)
	}
	if !strings.Contains(stderr, missing) || !strings.Contains(stderr, "no such file") {
		t.Errorf("stderr does not say which file is missing: %q", stderr)
	}
	if strings.Count(stderr, "\n") != 1 || stdout != "" {
		t.Errorf("want one line on stderr and nothing on stdout; stdout %q, stderr %q", stdout, stderr)
	}
}

func TestCheckMissingDefaultFileSaysHowToGiveOne(t *testing.T) {
	t.Chdir(t.TempDir())
	code, _, stderr := checkRun(t, nil, "check")
	if code != exitUsage {
		t.Errorf("exit %d, want %d", code, exitUsage)
	}
	if !strings.Contains(stderr, "storywatch.yaml") || !strings.Contains(stderr, "-config FILE") {
		t.Errorf("stderr does not explain the default: %q", stderr)
	}
}

func TestCheckRejectsArguments(t *testing.T) {
	t.Parallel()
	code, _, stderr := checkRun(t, checkExampleEnv, "check", "-config", checkExample, "extra")
	if code != exitUsage || !strings.Contains(stderr, "no arguments") {
		t.Errorf("exit %d, stderr %q", code, stderr)
	}
}

func TestCheckReportsWatchlistCompileErrors(t *testing.T) {
	t.Parallel()
	// config.Load rejects these itself; a Config built by hand reaches the
	// matcher, whose every problem check must print.
	var stderr bytes.Buffer
	a := &app{ctx: context.Background(), getenv: func(string) string { return "" }, stderr: &stderr, configPath: "storywatch.yaml"}
	c := &config.Config{
		Actors:     []config.Actor{{ID: "bad", Aliases: []string{"*"}, Track: true}},
		Storylines: []config.Storyline{{ID: "broken", Query: "(call"}},
	}
	if a.compiles(c) {
		t.Fatal("a watchlist with a bare * alias and an unbalanced query compiled")
	}
	lines := strings.Split(strings.TrimSuffix(stderr.String(), "\n"), "\n")
	if len(lines) != 2 {
		t.Fatalf("want one line per problem, got %q", stderr.String())
	}
	for i, want := range []string{`actor "bad"`, `storyline "broken"`} {
		if !strings.HasPrefix(lines[i], "storywatch.yaml: watchlist: ") || !strings.Contains(lines[i], want) {
			t.Errorf("line %d = %q, want the file and %s", i, lines[i], want)
		}
	}
}

func TestLoadConfigPrintsProblemsForOtherCommands(t *testing.T) {
	t.Parallel()
	file := "../../config/testdata/invalid-unbalanced-paren.yaml"
	var stderr bytes.Buffer
	a := &app{ctx: context.Background(), getenv: func(string) string { return "" }, stderr: &stderr, configPath: file}
	c, err := a.loadConfig()
	if c != nil || err == nil {
		t.Fatalf("loadConfig = %v, %v; want an error", c, err)
	}
	wantLine := file + ":7:12: storylines[0].query: unbalanced parenthesis at offset 13\n"
	if stderr.String() != wantLine {
		t.Errorf("printed %q, want %q", stderr.String(), wantLine)
	}
	var errs config.Errors
	if !errors.As(err, &errs) || len(errs) != 1 {
		t.Errorf("error does not carry the config problems: %v", err)
	}
	var summary bytes.Buffer
	if code := exitCode(err, &summary); code != exitUsage {
		t.Errorf("exit %d, want %d", code, exitUsage)
	}
	if want := "storywatch: invalid config " + file + ": 1 problem\n"; summary.String() != want {
		t.Errorf("summary = %q, want %q", summary.String(), want)
	}
}

func TestCheckRejectsAChatURLRunWouldRefuse(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	path := filepath.Join(dir, "storywatch.yaml")
	cfg := `database: sw.db
feeds:
  - url: https://news.example.org/rss
actors:
  - id: witkoff
    name: Steve Witkoff
    aliases: [Witkoff]
digests:
  - id: breaking
    instant: true
    to: [archive, team-chat]
notifiers:
  - id: archive
    file:
      dir: digests
  - id: team-chat
    chat:
      url: nosuchservice://token@chat.example.org/room
`
	if err := os.WriteFile(path, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	code, stdout, stderr := checkRun(t, nil, "check", "-config", path)
	if code != exitUsage {
		t.Fatalf("exit %d, want %d; stdout %q, stderr %q", code, exitUsage, stdout, stderr)
	}
	want := path + ": notifiers[1].chat.url: chat team-chat"
	if !strings.HasPrefix(stderr, want) {
		t.Errorf("stderr = %q, want it to start with %q", stderr, want)
	}
	if strings.Contains(stderr, "token") {
		t.Errorf("stderr carries the chat URL's secret: %q", stderr)
	}
}

// SIGINT or SIGTERM (main cancels the context) interrupts a config load:
// the command stops and says so, instead of going on to check the file.
func TestSignalInterruptsTheConfigLoad(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	var out, errOut bytes.Buffer
	err := run(ctx, []string{"check", "-config", checkExample}, func(string) string { return "" }, strings.NewReader(""), &out, &errOut)
	if !errors.Is(err, context.Canceled) || !strings.Contains(err.Error(), "interrupted") {
		t.Errorf("check after a signal = %v, want interrupted", err)
	}
	if code := exitCode(err, &errOut); code != exitFailure || strings.Contains(out.String(), "ok") {
		t.Errorf("exit %d, stdout %q", code, out.String())
	}
}

func TestCheckWarnsOfAlikeFeedURLs(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "storywatch.yaml")
	if err := os.WriteFile(path, []byte("feeds:\n  - url: https://news.example/rss\n  - url: https://news.example/rss/\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	code, stdout, stderr := checkRun(t, nil, "check", "-config", path)
	if code != exitOK || !strings.Contains(stdout, ": ok: 2 feeds") {
		t.Errorf("exit %d, stdout %q", code, stdout)
	}
	if want := path + ":3:10: feeds[1].url: warning: feed https://news.example/rss/ differs from the one at feeds[0].url"; !strings.Contains(stderr, want) {
		t.Errorf("stderr = %q, want %q", stderr, want)
	}
}
