package types

import (
	"bytes"
	"encoding/json"
	"fmt"
)

// Nullable is a field that the API may leave out, send as null, or send with a value, and
// that remembers which: a model holding it encodes back to what it was decoded from
// (absent stays absent, null stays null). The zero Nullable is absent.
//
// The models use it for the fields that are both optional and nullable, with the JSON tag
// option omitzero, which leaves an absent Nullable out of the encoding (IsZero reports
// it). Outside such a field (a Nullable on its own, or in a map or a slice), an absent
// Nullable encodes as null.
//
// Read it with Get (the value, and whether there is one), IsNull and IsPresent; make one
// with NullableOf or Null.
type Nullable[T any] struct {
	value T
	state nullState
}

type nullState uint8

const (
	absent nullState = iota
	null
	present
)

// NullableOf returns a Nullable holding v.
func NullableOf[T any](v T) Nullable[T] { return Nullable[T]{value: v, state: present} }

// Null returns a Nullable that is null: sent, with no value.
func Null[T any]() Nullable[T] { return Nullable[T]{state: null} }

// Get returns the value and true when there is one, and the zero T and false when the
// field is null or absent.
func (n Nullable[T]) Get() (T, bool) {
	if n.state != present {
		var zero T
		return zero, false
	}
	return n.value, true
}

// Or returns the value, or def when the field is null or absent.
func (n Nullable[T]) Or(def T) T {
	if n.state != present {
		return def
	}
	return n.value
}

// Ptr returns a pointer to a copy of the value, or nil when the field is null or absent.
func (n Nullable[T]) Ptr() *T {
	if n.state != present {
		return nil
	}
	v := n.value
	return &v
}

// IsNull reports whether the field was sent as null (or made with Null).
func (n Nullable[T]) IsNull() bool { return n.state == null }

// IsPresent reports whether the field was sent at all: with a value or as null.
func (n Nullable[T]) IsPresent() bool { return n.state != absent }

// IsZero reports whether the field is absent. encoding/json's omitzero option calls it
// to leave an absent field out of an object.
func (n Nullable[T]) IsZero() bool { return n.state == absent }

// String describes the field for people and logs: "absent", "null", or the value as
// fmt's %v prints it.
func (n Nullable[T]) String() string {
	switch n.state {
	case absent:
		return "absent"
	case null:
		return "null"
	}
	return fmt.Sprintf("%v", n.value)
}

// MarshalJSON encodes the value, or null when the field is null or absent.
func (n Nullable[T]) MarshalJSON() ([]byte, error) {
	if n.state != present {
		return []byte("null"), nil
	}
	return json.Marshal(n.value)
}

// UnmarshalJSON decodes null as a null field and anything else as the value, with T's
// own decoding (whose error it returns, the field left unchanged). encoding/json does not
// call it for a field that is absent from the object, which so stays absent.
func (n *Nullable[T]) UnmarshalJSON(b []byte) error {
	if string(bytes.Trim(b, " \t\r\n")) == "null" {
		*n = Null[T]()
		return nil
	}
	var v T
	if err := json.Unmarshal(b, &v); err != nil {
		return err
	}
	*n = NullableOf(v)
	return nil
}
