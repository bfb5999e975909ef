package types_test

import (
	"encoding/json"
	"errors"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/lobstr-go/lobstr/types"
)

// durationPattern is the string branch of components.schemas.RunDuration in
// openapi/openapi.yaml: the text Seconds must read.
var durationPattern = regexp.MustCompile(`^([0-9]+ days?, )?[0-9]+:[0-5][0-9]:[0-5][0-9](\.[0-9]{1,9})?$`)

func TestDuration(t *testing.T) {
	for _, c := range []struct {
		json string
		secs float64
		text bool
	}{
		{`50.1833`, 50.1833, false},
		{`0`, 0, false},
		{`1e3`, 1000, false},
		{`"0:00:50.183300"`, 50.1833, true},
		{`"12:34:56"`, 12*3600 + 34*60 + 56, true},
		{`"1 day, 0:00:01"`, 86401, true},
		{`"3 days, 23:59:59.999999999"`, 3*86400 + 23*3600 + 59*60 + 59.999999999, true},
		{`"100:00:00"`, 360000, true},
	} {
		var d types.Duration
		if err := json.Unmarshal([]byte(c.json), &d); err != nil {
			t.Fatalf("%s: %v", c.json, err)
		}
		s, err := d.Seconds()
		if err != nil || s != c.secs || d.IsText() != c.text {
			t.Errorf("%s: Seconds %v, %v; IsText %v", c.json, s, err, d.IsText())
		}
		if dd, err := d.Duration(); err != nil || dd.Seconds()-c.secs > 1e-9 || c.secs-dd.Seconds() > 1e-9 {
			t.Errorf("%s: Duration %v, %v", c.json, dd, err)
		}
		out, err := json.Marshal(d)
		if err != nil || string(out) != c.json {
			t.Errorf("%s encoded back as %s, %v", c.json, out, err)
		}
	}
	// Text in another form decodes (the body is not lost) but does not read.
	for _, s := range []string{`"1:2:3"`, `"soon"`, `""`, `"-1 day, 23:59:59"`, `"1 week, 0:00:00"`, `"0:60:00"`, `"0:00:00."`, `"0:00:00.1234567890"`} {
		var d types.Duration
		if err := json.Unmarshal([]byte(s), &d); err != nil {
			t.Fatalf("%s: %v", s, err)
		}
		if _, err := d.Seconds(); err == nil || !strings.Contains(err.Error(), "H:MM:SS") {
			t.Errorf("%s: Seconds error %v, want one that says the form", s, err)
		}
		if _, err := d.Duration(); err == nil {
			t.Errorf("%s: Duration read it", s)
		}
	}
	for _, s := range []string{`true`, `{}`, `[]`, `"x`} {
		var d types.Duration
		if err := json.Unmarshal([]byte(s), &d); err == nil {
			t.Errorf("%s decoded", s)
		}
	}
	if _, err := (types.Duration{}).Duration(); err != nil {
		t.Error(err)
	}
	var huge types.Duration
	if err := json.Unmarshal([]byte(`1e300`), &huge); err != nil {
		t.Fatal(err)
	}
	if _, err := huge.Duration(); err == nil || !strings.Contains(err.Error(), "out of range") {
		t.Errorf("1e300 seconds: %v", err)
	}
	if b, _ := json.Marshal(types.DurationOf(1500 * time.Millisecond)); string(b) != `1.5` {
		t.Errorf("DurationOf(1.5s) = %s", b)
	}
	if b, _ := json.Marshal(types.Duration{}); string(b) != `0` {
		t.Errorf("zero Duration = %s", b)
	}
}

func TestCredits(t *testing.T) {
	for _, c := range []struct {
		json      string
		current   float64
		legacy    float64
		hasLegacy bool
	}{
		{`2`, 2, 0, false},
		{`0.5`, 0.5, 0, false},
		{`{"legacy": 1, "current": 1}`, 1, 1, true},
		{`{"legacy": 100, "current": 2}`, 2, 100, true},
		{`{"current": 0.25}`, 0.25, 0, false},
	} {
		var cr types.Credits
		if err := json.Unmarshal([]byte(c.json), &cr); err != nil {
			t.Fatalf("%s: %v", c.json, err)
		}
		cur, err := cr.Current()
		leg, ok := cr.Legacy()
		if err != nil || cur != c.current || leg != c.legacy || ok != c.hasLegacy || cr.IsObject() != strings.HasPrefix(c.json, "{") {
			t.Errorf("%s: Current %v, %v; Legacy %v, %v", c.json, cur, err, leg, ok)
		}
		out, err := json.Marshal(cr)
		if err != nil || sameJSONValue(c.json, string(out)) != "" {
			t.Errorf("%s encoded back as %s, %v", c.json, out, err)
		}
	}
	var cr types.Credits
	if err := json.Unmarshal([]byte(`{"legacy": 3}`), &cr); err != nil {
		t.Fatal(err)
	}
	if _, err := cr.Current(); !errors.Is(err, types.ErrNoCurrentPrice) {
		t.Errorf("no current: %v", err)
	}
	for _, s := range []string{`"2"`, `true`, `[]`} {
		var cr types.Credits
		if err := json.Unmarshal([]byte(s), &cr); err == nil || !strings.Contains(err.Error(), "credits") {
			t.Errorf("%s: %v", s, err)
		}
	}
	if b, _ := json.Marshal(types.CreditsOf(0.5)); string(b) != `0.5` {
		t.Errorf("CreditsOf(0.5) = %s", b)
	}
}

// FuzzDurationJSON checks the decoding contract: a JSON number or string decodes and
// encodes back to the same value; Seconds reads exactly the text the document's pattern
// allows, and every number.
func FuzzDurationJSON(f *testing.F) {
	for _, s := range []string{`50.1833`, `"0:00:50.183300"`, `"1 day, 2:03:04"`, `"2 days, 0:00:00.5"`, `"1:2:3"`, `-0`, `1e999`, `null`, `"x"`, `{}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		var d types.Duration
		err := json.Unmarshal(b, &d)
		if !json.Valid(b) {
			if err == nil {
				t.Fatalf("%q: not JSON, decoded", b)
			}
			return
		}
		v := strings.Trim(string(b), " \t\r\n")
		var text string
		isText := v[0] == '"' && json.Unmarshal(b, &text) == nil
		isNum := v[0] == '-' || (v[0] >= '0' && v[0] <= '9')
		if (err == nil) != (isNum || isText || v == "null") {
			t.Fatalf("%q: decode error %v", b, err)
		}
		if err != nil || v == "null" {
			return
		}
		out, err := json.Marshal(d)
		if err != nil {
			t.Fatal(err)
		}
		if isText && d.String() != text || !isText && string(out) != v {
			t.Fatalf("%q encoded back as %s", b, out)
		}
		_, err = d.Seconds()
		if isText && (err == nil) != durationPattern.MatchString(text) {
			t.Fatalf("%q: Seconds error %v, pattern matches %v", text, err, durationPattern.MatchString(text))
		}
	})
}

// FuzzCreditsJSON checks the decoding contract: a JSON number or object decodes and encodes
// back to the same value, anything else is refused; Current reads every number and every
// object whose "current" is a number.
func FuzzCreditsJSON(f *testing.F) {
	for _, s := range []string{`2`, `0.5`, `{"legacy": 1, "current": 1}`, `{"legacy": 3}`, `{"current": "2"}`, `{"current": null, "legacy": 1}`, `1e999`, `null`, `"2"`, `[]`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		var c types.Credits
		err := json.Unmarshal(b, &c)
		if !json.Valid(b) {
			if err == nil {
				t.Fatalf("%q: not JSON, decoded", b)
			}
			return
		}
		v := strings.Trim(string(b), " \t\r\n")
		isObj := v[0] == '{'
		isNum := v[0] == '-' || (v[0] >= '0' && v[0] <= '9')
		if (err == nil) != (isNum || isObj || v == "null") {
			t.Fatalf("%q: decode error %v", b, err)
		}
		if err != nil || v == "null" {
			return
		}
		out, err := c.MarshalJSON()
		if err != nil || string(out) != v {
			t.Fatalf("%q encoded back as %s, %v", b, out, err)
		}
		cur, err := c.Current()
		if isObj {
			// The key is matched exactly (a struct field would match "Current" too).
			var m map[string]json.RawMessage
			var f float64
			want := json.Unmarshal(b, &m) == nil && m["current"] != nil && string(m["current"]) != "null" && json.Unmarshal(m["current"], &f) == nil
			if (err == nil) != want || (want && cur != f) {
				t.Fatalf("%q: Current %v, %v", b, cur, err)
			}
		}
	})
}
