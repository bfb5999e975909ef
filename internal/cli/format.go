package cli

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/lobstr-go/lobstr/api"
)

// paint colours a task or upload state with ANSI escapes when color is true.
func paint(state string, color bool) string {
	if !color {
		return state
	}
	code := ""
	switch strings.ToLower(state) {
	case "completed", "success":
		code = "32" // green
	case "failed", "aborted", "failure":
		code = "31" // red
	case "running", "progress":
		code = "33" // yellow
	case "pending":
		code = "36" // cyan
	default:
		return state
	}
	return "\x1b[" + code + "m" + state + "\x1b[0m"
}

// clean makes a string from the API safe to print on one line: control characters (line
// breaks, tabs, terminal escapes) become spaces.
func clean(s string) string {
	if !utf8.ValidString(s) {
		s = strings.ToValidUTF8(s, "\uFFFD")
	}
	return strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0) {
			return ' '
		}
		return r
	}, s)
}

// truncate shortens s to at most n runes, ending it with … when it was cut.
func truncate(s string, n int) string {
	if n <= 0 {
		return ""
	}
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return string(r[:n-1]) + "…"
}

// truncateMiddle shortens a URL or a query to at most n runes: a URL that must be cut
// loses its scheme first, then its end, where … goes (never its middle: a URL cut in the
// middle reads as another one, and rows whose URLs differ in the middle looked alike).
func truncateMiddle(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	for _, scheme := range []string{"https://", "http://"} {
		if strings.HasPrefix(s, scheme) {
			s = s[len(scheme):]
			break
		}
	}
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return truncate(string(r), n)
}

// formatTime prints a timestamp in UTC to the second, "-" for none, or the text the API
// sent when it is not a valid moment.
func formatTime(ts *api.Timestamp) string {
	if ts != nil && !ts.Valid() {
		return clean(ts.String())
	}
	if ts == nil || ts.IsZero() {
		return "-"
	}
	return ts.UTC().Format("2006-01-02 15:04:05")
}

// shortTime prints a timestamp in UTC to the minute, for tables (the text the API sent
// when it is not a valid moment).
func shortTime(ts api.Timestamp) string {
	if !ts.Valid() {
		return clean(ts.String())
	}
	if ts.IsZero() {
		return "-"
	}
	return ts.UTC().Format("2006-01-02 15:04")
}

// yesNo prints a boolean for people.
func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}

// paramValue prints one parameter's value: a string as is, anything else as JSON.
func paramValue(v any) string {
	if s, ok := v.(string); ok {
		return s
	}
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	return string(b)
}

// paramKeys returns the keys of p, sorted.
func paramKeys(p api.Params) []string {
	keys := make([]string, 0, len(p))
	for k := range p {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// formatParams prints a task's parameters on one line: the value alone when there is one
// key (the usual {"url": ...}), else key=value pairs in key order.
func formatParams(p api.Params) string {
	if len(p) == 0 {
		return "-"
	}
	keys := paramKeys(p)
	if len(keys) == 1 {
		return clean(paramValue(p[keys[0]]))
	}
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = clean(k + "=" + paramValue(p[k]))
	}
	return strings.Join(parts, " ")
}

// elapsed prints a duration rounded to the second.
func elapsed(d time.Duration) string {
	return d.Round(time.Second).String()
}
