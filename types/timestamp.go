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
// Decoding never fails on the text of a JSON string: a decoded Timestamp keeps its text,
// whatever it holds, and encodes back to exactly that text while its Time is unchanged.
// When the text is a valid moment in one of the documented forms, Time is that moment and
// Valid reports true; otherwise Time is zero, Valid reports false and Moment returns an
// error that says what is wrong with the text. So a body whose timestamp is out of range
// ("2025-02-30T10:00:00") or in a form this package does not know ("2025/06/18 17:32:31")
// still decodes, and re-encodes unchanged.
//
// A Timestamp made in Go (NewTimestamp), or whose Time was changed, is valid and encodes
// as RFC 3339 with nanoseconds. Use a *Timestamp where the API may send null.
type Timestamp struct {
	time.Time

	text string    // the text it was parsed or decoded from
	at   time.Time // the moment text stands for (zero when it stands for none), to tell whether Time has changed
	kept bool      // text is what it was parsed or decoded from
	bad  bool      // text is not a valid timestamp
}

// NewTimestamp returns the Timestamp of t.
func NewTimestamp(t time.Time) Timestamp { return Timestamp{Time: t} }

// ParseTimestamp reads a timestamp in either documented form:
//
//	YYYY-MM-DDTHH:MM:SS[.fraction][Z|±HH:MM]
//
// with 1 to 9 fractional digits. A value without a zone is UTC. Unlike decoding, which keeps
// any text, ParseTimestamp fails on text that is not a valid moment, with an error that
// wraps ErrTimestamp.
func ParseTimestamp(s string) (Timestamp, error) {
	t, err := parseTimestamp(s)
	if err != nil {
		return Timestamp{}, err
	}
	return Timestamp{Time: t, text: s, at: t, kept: true}, nil
}

// keepTimestamp returns the Timestamp of any text: the moment when s is valid, else a
// zero Time with s kept.
func keepTimestamp(s string) Timestamp {
	t, err := parseTimestamp(s)
	return Timestamp{Time: t, text: s, at: t, kept: true, bad: err != nil}
}

// Valid reports whether the timestamp stands for a moment: false only for one decoded
// from text that is not a valid timestamp in the documented forms (and whose Time has not
// been set since). A Timestamp made in Go, the zero Timestamp included, is valid.
func (t Timestamp) Valid() bool { return !(t.bad && t.unchanged()) }

// Moment returns the moment the timestamp stands for, or, when it is not Valid, the zero
// time and an error (wrapping ErrTimestamp) that quotes the text and says what is wrong.
func (t Timestamp) Moment() (time.Time, error) {
	if t.Valid() {
		return t.Time, nil
	}
	if _, err := parseTimestamp(t.text); err != nil {
		return time.Time{}, err
	}
	return time.Time{}, tsErr(t.text, "not a valid timestamp") // not reached: bad text does not parse
}

// String returns the timestamp's text: the text it was parsed or decoded from while
// unchanged (even when that text is not Valid), else RFC 3339 with nanoseconds.
func (t Timestamp) String() string {
	if t.unchanged() {
		return t.text
	}
	return t.Time.Format(time.RFC3339Nano)
}

// unchanged reports whether t holds kept text that still stands for its Time.
func (t Timestamp) unchanged() bool { return t.kept && t.Time.Equal(t.at) }

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

// MarshalJSON encodes the timestamp as a JSON string (see AppendText); kept text that
// needs escaping in JSON is escaped.
func (t Timestamp) MarshalJSON() ([]byte, error) {
	if t.unchanged() && t.bad {
		return json.Marshal(t.text) // any text: let encoding/json escape it
	}
	b := make([]byte, 0, len(t.text)+2)
	b = append(b, '"')
	b, err := t.AppendText(b)
	if err != nil {
		return nil, err
	}
	return append(b, '"'), nil
}

// UnmarshalJSON decodes any JSON string and keeps its text (see Timestamp): a valid
// timestamp in either documented form sets Time, any other text leaves Time zero and the
// Timestamp not Valid. JSON null leaves the value unchanged (use *Timestamp to tell null
// apart); anything but a string or null is an error.
func (t *Timestamp) UnmarshalJSON(b []byte) error {
	if string(b) == "null" {
		return nil
	}
	if len(b) < 2 || b[0] != '"' || b[len(b)-1] != '"' {
		return fmt.Errorf("timestamp: want a JSON string, got %.40s", b)
	}
	s := string(b[1 : len(b)-1])
	if strings.IndexByte(s, '\\') >= 0 || !isPlainJSON(s) { // escapes or raw control bytes: let encoding/json read the string
		var u string // only here, so that s stays off the heap on the common path
		if err := json.Unmarshal(b, &u); err != nil {
			return fmt.Errorf("timestamp: %w", err)
		}
		s = u
	}
	*t = keepTimestamp(s)
	return nil
}

// isPlainJSON reports whether s, the inside of a JSON string without escapes, holds
// only bytes that JSON allows unescaped there and is valid UTF-8 as plain ASCII; other
// strings go through encoding/json, which checks them and replaces invalid UTF-8.
func isPlainJSON(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c == '"' || c >= 0x80 {
			return false
		}
	}
	return true
}

// MarshalText encodes the timestamp as text (see AppendText).
func (t Timestamp) MarshalText() ([]byte, error) { return t.AppendText(nil) }

// UnmarshalText decodes any text and keeps it, as UnmarshalJSON does with a string.
func (t *Timestamp) UnmarshalText(b []byte) error {
	*t = keepTimestamp(string(b))
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
