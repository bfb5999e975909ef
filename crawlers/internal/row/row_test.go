package row

import (
	"encoding/json"
	"strings"
	"testing"
)

type sample struct {
	S string
	I int64
	F float64
	B bool
	A []any
	O map[string]any
	R json.RawMessage
}

func (s *sample) fields() []Field {
	return []Field{{"s", &s.S}, {"i", &s.I}, {"f", &s.F}, {"b", &s.B}, {"a", &s.A}, {"o", &s.O}, {"r", &s.R}}
}

func TestDecodeFitsAndKeeps(t *testing.T) {
	var s sample
	extra, seen, err := Decode([]byte(`{"s":"x","i":12345678901234567,"f":1e400,"b":null,"a":[1.50,9007199254740993],"o":{"k":1},"r":null,"u":[]}`), s.fields())
	if err != nil {
		t.Fatal(err)
	}
	if s.S != "x" || s.I != 12345678901234567 || s.F != 0 || s.B || len(s.A) != 2 || s.O["k"] != json.Number("1") || string(s.R) != "null" {
		t.Fatalf("decoded %+v", s)
	}
	if s.A[1] != json.Number("9007199254740993") {
		t.Errorf("a number in an array lost its digits: %v", s.A[1])
	}
	// 1e400 does not fit a float64; null does not fit a bool; u is unknown.
	if len(extra) != 3 || string(extra["f"]) != "1e400" || string(extra["b"]) != "null" || string(extra["u"]) != "[]" {
		t.Errorf("extra = %s", extra)
	}
	for i := range 7 {
		if !seen.has(i) {
			t.Errorf("column %d not seen", i)
		}
	}
	if seen.has(7) || seen.has(200) {
		t.Error("seen beyond the columns")
	}
	b, err := Encode(s.fields(), extra, seen)
	if err != nil {
		t.Fatal(err)
	}
	want := `{"s":"x","i":12345678901234567,"f":1e400,"b":null,"a":[1.50,9007199254740993],"o":{"k":1},"r":null,"u":[]}`
	if string(b) != want {
		t.Errorf("encoded\n%s\nwant\n%s", b, want)
	}
}

func TestIntegerColumnKeepsFractions(t *testing.T) {
	for _, v := range []string{`1.5`, `1e3`, `99999999999999999999`, `"12"`, `true`} {
		var s sample
		extra, _, err := Decode([]byte(`{"i":`+v+`}`), s.fields())
		if err != nil || s.I != 0 || string(extra["i"]) != v {
			t.Errorf("i = %s: field %d, extra %s, err %v", v, s.I, extra, err)
		}
	}
}

func TestDecodeRefusesNonObjects(t *testing.T) {
	for in, want := range map[string]string{
		`[]`: "an array", `"x"`: "a string", `null`: "null", ` true`: "a boolean", `-1`: "a number", ``: "nothing",
		`x`: `"x"`, `{"a":`: "JSON object: unexpected end",
	} {
		var s sample
		_, _, err := Decode([]byte(in), s.fields())
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("Decode(%s): %v; want an error with %q", in, err, want)
		}
	}
}

// Encode: a set field wins over a stale Extra value; a zero field is written only when the
// row held it, or when Extra holds its value.
func TestEncodePriorities(t *testing.T) {
	s := sample{I: 7}
	b, err := Encode(s.fields(), map[string]json.RawMessage{"i": json.RawMessage(`"7"`), "s": json.RawMessage(`1`)}, nil)
	if err != nil || string(b) != `{"s":1,"i":7}` {
		t.Errorf("got %s, %v", b, err)
	}
	var seen Seen
	seen.set(3) // b, false
	b, err = Encode((&sample{}).fields(), nil, seen)
	if err != nil || string(b) != `{"b":false}` {
		t.Errorf("got %s, %v", b, err)
	}
	b, err = Encode((&sample{}).fields(), map[string]json.RawMessage{"bad": json.RawMessage(`{`)}, nil)
	if err == nil || !strings.Contains(err.Error(), `"bad"`) {
		t.Errorf("an invalid Extra value: %s, %v; want an error naming the column", b, err)
	}
}

func TestNullKeys(t *testing.T) {
	keys, err := NullKeys([]byte(`{"b":null,"a":null,"c":1,"d":"null"}`))
	if err != nil || strings.Join(keys, ",") != "a,b" {
		t.Errorf("NullKeys = %v, %v", keys, err)
	}
	if keys, err := NullKeys([]byte(`null`)); err != nil || keys != nil {
		t.Errorf("NullKeys(null) = %v, %v", keys, err)
	}
	if _, err := NullKeys([]byte(`[1]`)); err == nil {
		t.Error("NullKeys of an array: no error")
	}
}
