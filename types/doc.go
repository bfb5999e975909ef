// Package types holds the small hand-written JSON types that the generated models in
// package gen use where lobstr.io's API is looser than a plain OpenAPI schema: timestamps
// that come with or without a zone, and a module identifier that is an integer on one
// endpoint and a string on another. The OpenAPI document points at them with x-go-type.
//
// Each type decodes every documented form and encodes back to exactly the text it was
// decoded from, so a model survives a decode/encode round trip unchanged.
//
// The package depends on the standard library only.
package types
