package config

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"
)

// decoder walks a YAML node tree, collecting every problem it finds instead
// of stopping at the first.
type decoder struct {
	file   string
	ctx    context.Context
	getenv func(string) string
	errs   Errors
	warns  Errors
	// searches are the watches search feeds name, checked once every
	// watch is known.
	searches []item
	// values counts the values read, against MaxValues; overflow is set
	// once there were more.
	values   int
	overflow bool
	// expanding is the path of the value being expanded.
	expanding string
}

// warnf notes something that is valid but most likely a mistake.
func (d *decoder) warnf(n *yaml.Node, path, format string, args ...any) {
	line, col := 1, 1
	if n != nil && n.Line > 0 {
		line, col = n.Line, n.Column
	}
	d.warns = append(d.warns, &Error{File: d.file, Line: line, Col: col, Path: path, Msg: fmt.Sprintf(format, args...)})
}

func (d *decoder) errorf(n *yaml.Node, path, format string, args ...any) {
	if d.overflow {
		return
	}
	line, col := 1, 1
	if n != nil && n.Line > 0 {
		line, col = n.Line, n.Column
	}
	d.errs = append(d.errs, &Error{File: d.file, Line: line, Col: col, Path: path, Msg: fmt.Sprintf(format, args...)})
}

// field is one key of a mapping with its value.
type field struct {
	key, val *yaml.Node
	path     string
}

// fields is the known keys of a mapping, by name.
type fields map[string]field

func (fs fields) has(name string) bool { _, ok := fs[name]; return ok }

func join(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

func index(path string, i int) string { return fmt.Sprintf("%s[%d]", path, i) }

// resolve follows YAML aliases (*name) to the anchored node.
func resolve(n *yaml.Node) *yaml.Node {
	for n != nil && n.Kind == yaml.AliasNode && n.Alias != nil {
		n = n.Alias
	}
	return n
}

func isNull(n *yaml.Node) bool {
	return n == nil || n.Kind == yaml.ScalarNode && n.Tag == "!!null"
}

func kindName(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	case yaml.ScalarNode:
		if n.Tag == "!!null" {
			return "nothing"
		}
		return fmt.Sprintf("%q", n.Value)
	}
	return "something else"
}

// mapping checks that n is a mapping whose keys are all in known, reporting
// unknown and repeated keys, and returns the keys it holds. A null node is
// an empty mapping.
func (d *decoder) mapping(n *yaml.Node, path string, known ...string) fields {
	n = resolve(n)
	fs := fields{}
	if isNull(n) {
		return fs
	}
	if n.Kind != yaml.MappingNode {
		d.errorf(n, path, "expected a mapping of %s, got %s", strings.Join(known, ", "), kindName(n))
		return fs
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		name := k.Value
		p := join(path, name)
		if k.Kind != yaml.ScalarNode {
			d.errorf(k, path, "keys must be plain words")
			continue
		}
		if !slices.Contains(known, name) {
			d.errorf(k, p, "unknown key%s", suggest(name, known))
			continue
		}
		if prev, ok := fs[name]; ok {
			d.errorf(k, p, "repeated key (first at line %d)", prev.key.Line)
			continue
		}
		fs[name] = field{key: k, val: v, path: p}
	}
	return fs
}

// suggest names the known key closest to a misspelt one, or lists them all.
func suggest(name string, known []string) string {
	best, bestDist := "", 3
	for _, k := range known {
		if d := editDistance(strings.ToLower(name), k); d < bestDist {
			best, bestDist = k, d
		}
	}
	if best != "" {
		return fmt.Sprintf(" (did you mean %s?)", best)
	}
	return fmt.Sprintf(" (expected one of %s)", strings.Join(known, ", "))
}

func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}

// scalar returns the expanded text of a scalar value; ok is false (and the
// problem reported) when it is not a scalar or an environment variable is
// missing. A null value is the empty string.
func (d *decoder) scalar(f field) (string, bool) {
	n := resolve(f.val)
	if isNull(n) {
		return "", true
	}
	if n.Kind != yaml.ScalarNode {
		d.errorf(n, f.path, "expected a single value, got %s", kindName(n))
		return "", false
	}
	if !d.counted(f) {
		return "", false
	}
	d.expanding = f.path
	s, problems := expand(n.Value, d.getenv)
	for _, p := range problems {
		d.errorf(n, f.path, "%s", p)
	}
	return s, len(problems) == 0
}

// str is scalar for string values.
func (d *decoder) str(fs fields, name string) string {
	f, ok := fs[name]
	if !ok {
		return ""
	}
	s, _ := d.scalar(f)
	return s
}

// required is str for a value that must be present and not empty.
func (d *decoder) required(fs fields, name string, parent *yaml.Node, parentPath string) string {
	f, ok := fs[name]
	if !ok {
		d.errorf(parent, join(parentPath, name), "required")
		return ""
	}
	s, ok := d.scalar(f)
	if ok && strings.TrimSpace(s) == "" {
		d.errorf(valueNode(f), f.path, "must not be empty")
	}
	return s
}

// typed returns the expanded text of a value that must be present when its
// key is, such as a number or duration.
func (d *decoder) typed(f field) (string, bool) {
	if isNull(resolve(f.val)) {
		d.errorf(valueNode(f), f.path, "missing value")
		return "", false
	}
	return d.scalar(f)
}

// valueNode is the node to point at for a problem with a value: the value
// itself, or its key when the value is empty.
func valueNode(f field) *yaml.Node {
	if v := resolve(f.val); v != nil && v.Line > 0 && !(isNull(v) && v.Value == "") {
		return v
	}
	return f.key
}

func (d *decoder) boolean(fs fields, name string, def bool) bool {
	f, ok := fs[name]
	if !ok {
		return def
	}
	s, ok := d.typed(f)
	if !ok {
		return def
	}
	switch s {
	case "true", "True", "TRUE":
		return true
	case "false", "False", "FALSE":
		return false
	}
	d.errorf(valueNode(f), f.path, "expected true or false, got %q", s)
	return def
}

// integer reads a whole number within [lo, hi].
func (d *decoder) integer(fs fields, name string, def, lo, hi int) int {
	f, ok := fs[name]
	if !ok {
		return def
	}
	s, ok := d.typed(f)
	if !ok {
		return def
	}
	n, err := strconv.Atoi(strings.TrimSpace(s))
	if err != nil {
		d.errorf(valueNode(f), f.path, "expected a whole number, got %q", s)
		return def
	}
	if n < lo || n > hi {
		d.errorf(valueNode(f), f.path, "must be between %d and %d, got %d", lo, hi, n)
		return def
	}
	return n
}

// duration reads a duration of at least lo.
func (d *decoder) duration(fs fields, name string, def, lo time.Duration) time.Duration {
	f, ok := fs[name]
	if !ok {
		return def
	}
	s, ok := d.typed(f)
	if !ok {
		return def
	}
	v, err := ParseDuration(s)
	if err != nil {
		d.errorf(valueNode(f), f.path, "%v", err)
		return def
	}
	if v < lo {
		if lo == 0 {
			d.errorf(valueNode(f), f.path, "must not be negative, got %s", s)
		} else {
			d.errorf(valueNode(f), f.path, "must be positive, got %s", s)
		}
		return def
	}
	return v
}

func (d *decoder) size(fs fields, name string, def int64) int64 {
	f, ok := fs[name]
	if !ok {
		return def
	}
	s, ok := d.typed(f)
	if !ok {
		return def
	}
	v, err := parseSize(s)
	if err != nil {
		d.errorf(valueNode(f), f.path, "%v", err)
		return def
	}
	if v <= 0 {
		d.errorf(valueNode(f), f.path, "must be positive, got %s", s)
		return def
	}
	return v
}

func (d *decoder) location(fs fields, name string, def *time.Location) *time.Location {
	f, ok := fs[name]
	if !ok {
		return def
	}
	s, ok := d.typed(f)
	if !ok {
		return def
	}
	loc, err := loadLocation(strings.TrimSpace(s))
	if err != nil {
		d.errorf(valueNode(f), f.path, "%v", err)
		return def
	}
	return loc
}

func (d *decoder) schedule(fs fields, name string, loc *time.Location) *Schedule {
	f, ok := fs[name]
	if !ok {
		return nil
	}
	s, ok := d.typed(f)
	if !ok {
		return nil
	}
	sched, err := parseSchedule(s, loc)
	if err != nil {
		d.errorf(valueNode(f), f.path, "%v", err)
		return nil
	}
	return &sched
}

// sequence returns the items of a list; a null value is an empty list.
func (d *decoder) sequence(f field) []*yaml.Node {
	n := resolve(f.val)
	if isNull(n) || d.stopped() {
		return nil
	}
	if n.Kind != yaml.SequenceNode {
		d.errorf(n, f.path, "expected a list, got %s", kindName(n))
		return nil
	}
	return n.Content
}

// item is one entry of a list, with its path and (for lists of strings) its
// expanded text.
type item struct {
	node  *yaml.Node
	path  string
	value string
}

// list reads a list of non-empty strings.
func (d *decoder) list(fs fields, name string) []item {
	f, ok := fs[name]
	if !ok {
		return nil
	}
	var items []item
	for i, n := range d.sequence(f) {
		it := field{val: n, path: index(f.path, i)}
		s, ok := d.scalar(it)
		if !ok {
			continue
		}
		if strings.TrimSpace(s) == "" {
			d.errorf(resolve(n), it.path, "must not be empty")
			continue
		}
		items = append(items, item{node: resolve(n), path: it.path, value: s})
	}
	return items
}

func values(items []item) []string {
	if len(items) == 0 {
		return nil
	}
	out := make([]string, len(items))
	for i, it := range items {
		out[i] = it.value
	}
	return out
}

// entry is mapping for an item of a list, which must be a mapping; ok is
// false (and the problem reported) when it is not.
func (d *decoder) entry(n *yaml.Node, path string, known ...string) (fs fields, ok bool) {
	m := resolve(n)
	if m == nil || m.Kind != yaml.MappingNode {
		d.errorf(m, path, "expected a mapping of %s, got %s", strings.Join(known, ", "), kindName(m))
		return nil, false
	}
	return d.mapping(m, path, known...), true
}

// missingList reports that a list must have at least one entry, unless its
// value was already reported as not being a list.
func (d *decoder) missingList(fs fields, name string, parent *yaml.Node, parentPath, msg string) {
	f, ok := fs[name]
	if !ok {
		d.errorf(parent, join(parentPath, name), "%s", msg)
		return
	}
	if v := resolve(f.val); !isNull(v) && v.Kind != yaml.SequenceNode {
		return
	}
	d.errorf(valueNode(f), f.path, "%s", msg)
}
