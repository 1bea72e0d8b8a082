//go:build !race

package hostiletest

// raceFactor scales Timeout under the race detector.
const raceFactor = 1
