//go:build !linux

package copyindex

// dropPages does nothing where memory cannot be handed back page by page;
// growing the index then holds both copies of its records for a moment.
func dropPages[T any](s []T) {}
