package googlemapsleads_test

import (
	"bytes"
	"encoding/json"
	"reflect"
	"strconv"
	"testing"

	"github.com/lobstr-go/lobstr/crawlers/googlemapsleads"
)

// FuzzResult: any input either is refused (exactly when it is not a JSON object) or decodes
// into a Result that encodes back to the same JSON value, and decodes again to the same
// Result.
func FuzzResult(f *testing.F) {
	for _, s := range []string{
		`{"name":"Café","lat":13.7,"ratings":56,"has_owner":true}`,
		`{"name":12,"lat":"13.7","ratings":5.5,"has_owner":null,"new_column":[1,{"a":null}]}`,
		`{"ratings":99999999999999999999,"lat":1e400}`,
		`{"name":"\ud800","name":"dup"}`,
		`{}`, `[]`, `null`, `"row"`, `{"a":`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		var probe map[string]json.RawMessage
		isObject := json.Unmarshal(b, &probe) == nil && probe != nil
		var r googlemapsleads.Result
		err := json.Unmarshal(b, &r)
		if (err == nil) != isObject {
			t.Fatalf("Unmarshal(%q): %v; the input is an object: %v", b, err, isObject)
		}
		if err != nil {
			return
		}
		out, err := json.Marshal(r)
		if err != nil {
			t.Fatalf("Marshal of %q: %v", b, err)
		}
		if !sameValue(t, b, out) {
			t.Fatalf("%q encodes back as %q", b, out)
		}
		var again googlemapsleads.Result
		if err := json.Unmarshal(out, &again); err != nil {
			t.Fatal(err)
		}
		out2, _ := json.Marshal(again)
		if !bytes.Equal(out, out2) {
			t.Fatalf("not stable: %q then %q", out, out2)
		}
	})
}

// sameValue compares two JSON texts as values (numbers by their digits).
func sameValue(t *testing.T, a, b []byte) bool {
	t.Helper()
	decode := func(x []byte) any {
		d := json.NewDecoder(bytes.NewReader(x))
		d.UseNumber()
		var v any
		if err := d.Decode(&v); err != nil {
			t.Fatalf("%q: %v", x, err)
		}
		return v
	}
	return equal(decode(a), decode(b))
}

// equal is reflect.DeepEqual, but numbers are equal when their digits are, or when they are
// the same float64: a number column is a float64 (1.0 comes back as 1).
func equal(a, b any) bool {
	switch a := a.(type) {
	case json.Number:
		b, ok := b.(json.Number)
		if !ok {
			return false
		}
		if a == b {
			return true
		}
		x, err1 := strconv.ParseFloat(string(a), 64)
		y, err2 := strconv.ParseFloat(string(b), 64)
		return err1 == nil && err2 == nil && x == y
	case map[string]any:
		b, ok := b.(map[string]any)
		if !ok || len(a) != len(b) {
			return false
		}
		for k, v := range a {
			w, ok := b[k]
			if !ok || !equal(v, w) {
				return false
			}
		}
		return true
	case []any:
		b, ok := b.([]any)
		if !ok || len(a) != len(b) {
			return false
		}
		for i := range a {
			if !equal(a[i], b[i]) {
				return false
			}
		}
		return true
	}
	return reflect.DeepEqual(a, b)
}
