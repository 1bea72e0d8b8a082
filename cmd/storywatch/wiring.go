package main

import (
	"context"
	"log/slog"

	"github.com/storywatch/storywatch/config"
	"github.com/storywatch/storywatch/daemon"
	"github.com/storywatch/storywatch/store"
)

// openStore opens the config's database.
func openStore(ctx context.Context, c *config.Config, log *slog.Logger) (*store.DB, error) {
	return store.Open(ctx, c.Database, store.WithLogger(log))
}

// daemonOptions wires the daemon of c over db: run, once, demo, digest
// -send and deliveries retry all build one.
func daemonOptions(c *config.Config, db *store.DB, log *slog.Logger) daemon.Options {
	return daemon.Options{Config: c, Store: db, Log: log, Now: db.Now, Version: version}
}

// newDaemon builds the daemon; a config it cannot run is a usage error
// (exit 2), as an invalid config is.
func newDaemon(o daemon.Options) (*daemon.Daemon, error) {
	d, err := daemon.New(o)
	if err != nil {
		return nil, &usageError{err}
	}
	return d, nil
}
