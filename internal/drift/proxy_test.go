package drift

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/lobstr-go/lobstr/openapi"
)

const (
	secret     = "s3cr3t-token-0123456789abcdef"
	seedHash   = "c5e29d2aba8b77cdc56391e7405302de"
	missingObj = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa" // answered without its required "object"
	okHash     = "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb" // answered exactly as documented
	goneHash   = "cccccccccccccccccccccccccccccccc" // the documented 404
	uploadID   = "427a7bfc54cf4ce483d83ba23425164b"
	upstreamAt = "/api/v9" // the upstream's base path, not the document's /v1
)

// fixture reads a documented example body and decodes it.
func fixture(t *testing.T, name string) map[string]any {
	t.Helper()
	b, err := openapi.Fixture(name)
	if err != nil {
		t.Fatal(err)
	}
	var v map[string]any
	if err := json.Unmarshal(b, &v); err != nil {
		t.Fatal(err)
	}
	return v
}

// deviatingUpstream is a lobstr API that departs from the document in known ways, listed
// in the test. It answers 401 to any request without the caller's token, and records what
// it sent, for the test to compare with what the client got.
type deviatingUpstream struct {
	t    *testing.T
	mu   sync.Mutex
	sent map[string][]byte // "METHOD path" -> body
	seen []string          // request paths, as received
}

func (u *deviatingUpstream) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	t := u.t
	u.mu.Lock()
	u.seen = append(u.seen, r.Method+" "+r.URL.RequestURI())
	u.mu.Unlock()
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("X-RateLimit-Limit", "90")
	h.Set("X-RateLimit-Remaining", "89")
	h.Set("X-RateLimit-Reset", "1739197200")
	h.Set("Set-Cookie", "session="+secret)
	status := http.StatusOK
	var body any
	switch path := strings.TrimPrefix(r.URL.Path, upstreamAt); {
	case r.Header.Get("Authorization") != "Token "+secret || r.Header.Get("X-Forwarded-For") != "":
		// The token is echoed, as some APIs do: it must not reach a recorded file.
		status, body = http.StatusUnauthorized, map[string]any{"detail": "Invalid token " + r.Header.Get("Authorization") + "."}
	case r.Method == "GET" && path == "/tasks/"+seedHash:
		task := fixture(t, "get-task.200.json")
		task["priority"] = 3                                     // unknown field
		task["status"].(map[string]any)["total_results"] = "156" // wrong type
		body = task
	case r.Method == "GET" && path == "/tasks/"+missingObj:
		task := fixture(t, "get-task.200.json")
		delete(task, "object") // a required field missing
		body = task
	case r.Method == "GET" && path == "/tasks/"+okHash:
		body = fixture(t, "get-task.200.json")
	case r.Method == "GET" && path == "/tasks/"+goneHash:
		status, body = http.StatusNotFound, fixture(t, "get-task.404.json")
	case r.Method == "DELETE" && path == "/tasks/"+seedHash:
		status, body = http.StatusTeapot, map[string]any{"detail": "I'm a teapot."} // undocumented status
	case r.Method == "GET" && path == "/tasks/upload/"+uploadID:
		status, body = http.StatusNotFound, map[string]any{"oops": "gone"} // undocumented error shape
	case r.Method == "GET" && path == "/tasks":
		h.Set("X-RateLimit-Remaining", "many") // a header of the wrong type
		page := fixture(t, "list-tasks.200.json")
		for _, item := range page["data"].([]any) {
			item.(map[string]any)["priority"] = 1 // unknown field, in every item
		}
		body = page
	default:
		status, body = http.StatusNotFound, map[string]any{"detail": "Not found."}
	}
	b, _ := json.Marshal(body)
	u.mu.Lock()
	u.sent[r.Method+" "+r.URL.Path] = b
	u.mu.Unlock()
	w.WriteHeader(status)
	w.Write(b)
}

// violationID is what identifies a violation, for comparing lists.
func violationID(v Violation) string {
	return strings.Join([]string{v.Operation, v.Response, v.In, v.Pointer, string(v.Kind)}, " ")
}

func TestProxyReportsEveryPlantedDeviationOnce(t *testing.T) {
	up := &deviatingUpstream{t: t, sent: map[string][]byte{}}
	upstream := httptest.NewServer(up)
	defer upstream.Close()

	var mu sync.Mutex
	var reported []Violation
	dir := filepath.Join(t.TempDir(), "fixtures")
	rec, err := NewRecorder(dir, func(err error) { t.Errorf("recording: %v", err) })
	if err != nil {
		t.Fatal(err)
	}
	p, err := New(Config{Upstream: upstream.URL + upstreamAt, Recorder: rec, Report: func(v Violation) {
		mu.Lock()
		defer mu.Unlock()
		reported = append(reported, v)
	}})
	if err != nil {
		t.Fatal(err)
	}
	proxy := httptest.NewServer(p)
	defer proxy.Close()

	do := func(method, path, token string) (int, []byte) {
		t.Helper()
		req, _ := http.NewRequest(method, proxy.URL+path, nil)
		if token != "" {
			req.Header.Set("Authorization", "Token "+token)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, b
	}
	exchanges := []struct {
		method, path string
		status       int
	}{
		{"GET", "/v1/tasks/" + seedHash, 200},
		{"GET", "/v1/tasks/" + seedHash, 200}, // the same drift again: not reported again
		{"GET", "/v1/tasks/" + missingObj, 200},
		{"GET", "/v1/tasks/" + okHash, 200},
		{"GET", "/v1/tasks/" + goneHash, 404},
		{"DELETE", "/v1/tasks/" + seedHash, 418},
		{"GET", "/v1/tasks/upload/" + uploadID, 404},
		{"GET", "/v1/tasks?squid=a1b2c3d4e5f6g7h8i9j0", 200},
		{"GET", "/v1/tasks?squid=a1b2c3d4e5f6g7h8i9j0&limit=ten", 200}, // a request that breaks the document
	}
	for _, e := range exchanges {
		status, body := do(e.method, e.path, secret)
		if status != e.status {
			t.Fatalf("%s %s: status %d, want %d (the upstream's): %s", e.method, e.path, status, e.status, body)
		}
		path, _, _ := strings.Cut(e.path, "?")
		up.mu.Lock()
		sent := up.sent[e.method+" "+upstreamAt+strings.TrimPrefix(path, "/v1")]
		up.mu.Unlock()
		if !bytes.Equal(body, sent) {
			t.Errorf("%s %s: the proxy changed the answer:\n got %s\nwant %s", e.method, e.path, body, sent)
		}
	}
	planted := []string{
		"getTask 200 response-body /priority unknown-field",
		"getTask 200 response-body /status/total_results wrong-type",
		"getTask 200 response-body /object missing-required",
		"deleteTask 418 response-status  undocumented-status",
		"getUpload 404 response-body  undocumented-error-shape",
		"listTasks 200 response-header /X-RateLimit-Remaining wrong-type",
		"listTasks 200 response-body /data/0/priority unknown-field",
		"listTasks  request-query /limit wrong-type",
	}
	mu.Lock()
	var got []string
	for _, v := range reported {
		got = append(got, violationID(v))
		if v.Operation == "" || v.Message == "" || v.Method == "" || v.Path == "" || v.Count < 1 {
			t.Errorf("violation lacks a field: %+v", v)
		}
	}
	mu.Unlock()
	slices.Sort(planted)
	slices.Sort(got)
	if !slices.Equal(got, planted) {
		t.Errorf("reported violations differ from the planted ones:\nreported:\n  %s\nplanted:\n  %s",
			strings.Join(got, "\n  "), strings.Join(planted, "\n  "))
	}
	t.Logf("planted and reported (%d):\n  %s", len(got), strings.Join(got, "\n  "))

	// The same list, at GET /_lobstr/violations; the drift seen twice counted twice.
	status, body := do("GET", ViolationsPath, "")
	if status != 200 {
		t.Fatalf("GET %s: %d %s", ViolationsPath, status, body)
	}
	var listed []Violation
	if err := json.Unmarshal(body, &listed); err != nil {
		t.Fatalf("GET %s: %v: %s", ViolationsPath, err, body)
	}
	var ids []string
	for _, v := range listed {
		ids = append(ids, violationID(v))
		if v.Pointer == "/priority" && v.Operation == "getTask" && v.Count != 2 {
			t.Errorf("getTask /priority seen twice, count %d", v.Count)
		}
		if v.Pointer == "/X-RateLimit-Remaining" && v.Count != 2 {
			t.Errorf("listTasks header seen twice, count %d", v.Count)
		}
	}
	slices.Sort(ids)
	if !slices.Equal(ids, planted) {
		t.Errorf("GET %s differs from the planted list:\n  %s", ViolationsPath, strings.Join(ids, "\n  "))
	}

	// The upstream got the paths under its own base, with the query, and nothing else.
	up.mu.Lock()
	if !slices.Contains(up.seen, "GET "+upstreamAt+"/tasks?squid=a1b2c3d4e5f6g7h8i9j0&limit=ten") {
		t.Errorf("the upstream did not get the rewritten path and query: %q", up.seen)
	}
	n := len(up.seen)
	up.mu.Unlock()
	if n != len(exchanges) {
		t.Errorf("the upstream got %d requests, want %d", n, len(exchanges))
	}

	// An answer echoing the token, recorded like any other.
	if status, _ := do("GET", "/v1/tasks/"+okHash, "wrong-"+secret); status != 401 {
		t.Fatalf("a wrong token: status %d, want the upstream's 401", status)
	}
	checkRecorded(t, dir, len(exchanges)-2+1) // two answers repeat one seen before; one 401
}

// checkRecorded checks the fixtures: the expected number, none holding the token or an
// Authorization or Set-Cookie header, each loading and replaying its answer.
func checkRecorded(t *testing.T, dir string, want int) {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != want {
		var names []string
		for _, e := range entries {
			names = append(names, e.Name())
		}
		t.Errorf("%d fixture files, want %d: %q", len(entries), want, names)
	}
	redactedSeen := false
	for _, e := range entries {
		path := filepath.Join(dir, e.Name())
		raw, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		for _, bad := range []string{secret, "Authorization", "Set-Cookie", "session="} {
			if bytes.Contains(raw, []byte(bad)) {
				t.Errorf("%s holds %q:\n%s", e.Name(), bad, raw)
			}
		}
		redactedSeen = redactedSeen || bytes.Contains(raw, []byte(redacted))
		f, err := LoadFixture(path)
		if err != nil {
			t.Fatal(err)
		}
		if want := fmt.Sprintf("%s.%d.", fileSafe(f.Operation), f.Status); !strings.HasPrefix(e.Name(), want) {
			t.Errorf("%s: name does not start with %s", e.Name(), want)
		}
		rr := httptest.NewRecorder()
		f.ServeHTTP(rr, httptest.NewRequest("GET", f.Path, nil))
		if rr.Code != f.Status || !json.Valid(rr.Body.Bytes()) || rr.Header().Get("Content-Type") != "application/json" {
			t.Errorf("%s replays %d %q %s", e.Name(), rr.Code, rr.Header().Get("Content-Type"), rr.Body.Bytes())
		}
		if f.Header["X-Ratelimit-Limit"] != "90" {
			t.Errorf("%s: the documented rate-limit header was not kept: %v", e.Name(), f.Header)
		}
	}
	if !redactedSeen {
		t.Error("no fixture shows REDACTED where the upstream echoed the token")
	}
}

func TestUpstreamURLChecked(t *testing.T) {
	for _, bad := range []string{"", "api.lobstr.io/v1", "ftp://example.com/v1", "http://example.com/v1",
		"https://user:pw@example.com/v1", "https://example.com/v1?x=1"} {
		if _, err := New(Config{Upstream: bad}); err == nil {
			t.Errorf("upstream %q accepted", bad)
		} else if strings.Contains(err.Error(), "pw") {
			t.Errorf("the error shows the password: %v", err)
		}
	}
	for _, good := range []string{"https://api.lobstr.io/v1", "http://127.0.0.1:9/v1", "http://localhost:8080"} {
		if _, err := New(Config{Upstream: good}); err != nil {
			t.Errorf("upstream %q refused: %v", good, err)
		}
	}
}

func TestOutsideThePrefixAndUnknownOperations(t *testing.T) {
	var hits int
	upstream := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits++
		w.Header().Set("Content-Type", "application/json")
		w.Write([]byte(`{"ok":true}`))
	}))
	defer upstream.Close()
	p, err := New(Config{Upstream: upstream.URL})
	if err != nil {
		t.Fatal(err)
	}
	rr := httptest.NewRecorder()
	p.ServeHTTP(rr, httptest.NewRequest("GET", "/elsewhere", nil))
	if rr.Code != 404 || hits != 0 {
		t.Errorf("a path outside /v1: %d, %d upstream hits; want 404 and none", rr.Code, hits)
	}
	rr = httptest.NewRecorder()
	p.ServeHTTP(rr, httptest.NewRequest("GET", "/v1/brand-new", nil))
	if rr.Code != 200 || hits != 1 {
		t.Errorf("an undocumented endpoint: %d, %d upstream hits; want it forwarded", rr.Code, hits)
	}
	got := p.Violations()
	if len(got) != 1 || got[0].Kind != UnknownOperation || got[0].Operation != "GET /v1/brand-new" {
		t.Errorf("violations: %+v, want one unknown-operation", got)
	}
	rr = httptest.NewRecorder()
	p.ServeHTTP(rr, httptest.NewRequest("POST", ViolationsPath, nil))
	if rr.Code != 405 {
		t.Errorf("POST %s: %d, want 405", ViolationsPath, rr.Code)
	}
}

func TestUnreachableUpstream(t *testing.T) {
	upstream := httptest.NewServer(http.NotFoundHandler())
	url := upstream.URL
	upstream.Close()
	p, err := New(Config{Upstream: url + "/v1"})
	if err != nil {
		t.Fatal(err)
	}
	rr := httptest.NewRecorder()
	req := httptest.NewRequest("GET", "/v1/tasks/"+okHash, nil)
	req.Header.Set("Authorization", "Token "+secret)
	p.ServeHTTP(rr, req)
	if rr.Code != 502 || !strings.Contains(rr.Body.String(), "no answer from the upstream") || strings.Contains(rr.Body.String(), secret) {
		t.Errorf("unreachable upstream: %d %s", rr.Code, rr.Body.String())
	}
}
