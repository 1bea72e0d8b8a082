package match

import (
	"bufio"
	"os"
	"runtime"
	"strconv"
	"strings"
	"testing"
)

// BenchmarkReload measures what a config reload with the 20,000-actor
// watchlist costs in memory: the new matcher is compiled while the old one
// still serves. It reports the heap the old matcher holds, the peak RSS of
// the process during the second compile (Linux: VmHWM, reset before it
// through /proc/self/clear_refs) and the heap both matchers hold together.
func BenchmarkReload(b *testing.B) {
	w, _ := genWatchlist(20000, 5000)
	var ms runtime.MemStats
	for b.Loop() {
		runtime.GC()
		runtime.ReadMemStats(&ms)
		base := ms.HeapAlloc
		old := mustCompile(b, w)
		runtime.GC()
		runtime.ReadMemStats(&ms)
		held := ms.HeapAlloc - base
		resetPeakRSS()
		cur := mustCompile(b, w)
		peak := peakRSS()
		runtime.GC()
		runtime.ReadMemStats(&ms)
		both := ms.HeapAlloc - base
		runtime.KeepAlive(old)
		runtime.KeepAlive(cur)
		b.ReportMetric(float64(held)/(1<<20), "held-MB")
		b.ReportMetric(float64(both)/(1<<20), "both-MB")
		if peak > 0 {
			b.ReportMetric(float64(peak)/(1<<20), "peak-RSS-MB")
		}
	}
}

// resetPeakRSS resets the kernel's record of the process's peak RSS, where
// the kernel allows it.
func resetPeakRSS() {
	_ = os.WriteFile("/proc/self/clear_refs", []byte("5"), 0)
}

// peakRSS returns VmHWM of /proc/self/status in bytes, or 0 where there is
// none.
func peakRSS() uint64 {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		return 0
	}
	defer f.Close()
	s := bufio.NewScanner(f)
	for s.Scan() {
		if v, ok := strings.CutPrefix(s.Text(), "VmHWM:"); ok {
			kb, _ := strconv.ParseUint(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
			return kb << 10
		}
	}
	return 0
}
