package main

import (
	"context"
	"fmt"
	"os"
	"testing"

	"github.com/storywatch/storywatch/bench"
)

// TestMain lets this test binary be the feed server of the benches its
// tests run, as the storywatch executable is.
func TestMain(m *testing.M) {
	if served, err := bench.ServeChild(context.Background(), os.Getenv, os.Stdin, os.Stdout); served {
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}
