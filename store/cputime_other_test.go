//go:build !unix

package store

import "time"

// cpuTime is unknown here: the benchmarks' CPU figures read 0.
func cpuTime() time.Duration { return 0 }
