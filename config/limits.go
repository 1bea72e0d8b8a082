package config

import (
	"context"
	"fmt"
	"io"
	"os"
)

// Limits on what a config file may ask for, so that loading one takes
// moments and little memory whatever it holds (docs/config.md#limits).
const (
	// MaxFileSize is the largest config file read.
	MaxFileSize = 4 << 20
	// MaxQueryLength is the longest storyline query, in characters.
	MaxQueryLength = 10000
	// MaxAliases is the most aliases of one actor.
	MaxAliases = 1000
	// MaxValues is the most values a file may hold once its YAML aliases
	// (*name) are followed: a few lines of anchors can otherwise stand
	// for billions of entries.
	MaxValues = 1_000_000
)

// readFile reads the config file, refusing one larger than MaxFileSize.
func readFile(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("read config: %w", err)
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, MaxFileSize+1))
	if err != nil {
		return nil, fmt.Errorf("read config %s: %w", path, err)
	}
	if len(data) > MaxFileSize {
		return nil, fmt.Errorf("read config %s: the file is larger than %d MiB, the most a config may be", path, MaxFileSize>>20)
	}
	return data, nil
}

// LoadContext is Load that gives up when ctx ends (SIGINT, SIGTERM),
// returning ctx's error at once; the parse it leaves behind stops at its
// next list.
func LoadContext(ctx context.Context, path string, getenv func(string) string) (*Config, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("load config %s: %w", path, err)
	}
	type result struct {
		c   *Config
		err error
	}
	done := make(chan result, 1)
	go func() {
		c, err := load(ctx, path, getenv)
		done <- result{c, err}
	}()
	select {
	case r := <-done:
		return r.c, r.err
	case <-ctx.Done():
		return nil, fmt.Errorf("load config %s: %w", path, ctx.Err())
	}
}

// counted counts one value read and reports whether MaxValues still
// allows it. The first value past the limit is reported, and from then on
// nothing more is read or reported: the rest of such a file would only
// repeat the problem a million times.
func (d *decoder) counted(f field) bool {
	if d.values >= MaxValues {
		if !d.overflow {
			d.errorf(valueNode(f), f.path, "the file holds more than %d values once its YAML aliases (*name) are followed", MaxValues)
			d.overflow = true
		}
		return false
	}
	d.values++
	return true
}

// stopped reports whether reading should stop: the load was given up, or
// the file holds too many values.
func (d *decoder) stopped() bool { return d.overflow || d.ctx.Err() != nil }
