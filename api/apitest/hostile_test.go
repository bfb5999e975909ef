package apitest

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/lobstr-go/lobstr/gen/models"
	"github.com/lobstr-go/lobstr/openapi"
)

// The fake under hostile input: oversized bodies, endless distinct paths, absurd query
// parameters, unclean paths. The memory tests measure the heap of the whole process, so
// each runs in a child process of the test binary, where no other test allocates.

const heapChildEnv = "APITEST_HEAP_CHILD"

// inChild runs the calling test alone in a child process of the test binary and reports
// its outcome (and its log lines) in t; it returns true in the child, where the test
// proper runs.
func inChild(t *testing.T) bool {
	t.Helper()
	if os.Getenv(heapChildEnv) == t.Name() {
		return true
	}
	cmd := exec.Command(os.Args[0], "-test.run=^"+t.Name()+"$", "-test.v", "-test.count=1")
	cmd.Env = append(os.Environ(), heapChildEnv+"="+t.Name())
	out, err := cmd.CombinedOutput()
	for _, line := range strings.Split(string(out), "\n") {
		if strings.Contains(line, "heap") || strings.Contains(line, "_test.go:") {
			t.Log(strings.TrimSpace(line))
		}
	}
	if err != nil || !strings.Contains(string(out), "--- PASS: "+t.Name()) {
		t.Fatalf("the measuring process failed: %v\n%s", err, out)
	}
	return false
}

// memUse is what a function cost the process's heap.
type memUse struct {
	allocated uint64 // bytes allocated in all, garbage included: a bound on any growth
	peak      int64  // the highest heap (live and not yet collected) seen, over the start
	after     int64  // the live heap after a collection at the end, over the start
}

func (m memUse) String() string {
	return fmt.Sprintf("%.1f MiB allocated in all, peak heap growth %.1f MiB, live heap growth after GC %.1f MiB",
		mib(int64(m.allocated)), mib(m.peak), mib(m.after))
}

func mib(n int64) float64 { return float64(n) / (1 << 20) }

// measure runs fn, sampling the heap every 2 ms. The collector runs eagerly meanwhile, so
// the peak shows what is held rather than garbage.
func measure(fn func()) memUse {
	defer debug.SetGCPercent(debug.SetGCPercent(10))
	return measureWith(fn, 2*time.Millisecond)
}

// measureWith runs fn, sampling the heap every interval.
func measureWith(fn func(), interval time.Duration) memUse {
	runtime.GC()
	var before runtime.MemStats
	runtime.ReadMemStats(&before)
	var peak atomic.Uint64
	peak.Store(before.HeapAlloc)
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		var ms runtime.MemStats
		for {
			runtime.ReadMemStats(&ms)
			if ms.HeapAlloc > peak.Load() {
				peak.Store(ms.HeapAlloc)
			}
			select {
			case <-stop:
				return
			case <-time.After(interval):
			}
		}
	})
	fn()
	var after runtime.MemStats
	runtime.ReadMemStats(&after)
	close(stop)
	wg.Wait()
	allocated := after.TotalAlloc - before.TotalAlloc
	runtime.GC()
	runtime.ReadMemStats(&after)
	return memUse{
		allocated: allocated,
		peak:      int64(peak.Load()) - int64(before.HeapAlloc),
		after:     int64(after.HeapAlloc) - int64(before.HeapAlloc),
	}
}

// errReadTooFar is what a generated body answers once the server has read far more of it
// than any cap allows: a fake without caps then fails fast instead of swallowing gigabytes.
var errReadTooFar = errors.New("the server read past 64 MiB of the body")

const readTooFar = 64 << 20

// generated is a body of size bytes made on the fly by next, never held whole.
type generated struct {
	size, done int64
	buf        []byte
	next       func() []byte // the next chunk; nil or empty: fill with spaces
}

func (g *generated) Read(p []byte) (int, error) {
	if g.done >= readTooFar {
		return 0, errReadTooFar
	}
	if g.done >= g.size {
		return 0, io.EOF
	}
	n := 0
	for n < len(p) && g.done < g.size {
		if len(g.buf) == 0 {
			if g.next != nil {
				g.buf = g.next()
			}
			if len(g.buf) == 0 {
				g.buf = spaces[:]
			}
		}
		k := copy(p[n:], g.buf[:min(int64(len(g.buf)), g.size-g.done)])
		g.buf, g.done, n = g.buf[k:], g.done+int64(k), n+k
	}
	return n, nil
}

var spaces = [32 << 10]byte(bytes.Repeat([]byte(" "), 32<<10))

// serveDirect calls the fake's handler with body, as a server would.
func serveDirect(f *Fake, method, target, ctype string, body io.Reader, size int64) *httptest.ResponseRecorder {
	r := httptest.NewRequest(method, target, body)
	r.ContentLength = size
	r.Header.Set("Authorization", "Token t")
	if ctype != "" {
		r.Header.Set("Content-Type", ctype)
	}
	w := httptest.NewRecorder()
	f.ServeHTTP(w, r)
	return w
}

// expectTooLarge checks a 413 answer: the documented general error shape naming the limit.
func expectTooLarge(t *testing.T, what string, w *httptest.ResponseRecorder, mention string) {
	t.Helper()
	if w.Code != http.StatusRequestEntityTooLarge {
		t.Fatalf("%s: status %d, want 413; body %.300s", what, w.Code, w.Body)
	}
	if ct := w.Header().Get("Content-Type"); ct != "application/json" {
		t.Errorf("%s: Content-Type %q", what, ct)
	}
	var body map[string]any
	if err := json.Unmarshal(w.Body.Bytes(), &body); err != nil || len(body) != 1 {
		t.Fatalf("%s: body %s is not {\"detail\": ...}: %v", what, w.Body, err)
	}
	if d, _ := body["detail"].(string); !strings.Contains(d, mention) {
		t.Errorf("%s: detail %q does not mention %q", what, d, mention)
	}
	if w.Header().Get("X-RateLimit-Limit") == "" {
		t.Errorf("%s: no rate-limit headers", what)
	}
}

// A 1 GiB body to Add Tasks is refused with 413 after reading no more than MaxJSONBody,
// whether the fake validates or not, and the heap grows by a few MiB at most meanwhile.
func TestHugeJSONBodyIsRefused(t *testing.T) {
	if !inChild(t) {
		return
	}
	for _, validate := range []bool{true, false} {
		var c collector
		f := New(WithValidation(validate), WithViolationHandler(c.add))
		body := &generated{size: 1 << 30}
		var w *httptest.ResponseRecorder
		use := measure(func() {
			w = serveDirect(f, "POST", "/v1/tasks", "application/json", body, body.size)
		})
		what := fmt.Sprintf("validation %v", validate)
		t.Logf("1 GiB JSON body, %s: read %d bytes; heap: %v", what, body.done, use)
		expectTooLarge(t, what, w, strconv.Itoa(MaxJSONBody))
		if body.done > MaxJSONBody+1 {
			t.Errorf("%s: the fake read %d bytes, past MaxJSONBody", what, body.done)
		}
		if use.peak >= 64<<20 {
			t.Errorf("%s: the heap grew by %.1f MiB while refusing the body; want under 64", what, mib(use.peak))
		}
		if v := c.all(); len(v) != 0 {
			t.Errorf("%s: violations %v", what, v)
		}
	}
}

// A 200 MB upload of distinct rows is refused with 413 after reading no more than
// MaxUploadBody, and the heap never grows by 64 MiB meanwhile.
func TestHugeUploadIsRefused(t *testing.T) {
	if !inChild(t) {
		return
	}
	const size = 200_000_000
	for _, validate := range []bool{true, false} {
		t.Setenv("TMPDIR", t.TempDir()) // where the validator spools the form
		var c collector
		f := New(WithValidation(validate), WithViolationHandler(c.add))
		ctype, body := hugeForm(size)
		var w *httptest.ResponseRecorder
		use := measure(func() {
			w = serveDirect(f, "POST", "/v1/tasks/upload", ctype, body, size)
		})
		what := fmt.Sprintf("validation %v", validate)
		t.Logf("200 MB upload, %s: read %d bytes; heap: %v", what, body.done, use)
		expectTooLarge(t, what, w, strconv.Itoa(MaxUploadBody))
		if body.done > MaxUploadBody+1 {
			t.Errorf("%s: the fake read %d bytes, past MaxUploadBody", what, body.done)
		}
		if use.peak >= 64<<20 {
			t.Errorf("%s: the heap grew by %.1f MiB during the upload; want under 64", what, mib(use.peak))
		}
		if v := c.all(); len(v) != 0 {
			t.Errorf("%s: violations %v", what, v)
		}
		f.mu.Lock()
		uploads := len(f.uploads)
		f.mu.Unlock()
		if uploads != 1 {
			t.Errorf("%s: %d uploads registered, want only the seed", what, uploads)
		}
	}
}

// hugeForm is an Upload Tasks form of size bytes whose file holds distinct rows of about
// 1 KB, made on the fly.
func hugeForm(size int64) (string, *generated) {
	var head bytes.Buffer
	mw := multipart.NewWriter(&head)
	_ = mw.WriteField("squid", SeedSquid)
	_, _ = mw.CreateFormFile("file", "huge.csv")
	head.WriteString("url\n")
	pad := strings.Repeat("x", 1000)
	row := 0
	first := true
	return mw.FormDataContentType(), &generated{size: size, next: func() []byte {
		if first {
			first = false
			return head.Bytes()
		}
		row++
		return []byte("https://example.com/" + strconv.Itoa(row) + "?" + pad + "\n")
	}}
}

// A file of more than MaxUploadRows rows is refused with 413, however small; one of
// exactly MaxUploadRows rows is taken.
func TestUploadRowLimit(t *testing.T) {
	srv := NewServer(t)
	for _, tc := range []struct {
		rows   int
		status int
	}{{MaxUploadRows, 200}, {MaxUploadRows + 1, 413}} {
		var file strings.Builder
		file.WriteString("url\n")
		for i := range tc.rows {
			file.WriteString(strconv.Itoa(i % 1000)) // few distinct rows: the count is of rows
			file.WriteString("\n\n")                 // blank lines do not count
		}
		ctype, body := uploadForm(t, "rows.csv", "text/csv", file.String(), [2]string{"squid", SeedSquid}, [2]string{"file"})
		got := call(t, srv, "POST", "/v1/tasks/upload", bytes.NewReader(body), ctype)
		if got.status != tc.status {
			t.Fatalf("%d rows: status %d, want %d; body %s", tc.rows, got.status, tc.status, got.body)
		}
		if tc.status == 413 {
			expect(t, "too many rows", got, 413, `{"detail": "The file has more than 100000 rows."}`)
		}
	}
}

// A JSON body of exactly MaxJSONBody bytes is taken; one byte more is refused, over TCP,
// with the documented 413.
func TestJSONBodyLimitEdge(t *testing.T) {
	srv := NewServer(t)
	task := `{"squid": "` + SeedSquid + `", "tasks": [{"url": "https://edge.example/1"}]}`
	for _, extra := range []int{0, 1} {
		body := task + strings.Repeat(" ", MaxJSONBody-len(task)+extra)
		got := call(t, srv, "POST", "/v1/tasks", strings.NewReader(body), "application/json")
		if extra == 0 && got.status != 200 {
			t.Errorf("a body of MaxJSONBody bytes: status %d %s", got.status, got.body)
		}
		if extra == 1 {
			expect(t, "a body of MaxJSONBody+1 bytes", got, 413, `{"detail": "The request body is larger than 4194304 bytes."}`)
		}
	}
}

// A million requests to distinct paths leave the heap within 32 MiB of where it started:
// Requests counts at most MaxCountedPaths pairs and the log is a bounded ring.
func TestMillionDistinctPaths(t *testing.T) {
	if !inChild(t) {
		return
	}
	const n = 1_000_000
	// The requests carry no token and validation is off: the fake records each one, then
	// answers 401 at once, which keeps a million of them to seconds even under the race
	// detector. The bookkeeping measured here is the first layer of the fake, before the
	// token check; the layers after it keep nothing per path
	// (TestDistinctPathsThroughTheAPI).
	f := New(WithValidation(false))
	r := httptest.NewRequest("GET", "/v1/tasks/x", nil)
	statuses := map[int]int{}
	w := &discardWriter{header: http.Header{}}
	// The collector keeps its usual pace here (a million requests make gigabytes of
	// garbage); what counts is the live heap after the last collection.
	use := measureWith(func() {
		for i := range n {
			path := taskPath(i)
			r.URL.Path, r.RequestURI = path, path
			w.reset()
			f.ServeHTTP(w, r)
			statuses[w.status]++
		}
	}, 50*time.Millisecond)
	t.Logf("%d requests to distinct paths: heap: %v", n, use)
	if statuses[401] != n {
		t.Errorf("statuses %v, want %d 401s", statuses, n)
	}
	if use.after >= 32<<20 {
		t.Errorf("the live heap grew by %.1f MiB; want under 32", mib(use.after))
	}
	if got := f.Requests(""); got != n {
		t.Errorf("Requests(\"\") = %d, want %d", got, n)
	}
	if got := f.Requests("GET " + taskPath(0)); got != 1 {
		t.Errorf("the first path was counted %d times, want 1", got)
	}
	if got := f.Requests("GET " + taskPath(n-1)); got != 0 {
		t.Errorf("a path past MaxCountedPaths was counted %d times, want 0 (not tracked)", got)
	}
	if log := f.RequestLog(); len(log) != maxLogged || log[len(log)-1].Path != taskPath(n-1) {
		t.Errorf("log of %d ending at %q", len(log), log[len(log)-1].Path)
	}
}

// Requests to distinct unknown tasks through every layer, validation included, leave
// nothing per path behind them but the bounded bookkeeping.
func TestDistinctPathsThroughTheAPI(t *testing.T) {
	if !inChild(t) {
		return
	}
	const n = 20_000
	f := New()
	r := httptest.NewRequest("GET", "/v1/tasks/x", nil)
	r.Header.Set("Authorization", "Token t")
	w := &discardWriter{header: http.Header{}}
	statuses := map[int]int{}
	use := measureWith(func() {
		for i := range n {
			path := fmt.Sprintf("/v1/tasks/%032x", i)
			r.URL.Path, r.RequestURI = path, path
			w.reset()
			f.ServeHTTP(w, r)
			statuses[w.status]++
		}
	}, 50*time.Millisecond)
	t.Logf("%d requests to distinct unknown tasks, validated: heap: %v", n, use)
	if statuses[404] != n {
		t.Errorf("statuses %v, want %d 404s", statuses, n)
	}
	if use.after >= 8<<20 {
		t.Errorf("the live heap grew by %.1f MiB; want under 8", mib(use.after))
	}
}

// Requests keeps counting the pairs it tracks once the cap is reached, a path or query
// longer than MaxLoggedBytes is cut in the log, and a long path is counted only in the
// total.
func TestBookkeepingBounds(t *testing.T) {
	f := New(WithValidation(false))
	hit := func(method, target string) {
		r := httptest.NewRequest(method, target, nil)
		r.Header.Set("Authorization", "Token t")
		f.ServeHTTP(httptest.NewRecorder(), r)
	}
	hit("GET", "/v1/tasks?squid="+SeedSquid)
	for i := range MaxCountedPaths + 10 {
		hit("GET", "/v1/unknown/"+strconv.Itoa(i))
	}
	hit("GET", "/v1/tasks?squid="+SeedSquid)
	if got := f.Requests("GET /v1/tasks"); got != 2 {
		t.Errorf(`Requests("GET /v1/tasks") = %d after the cap, want 2`, got)
	}
	if got := f.Requests("GET /v1/unknown/" + strconv.Itoa(MaxCountedPaths+5)); got != 0 {
		t.Errorf("a pair past the cap counted %d", got)
	}
	f.mu.Lock()
	counted := len(f.counts)
	f.mu.Unlock()
	if counted != MaxCountedPaths {
		t.Errorf("%d pairs counted, want MaxCountedPaths", counted)
	}

	long := "/v1/tasks/" + strings.Repeat("a", 50<<10)
	hit("GET", long+"?q="+strings.Repeat("b", 50<<10))
	log := f.RequestLog()
	last := log[len(log)-1]
	if len(last.Path) != MaxLoggedBytes || len(last.Query) != MaxLoggedBytes || !strings.HasPrefix(long, last.Path) {
		t.Errorf("the log kept a path of %d bytes and a query of %d; want %d each, the start of each", len(last.Path), len(last.Query), MaxLoggedBytes)
	}
	if got := f.Requests("GET " + long); got != 0 {
		t.Errorf("a path of 50 KiB was counted %d times, want 0 (not tracked)", got)
	}
	if got := f.Requests(""); got != MaxCountedPaths+13 {
		t.Errorf("total %d, want %d", got, MaxCountedPaths+13)
	}
}

// A page number far past the end is an empty page, whatever the product page×limit would
// overflow to.
func TestListTasksHugePage(t *testing.T) {
	var c collector
	srv := NewServer(t, WithViolationHandler(c.add))
	for _, tc := range []struct{ page, limit string }{
		{"100000000000000000", "100"}, // (page-1)×limit overflows int64
		{"288230376151711745", "64"},  // (page-1)×limit wraps to 0: page 1's data
		{"9223372036854775807", "1"},  // the largest int
		{"9223372036854775807", "100"},
		{"3", "1"}, // the first page past the end (the seed squid holds 2 tasks)
	} {
		got := get(t, srv, "/v1/tasks?squid="+SeedSquid+"&page="+tc.page+"&limit="+tc.limit)
		what := "page " + tc.page + " limit " + tc.limit
		if got.status != 200 {
			t.Errorf("%s: status %d %s", what, got.status, got.body)
			continue
		}
		page := decode[models.TaskPage](t, got)
		if len(page.Data) != 0 || page.Next != nil || page.ResultFrom != nil || page.TotalResults != 2 {
			t.Errorf("%s: %s, want an empty page of 2 results", what, got.body)
		}
		last := (2 + page.Limit - 1) / page.Limit
		if want := "page=" + strconv.Itoa(last) + "&"; page.Previous == nil || !strings.Contains(*page.Previous, want) {
			t.Errorf("%s: previous %v, want the last page (%s)", what, page.Previous, want)
		}
	}
	got := get(t, srv, "/v1/tasks?squid="+SeedSquid+"&page=9223372036854775808")
	if got.status != 400 {
		t.Errorf("a page past the largest int: %d %s", got.status, got.body)
	}
	for _, v := range c.all() {
		if v.Kind == ResponseViolation || !strings.Contains(v.Error(), "9223372036854775808") {
			t.Errorf("violation %v", v)
		}
	}
}

// Paths with empty, "." or ".." segments are answered a JSON 404, not http.ServeMux's HTML
// redirect.
func TestUncleanPaths(t *testing.T) {
	srv := NewServer(t)
	for _, p := range []string{
		"/v1/tasks/../tasks/" + SeedTaskHash,
		"/v1//tasks/" + SeedTaskHash,
		"/v1/tasks/./" + SeedTaskHash,
		"/v1/tasks/" + SeedTaskHash + "/..",
		"/v1/tasks/upload/../../tasks?squid=" + SeedSquid,
		"/v1/squids/", // an empty last segment: not Get Squid of an empty hash
	} {
		req, err := http.NewRequest("GET", strings.TrimSuffix(srv.URL, basePath)+"/x", nil)
		if err != nil {
			t.Fatal(err)
		}
		req.URL.Opaque = p // sent as it is, not cleaned by the client
		if i := strings.IndexByte(p, '?'); i >= 0 {
			req.URL.Opaque, req.URL.RawQuery = p[:i], p[i+1:]
		}
		req.Header.Set("Authorization", "Token "+srv.Token)
		resp, err := srv.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		expect(t, p, response{status: resp.StatusCode, header: resp.Header, body: b}, 404, `{"detail": "Not found."}`)
		if loc := resp.Header.Get("Location"); loc != "" {
			t.Errorf("%s: Location %q", p, loc)
		}
	}
}

// The servers of the fake, HTTPServer's and NewServer's, time out slow requests and idle
// connections, and bound headers.
func TestServerTimeouts(t *testing.T) {
	check := func(what string, s *http.Server) {
		t.Helper()
		for name, d := range map[string]time.Duration{"ReadHeaderTimeout": s.ReadHeaderTimeout, "ReadTimeout": s.ReadTimeout, "IdleTimeout": s.IdleTimeout} {
			if d <= 0 || d > 2*time.Minute {
				t.Errorf("%s: %s %v, want a bound of at most 2 minutes", what, name, d)
			}
		}
		if s.ReadHeaderTimeout > s.ReadTimeout {
			t.Errorf("%s: ReadHeaderTimeout %v past ReadTimeout %v", what, s.ReadHeaderTimeout, s.ReadTimeout)
		}
		if s.MaxHeaderBytes <= 0 || s.MaxHeaderBytes > 1<<20 {
			t.Errorf("%s: MaxHeaderBytes %d", what, s.MaxHeaderBytes)
		}
	}
	f := New()
	hs := f.HTTPServer("127.0.0.1:0")
	if hs.Addr != "127.0.0.1:0" || hs.Handler != http.Handler(f) {
		t.Errorf("HTTPServer: addr %q, handler %T", hs.Addr, hs.Handler)
	}
	check("HTTPServer", hs)
	check("NewServer", NewServer(t).srv.Config)
}

// documentedStatuses returns, for each operation of the document, the statuses it answers.
func documentedStatuses(t testing.TB) map[string][]string {
	doc, err := openapi.Load()
	if err != nil {
		t.Fatal(err)
	}
	out := map[string][]string{}
	for path, item := range doc.Paths.Map() {
		for method, op := range item.Operations() {
			for status := range op.Responses.Map() {
				out[method+" "+path] = append(out[method+" "+path], status)
			}
		}
	}
	return out
}

// documented reports whether status is one of the statuses listed ("404", "5XX", "default").
func documented(listed []string, status int) bool {
	s := strconv.Itoa(status)
	for _, l := range listed {
		if l == s || l == "default" || len(l) == 3 && l[1:] == "XX" && l[0] == s[0] {
			return true
		}
	}
	return false
}

// FuzzOperations sends every operation absurd parameters: a fuzzed path parameter (task
// hash, upload id, squid), a fuzzed raw query (page, limit, squid, type, anything) and, for
// the operations with bodies, fuzzed task and file content. No answer may panic; each is a
// status the document lists for the operation (or 405 for a path that is another
// operation's), below 500, with a JSON body of a documented shape that the validator
// found matching the document.
func FuzzOperations(f *testing.F) {
	statuses := documentedStatuses(f)
	for _, seed := range []struct {
		op           uint8
		param, query string
	}{
		{0, SeedSquid, "squid=" + SeedSquid + "&page=100000000000000000&limit=100"},
		{0, SeedSquid, "squid=" + SeedSquid + "&page=288230376151711745&limit=64"},
		{0, SeedSquid, "squid=" + SeedSquid + "&page=9223372036854775807&limit=100&type=params"},
		{0, SeedSquid, "squid=" + SeedSquid + "&page=-9223372036854775808&limit=-1"},
		{0, SeedSquid, "squid=a&squid=b&page=1e3&limit=0x10&type=%ff"},
		{0, SeedSquid, "page=1;limit=2&%zz"},
		{1, SeedSquid, "https://example.com/a"},
		{1, "", ""},
		{2, SeedTaskHash, "page=100000000000000000"},
		{2, "../tasks", ""},
		{2, "upload", ""},
		{3, SeedTaskHash, ""},
		{3, strings.ToUpper(SeedTaskHash), "x=%00"},
		{4, SeedSquid, "url\nhttps://a\n"},
		{4, SeedSquid, "url,url\n\xff\n"},
		{5, SeedUploadID, "limit=100000000000000000000"},
		{5, "//", ""},
	} {
		f.Add(seed.op, seed.param, seed.query)
	}
	f.Fuzz(func(t *testing.T, op uint8, param, query string) {
		var c collector
		fake := New(WithViolationHandler(c.add))
		var method, path, template, ctype string
		var body []byte
		switch op % 6 {
		case 0:
			method, template, path = "GET", "/tasks", "/v1/tasks"
		case 1:
			method, template, path, ctype = "POST", "/tasks", "/v1/tasks", "application/json"
			body, _ = json.Marshal(map[string]any{"squid": param, "tasks": []map[string]string{{"url": query}}})
		case 2:
			method, template, path = "GET", "/tasks/{task_hash}", "/v1/tasks/"+param
		case 3:
			method, template, path = "DELETE", "/tasks/{task_hash}", "/v1/tasks/"+param
		case 4:
			method, template, path = "POST", "/tasks/upload", "/v1/tasks/upload"
			var buf bytes.Buffer
			mw := multipart.NewWriter(&buf)
			_ = mw.WriteField("squid", param)
			w, _ := mw.CreateFormFile("file", "tasks.csv")
			_, _ = io.WriteString(w, query)
			_ = mw.Close()
			body, ctype = buf.Bytes(), mw.FormDataContentType()
		case 5:
			method, template, path = "GET", "/tasks/upload/{upload_task_id}", "/v1/tasks/upload/"+param
		}
		r := httptest.NewRequest(method, "/v1/tasks", bytes.NewReader(body))
		r.URL.Path, r.URL.RawPath, r.URL.RawQuery = path, "", query
		r.RequestURI = r.URL.RequestURI()
		r.Header.Set("Authorization", "Token t")
		if ctype != "" {
			r.Header.Set("Content-Type", ctype)
		}
		w := httptest.NewRecorder()
		fake.ServeHTTP(w, r) // a panic fails the fuzz target

		what := fmt.Sprintf("%s %q ? %q", method, path, query)
		if listed := statuses[method+" "+template]; !documented(listed, w.Code) && w.Code != 405 || w.Code >= 500 {
			t.Fatalf("%s: status %d, not one the document lists (%v); body %s", what, w.Code, listed, w.Body)
		}
		if ct := w.Header().Get("Content-Type"); ct != "application/json" {
			t.Fatalf("%s: Content-Type %q", what, ct)
		}
		var shape map[string]json.RawMessage
		if err := json.Unmarshal(w.Body.Bytes(), &shape); err != nil {
			t.Fatalf("%s: body %q is not a JSON object: %v", what, w.Body, err)
		}
		if w.Code >= 400 {
			var e models.Error
			_, hasDetail := shape["detail"]
			_, hasError := shape["error"]
			if err := e.UnmarshalJSON(w.Body.Bytes()); err != nil || !hasDetail && !hasError {
				t.Fatalf("%s: error body %s is not a documented error shape (%v)", what, w.Body, err)
			}
		}
		for _, v := range c.all() {
			if v.Kind == ResponseViolation {
				t.Fatalf("%s: %v", what, v)
			}
		}
	})
}

// taskPath is the path of the task whose hash is i in hexadecimal, on 32 digits.
func taskPath(i int) string {
	var b [32]byte
	h := strconv.AppendUint(nil, uint64(i), 16)
	for j := range b {
		b[j] = '0'
	}
	copy(b[32-len(h):], h)
	return "/v1/tasks/" + string(b[:])
}

// discardWriter is a ResponseWriter that keeps only the status, for many requests.
type discardWriter struct {
	header http.Header
	status int
}

func (w *discardWriter) reset()                      { clear(w.header); w.status = 0 }
func (w *discardWriter) Header() http.Header         { return w.header }
func (w *discardWriter) Write(p []byte) (int, error) { return len(p), nil }
func (w *discardWriter) WriteHeader(status int) {
	if w.status == 0 {
		w.status = status
	}
}
