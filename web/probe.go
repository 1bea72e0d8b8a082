package web

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
)

// Probe asks the daemon at addr (host:port) for /healthz, as a container
// HEALTHCHECK does, and fails unless it answers 200.
func Probe(ctx context.Context, addr string) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+addr+"/healthz", nil)
	if err != nil {
		return err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<16))
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("%s answered %s", addr, resp.Status)
	}
	return nil
}

// ProbeAddr returns the address to probe a daemon listening on listen at:
// a wildcard host is probed on loopback, and an empty or unusable listen
// address gives 127.0.0.1:8080.
func ProbeAddr(listen string) string {
	const fallback = "127.0.0.1:8080"
	host, port, err := net.SplitHostPort(listen)
	if listen == "" || err != nil {
		return fallback
	}
	if host == "" || host == "0.0.0.0" || host == "::" {
		host = "127.0.0.1"
	}
	return net.JoinHostPort(host, port)
}
