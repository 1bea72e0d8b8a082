// Package schematest checks the JSON rendering of digests against the
// published JSON Schema, docs/webhook.schema.json, in tests: every test
// that sees a digest's JSON (the webhook's body, the file notifier's
// .json) hands it to Check, so that the schema and the rendering cannot
// drift apart.
package schematest

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"
)

// Path is the schema's path from the repository root.
const Path = "docs/webhook.schema.json"

var schema struct {
	once sync.Once
	s    *jsonschema.Schema
	err  error
}

// Check fails t unless body is valid against the schema, formats
// (date-time) included.
func Check(t testing.TB, body []byte) {
	t.Helper()
	if err := Validate(body); err != nil {
		t.Errorf("digest JSON does not follow %s: %v\n%s", Path, err, body)
	}
}

// Validate returns why body is not valid against the schema, or nil.
func Validate(body []byte) error {
	schema.once.Do(func() { schema.s, schema.err = compile() })
	if schema.err != nil {
		return schema.err
	}
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(body))
	if err != nil {
		return fmt.Errorf("parse: %w", err)
	}
	return schema.s.Validate(doc)
}

// compile finds the schema at the root of the module the tests run in and
// compiles it.
func compile() (*jsonschema.Schema, error) {
	dir, err := os.Getwd()
	if err != nil {
		return nil, err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			break
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return nil, errors.New("no go.mod above the test's folder")
		}
		dir = parent
	}
	f, err := os.Open(filepath.Join(dir, Path))
	if err != nil {
		return nil, err
	}
	defer f.Close()
	doc, err := jsonschema.UnmarshalJSON(f)
	if err != nil {
		return nil, fmt.Errorf("parse %s: %w", Path, err)
	}
	c := jsonschema.NewCompiler()
	c.AssertFormat()
	if err := c.AddResource(Path, doc); err != nil {
		return nil, fmt.Errorf("load %s: %w", Path, err)
	}
	s, err := c.Compile(Path)
	if err != nil {
		return nil, fmt.Errorf("compile %s: %w", Path, err)
	}
	return s, nil
}
