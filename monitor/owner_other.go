//go:build !unix

package monitor

// processRuns cannot tell here: every process counts as running, and its
// leases end when they run out.
func processRuns(int) bool { return true }
