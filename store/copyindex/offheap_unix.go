//go:build unix

package copyindex

import (
	"fmt"
	"syscall"
	"unsafe"
)

// alloc returns a zeroed slice of n values of T in an anonymous private
// mapping, outside the Go heap, and the function that unmaps it. T must
// hold no pointers: the garbage collector never looks inside the mapping.
func alloc[T any](n int) ([]T, func(), error) {
	if n == 0 {
		return nil, func() {}, nil
	}
	var zero T
	size := n * int(unsafe.Sizeof(zero))
	buf, err := syscall.Mmap(-1, 0, size, syscall.PROT_READ|syscall.PROT_WRITE, syscall.MAP_ANON|syscall.MAP_PRIVATE)
	if err != nil {
		return nil, nil, fmt.Errorf("map %d bytes: %w", size, err)
	}
	hugePages(buf)
	s := unsafe.Slice((*T)(unsafe.Pointer(&buf[0])), n)
	return s, func() { syscall.Munmap(buf) }, nil
}
