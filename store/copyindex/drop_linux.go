package copyindex

import (
	"syscall"
	"unsafe"
)

// dropPages gives the whole pages under s back to the system: they read as
// zeros afterwards. s must lie in memory from alloc.
func dropPages[T any](s []T) {
	if len(s) == 0 {
		return
	}
	var zero T
	base := unsafe.Pointer(&s[0])
	size := uintptr(len(s)) * unsafe.Sizeof(zero)
	page := uintptr(syscall.Getpagesize())
	addr := uintptr(base)
	skip := (page - addr%page) % page // to the first whole page
	if size <= skip {
		return
	}
	n := (size - skip) &^ (page - 1)
	if n == 0 {
		return
	}
	syscall.Madvise(unsafe.Slice((*byte)(unsafe.Add(base, skip)), n), syscall.MADV_DONTNEED)
}
