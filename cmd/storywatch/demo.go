package main

import (
	"embed"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/storywatch/storywatch/config"
	"github.com/storywatch/storywatch/daemon"
	"github.com/storywatch/storywatch/notify"
)

// demoFiles are the demo's config and sample feeds: coverage of the
// Witkoff–Ushakov story (the AP report, rewrites, Ukrainian and Russian
// pieces, the 28-point plan, Dmitriev) and some unrelated news.
//
//go:embed demo/config.yaml demo/feeds
var demoFiles embed.FS

// cmdDemo serves the bundled feeds on 127.0.0.1, polls them once with the
// bundled config and a database in a temporary folder, and prints the digest
// by watch. It needs no network.
func cmdDemo(a *app, args []string) error {
	fs := a.flags("demo")
	keep := fs.Bool("keep", false, "keep the temporary folder with the database and config")
	serve := fs.Bool("serve", false, "then serve the desk's pages on 127.0.0.1 (a free port) until interrupted")
	if _, err := a.parse(fs, args); err != nil {
		return err
	}
	dir, err := os.MkdirTemp("", "storywatch-demo-")
	if err != nil {
		return fmt.Errorf("demo: %w", err)
	}
	if !*keep {
		defer os.RemoveAll(dir)
	}

	feeds, err := serveDemoFeeds(a)
	if err != nil {
		return err
	}
	defer feeds.Close()

	c, err := loadDemoConfig(dir, "http://"+feeds.Addr().String(), a.getenv)
	if err != nil {
		return err
	}
	log := a.logger()
	db, err := openStore(a.ctx, c, log)
	if err != nil {
		return err
	}
	defer db.Close()
	d, err := daemon.New(daemonOptions(c, db, log))
	if err != nil {
		return fmt.Errorf("demo: %w", err)
	}

	fmt.Fprintf(a.stdout, "storywatch demo: %d sample feeds served on http://%s\n", len(c.Feeds), feeds.Addr())
	report, err := d.Once(a.ctx)
	printCycle(a.stdout, report.Cycle, feedNames(c), a.secrets)
	if err != nil {
		return err
	}
	if err := sendDemoDigest(a, d, c.Digests[0].ID); err != nil {
		return err
	}
	if *keep {
		fmt.Fprintf(a.stdout, "\ndatabase, config and digest files kept in %s\n(try: storywatch -config %s stories)\n", dir, filepath.Join(dir, "config.yaml"))
	}
	if *serve {
		return serveDemoPages(a, d)
	}
	return nil
}

// serveDemoPages serves the desk's pages (and the daemon's other
// endpoints) over the demo's database on a free loopback port, and prints
// their address, until interrupted.
func serveDemoPages(a *app, d *daemon.Daemon) error {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return fmt.Errorf("demo: listen on loopback: %w", err)
	}
	fmt.Fprintf(a.stdout, "\nthe desk's pages: http://%s/ (Ctrl-C stops)\n", ln.Addr())
	if err := d.Serve(a.ctx, ln); err != nil {
		return fmt.Errorf("demo: %w", err)
	}
	return nil
}

// sendDemoDigest records the bundled config's digest, delivers it through
// its file notifier as the daemon would, and prints its text rendering:
// stories, not items, each with the outlets that carried it.
func sendDemoDigest(a *app, d *daemon.Daemon, name string) error {
	dg, err := d.Digest(a.ctx, name)
	if err != nil {
		return fmt.Errorf("demo: %w", err)
	}
	if dg == nil {
		fmt.Fprintln(a.stdout, "\nno digest: nothing matched")
		return nil
	}
	r, err := notify.Render(dg)
	if err != nil {
		return fmt.Errorf("demo: %w", err)
	}
	fmt.Fprintln(a.stdout)
	fmt.Fprint(a.stdout, r.Text)
	return nil
}

// demoServer serves the embedded feeds until closed.
type demoServer struct {
	ln  net.Listener
	srv *http.Server
}

func (s *demoServer) Addr() net.Addr { return s.ln.Addr() }
func (s *demoServer) Close() error   { return s.srv.Close() }

func serveDemoFeeds(a *app) (*demoServer, error) {
	sub, err := demoFeeds()
	if err != nil {
		return nil, err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("demo: listen on loopback: %w", err)
	}
	files := http.FileServerFS(sub)
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/rss+xml; charset=utf-8")
		files.ServeHTTP(w, r)
	})
	s := &demoServer{ln: ln, srv: &http.Server{Handler: h, ReadHeaderTimeout: 5 * time.Second}}
	go s.srv.Serve(ln)
	return s, nil
}

// loadDemoConfig writes the bundled config into dir and loads it with
// ${DEMO_FEEDS} and ${DEMO_DATA} filled in.
func loadDemoConfig(dir, feedsURL string, getenv func(string) string) (*config.Config, error) {
	data, err := demoFiles.ReadFile("demo/config.yaml")
	if err != nil {
		return nil, err
	}
	path := filepath.Join(dir, "config.yaml")
	// Freeze the substitutions into the file so that it can be reused with
	// -config after `demo -keep`.
	text := strings.NewReplacer("${DEMO_FEEDS}", feedsURL, "${DEMO_DATA}", dir).Replace(string(data))
	if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
		return nil, fmt.Errorf("demo: %w", err)
	}
	c, err := daemon.LoadConfig(path, getenv)
	if err != nil {
		var errs config.Errors
		if errors.As(err, &errs) {
			return nil, fmt.Errorf("demo: bundled config: %w", errs)
		}
		return nil, fmt.Errorf("demo: %w", err)
	}
	return c, nil
}
