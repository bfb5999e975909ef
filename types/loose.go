package types

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
)

// Duration is how long a run has lasted, as lobstr.io writes it: seconds as a JSON number
// (50.1833, on Start Run, List Runs, Abort Run and the later Get Run) or the text of a
// Python timedelta ("0:00:50.183300", "H:MM:SS" with an optional fraction, or
// "N day(s), H:MM:SS", on the older Get Run and on Get Run Stats).
//
// A decoded Duration keeps the JSON it came in and encodes back to it; Seconds and
// Duration read either form. The zero Duration is zero seconds.
type Duration struct {
	raw []byte // a JSON number or string, as sent; nil for the zero Duration
}

// DurationOf returns the Duration of d, which encodes as seconds (a JSON number).
func DurationOf(d time.Duration) Duration {
	return Duration{raw: strconv.AppendFloat(nil, d.Seconds(), 'f', -1, 64)}
}

// IsText reports whether the duration was sent as text (a Python timedelta).
func (d Duration) IsText() bool { return len(d.raw) > 0 && d.raw[0] == '"' }

// String returns the duration as it was sent: the number's JSON text, or the text of
// the string ("0" for the zero Duration).
func (d Duration) String() string {
	if len(d.raw) == 0 {
		return "0"
	}
	if d.IsText() {
		var s string
		_ = json.Unmarshal(d.raw, &s) // checked when decoded
		return s
	}
	return string(d.raw)
}

// Seconds returns the duration in seconds, from either form. Text that is not a timedelta
// ("1:2:3", "soon") is an error that quotes it.
func (d Duration) Seconds() (float64, error) {
	if len(d.raw) == 0 {
		return 0, nil
	}
	if !d.IsText() {
		f, err := strconv.ParseFloat(string(d.raw), 64)
		if err != nil {
			return 0, fmt.Errorf("duration %s: %w", d.raw, err)
		}
		return f, nil
	}
	return parseTimedelta(d.String())
}

// Duration returns the duration as a time.Duration (rounded to the nanosecond), from
// either form; an error when Seconds fails or the duration does not fit in one.
func (d Duration) Duration() (time.Duration, error) {
	s, err := d.Seconds()
	if err != nil {
		return 0, err
	}
	ns := math.Round(s * 1e9)
	if math.IsNaN(ns) || ns >= math.MaxInt64 || ns < math.MinInt64 {
		return 0, fmt.Errorf("duration %s: out of range of time.Duration", d.String())
	}
	return time.Duration(ns), nil
}

// MarshalJSON encodes the duration as it was decoded (or made): a number or a string.
func (d Duration) MarshalJSON() ([]byte, error) {
	if len(d.raw) == 0 {
		return []byte("0"), nil
	}
	return bytes.Clone(d.raw), nil
}

// UnmarshalJSON decodes a JSON number or a JSON string, kept as sent (a string is read
// by Seconds, not here, so a text in an unknown form does not fail the body); null leaves
// d unchanged, and anything else is an error.
func (d *Duration) UnmarshalJSON(b []byte) error {
	b = bytes.Trim(b, " \t\r\n")
	switch {
	case string(b) == "null":
		return nil
	case len(b) > 0 && b[0] == '"':
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return fmt.Errorf("duration: %w", err)
		}
	case isJSONNumber(b):
	default:
		return fmt.Errorf("duration: want a number of seconds or a text, got %.40s", b)
	}
	d.raw = bytes.Clone(b)
	return nil
}

// parseTimedelta reads Python's str(timedelta) for a non-negative one:
// [N day[s], ]H:MM:SS[.fraction].
func parseTimedelta(s string) (float64, error) {
	bad := func(why string) (float64, error) {
		return 0, fmt.Errorf("duration %q: %s (want H:MM:SS[.fraction], optionally after \"N days, \")", s, why)
	}
	days := 0.0
	rest := s
	if i := strings.Index(s, ", "); i >= 0 {
		n, unit, ok := strings.Cut(s[:i], " ")
		if !ok || (unit != "day" && unit != "days") || !allDigits(n) {
			return bad("the days are not \"N day\" or \"N days\"")
		}
		v, err := strconv.ParseFloat(n, 64)
		if err != nil {
			return bad("the days are out of range")
		}
		days, rest = v, s[i+2:]
	}
	parts := strings.Split(rest, ":")
	if len(parts) != 3 || !allDigits(parts[0]) || len(parts[1]) != 2 || !allDigits(parts[1]) {
		return bad("not a clock")
	}
	secs, frac, hasFrac := strings.Cut(parts[2], ".")
	if len(secs) != 2 || !allDigits(secs) || (hasFrac && (frac == "" || len(frac) > 9 || !allDigits(frac))) {
		return bad("the seconds are not SS[.fraction]")
	}
	h, _ := strconv.ParseFloat(parts[0], 64)
	m, _ := strconv.Atoi(parts[1])
	sec, _ := strconv.ParseFloat(parts[2], 64)
	if m > 59 || sec >= 60 {
		return bad("minutes or seconds past 59")
	}
	return days*86400 + h*3600 + float64(m)*60 + sec, nil
}

func allDigits(s string) bool {
	if s == "" {
		return false
	}
	for _, c := range []byte(s) {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

// isJSONNumber reports whether b is a JSON number: -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?.
func isJSONNumber(b []byte) bool {
	i := 0
	if i < len(b) && b[i] == '-' {
		i++
	}
	digits := func() int {
		n := 0
		for i < len(b) && b[i] >= '0' && b[i] <= '9' {
			i++
			n++
		}
		return n
	}
	start := i
	if n := digits(); n == 0 || (n > 1 && b[start] == '0') {
		return false
	}
	if i < len(b) && b[i] == '.' {
		i++
		if digits() == 0 {
			return false
		}
	}
	if i < len(b) && (b[i] == 'e' || b[i] == 'E') {
		i++
		if i < len(b) && (b[i] == '+' || b[i] == '-') {
			i++
		}
		if digits() == 0 {
			return false
		}
	}
	return i == len(b)
}

// Credits is a price in credits as lobstr.io writes it: a JSON number (2, 0.5: the list
// of crawlers and the older details) or an object {"legacy": n, "current": n} (the later
// details: current on today's plans, legacy on grandfathered ones).
//
// A decoded Credits keeps the JSON it came in and encodes back to it; Current and Legacy
// read it. The zero Credits is 0.
type Credits struct {
	raw []byte // a JSON number or object, as sent; nil for the zero Credits
}

// CreditsOf returns the Credits of a plain price, which encodes as a JSON number.
func CreditsOf(n float64) Credits {
	return Credits{raw: strconv.AppendFloat(nil, n, 'f', -1, 64)}
}

// ErrNoCurrentPrice is wrapped by the error of Credits.Current for an object without a
// numeric "current" price.
var ErrNoCurrentPrice = errors.New("no current price")

// IsObject reports whether the price was sent as an object {"legacy", "current"}.
func (c Credits) IsObject() bool { return len(c.raw) > 0 && c.raw[0] == '{' }

// Current returns the price on today's plans: the number itself, or the object's
// "current". An object without a numeric "current" is an error wrapping ErrNoCurrentPrice
// (Legacy may still have a price).
func (c Credits) Current() (float64, error) {
	if len(c.raw) == 0 {
		return 0, nil
	}
	if !c.IsObject() {
		f, err := strconv.ParseFloat(string(c.raw), 64)
		if err != nil {
			return 0, fmt.Errorf("credits %s: %w", c.raw, err)
		}
		return f, nil
	}
	if f, ok := c.field("current"); ok {
		return f, nil
	}
	return 0, fmt.Errorf("credits %.60s: %w", c.raw, ErrNoCurrentPrice)
}

// Legacy returns the price on grandfathered plans, when the price was sent as an object
// with a numeric "legacy"; ok is false otherwise (a plain number has no legacy price).
func (c Credits) Legacy() (price float64, ok bool) { return c.field("legacy") }

func (c Credits) field(name string) (float64, bool) {
	if !c.IsObject() {
		return 0, false
	}
	var m map[string]json.RawMessage
	if json.Unmarshal(c.raw, &m) != nil {
		return 0, false
	}
	var f float64
	if v, ok := m[name]; !ok || string(v) == "null" || json.Unmarshal(v, &f) != nil {
		return 0, false
	}
	return f, true
}

// String returns the price as it was sent (its JSON text).
func (c Credits) String() string {
	if len(c.raw) == 0 {
		return "0"
	}
	return string(c.raw)
}

// MarshalJSON encodes the price as it was decoded (or made): a number or an object.
func (c Credits) MarshalJSON() ([]byte, error) {
	if len(c.raw) == 0 {
		return []byte("0"), nil
	}
	return bytes.Clone(c.raw), nil
}

// UnmarshalJSON decodes a JSON number or a JSON object, kept as sent; null leaves c
// unchanged, and anything else is an error.
func (c *Credits) UnmarshalJSON(b []byte) error {
	b = bytes.Trim(b, " \t\r\n")
	switch {
	case string(b) == "null":
		return nil
	case len(b) > 0 && b[0] == '{':
		var m map[string]json.RawMessage
		if err := json.Unmarshal(b, &m); err != nil {
			return fmt.Errorf("credits: %w", err)
		}
	case isJSONNumber(b):
	default:
		return fmt.Errorf("credits: want a number or an object {\"legacy\", \"current\"}, got %.40s", b)
	}
	c.raw = bytes.Clone(b)
	return nil
}
