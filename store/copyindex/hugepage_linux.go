package copyindex

import "syscall"

// hugePages asks the kernel to back a large mapping with transparent huge
// pages where it allows them ("madvise" mode, a common default): chain
// walks jump across the whole mapping, and with 4 KB pages nearly every
// step also misses the TLB.
func hugePages(buf []byte) {
	if len(buf) >= hugePageMin {
		syscall.Madvise(buf, syscall.MADV_HUGEPAGE)
	}
}

// hugePageMin is the smallest mapping worth huge pages: one huge page.
const hugePageMin = 2 << 20
