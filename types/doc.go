// Package types holds the small hand-written JSON types that the generated models in
// package gen use where lobstr.io's API is looser than a plain OpenAPI schema: timestamps
// that come with or without a zone, and a module identifier that is an integer on one
// endpoint and a string on another. The OpenAPI document points at them with x-go-type.
//
// Each type decodes every form the document allows and encodes back to exactly the text it
// was decoded from, so a model survives a decode/encode round trip unchanged. A Timestamp
// goes further: it decodes any JSON string, keeps the text, and reports through Valid and
// Moment whether the text is a moment, so a timestamp the API writes in an unexpected form
// never fails the decoding of a whole body.
//
// Nullable is a field that the API may leave out, send as null or send with a value: it
// remembers which, so absent stays absent and null stays null. Duration and Credits keep
// the exact JSON of a value that comes in two forms (a number or a text; a number or an
// object) and read it for you (Seconds, Current).
//
// The package depends on the standard library only.
package types
