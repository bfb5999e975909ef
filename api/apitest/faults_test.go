package apitest

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/lobstr-go/lobstr/gen/models"
)

func TestScriptedStatuses(t *testing.T) {
	c := &collector{}
	srv := NewServer(t, WithViolationHandler(c.add))
	path := "/v1/tasks/" + SeedTaskHash
	srv.Script("GET", path,
		Fault{Status: 503, Body: []byte(`{"detail":"Service unavailable."}`), Header: http.Header{"Retry-After": {"2"}}},
		Fault{Status: 502, Body: []byte("<html><body>Bad Gateway</body></html>"), Header: http.Header{"Content-Type": {"text/html"}}},
	)
	srv.Script("GET", path, Fault{Status: 418, Body: []byte(`{"detail":"teapot"}`)}) // appended

	got := get(t, srv, path)
	expect(t, "first", got, 503, `{"detail":"Service unavailable."}`)
	if got.header.Get("Retry-After") != "2" {
		t.Errorf("first: Retry-After %q", got.header.Get("Retry-After"))
	}
	got = get(t, srv, path)
	if got.status != 502 || got.header.Get("Content-Type") != "text/html" || !strings.Contains(string(got.body), "Bad Gateway") {
		t.Errorf("second: %d %q %s", got.status, got.header.Get("Content-Type"), got.body)
	}
	expect(t, "third", get(t, srv, path), 418, `{"detail":"teapot"}`)
	expect(t, "then normal", get(t, srv, path), 200, string(sharedFixture(t, "get-task.200.json")))
	expect(t, "another path is untouched", get(t, srv, "/v1/tasks/upload/"+SeedUploadID), 200, "")
	if n := srv.Requests("GET " + path); n != 4 {
		t.Errorf("Requests = %d, want 4", n)
	}
	if v := c.all(); len(v) != 0 {
		t.Errorf("scripted answers were reported as violations: %v", v)
	}
}

func TestScriptedDelay(t *testing.T) {
	srv := NewServer(t)
	path := "/v1/tasks/" + SeedTaskHash
	// The second delay is long (under ReadTimeout, which would end it anyway): a fake that
	// sat it out would hold Close far past the bound below, which no load reaches.
	srv.Script("GET", path, Fault{Delay: 150 * time.Millisecond}, Fault{Delay: 25 * time.Second})

	start := time.Now()
	expect(t, "delayed", get(t, srv, path), 200, string(sharedFixture(t, "get-task.200.json")))
	if d := time.Since(start); d < 150*time.Millisecond {
		t.Errorf("answered after %v, want at least 150ms", d)
	}

	// The client gives up: the fake stops waiting too.
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, "GET", srv.URL+"/tasks/"+SeedTaskHash, nil)
	req.Header.Set("Authorization", "Token "+srv.Token)
	start = time.Now()
	if _, err := srv.Client().Do(req); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("a 25s delay with a 50ms deadline: %v", err)
	}
	srv.Close() // waits for the handler: it must not sit out the 25s
	if d := time.Since(start); d > 12*time.Second {
		t.Errorf("the fake kept waiting %v after the client left", d)
	}
}

// freshClient opens a new connection per request: http.Transport retries an idempotent
// request by itself when a reused connection closes without an answer.
func freshClient() *http.Client {
	return &http.Client{Transport: &http.Transport{DisableKeepAlives: true}, Timeout: 5 * time.Second}
}

func authed(t *testing.T, srv *Server, method, path string) *http.Request {
	t.Helper()
	req, err := http.NewRequest(method, strings.TrimSuffix(srv.URL, basePath)+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Token "+srv.Token)
	return req
}

func TestCutBody(t *testing.T) {
	srv := NewServer(t)
	path := "/v1/tasks/" + SeedTaskHash
	srv.Script("GET", path, Fault{CutBody: true}, Fault{Status: 500, Body: []byte(`{"detail":"Something went wrong, badly."}`), CutBody: true})
	for i, wantStatus := range []int{200, 500} {
		resp, err := freshClient().Do(authed(t, srv, "GET", path))
		if err != nil {
			t.Fatalf("cut %d: no headers: %v", i, err)
		}
		b, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != wantStatus || !errors.Is(err, io.ErrUnexpectedEOF) {
			t.Errorf("cut %d: status %d, reading the body: %v (%d bytes); want %d and an unexpected EOF", i, resp.StatusCode, err, len(b), wantStatus)
		}
		if full, _ := strconv.Atoi(resp.Header.Get("Content-Length")); len(b) == 0 || len(b) >= full {
			t.Errorf("cut %d: got %d bytes of %d", i, len(b), full)
		}
		if json.Valid(b) {
			t.Errorf("cut %d: the half body is valid JSON: %s", i, b)
		}
	}
	expect(t, "then normal", get(t, srv, path), 200, string(sharedFixture(t, "get-task.200.json")))
}

func TestDrop(t *testing.T) {
	srv := NewServer(t)
	srv.Script("POST", "/v1/tasks", Fault{Drop: true})
	req := authed(t, srv, "POST", "/v1/tasks")
	req.Body = io.NopCloser(strings.NewReader(`{"squid":"` + SeedSquid + `","tasks":[{"url":"https://new"}]}`))
	req.Header.Set("Content-Type", "application/json")
	if resp, err := freshClient().Do(req); err == nil {
		resp.Body.Close()
		t.Fatalf("a dropped request was answered %d", resp.StatusCode)
	}
	if n := len(srv.Tasks(SeedSquid)); n != 2 {
		t.Errorf("a dropped Add Tasks added tasks: %d in the squid", n)
	}
	if srv.Requests("POST /v1/tasks") != 1 {
		t.Errorf("the dropped request was not counted")
	}
	got := postJSON(t, srv, "/v1/tasks", map[string]any{"squid": SeedSquid, "tasks": []any{map[string]any{"url": "https://new"}}})
	if got.status != 200 {
		t.Errorf("after the drop: %d %s", got.status, got.body)
	}
}

// TestLatency runs in a synctest bubble, through the fake's handler: the latency is waited
// on the bubble's clock, which moves only while every goroutine waits, so the time each
// request took is exact, however busy the machine.
func TestLatency(t *testing.T) {
	New() // the package's lazily built state (the document, the catalogue), outside the bubble
	synctest.Test(t, func(t *testing.T) {
		f := New(WithViolationHandler(func(v Violation) { t.Errorf("apitest: %v", v) }))
		f.SetLatency(100 * time.Millisecond)
		start := time.Now()
		direct(t, f, "GET", "/v1/tasks/"+SeedTaskHash)
		direct(t, f, "GET", "/v1/tasks?squid="+SeedSquid)
		if d := time.Since(start); d != 200*time.Millisecond {
			t.Errorf("two requests took %v with 100ms of latency each, want 200ms", d)
		}
		f.SetLatency(0)
		start = time.Now()
		direct(t, f, "GET", "/v1/tasks/"+SeedTaskHash)
		if d := time.Since(start); d != 0 {
			t.Errorf("a request took %v with the latency off, want no time", d)
		}
	})
}

// TestEnforcedRateLimit runs in a synctest bubble, through the fake's handler: the window
// is of the bubble's clock, so the requests of the test all fall in the window it means
// them for, however busy the machine, and waiting for the next window takes no real time.
func TestEnforcedRateLimit(t *testing.T) {
	New() // the package's lazily built state (the document, the catalogue), outside the bubble
	synctest.Test(t, func(t *testing.T) {
		f := New(WithViolationHandler(func(v Violation) { t.Errorf("apitest: %v", v) }))
		const window = 1500 * time.Millisecond
		f.EnforceRateLimit(3, window)
		start := time.Now()
		path := "/v1/tasks/" + SeedTaskHash
		for i := range 3 {
			got := direct(t, f, "GET", path)
			if got.status != 200 || got.header.Get("X-RateLimit-Limit") != "3" || got.header.Get("X-RateLimit-Remaining") != strconv.Itoa(2-i) {
				t.Fatalf("request %d: %d, limit %q remaining %q", i, got.status, got.header.Get("X-RateLimit-Limit"), got.header.Get("X-RateLimit-Remaining"))
			}
		}
		got := direct(t, f, "GET", path)
		expect(t, "over the limit", got, 429, string(sharedFixture(t, "error.ratelimit.429.json")))
		if got.header.Get("Retry-After") != "2" || got.header.Get("X-RateLimit-Remaining") != "0" {
			t.Errorf("429: Retry-After %q (want 2: 1.5s rounded up), remaining %q", got.header.Get("Retry-After"), got.header.Get("X-RateLimit-Remaining"))
		}
		reset, _ := strconv.ParseInt(got.header.Get("X-RateLimit-Reset"), 10, 64)
		if end := start.Add(window); reset != end.Add(time.Second-1).Truncate(time.Second).Unix() {
			t.Errorf("X-RateLimit-Reset %d, want the window's end %v rounded up", reset, end)
		}
		if got := direct(t, f, "GET", "/v1/tasks?squid="+SeedSquid); got.status != 429 {
			t.Errorf("another operation over the limit: %d", got.status)
		}
		time.Sleep(window - 1)
		if got := direct(t, f, "GET", path); got.status != 429 {
			t.Errorf("at the window's last instant: %d, want 429", got.status)
		}
		time.Sleep(time.Nanosecond) // the window's end
		if got := direct(t, f, "GET", path); got.status != 200 || got.header.Get("X-RateLimit-Remaining") != "2" {
			t.Errorf("in the next window: %d, remaining %q", got.status, got.header.Get("X-RateLimit-Remaining"))
		}
	})
}

// poll gets a task and returns its status.
func poll(t *testing.T, srv *Server, hash string) models.TaskStatus {
	t.Helper()
	got := get(t, srv, "/v1/tasks/"+hash)
	if got.status != 200 {
		t.Fatalf("GET task: %d %s", got.status, got.body)
	}
	return decode[models.Task](t, got).Status
}

func TestLifecycleByPolls(t *testing.T) {
	srv := NewServer(t) // every answer is checked against the document
	srv.SetLifecycle(SeedTaskHash, Lifecycle{Polls: 4, Results: 90})
	if task, _ := srv.Task(SeedTaskHash); task.Status.Status != "pending" || task.Status.IsDone {
		t.Fatalf("after SetLifecycle: %+v", task.Status)
	}
	s := poll(t, srv, SeedTaskHash)
	if s.Status != "pending" || s.IsDone || s.StartedAt != nil || s.EndedAt != nil || s.TotalResults != 0 || s.DoneReason != nil {
		t.Errorf("poll 1: %+v, want pending", s)
	}
	var results []int
	for i := 2; i <= 3; i++ {
		s = poll(t, srv, SeedTaskHash)
		if s.Status != "running" || s.IsDone || s.StartedAt == nil || s.EndedAt != nil || s.DoneReason != nil {
			t.Errorf("poll %d: %+v, want running", i, s)
		}
		results = append(results, s.TotalResults)
	}
	if results[0] != 30 || results[1] != 60 {
		t.Errorf("total_results while running: %v, want 30 then 60", results)
	}
	s = poll(t, srv, SeedTaskHash)
	if s.Status != "completed" || !s.IsDone || s.DoneReason == nil || *s.DoneReason != "completed" || s.TotalResults != 90 ||
		s.TotalPages != 4 || s.EndedAt == nil || s.StartedAt == nil || s.EndedAt.Before(s.StartedAt.Time) || s.HasErrors {
		t.Errorf("poll 4: %+v, want completed with 90 results", s)
	}
	if !zonelessRE.MatchString(s.EndedAt.String()) {
		t.Errorf("ended_at %q is not zone-less with microseconds", s.EndedAt)
	}
	if again := poll(t, srv, SeedTaskHash); again.EndedAt.String() != s.EndedAt.String() || !again.IsDone {
		t.Errorf("a finished task changed: %+v", again)
	}
	if n := srv.Requests("GET /v1/tasks/" + SeedTaskHash); n != 5 {
		t.Errorf("Requests = %d, want 5", n)
	}
}

func TestLifecycleEnds(t *testing.T) {
	srv := NewServer(t)
	const other = "6b9d3afdf4e76df374915a50d7a495c4"
	srv.SetLifecycle(SeedTaskHash, Lifecycle{Polls: 2, End: "failed", Results: 40})
	srv.SetLifecycle(other, Lifecycle{Polls: 1, End: "aborted", Results: 40})
	srv.SetLifecycle("0123456789abcdef0123456789abcdef", Lifecycle{Polls: 1}) // unknown: nothing happens

	if s := poll(t, srv, SeedTaskHash); s.Status != "pending" {
		t.Errorf("failed, poll 1: %+v", s)
	}
	s := poll(t, srv, SeedTaskHash)
	if s.Status != "failed" || !s.IsDone || *s.DoneReason != "error" || !s.HasErrors || s.TotalResults != 20 ||
		!json.Valid(s.Errors) || string(s.Errors) == "null" {
		t.Errorf("failed, poll 2: %+v (errors %s)", s, s.Errors)
	}
	s = poll(t, srv, other)
	if s.Status != "aborted" || !s.IsDone || *s.DoneReason != "run_aborted" || s.HasErrors || s.TotalResults != 20 || string(s.Errors) != "null" {
		t.Errorf("aborted, poll 1: %+v", s)
	}
}

// TestLifecycleByDuration runs in a synctest bubble, through the fake's handler: the
// lifecycle's time is the bubble's clock, so each poll falls exactly where the test puts
// it (pending until a quarter of the duration, running until its end, done from then on).
func TestLifecycleByDuration(t *testing.T) {
	New() // the package's lazily built state (the document, the catalogue), outside the bubble
	synctest.Test(t, func(t *testing.T) {
		f := New(WithViolationHandler(func(v Violation) { t.Errorf("apitest: %v", v) }))
		const d = 800 * time.Millisecond
		f.SetLifecycle(SeedTaskHash, Lifecycle{Duration: d, Results: 10})
		pollAt := func(what string) models.TaskStatus {
			t.Helper()
			got := direct(t, f, "GET", "/v1/tasks/"+SeedTaskHash)
			if got.status != 200 {
				t.Fatalf("%s: GET task: %d %s", what, got.status, got.body)
			}
			return decode[models.Task](t, got).Status
		}
		if s := pollAt("at once"); s.Status != "pending" {
			t.Errorf("at once: %s, want pending", s.Status)
		}
		time.Sleep(d/4 - 1)
		if s := pollAt("just before a quarter"); s.Status != "pending" {
			t.Errorf("just before a quarter: %s, want pending", s.Status)
		}
		time.Sleep(d/4 + 1) // halfway
		if s := pollAt("halfway"); s.Status != "running" || s.TotalResults != 3 {
			t.Errorf("halfway: %s with %d results, want running with 3 (a third of the way from a quarter to the end)", s.Status, s.TotalResults)
		}
		time.Sleep(d/2 - 1)
		if s := pollAt("just before the end"); s.Status != "running" || s.TotalResults >= 10 {
			t.Errorf("just before the end: %s with %d results, want running", s.Status, s.TotalResults)
		}
		time.Sleep(time.Nanosecond) // the lifecycle's end
		if s := pollAt("at the end"); s.Status != "completed" || s.TotalResults != 10 {
			t.Errorf("after %v: %s with %d results, want completed with 10", d, s.Status, s.TotalResults)
		}
	})
}

func TestWithLifecycle(t *testing.T) {
	srv := NewServer(t, WithLifecycle(Lifecycle{Polls: 2, Results: 5}))
	res := decode[models.AddTasksResult](t, postJSON(t, srv, "/v1/tasks", map[string]any{"squid": SeedSquid, "tasks": []any{map[string]any{"url": "https://new"}}}))
	if len(res.Tasks) != 1 {
		t.Fatalf("add: %+v", res)
	}
	if s := poll(t, srv, res.Tasks[0].Id); s.Status != "pending" {
		t.Errorf("poll 1: %s", s.Status)
	}
	if s := poll(t, srv, res.Tasks[0].Id); s.Status != "completed" || s.TotalResults != 5 {
		t.Errorf("poll 2: %s with %d", s.Status, s.TotalResults)
	}
	// The seed keeps its documented body.
	expect(t, "seed", get(t, srv, "/v1/tasks/"+SeedTaskHash), 200, string(sharedFixture(t, "get-task.200.json")))
}
