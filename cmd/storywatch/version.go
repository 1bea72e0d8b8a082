package main

import (
	"fmt"
	"runtime"
	"runtime/debug"
)

// Set at build time: -ldflags "-X main.version=v1.2.3 -X main.commit=abc123".
var (
	version = "dev"
	commit  = ""
)

func buildCommit() string {
	if commit != "" {
		return commit
	}
	if info, ok := debug.ReadBuildInfo(); ok {
		for _, s := range info.Settings {
			if s.Key == "vcs.revision" {
				return s.Value
			}
		}
	}
	return "unknown"
}

func cmdVersion(a *app, args []string) error {
	fs := a.flags("version")
	if _, err := a.parse(fs, args); err != nil {
		return err
	}
	fmt.Fprintf(a.stdout, "storywatch %s (commit %s, %s %s/%s)\n", version, buildCommit(), runtime.Version(), runtime.GOOS, runtime.GOARCH)
	return nil
}
