package config

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
)

// Error is one problem in a config file, with the position of the key or
// value it concerns.
type Error struct {
	File string
	Line int
	Col  int
	// Path names the offending value, as in storylines[1].query; it is empty
	// for problems with the file as a whole, such as a YAML syntax error.
	Path string
	Msg  string
}

// Error formats the problem as FILE:LINE:COL: PATH: MESSAGE, the form that
// editors and CI logs link to the file.
func (e *Error) Error() string {
	if e.Path == "" {
		return fmt.Sprintf("%s:%d:%d: %s", e.File, e.Line, e.Col, e.Msg)
	}
	return fmt.Sprintf("%s:%d:%d: %s: %s", e.File, e.Line, e.Col, e.Path, e.Msg)
}

// Errors is every problem found in a config file, sorted by position. Load
// returns it (as an error) when the file is invalid.
type Errors []*Error

// Error returns the problems one a line.
func (es Errors) Error() string {
	lines := make([]string, len(es))
	for i, e := range es {
		lines[i] = e.Error()
	}
	return strings.Join(lines, "\n")
}

// Unwrap gives errors.Is and errors.As access to each problem.
func (es Errors) Unwrap() []error {
	errs := make([]error, len(es))
	for i, e := range es {
		errs[i] = e
	}
	return errs
}

// sort orders the problems by line, then column, keeping the order in which
// they were found for problems at one position.
func (es Errors) sort() {
	slices.SortStableFunc(es, func(a, b *Error) int {
		return cmp.Or(cmp.Compare(a.Line, b.Line), cmp.Compare(a.Col, b.Col))
	})
}
