package types_test

import (
	"encoding/json"
	"fmt"
	"math"
	"strings"
	"testing"

	"github.com/lobstr-go/lobstr/types"
)

func TestModuleUnmarshalJSON(t *testing.T) {
	tests := []struct {
		in       string
		isString bool
		str      string // String()
		n        int64  // Int()
		nOK      bool
		out      string // MarshalJSON
	}{
		{`5`, false, "5", 5, true, `5`},
		{`0`, false, "0", 0, true, `0`},
		{`-0`, false, "0", 0, true, `0`},
		{`-42`, false, "-42", -42, true, `-42`},
		{`9223372036854775807`, false, "9223372036854775807", math.MaxInt64, true, `9223372036854775807`},
		{`-9223372036854775808`, false, "-9223372036854775808", math.MinInt64, true, `-9223372036854775808`},
		{` 5 `, false, "5", 5, true, `5`},
		{`"4734d096159ef05210e0e1677e8be823"`, true, "4734d096159ef05210e0e1677e8be823", 0, false, `"4734d096159ef05210e0e1677e8be823"`},
		{`"5"`, true, "5", 5, true, `"5"`},
		{`"-7"`, true, "-7", -7, true, `"-7"`},
		{`"99999999999999999999"`, true, "99999999999999999999", 0, false, `"99999999999999999999"`},
		{`""`, true, "", 0, false, `""`},
		{`"5.5"`, true, "5.5", 0, false, `"5.5"`},
		{`"a\"b"`, true, `a"b`, 0, false, `"a\"b"`},
		{`"\u00e9t\u00e9"`, true, "été", 0, false, `"été"`},
		{`"<&>"`, true, "<&>", 0, false, `"\u003c\u0026\u003e"`},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			var m types.Module
			if err := json.Unmarshal([]byte(tt.in), &m); err != nil {
				t.Fatalf("Unmarshal: %v", err)
			}
			var direct types.Module
			if err := direct.UnmarshalJSON([]byte(tt.in)); err != nil || direct != m {
				t.Errorf("UnmarshalJSON = %v, %v; want %v", direct, err, m)
			}
			if m.IsString() != tt.isString {
				t.Errorf("IsString = %v, want %v", m.IsString(), tt.isString)
			}
			if got := m.String(); got != tt.str {
				t.Errorf("String = %q, want %q", got, tt.str)
			}
			if got := fmt.Sprint(m); got != tt.str {
				t.Errorf("Sprint = %q, want %q", got, tt.str)
			}
			n, ok := m.Int()
			if ok != tt.nOK || (ok && n != tt.n) {
				t.Errorf("Int = %d, %v; want %d, %v", n, ok, tt.n, tt.nOK)
			}
			b, err := json.Marshal(m)
			if err != nil || string(b) != tt.out {
				t.Errorf("Marshal = %s, %v; want %s", b, err, tt.out)
			}
			var back types.Module
			if err := json.Unmarshal(b, &back); err != nil || back != m {
				t.Errorf("round trip = %v, %v; want %v", back, err, m)
			}
		})
	}
}

func TestModuleUnmarshalJSONInvalid(t *testing.T) {
	bad := []string{
		``,
		`   `,
		`5.5`,
		`5.0`,
		`5e0`,
		`5E2`,
		`-5.5`,
		`1e400`,
		`9223372036854775808`,
		`-9223372036854775809`,
		`99999999999999999999999`,
		`true`,
		`false`,
		`{}`,
		`{"id":5}`,
		`[]`,
		`[5]`,
		`+5`,
		`05`,
		`-05`,
		`00`,
		`-`,
		`--5`,
		`0x10`,
		`1_000`,
		`5 6`,
		`NaN`,
		`Infinity`,
		`"unterminated`,
		`"bad \q escape"`,
		`'single'`,
		`nul`,
		`Null`,
		`"a" "b"`,
		// Not JSON whitespace (found by FuzzModuleJSON: bytes.TrimSpace took these).
		"\v0",
		"5\f",
		"\u00a05",
		"\u0085null",
		"\vnull",
		"\x00",
	}
	for _, in := range bad {
		t.Run(fmt.Sprintf("%q", in), func(t *testing.T) {
			m := types.ModuleInt(7)
			err := m.UnmarshalJSON([]byte(in))
			if err == nil {
				t.Fatalf("UnmarshalJSON(%s) = %v, want an error", in, m)
			}
			if !strings.HasPrefix(err.Error(), "module: ") {
				t.Errorf("error %q does not start with \"module: \"", err)
			}
			if m != types.ModuleInt(7) {
				t.Errorf("failed decode changed the value to %v", m)
			}
		})
	}

	// Through encoding/json, inside a struct.
	var s struct {
		Module types.Module `json:"module"`
	}
	for _, in := range []string{`{"module":5.5}`, `{"module":true}`, `{"module":{}}`, `{"module":[1]}`, `{"module":1e3}`} {
		if err := json.Unmarshal([]byte(in), &s); err == nil {
			t.Errorf("Unmarshal(%s) succeeded: %v", in, s.Module)
		}
	}
	err := json.Unmarshal([]byte(`{"module":9223372036854775808}`), &s)
	if err == nil || !strings.Contains(err.Error(), "out of range") {
		t.Errorf("too big for int64: error = %v, want out of range", err)
	}
}

func TestModuleNull(t *testing.T) {
	m := types.ModuleString("abc")
	for _, in := range []string{`null`, ` null `, "\t\r\nnull\n"} {
		if err := m.UnmarshalJSON([]byte(in)); err != nil {
			t.Fatalf("UnmarshalJSON(%q): %v", in, err)
		}
		if m != types.ModuleString("abc") {
			t.Errorf("%q changed the value to %v", in, m)
		}
	}
	if err := json.Unmarshal([]byte(`null`), &m); err != nil || m != types.ModuleString("abc") {
		t.Errorf("Unmarshal(null) = %v, %v", m, err)
	}

	var s struct {
		A types.Module  `json:"a"`
		B *types.Module `json:"b"`
		C *types.Module `json:"c"`
	}
	in := `{"a":5,"b":null,"c":"x"}`
	if err := json.Unmarshal([]byte(in), &s); err != nil {
		t.Fatal(err)
	}
	if s.B != nil || s.C == nil || *s.C != types.ModuleString("x") || s.A != types.ModuleInt(5) {
		t.Errorf("decoded %+v", s)
	}
	out, err := json.Marshal(s)
	if err != nil || string(out) != in {
		t.Errorf("round trip = %s, %v; want %s", out, err, in)
	}
}

func TestModuleConstructors(t *testing.T) {
	var zero types.Module
	if zero.IsString() || zero.String() != "0" {
		t.Errorf("zero Module = %v (IsString %v)", zero, zero.IsString())
	}
	if b, err := json.Marshal(zero); err != nil || string(b) != "0" {
		t.Errorf("Marshal(zero) = %s, %v", b, err)
	}
	if n, ok := zero.Int(); !ok || n != 0 {
		t.Errorf("zero.Int() = %d, %v", n, ok)
	}

	i := types.ModuleInt(5)
	if i.IsString() || i.String() != "5" {
		t.Errorf("ModuleInt(5) = %v", i)
	}
	s := types.ModuleString("5")
	if !s.IsString() || s.String() != "5" {
		t.Errorf("ModuleString(\"5\") = %v", s)
	}
	if i == s {
		t.Error("ModuleInt(5) == ModuleString(\"5\"); the forms must stay apart")
	}
	if b, _ := json.Marshal(s); string(b) != `"5"` {
		t.Errorf("Marshal(ModuleString(\"5\")) = %s", b)
	}
	if b, _ := json.Marshal(i); string(b) != `5` {
		t.Errorf("Marshal(ModuleInt(5)) = %s", b)
	}
	if types.ModuleString("") == zero {
		t.Error("ModuleString(\"\") equals the zero Module")
	}
}
