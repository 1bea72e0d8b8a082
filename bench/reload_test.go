package bench

import (
	"runtime"
	"testing"
)

func TestRunMeasuresAReload(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("the peak RSS is measured on Linux only")
	}
	// Not parallel: the reload resets this process's peak RSS.
	rep, err := Run(t.Context(), Options{Feeds: 3, Items: 5, Actors: 5, Storylines: 2, Concurrency: 2, Cycles: 1, NoBaselines: true, ReloadActors: 40})
	if err != nil {
		t.Fatal(err)
	}
	rl := rep.Reload
	if rl == nil || rl.Actors != 7+40 || rl.Storylines != 5+10 {
		t.Fatalf("reload %+v, want the example's 7 actors and 5 storylines plus 40 and 10 generated", rl)
	}
	if rl.RSSOldMB <= 0 || rl.PeakRSSMB < rl.RSSOldMB || rl.CyclePeakRSSMB <= 0 || rl.CompileS <= 0 {
		t.Errorf("reload %+v, want a peak at least the RSS before it, and a compile time", rl)
	}
}
