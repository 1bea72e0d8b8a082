//go:build !linux

package bench

import (
	"errors"
	"syscall"
	"time"
)

// cpuTime is measured on Linux only; elsewhere the bench prints zero.
func cpuTime() time.Duration { return 0 }

// memStatus is measured on Linux only.
func memStatus() (rss, peak int64) { return 0, 0 }

// cpuModel is read on Linux only.
func cpuModel() string { return "" }

// ioCounters is measured on Linux only.
func ioCounters() IO { return IO{} }

// childAttr is nothing special elsewhere.
func childAttr() *syscall.SysProcAttr { return nil }

// childCPU is measured on Linux only.
func childCPU(pid int) time.Duration { return 0 }

// resetPeak is possible on Linux only.
func resetPeak() error { return errors.New("the peak RSS is measured on Linux only") }

// parentPID is read on Linux only.
func parentPID(pid int) (int, error) { return 0, errors.New("process tables are read on Linux only") }

// treeCPU is measured on Linux only.
func treeCPU(pid int) time.Duration { return 0 }

// canResetPeak: the peak RSS is measured on Linux only.
func canResetPeak() bool { return false }
