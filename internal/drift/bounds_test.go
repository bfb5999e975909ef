package drift

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// What the proxy holds and writes when the upstream is large, noisy or echoes the token.

// startProxy serves a Proxy of upstream on loopback; rec may be nil.
func startProxy(t *testing.T, upstream http.Handler, rec *Recorder, report func(Violation)) (proxyURL string, p *Proxy) {
	t.Helper()
	return startProxyWithin(t, upstream, defaultBounds, rec, report)
}

// startProxyWithin is startProxy with a Proxy that holds answers within b.
func startProxyWithin(t *testing.T, upstream http.Handler, b bounds, rec *Recorder, report func(Violation)) (proxyURL string, p *Proxy) {
	t.Helper()
	up := httptest.NewServer(upstream)
	t.Cleanup(up.Close)
	p, err := newProxy(Config{Upstream: up.URL + upstreamAt, Report: report, Recorder: rec}, b)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(p)
	t.Cleanup(srv.Close)
	return srv.URL, p
}

func getThrough(t *testing.T, base, path string) (int, []byte) {
	t.Helper()
	req, err := http.NewRequest("GET", base+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Token "+secret)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, b
}

// The token echoed in every form an API may use: \u-escaped (all of it, or some
// characters), base64 (standard, URL, inside "Basic user:token"), URL-encoded. None reaches
// a fixture or a violation.
func TestRecordRedactsEveryFormOfTheToken(t *testing.T) {
	var escaped, someEscaped strings.Builder
	for i, r := range secret {
		fmt.Fprintf(&escaped, `\u%04x`, r)
		if i%3 == 0 {
			fmt.Fprintf(&someEscaped, `\u%04X`, r)
		} else {
			someEscaped.WriteRune(r)
		}
	}
	forms := map[string]string{
		"unicode":     escaped.String(),
		"some":        someEscaped.String(),
		"std64":       base64.StdEncoding.EncodeToString([]byte(secret)),
		"url64":       base64.RawURLEncoding.EncodeToString([]byte("Token " + secret)),
		"basic":       base64.StdEncoding.EncodeToString([]byte("user:" + secret)),
		"urlencoded":  strings.ReplaceAll(url.QueryEscape(secret), "-", "%2D"),
		"doubleSlash": `\\u` + fmt.Sprintf("%04x", secret[0]) + secret[1:],
	}
	upstream := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusUnauthorized)
		var b strings.Builder
		b.WriteString(`{"detail": "Invalid token.", "echo": {`)
		first := true
		for k, v := range forms {
			if !first {
				b.WriteString(",")
			}
			first = false
			fmt.Fprintf(&b, `"%s": "%s"`, k, v)
		}
		b.WriteString("}}")
		io.WriteString(w, b.String())
	})
	dir := t.TempDir()
	rec, err := NewRecorder(dir, func(err error) { t.Errorf("recording: %v", err) })
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var reported []Violation
	base, p := startProxy(t, upstream, rec, func(v Violation) { mu.Lock(); reported = append(reported, v); mu.Unlock() })
	if status, _ := getThrough(t, base, "/v1/tasks/"+seedHash); status != http.StatusUnauthorized {
		t.Fatalf("status %d, want the upstream's 401", status)
	}
	files, _ := filepath.Glob(filepath.Join(dir, "*.json"))
	if len(files) != 1 {
		t.Fatalf("%d fixtures, want 1", len(files))
	}
	raw, err := os.ReadFile(files[0])
	if err != nil {
		t.Fatal(err)
	}
	var all strings.Builder
	all.Write(raw)
	for _, v := range p.Violations() {
		b, _ := json.Marshal(v)
		all.Write(b)
	}
	text := all.String()
	// What each form decodes back to, read as the fixture's JSON and as text.
	var f Fixture
	if err := json.Unmarshal(raw, &f); err != nil {
		t.Fatal(err)
	}
	var decoded map[string]any
	if err := json.Unmarshal(f.Body, &decoded); err != nil {
		t.Fatalf("the fixture's body is not JSON: %v", err)
	}
	echo, _ := decoded["echo"].(map[string]any)
	for name, form := range forms {
		if strings.Contains(text, form) {
			t.Errorf("the form %s of the token, %s, is in the fixture", name, form)
		}
		v, _ := echo[name].(string)
		if strings.Contains(v, secret) || strings.Contains(v, secret[1:]) {
			t.Errorf("the form %s decodes to the token in the fixture: %q", name, v)
		}
		for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawURLEncoding} {
			if d, err := enc.DecodeString(v); err == nil && strings.Contains(string(d), secret) {
				t.Errorf("the form %s is the token in base64 in the fixture: %q", name, v)
			}
		}
		if d, err := url.QueryUnescape(v); err == nil && strings.Contains(d, secret) {
			t.Errorf("the form %s is the token URL-encoded in the fixture: %q", name, v)
		}
	}
	if !strings.Contains(text, redacted) {
		t.Errorf("no %s in the fixture: %s", redacted, raw)
	}
}

// Answers with 50 unknown properties each, all different: the violations are grouped
// and capped, the stderr lines (reports) too, and the fixtures capped per operation and
// status, with counts of what was dropped.
func TestNoisyUpstreamIsCapped(t *testing.T) {
	var n atomic.Int64
	upstream := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		task := fixture(t, "get-task.200.json")
		i := n.Add(1)
		for k := range 50 {
			task[fmt.Sprintf("noise_%d_%d", i, k)] = k
		}
		b, _ := json.Marshal(task)
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("X-RateLimit-Limit", "90")
		w.Header().Set("X-RateLimit-Remaining", "89")
		w.Header().Set("X-RateLimit-Reset", "1739197200")
		w.Write(b)
	})
	dir := t.TempDir()
	rec, err := NewRecorder(dir, func(err error) { t.Errorf("recording: %v", err) })
	if err != nil {
		t.Fatal(err)
	}
	var reports atomic.Int64
	base, p := startProxy(t, upstream, rec, func(Violation) { reports.Add(1) })
	// Past every cap: twice the fixtures an operation and status keep, and more distinct
	// violations than a Monitor keeps in all, so that only the grouping keeps them to one
	// group's worth.
	const answers = 2 * MaxFixturesPerStatus
	if answers*50 <= MaxViolations || answers*50 <= 2*MaxPerGroup {
		t.Fatalf("%d answers do not pass the caps", answers)
	}
	for range answers {
		if status, _ := getThrough(t, base, "/v1/tasks/"+seedHash); status != http.StatusOK {
			t.Fatalf("status %d", status)
		}
	}
	vs := p.Violations()
	status, listing := getThrough(t, base, ViolationsPath)
	files, _ := filepath.Glob(filepath.Join(dir, "*.json"))
	var size int64
	for _, f := range files {
		if st, err := os.Stat(f); err == nil {
			size += st.Size()
		}
	}
	t.Logf("after %d answers of 50 unknown properties: %d violations (%d bytes at %s, status %d), %d reports, %d fixtures (%d bytes), %d answers not recorded",
		answers, len(vs), len(listing), ViolationsPath, status, reports.Load(), len(files), size, rec.Skipped())
	if len(vs) != MaxPerGroup {
		t.Errorf("%d violations, want the group's %d", len(vs), MaxPerGroup)
	}
	if got, want := vs[0].Dropped, answers*50-MaxPerGroup; got != want {
		t.Errorf("the group's first violation counts %d dropped, want %d", got, want)
	}
	for _, v := range vs[1:] {
		if v.Dropped != 0 {
			t.Errorf("a violation other than the group's first counts %d dropped", v.Dropped)
		}
	}
	if int(reports.Load()) != len(vs) {
		t.Errorf("%d reports for %d violations kept", reports.Load(), len(vs))
	}
	if len(listing) > 8<<10 {
		t.Errorf("%s is %d bytes", ViolationsPath, len(listing))
	}
	if len(files) != MaxFixturesPerStatus {
		t.Errorf("%d fixtures, want %d", len(files), MaxFixturesPerStatus)
	}
	if got := rec.Skipped(); got != answers-MaxFixturesPerStatus {
		t.Errorf("%d answers not recorded, want %d", got, answers-MaxFixturesPerStatus)
	}
}

// MaxViolations bounds the violations kept in all, and Dropped counts the rest.
func TestMonitorCapsViolationsInAll(t *testing.T) {
	m := NewMonitor(nil)
	for i := range MaxViolations + 5 {
		m.add("op"+strconv.Itoa(i), "200", "GET", "/v1/x", 200, []finding{{in: InResponseBody, path: []string{"a"}, dedup: "/a", kind: UnknownField, message: "m"}})
	}
	if got := len(m.Violations()); got != MaxViolations {
		t.Errorf("%d violations kept, want %d", got, MaxViolations)
	}
	if got := m.Dropped(); got != 5 {
		t.Errorf("Dropped %d, want 5", got)
	}
	// A violation kept still counts its sightings.
	m.add("op0", "200", "GET", "/v1/x", 200, []finding{{in: InResponseBody, path: []string{"a"}, dedup: "/a", kind: UnknownField, message: "m"}})
	if c := m.Violations()[0].Count; c != 2 {
		t.Errorf("Count %d, want 2", c)
	}
}

const heapChildEnv = "DRIFT_HEAP_CHILD"

// inChild runs the calling test alone in a child process of the test binary, where no
// other test allocates, and reports its outcome in t; it returns true in the child.
func inChild(t *testing.T) bool {
	t.Helper()
	if os.Getenv(heapChildEnv) == t.Name() {
		return true
	}
	cmd := exec.Command(os.Args[0], "-test.run=^"+t.Name()+"$", "-test.v", "-test.count=1")
	cmd.Env = append(os.Environ(), heapChildEnv+"="+t.Name())
	out, err := cmd.CombinedOutput()
	for _, line := range strings.Split(string(out), "\n") {
		if strings.Contains(line, "_test.go:") {
			t.Log(strings.TrimSpace(line))
		}
	}
	if err != nil || !strings.Contains(string(out), "--- PASS: "+t.Name()) {
		t.Fatalf("the measuring process failed: %v\n%s", err, out)
	}
	return false
}

// peakRSS is the process's peak resident set (VmHWM) in MiB, for the log; 0 where
// /proc/self/status does not say.
func peakRSS() float64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			kb, _ := strconv.Atoi(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), "kB")))
			return float64(kb) / 1024
		}
	}
	return 0
}

// bigTask writes a Get Task answer of size bytes (a long url), as a stream; chunked
// without a Content-Length.
func bigTask(t *testing.T, w http.ResponseWriter, size int, chunked bool) {
	task := fixture(t, "get-task.200.json")
	task["params"] = map[string]any{"url": "https://x/@@"}
	doc, err := json.Marshal(task)
	if err != nil {
		t.Error(err)
		return
	}
	head, tail, _ := strings.Cut(string(doc), "@@")
	w.Header().Set("Content-Type", "application/json")
	if !chunked {
		w.Header().Set("Content-Length", strconv.Itoa(size))
	}
	io.WriteString(w, head)
	chunk := strings.Repeat("a", 64<<10)
	left := size - len(head) - len(tail)
	for left > 0 {
		k := min(left, len(chunk))
		io.WriteString(w, chunk[:k])
		left -= k
	}
	io.WriteString(w, tail)
}

// testBounds are defaultBounds scaled down 16 times: a bound the race detector checks
// answers up to in seconds (64 MiB answers take minutes).
var testBounds = bounds{body: defaultBounds.body / 16, probe: defaultBounds.probe / 16, probing: defaultBounds.probing / 16}

// A Proxy made by New holds answers of up to 64 MiB, 64 MiB of them at once, and reads
// the first 1 MiB of an answer of unknown length under a budget of 16 MiB: the bounds
// the tests below check scaled down.
func TestDefaultBounds(t *testing.T) {
	p, err := New(Config{Upstream: "http://127.0.0.1:1" + upstreamAt})
	if err != nil {
		t.Fatal(err)
	}
	if want := (bounds{body: 64 << 20, probe: 1 << 20, probing: 16 << 20}); p.bounds != want {
		t.Errorf("bounds %+v, want %+v", p.bounds, want)
	}
	if got := cap(p.checking.units) * budgetUnit; got != 64<<20 {
		t.Errorf("the checking budget is %d bytes, want 64 MiB", got)
	}
	if got := cap(p.probing.units) * budgetUnit; got != 16<<20 {
		t.Errorf("the probing budget is %d bytes, want 16 MiB", got)
	}
	for name, b := range map[string]bounds{"default": defaultBounds, "test": testBounds} {
		if b.body%budgetUnit != 0 || b.probe%budgetUnit != 0 || b.probing%budgetUnit != 0 || b.probe > int64(b.probing) || int64(b.probing) > b.body {
			t.Errorf("%s bounds %+v: not whole units, or a probe over its budget", name, b)
		}
	}
}

// An answer of the bound's size goes through whole; one a byte longer is refused (502),
// with a Content-Length or chunked (past the probe).
func TestAnswerOverTheBoundIsRefused(t *testing.T) {
	small := bounds{body: 4 * budgetUnit, probe: budgetUnit, probing: 2 * budgetUnit}
	var size atomic.Int64
	var chunked atomic.Bool
	upstream := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { bigTask(t, w, int(size.Load()), chunked.Load()) })
	base, p := startProxyWithin(t, upstream, small, nil, nil)
	for _, c := range []bool{false, true} {
		chunked.Store(c)
		size.Store(small.body)
		if status, b := getThrough(t, base, "/v1/tasks/"+seedHash); status != http.StatusOK || int64(len(b)) != small.body {
			t.Errorf("chunked %v: an answer of %d bytes: status %d, %d bytes", c, small.body, status, len(b))
		}
		size.Store(small.body + 1)
		if status, b := getThrough(t, base, "/v1/tasks/"+seedHash); status != http.StatusBadGateway || !strings.Contains(string(b), "larger than") {
			t.Errorf("chunked %v: an answer of %d bytes: status %d (%.200s), want 502", c, small.body+1, status, b)
		}
	}
	if len(p.Violations()) != 0 {
		t.Errorf("violations: %v", p.Violations())
	}
	// Every budget was given back.
	if n, m := len(p.checking.units), len(p.probing.units); n != 0 || m != 0 {
		t.Errorf("%d checking and %d probing units still held", n, m)
	}
}

// 12 concurrent answers of 15/16 of the bound (under testBounds, 3.75 MiB of 4 MiB, as
// 60 of 64 MiB under the default), every other one chunked (of unknown length): the proxy
// checks them one by one, and its heap grows by less than 16 bounds' worth, where buffering
// every answer at once, as before the budgets, takes over 30 (the answers alone are 11).
// Checked one by one, the peak is 6 to 10 bounds: the answer held, the decoding of it, and
// the garbage the collector has yet to reclaim, more of it when the machine is loaded. The
// test stops (fails) as soon as the heap grows past 32 bounds.
func TestLargeAnswersAreCheckedWithinABound(t *testing.T) {
	if !inChild(t) {
		return
	}
	b := testBounds
	const answers = 12
	size := int(b.body / 16 * 15)
	limit, stopAt := uint64(16*b.body), uint64(32*b.body)
	var n atomic.Int64
	upstream := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { bigTask(t, w, size, n.Add(1)%2 == 0) })
	base, p := startProxyWithin(t, upstream, b, nil, nil)

	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	start := ms.HeapAlloc
	var peak atomic.Uint64
	stop := make(chan struct{})
	var sampler sync.WaitGroup
	sampler.Go(func() {
		var ms runtime.MemStats
		for {
			runtime.ReadMemStats(&ms)
			if g := ms.HeapAlloc - min(ms.HeapAlloc, start); g > peak.Load() {
				peak.Store(g)
			}
			if ms.HeapAlloc > start+stopAt {
				fmt.Printf("bounds_test.go: the heap grew past %d MiB (%d answers of %.2f MiB): stopped\n", stopAt>>20, answers, float64(size)/(1<<20))
				os.Exit(1)
			}
			select {
			case <-stop:
				return
			case <-time.After(2 * time.Millisecond):
			}
		}
	})
	var wg sync.WaitGroup
	got := make([]int64, answers)
	for i := range answers {
		wg.Go(func() {
			req, _ := http.NewRequest("GET", base+"/v1/tasks/"+seedHash, nil)
			req.Header.Set("Authorization", "Token "+secret)
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Error(err)
				return
			}
			defer resp.Body.Close()
			got[i], _ = io.Copy(io.Discard, resp.Body)
		})
	}
	wg.Wait()
	close(stop)
	sampler.Wait()
	for i, n := range got {
		if n != int64(size) {
			t.Errorf("answer %d: %d bytes, want %d", i, n, size)
		}
	}
	runtime.ReadMemStats(&ms)
	t.Logf("%d concurrent answers of %.2f MiB, bound %d MiB: peak heap growth %.1f MiB, heap obtained from the OS %.1f MiB, peak RSS %.0f MiB, %d violations",
		answers, float64(size)/(1<<20), b.body>>20, float64(peak.Load())/(1<<20), float64(ms.HeapSys)/(1<<20), peakRSS(), len(p.Violations()))
	if peak.Load() > limit {
		t.Errorf("peak heap growth %.1f MiB, want under %d MiB (16 bounds)", float64(peak.Load())/(1<<20), limit>>20)
	}
	if len(p.Violations()) != 0 {
		t.Errorf("violations: %v", p.Violations())
	}
}
