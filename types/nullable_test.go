package types_test

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"github.com/lobstr-go/lobstr/types"
)

// nullableDoc is a model as oapi-codegen writes one for optional and nullable fields.
type nullableDoc struct {
	S     types.Nullable[string]          `json:"s,omitzero"`
	N     types.Nullable[int]             `json:"n,omitzero"`
	T     types.Nullable[types.Timestamp] `json:"t,omitzero"`
	List  types.Nullable[[]string]        `json:"list,omitzero"`
	Inner types.Nullable[struct {
		A int `json:"a"`
	}] `json:"inner,omitzero"`
}

func TestNullableRoundTrip(t *testing.T) {
	for _, body := range []string{
		`{}`,
		`{"s":null,"n":null,"t":null,"list":null,"inner":null}`,
		`{"s":"","n":0,"list":[],"inner":{"a":0}}`,
		`{"s":"x\u2028y","n":-9223372036854775808,"t":"2024-12-24T10:57:55.045567","list":["a"],"inner":{"a":7}}`,
		`{"t":"not a time"}`,
		`{"n":5}`,
	} {
		var d nullableDoc
		if err := json.Unmarshal([]byte(body), &d); err != nil {
			t.Fatalf("%s: %v", body, err)
		}
		got, err := json.Marshal(d)
		if err != nil {
			t.Fatalf("%s: %v", body, err)
		}
		if err := sameJSONValue(body, string(got)); err != "" {
			t.Errorf("%s encoded back as %s: %s", body, got, err)
		}
	}
}

// sameJSONValue compares two JSON texts as values.
func sameJSONValue(a, b string) string {
	var x, y any
	if err := json.Unmarshal([]byte(a), &x); err != nil {
		return err.Error()
	}
	if err := json.Unmarshal([]byte(b), &y); err != nil {
		return err.Error()
	}
	xs, _ := json.Marshal(x)
	ys, _ := json.Marshal(y)
	if !bytes.Equal(xs, ys) {
		return "different values"
	}
	return ""
}

func TestNullableStates(t *testing.T) {
	var d nullableDoc
	if err := json.Unmarshal([]byte(`{"s":null,"n":3}`), &d); err != nil {
		t.Fatal(err)
	}
	if !d.S.IsNull() || !d.S.IsPresent() || d.S.IsZero() {
		t.Errorf("s: null: IsNull %v IsPresent %v IsZero %v", d.S.IsNull(), d.S.IsPresent(), d.S.IsZero())
	}
	if v, ok := d.S.Get(); ok || v != "" || d.S.Ptr() != nil || d.S.Or("def") != "def" || d.S.String() != "null" {
		t.Errorf("s: null: Get %q %v, Ptr %v, Or %q, String %q", v, ok, d.S.Ptr(), d.S.Or("def"), d.S.String())
	}
	if v, ok := d.N.Get(); !ok || v != 3 || d.N.IsNull() || !d.N.IsPresent() || d.N.IsZero() || *d.N.Ptr() != 3 || d.N.Or(9) != 3 || d.N.String() != "3" {
		t.Errorf("n: 3: Get %d %v, IsNull %v, IsPresent %v, IsZero %v, Or %d, String %q", v, ok, d.N.IsNull(), d.N.IsPresent(), d.N.IsZero(), d.N.Or(9), d.N.String())
	}
	if d.T.IsNull() || d.T.IsPresent() || !d.T.IsZero() || d.T.String() != "absent" {
		t.Errorf("t: absent: IsNull %v IsPresent %v IsZero %v String %q", d.T.IsNull(), d.T.IsPresent(), d.T.IsZero(), d.T.String())
	}
	// Ptr returns a copy: changing it changes nothing in the field.
	*d.N.Ptr() = 8
	if v, _ := d.N.Get(); v != 3 {
		t.Errorf("Ptr shares the value: %d", v)
	}
	// An absent Nullable outside an omitzero field encodes as null.
	for _, v := range []any{types.Nullable[int]{}, types.Null[int](), []types.Nullable[string]{{}, types.NullableOf("a")}} {
		b, err := json.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		if want := map[bool]string{true: `[null,"a"]`, false: `null`}[strings.HasPrefix(string(b), "[")]; string(b) != want {
			t.Errorf("Marshal(%v) = %s, want %s", v, b, want)
		}
	}
	// Made in Go: the three states encode as they say.
	out, err := json.Marshal(nullableDoc{S: types.NullableOf("x"), N: types.Null[int]()})
	if err != nil || string(out) != `{"s":"x","n":null}` {
		t.Errorf("Marshal = %s, %v", out, err)
	}
}

func TestNullableErrors(t *testing.T) {
	for _, body := range []string{`{"n":"5"}`, `{"n":5.5}`, `{"s":5}`, `{"list":{}}`, `{"inner":[]}`, `{"t":5}`} {
		var d nullableDoc
		d.N = types.NullableOf(42)
		err := json.Unmarshal([]byte(body), &d)
		if err == nil {
			t.Errorf("%s decoded without an error: %+v", body, d)
			continue
		}
		if v, ok := d.N.Get(); !ok || v != 42 {
			t.Errorf("%s: a failed decode changed another field: %v", body, d.N)
		}
	}
	// The error names what was wrong with the value.
	var n types.Nullable[int]
	if err := json.Unmarshal([]byte(`"five"`), &n); err == nil || !strings.Contains(err.Error(), "int") || n.IsPresent() {
		t.Errorf(`Unmarshal("five") into Nullable[int]: %v, %v`, err, n)
	}
}

// FuzzNullableJSON checks that a Nullable decodes exactly what its T decodes, plus null,
// and encodes back to the same value: null for null, T's encoding for a value.
func FuzzNullableJSON(f *testing.F) {
	for _, s := range []string{`null`, ` null `, `"x"`, `""`, `5`, `-0`, `1e400`, `"\u0000"`, `nul`, `[]`, `{}`, `true`, "\"\xff\""} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		var n types.Nullable[string]
		err := json.Unmarshal(b, &n)
		var s *string
		errPlain := json.Unmarshal(b, &s)
		if (err == nil) != (errPlain == nil) {
			t.Fatalf("%q: Nullable[string] error %v, *string error %v", b, err, errPlain)
		}
		if err != nil {
			if n.IsPresent() {
				t.Fatalf("%q: a failed decode left the field present: %v", b, n)
			}
			return
		}
		if n.IsNull() != (s == nil) || !n.IsPresent() {
			t.Fatalf("%q: IsNull %v IsPresent %v, *string %v", b, n.IsNull(), n.IsPresent(), s)
		}
		if v, ok := n.Get(); ok && v != *s {
			t.Fatalf("%q: Get %q, want %q", b, v, *s)
		}
		out, err := json.Marshal(n)
		if err != nil {
			t.Fatalf("%q: Marshal: %v", b, err)
		}
		want, _ := json.Marshal(s)
		if !bytes.Equal(out, want) {
			t.Fatalf("%q: encoded %s, want %s", b, out, want)
		}
	})
}
