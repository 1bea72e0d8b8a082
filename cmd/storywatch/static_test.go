package main

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// TestStaticBinaryRunsFromEmptyRoot builds the binary with the same script
// the Dockerfile's build stage runs, then runs it chrooted into a folder
// that holds nothing but the binary and a config: no CA bundle, no zoneinfo,
// no libc, no shell — what a scratch or distroless image gives it.
func TestStaticBinaryRunsFromEmptyRoot(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("builds a full static binary; skipped with -short")
	}
	if os.Geteuid() != 0 {
		t.Skip("chroot needs root; the CI machine runs as root")
	}
	root := t.TempDir()
	repo, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	build := exec.Command("sh", "scripts/build-static.sh")
	build.Dir = repo
	build.Env = append(os.Environ(), "OUT="+filepath.Join(root, "storywatch"), "VERSION=v0.0.0-test", "COMMIT=abc123")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("static build: %v\n%s", err, out)
	}
	example, err := os.ReadFile(filepath.Join(repo, "config.example.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(root, "config.yaml"), example, 0o600); err != nil {
		t.Fatal(err)
	}

	runChrooted := func(args ...string) (string, error) {
		// Built by hand: exec.Command would look the path up outside the
		// chroot, where it does not exist.
		cmd := &exec.Cmd{Path: "/storywatch", Args: append([]string{"/storywatch"}, args...)}
		cmd.SysProcAttr = &syscall.SysProcAttr{Chroot: root}
		cmd.Dir = "/"
		// The example config takes its secrets from the environment.
		cmd.Env = []string{
			"SMTP_USER=u", "SMTP_PASSWORD=p", "WEBHOOK_SECRET=s",
			"CHAT_URL=ntfy://ntfy.example.org/storywatch",
		}
		var out bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &out
		err := cmd.Run()
		return out.String(), err
	}

	out, err := runChrooted("version")
	if err != nil {
		t.Fatalf("version in an empty root: %v\n%s", err, out)
	}
	if !strings.Contains(out, "v0.0.0-test") || !strings.Contains(out, "abc123") {
		t.Errorf("version does not carry the ldflags values: %q", out)
	}
	out, err = runChrooted("check", "-config", "/config.yaml")
	if err != nil {
		t.Fatalf("check in an empty root (time zones must come from the embedded tzdata): %v\n%s", err, out)
	}
}
