package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"sort"

	"github.com/storywatch/storywatch/bench"
	"github.com/storywatch/storywatch/secret"
)

// app is what every command gets: the process's environment, injected so
// that tests can call run directly.
type app struct {
	ctx        context.Context
	getenv     func(string) string
	stdin      io.Reader
	stdout     io.Writer
	stderr     io.Writer
	configPath string
	// secrets are the loaded config's secrets, scrubbed from what the
	// loggers write and what commands print of feed URLs and errors.
	secrets *secret.Set
}

type command struct {
	summary string
	run     func(a *app, args []string) error
}

// commands lists every subcommand; each lives in its own file.
var commands = map[string]command{
	"run":        {"the daemon: polls and digests on schedule, HTTP endpoints, reload on change", cmdRun},
	"once":       {"one poll cycle over every feed now, then instant digests", cmdOnce},
	"check":      {"validate the config", cmdCheck},
	"aliases":    {"show what each actor's aliases match: spellings and inflections", cmdAliases},
	"match":      {"run the watchlist over feed files, URLs or stdin", cmdMatch},
	"hits":       {"stored hits, newest first", cmdHits},
	"stories":    {"stories with their outlets", cmdStories},
	"feeds":      {"per feed: last fetch, status, items, errors, next attempt", cmdFeeds},
	"digest":     {"render (and with -send deliver) the digest that is due now", cmdDigest},
	"deliveries": {"the delivery outbox; 'deliveries retry ID' resends a dead one", cmdDeliveries},
	"backtest":   {"run the current watchlist over stored items", cmdBacktest},
	"demo":       {"offline demo: bundled feeds on loopback, one cycle, the digest", cmdDemo},
	"schedule":   {"when every poll schedule and digest runs next, in its time zone and UTC", cmdSchedule},
	"health":     {"exit 0 when the daemon's /healthz answers", cmdHealth},
	"version":    {"version, commit, Go version", cmdVersion},
	"bench":      {"measure poll cycles against a loopback feed server (docs/benchmarks.md)", cmdBench},
}

// run parses the global flags, picks the command and runs it.
func run(ctx context.Context, args []string, getenv func(string) string, stdin io.Reader, stdout, stderr io.Writer) error {
	if served, err := bench.ServeChild(ctx, getenv, stdin, stdout); served {
		return err // the feed server that `storywatch bench` started
	}
	a := &app{ctx: ctx, getenv: getenv, stdin: stdin, stdout: stdout, stderr: stderr, secrets: secret.New()}
	global := flag.NewFlagSet("storywatch", flag.ContinueOnError)
	global.SetOutput(io.Discard)
	global.StringVar(&a.configPath, "config", "", "config file (default $STORYWATCH_CONFIG, then storywatch.yaml)")
	if err := global.Parse(args); err != nil {
		if err == flag.ErrHelp {
			a.usage(stdout)
			return nil
		}
		return usagef("%v", err)
	}
	rest := global.Args()
	if len(rest) == 0 {
		a.usage(stderr)
		return &silentError{exitUsage}
	}
	name, cmdArgs := rest[0], rest[1:]
	if name == "help" {
		a.usage(stdout)
		return nil
	}
	cmd, ok := commands[name]
	if !ok {
		return usagef("unknown command %q (see 'storywatch help')", name)
	}
	return cmd.run(a, cmdArgs)
}

func (a *app) usage(w io.Writer) {
	fmt.Fprintln(w, "usage: storywatch [-config FILE] COMMAND [flags]")
	fmt.Fprintln(w)
	names := make([]string, 0, len(commands))
	for name := range commands {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		fmt.Fprintf(w, "  %-11s %s\n", name, commands[name].summary)
	}
}

// flags returns a flag set for a command that also accepts -config after
// the command name.
func (a *app) flags(name string) *flag.FlagSet {
	fs := flag.NewFlagSet("storywatch "+name, flag.ContinueOnError)
	fs.SetOutput(a.stderr)
	fs.StringVar(&a.configPath, "config", a.configPath, "config file")
	return fs
}

// parse parses a command's flags, turning flag errors into usage errors.
// Flags may be given before or after positional arguments.
func (a *app) parse(fs *flag.FlagSet, args []string) ([]string, error) {
	var positional []string
	for {
		if err := fs.Parse(args); err != nil {
			if err == flag.ErrHelp {
				return nil, &silentError{exitOK}
			}
			return nil, &usageError{err}
		}
		args = fs.Args()
		if len(args) == 0 {
			return positional, nil
		}
		positional = append(positional, args[0])
		args = args[1:]
	}
}

// resolveConfigPath applies the default: -config, then $STORYWATCH_CONFIG,
// then storywatch.yaml.
func (a *app) resolveConfigPath() string {
	if a.configPath != "" {
		return a.configPath
	}
	if p := a.getenv("STORYWATCH_CONFIG"); p != "" {
		return p
	}
	return "storywatch.yaml"
}
