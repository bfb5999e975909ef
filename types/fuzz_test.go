package types_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/lobstr-go/lobstr/openapi"
	"github.com/lobstr-go/lobstr/types"
)

// timestampPattern is components.schemas.Timestamp.pattern of openapi/openapi.yaml: the
// documented forms with every field in range, leap days included, so that the text it
// matches is exactly the text that ParseTimestamp reads. Go's RE2 "$" matches only at the
// end of the text, as ECMA-262's does without the m flag.
var timestampPattern = regexp.MustCompile(`^(?:[0-9]{4}-(?:(?:0[13578]|1[02])-(?:0[1-9]|[12][0-9]|3[01])|(?:0[469]|11)-(?:0[1-9]|[12][0-9]|30)|02-(?:0[1-9]|1[0-9]|2[0-8]))|(?:[0-9]{2}(?:0[48]|[2468][048]|[13579][26])|(?:[02468][048]|[13579][26])00)-02-29)T(?:[01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9](?:\.[0-9]{1,9})?(?:Z|[+-](?:[01][0-9]|2[0-3]):[0-5][0-9])?$`)

// grammarPattern is the grammar alone, fields unchecked: the old, looser pattern.
var grammarPattern = regexp.MustCompile(`^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]{1,9})?(Z|[+-][0-9]{2}:[0-9]{2})?$`)

// timestampSeeds are the documented values (the fixtures' timestamps) and edge cases.
var timestampSeeds = []string{
	"2024-12-24T10:57:55.045567",
	"2025-02-10T14:30:58Z",
	"2025-02-10T14:19:32.916901",
	"2025-03-05T09:24:49.581177",
	"2025-02-04T10:26:52.310738",
	"2025-02-04T10:25:47.278419",
	"2025-02-10T14:30:58",
	"2025-02-10T14:30:58.123456789+05:30",
	"2025-02-10T14:30:58.1-00:00",
	"2024-02-29T00:00:00",
	"2023-02-29T00:00:00",
	"0000-01-01T00:00:00Z",
	"9999-12-31T23:59:59.999999999-23:59",
	"2025-02-10T24:00:00Z",
	"2025-02-10T23:59:60Z",
	"2025-02-10T14:30:58+24:00",
	"2025-02-10T14:30:58.1234567890",
	"6534-21-66T57:26:46.03054",
	"2000-02-29T00:00:00",
	"1900-02-29T00:00:00",
	"2025/06/18 17:32:31",
	"2025-02-10t14:30:58z",
	"2025-02-10T14:30:58Zjunk",
	"2025-02-10 14:30:58",
	"",
	"null",
}

// calendarValid reports, independently of ParseTimestamp, whether s (already known to
// match timestampPattern) names a real moment, and which. time.Parse checks the calendar
// and the clock; it does not bound the zone offset (it reads "+24:00"), so the offset's
// hours (00..23) and minutes (00..59), RFC 3339's time-numoffset, are checked here.
func calendarValid(s string) (time.Time, bool) {
	if z := len(s) - 6; z > 0 && (s[z] == '+' || s[z] == '-') {
		if s[z+1:z+3] > "23" || s[z+4:] > "59" {
			return time.Time{}, false
		}
	} else if !strings.HasSuffix(s, "Z") {
		s += "Z"
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	return t, err == nil
}

// FuzzParseTimestamp checks ParseTimestamp against two independent oracles: the document's
// pattern (text it matches parses, text it does not match fails) and time.Parse on the
// grammar's text (the moment is the same).
func FuzzParseTimestamp(f *testing.F) {
	for _, s := range timestampSeeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		ts, err := types.ParseTimestamp(s)
		matches := timestampPattern.MatchString(s)
		var want time.Time
		valid := false
		if grammarPattern.MatchString(s) {
			want, valid = calendarValid(s)
		}
		if matches != valid {
			t.Fatalf("%q: the document's pattern matches: %v, but the calendar says valid: %v", s, matches, valid)
		}
		if err != nil {
			if valid {
				t.Fatalf("ParseTimestamp(%q) failed on a valid timestamp (%v): %v", s, want, err)
			}
			if !errors.Is(err, types.ErrTimestamp) {
				t.Fatalf("ParseTimestamp(%q): error %v does not wrap ErrTimestamp", s, err)
			}
			return
		}
		if !matches {
			t.Fatalf("ParseTimestamp(%q) succeeded but the OpenAPI pattern does not match", s)
		}
		if !ts.Time.Equal(want) || !ts.Valid() {
			t.Fatalf("ParseTimestamp(%q) = %v (Valid %v), want %v", s, ts.Time, ts.Valid(), want)
		}
		b, err := ts.MarshalJSON()
		if err != nil {
			t.Fatalf("MarshalJSON(%q): %v", s, err)
		}
		if string(b) != `"`+s+`"` {
			t.Fatalf("MarshalJSON(%q) = %s", s, b)
		}
		var back types.Timestamp
		if err := back.UnmarshalJSON(b); err != nil {
			t.Fatalf("UnmarshalJSON(%s): %v", b, err)
		}
		if !back.Time.Equal(ts.Time) || back.String() != s || !back.Valid() {
			t.Fatalf("UnmarshalJSON(%s) = %v %q, want %v", b, back.Time, back.String(), ts.Time)
		}
	})
}

// FuzzTimestampJSON checks the decoding contract: every JSON string decodes and keeps its
// text, which encodes back to the same string; the Timestamp is Valid exactly when the
// text matches the document's pattern, and then Time is the moment ParseTimestamp reads;
// anything but a JSON string or null is refused.
func FuzzTimestampJSON(f *testing.F) {
	for _, s := range timestampSeeds {
		b, _ := json.Marshal(s)
		f.Add(b)
	}
	for _, s := range []string{
		`null`, `""`, `"`, ``, `5`, `{}`, `[]`, `true`,
		`"2024-12-24T10:57:55\u002e045567"`,
		`"\u0032024-12-24T10:57:55"`,
		`"\x32024-12-24T10:57:55"`,
		`"2024-12-24T10:57:55\"`,
		`"2024-12-24T10:57:55\ud800"`,
		"\"2024-12-24T10:57:55\xff\"",
		"\"2024-12-24T10:57:55\n\"",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		var ts types.Timestamp
		var text string
		// encoding/json trims the space around a value before it calls UnmarshalJSON.
		isString := json.Unmarshal(in, &text) == nil && len(in) > 1 && in[0] == '"' && in[len(in)-1] == '"'
		err := ts.UnmarshalJSON(in)
		if string(in) == "null" {
			if err != nil || ts != (types.Timestamp{}) {
				t.Fatalf("null: %v, value %v", err, ts)
			}
			return
		}
		if isString != (err == nil) {
			t.Fatalf("UnmarshalJSON(%q): error %v, but it is a JSON string: %v", in, err, isString)
		}
		if err != nil {
			return
		}
		if ts.String() != text {
			t.Fatalf("UnmarshalJSON(%q) kept %q, want %q", in, ts.String(), text)
		}
		if ts.Valid() != timestampPattern.MatchString(text) {
			t.Fatalf("%q: Valid = %v, but the document's pattern matches: %v", text, ts.Valid(), !ts.Valid())
		}
		m, merr := ts.Moment()
		if p, perr := types.ParseTimestamp(text); ts.Valid() {
			if perr != nil || merr != nil || !m.Equal(p.Time) || !ts.Time.Equal(p.Time) {
				t.Fatalf("%q: Moment %v, %v; ParseTimestamp %v, %v", text, m, merr, p.Time, perr)
			}
		} else if perr == nil || merr == nil || !m.IsZero() || !ts.IsZero() || !errors.Is(merr, types.ErrTimestamp) {
			t.Fatalf("%q: not Valid, but Moment %v, %v; Time %v; ParseTimestamp error %v", text, m, merr, ts.Time, perr)
		}
		b, err := json.Marshal(ts)
		if err != nil {
			t.Fatalf("Marshal(Unmarshal(%q)): %v", in, err)
		}
		var again string
		if err := json.Unmarshal(b, &again); err != nil || again != text {
			t.Fatalf("%q: Marshal gave %s, which holds %q, want %q", in, b, again, text)
		}
		var back types.Timestamp
		if err := json.Unmarshal(b, &back); err != nil {
			t.Fatalf("Unmarshal(%s) (from %q): %v", b, in, err)
		}
		if !sameTimestamp(back, ts) {
			t.Fatalf("%q: round trip gave %#v, want %#v", in, back, ts)
		}
		// encoding/json agrees with the direct call.
		var viaJSON types.Timestamp
		if err := json.Unmarshal(in, &viaJSON); err != nil || !sameTimestamp(viaJSON, ts) {
			t.Fatalf("json.Unmarshal(%q) = %#v, %v; UnmarshalJSON gave %#v", in, viaJSON, err, ts)
		}
	})
}

func FuzzModuleJSON(f *testing.F) {
	for _, s := range []string{
		`5`, `"4734d096159ef05210e0e1677e8be823"`, `0`, `-1`, `-0`, `null`,
		`9223372036854775807`, `-9223372036854775808`, `9223372036854775808`,
		`5.5`, `5.0`, `5e0`, `true`, `{}`, `[]`, `""`, `"5"`, `"\u00e9"`, `"<&>"`,
		`+5`, `05`, ` 5 `, `"\ud800"`, "\"\xff\"",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		m := types.ModuleInt(-123456789)
		if err := m.UnmarshalJSON(in); err != nil {
			if m != types.ModuleInt(-123456789) {
				t.Fatalf("failed UnmarshalJSON(%q) changed the value to %v", in, m)
			}
			return
		}
		if string(bytes.Trim(in, " \t\r\n")) == "null" {
			if m != types.ModuleInt(-123456789) {
				t.Fatalf("null changed the value to %v", m)
			}
			return
		}
		if !json.Valid(in) {
			t.Fatalf("UnmarshalJSON accepted invalid JSON %q", in)
		}
		b, err := json.Marshal(m)
		if err != nil {
			t.Fatalf("Marshal(%v): %v", m, err)
		}
		var back types.Module
		if err := json.Unmarshal(b, &back); err != nil {
			t.Fatalf("Unmarshal(%s) (from %q): %v", b, in, err)
		}
		if back != m || back.IsString() != m.IsString() || back.String() != m.String() {
			t.Fatalf("%q: round trip gave %#v, want %#v", in, back, m)
		}
		n1, ok1 := m.Int()
		n2, ok2 := back.Int()
		if n1 != n2 || ok1 != ok2 {
			t.Fatalf("%q: Int() %d,%v after round trip, %d,%v before", in, n2, ok2, n1, ok1)
		}
		// encoding/json agrees with the direct call.
		var viaJSON types.Module
		if err := json.Unmarshal(in, &viaJSON); err != nil || viaJSON != m {
			t.Fatalf("json.Unmarshal(%q) = %#v, %v; UnmarshalJSON gave %#v", in, viaJSON, err, m)
		}
	})
}

// sameTimestamp reports whether a and b have the same text, moment and validity (== would
// also compare the identity of their zones).
func sameTimestamp(a, b types.Timestamp) bool {
	return a.String() == b.String() && a.Time.Equal(b.Time) && a.Valid() == b.Valid()
}

// TestTimestampPatternIsTheDocuments keeps the fuzz targets' oracle equal to the pattern
// the OpenAPI document gives the Timestamp schema.
func TestTimestampPatternIsTheDocuments(t *testing.T) {
	doc, err := openapi.Load()
	if err != nil {
		t.Fatal(err)
	}
	ref := doc.Components.Schemas["Timestamp"]
	if ref == nil || ref.Value == nil {
		t.Fatal("the document has no Timestamp schema")
	}
	if got := ref.Value.Pattern; got != timestampPattern.String() {
		t.Errorf("the document's Timestamp pattern is\n%s\nthe fuzz targets use\n%s", got, timestampPattern)
	}
}
