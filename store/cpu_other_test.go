//go:build !unix

package store

import (
	"testing"
	"time"
)

// processCPU is unknown here: benchmarks report 0 CPU.
func processCPU(testing.TB) time.Duration { return 0 }
