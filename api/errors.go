package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"html"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// maxErrorBody caps how much of an error body is kept in Error.Body.
const maxErrorBody = 64 << 10

// Error is every non-2xx answer of the API, whatever shape its body had:
//
//	{"error": {"message": "...", "type": "not_found_error", "param": "task_hash"}}
//	{"detail": "..."}
//	{"error": "...", "type": "RateLimitExceeded", "code": 429}
//	{"errors": {"message": "...", "type": "...", "code": N}}
//	{"squid": ["This field is required."]}
//
// and anything else (an HTML page from a proxy, an empty body). Use errors.As to get it, or
// IsNotFound, IsUnauthorized and IsRateLimited.
//
// An error answer whose body is over the cap keeps its status: the body is cut, not the
// answer lost. The client replaces its own token by [redacted] in every field, should a
// server echo it (ParseError, which knows no token, does not).
type Error struct {
	StatusCode int
	Type       string        // "not_found_error", "RateLimitExceeded", … ("" when the body had none)
	Message    string        // never empty
	Param      string        // the parameter the error is about, when the body says
	RetryAfter time.Duration // from Retry-After, on 429 and 503
	Body       []byte        // the raw body, capped at 64 KiB (and at WithMaxBodySize), the client's token redacted

	Method string // the request's method
	Path   string // the request's path, e.g. /v1/tasks/c5e2…
}

// Error formats the error on one line: method, path, status, type, message and param.
func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString("lobstr: ")
	if e.Method != "" {
		b.WriteString(e.Method + " " + e.Path + ": ")
	}
	b.WriteString(strconv.Itoa(e.StatusCode))
	if t := http.StatusText(e.StatusCode); t != "" {
		b.WriteString(" " + t)
	}
	if e.Type != "" {
		b.WriteString(" (" + e.Type + ")")
	}
	b.WriteString(": " + e.Message)
	if e.Param != "" && !strings.Contains(e.Message, e.Param) {
		b.WriteString(" [param " + e.Param + "]")
	}
	if e.RetryAfter > 0 {
		b.WriteString("; retry after " + e.RetryAfter.String())
	}
	return b.String()
}

// Temporary reports whether trying again later may succeed: 429 and 5xx.
func (e *Error) Temporary() bool {
	return e.StatusCode == http.StatusTooManyRequests || e.StatusCode >= 500
}

// IsNotFound reports whether err is (or wraps) an API answer 404.
func IsNotFound(err error) bool { return hasStatus(err, http.StatusNotFound) }

// IsUnauthorized reports whether err is (or wraps) an API answer 401: a missing, unknown or
// expired token.
func IsUnauthorized(err error) bool { return hasStatus(err, http.StatusUnauthorized) }

// IsRateLimited reports whether err is (or wraps) an API answer 429; its RetryAfter says
// how long the server asked to wait.
func IsRateLimited(err error) bool { return hasStatus(err, http.StatusTooManyRequests) }

func hasStatus(err error, code int) bool {
	var e *Error
	return errors.As(err, &e) && e.StatusCode == code
}

// errorBody is the union of the documented error shapes.
type errorBody struct {
	Error   json.RawMessage `json:"error"`  // an object {message,type,param} or a string
	Errors  json.RawMessage `json:"errors"` // an object {message,type,code}
	Detail  json.RawMessage `json:"detail"` // a string (sometimes a list or an object)
	Type    string          `json:"type"`
	Message string          `json:"message"`
	Param   string          `json:"param"`
}

type errorObject struct {
	Message string `json:"message"`
	Type    string `json:"type"`
	Param   string `json:"param"`
}

// ParseError reads an error answer into an *Error: status, the body in any documented shape,
// and Retry-After from header (which may be nil). It never fails: what it cannot read it
// describes, and Message is never empty.
func ParseError(status int, header http.Header, body []byte) *Error {
	e := &Error{StatusCode: status}
	if len(body) > maxErrorBody {
		body = body[:maxErrorBody]
	}
	if len(body) > 0 {
		e.Body = bytes.Clone(body)
	}
	readErrorBody(e, body)
	if e.Message == "" {
		e.Message = fallbackMessage(status, body)
	}
	if header != nil {
		e.RetryAfter = parseRetryAfter(header.Get("Retry-After"), time.Now())
	}
	if e.RetryAfter == 0 && status == http.StatusTooManyRequests {
		// {"detail": "Request was throttled. Expected available in 2 seconds."}
		if m := availableIn.FindStringSubmatch(e.Message); m != nil {
			if n, err := strconv.Atoi(m[1]); err == nil && n > 0 && n < 1e6 {
				e.RetryAfter = time.Duration(n) * time.Second
			}
		}
	}
	return e
}

var availableIn = regexp.MustCompile(`available in (\d+) seconds?`)

func readErrorBody(e *Error, body []byte) {
	trimmed := bytes.TrimSpace(body)
	if len(trimmed) == 0 || trimmed[0] != '{' {
		return
	}
	var b errorBody
	if json.Unmarshal(trimmed, &b) != nil {
		return
	}
	e.Type, e.Param = b.Type, b.Param
	if b.Message != "" {
		e.Message = b.Message
	}
	for _, raw := range []json.RawMessage{b.Error, b.Errors} {
		if len(raw) == 0 || string(raw) == "null" {
			continue
		}
		var o errorObject
		var s string
		switch {
		case json.Unmarshal(raw, &o) == nil:
			e.Message = firstNonEmpty(o.Message, e.Message)
			e.Type = firstNonEmpty(o.Type, e.Type)
			e.Param = firstNonEmpty(o.Param, e.Param)
		case json.Unmarshal(raw, &s) == nil:
			e.Message = firstNonEmpty(s, e.Message)
		default:
			e.Message = firstNonEmpty(e.Message, flatten(raw))
		}
		if e.Message != "" {
			return
		}
	}
	if len(b.Detail) > 0 && string(b.Detail) != "null" {
		e.Message = flatten(b.Detail)
		return
	}
	if e.Message != "" {
		return
	}
	// A field-errors body: {"squid": ["This field is required."], ...}.
	var fields map[string]json.RawMessage
	if json.Unmarshal(trimmed, &fields) != nil || len(fields) == 0 {
		return
	}
	keys := make([]string, 0, len(fields))
	for k := range fields {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	var parts []string
	for _, k := range keys {
		if k == "type" || k == "code" {
			continue
		}
		if m := flatten(fields[k]); m != "" {
			parts = append(parts, k+": "+m)
			if e.Param == "" {
				e.Param = k
			}
		}
	}
	e.Message = strings.Join(parts, "; ")
}

// flatten turns a JSON string, list of strings or object of those into one line.
func flatten(raw json.RawMessage) string {
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return strings.TrimSpace(s)
	}
	var list []json.RawMessage
	if json.Unmarshal(raw, &list) == nil {
		var parts []string
		for _, r := range list {
			if p := flatten(r); p != "" {
				parts = append(parts, p)
			}
		}
		return strings.Join(parts, " ")
	}
	var obj map[string]json.RawMessage
	if json.Unmarshal(raw, &obj) == nil {
		keys := make([]string, 0, len(obj))
		for k := range obj {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		var parts []string
		for _, k := range keys {
			if p := flatten(obj[k]); p != "" {
				parts = append(parts, k+": "+p)
			}
		}
		return strings.Join(parts, "; ")
	}
	return strings.TrimSpace(string(raw))
}

func firstNonEmpty(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

var (
	titleRe = regexp.MustCompile(`(?is)<title[^>]*>(.*?)</title>`)
	h1Re    = regexp.MustCompile(`(?is)<h1[^>]*>(.*?)</h1>`)
	tagRe   = regexp.MustCompile(`<[^>]*>`)
)

// fallbackMessage describes a body that holds no documented error: the title of an HTML
// page, the start of a text, or the status text.
func fallbackMessage(status int, body []byte) string {
	text := http.StatusText(status)
	if text == "" {
		text = "HTTP " + strconv.Itoa(status)
	}
	trimmed := bytes.TrimSpace(body)
	if len(trimmed) == 0 {
		return text + " (empty body)"
	}
	if trimmed[0] == '<' {
		for _, re := range []*regexp.Regexp{titleRe, h1Re} {
			if m := re.FindSubmatch(trimmed); m != nil {
				if t := strings.Join(strings.Fields(html.UnescapeString(tagRe.ReplaceAllString(string(m[1]), ""))), " "); t != "" {
					return text + " (HTML page: " + clip(t, 120) + ")"
				}
			}
		}
		return text + " (HTML page)"
	}
	line := strings.Join(strings.Fields(string(trimmed)), " ")
	if !utf8.ValidString(line) {
		return text + " (unreadable body)"
	}
	return text + ": " + clip(line, 200)
}

func clip(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n]) + "…"
}

// parseRetryAfter reads Retry-After as seconds or an HTTP date; 0 when absent or unreadable.
func parseRetryAfter(v string, now time.Time) time.Duration {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0
	}
	if n, err := strconv.ParseFloat(v, 64); err == nil {
		if n <= 0 || n != n {
			return 0
		}
		if n > 1e9 {
			n = 1e9
		}
		return time.Duration(n * float64(time.Second))
	}
	if t, err := http.ParseTime(v); err == nil {
		if d := t.Sub(now); d > 0 {
			return d.Round(time.Second)
		}
	}
	return 0
}

// argError is an error about an argument, returned before any request is sent.
func argError(op, arg, format string, a ...any) error {
	return fmt.Errorf("api: %s: %s: %s", op, arg, fmt.Sprintf(format, a...))
}
