//go:build !unix

package store

// freeSpace is unknown here: guardWAL does nothing, and a full disk is
// still handled when a write fails (writeFailed).
func freeSpace(string) (int64, bool) { return 0, false }
