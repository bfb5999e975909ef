package types

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"
)

// Timestamp is a moment as lobstr.io writes it: either ISO 8601 without a zone and with
// microseconds ("2024-12-24T10:57:55.045567", meant as UTC) or RFC 3339
// ("2025-02-10T14:30:58Z"). Go's time.Time rejects the first form; Timestamp reads both.
//
// A decoded Timestamp remembers its text and encodes back to exactly that text while its
// Time is unchanged; a Timestamp made in Go (or changed) encodes as RFC 3339 with
// nanoseconds. Use a *Timestamp where the API may send null.
type Timestamp struct {
	time.Time

	text string    // the text it was parsed from
	at   time.Time // the moment text stands for, to tell whether Time has changed since
}

// NewTimestamp returns the Timestamp of t.
func NewTimestamp(t time.Time) Timestamp { return Timestamp{Time: t} }

// ParseTimestamp reads a timestamp in either documented form:
//
//	YYYY-MM-DDTHH:MM:SS[.fraction][Z|±HH:MM]
//
// with 1 to 9 fractional digits. A value without a zone is UTC.
func ParseTimestamp(s string) (Timestamp, error) {
	t, err := parseTimestamp(s)
	if err != nil {
		return Timestamp{}, err
	}
	return Timestamp{Time: t, text: s, at: t}, nil
}

// String returns the timestamp's text: the text it was parsed from while unchanged,
// else RFC 3339 with nanoseconds.
func (t Timestamp) String() string {
	if t.unchanged() {
		return t.text
	}
	return t.Time.Format(time.RFC3339Nano)
}

// unchanged reports whether t holds parsed text that still stands for its Time.
func (t Timestamp) unchanged() bool { return t.text != "" && t.Time.Equal(t.at) }

// AppendText appends the timestamp's text (see String) to b. Like time.Time, it fails
// when a changed Time cannot be written as RFC 3339 (a year outside 0..9999, or a zone
// offset of 24 hours or more), rather than write text that no parser reads back.
// It implements encoding.TextAppender, which would otherwise be promoted from time.Time
// and lose the original text.
func (t Timestamp) AppendText(b []byte) ([]byte, error) {
	if t.unchanged() {
		return append(b, t.text...), nil
	}
	out, err := t.Time.AppendText(b)
	if err != nil {
		return b, fmt.Errorf("timestamp: %w", err)
	}
	return out, nil
}

// MarshalJSON encodes the timestamp as a JSON string (see AppendText).
func (t Timestamp) MarshalJSON() ([]byte, error) {
	b := make([]byte, 0, len(t.text)+2)
	b = append(b, '"')
	b, err := t.AppendText(b)
	if err != nil {
		return nil, err
	}
	return append(b, '"'), nil
}

// UnmarshalJSON decodes a JSON string in either documented form. JSON null leaves the
// value unchanged (use *Timestamp to tell null apart); anything else is an error.
func (t *Timestamp) UnmarshalJSON(b []byte) error {
	if string(b) == "null" {
		return nil
	}
	if len(b) < 2 || b[0] != '"' || b[len(b)-1] != '"' {
		return fmt.Errorf("timestamp: want a JSON string, got %.40s", b)
	}
	s := string(b[1 : len(b)-1])
	if strings.IndexByte(s, '\\') >= 0 { // escaped text: let encoding/json read the string
		var u string // only here, so that s stays off the heap on the common path
		if err := json.Unmarshal(b, &u); err != nil {
			return fmt.Errorf("timestamp: %w", err)
		}
		s = u
	}
	v, err := ParseTimestamp(s)
	if err != nil {
		return err
	}
	*t = v
	return nil
}

// MarshalText encodes the timestamp as text (see AppendText).
func (t Timestamp) MarshalText() ([]byte, error) { return t.AppendText(nil) }

// UnmarshalText decodes text in either documented form.
func (t *Timestamp) UnmarshalText(b []byte) error {
	v, err := ParseTimestamp(string(b))
	if err != nil {
		return err
	}
	*t = v
	return nil
}

// ErrTimestamp is wrapped by every error of ParseTimestamp.
var ErrTimestamp = errors.New("invalid timestamp")

func tsErr(s, why string) error {
	return fmt.Errorf("%w %q: %s", ErrTimestamp, truncate(s, 64), why)
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}

// parseTimestamp does the work of ParseTimestamp by hand: the grammar is small and fixed,
// and a hand-rolled reader is both stricter and faster than trying layouts in turn.
func parseTimestamp(s string) (time.Time, error) {
	const base = len("2006-01-02T15:04:05")
	if len(s) < base {
		return time.Time{}, tsErr(s, "too short; want YYYY-MM-DDTHH:MM:SS[.ffffff][Z|±HH:MM]")
	}
	num := func(i, n int) (int, bool) {
		v := 0
		for _, c := range []byte(s[i : i+n]) {
			if c < '0' || c > '9' {
				return 0, false
			}
			v = v*10 + int(c-'0')
		}
		return v, true
	}
	year, ok1 := num(0, 4)
	month, ok2 := num(5, 2)
	day, ok3 := num(8, 2)
	hour, ok4 := num(11, 2)
	minute, ok5 := num(14, 2)
	sec, ok6 := num(17, 2)
	if !(ok1 && ok2 && ok3 && ok4 && ok5 && ok6) || s[4] != '-' || s[7] != '-' || s[10] != 'T' || s[13] != ':' || s[16] != ':' {
		return time.Time{}, tsErr(s, "want YYYY-MM-DDTHH:MM:SS[.ffffff][Z|±HH:MM]")
	}
	if month < 1 || month > 12 || day < 1 || day > daysIn(year, month) || hour > 23 || minute > 59 || sec > 59 {
		return time.Time{}, tsErr(s, "date or time out of range")
	}
	rest := s[base:]
	nsec := 0
	if len(rest) > 0 && rest[0] == '.' {
		n := 1
		for n < len(rest) && rest[n] >= '0' && rest[n] <= '9' {
			n++
		}
		digits := n - 1
		if digits == 0 || digits > 9 {
			return time.Time{}, tsErr(s, "want 1 to 9 fractional digits")
		}
		f, _ := num(base+1, digits)
		for i := digits; i < 9; i++ {
			f *= 10
		}
		nsec = f
		rest = rest[n:]
	}
	loc := time.UTC
	switch {
	case rest == "" || rest == "Z":
	case len(rest) == 6 && (rest[0] == '+' || rest[0] == '-') && rest[3] == ':':
		off := s[len(s)-6:]
		oh, okh := num(len(s)-5, 2)
		om, okm := num(len(s)-2, 2)
		if !okh || !okm || oh > 23 || om > 59 {
			return time.Time{}, tsErr(s, "bad zone offset "+off)
		}
		secs := oh*3600 + om*60
		if rest[0] == '-' {
			secs = -secs
		}
		if secs != 0 {
			loc = time.FixedZone("", secs)
		}
	default:
		return time.Time{}, tsErr(s, "unexpected text after the time; want Z, ±HH:MM or nothing")
	}
	return time.Date(year, time.Month(month), day, hour, minute, sec, nsec, loc), nil
}

func daysIn(year, month int) int {
	switch month {
	case 2:
		if year%4 == 0 && (year%100 != 0 || year%400 == 0) {
			return 29
		}
		return 28
	case 4, 6, 9, 11:
		return 30
	}
	return 31
}
