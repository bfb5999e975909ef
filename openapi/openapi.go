// Package openapi holds the hand-written OpenAPI 3 document of lobstr.io's Tasks API, the
// single source of truth of this module, embedded in the binary and loaded with
// kin-openapi.
//
// Package gen is generated from this document (`go generate ./...` at the module root);
// package api/apitest validates every request and response of its fake server against it.
// The client (package api) never imports this package, so importing the client does not
// compile kin-openapi or a YAML library.
package openapi

import (
	"bytes"
	"context"
	"embed"
	"fmt"
	"io/fs"
	"sync"

	"github.com/getkin/kin-openapi/openapi3"
)

//go:embed openapi.yaml
var spec []byte

// fixtures are lobstr's documented example bodies, verbatim: fixtures/<operation>.<status>.json
// for the Tasks resource, and fixtures/docs/<docs page>.<status>.json for every JSON body of
// the API reference's pages. The document's examples copy them (a test keeps them equal), the
// fake answers with them, and the tests compare against them.
//
//go:embed fixtures
var fixtures embed.FS

// Fixture returns a copy of a documented example body by its path under fixtures/, such as
// "get-task.200.json" or "docs/get-run.200.json".
func Fixture(name string) ([]byte, error) {
	b, err := fixtures.ReadFile("fixtures/" + name)
	if err != nil {
		return nil, fmt.Errorf("openapi: no documented example %q: %w", name, err)
	}
	return b, nil
}

// Fixtures returns the documented example bodies as a read-only file system rooted at
// fixtures/ (docs/ holds the API reference's pages).
func Fixtures() fs.FS {
	sub, err := fs.Sub(fixtures, "fixtures")
	if err != nil {
		panic(err) // the directory is embedded: cannot happen
	}
	return sub
}

// Spec returns the raw text of the OpenAPI document (YAML). The slice is a copy: changing
// it changes nothing else.
func Spec() []byte { return bytes.Clone(spec) }

// load parses and validates the embedded document once.
var load = sync.OnceValues(func() (*openapi3.T, error) {
	loader := openapi3.NewLoader()
	loader.IsExternalRefsAllowed = false
	doc, err := loader.LoadFromData(spec)
	if err != nil {
		return nil, fmt.Errorf("openapi: load openapi.yaml: %w", err)
	}
	if err := doc.Validate(context.Background(), openapi3.EnableExamplesValidation()); err != nil {
		return nil, fmt.Errorf("openapi: openapi.yaml is not valid: %w", err)
	}
	return doc, nil
})

// Load returns the embedded document, parsed, with every reference resolved, and validated
// (examples included). It parses the document on the first call only: every call returns
// the same *openapi3.T, shared by every caller and safe for concurrent reads. Callers must
// not modify it; one that needs a changed document makes a copy of the parts it changes
// (a shallow copy of the openapi3.T to set its Servers, for instance).
func Load() (*openapi3.T, error) { return load() }
