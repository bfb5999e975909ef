package types_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"strings"
	"testing"
	"time"

	"github.com/lobstr-go/lobstr/openapi"
	"github.com/lobstr-go/lobstr/types"
)

func utc(y int, mo time.Month, d, h, mi, s, ns int) time.Time {
	return time.Date(y, mo, d, h, mi, s, ns, time.UTC)
}

func TestParseTimestampValid(t *testing.T) {
	tests := []struct {
		in     string
		want   time.Time
		offset int // seconds east of UTC of the parsed Time's zone
	}{
		// The two documented forms.
		{"2024-12-24T10:57:55.045567", utc(2024, 12, 24, 10, 57, 55, 45567000), 0},
		{"2025-02-10T14:30:58Z", utc(2025, 2, 10, 14, 30, 58, 0), 0},
		// Every fixture value.
		{"2025-02-10T14:19:32.916901", utc(2025, 2, 10, 14, 19, 32, 916901000), 0},
		{"2025-03-05T09:24:49.581177", utc(2025, 3, 5, 9, 24, 49, 581177000), 0},
		{"2025-02-04T10:26:52.310738", utc(2025, 2, 4, 10, 26, 52, 310738000), 0},
		{"2025-02-04T10:25:47.278419", utc(2025, 2, 4, 10, 25, 47, 278419000), 0},
		// Neither fraction nor zone.
		{"2025-02-10T14:30:58", utc(2025, 2, 10, 14, 30, 58, 0), 0},
		// 1 to 9 fractional digits.
		{"2025-02-10T14:30:58.1", utc(2025, 2, 10, 14, 30, 58, 100000000), 0},
		{"2025-02-10T14:30:58.12", utc(2025, 2, 10, 14, 30, 58, 120000000), 0},
		{"2025-02-10T14:30:58.123", utc(2025, 2, 10, 14, 30, 58, 123000000), 0},
		{"2025-02-10T14:30:58.1234", utc(2025, 2, 10, 14, 30, 58, 123400000), 0},
		{"2025-02-10T14:30:58.12345", utc(2025, 2, 10, 14, 30, 58, 123450000), 0},
		{"2025-02-10T14:30:58.123456", utc(2025, 2, 10, 14, 30, 58, 123456000), 0},
		{"2025-02-10T14:30:58.1234567", utc(2025, 2, 10, 14, 30, 58, 123456700), 0},
		{"2025-02-10T14:30:58.12345678", utc(2025, 2, 10, 14, 30, 58, 123456780), 0},
		{"2025-02-10T14:30:58.123456789", utc(2025, 2, 10, 14, 30, 58, 123456789), 0},
		{"2025-02-10T14:30:58.000000000", utc(2025, 2, 10, 14, 30, 58, 0), 0},
		{"2025-02-10T14:30:58.0", utc(2025, 2, 10, 14, 30, 58, 0), 0},
		{"2025-02-10T14:30:58.045567Z", utc(2025, 2, 10, 14, 30, 58, 45567000), 0},
		// Offsets.
		{"2025-02-10T14:30:58+02:00", utc(2025, 2, 10, 12, 30, 58, 0), 7200},
		{"2025-02-10T14:30:58-05:30", utc(2025, 2, 10, 20, 0, 58, 0), -19800},
		{"2025-02-10T14:30:58.5+01:00", utc(2025, 2, 10, 13, 30, 58, 500000000), 3600},
		{"2025-02-10T14:30:58+00:00", utc(2025, 2, 10, 14, 30, 58, 0), 0},
		{"2025-02-10T14:30:58-00:00", utc(2025, 2, 10, 14, 30, 58, 0), 0},
		{"2025-02-10T00:30:00+23:59", utc(2025, 2, 9, 0, 31, 0, 0), 23*3600 + 59*60},
		{"2025-02-10T00:30:00-23:59", utc(2025, 2, 10, 24, 29, 0, 0), -(23*3600 + 59*60)},
		// Calendar edges.
		{"2024-02-29T00:00:00", utc(2024, 2, 29, 0, 0, 0, 0), 0},
		{"2000-02-29T12:00:00Z", utc(2000, 2, 29, 12, 0, 0, 0), 0},
		{"2024-12-31T23:59:59.999999999Z", utc(2024, 12, 31, 23, 59, 59, 999999999), 0},
		{"2024-04-30T00:00:00", utc(2024, 4, 30, 0, 0, 0, 0), 0},
		{"0000-01-01T00:00:00Z", utc(0, 1, 1, 0, 0, 0, 0), 0},
		{"0000-02-29T00:00:00Z", utc(0, 2, 29, 0, 0, 0, 0), 0},
		{"9999-12-31T23:59:59Z", utc(9999, 12, 31, 23, 59, 59, 0), 0},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			ts, err := types.ParseTimestamp(tt.in)
			if err != nil {
				t.Fatalf("ParseTimestamp: %v", err)
			}
			if !ts.Time.Equal(tt.want) {
				t.Errorf("Time = %v, want %v", ts.Time, tt.want)
			}
			if _, off := ts.Time.Zone(); off != tt.offset {
				t.Errorf("zone offset = %d, want %d", off, tt.offset)
			}
			if tt.offset == 0 && ts.Time.Location() != time.UTC {
				t.Errorf("Location = %v, want UTC", ts.Time.Location())
			}
			if got := ts.String(); got != tt.in {
				t.Errorf("String = %q, want %q", got, tt.in)
			}
			b, err := json.Marshal(ts)
			if err != nil {
				t.Fatalf("Marshal: %v", err)
			}
			if want := `"` + tt.in + `"`; string(b) != want {
				t.Errorf("Marshal = %s, want %s", b, want)
			}
			text, err := ts.MarshalText()
			if err != nil || string(text) != tt.in {
				t.Errorf("MarshalText = %q, %v; want %q", text, err, tt.in)
			}
			var back types.Timestamp
			if err := json.Unmarshal(b, &back); err != nil {
				t.Fatalf("Unmarshal: %v", err)
			}
			if !back.Time.Equal(ts.Time) || back.String() != tt.in {
				t.Errorf("round trip = %v %q, want %v %q", back.Time, back.String(), ts.Time, tt.in)
			}
		})
	}
}

func TestParseTimestampInvalid(t *testing.T) {
	tests := []string{
		"",
		" ",
		"garbage",
		"null",
		"2024",
		"2024-12-24",
		"2024-12-24T",
		"2024-12-24T10:57",
		"2024-12-24T10:57:5",
		// Calendar fields out of range.
		"2023-02-29T00:00:00",
		"1900-02-29T00:00:00",
		"2100-02-29T00:00:00Z",
		"2024-02-30T00:00:00",
		"2024-04-31T00:00:00",
		"2024-06-31T00:00:00",
		"2024-09-31T00:00:00",
		"2024-11-31T00:00:00",
		"2024-01-32T00:00:00",
		"2024-00-10T00:00:00",
		"2024-13-10T00:00:00",
		"2024-01-00T00:00:00",
		"2024-01-01T24:00:00",
		"2024-01-01T23:60:00",
		"2024-01-01T23:59:60",
		"2024-01-01T99:99:99",
		// Zones.
		"2024-01-01T00:00:00+24:00",
		"2024-01-01T00:00:00-24:00",
		"2024-01-01T00:00:00+01:60",
		"2024-01-01T00:00:00+0100",
		"2024-01-01T00:00:00+01",
		"2024-01-01T00:00:00+1:00",
		"2024-01-01T00:00:00+01:00:00",
		"2024-01-01T00:00:00+ab:cd",
		"2024-01-01T00:00:00 +01:00",
		"2024-01-01T00:00:00UTC",
		"2024-01-01T00:00:00ZZ",
		"2024-01-01T00:00:00Z+01:00",
		// Fractions.
		"2024-01-01T00:00:00.",
		"2024-01-01T00:00:00.Z",
		"2024-01-01T00:00:00.1234567890",
		"2024-01-01T00:00:00.1234567890Z",
		"2024-01-01T00:00:00,5",
		"2024-01-01T00:00:00.5.5",
		"2024-01-01T00:00:00.-5",
		// Case: the OpenAPI pattern allows upper-case T and Z only.
		"2024-01-01t00:00:00",
		"2024-01-01T00:00:00z",
		"2024-01-01t00:00:00z",
		// Separators and widths.
		"2024-01-01 00:00:00",
		"2024/01/01T00:00:00",
		"2024-01-01T00.00.00",
		"2024-1-01T00:00:00",
		"2024-01-1T00:00:00",
		"24-01-01T00:00:00",
		"20241-01-01T00:00:00",
		"+2024-01-01T00:00:00",
		"-2024-01-01T00:00:00",
		"-024-01-01T00:00:00",
		"2024-+1-01T00:00:00",
		"2024-01-01T-1:00:00",
		"2024-01-01T+1:00:00",
		"２０２４-01-01T00:00:00",
		"2024-01-01T00:00:0٠",
		// Leading and trailing junk.
		" 2024-01-01T00:00:00",
		"2024-01-01T00:00:00 ",
		"2024-01-01T00:00:00\n",
		"2024-01-01T00:00:00Z\n",
		"2024-01-01T00:00:00Zjunk",
		"2024-01-01T00:00:00.5junk",
		"2024-01-01T00:00:00x",
		"2024-01-01T00:00:00\x00",
		`"2024-01-01T00:00:00"`,
		// Other common formats.
		"Mon, 10 Feb 2025 14:30:58 GMT",
		"1739197858",
		"2025-02-10T14:30:58.045567+02:00[Europe/Paris]",
	}
	for _, in := range tests {
		t.Run(fmt.Sprintf("%q", in), func(t *testing.T) {
			ts, err := types.ParseTimestamp(in)
			if err == nil {
				t.Fatalf("ParseTimestamp(%q) = %v, want an error", in, ts)
			}
			if !errors.Is(err, types.ErrTimestamp) {
				t.Errorf("error %v does not wrap ErrTimestamp", err)
			}
			if !ts.IsZero() || ts.String() != "0001-01-01T00:00:00Z" {
				t.Errorf("failed parse returned %v, want the zero Timestamp", ts)
			}
			// UnmarshalText and UnmarshalJSON keep the text, with a zero Time, not Valid.
			orig, _ := types.ParseTimestamp("2025-02-10T14:30:58Z")
			v := orig
			if err := v.UnmarshalText([]byte(in)); err != nil {
				t.Errorf("UnmarshalText(%q): %v", in, err)
			}
			checkKept(t, v, in)
			v = orig
			q, _ := json.Marshal(in)
			if err := v.UnmarshalJSON(q); err != nil {
				t.Errorf("UnmarshalJSON(%s): %v", q, err)
			}
			checkKept(t, v, in)
			if b, err := json.Marshal(v); err != nil || !sameJSONString(b, in) {
				t.Errorf("Marshal of kept %q = %s, %v; want the same text", in, b, err)
			}
		})
	}
}

func TestParseTimestampErrorMessage(t *testing.T) {
	long := "2024-01-01T00:00:00" + strings.Repeat("x", 1000)
	_, err := types.ParseTimestamp(long)
	if err == nil {
		t.Fatal("no error")
	}
	if len(err.Error()) > 200 {
		t.Errorf("error message is %d bytes long; want the input truncated", len(err.Error()))
	}
	if !strings.Contains(err.Error(), "2024-01-01T00:00:00") {
		t.Errorf("error %q does not quote the input", err)
	}

	_, err = types.ParseTimestamp("2023-02-29T00:00:00")
	if err == nil || !strings.Contains(err.Error(), "out of range") || !strings.Contains(err.Error(), "2023-02-29T00:00:00") {
		t.Errorf("error = %v, want it to name the value and say out of range", err)
	}
}

func TestTimestampUnmarshalJSON(t *testing.T) {
	orig, err := types.ParseTimestamp("2025-02-10T14:30:58Z")
	if err != nil {
		t.Fatal(err)
	}

	t.Run("null leaves a Timestamp unchanged", func(t *testing.T) {
		v := orig
		if err := json.Unmarshal([]byte("null"), &v); err != nil {
			t.Fatal(err)
		}
		if v.String() != orig.String() || !v.Time.Equal(orig.Time) {
			t.Errorf("null changed the value to %v", v)
		}
		if err := v.UnmarshalJSON([]byte("null")); err != nil || v.String() != orig.String() {
			t.Errorf("UnmarshalJSON(null) = %v, value %v", err, v)
		}
	})

	t.Run("null into a *Timestamp gives nil", func(t *testing.T) {
		p := &orig
		if err := json.Unmarshal([]byte("null"), &p); err != nil {
			t.Fatal(err)
		}
		if p != nil {
			t.Errorf("got %v, want nil", p)
		}
	})

	bad := []string{
		``,
		`"`,
		`"2025-02-10T14:30:58Z`,
		`2025-02-10T14:30:58Z"`,
		`2025-02-10T14:30:58Z`,
		`'2025-02-10T14:30:58Z'`,
		`1739197858`,
		`true`,
		`{}`,
		`[]`,
		`["2025-02-10T14:30:58Z"]`,
		`{"time":"2025-02-10T14:30:58Z"}`,
		` "2025-02-10T14:30:58Z"`,
		`"2025-02-10T14:30:58Z" `,
		`"2025-02-10T14:30:58\"`,
		`"\x32025-02-10T14:30:58Z"`, // a Go escape, not a JSON one
		`"\062025-02-10T14:30:58Z"`, // an octal escape, not JSON either
		`"\u0032025-02-10T14:30:58Z`,
		`Null`,
		`nul`,
	}
	for _, in := range bad {
		t.Run(fmt.Sprintf("reject %q", in), func(t *testing.T) {
			v := orig
			if err := v.UnmarshalJSON([]byte(in)); err == nil {
				t.Fatalf("UnmarshalJSON(%s) succeeded: %v", in, v)
			}
			if v.String() != orig.String() || !v.Time.Equal(orig.Time) {
				t.Errorf("failed decode changed the value to %v", v)
			}
		})
	}

	// Any JSON string decodes: text that is not a valid timestamp is kept, Time zero.
	kept := map[string]string{
		`""`:                           "",
		`"2025-02-10T14:30:58z"`:       "2025-02-10T14:30:58z",
		`"2025-02-10t14:30:58"`:        "2025-02-10t14:30:58",
		`"2025-02-10T14:30:58Z\n"`:     "2025-02-10T14:30:58Z\n",
		`"\u00322025-02-10T14:30:58Z"`: "22025-02-10T14:30:58Z",
		`"6534-21-66T57:26:46.03054"`:  "6534-21-66T57:26:46.03054",
		`"2025/06/18 17:32:31"`:        "2025/06/18 17:32:31",
		`"18/07/2022 21:47:09"`:        "18/07/2022 21:47:09",
		`"<&> \u2028 \"quoted\" é"`:    "<&> \u2028 \"quoted\" é",
	}
	for in, text := range kept {
		t.Run(fmt.Sprintf("keep %s", in), func(t *testing.T) {
			v := orig
			if err := v.UnmarshalJSON([]byte(in)); err != nil {
				t.Fatalf("UnmarshalJSON(%s): %v", in, err)
			}
			checkKept(t, v, text)
			b, err := json.Marshal(v)
			if err != nil || !sameJSONString(b, text) {
				t.Errorf("Marshal = %s, %v; want the JSON string of %q", b, err, text)
			}
		})
	}

	t.Run("JSON escapes", func(t *testing.T) {
		var v types.Timestamp
		if err := json.Unmarshal([]byte(`"2024-12-24T10:57:55\u002e045567"`), &v); err != nil {
			t.Fatal(err)
		}
		if want := utc(2024, 12, 24, 10, 57, 55, 45567000); !v.Time.Equal(want) {
			t.Errorf("Time = %v, want %v", v.Time, want)
		}
		b, err := json.Marshal(v)
		if err != nil || string(b) != `"2024-12-24T10:57:55.045567"` {
			t.Errorf("Marshal = %s, %v; want the unescaped text", b, err)
		}
		if err := v.UnmarshalJSON([]byte(`"\u0032025-02-10T14:30:58Z"`)); err != nil {
			t.Errorf("UnmarshalJSON with \u0032: %v", err)
		} else if v.String() != "2025-02-10T14:30:58Z" {
			t.Errorf("String = %q, want the unescaped text", v.String())
		}
		// A valid JSON escape that decodes to a character no timestamp holds: kept, not Valid.
		if err := v.UnmarshalJSON([]byte(`"2024-12-24T10:57:55\u00a0"`)); err != nil || v.Valid() {
			t.Errorf(`"\u00a0" after the time: err %v, Valid %v; want it kept and not Valid`, err, v.Valid())
		}
		if err := v.UnmarshalJSON([]byte(`"2024-12-24T10:57:55\/"`)); err != nil || v.Valid() || v.String() != "2024-12-24T10:57:55/" {
			t.Errorf(`"\/" after the time: err %v, Valid %v, text %q`, err, v.Valid(), v.String())
		}
	})

	t.Run("in a struct: bad text kept, a number refused", func(t *testing.T) {
		var s struct {
			CreatedAt types.Timestamp `json:"created_at"`
		}
		if err := json.Unmarshal([]byte(`{"created_at":"2024-12-24 10:57:55"}`), &s); err != nil {
			t.Fatal(err)
		}
		checkKept(t, s.CreatedAt, "2024-12-24 10:57:55")
		err := json.Unmarshal([]byte(`{"created_at":12}`), &s)
		if err == nil {
			t.Fatal("a number decoded into a Timestamp")
		}
	})
}

func TestTimestampChanged(t *testing.T) {
	ts, err := types.ParseTimestamp("2024-12-24T10:57:55.045567")
	if err != nil {
		t.Fatal(err)
	}

	same := ts
	same.Time = same.Time.Add(0)
	if got := same.String(); got != "2024-12-24T10:57:55.045567" {
		t.Errorf("unchanged Time: String = %q, want the parsed text", got)
	}
	// Same instant in another zone: still the same moment, so the text stands.
	same.Time = same.Time.In(time.FixedZone("X", 3600))
	if got := same.String(); got != "2024-12-24T10:57:55.045567" {
		t.Errorf("same instant in another zone: String = %q, want the parsed text", got)
	}

	changed := ts
	changed.Time = changed.Time.Add(time.Second)
	for name, f := range map[string]func() (string, error){
		"String":      func() (string, error) { return changed.String(), nil },
		"MarshalText": func() (string, error) { b, err := changed.MarshalText(); return string(b), err },
		"AppendText":  func() (string, error) { b, err := changed.AppendText([]byte("x")); return string(b), err },
		"MarshalJSON": func() (string, error) { b, err := json.Marshal(changed); return string(b), err },
	} {
		want := "2024-12-24T10:57:56.045567Z"
		switch name {
		case "AppendText":
			want = "x" + want
		case "MarshalJSON":
			want = `"` + want + `"`
		}
		got, err := f()
		if err != nil || got != want {
			t.Errorf("changed Time: %s = %q, %v; want %q", name, got, err, want)
		}
	}
	// The original is untouched by the copy's change.
	if ts.String() != "2024-12-24T10:57:55.045567" {
		t.Errorf("original String = %q", ts.String())
	}
	// Changing back to the parsed moment restores the text.
	changed.Time = changed.Time.Add(-time.Second)
	if got := changed.String(); got != "2024-12-24T10:57:55.045567" {
		t.Errorf("Time changed back: String = %q, want the parsed text", got)
	}
}

func TestNewTimestamp(t *testing.T) {
	tests := []struct {
		in   time.Time
		want string
	}{
		{utc(2025, 2, 10, 14, 30, 58, 0), "2025-02-10T14:30:58Z"},
		{utc(2025, 2, 10, 14, 30, 58, 45567000), "2025-02-10T14:30:58.045567Z"},
		{utc(2025, 2, 10, 14, 30, 58, 1), "2025-02-10T14:30:58.000000001Z"},
		{time.Date(2025, 2, 10, 14, 30, 58, 0, time.FixedZone("", -3*3600-1800)), "2025-02-10T14:30:58-03:30"},
		{time.Time{}, "0001-01-01T00:00:00Z"},
	}
	for _, tt := range tests {
		ts := types.NewTimestamp(tt.in)
		if got := ts.String(); got != tt.want {
			t.Errorf("NewTimestamp(%v).String() = %q, want %q", tt.in, got, tt.want)
		}
		b, err := json.Marshal(ts)
		if err != nil || string(b) != `"`+tt.want+`"` {
			t.Errorf("Marshal(NewTimestamp(%v)) = %s, %v", tt.in, b, err)
		}
		var back types.Timestamp
		if err := json.Unmarshal(b, &back); err != nil || !back.Time.Equal(tt.in) {
			t.Errorf("round trip of %v = %v, %v", tt.in, back.Time, err)
		}
	}
	var zero types.Timestamp
	if got := zero.String(); got != "0001-01-01T00:00:00Z" {
		t.Errorf("zero Timestamp String = %q", got)
	}
}

// A Time that RFC 3339 cannot write is an error, as with time.Time, never text that
// ParseTimestamp would then refuse.
func TestTimestampMarshalUnrepresentable(t *testing.T) {
	for _, tm := range []time.Time{
		utc(10000, 1, 1, 0, 0, 0, 0),
		utc(-1, 1, 1, 0, 0, 0, 0),
		time.Date(2025, 1, 1, 0, 0, 0, 0, time.FixedZone("", 24*3600)),
	} {
		ts := types.NewTimestamp(tm)
		if b, err := json.Marshal(ts); err == nil {
			t.Errorf("Marshal(%v) = %s, want an error", tm, b)
		}
		if b, err := ts.MarshalText(); err == nil {
			t.Errorf("MarshalText(%v) = %s, want an error", tm, b)
		}
		if b, err := ts.AppendText([]byte("keep")); err == nil || string(b) != "keep" {
			t.Errorf("AppendText(%v) = %q, %v; want the prefix back and an error", tm, b, err)
		}
		if _, err := tm.MarshalJSON(); err == nil {
			t.Errorf("time.Time marshals %v; the test's premise is wrong", tm)
		}
	}
}

func TestTimestampText(t *testing.T) {
	var ts types.Timestamp
	if err := ts.UnmarshalText([]byte("2025-02-10T14:30:58+02:00")); err != nil {
		t.Fatal(err)
	}
	if want := utc(2025, 2, 10, 12, 30, 58, 0); !ts.Time.Equal(want) {
		t.Errorf("Time = %v, want %v", ts.Time, want)
	}
	if got := fmt.Sprint(ts); got != "2025-02-10T14:30:58+02:00" {
		t.Errorf("Sprint = %q", got)
	}
	if got := fmt.Sprintf("%v %s", ts, &ts); got != "2025-02-10T14:30:58+02:00 2025-02-10T14:30:58+02:00" {
		t.Errorf("Sprintf = %q", got)
	}
	b, err := ts.AppendText([]byte("at "))
	if err != nil || string(b) != "at 2025-02-10T14:30:58+02:00" {
		t.Errorf("AppendText = %q, %v", b, err)
	}
	// As a map key, encoding/json uses the text form.
	m := map[types.Timestamp]int{ts: 1}
	out, err := json.Marshal(m)
	if err != nil || string(out) != `{"2025-02-10T14:30:58+02:00":1}` {
		t.Errorf("Marshal(map) = %s, %v", out, err)
	}
	var m2 map[types.Timestamp]int
	if err := json.Unmarshal([]byte(`{"2024-12-24T10:57:55.045567":3}`), &m2); err != nil {
		t.Fatal(err)
	}
	for k, v := range m2 {
		if k.String() != "2024-12-24T10:57:55.045567" || v != 3 {
			t.Errorf("map key %v = %d", k, v)
		}
	}
	// A key that is not a valid timestamp is kept as text.
	m2 = nil
	if err := json.Unmarshal([]byte(`{"2024-12-24 10:57:55":3}`), &m2); err != nil {
		t.Fatal(err)
	}
	for k := range m2 {
		checkKept(t, k, "2024-12-24 10:57:55")
	}
}

type run struct {
	ID        string           `json:"id"`
	CreatedAt types.Timestamp  `json:"created_at"`
	StartedAt *types.Timestamp `json:"started_at"`
	EndedAt   *types.Timestamp `json:"ended_at"`
}

func TestTimestampInStruct(t *testing.T) {
	tests := []string{
		`{"id":"a","created_at":"2024-12-24T10:57:55.045567","started_at":null,"ended_at":null}`,
		`{"id":"b","created_at":"2025-02-10T14:30:58Z","started_at":"2025-02-04T10:25:47.278419","ended_at":null}`,
		`{"id":"c","created_at":"2025-02-10T14:30:58+01:00","started_at":"2025-02-04T10:25:47.278419","ended_at":"2025-02-04T10:26:52.310738"}`,
		`{"id":"d","created_at":"2025-02-10T14:30:58.1","started_at":"2025-02-10T14:30:58.123456789-07:00","ended_at":"2025-02-10T14:30:58Z"}`,
	}
	for _, in := range tests {
		var r run
		if err := json.Unmarshal([]byte(in), &r); err != nil {
			t.Fatalf("Unmarshal(%s): %v", in, err)
		}
		out, err := json.Marshal(r)
		if err != nil {
			t.Fatal(err)
		}
		if string(out) != in {
			t.Errorf("round trip:\n got %s\nwant %s", out, in)
		}
	}

	var r run
	if err := json.Unmarshal([]byte(tests[0]), &r); err != nil {
		t.Fatal(err)
	}
	if r.StartedAt != nil || r.EndedAt != nil {
		t.Errorf("null fields decoded to %v, %v; want nil", r.StartedAt, r.EndedAt)
	}

	// Decoding into a filled struct: null sets a pointer to nil, a value keeps its text.
	if err := json.Unmarshal([]byte(tests[2]), &r); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal([]byte(`{"created_at":null,"started_at":null}`), &r); err != nil {
		t.Fatal(err)
	}
	if r.CreatedAt.String() != "2025-02-10T14:30:58+01:00" {
		t.Errorf("created_at after null = %v, want it unchanged", r.CreatedAt)
	}
	if r.StartedAt != nil {
		t.Errorf("started_at after null = %v, want nil", r.StartedAt)
	}
	if r.EndedAt == nil || r.EndedAt.String() != "2025-02-04T10:26:52.310738" {
		t.Errorf("ended_at, absent from the input, = %v, want it unchanged", r.EndedAt)
	}

	// A changed field re-encodes; the others keep their text.
	r.EndedAt.Time = r.EndedAt.Time.Add(time.Millisecond)
	out, err := json.Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	want := `{"id":"c","created_at":"2025-02-10T14:30:58+01:00","started_at":null,"ended_at":"2025-02-04T10:26:52.311738Z"}`
	if string(out) != want {
		t.Errorf("after change:\n got %s\nwant %s", out, want)
	}

	// A started_at that is no timestamp is kept, and encodes back unchanged.
	in := `{"id":"e","created_at":"2025-02-10T14:30:58","started_at":"yesterday","ended_at":null}`
	r = run{}
	if err := json.Unmarshal([]byte(in), &r); err != nil {
		t.Fatal(err)
	}
	checkKept(t, *r.StartedAt, "yesterday")
	if !r.CreatedAt.Valid() {
		t.Error("created_at is not Valid")
	}
	if out, err := json.Marshal(r); err != nil || string(out) != in {
		t.Errorf("round trip = %s, %v; want %s", out, err, in)
	}
}

// TestFixtureTimestamps reads every string value whose key ends in "_at" in the documented
// example bodies (openapi/fixtures, the Tasks bodies and every page of the API reference)
// and checks that it decodes and encodes back to the same text; those of the Tasks bodies,
// which the document's Timestamp schema describes, must also be valid moments.
func TestFixtureTimestamps(t *testing.T) {
	seen, valid := 0, 0
	var walk func(file, key string, v any)
	walk = func(file, key string, v any) {
		switch v := v.(type) {
		case map[string]any:
			for k, x := range v {
				walk(file, k, x)
			}
		case []any:
			for _, x := range v {
				walk(file, key, x)
			}
		case string:
			if !strings.HasSuffix(key, "_at") {
				return
			}
			seen++
			q, _ := json.Marshal(v)
			var ts types.Timestamp
			if err := json.Unmarshal(q, &ts); err != nil {
				t.Errorf("%s: %s: %v", file, key, err)
				return
			}
			if b, err := json.Marshal(ts); err != nil || string(b) != string(q) {
				t.Errorf("%s: %s: Marshal = %s, %v; want %s", file, key, b, err, q)
			}
			if _, err := types.ParseTimestamp(v); (err == nil) != ts.Valid() {
				t.Errorf("%s: %s: ParseTimestamp error %v, but Valid = %v", file, key, err, ts.Valid())
			}
			if ts.Valid() {
				valid++
			} else if !strings.HasPrefix(file, "docs/") {
				t.Errorf("%s: %s: %q is not a valid timestamp", file, key, v)
			}
		}
	}
	err := fs.WalkDir(openapi.Fixtures(), ".", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(path, ".json") {
			return err
		}
		b, err := fs.ReadFile(openapi.Fixtures(), path)
		if err != nil || len(b) == 0 { // an empty body (a 204's) holds no timestamp
			return err
		}
		var v any
		if err := json.Unmarshal(b, &v); err != nil {
			return fmt.Errorf("%s: %w", path, err)
		}
		walk(path, "", v)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%d timestamps in the fixtures, %d of them valid moments", seen, valid)
	if seen == 0 || valid == 0 {
		t.Error("no timestamps found in the fixtures")
	}
}

// checkKept checks that ts holds text that is not a valid timestamp: kept verbatim,
// a zero Time, not Valid, and a Moment error that wraps ErrTimestamp and quotes the text.
func checkKept(t *testing.T, ts types.Timestamp, text string) {
	t.Helper()
	if ts.String() != text {
		t.Errorf("String = %q, want the kept text %q", ts.String(), text)
	}
	if ts.Valid() || !ts.IsZero() {
		t.Errorf("%q: Valid = %v, Time = %v; want false and the zero time", text, ts.Valid(), ts.Time)
	}
	m, err := ts.Moment()
	if err == nil || !m.IsZero() || !errors.Is(err, types.ErrTimestamp) {
		t.Errorf("%q: Moment = %v, %v; want the zero time and an ErrTimestamp", text, m, err)
	} else if len(text) < 60 && !strings.Contains(err.Error(), strings.Trim(fmt.Sprintf("%q", text), `"`)) {
		t.Errorf("%q: Moment error %q does not quote the text", text, err)
	}
}

// sameJSONString reports whether b is a JSON string holding text.
func sameJSONString(b []byte, text string) bool {
	var s string
	return json.Unmarshal(b, &s) == nil && s == text
}

func TestTimestampValidMoment(t *testing.T) {
	ts, err := types.ParseTimestamp("2024-12-24T10:57:55.045567")
	if err != nil {
		t.Fatal(err)
	}
	if m, err := ts.Moment(); !ts.Valid() || err != nil || !m.Equal(utc(2024, 12, 24, 10, 57, 55, 45567000)) {
		t.Errorf("parsed: Valid %v, Moment %v, %v", ts.Valid(), m, err)
	}
	var zero types.Timestamp
	if m, err := zero.Moment(); !zero.Valid() || err != nil || !m.IsZero() {
		t.Errorf("zero Timestamp: Valid %v, Moment %v, %v; want valid, the zero time", zero.Valid(), m, err)
	}

	// The body that broke the old decoder: in the document's old pattern, out of range.
	var bad types.Timestamp
	if err := json.Unmarshal([]byte(`"6534-21-66T57:26:46.03054"`), &bad); err != nil {
		t.Fatal(err)
	}
	checkKept(t, bad, "6534-21-66T57:26:46.03054")
	if _, err := bad.Moment(); err == nil || !strings.Contains(err.Error(), "out of range") {
		t.Errorf("Moment error = %v, want it to say out of range", err)
	}
	// Setting Time makes it a moment made in Go: valid, encoded as RFC 3339.
	bad.Time = utc(2025, 1, 2, 3, 4, 5, 0)
	if !bad.Valid() || bad.String() != "2025-01-02T03:04:05Z" {
		t.Errorf("after setting Time: Valid %v, String %q", bad.Valid(), bad.String())
	}
	if m, err := bad.Moment(); err != nil || !m.Equal(bad.Time) {
		t.Errorf("after setting Time: Moment %v, %v", m, err)
	}
}
