package main

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"time"
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
		target = a.healthAddr()
	}
	ctx, cancel := context.WithTimeout(a.ctx, *timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+target+"/healthz", nil)
	if err != nil {
		return usagef("health: %v", err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return fmt.Errorf("health: %w", err)
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<16))
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("health: %s answered %s", target, resp.Status)
	}
	fmt.Fprintln(a.stdout, "ok")
	return nil
}

// healthAddr derives the address to probe from the config's listen
// address; a wildcard host is probed on loopback.
func (a *app) healthAddr() string {
	const fallback = "127.0.0.1:8080"
	cfg, err := a.loadConfig()
	if err != nil || cfg.Listen == "" {
		return fallback
	}
	host, port, err := net.SplitHostPort(cfg.Listen)
	if err != nil {
		return fallback
	}
	if host == "" || host == "0.0.0.0" || host == "::" {
		host = "127.0.0.1"
	}
	return net.JoinHostPort(host, port)
}
