package main

import (
	"errors"
	"fmt"
	"io/fs"
	"os"

	"github.com/storywatch/storywatch/config"
	"github.com/storywatch/storywatch/store"
)

// requireDatabase fails when the config's database does not exist yet:
// the commands that only read what the daemon stored (hits, stories,
// feeds, deliveries, backtest, digest without -send) must not create an
// empty one and then report that it is empty.
// A PostgreSQL database is made by its administrator, not by storywatch:
// there is no file to look for, and connecting tells.
func requireDatabase(c *config.Config) error {
	if store.IsPostgres(c.Database) {
		return nil
	}
	_, err := os.Stat(c.Database)
	if errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("no database yet at %s: `storywatch once` polls every feed once and creates it, `storywatch run` starts the daemon (or check `database` in %s)", c.Database, c.Path)
	}
	if err != nil {
		return fmt.Errorf("database %s: %w", c.Database, err)
	}
	return nil
}

// openExistingStore loads the config and opens its database, which must
// exist, for the commands that read what the daemon stored.
func (a *app) openExistingStore() (*config.Config, *store.DB, error) {
	c, err := a.loadConfig()
	if err != nil {
		return nil, nil, err
	}
	if err := requireDatabase(c); err != nil {
		return nil, nil, err
	}
	db, err := openStore(a.ctx, c, a.logger())
	if err != nil {
		return nil, nil, err
	}
	return c, db, nil
}

// unknownWatch returns a usage error for a -watch id that is no tracked
// watch of c, with the closest id as a suggestion; nil for a tracked one.
// Callers ask only when the id found nothing: a watch removed from the
// config still has its stored hits.
func unknownWatch(c *config.Config, id string) error {
	if err := c.UnknownWatch(id); err != nil {
		return &usageError{err}
	}
	return nil
}
