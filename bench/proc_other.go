//go:build !linux

package bench

import "time"

// cpuTime is measured on Linux only; elsewhere the bench prints zero.
func cpuTime() time.Duration { return 0 }

// memStatus is measured on Linux only.
func memStatus() (rss, peak int64) { return 0, 0 }

// cpuModel is read on Linux only.
func cpuModel() string { return "" }

// ioCounters is measured on Linux only.
func ioCounters() IO { return IO{} }
