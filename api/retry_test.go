package api

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"
)

const seedHash = "c5e29d2aba8b77cdc56391e7405302de"

// scripted is a server that answers the requests in turn with the given handlers; after the
// last one it keeps using the last.
type scripted struct {
	steps []http.HandlerFunc
	n     atomic.Int32
}

func (s *scripted) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	i := int(s.n.Add(1)) - 1
	if i >= len(s.steps) {
		i = len(s.steps) - 1
	}
	s.steps[i](w, r)
}

func status(code int, body string, hdr ...string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		for i := 0; i+1 < len(hdr); i += 2 {
			w.Header().Set(hdr[i], hdr[i+1])
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(code)
		io.WriteString(w, body)
	}
}

func hangUp(w http.ResponseWriter, r *http.Request) {
	conn, _, err := w.(http.Hijacker).Hijack()
	if err == nil {
		conn.Close()
	}
}

func newScripted(t *testing.T, steps ...http.HandlerFunc) (*scripted, *Client) {
	t.Helper()
	s := &scripted{steps: steps}
	srv := httptest.NewServer(s)
	t.Cleanup(srv.Close)
	c, err := NewClient(WithToken("tok"), WithBaseURL(srv.URL+"/v1"), WithRetryBackoff(time.Millisecond, 5*time.Millisecond), WithoutPacing())
	if err != nil {
		t.Fatal(err)
	}
	return s, c
}

func TestRetryThenSuccess(t *testing.T) {
	ok := string(fixture(t, "get-task.200.json"))
	s, c := newScripted(t, status(500, `{"detail":"x"}`), status(503, ""), status(200, ok))
	task, err := c.Tasks.Get(t.Context(), seedHash)
	if err != nil {
		t.Fatal(err)
	}
	if task.HashValue != seedHash || s.n.Load() != 3 {
		t.Fatalf("task %q after %d requests; want the seed after 3", task.HashValue, s.n.Load())
	}
}

func TestNoRetryOnClientErrors(t *testing.T) {
	for _, code := range []int{400, 401, 403, 404} {
		s, c := newScripted(t, status(code, `{"detail":"no"}`))
		_, err := c.Tasks.Get(t.Context(), seedHash)
		var e *Error
		if !errors.As(err, &e) || e.StatusCode != code || s.n.Load() != 1 {
			t.Fatalf("%d: err %v after %d requests; want the *Error after 1", code, err, s.n.Load())
		}
	}
}

func TestRetryGivesUpAfterMax(t *testing.T) {
	s, c := newScripted(t, status(502, "<html><title>bad gateway</title></html>"))
	_, err := c.Tasks.Get(t.Context(), seedHash)
	var e *Error
	if !errors.As(err, &e) || e.StatusCode != 502 || s.n.Load() != 1+DefaultMaxRetries {
		t.Fatalf("err %v after %d requests; want 502 after %d", err, s.n.Load(), 1+DefaultMaxRetries)
	}
	s2 := &scripted{steps: []http.HandlerFunc{status(504, "")}}
	srv := httptest.NewServer(s2)
	defer srv.Close()
	c0, _ := NewClient(WithToken("t"), WithBaseURL(srv.URL+"/v1"), WithMaxRetries(0), WithoutPacing())
	if _, err := c0.Tasks.Get(t.Context(), seedHash); err == nil || s2.n.Load() != 1 {
		t.Fatalf("WithMaxRetries(0): %v after %d requests", err, s2.n.Load())
	}
}

// A Retry-After longer than the client waits returns the 429 at once. This test and the
// three below run in a synctest bubble, their server in the process (newScriptedBubble):
// the waits they measure are the client's, on the bubble's clock, not the machine's load.
func TestRetryAfterTooLongReturnsAtOnce(t *testing.T) {
	synctest.Test(t, retryAfterTooLongReturnsAtOnce)
}

func retryAfterTooLongReturnsAtOnce(t *testing.T) {
	s, c, _ := newScriptedBubble(t, status(429, string(fixture(t, "error.ratelimit.429.json")), "Retry-After", "3600"))
	start := time.Now()
	_, err := c.Tasks.Get(t.Context(), seedHash)
	var e *Error
	if !errors.As(err, &e) || !IsRateLimited(err) || e.RetryAfter != time.Hour {
		t.Fatalf("err = %v; want a 429 with RetryAfter 1h", err)
	}
	if d := time.Since(start); d > time.Second || s.n.Load() != 1 {
		t.Fatalf("took %v and %d requests; want under a second and 1", d, s.n.Load())
	}
}

// A 429 with Retry-After 1 is retried after a second (in a bubble).
func TestRetryAfterHonoured(t *testing.T) { synctest.Test(t, retryAfterHonoured) }

func retryAfterHonoured(t *testing.T) {
	s, c, _ := newScriptedBubble(t, status(429, `{"detail":"slow down"}`, "Retry-After", "1"), status(200, string(fixture(t, "get-task.200.json"))))
	start := time.Now()
	if _, err := c.Tasks.Get(t.Context(), seedHash); err != nil {
		t.Fatal(err)
	}
	if d := time.Since(start); d < 900*time.Millisecond || s.n.Load() != 2 {
		t.Fatalf("retried after %v with %d requests; want about 1s and 2", d, s.n.Load())
	}
}

// A Retry-After past the context's deadline returns the 503 at once (in a bubble).
func TestRetryAfterBeyondDeadline(t *testing.T) { synctest.Test(t, retryAfterBeyondDeadline) }

func retryAfterBeyondDeadline(t *testing.T) {
	_, c, _ := newScriptedBubble(t, status(503, `{"detail":"maintenance"}`, "Retry-After", "30"))
	ctx, cancel := context.WithTimeout(t.Context(), 2*time.Second)
	defer cancel()
	start := time.Now()
	_, err := c.Tasks.Get(ctx, seedHash)
	var e *Error
	if !errors.As(err, &e) || e.StatusCode != 503 || e.RetryAfter != 30*time.Second || time.Since(start) > time.Second {
		t.Fatalf("err = %v after %v; want the 503 at once", err, time.Since(start))
	}
}

func TestNetworkErrorsRetried(t *testing.T) {
	s, c := newScripted(t, hangUp, hangUp, status(200, string(fixture(t, "get-task.200.json"))))
	if _, err := c.Tasks.Get(t.Context(), seedHash); err != nil || s.n.Load() != 3 {
		t.Fatalf("err %v after %d requests", err, s.n.Load())
	}
	s, c = newScripted(t, hangUp)
	_, err := c.Tasks.Get(t.Context(), seedHash)
	var te *transportError
	if !errors.As(err, &te) || s.n.Load() != 3 || !strings.Contains(err.Error(), "Tasks.Get") {
		t.Fatalf("err %v after %d requests", err, s.n.Load())
	}
}

func TestAddTasksRetriedUploadNot(t *testing.T) {
	s, c := newScripted(t, status(503, ""), status(200, string(fixture(t, "add-tasks.200.json"))))
	r, err := c.Tasks.Add(t.Context(), "sq", []Params{{"url": "https://a"}})
	if err != nil || len(r.Tasks) != 2 || s.n.Load() != 2 {
		t.Fatalf("Tasks.Add: %v %v after %d requests", r, err, s.n.Load())
	}
	s, c = newScripted(t, status(503, ""), status(200, string(fixture(t, "upload-tasks.200.json"))))
	_, err = c.Tasks.Upload(t.Context(), "sq", "t.csv", strings.NewReader("url\nhttps://a\n"))
	if err == nil || s.n.Load() != 1 {
		t.Fatalf("Tasks.Upload: %v after %d requests; want the 503 after 1", err, s.n.Load())
	}
}

func TestBodyCapAndMalformedBodies(t *testing.T) {
	big := `{"hash_value": "` + strings.Repeat("a", 1<<20) + `"}`
	s := &scripted{steps: []http.HandlerFunc{status(200, big)}}
	srv := httptest.NewServer(s)
	defer srv.Close()
	c, _ := NewClient(WithToken("t"), WithBaseURL(srv.URL+"/v1"), WithMaxBodySize(1<<10), WithoutPacing())
	if _, err := c.Tasks.Get(t.Context(), seedHash); err == nil || !strings.Contains(err.Error(), "exceeds 1024 bytes") || s.n.Load() != 1 {
		t.Fatalf("err = %v after %d requests", err, s.n.Load())
	}
	for body, want := range map[string]string{
		``:                     "empty body",
		`{"hash_value": "c5e2`: "not the documented JSON",
		`<html>login</html>`:   "not the documented JSON",
		`{}`:                   "no hash_value",
		`{"hash_value": 5}`:    "not the documented JSON",
	} {
		_, c := newScripted(t, status(200, body))
		if _, err := c.Tasks.Get(t.Context(), seedHash); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("body %q: err = %v; want %q", body, err, want)
		}
	}
}

func TestTruncatedBodyIsRetriedThenError(t *testing.T) {
	cut := func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Length", "500")
		w.WriteHeader(200)
		io.WriteString(w, `{"hash_value": "c5e2`)
		w.(http.Flusher).Flush()
		conn, _, _ := w.(http.Hijacker).Hijack()
		conn.Close()
	}
	s, c := newScripted(t, cut)
	_, err := c.Tasks.Get(t.Context(), seedHash)
	if err == nil || s.n.Load() != 3 {
		t.Fatalf("err = %v after %d requests; want an error after 3", err, s.n.Load())
	}
}

// Cancelling the context ends an hour's backoff (in a bubble).
func TestContextCancelStopsRetries(t *testing.T) { synctest.Test(t, contextCancelStopsRetries) }

func contextCancelStopsRetries(t *testing.T) {
	s, c, _ := newScriptedBubble(t, status(500, ""))
	c.retry.base, c.retry.cap = time.Hour, time.Hour
	ctx, cancel := context.WithCancel(t.Context())
	go func() { time.Sleep(50 * time.Millisecond); cancel() }()
	start := time.Now()
	_, err := c.Tasks.Get(ctx, seedHash)
	if err == nil || time.Since(start) > 5*time.Second {
		t.Fatalf("err %v after %v", err, time.Since(start))
	}
	_ = s
}

func TestRequestHeaders(t *testing.T) {
	var got http.Header
	var path string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got, path = r.Header.Clone(), r.URL.Path
		status(200, string(fixture(t, "get-task.200.json")))(w, r)
	}))
	defer srv.Close()
	c, _ := NewClient(WithToken("k3y"), WithBaseURL(srv.URL+"/v1/"), WithUserAgent("me/1"))
	if _, err := c.Tasks.Get(t.Context(), seedHash); err != nil {
		t.Fatal(err)
	}
	if got.Get("Authorization") != "Token k3y" || got.Get("User-Agent") != "me/1" || path != "/v1/tasks/"+seedHash {
		t.Fatalf("headers %v path %s", got, path)
	}
}
