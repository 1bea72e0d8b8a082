package bench

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"
)

func get(t *testing.T, url string) (int, []byte) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, b
}

// The child process (this test binary, started again with ServerEnv)
// serves byte for byte the feeds the parent generates, on loopback, and is
// gone once stopped.
func TestChildServerServesTheParentsFeedsAndIsReaped(t *testing.T) {
	t.Parallel()
	g := newGenerator(demoCorpus(t), 3, 4, []string{"Kalomi Renvak"}, time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC))
	g.run = 12345
	s, err := startServer(t.Context(), g, false)
	if err != nil {
		t.Fatal(err)
	}
	defer s.stop()
	if !strings.HasPrefix(s.base, "http://127.0.0.1:") {
		t.Errorf("served on %s, want 127.0.0.1", s.base)
	}
	for f := range 3 {
		var want bytes.Buffer
		g.write(&want, f)
		code, got := get(t, s.base+"/f"+strconv.Itoa(f)+".xml")
		if code != http.StatusOK || !bytes.Equal(got, want.Bytes()) {
			t.Errorf("feed %d: status %d, %d bytes; want 200 and the parent's %d bytes", f, code, len(got), want.Len())
		}
	}
	if code, _ := get(t, s.base+"/f3.xml"); code != http.StatusNotFound {
		t.Errorf("feed 3 of 3: status %d, want 404", code)
	}
	s.stop()
	s.stop() // a second stop is harmless
	if s.cmd.ProcessState == nil {
		t.Fatal("the child was not waited for")
	}
	if _, err := http.Get(s.base + "/f0.xml"); err == nil {
		t.Error("the stopped server still answers")
	}
}

// A child whose parent is gone (its stdin ends) stops serving and exits
// by itself.
func TestChildServerExitsWhenItsInputEnds(t *testing.T) {
	t.Parallel()
	g := newGenerator(nil, 1, 1, nil, time.Now())
	s, err := startServer(t.Context(), g, false)
	if err != nil {
		t.Fatal(err)
	}
	s.once.Do(func() {}) // this test waits for the child itself
	s.stdin.Close()
	done := make(chan error, 1)
	go func() { done <- s.cmd.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("child exited with %v, want status 0", err)
		}
	case <-time.After(time.Minute):
		s.cmd.Process.Kill()
		<-done
		t.Fatal("the child still ran a minute after its input ended")
	}
}

func TestChildServerRefusesNoFeeds(t *testing.T) {
	t.Parallel()
	var out bytes.Buffer
	if err := serveChild(t.Context(), strings.NewReader(`{"feeds": 0}`), &out); err == nil || out.Len() > 0 {
		t.Errorf("serveChild of no feeds = %v, wrote %q; want an error and no address", err, out.String())
	}
	if err := serveChild(t.Context(), strings.NewReader(`not json`), &out); err == nil {
		t.Error("serveChild of a broken config = nil, want an error")
	}
}

func TestChildCPUGrowsWhileTheChildWorks(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("CPU times are read on Linux only")
	}
	t.Parallel()
	g := newGenerator(nil, 50, 50, nil, time.Now())
	s, err := startServer(t.Context(), g, false)
	if err != nil {
		t.Fatal(err)
	}
	defer s.stop()
	before := s.cpu()
	deadline := time.Now().Add(time.Minute)
	for s.cpu() <= before {
		if time.Now().After(deadline) {
			t.Fatal("the child's CPU time did not grow while it rendered feeds")
		}
		for f := range 10 {
			get(t, s.base+"/f"+strconv.Itoa(f)+".xml")
		}
	}
	var in *feedServer
	if in.cpu() != 0 {
		t.Error("no server has CPU time")
	}
}

// Only a process started with ServerEnv serves; it stops when its
// context ends too.
func TestServeChildOnlyWhenAsked(t *testing.T) {
	t.Parallel()
	none := func(string) string { return "" }
	if served, err := ServeChild(t.Context(), none, strings.NewReader(""), io.Discard); served || err != nil {
		t.Errorf("without %s: served %v, %v; want nothing done", ServerEnv, served, err)
	}
	asked := func(k string) string {
		if k == ServerEnv {
			return "1"
		}
		return ""
	}
	in, w := io.Pipe()
	defer w.Close()
	out, addr := io.Pipe()
	go func() {
		w.Write([]byte(`{"feeds": 1, "items": 1, "words": ["talks"]}` + "\n"))
	}()
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() {
		served, err := ServeChild(ctx, asked, in, addr)
		if !served {
			err = errors.New("not served")
		}
		done <- err
	}()
	line, err := bufio.NewReader(out).ReadString('\n')
	if err != nil || !strings.HasPrefix(line, "http://127.0.0.1:") {
		t.Fatalf("address %q, %v", line, err)
	}
	if code, _ := get(t, strings.TrimSpace(line)+"/f0.xml"); code != http.StatusOK {
		t.Errorf("feed 0: status %d", code)
	}
	cancel()
	if err := <-done; err != nil {
		t.Errorf("ServeChild after its context ended: %v", err)
	}
}

// children returns the processes this one started that still exist
// (Linux, /proc/self/task/*/children).
func children(t *testing.T) []string {
	t.Helper()
	files, _ := filepath.Glob("/proc/self/task/*/children")
	if len(files) == 0 {
		t.Skip("no /proc/self/task/*/children here")
	}
	var pids []string
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err == nil {
			pids = append(pids, strings.Fields(string(b))...)
		}
	}
	return pids
}

// A bench interrupted during its cycle leaves no feed server behind.
func TestAnInterruptedRunEndsItsFeedServer(t *testing.T) {
	// Not parallel: it counts this process's children.
	if before := children(t); len(before) > 0 {
		t.Fatalf("children before the run: %v", before)
	}
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	progress := func(format string, _ ...any) {
		if strings.HasPrefix(format, "cycle ") {
			if len(children(t)) != 1 {
				t.Errorf("children during the run: %v, want the feed server", children(t))
			}
			cancel()
		}
	}
	_, err := Run(ctx, Options{Feeds: 3, Items: 5, Concurrency: 2, Cycles: 1, NoBaselines: true, Progress: progress})
	if !errors.Is(err, context.Canceled) {
		t.Errorf("interrupted run = %v, want context.Canceled", err)
	}
	if after := children(t); len(after) > 0 {
		t.Errorf("children after the run: %v, want none", after)
	}
}
