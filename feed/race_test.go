//go:build race

package feed

// raceEnabled is set under the race detector, which allocates differently
// (sync.Pool keeps fewer objects), so allocation bounds do not hold there.
const raceEnabled = true
