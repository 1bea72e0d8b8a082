//go:build !unix

package copyindex

// alloc returns a zeroed slice of n values of T. Without anonymous
// mappings it lives on the Go heap; T holds no pointers, so the garbage
// collector still does not scan it.
func alloc[T any](n int) ([]T, func(), error) {
	return make([]T, n), func() {}, nil
}
