//go:build !race

package feed

// raceEnabled is set under the race detector (race_test.go).
const raceEnabled = false
