package main

import (
	"context"
	"fmt"
	"net/url"
	"time"

	"github.com/storywatch/storywatch/web"
)

// cmdHealth asks a running daemon's /healthz. It exists so that a container
// HEALTHCHECK works in an image without a shell or curl.
func cmdHealth(a *app, args []string) error {
	fs := a.flags("health")
	addr := fs.String("addr", "", "daemon address host:port (default: listen from the config, else 127.0.0.1:8080)")
	timeout := fs.Duration("timeout", 5*time.Second, "how long to wait for an answer")
	if _, err := a.parse(fs, args); err != nil {
		return err
	}
	target := *addr
	if target == "" {
		listen := ""
		if cfg, err := a.loadConfig(); err == nil {
			listen = cfg.Listen
		}
		target = web.ProbeAddr(listen)
	}
	if _, err := url.Parse("http://" + target + "/healthz"); err != nil {
		return usagef("health: %v", err)
	}
	ctx, cancel := context.WithTimeout(a.ctx, *timeout)
	defer cancel()
	if err := web.Probe(ctx, target); err != nil {
		return fmt.Errorf("health: %w", err)
	}
	fmt.Fprintln(a.stdout, "ok")
	return nil
}
