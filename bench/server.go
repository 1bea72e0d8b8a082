package bench

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"sync"
	"time"
)

// ServerEnv, set to "1" in the environment of a storywatch process, makes
// it the bench's feed server (ServeChild) whatever its arguments say: the
// bench starts its own executable so, so that the server's CPU is not the
// measured process's.
const ServerEnv = "STORYWATCH_BENCH_FEED_SERVER"

// ServeChild is the feed server of a bench that started this process
// with ServerEnv set; served is false, and nothing done, when it is not
// set. It reads the feeds to serve from stdin, serves them on a loopback
// port whose base URL it writes as one line to stdout, and returns once
// stdin ends (the bench stopped it, or died) or ctx is done.
func ServeChild(ctx context.Context, getenv func(string) string, stdin io.Reader, stdout io.Writer) (served bool, err error) {
	if getenv(ServerEnv) != "1" {
		return false, nil
	}
	if err := serveChild(ctx, stdin, stdout); err != nil {
		return true, fmt.Errorf("bench feed server: %w", err)
	}
	return true, nil
}

// serverConfig is what a child needs to generate the same feeds as its
// parent; the parent writes it to the child's stdin.
type serverConfig struct {
	Feeds     int       `json:"feeds"`
	Items     int       `json:"items"`
	Words     []string  `json:"words"`
	Extra     []string  `json:"extra"`
	Published time.Time `json:"published"`
	Run       int64     `json:"run"`
}

// serveChild reads a serverConfig from in, serves its feeds on a loopback
// port, writes the port's base URL as one line to out, and serves until in
// ends (the parent closed it, or died) or ctx is done.
func serveChild(ctx context.Context, in io.Reader, out io.Writer) error {
	dec := json.NewDecoder(in)
	var c serverConfig
	if err := dec.Decode(&c); err != nil {
		return fmt.Errorf("read the feeds to serve: %w", err)
	}
	if c.Feeds < 1 || c.Items < 1 || len(c.Words) == 0 {
		return errors.New("read the feeds to serve: no feeds, items or words")
	}
	g := &generator{feeds: c.Feeds, items: c.Items, words: c.Words, extra: c.Extra, published: c.Published, run: c.Run}
	base, stop, err := g.serve()
	if err != nil {
		return err
	}
	defer stop()
	if _, err := fmt.Fprintln(out, base); err != nil {
		return fmt.Errorf("tell the address: %w", err)
	}
	ended := make(chan error, 1)
	go func() {
		_, err := io.Copy(io.Discard, io.MultiReader(dec.Buffered(), in))
		ended <- err
	}()
	select {
	case err = <-ended:
		return err
	case <-ctx.Done():
		return nil
	}
}

// feedServer is the loopback server of the bench's feeds: a child process
// (the same executable, selected by ServerEnv) or, in process, a goroutine
// of this one.
type feedServer struct {
	base  string
	stop  func()
	cmd   *exec.Cmd
	stdin io.WriteCloser
	once  sync.Once
}

// startServer serves g's feeds on 127.0.0.1 from a child process, or from
// this one when inProcess.
func startServer(ctx context.Context, g *generator, inProcess bool) (*feedServer, error) {
	if inProcess {
		base, stop, err := g.serve()
		if err != nil {
			return nil, err
		}
		return &feedServer{base: base, stop: stop}, nil
	}
	exe, err := os.Executable()
	if err != nil {
		return nil, fmt.Errorf("start the feed server: %w", err)
	}
	cmd := exec.Command(exe)
	cmd.Env = append(os.Environ(), ServerEnv+"=1")
	cmd.SysProcAttr = childAttr()
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return nil, fmt.Errorf("start the feed server: %w", err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, fmt.Errorf("start the feed server: %w", err)
	}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start the feed server: %w", err)
	}
	s := &feedServer{cmd: cmd, stdin: stdin}
	s.stop = s.stopChild
	base, err := s.handshake(ctx, g, stdout)
	if err != nil {
		s.stop()
		if msg := strings.TrimSpace(stderr.String()); msg != "" {
			err = fmt.Errorf("%w (it said: %s)", err, msg)
		}
		return nil, fmt.Errorf("start the feed server: %w", err)
	}
	s.base = base
	return s, nil
}

// handshake sends the child its feeds and reads the address it serves
// them on, giving up when ctx ends or after a minute.
func (s *feedServer) handshake(ctx context.Context, g *generator, stdout io.Reader) (string, error) {
	errc := make(chan error, 1)
	go func() {
		errc <- json.NewEncoder(s.stdin).Encode(serverConfig{Feeds: g.feeds, Items: g.items, Words: g.words,
			Extra: g.extra, Published: g.published, Run: g.run})
	}()
	type line struct {
		s   string
		err error
	}
	lines := make(chan line, 1)
	go func() {
		l, err := bufio.NewReader(stdout).ReadString('\n')
		lines <- line{strings.TrimSpace(l), err}
	}()
	ctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	select {
	case l := <-lines:
		if l.err != nil {
			return "", fmt.Errorf("read its address: %w", l.err)
		}
		if err := <-errc; err != nil {
			return "", fmt.Errorf("send the feeds: %w", err)
		}
		if !strings.HasPrefix(l.s, "http://127.0.0.1:") {
			return "", fmt.Errorf("it serves on %q, not on 127.0.0.1", l.s)
		}
		return l.s, nil
	case <-ctx.Done():
		return "", fmt.Errorf("wait for its address: %w", ctx.Err())
	}
}

// stopChild ends the child and waits for it, once: closing its stdin
// tells it to stop, the kill makes sure it does.
func (s *feedServer) stopChild() {
	s.once.Do(func() {
		s.stdin.Close()
		s.cmd.Process.Kill()
		s.cmd.Wait()
	})
}

// cpu returns the CPU time the child has used so far, zero in process.
func (s *feedServer) cpu() time.Duration {
	if s == nil || s.cmd == nil {
		return 0
	}
	return childCPU(s.cmd.Process.Pid)
}

// serve starts the loopback feed server in this process; stop closes it.
func (g *generator) serve() (base string, stop func(), err error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", nil, fmt.Errorf("listen on loopback: %w", err)
	}
	srv := &http.Server{Handler: g, ReadHeaderTimeout: 10 * time.Second}
	go srv.Serve(ln)
	return "http://" + ln.Addr().String(), func() { srv.Close() }, nil
}
