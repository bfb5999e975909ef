// Package row decodes and encodes the result rows of the typed crawler packages
// (crawlers/...): a row is a JSON object whose documented columns go into typed fields and
// whose other columns (unknown ones, and documented ones whose value has another JSON type
// than documented) are kept as they came, so decoding never fails on a column and
// re-encoding loses nothing.
//
// Each generated Result lists its columns as Fields (the column's key and a pointer to its
// field) and calls Decode from UnmarshalJSON and Encode from MarshalJSON.
package row

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
)

// Field is one documented column of a Result: its key in the row and a pointer to the Go
// field that holds it. Ptr is one of *string, *int64, *float64, *bool, *[]any,
// *map[string]any or *json.RawMessage (a column of no known type: any value fits).
type Field struct {
	Name string
	Ptr  any
}

// Seen records which documented columns a decoded row held (by index in the Fields), so
// that a column present with its zero value is written back and an absent one is not.
type Seen []uint64

func (s Seen) has(i int) bool { return i/64 < len(s) && s[i/64]&(1<<(i%64)) != 0 }

func (s *Seen) set(i int) {
	for len(*s) <= i/64 {
		*s = append(*s, 0)
	}
	(*s)[i/64] |= 1 << (i % 64)
}

// Decode decodes the JSON object b into the fields. The fields must be zero. A column whose
// value fits its field's type goes into the field; every other column (one of another JSON
// type, null, or one the fields do not name) is returned in extra, as it came; extra is nil
// when there is none. Only a b that is not a JSON object is an error.
func Decode(b []byte, fields []Field) (extra map[string]json.RawMessage, seen Seen, err error) {
	t := bytes.TrimLeft(b, " \t\r\n")
	if len(t) == 0 || t[0] != '{' {
		return nil, nil, fmt.Errorf("a result row must be a JSON object, not %s", describe(t))
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, nil, fmt.Errorf("a result row must be a JSON object: %w", err)
	}
	for i, f := range fields {
		raw, ok := m[f.Name]
		if !ok {
			continue
		}
		seen.set(i)
		if fit(raw, f.Ptr) {
			delete(m, f.Name)
		}
	}
	if len(m) == 0 {
		m = nil
	}
	return m, seen, nil
}

// describe names the JSON value that starts t, for an error.
func describe(t []byte) string {
	if len(t) == 0 {
		return "nothing"
	}
	switch c := t[0]; {
	case c == '[':
		return "an array"
	case c == '"':
		return "a string"
	case c == 'n':
		return "null"
	case c == 't' || c == 'f':
		return "a boolean"
	case c == '-' || (c >= '0' && c <= '9'):
		return "a number"
	}
	return fmt.Sprintf("%q", clip(t))
}

func clip(t []byte) string {
	if len(t) > 20 {
		return string(t[:20]) + "…"
	}
	return string(t)
}

// fit decodes raw into ptr when raw's JSON type is the field's, and says whether it did.
// Nothing is written when it does not fit.
func fit(raw json.RawMessage, ptr any) bool {
	if len(raw) == 0 {
		return false
	}
	c := raw[0]
	number := c == '-' || (c >= '0' && c <= '9')
	switch p := ptr.(type) {
	case *string:
		return c == '"' && json.Unmarshal(raw, p) == nil
	case *int64:
		// A fraction, an exponent or a number past int64 does not fit: it stays in Extra
		// with its digits rather than being rounded.
		return number && json.Unmarshal(raw, p) == nil
	case *float64:
		return number && json.Unmarshal(raw, p) == nil
	case *bool:
		return (c == 't' || c == 'f') && json.Unmarshal(raw, p) == nil
	case *[]any:
		if c != '[' {
			return false
		}
		var v []any
		if useNumber(raw, &v) != nil {
			return false
		}
		*p = v
		return true
	case *map[string]any:
		if c != '{' {
			return false
		}
		var v map[string]any
		if useNumber(raw, &v) != nil {
			return false
		}
		*p = v
		return true
	case *json.RawMessage:
		*p = slices.Clone(raw)
		return true
	}
	return false
}

// useNumber decodes with numbers as json.Number, so that an array's or object's numbers
// keep their digits.
func useNumber(raw []byte, v any) error {
	d := json.NewDecoder(bytes.NewReader(raw))
	d.UseNumber()
	return d.Decode(v)
}

// isZero says whether the field holds its type's zero value (nil for slices and maps).
func isZero(ptr any) bool {
	switch p := ptr.(type) {
	case *string:
		return *p == ""
	case *int64:
		return *p == 0
	case *float64:
		return *p == 0
	case *bool:
		return !*p
	case *[]any:
		return *p == nil
	case *map[string]any:
		return *p == nil
	case *json.RawMessage:
		return *p == nil
	}
	return true
}

// Encode writes the row back as a JSON object: each documented column from its field when
// the field is not zero, else from extra when extra holds it, else from the field when the
// decoded row held the column (seen); then the columns only extra holds, by key.
func Encode(fields []Field, extra map[string]json.RawMessage, seen Seen) ([]byte, error) {
	var buf bytes.Buffer
	buf.WriteByte('{')
	n := 0
	write := func(key string, v any) error {
		b, err := json.Marshal(v)
		if err != nil {
			return fmt.Errorf("column %q: %w", key, err)
		}
		k, _ := json.Marshal(key)
		if n > 0 {
			buf.WriteByte(',')
		}
		n++
		buf.Write(k)
		buf.WriteByte(':')
		buf.Write(b)
		return nil
	}
	known := make(map[string]bool, len(fields))
	for i, f := range fields {
		known[f.Name] = true
		raw, inExtra := extra[f.Name]
		var err error
		switch {
		case !isZero(f.Ptr):
			err = write(f.Name, f.Ptr)
		case inExtra:
			err = write(f.Name, raw)
		case seen.has(i):
			err = write(f.Name, f.Ptr)
		}
		if err != nil {
			return nil, err
		}
	}
	keys := make([]string, 0, len(extra))
	for k := range extra {
		if !known[k] {
			keys = append(keys, k)
		}
	}
	slices.SortFunc(keys, strings.Compare)
	for _, k := range keys {
		if err := write(k, extra[k]); err != nil {
			return nil, err
		}
	}
	buf.WriteByte('}')
	return buf.Bytes(), nil
}

// NullKeys returns the keys of the JSON object b whose value is null, sorted; nil for a b
// that is null. Anything else that is not an object is an error.
func NullKeys(b []byte) ([]string, error) {
	var m map[string]json.RawMessage
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, err
	}
	var keys []string
	for k, v := range m {
		if string(v) == "null" {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	return keys, nil
}
