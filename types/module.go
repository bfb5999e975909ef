package types

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
)

// Module identifies the crawler module of a task. lobstr.io sends it as an integer on
// Get Task (5) and as a crawler hash string on Add Tasks ("4734d096..."); Module reads both
// and encodes back to the form it was read in.
type Module struct {
	num    int64
	str    string
	isText bool
}

// ModuleInt returns the integer form of a module.
func ModuleInt(n int64) Module { return Module{num: n} }

// ModuleString returns the string form of a module.
func ModuleString(s string) Module { return Module{str: s, isText: true} }

// IsString reports whether the module was sent as a string.
func (m Module) IsString() bool { return m.isText }

// Int returns the module as an integer; ok is false when it is a string that does not
// hold a base-10 integer.
func (m Module) Int() (n int64, ok bool) {
	if !m.isText {
		return m.num, true
	}
	n, err := strconv.ParseInt(m.str, 10, 64)
	return n, err == nil
}

// String returns the module as text, whichever form it came in.
func (m Module) String() string {
	if m.isText {
		return m.str
	}
	return strconv.FormatInt(m.num, 10)
}

// MarshalJSON encodes the module in the form it was made or decoded in.
func (m Module) MarshalJSON() ([]byte, error) {
	if m.isText {
		return json.Marshal(m.str)
	}
	return strconv.AppendInt(nil, m.num, 10), nil
}

// UnmarshalJSON decodes a JSON integer (one that fits in an int64) or a JSON string; null
// leaves m unchanged, and anything else is an error, including a number with a fraction or
// an exponent (5.5, 5.0, 5e0) and a boolean, array or object.
func (m *Module) UnmarshalJSON(b []byte) error {
	b = bytes.Trim(b, " \t\r\n") // JSON's whitespace; bytes.TrimSpace would also take \v, \f, U+0085, …
	if len(b) == 0 {
		return fmt.Errorf("module: empty value")
	}
	if string(b) == "null" { // the encoding/json convention: null leaves the value alone
		return nil
	}
	if b[0] == '"' {
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return fmt.Errorf("module: %w", err)
		}
		*m = ModuleString(s)
		return nil
	}
	if !isJSONInteger(b) {
		return fmt.Errorf("module: want an integer or a string, got %.40s", b)
	}
	n, err := strconv.ParseInt(string(b), 10, 64)
	if err != nil {
		return fmt.Errorf("module: integer %.40s out of range for int64", b)
	}
	*m = ModuleInt(n)
	return nil
}

// isJSONInteger reports whether b is a JSON number without fraction or exponent:
// -?(0|[1-9][0-9]*). strconv.ParseInt alone would also take "+5" and "007".
func isJSONInteger(b []byte) bool {
	if len(b) > 0 && b[0] == '-' {
		b = b[1:]
	}
	if len(b) == 0 || (b[0] == '0' && len(b) > 1) {
		return false
	}
	for _, c := range b {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}
