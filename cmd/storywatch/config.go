package main

import (
	"context"
	"errors"
	"fmt"
	"io/fs"

	"github.com/storywatch/storywatch/config"
	"github.com/storywatch/storywatch/daemon"
)

// invalidConfigError says that the config file has problems, which
// loadConfig has already printed one a line; its message is the summary
// line that follows them.
type invalidConfigError struct {
	path string
	errs config.Errors
}

func (e *invalidConfigError) Error() string {
	if len(e.errs) == 1 {
		return fmt.Sprintf("invalid config %s: 1 problem", e.path)
	}
	return fmt.Sprintf("invalid config %s: %d problems", e.path, len(e.errs))
}

func (e *invalidConfigError) Unwrap() error { return e.errs }

// loadConfig loads the config named by -config, $STORYWATCH_CONFIG or the
// default. An invalid config has its problems printed to stderr, one a
// line as FILE:LINE:COL: PATH: MESSAGE, and comes back as a usage error
// (exit 2), as does a file that cannot be read.
func (a *app) loadConfig() (*config.Config, error) {
	path := a.resolveConfigPath()
	ctx := a.ctx
	if ctx == nil {
		ctx = context.Background() // an app built without one, as tests do
	}
	c, err := daemon.LoadConfigContext(ctx, path, a.getenv)
	if err == nil {
		a.secrets.Replace(c.Secrets...)
		return c, nil
	}
	if ctx.Err() != nil {
		// SIGINT or SIGTERM during the load: not a mistake in the call.
		return nil, fmt.Errorf("interrupted: %w", err)
	}
	var errs config.Errors
	if errors.As(err, &errs) {
		for _, e := range errs {
			fmt.Fprintln(a.stderr, e)
		}
		return nil, &usageError{&invalidConfigError{path: path, errs: errs}}
	}
	if errors.Is(err, fs.ErrNotExist) && a.configPath == "" && a.getenv("STORYWATCH_CONFIG") == "" {
		return nil, usagef("%v (give a config with -config FILE or $STORYWATCH_CONFIG; config.example.yaml is a start)", err)
	}
	return nil, &usageError{err}
}
