package api_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/lobstr-go/lobstr/api"
	"github.com/lobstr-go/lobstr/api/apitest"
)

// fakeClient returns a fake and a client on it, with pacing off unless opts turn it on.
func fakeClient(t *testing.T, fopts []apitest.Option, opts ...api.Option) (*apitest.Server, *api.Client) {
	t.Helper()
	srv := apitest.NewServer(t, fopts...)
	all := append([]api.Option{api.WithBaseURL(srv.URL), api.WithToken(srv.Token), api.WithHTTPClient(srv.Client()), api.WithoutPacing()}, opts...)
	c, err := api.NewClient(all...)
	if err != nil {
		t.Fatal(err)
	}
	return srv, c
}

func TestGetTaskAgainstFake(t *testing.T) {
	srv, c := fakeClient(t, nil)
	task, err := c.Tasks.Get(t.Context(), apitest.SeedTaskHash)
	if err != nil {
		t.Fatal(err)
	}
	if !jsonEqual(t, mustJSON(t, task), readFixture(t, "get-task.200.json")) {
		t.Fatalf("seed task differs: %s", mustJSON(t, task))
	}
	_, err = c.Tasks.Get(t.Context(), "00000000000000000000000000000000")
	var e *api.Error
	if !api.IsNotFound(err) || !errors.As(err, &e) || e.Type != "not_found_error" || e.Message != "Task not found" || e.Param != "task_hash" {
		t.Fatalf("unknown task: %v", err)
	}
	if n := srv.Requests("GET /v1/tasks/00000000000000000000000000000000"); n != 1 {
		t.Fatalf("a 404 made %d requests; want 1", n)
	}
	other := apitest.NewServer(t, apitest.WithToken("right"))
	bad, _ := api.NewClient(api.WithBaseURL(other.URL), api.WithToken("wrong"), api.WithoutPacing())
	if _, err := bad.Tasks.Get(t.Context(), apitest.SeedTaskHash); !api.IsUnauthorized(err) || !strings.Contains(err.Error(), "Invalid token.") {
		t.Fatalf("wrong token: %v", err)
	}
	if rl := c.RateLimit(); rl.Limit != 90 || rl.Remaining <= 0 || rl.Reset.IsZero() {
		t.Fatalf("rate limit of the last response: %+v", rl)
	}
}

func mustJSON(t testing.TB, v any) []byte {
	t.Helper()
	b, err := jsonMarshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// Walking 10,000 tasks at limit 100 makes exactly 100 requests and yields every task once,
// in the server's order; breaking after 150 makes 2 requests. The fake does not check its
// answers and the client's requests against the document here (WithValidation(false)):
// under -race that was most of the test's time, and Add Tasks and List Tasks are checked by
// the other tests of the fake.
func TestAllTasksTenThousand(t *testing.T) {
	srv, c := fakeClient(t, []apitest.Option{apitest.WithValidation(false)}, api.WithAddBatchSize(1000))
	const squid = "bulk-squid"
	srv.AddSquid(squid)
	tasks := make([]api.Params, 10000)
	for i := range tasks {
		tasks[i] = api.Params{"url": fmt.Sprintf("https://example.com/p/%05d", i)}
	}
	res, err := c.Tasks.Add(t.Context(), squid, tasks)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Tasks) != 10000 || res.DuplicatedCount != 0 || srv.Requests("POST /v1/tasks") != 10 {
		t.Fatalf("added %d (%d duplicates) in %d requests; want 10000 in 10", len(res.Tasks), res.DuplicatedCount, srv.Requests("POST /v1/tasks"))
	}
	want := srv.Tasks(squid)

	before := srv.Requests("GET /v1/tasks")
	seen := make(map[string]bool, 10000)
	i := 0
	for task, err := range c.Tasks.All(t.Context(), api.ListTasksOptions{Squid: squid, Limit: 100}) {
		if err != nil {
			t.Fatal(err)
		}
		if seen[task.Id] {
			t.Fatalf("task %s yielded twice", task.Id)
		}
		seen[task.Id] = true
		if task.Id != want[i].Id {
			t.Fatalf("item %d is %s; the server's order has %s", i, task.Id, want[i].Id)
		}
		i++
	}
	if n := srv.Requests("GET /v1/tasks") - before; len(seen) != 10000 || n != 100 {
		t.Fatalf("%d distinct tasks in %d requests; want 10000 in 100", len(seen), n)
	}

	before = srv.Requests("GET /v1/tasks")
	got := 0
	for _, err := range c.Tasks.All(t.Context(), api.ListTasksOptions{Squid: squid, Limit: 100}) {
		if err != nil {
			t.Fatal(err)
		}
		if got++; got == 150 {
			break
		}
	}
	if n := srv.Requests("GET /v1/tasks") - before; n != 2 {
		t.Fatalf("breaking after 150 items made %d requests; want 2", n)
	}
}

func TestAllTasksYieldsErrorOnceAndEnds(t *testing.T) {
	srv, c := fakeClient(t, nil, api.WithMaxRetries(0))
	srv.Script("GET", "/v1/tasks", apitest.Fault{}, apitest.Fault{Status: 500, Body: []byte(`{"detail": "boom"}`)})
	var items, errs int
	for _, err := range c.Tasks.All(t.Context(), api.ListTasksOptions{Squid: apitest.SeedSquid, Limit: 1}) {
		if err != nil {
			errs++
			var e *api.Error
			if !errors.As(err, &e) || e.StatusCode != 500 || e.Message != "boom" {
				t.Fatalf("err = %v", err)
			}
			continue
		}
		items++
	}
	if items != 1 || errs != 1 {
		t.Fatalf("%d items and %d errors; want 1 and 1", items, errs)
	}
	// An unknown squid: the documented 404, yielded once.
	for _, err := range c.Tasks.All(t.Context(), api.ListTasksOptions{Squid: "no-such-squid"}) {
		if !api.IsNotFound(err) {
			t.Fatalf("unknown squid: %v", err)
		}
	}
}

func TestListTasksPageEnvelope(t *testing.T) {
	_, c := fakeClient(t, nil)
	p, err := c.Tasks.List(t.Context(), api.ListTasksOptions{Squid: apitest.SeedSquid, Limit: 1, Type: "params"})
	if err != nil {
		t.Fatal(err)
	}
	if p.TotalResults != 2 || p.TotalPages != 2 || p.Page != 1 || p.Limit != 1 || len(p.Data) != 1 || p.Next == nil || p.Previous != nil ||
		!strings.Contains(*p.Next, "page=2") || p.ResultFrom == nil || *p.ResultFrom != 1 {
		t.Fatalf("page 1: %s", mustJSON(t, p))
	}
	p, err = c.Tasks.List(t.Context(), api.ListTasksOptions{Squid: apitest.SeedSquid, Limit: 1, Page: 2})
	if err != nil || p.Next != nil || p.Previous == nil || p.Data[0].Id != "c5e29d2aba8b77cdc56391e7405302de" {
		t.Fatalf("page 2: %v %s", err, mustJSON(t, p))
	}
}

func TestAddDeleteFlow(t *testing.T) {
	srv, c := fakeClient(t, nil, api.WithAddBatchSize(2))
	tasks := []api.Params{{"url": "https://a"}, {"url": "https://b"}, {"url": "https://a"}, {"url": "https://c"}, {"url": "https://d"}}
	res, err := c.Tasks.Add(t.Context(), apitest.SeedSquid, tasks)
	if err != nil {
		t.Fatal(err)
	}
	// 3 batches; the third "https://a" is a duplicate of the first batch's.
	if len(res.Tasks) != 4 || res.DuplicatedCount != 1 || srv.Requests("POST /v1/tasks") != 3 {
		t.Fatalf("result %s after %d requests", mustJSON(t, res), srv.Requests("POST /v1/tasks"))
	}
	again, err := c.Tasks.Add(t.Context(), apitest.SeedSquid, tasks)
	if err != nil || len(again.Tasks) != 0 || again.DuplicatedCount != 5 {
		t.Fatalf("re-adding: %v %s", err, mustJSON(t, again))
	}
	h := res.Tasks[0].Id
	got, err := c.Tasks.Get(t.Context(), h)
	if err != nil || got.Params["url"] != "https://a" || got.Status.IsDone {
		t.Fatalf("new task: %v %s", err, mustJSON(t, got))
	}
	d, err := c.Tasks.Delete(t.Context(), h)
	if err != nil || d.Id != h || !d.Deleted {
		t.Fatalf("delete: %v %v", d, err)
	}
	if _, err := c.Tasks.Delete(t.Context(), h); !api.IsNotFound(err) {
		t.Fatalf("second delete: %v", err)
	}
	if _, err := c.Tasks.Get(t.Context(), h); !api.IsNotFound(err) {
		t.Fatalf("get after delete: %v", err)
	}
	// A batch that fails after others succeeded returns what was added and says how far it got.
	srv.Script("POST", "/v1/tasks", apitest.Fault{}, apitest.Fault{Status: 400, Body: readFixture(t, "add-tasks.400.json")})
	part, err := c.Tasks.Add(t.Context(), apitest.SeedSquid, []api.Params{{"url": "https://e"}, {"url": "https://f"}, {"url": "https://g"}})
	var ae *api.AddTasksError
	if !errors.As(err, &ae) || ae.Sent != 2 || ae.Total != 3 || part == nil || len(part.Tasks) != 2 {
		t.Fatalf("partial add: %v %v", part, err)
	}
	var e *api.Error
	if !errors.As(err, &e) || e.Type != "validation_error" || e.Param != "tasks" {
		t.Fatalf("partial add error: %v", err)
	}
}

func TestUploadFlowAgainstFake(t *testing.T) {
	srv, c := fakeClient(t, nil)
	csv := "url,city\nhttps://x/1,Paris\nhttps://x/2,Lyon\nhttps://x/1,Paris\nbroken\n\n"
	u, err := c.Tasks.Upload(t.Context(), apitest.SeedSquid, "tasks.csv", strings.NewReader(csv))
	if err != nil {
		t.Fatal(err)
	}
	if u.State != nil || u.Meta.IsPresent() || u.Object != "task_upload" {
		t.Fatalf("Upload Tasks answers only id and object; got %s", mustJSON(t, u))
	}
	var states []string
	final, err := c.Tasks.WaitUpload(t.Context(), u.Id, api.WithPollInterval(time.Millisecond), api.OnUploadProgress(func(u *api.Upload) {
		states = append(states, string(*u.State))
	}))
	if err != nil {
		t.Fatal(err)
	}
	meta, ok := final.Meta.Get()
	if !ok || *final.State != api.UploadSuccess || meta.Inserted != 2 || meta.Duplicates != 1 || meta.Invalid != 1 || meta.Valid != 3 {
		t.Fatalf("final upload %s", mustJSON(t, final))
	}
	if strings.Join(states, ",") != "PENDING,PROGRESS,SUCCESS" {
		t.Fatalf("states %v", states)
	}
	if n := len(srv.Tasks(apitest.SeedSquid)); n != 4 {
		t.Fatalf("squid holds %d tasks after the upload; want 2 + 2", n)
	}
	if _, err := c.Tasks.UploadStatus(t.Context(), "ffffffffffffffffffffffffffffffff"); !api.IsNotFound(err) {
		t.Fatalf("unknown upload: %v", err)
	}
}

// csvSource produces a CSV of about size bytes without holding it in memory.
type csvSource struct {
	size, done int
	row        int
	buf, line  []byte
}

func (s *csvSource) Read(p []byte) (int, error) {
	n := 0
	for n < len(p) && s.done < s.size {
		if len(s.buf) == 0 {
			if s.done == 0 {
				s.buf = []byte("url\n")
			} else {
				s.line = strconv.AppendInt(append(s.line[:0], "https://example.com/xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx/"...), int64(s.row), 10)
				s.line = append(s.line, '\n')
				s.buf = s.line
				s.row++
			}
		}
		k := copy(p[n:], s.buf)
		s.buf = s.buf[k:]
		s.done += k
		n += k
	}
	if n == 0 {
		return 0, io.EOF
	}
	return n, nil
}

// Uploading a 50 MB CSV keeps the heap of the client (and of a server that discards the body)
// far below the file's size: the body is streamed, never held whole in memory. The GC runs
// eagerly during the test, so the heap's peak shows what is live rather than garbage (the
// race detector's sync.Pool makes plenty of that).
func TestUploadFiftyMegabytesStreams(t *testing.T) {
	// The heap is the whole process's: measure in a process of its own, where no other
	// test's servers or goroutines allocate meanwhile.
	if os.Getenv("LOBSTR_HEAP_CHILD") != "1" {
		cmd := exec.Command(os.Args[0], "-test.run=^TestUploadFiftyMegabytesStreams$", "-test.v")
		cmd.Env = append(os.Environ(), "LOBSTR_HEAP_CHILD=1")
		out, err := cmd.CombinedOutput()
		for _, line := range strings.Split(string(out), "\n") {
			if strings.Contains(line, "50 MiB upload:") {
				t.Log(strings.TrimSpace(line))
			}
		}
		if err != nil || !strings.Contains(string(out), "--- PASS: TestUploadFiftyMegabytesStreams") {
			t.Fatalf("the measuring process failed: %v\n%s", err, out)
		}
		return
	}
	var received atomic.Int64
	srv := newDiscardServer(t, &received)
	c, err := api.NewClient(api.WithBaseURL(srv), api.WithToken("t"), api.WithoutPacing())
	if err != nil {
		t.Fatal(err)
	}
	const size = 50 << 20
	defer debug.SetGCPercent(debug.SetGCPercent(10))
	runtime.GC()
	var before runtime.MemStats
	runtime.ReadMemStats(&before)
	var peak atomic.Uint64
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
			case <-time.After(5 * time.Millisecond):
			}
		}
	})
	u, err := c.Tasks.Upload(t.Context(), "sq", "big.csv", &csvSource{size: size})
	var after runtime.MemStats
	runtime.ReadMemStats(&after)
	close(stop)
	wg.Wait()
	if err != nil {
		t.Fatal(err)
	}
	if u.Id == "" || received.Load() < size {
		t.Fatalf("server received %d bytes; want at least %d", received.Load(), size)
	}
	allocated := after.TotalAlloc - before.TotalAlloc
	growth := int64(peak.Load()) - int64(before.HeapAlloc)
	t.Logf("50 MiB upload: %.1f MiB allocated in all, peak heap growth %.1f MiB", float64(allocated)/(1<<20), float64(growth)/(1<<20))
	if growth > size/4 {
		t.Fatalf("the heap grew by %d bytes during the upload; want far below the file's %d", growth, size)
	}
}

func newDiscardServer(t *testing.T, received *atomic.Int64) string {
	t.Helper()
	s := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n, _ := io.CopyBuffer(io.Discard, r.Body, make([]byte, 32<<10))
		received.Add(n)
		io.WriteString(w, `{"id": "427a7bfc54cf4ce483d83ba23425164b", "object": "task_upload"}`)
	})}
	ln := listenLoopback(t)
	go s.Serve(ln)
	t.Cleanup(func() { s.Close() })
	return "http://" + ln.Addr().String() + "/v1"
}

func TestWaitTaskCompletesAfterPolls(t *testing.T) {
	srv, c := fakeClient(t, nil)
	res, err := c.Tasks.Add(t.Context(), apitest.SeedSquid, []api.Params{{"url": "https://wait.example/1"}})
	if err != nil {
		t.Fatal(err)
	}
	h := res.Tasks[0].Id
	srv.SetLifecycle(h, apitest.Lifecycle{Polls: 5, Results: 40})
	var progress []string
	task, err := c.Tasks.Wait(t.Context(), h, api.WithPollInterval(time.Millisecond), api.WithMaxPollInterval(5*time.Millisecond),
		api.OnTaskProgress(func(t *api.Task) {
			progress = append(progress, fmt.Sprintf("%s/%d", t.Status.Status, t.Status.TotalResults))
		}))
	if err != nil {
		t.Fatal(err)
	}
	if !task.Status.IsDone || task.Status.Status != api.TaskCompleted || task.Status.TotalResults != 40 || task.Status.EndedAt == nil {
		t.Fatalf("final task %s", mustJSON(t, task))
	}
	if n := srv.Requests("GET /v1/tasks/" + h); n != 5 || len(progress) != 5 {
		t.Fatalf("%d polls, progress %v; want 5", n, progress)
	}
	if !strings.HasPrefix(progress[0], "pending/") || progress[4] != "completed/40" {
		t.Fatalf("progress %v", progress)
	}
	// A failed task ends the wait too, as a task, not an error.
	srv.SetLifecycle(h, apitest.Lifecycle{Polls: 2, End: api.TaskFailed, Results: 10})
	task, err = c.Tasks.Wait(t.Context(), h, api.WithPollInterval(time.Millisecond))
	if err != nil || task.Status.Status != api.TaskFailed || !task.Status.IsDone {
		t.Fatalf("failed task: %v %s", err, mustJSON(t, task))
	}
}

func TestWaitTaskRespectsCancellation(t *testing.T) {
	srv, c := fakeClient(t, nil)
	res, err := c.Tasks.Add(t.Context(), apitest.SeedSquid, []api.Params{{"url": "https://wait.example/never"}})
	if err != nil {
		t.Fatal(err)
	}
	h := res.Tasks[0].Id
	srv.SetLifecycle(h, apitest.Lifecycle{Polls: 1 << 30})
	ctx, cancel := context.WithTimeout(t.Context(), 300*time.Millisecond)
	defer cancel()
	start := time.Now()
	last, err := c.Tasks.Wait(ctx, h, api.WithPollInterval(20*time.Millisecond))
	if !errors.Is(err, context.DeadlineExceeded) || last == nil || last.Status.IsDone {
		t.Fatalf("Tasks.Wait: %v, last %v", err, last)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Fatalf("returned %v after the deadline", d)
	}
	// Unknown task: the 404 ends the wait at once.
	if _, err := c.Tasks.Wait(t.Context(), "0123456789abcdef0123456789abcdef"); !api.IsNotFound(err) {
		t.Fatalf("unknown task: %v", err)
	}
}

// statusCounter counts the statuses of every response a client receives, retried ones too.
type statusCounter struct {
	next http.RoundTripper
	mu   sync.Mutex
	n    map[int]int
}

func (s *statusCounter) RoundTrip(r *http.Request) (*http.Response, error) {
	res, err := s.next.RoundTrip(r)
	if err == nil {
		s.mu.Lock()
		s.n[res.StatusCode]++
		s.mu.Unlock()
	}
	return res, err
}

// 64 goroutines share one default client against a fake that enforces N requests per window
// W and says so honestly in its X-RateLimit headers, for windows other than the configured
// minute: the client learns the budget and the window from the headers, sends no request
// the server refuses, and uses nearly everything the whole windows of the run allowed.
func TestPacingFollowsTheServer(t *testing.T) {
	cases := []struct {
		limit  int
		window time.Duration
		whole  int // whole windows measured (fewer with -short)
	}{
		{90, 6 * time.Second, 2},
		{120, 4 * time.Second, 3},
		{2, time.Second, 10},
	}
	for _, tc := range cases {
		t.Run(fmt.Sprintf("%d per %v", tc.limit, tc.window), func(t *testing.T) {
			t.Parallel()
			whole := tc.whole
			if testing.Short() {
				whole = max(whole/2, 1)
			}
			synctest.Test(t, func(t *testing.T) { pacingRun(t, tc.limit, tc.window, whole) })
		})
	}
}

// pacingRun runs in a synctest bubble (see api.InProcTransport): the fake's windows and the
// client's pacer follow the bubble's clock, so the count of each window is the pacer's doing
// alone. On the wall clock, a loaded machine cost requests no pacer could have made (319 of
// the 360 allowed, once).
func pacingRun(t *testing.T, limit int, window time.Duration, whole int) {
	srv, baseURL, token, rt := bubbleFake(t)
	srv.EnforceRateLimit(limit, window)
	counter := &statusCounter{next: rt, n: map[int]int{}}
	var waits atomic.Int64
	c, err := api.NewClient(api.WithBaseURL(baseURL), api.WithToken(token), api.WithHTTPClient(&http.Client{Transport: counter}),
		api.OnWait(func(family string, d time.Duration, why string) {
			if family != api.FamilyTasks || d <= 0 || d > time.Minute || why == "" {
				t.Errorf("OnWait(%q, %v, %q)", family, d, why)
			}
			waits.Add(1)
		}))
	if err != nil {
		t.Fatal(err)
	}
	// The fake counts in fixed windows aligned to the clock (a whole number of seconds long),
	// as a per-minute limiter does. The run ends just after the given number of whole windows;
	// each of them allows limit requests.
	start := time.Now()
	first := start.Truncate(window).Add(window)
	last := first.Add(time.Duration(whole) * window)
	ctx, cancel := context.WithDeadline(t.Context(), last.Add(window/4))
	defer cancel()
	var ok, failed atomic.Int64
	var wg sync.WaitGroup
	for range 64 {
		wg.Go(func() {
			for ctx.Err() == nil {
				_, err := c.Tasks.Get(ctx, apitest.SeedTaskHash)
				switch {
				case err == nil:
					ok.Add(1)
				case ctx.Err() != nil, errors.Is(err, context.DeadlineExceeded):
					// The run's time is up (the pacer says so before it ends, when the next
					// slot lies beyond it).
					return
				default:
					failed.Add(1)
					t.Errorf("Tasks.Get: %v", err)
					return
				}
			}
		})
	}
	wg.Wait()
	elapsed := time.Since(start)
	made := 0
	for _, r := range srv.RequestLog() {
		if !r.Time.Before(first) && r.Time.Before(last) {
			made++
		}
	}
	allowed := limit * whole
	counter.mu.Lock()
	tooMany := counter.n[http.StatusTooManyRequests]
	counter.mu.Unlock()
	t.Logf("%d per %v, 64 goroutines, %v: %d answered 200, %d answered 429, %d OnWait calls; in the %d whole windows: %d requests made of the %d allowed (%.1f%%)",
		limit, window, elapsed.Round(time.Millisecond), ok.Load(), tooMany, waits.Load(), whole, made, allowed, 100*float64(made)/float64(allowed))
	if tooMany != 0 || failed.Load() != 0 {
		t.Fatalf("%d answers were 429 and %d calls failed; want none", tooMany, failed.Load())
	}
	if made > allowed {
		t.Fatalf("%d requests in %d whole windows; the server allowed %d", made, whole, allowed)
	}
	if float64(made) < 0.95*float64(allowed) {
		t.Fatalf("%d requests in %d whole windows; want at least 95%% of the %d allowed", made, whole, allowed)
	}
}
