package specvalidate_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/textproto"
	"os"
	"runtime"
	"strings"
	"sync"
	"testing"

	"github.com/lobstr-go/lobstr/internal/specvalidate"
)

const task = `{"hash_value":"c5e29d2aba8b77cdc56391e7405302de","created_at":"2024-12-24T10:57:55.045567",
"is_active":true,"params":{"url":"https://www.linkedin.com/in/johndoe"},"module":5,
"status":{"status":"completed","started_at":"2025-02-04T10:25:47.278419","ended_at":"2025-02-04T10:26:52.310738",
"is_done":true,"total_results":156,"total_pages":1,"done_reason":"completed","has_errors":false,"errors":null},"object":"task"}`

// answer is a handler that answers with a fixed response and counts its calls.
type answer struct {
	status int
	ctype  string
	header map[string]string
	body   string

	mu    sync.Mutex
	calls int
	seen  []byte // the request body it read
}

func (a *answer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	a.mu.Lock()
	a.calls++
	a.mu.Unlock()
	if r.Body != nil {
		b, _ := io.ReadAll(r.Body)
		a.mu.Lock()
		a.seen = b
		a.mu.Unlock()
	}
	if a.ctype != "" {
		w.Header().Set("Content-Type", a.ctype)
	}
	for k, v := range a.header {
		w.Header().Set(k, v)
	}
	w.WriteHeader(a.status)
	io.WriteString(w, a.body)
}

func (a *answer) called() int {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.calls
}

type collector struct {
	mu   sync.Mutex
	list []specvalidate.Violation
}

func (c *collector) report(v specvalidate.Violation) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.list = append(c.list, v)
}

func (c *collector) all() []specvalidate.Violation {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]specvalidate.Violation(nil), c.list...)
}

func wrap(t *testing.T, next http.Handler) (http.Handler, *collector) {
	t.Helper()
	v, err := specvalidate.Default()
	if err != nil {
		t.Fatal(err)
	}
	c := &collector{}
	return v.Handler(next, c.report), c
}

func serve(h http.Handler, r *http.Request) *httptest.ResponseRecorder {
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	return w
}

func okTask() *answer {
	return &answer{status: 200, ctype: "application/json", body: task,
		header: map[string]string{"X-RateLimit-Limit": "90", "X-RateLimit-Remaining": "89", "X-RateLimit-Reset": "1739197200"}}
}

func TestValidExchangePassesUnchanged(t *testing.T) {
	next := okTask()
	h, c := wrap(t, next)
	// Any host: the document's server is https://api.lobstr.io/v1, the fake listens anywhere.
	for _, target := range []string{"http://127.0.0.1:1234/v1/tasks/c5e29d2aba8b77cdc56391e7405302de", "/v1/tasks/c5e29d2aba8b77cdc56391e7405302de"} {
		w := serve(h, httptest.NewRequest("GET", target, nil))
		if w.Code != 200 || w.Body.String() != task {
			t.Errorf("GET %s = %d %q, want the handler's answer", target, w.Code, w.Body)
		}
		if got := w.Header().Get("X-RateLimit-Remaining"); got != "89" {
			t.Errorf("header X-RateLimit-Remaining = %q, want the handler's 89", got)
		}
	}
	if v := c.all(); len(v) != 0 {
		t.Errorf("violations on a valid exchange: %v", v)
	}
	if next.called() != 2 {
		t.Errorf("handler called %d times, want 2", next.called())
	}
}

func TestNilValidatorIsOff(t *testing.T) {
	next := okTask()
	var v *specvalidate.Validator
	if h := v.Handler(next, nil); h != http.Handler(next) {
		t.Fatalf("a nil Validator wrapped the handler: %T", h)
	}
}

func detailOf(t *testing.T, w *httptest.ResponseRecorder) string {
	t.Helper()
	if ct := w.Header().Get("Content-Type"); ct != "application/json" {
		t.Errorf("Content-Type = %q, want application/json", ct)
	}
	var body map[string]any
	if err := json.Unmarshal(w.Body.Bytes(), &body); err != nil {
		t.Fatalf("400 body %q is not JSON: %v", w.Body, err)
	}
	d, ok := body["detail"].(string)
	if !ok || len(body) != 1 || d == "" {
		t.Fatalf("400 body = %s, want {\"detail\": \"...\"}", w.Body)
	}
	return d
}

func TestBadRequestsAreAnswered400(t *testing.T) {
	cases := []struct {
		name, method, target, ctype, body string
		mention                           string // the detail must mention this
	}{
		{"limit over 100", "GET", "/v1/tasks?squid=a1&limit=101", "", "", "limit"},
		{"limit 0", "GET", "/v1/tasks?squid=a1&limit=0", "", "", "limit"},
		{"limit not a number", "GET", "/v1/tasks?squid=a1&limit=ten", "", "", "limit"},
		{"page 0", "GET", "/v1/tasks?squid=a1&page=0", "", "", "page"},
		{"no squid", "GET", "/v1/tasks?limit=5", "", "", "squid"},
		{"bad type", "GET", "/v1/tasks?squid=a1&type=full", "", "", "type"},
		{"short hash", "GET", "/v1/tasks/c5e29d2a", "", "", "task_hash"},
		{"upper-case hash", "DELETE", "/v1/tasks/C5E29D2ABA8B77CDC56391E7405302DE", "", "", "task_hash"},
		{"bad upload id", "GET", "/v1/tasks/upload/xyz", "", "", "upload_task_id"},
		{"add: no body", "POST", "/v1/tasks", "application/json", "", "body"},
		{"add: not JSON", "POST", "/v1/tasks", "application/json", "{", "body"},
		{"add: no tasks", "POST", "/v1/tasks", "application/json", `{"squid":"a1","tasks":[]}`, "tasks"},
		{"add: no squid", "POST", "/v1/tasks", "application/json", `{"tasks":[{"url":"x"}]}`, "squid"},
		{"add: task not an object", "POST", "/v1/tasks", "application/json", `{"squid":"a1","tasks":["x"]}`, "tasks"},
		{"add: wrong content type", "POST", "/v1/tasks", "text/plain", `{"squid":"a1","tasks":[{"url":"x"}]}`, "text/plain"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			next := okTask()
			h, c := wrap(t, next)
			var body io.Reader
			if tc.body != "" {
				body = strings.NewReader(tc.body)
			}
			r := httptest.NewRequest(tc.method, tc.target, body)
			if tc.ctype != "" {
				r.Header.Set("Content-Type", tc.ctype)
			}
			w := serve(h, r)
			if w.Code != 400 {
				t.Fatalf("status %d, want 400; body %s", w.Code, w.Body)
			}
			if d := detailOf(t, w); !strings.Contains(d, tc.mention) {
				t.Errorf("detail %q does not mention %q", d, tc.mention)
			}
			if next.called() != 0 {
				t.Error("the handler was called with an invalid request")
			}
			v := c.all()
			if len(v) != 1 || v[0].Kind != specvalidate.Request || v[0].Method != tc.method ||
				v[0].Path != strings.SplitN(tc.target, "?", 2)[0] || v[0].Err == nil {
				t.Errorf("violations = %+v, want one request violation", v)
			}
		})
	}
}

func TestUndocumentedOperationGoesToTheHandler(t *testing.T) {
	next := &answer{status: 404, ctype: "application/json", body: `{"detail":"Not found."}`}
	h, c := wrap(t, next)
	for _, r := range []*http.Request{
		httptest.NewRequest("GET", "/v1/no-such-resource", nil),
		httptest.NewRequest("PUT", "/v1/tasks", nil),
		httptest.NewRequest("GET", "/tasks", nil), // outside the server's /v1
	} {
		w := serve(h, r)
		if w.Code != 404 {
			t.Errorf("%s %s: status %d, want the handler's 404", r.Method, r.URL, w.Code)
		}
	}
	v := c.all()
	if len(v) != 3 || next.called() != 3 {
		t.Fatalf("%d violations and %d handler calls, want 3 and 3", len(v), next.called())
	}
	for _, x := range v {
		if x.Kind != specvalidate.Request || !errors.Is(x, specvalidate.ErrNoOperation) {
			t.Errorf("violation %v, want a request violation wrapping ErrNoOperation", x)
		}
	}
}

func TestBadResponsesAreReportedAndDelivered(t *testing.T) {
	broken := strings.Replace(task, `"c5e29d2aba8b77cdc56391e7405302de"`, `"XYZ"`, 1)
	cases := []struct {
		name    string
		next    *answer
		mention string
	}{
		{"undocumented status", &answer{status: 418, ctype: "application/json", body: `{"detail":"teapot"}`}, "status"},
		{"wrong content type", &answer{status: 200, ctype: "text/plain", body: task}, "text/plain"},
		{"body off schema", &answer{status: 200, ctype: "application/json", body: broken}, "hash_value"},
		{"body not JSON", &answer{status: 200, ctype: "application/json", body: `{"hash_value":`}, "decode"},
		{"error body of no documented shape", &answer{status: 404, ctype: "application/json", body: `{"message":"gone"}`}, "schema"},
		{"rate-limit header not an integer", &answer{status: 200, ctype: "application/json", body: task,
			header: map[string]string{"X-RateLimit-Limit": "many"}}, "X-RateLimit-Limit"},
		{"rate-limit header of an error not an integer", &answer{status: 404, ctype: "application/json",
			body: `{"detail":"Not found."}`, header: map[string]string{"X-RateLimit-Remaining": "lots"}}, "X-RateLimit-Remaining"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			h, c := wrap(t, tc.next)
			w := serve(h, httptest.NewRequest("GET", "/v1/tasks/c5e29d2aba8b77cdc56391e7405302de", nil))
			if w.Code != tc.next.status || w.Body.String() != tc.next.body || w.Header().Get("Content-Type") != tc.next.ctype {
				t.Errorf("delivered %d %q %q, want the handler's %d %q %q", w.Code, w.Header().Get("Content-Type"), w.Body,
					tc.next.status, tc.next.ctype, tc.next.body)
			}
			v := c.all()
			if len(v) != 1 {
				t.Fatalf("violations = %v, want one", v)
			}
			if v[0].Kind != specvalidate.Response || v[0].Status != tc.next.status || v[0].Method != "GET" ||
				v[0].Path != "/v1/tasks/c5e29d2aba8b77cdc56391e7405302de" {
				t.Errorf("violation %+v, want a response violation of GET with status %d", v[0], tc.next.status)
			}
			if msg := v[0].Error(); !strings.Contains(msg, tc.mention) || !strings.HasPrefix(msg, fmt.Sprintf("response %d to GET ", tc.next.status)) {
				t.Errorf("violation %q does not mention %q", msg, tc.mention)
			}
		})
	}
}

func TestDocumentedErrorsPass(t *testing.T) {
	for _, next := range []*answer{
		{status: 404, ctype: "application/json", body: `{"error":{"message":"Task not found","type":"not_found_error","param":"task_hash"}}`},
		{status: 401, ctype: "application/json", body: `{"detail":"Invalid token."}`},
		{status: 429, ctype: "application/json", body: `{"error":"Rate limit exceeded. Please try again later.","type":"RateLimitExceeded","code":429}`,
			header: map[string]string{"Retry-After": "2"}},
		{status: 503, ctype: "text/html", body: `<html><body>busy</body></html>`},
		{status: 500, ctype: "application/json", body: `{"errors":{"message":"boom","type":"SomethingWentWrong","code":500}}`},
	} {
		h, c := wrap(t, next)
		w := serve(h, httptest.NewRequest("GET", "/v1/tasks/c5e29d2aba8b77cdc56391e7405302de", nil))
		if w.Code != next.status {
			t.Errorf("status %d, want %d", w.Code, next.status)
		}
		if v := c.all(); len(v) != 0 {
			t.Errorf("a documented %d answer was reported: %v", next.status, v)
		}
	}
}

// form builds a multipart body with the given fields; a field named file is a file part.
func form(t *testing.T, fileCT string, fields ...[2]string) (string, []byte) {
	t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	for _, f := range fields {
		if f[0] == "file" {
			h := textproto.MIMEHeader{}
			h.Set("Content-Disposition", `form-data; name="file"; filename="tasks.csv"`)
			if fileCT != "" {
				h.Set("Content-Type", fileCT)
			}
			pw, err := mw.CreatePart(h)
			if err != nil {
				t.Fatal(err)
			}
			io.WriteString(pw, f[1])
			continue
		}
		if err := mw.WriteField(f[0], f[1]); err != nil {
			t.Fatal(err)
		}
	}
	mw.Close()
	return mw.FormDataContentType(), buf.Bytes()
}

func upload(ctype string, body io.Reader) *http.Request {
	r := httptest.NewRequest("POST", "/v1/tasks/upload", body)
	r.Header.Set("Content-Type", ctype)
	return r
}

const uploaded = `{"id":"427a7bfc54cf4ce483d83ba23425164b","object":"task_upload"}`

func TestMultipart(t *testing.T) {
	const csv = "url\nhttps://a\nhttps://b\n"
	t.Run("valid form reaches the handler whole", func(t *testing.T) {
		for _, ct := range []string{"text/csv", "text/csv; charset=utf-8", "text/tab-separated-values", "text/plain", "text/plain; charset=utf-8", "application/octet-stream", ""} {
			next := &answer{status: 200, ctype: "application/json", body: uploaded}
			h, c := wrap(t, next)
			ctype, body := form(t, ct, [2]string{"squid", "a1b2"}, [2]string{"file", csv})
			w := serve(h, upload(ctype, bytes.NewReader(body)))
			if w.Code != 200 || next.called() != 1 {
				t.Fatalf("file type %q: status %d, handler calls %d; body %s", ct, w.Code, next.called(), w.Body)
			}
			if !bytes.Equal(next.seen, body) {
				t.Errorf("file type %q: the handler read %d bytes, not the %d sent", ct, len(next.seen), len(body))
			}
			if v := c.all(); len(v) != 0 {
				t.Errorf("file type %q: violations %v", ct, v)
			}
		}
	})
	bad := []struct {
		name, mention string
		fileCT        string
		fields        [][2]string
	}{
		{"no squid", "squid", "text/csv", [][2]string{{"file", csv}}},
		{"no file", "file", "", [][2]string{{"squid", "a1b2"}}},
		{"empty squid", "squid", "text/csv", [][2]string{{"squid", ""}, {"file", csv}}},
		{"squid twice", "squid", "text/csv", [][2]string{{"squid", "a"}, {"squid", "b"}, {"file", csv}}},
		{"file of an undeclared type", "image/png", "image/png", [][2]string{{"squid", "a1b2"}, {"file", csv}}},
	}
	for _, tc := range bad {
		t.Run(tc.name, func(t *testing.T) {
			next := &answer{status: 200, ctype: "application/json", body: uploaded}
			h, c := wrap(t, next)
			ctype, body := form(t, tc.fileCT, tc.fields...)
			w := serve(h, upload(ctype, bytes.NewReader(body)))
			if w.Code != 400 || next.called() != 0 {
				t.Fatalf("status %d, handler calls %d, want 400 and 0", w.Code, next.called())
			}
			if d := detailOf(t, w); !strings.Contains(d, tc.mention) {
				t.Errorf("detail %q does not mention %q", d, tc.mention)
			}
			if v := c.all(); len(v) != 1 || v[0].Kind != specvalidate.Request {
				t.Errorf("violations %v, want one request violation", v)
			}
		})
	}
	t.Run("no boundary", func(t *testing.T) {
		next := &answer{status: 200, ctype: "application/json", body: uploaded}
		h, _ := wrap(t, next)
		w := serve(h, upload("multipart/form-data", strings.NewReader("x")))
		if w.Code != 400 || !strings.Contains(detailOf(t, w), "boundary") {
			t.Errorf("status %d body %s, want 400 about the boundary", w.Code, w.Body)
		}
	})
	t.Run("truncated body", func(t *testing.T) {
		next := &answer{status: 200, ctype: "application/json", body: uploaded}
		h, _ := wrap(t, next)
		ctype, body := form(t, "text/csv", [2]string{"squid", "a1b2"}, [2]string{"file", csv})
		w := serve(h, upload(ctype, bytes.NewReader(body[:len(body)-20])))
		if w.Code != 400 || next.called() != 0 {
			t.Errorf("status %d, handler calls %d, want 400 and 0", w.Code, next.called())
		}
	})
}

// bigForm streams a multipart form whose file part has size bytes, without holding it. The
// boundary is fixed, so every call streams the same bytes.
func bigForm(size int64) (string, io.Reader) {
	pr, pw := io.Pipe()
	mw := multipart.NewWriter(pw)
	if err := mw.SetBoundary("lobstr-test-boundary-0123456789"); err != nil {
		panic(err)
	}
	go func() {
		mw.WriteField("squid", "a1b2")
		h := textproto.MIMEHeader{}
		h.Set("Content-Disposition", `form-data; name="file"; filename="big.csv"`)
		h.Set("Content-Type", "text/csv")
		part, _ := mw.CreatePart(h)
		io.WriteString(part, "url\n")
		block := bytes.Repeat([]byte("https://www.linkedin.com/in/someone-with-a-long-enough-name-0000\n"), 1024)
		for written := int64(4); written < size; written += int64(len(block)) {
			if _, err := part.Write(block); err != nil {
				pw.CloseWithError(err)
				return
			}
		}
		pw.CloseWithError(mw.Close())
	}()
	return mw.FormDataContentType(), pr
}

// hasher is a handler that hashes the body it reads, without keeping it.
type hasher struct {
	sum    []byte
	n      int64
	spools int // temporary files present while the handler ran
	dir    string
}

func (hs *hasher) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h := sha256.New()
	hs.n, _ = io.Copy(h, r.Body)
	hs.sum = h.Sum(nil)
	entries, _ := os.ReadDir(hs.dir)
	hs.spools = len(entries)
	w.Header().Set("Content-Type", "application/json")
	io.WriteString(w, uploaded)
}

func TestLargeUploadIsStreamed(t *testing.T) {
	const size = 50 << 20
	dir := t.TempDir()
	t.Setenv("TMPDIR", dir)

	sent := sha256.New()
	_, src := bigForm(size)
	n, err := io.Copy(sent, src)
	if err != nil {
		t.Fatal(err)
	}

	next := &hasher{dir: dir}
	h, c := wrap(t, next)
	ctype, body := bigForm(size)
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	w := serve(h, upload(ctype, body))
	runtime.ReadMemStats(&after)

	if w.Code != 200 {
		t.Fatalf("status %d, body %s", w.Code, w.Body)
	}
	if v := c.all(); len(v) != 0 {
		t.Fatalf("violations %v", v)
	}
	if next.n != n || !bytes.Equal(next.sum, sent.Sum(nil)) {
		t.Fatalf("the handler read %d bytes with another hash; %d were sent", next.n, n)
	}
	if next.spools != 1 {
		t.Errorf("%d temporary files while the handler ran, want the 1 spool", next.spools)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		t.Errorf("the spool was not removed: %v", entries)
	}
	if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 16<<20 {
		t.Errorf("validating a %d MiB upload allocated %d MiB: the body is being held in memory", size>>20, alloc>>20)
	}
}

func TestViolationError(t *testing.T) {
	err := errors.New("boom")
	req := specvalidate.Violation{Kind: specvalidate.Request, Method: "GET", Path: "/v1/tasks", Err: err}
	if got, want := req.Error(), "request GET /v1/tasks breaks the OpenAPI document: boom"; got != want {
		t.Errorf("Error() = %q, want %q", got, want)
	}
	resp := specvalidate.Violation{Kind: specvalidate.Response, Method: "GET", Path: "/v1/tasks", Status: 200, Err: err}
	if got, want := resp.Error(), "response 200 to GET /v1/tasks breaks the OpenAPI document: boom"; got != want {
		t.Errorf("Error() = %q, want %q", got, want)
	}
	if !errors.Is(resp, err) {
		t.Error("a Violation does not unwrap to its Err")
	}
}

func TestConcurrentUse(t *testing.T) {
	next := okTask()
	h, c := wrap(t, next)
	var wg sync.WaitGroup
	for i := range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			target := "/v1/tasks/c5e29d2aba8b77cdc56391e7405302de"
			want := 200
			if i%2 == 1 {
				target, want = "/v1/tasks/nothex", 400
			}
			for range 20 {
				if w := serve(h, httptest.NewRequest("GET", target, nil)); w.Code != want {
					t.Errorf("GET %s = %d, want %d", target, w.Code, want)
					return
				}
			}
		}()
	}
	wg.Wait()
	if got := len(c.all()); got != 8*20 {
		t.Errorf("%d violations, want %d (one per bad request)", got, 8*20)
	}
}

func BenchmarkGetTask(b *testing.B) {
	v, err := specvalidate.Default()
	if err != nil {
		b.Fatal(err)
	}
	for _, on := range []bool{false, true} {
		b.Run(fmt.Sprintf("validation=%v", on), func(b *testing.B) {
			var h http.Handler = okTask()
			if on {
				h = v.Handler(h, func(v specvalidate.Violation) { b.Fatal(v) })
			}
			r := httptest.NewRequest("GET", "/v1/tasks/c5e29d2aba8b77cdc56391e7405302de", nil)
			b.ReportAllocs()
			for b.Loop() {
				if w := serve(h, r); w.Code != 200 {
					b.Fatal(w.Code)
				}
			}
		})
	}
}

// TestRememberedBodies checks that a body found valid once is not trusted beyond what was
// checked: headers are still checked, and the status and operation are part of the memory.
func TestRememberedBodies(t *testing.T) {
	good := okTask()
	badHeader := okTask()
	badHeader.header = map[string]string{"X-RateLimit-Limit": "many"}
	as404 := okTask()
	as404.status = 404
	broken := &answer{status: 200, ctype: "application/json", body: strings.Replace(task, `"module":5`, `"module":true`, 1)}

	for _, step := range []struct {
		next       *answer
		method     string
		violations int
	}{
		{good, "GET", 0},
		{good, "GET", 0},      // remembered
		{badHeader, "GET", 1}, // same body, headers still checked
		{as404, "GET", 1},     // same body, another status: a Task is no error body
		{good, "DELETE", 1},   // same body, another operation: a Task is no DeletedTask
		{broken, "GET", 1},
		{broken, "GET", 1}, // an invalid body is not remembered
	} {
		h, c := wrap(t, step.next)
		serve(h, httptest.NewRequest(step.method, "/v1/tasks/c5e29d2aba8b77cdc56391e7405302de", nil))
		if v := c.all(); len(v) != step.violations {
			t.Errorf("%s answered %d: violations %v, want %d", step.method, step.next.status, v, step.violations)
		}
	}
}

func TestCheckResponse(t *testing.T) {
	v, err := specvalidate.Default()
	if err != nil {
		t.Fatal(err)
	}
	rate := func(limit, left, reset string) http.Header {
		return http.Header{"Content-Type": {"application/json"}, "X-Ratelimit-Limit": {limit},
			"X-Ratelimit-Remaining": {left}, "X-Ratelimit-Reset": {reset}}
	}
	get := httptest.NewRequest("GET", "/v1/tasks/c5e29d2aba8b77cdc56391e7405302de", nil)
	list := httptest.NewRequest("GET", "/v1/tasks?squid=x", nil)
	unauthorized := []byte(`{"detail":"Invalid token."}`)
	limited := []byte(`{"error":"Rate limit exceeded. Please try again later.","type":"RateLimitExceeded","code":429}`)
	withRetry := rate("90", "0", "1739197200")
	withRetry.Set("Retry-After", "2")
	for _, tc := range []struct {
		name    string
		r       *http.Request
		status  int
		header  http.Header
		body    []byte
		mention string // "" when valid
	}{
		{"401 with rate-limit headers", get, 401, rate("90", "89", "1739197200"), unauthorized, ""},
		{"429 with Retry-After", list, 429, withRetry, limited, ""},
		{"401 with a bad X-RateLimit-Remaining", get, 401, rate("90", "lots", "1739197200"), unauthorized, "X-RateLimit-Remaining"},
		{"429 with a bad X-RateLimit-Reset", list, 429, rate("90", "0", "soon"), limited, "X-RateLimit-Reset"},
		{"401 with a body of no documented shape", get, 401, rate("90", "89", "1739197200"), []byte(`{"nope":1}`), "schema"},
		{"undocumented status", get, 418, rate("90", "89", "1739197200"), unauthorized, "status"},
	} {
		err := v.CheckResponse(tc.r, tc.status, tc.header, tc.body)
		switch {
		case tc.mention == "" && err != nil:
			t.Errorf("%s: %v", tc.name, err)
		case tc.mention != "" && (err == nil || !strings.Contains(err.Error(), tc.mention)):
			t.Errorf("%s: err = %v, want one mentioning %q", tc.name, err, tc.mention)
		}
	}
	err = v.CheckResponse(httptest.NewRequest("GET", "/v1/no-such-resource", nil), 401, rate("90", "89", "1"), unauthorized)
	if !errors.Is(err, specvalidate.ErrNoOperation) {
		t.Errorf("no operation: err = %v, want ErrNoOperation", err)
	}
}
