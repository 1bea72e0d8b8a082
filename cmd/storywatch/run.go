package main

import (
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"syscall"

	"github.com/storywatch/storywatch/store"
)

// cmdRun is the daemon: it polls and sends digests on schedule, sends the
// outbox, serves HTTP and reloads its config on change or SIGHUP, until
// SIGINT or SIGTERM (a.ctx) ends it. The daemon package does the work;
// this holds the database's lock and relays SIGHUP.
func cmdRun(a *app, args []string) error {
	fs := a.flags("run")
	logFormat := fs.String("log-format", "auto", "log format: json, text, or auto (text on a terminal, JSON otherwise)")
	logLevel := fs.String("log-level", "info", "log level: debug, info, warn or error")
	rest, err := a.parse(fs, args)
	if err != nil {
		return err
	}
	if len(rest) > 0 {
		return usagef("run takes no arguments, got %q", rest)
	}
	log, err := newLogger(a.stdout, *logFormat, *logLevel)
	if err != nil {
		return &usageError{err}
	}
	cfg, err := a.loadConfig()
	if err != nil {
		return err
	}
	// The lock file is SQLite's: replicas share a PostgreSQL database.
	sqlite := !store.IsPostgres(cfg.Database)
	if sqlite {
		lock, err := lockDatabase(cfg.Database)
		if err != nil {
			return err
		}
		defer lock.release()
	}
	db, err := openStore(a.ctx, cfg, log)
	if err != nil {
		return err
	}
	defer db.Close()
	if sqlite {
		// The lock file makes this the database's one daemon: feed leases
		// an earlier run left behind hold nobody's fetch, and would keep
		// their feeds from being polled until they end.
		if n, err := db.ReleaseLeases(a.ctx); err != nil {
			return err
		} else if n > 0 {
			log.Info("released the feed leases of an earlier run", "leases", n)
		}
	}
	// SIGHUP is a reload, not the end of the process.
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	defer signal.Stop(hup)
	opts := daemonOptions(cfg, db, log)
	opts.ConfigPath, opts.Getenv, opts.Hangup = a.resolveConfigPath(), a.getenv, hup
	// One set of secrets for the process: a reload replaces the daemon's,
	// which are the ones the commands' printing uses too.
	opts.Secrets = a.secrets
	d, err := newDaemon(opts)
	if err != nil {
		return err
	}
	return d.Run(a.ctx)
}

// newLogger returns the daemon's logger writing to w: JSON for machines
// (the default when w is not a terminal, as in a container), text for
// people.
func newLogger(w io.Writer, format, level string) (*slog.Logger, error) {
	var lv slog.Level
	if err := lv.UnmarshalText([]byte(level)); err != nil {
		return nil, fmt.Errorf("-log-level %q: want debug, info, warn or error", level)
	}
	opts := &slog.HandlerOptions{Level: lv}
	switch format {
	case "json":
		return slog.New(slog.NewJSONHandler(w, opts)), nil
	case "text":
		return slog.New(slog.NewTextHandler(w, opts)), nil
	case "auto", "":
		if isTerminal(w) {
			return slog.New(slog.NewTextHandler(w, opts)), nil
		}
		return slog.New(slog.NewJSONHandler(w, opts)), nil
	}
	return nil, fmt.Errorf("-log-format %q: want json, text or auto", format)
}

func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}
