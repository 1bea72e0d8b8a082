package match

import (
	"runtime"
	"sync"
)

// scratchPool keeps a matcher's working memory between calls. Unlike a
// sync.Pool it is not emptied by garbage collections (nor, under the race
// detector, does it drop a share of what it is given): a scratch holds
// caches of what the words of text matched and how Cyrillic words
// transliterate, half a megabyte that takes thousands of items to fill.
type scratchPool struct {
	mu   sync.Mutex
	free []*scratch
	max  int
	new  func() *scratch
}

func newScratchPool(newScratch func() *scratch) *scratchPool {
	// Enough for every goroutine that matches at once on a busy poll (its
	// default concurrency is 8), not so many that idle ones pile up.
	return &scratchPool{max: max(8, 2*runtime.GOMAXPROCS(0)), new: newScratch}
}

func (p *scratchPool) get() *scratch {
	p.mu.Lock()
	if n := len(p.free); n > 0 {
		sc := p.free[n-1]
		p.free = p.free[:n-1]
		p.mu.Unlock()
		return sc
	}
	p.mu.Unlock()
	return p.new()
}

func (p *scratchPool) put(sc *scratch) {
	p.mu.Lock()
	if len(p.free) < p.max {
		p.free = append(p.free, sc)
	}
	p.mu.Unlock()
}
