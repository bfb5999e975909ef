package api

import (
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// fixture reads a documented body from openapi/fixtures.
func fixture(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "openapi", "fixtures", name))
	if err != nil {
		t.Fatalf("reading fixture %s : %v", name, err)
	}
	return b
}

func TestParseErrorDocumentedShapes(t *testing.T) {
	cases := []struct {
		fixture             string
		status              int
		header              http.Header
		typ, message, param string
		retryAfter          time.Duration
	}{
		{"get-task.404.json", 404, nil, "not_found_error", "Task not found", "task_hash", 0},
		{"delete-task.404.json", 404, nil, "not_found_error", "Task not found", "task_hash", 0},
		{"upload-status.404.json", 404, nil, "not_found_error", "Upload task not found", "upload_task_id", 0},
		{"add-tasks.400.json", 400, nil, "validation_error", "Invalid task parameters. Each task must contain required fields for the crawler.", "tasks", 0},
		{"error.detail.400.json", 400, nil, "", "A required parameter squid is missing from the route.", "", 0},
		{"error.ratelimit.429.json", 429, http.Header{"Retry-After": {"7"}}, "RateLimitExceeded", "Rate limit exceeded. Please try again later.", "", 7 * time.Second},
		// No Retry-After header: the wait is read from the message.
		{"error.throttled.429.json", 429, nil, "", "Request was throttled. Expected available in 2 seconds.", "", 2 * time.Second},
	}
	for _, c := range cases {
		t.Run(c.fixture, func(t *testing.T) {
			body := fixture(t, c.fixture)
			e := ParseError(c.status, c.header, body)
			if e.StatusCode != c.status || e.Type != c.typ || e.Message != c.message || e.Param != c.param || e.RetryAfter != c.retryAfter {
				t.Errorf("got status %d type %q message %q param %q retry %v", e.StatusCode, e.Type, e.Message, e.Param, e.RetryAfter)
			}
			if string(e.Body) != string(body) {
				t.Errorf("Body = %q, want the raw body", e.Body)
			}
		})
	}
}

func TestParseErrorOtherShapes(t *testing.T) {
	cases := []struct {
		name                string
		status              int
		body                string
		typ, message, param string
	}{
		{"errors envelope", 403, `{"errors": {"message": "Not allowed", "type": "PermissionDenied", "code": 403}}`, "PermissionDenied", "Not allowed", ""},
		{"field errors", 400, `{"squid": ["This field is required."], "tasks": ["Must not be empty.", "Really."]}`, "", "squid: This field is required.; tasks: Must not be empty. Really.", "squid"},
		{"detail list", 400, `{"detail": ["a", "b"]}`, "", "a b", ""},
		{"top-level message", 500, `{"message": "SomethingWentWrong", "type": "server_error"}`, "server_error", "SomethingWentWrong", ""},
		{"empty body", 502, ``, "", "Bad Gateway (empty body)", ""},
		{"white space", 503, " \n ", "", "Service Unavailable (empty body)", ""},
		{"html title", 502, `<html><head><title>502 Bad Gateway</title></head><body>nginx</body></html>`, "", "Bad Gateway (HTML page: 502 Bad Gateway)", ""},
		{"html h1", 504, `<html><body><h1>Gateway <b>Timeout</b></h1></body></html>`, "", "Gateway Timeout (HTML page: Gateway Timeout)", ""},
		{"html bare", 500, `<p>oops</p>`, "", "Internal Server Error (HTML page)", ""},
		{"text", 500, "upstream connect error\nor disconnect", "", "Internal Server Error: upstream connect error or disconnect", ""},
		{"broken json", 500, `{"error": {"message": "x"`, "", "Internal Server Error: {\"error\": {\"message\": \"x\"", ""},
		{"json null", 500, `null`, "", "Internal Server Error: null", ""},
		{"unknown status", 599, ``, "", "HTTP 599 (empty body)", ""},
		{"error null detail", 401, `{"error": null, "detail": "Invalid token."}`, "", "Invalid token.", ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			e := ParseError(c.status, nil, []byte(c.body))
			if e.Type != c.typ || e.Message != c.message || e.Param != c.param {
				t.Errorf("got type %q message %q param %q\nwant type %q message %q param %q", e.Type, e.Message, e.Param, c.typ, c.message, c.param)
			}
		})
	}
}

func TestParseErrorRetryAfter(t *testing.T) {
	now := time.Now()
	date := now.Add(90 * time.Second).UTC().Format(http.TimeFormat)
	cases := map[string]time.Duration{
		"":                              0,
		"3600":                          time.Hour,
		"1.5":                           1500 * time.Millisecond,
		"0":                             0,
		"-4":                            0,
		"soon":                          0,
		date:                            90 * time.Second,
		"Mon, 01 Jan 2001 00:00:00 GMT": 0, // in the past
	}
	for v, want := range cases {
		got := parseRetryAfter(v, now)
		if d := got - want; d < -time.Second || d > time.Second {
			t.Errorf("parseRetryAfter(%q) = %v, want %v", v, got, want)
		}
	}
}

func TestParseErrorCapsBody(t *testing.T) {
	big := strings.Repeat("x", maxErrorBody*2)
	e := ParseError(500, nil, []byte(big))
	if len(e.Body) != maxErrorBody {
		t.Fatalf("Body has %d bytes, want the cap %d", len(e.Body), maxErrorBody)
	}
	if len(e.Message) > 300 {
		t.Fatalf("Message has %d bytes; want it clipped", len(e.Message))
	}
}

func TestErrorPredicatesAndFormat(t *testing.T) {
	e := ParseError(404, nil, fixture(t, "get-task.404.json"))
	e.Method, e.Path = "GET", "/v1/tasks/c5e29d2aba8b77cdc56391e7405302de"
	wrapped := fmt.Errorf("outer: %w", e)
	if !IsNotFound(wrapped) || IsUnauthorized(wrapped) || IsRateLimited(wrapped) {
		t.Fatal("predicates disagree with a wrapped 404")
	}
	var got *Error
	if !errors.As(wrapped, &got) || got != e {
		t.Fatal("errors.As does not find the *Error")
	}
	want := "lobstr: GET /v1/tasks/c5e29d2aba8b77cdc56391e7405302de: 404 Not Found (not_found_error): Task not found [param task_hash]"
	if e.Error() != want {
		t.Fatalf("Error() = %q\nwant      %q", e.Error(), want)
	}
	if IsNotFound(nil) || IsNotFound(errors.New("404")) {
		t.Fatal("IsNotFound is true for something that is not an *Error")
	}
	r := ParseError(429, http.Header{"Retry-After": {"3600"}}, fixture(t, "error.ratelimit.429.json"))
	if !IsRateLimited(r) || !strings.HasSuffix(r.Error(), "retry after 1h0m0s") || !r.Temporary() {
		t.Fatalf("429: %v", r)
	}
	if u := ParseError(401, nil, []byte(`{"detail": "Invalid token."}`)); !IsUnauthorized(u) || u.Temporary() {
		t.Fatalf("401: %v", u)
	}
}

// FuzzParseError feeds arbitrary bodies and Retry-After values to ParseError: it must never
// panic, never leave Message empty, and keep at most maxErrorBody bytes of the body.
func FuzzParseError(f *testing.F) {
	for _, name := range []string{"get-task.404.json", "add-tasks.400.json", "error.detail.400.json", "error.ratelimit.429.json", "error.throttled.429.json", "upload-status.404.json"} {
		f.Add(429, string(fixture(f, name)), "2")
	}
	f.Add(502, "<html><title>x</title></html>", "Wed, 21 Oct 2015 07:28:00 GMT")
	f.Add(500, "", "")
	f.Add(400, `{"a": {"b": [1, "x", null]}}`, "1e400")
	f.Add(403, `{"errors": {"message": 5}}`, "NaN")
	f.Fuzz(func(t *testing.T, status int, body, retryAfter string) {
		e := ParseError(status, http.Header{"Retry-After": {retryAfter}}, []byte(body))
		if e.Message == "" {
			t.Fatalf("empty Message for status %d body %q", status, body)
		}
		if len(e.Body) > maxErrorBody {
			t.Fatalf("Body not capped: %d", len(e.Body))
		}
		if e.RetryAfter < 0 {
			t.Fatalf("negative RetryAfter %v", e.RetryAfter)
		}
		_ = e.Error()
	})
}
