package config

import (
	"bytes"
	"errors"
	"io"

	"go.yaml.in/yaml/v3"
)

// maxSyntaxSearch bounds the file size for which problemLine looks for the
// line of a syntax error; config files are a few kilobytes.
const maxSyntaxSearch = 1 << 20

// problemLine returns the line a YAML syntax error is on. The parser
// reports where the block it was reading began: a key indented wrongly on
// line 4 of a mapping that starts on line 2 is "line 2: did not find
// expected key". The problem is on the shortest run of first lines that
// fails with the same message; a syntax error stops the parser, so every
// longer run fails too and a binary search finds it.
func problemLine(data []byte, reported int, msg string) int {
	if len(data) > maxSyntaxSearch {
		return reported
	}
	lines := bytes.SplitAfter(data, []byte("\n"))
	fails := func(n int) bool {
		err := decodeAll(bytes.Join(lines[:n], nil))
		if err == nil {
			return false
		}
		m := yamlLine.FindStringSubmatch(err.Error())
		return m != nil && m[2] == msg
	}
	lo, hi := max(reported, 1), len(lines)
	if lo > hi || !fails(hi) {
		return reported
	}
	for lo < hi {
		mid := (lo + hi) / 2
		if fails(mid) {
			hi = mid
		} else {
			lo = mid + 1
		}
	}
	return lo
}

// decodeAll parses every YAML document in data.
func decodeAll(data []byte) error {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	for {
		var n yaml.Node
		if err := dec.Decode(&n); err != nil {
			if errors.Is(err, io.EOF) {
				return nil
			}
			return err
		}
	}
}

// firstColumn returns the column of the first character of line (counted
// from 1) that is not a space or a tab: where an indentation is wrong.
func firstColumn(data []byte, line int) int {
	lines := bytes.Split(data, []byte("\n"))
	if line < 1 || line > len(lines) {
		return 1
	}
	text := lines[line-1]
	col := 1
	for _, r := range string(text) {
		if r != ' ' && r != '\t' {
			return col
		}
		col++
	}
	return 1
}
