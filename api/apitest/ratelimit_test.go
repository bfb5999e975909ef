package apitest

import (
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/lobstr-go/lobstr/gen"
	"github.com/lobstr-go/lobstr/gen/models"
)

// rateHeadersOf reads the three rate-limit headers of an answer, each sent exactly once.
func rateHeadersOf(t *testing.T, what string, got response) (limit, left int, reset int64) {
	t.Helper()
	for _, name := range []string{"X-RateLimit-Limit", "X-RateLimit-Remaining", "X-RateLimit-Reset"} {
		if v := got.header.Values(name); len(v) != 1 {
			t.Fatalf("%s (%d): %s sent %d times: %q", what, got.status, name, len(v), v)
		}
	}
	limit, err1 := strconv.Atoi(got.header.Get("X-RateLimit-Limit"))
	left, err2 := strconv.Atoi(got.header.Get("X-RateLimit-Remaining"))
	reset, err3 := strconv.ParseInt(got.header.Get("X-RateLimit-Reset"), 10, 64)
	if err1 != nil || err2 != nil || err3 != nil {
		t.Fatalf("%s (%d): rate-limit headers not integers: %v", what, got.status, got.header)
	}
	return limit, left, reset
}

// TestRateLimitHeadersOnEveryStatus sends one request for each status the fake answers and
// checks that each answer carries the three rate-limit headers, once each, with the values
// of the window (the limit, one request fewer left than the answer before, the window's
// end), and that the document's check of the answers finds nothing wrong with them.
func TestRateLimitHeadersOnEveryStatus(t *testing.T) {
	c := &collector{}
	srv := NewServer(t, WithViolationHandler(c.add))
	srv.AddSquid("rl")
	const otherHash = "0123456789abcdef0123456789abcdef"
	ctype, form := uploadForm(t, "tasks.csv", "text/plain", "url\nhttps://a\n", [2]string{"squid", "rl"}, [2]string{"file", ""})
	var uploadID string

	steps := []struct {
		what   string
		status int
		do     func() response
	}{
		{"200 Get Task", 200, func() response { return get(t, srv, "/v1/tasks/"+SeedTaskHash) }},
		{"200 Upload Tasks", 200, func() response {
			got := call(t, srv, "POST", "/v1/tasks/upload", strings.NewReader(string(form)), ctype)
			uploadID = decode[models.Upload](t, got).Id
			return got
		}},
		{"202 Check Upload Status", 202, func() response { return get(t, srv, "/v1/tasks/upload/"+uploadID) }},
		{"400 from the operation", 400, func() response {
			return postJSON(t, srv, "/v1/tasks", map[string]any{"squid": SeedSquid, "tasks": []map[string]any{{}}})
		}},
		{"400 from the request check", 400, func() response { return get(t, srv, "/v1/tasks?squid="+SeedSquid+"&limit=0") }},
		{"401 without a token", 401, func() response { return callAs(t, srv, "", "GET", "/v1/tasks/"+SeedTaskHash, nil, "") }},
		{"404 Get Task", 404, func() response { return get(t, srv, "/v1/tasks/"+otherHash) }},
		{"404 List Tasks", 404, func() response { return get(t, srv, "/v1/tasks?squid=nope") }},
		{"404 Delete Task", 404, func() response { return call(t, srv, "DELETE", "/v1/tasks/"+otherHash, nil, "") }},
		{"404 Check Upload Status", 404, func() response { return get(t, srv, "/v1/tasks/upload/"+otherHash) }},
		{"503 scripted", 503, func() response {
			srv.Script("GET", "/v1/tasks/"+SeedTaskHash, Fault{Status: 503, Body: []byte(`{"detail":"Service unavailable."}`)})
			return get(t, srv, "/v1/tasks/"+SeedTaskHash)
		}},
		{"502 scripted HTML", 502, func() response {
			srv.Script("GET", "/v1/tasks", Fault{Status: 502, Body: []byte("<html><body>Bad Gateway</body></html>"),
				Header: http.Header{"Content-Type": {"text/html"}}})
			return get(t, srv, "/v1/tasks?squid="+SeedSquid)
		}},
	}
	last := DefaultRateLimit
	for _, step := range steps {
		got := step.do()
		if got.status != step.status {
			t.Fatalf("%s: status %d, want %d; body %s", step.what, got.status, step.status, got.body)
		}
		limit, left, reset := rateHeadersOf(t, step.what, got)
		if limit != DefaultRateLimit {
			t.Errorf("%s: X-RateLimit-Limit %d, want %d", step.what, limit, DefaultRateLimit)
		}
		// A window may end between two requests: then the count starts again.
		if left != last-1 && left != DefaultRateLimit-1 {
			t.Errorf("%s: X-RateLimit-Remaining %d after %d", step.what, left, last)
		}
		if now := time.Now().Unix(); reset < now || reset > now+61 {
			t.Errorf("%s: X-RateLimit-Reset %d is not within the next minute of %d", step.what, reset, now)
		}
		last = left
	}

	// 429: a limit of one request, spent by the first. The window is not of whole seconds,
	// so it starts with the first request (ratelimit.go) rather than at the clock's minute,
	// whose edge could fall between the two requests.
	srv.EnforceRateLimit(1, time.Minute-time.Millisecond)
	if got := get(t, srv, "/v1/tasks/"+SeedTaskHash); got.status != 200 {
		t.Fatalf("the one request allowed: %d", got.status)
	}
	got := get(t, srv, "/v1/tasks?squid="+SeedSquid)
	if got.status != 429 || got.header.Get("Retry-After") == "" {
		t.Fatalf("over the limit: %d, Retry-After %q", got.status, got.header.Get("Retry-After"))
	}
	if limit, left, reset := rateHeadersOf(t, "429", got); limit != 1 || left != 0 || reset < time.Now().Unix() || reset > time.Now().Unix()+61 {
		t.Errorf("429: limit %d, remaining %d, reset %d", limit, left, reset)
	}

	// A scripted answer's own headers win over the ones it would carry.
	srv.EnforceRateLimit(DefaultRateLimit, time.Minute)
	srv.Script("GET", "/v1/tasks/"+SeedTaskHash, Fault{Status: 500, Body: []byte(`{"detail":"boom"}`),
		Header: http.Header{"X-Ratelimit-Remaining": {"7"}}})
	got = get(t, srv, "/v1/tasks/"+SeedTaskHash)
	if _, left, _ := rateHeadersOf(t, "scripted 500", got); left != 7 {
		t.Errorf("scripted 500: X-RateLimit-Remaining %d, want the fault's 7", left)
	}

	for _, v := range c.all() {
		if v.Kind == ResponseViolation {
			t.Errorf("an answer broke the document: %v", v)
		}
	}
	if v := c.all(); len(v) != 1 || v[0].Kind != RequestViolation || !strings.Contains(v[0].Error(), "limit") {
		t.Errorf("violations %v, want only the request violation of limit=0", v)
	}
}

// badRateHeader is a Get Task answer whose X-RateLimit-Remaining breaks the document.
type badRateHeader struct{}

func (badRateHeader) VisitGetTaskResponse(w http.ResponseWriter) error {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("X-RateLimit-Remaining", "lots")
	w.WriteHeader(404)
	_, err := w.Write(fixture("get-task.404.json"))
	return err
}

// TestErrorRateHeadersAreChecked shows that the check of answers reads the rate-limit
// headers of error answers too: a 404 whose X-RateLimit-Remaining is not an integer is a
// violation. And an error answer built without its Headers keeps the values the outer
// layer set: the generated Visit method writes no zero value over them.
func TestErrorRateHeadersAreChecked(t *testing.T) {
	c := &collector{}
	srv := NewServer(t, WithViolationHandler(c.add))
	bad := true
	srv.respHook = func(op string, resp any) any {
		if _, ok := resp.(gen.GetTask404JSONResponse); !ok {
			return resp
		}
		if bad {
			return badRateHeader{}
		}
		return gen.GetTask404JSONResponse{NotFoundJSONResponse: gen.NotFoundJSONResponse{Body: errTaskNotFound}} // no Headers
	}
	const missing = "/v1/tasks/0123456789abcdef0123456789abcdef"
	if got := get(t, srv, missing); got.status != 404 || got.header.Get("X-RateLimit-Remaining") != "lots" {
		t.Fatalf("the broken answer: %d, remaining %q", got.status, got.header.Get("X-RateLimit-Remaining"))
	}
	if v := c.all(); len(v) != 1 || v[0].Kind != ResponseViolation || v[0].Status != 404 || !strings.Contains(v[0].Error(), "X-RateLimit-Remaining") {
		t.Fatalf("violations %v, want one about X-RateLimit-Remaining of the 404", v)
	}
	bad = false
	got := get(t, srv, missing)
	if _, left, _ := rateHeadersOf(t, "404 without Headers", got); left != DefaultRateLimit-2 {
		t.Errorf("404 without Headers: X-RateLimit-Remaining %d, want %d", left, DefaultRateLimit-2)
	}
	if v := c.all(); len(v) != 1 {
		t.Errorf("violations %v, want still one", v)
	}
}

// TestResultsFamilyWindow: /v1/results answers its documented limit, 2 requests a second,
// in a window of its own (not the shared 90 a minute), without refusing anything until
// EnforceFamilyRateLimit; removing its enforced window brings the documented one back.
func TestResultsFamilyWindow(t *testing.T) {
	srv := NewServer(t)
	check := func(round, shared int) {
		t.Helper()
		for i := range 3 {
			before := time.Now()
			r := get(t, srv, "/v1/results?run="+SeedRunHash)
			limit, left, reset := rateHeadersOf(t, "results", r)
			if r.status != 200 || limit != ResultsRateLimit {
				t.Fatalf("round %d, results %d: status %d, X-RateLimit-Limit %d; want 200 and %d", round, i, r.status, limit, ResultsRateLimit)
			}
			if left < 0 || left > ResultsRateLimit-1 {
				t.Errorf("round %d, results %d: X-RateLimit-Remaining %d, want 0 to %d", round, i, left, ResultsRateLimit-1)
			}
			if reset < before.Unix() || reset > before.Add(ResultsRateWindow).Unix()+1 {
				t.Errorf("round %d, results %d: X-RateLimit-Reset %d, want within a second of %d", round, i, reset, before.Unix())
			}
		}
		if r := get(t, srv, "/v1/squids"); r.status != 200 {
			t.Fatalf("squids: %d", r.status)
		} else if limit, _, _ := rateHeadersOf(t, "squids", r); limit != shared {
			t.Errorf("squids: X-RateLimit-Limit %d, want the shared %d", limit, shared)
		}
	}
	check(1, DefaultRateLimit)
	srv.EnforceFamilyRateLimit(FamilyResults, 5, time.Hour)
	if r := get(t, srv, "/v1/results?run="+SeedRunHash); r.status != 200 {
		t.Fatalf("enforced: %d", r.status)
	} else if limit, _, _ := rateHeadersOf(t, "results", r); limit != 5 {
		t.Errorf("enforced: X-RateLimit-Limit %d, want 5", limit)
	}
	srv.EnforceFamilyRateLimit(FamilyResults, 0, 0)
	check(2, DefaultRateLimit)
	srv.EnforceRateLimit(1, time.Hour) // the shared window does not hold /v1/results
	check(3, 1)
}
