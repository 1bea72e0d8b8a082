//go:build unix

package monitor

import (
	"errors"
	"syscall"
)

// processRuns reports whether a process with id pid exists (signal 0
// checks without sending anything).
func processRuns(pid int) bool {
	err := syscall.Kill(pid, 0)
	return err == nil || !errors.Is(err, syscall.ESRCH)
}
