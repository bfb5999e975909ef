package api_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/lobstr-go/lobstr/api"
	"github.com/lobstr-go/lobstr/api/apitest"
)

// The fault matrix: every operation of the client against every fault the fake can inject,
// checking the outcome, the exact number of requests the fake received, and the fake's
// state afterwards (nothing lost, nothing done twice).

// The tasks Tasks.Add adds in the matrix; neither is in the seed squid.
const (
	faultURL1 = "https://example.com/fault/1"
	faultURL2 = "https://example.com/fault/2"
)

// The bodies of the scripted answers.
const (
	faultRateLimitBody = `{"error": "Rate limit exceeded. Please try again later.", "type": "RateLimitExceeded", "code": 429}`
	faultInvalidBody   = `{"error": {"message": "Invalid task parameters. Each task must contain required fields for the crawler.", "type": "validation_error", "param": "tasks"}}`
	faultNotFoundBody  = `{"error": {"message": "Task not found", "type": "not_found_error", "param": "task_hash"}}`
	faultHTMLBody      = "<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n<center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n"
)

// faultEnv is the world of one row: a fresh fake and a client pointed at it.
type faultEnv struct {
	srv      *apitest.Server
	c        *api.Client
	uploadID string // the upload Tasks.WaitUpload waits for, made before the faults are scripted
}

// faultOp is one operation of the client, as the matrix drives it.
type faultOp struct {
	name    string
	target  func(e *faultEnv) (method, path string) // the requests that get the faults, and are counted
	retried bool                                    // the client retries it (everything but Tasks.Upload)
	steps   int                                     // requests of a run without faults
	// stepped: an answer the fake served whole but cut short still moved the fake's state
	// on by one step (a poll of a lifecycle, a check of an upload), so it counts as one of
	// the steps.
	stepped bool
	// polls: a wait, which polls on through a failure that a later poll may not meet (429,
	// 5xx, network), for as long as its context allows.
	polls bool
	// cutErr, when set, is the outcome of the "cut body then ok" row instead of success: the
	// cut answer was for a request that took effect.
	cutErr func(t *testing.T, err error)
	setup  func(t *testing.T, e *faultEnv)
	run    func(ctx context.Context, e *faultEnv) (any, error)
	// after checks the value of a success (err nil) and, whatever the outcome, the fake's state.
	after func(t *testing.T, e *faultEnv, row faultRow, v any, err error)
}

// faultRow is one fault, or a sequence of faults, scripted on the operation's requests.
type faultRow struct {
	name        string
	faults      []apitest.Fault
	timeout     time.Duration // the client's WithTimeout, when not 0
	noKeepAlive bool          // a transport without keep-alives, so that Go's transport never resends by itself
	cut         bool          // the fault is a body cut short
	slow        bool          // the fault is latency beyond the client's timeout

	// A retried operation meets the first met faults, then succeeds (err nil) or gives up
	// with err.
	met int
	err func(t *testing.T, err error)
	// once is the outcome of an operation sent once (Tasks.Upload), whatever the fault.
	once func(t *testing.T, err error)
}

// fails reports whether the row's faults are all status answers.
func (r faultRow) fails() bool {
	for _, f := range r.faults {
		if f.Status == 0 {
			return false
		}
	}
	return len(r.faults) > 0
}

// failure is the *api.Error of the row's first fault, which must be a status answer.
func (r faultRow) failure() error {
	f := r.faults[0]
	return api.ParseError(f.Status, f.Header, f.Body)
}

func status(code int, body string, header ...string) apitest.Fault {
	f := apitest.Fault{Status: code, Body: []byte(body)}
	if len(header) > 0 {
		f.Header = http.Header{}
		for i := 0; i+1 < len(header); i += 2 {
			f.Header.Set(header[i], header[i+1])
		}
	}
	return f
}

func repeat(f apitest.Fault, n int) []apitest.Fault {
	fs := make([]apitest.Fault, n)
	for i := range fs {
		fs[i] = f
	}
	return fs
}

// wantAPIError checks that err is an *api.Error with these fields; retryAfter is checked
// when not 0, and typ and param always ("" for none).
func wantAPIError(code int, typ, msg, param string, retryAfter time.Duration) func(*testing.T, error) {
	return func(t *testing.T, err error) {
		t.Helper()
		var e *api.Error
		if !errors.As(err, &e) {
			t.Fatalf("err = %v (%T); want an *api.Error %d", err, err, code)
		}
		if e.StatusCode != code || e.Type != typ || e.Message != msg || e.Param != param {
			t.Errorf("*api.Error{StatusCode: %d, Type: %q, Message: %q, Param: %q}; want {%d, %q, %q, %q}",
				e.StatusCode, e.Type, e.Message, e.Param, code, typ, msg, param)
		}
		if retryAfter != 0 && e.RetryAfter != retryAfter {
			t.Errorf("RetryAfter = %v; want %v", e.RetryAfter, retryAfter)
		}
		if !strings.Contains(err.Error(), http.StatusText(code)) || !strings.Contains(err.Error(), msg) {
			t.Errorf("err.Error() = %q; want the status %d and the message in it", err, code)
		}
	}
}

// wantNetworkError checks that err is a failure without an HTTP answer (or with one cut
// short): not an *api.Error, naming the operation, and wrapping want when want is not nil.
func wantNetworkError(want error) func(*testing.T, error) {
	return func(t *testing.T, err error) {
		t.Helper()
		if err == nil {
			t.Fatal("err = nil; want a network error")
		}
		if errors.As(err, new(*api.Error)) {
			t.Fatalf("err = %v; want a network error, not an *api.Error", err)
		}
		if !strings.Contains(err.Error(), "Tasks.Upload") && !strings.Contains(err.Error(), "api: ") {
			t.Errorf("err = %q; want it to name the operation", err)
		}
		if want != nil && !errors.Is(err, want) {
			t.Errorf("err = %v; want it to wrap %v", err, want)
		}
	}
}

var faultRows = []faultRow{
	{name: "500 then ok", faults: []apitest.Fault{status(500, `{"detail": "Something went wrong."}`)}, met: 1,
		once: wantAPIError(500, "", "Something went wrong.", "", 0)},
	{name: "502 then ok", faults: []apitest.Fault{status(502, `{"detail": "Bad gateway."}`)}, met: 1,
		once: wantAPIError(502, "", "Bad gateway.", "", 0)},
	{name: "503 then ok", faults: []apitest.Fault{status(503, `{"detail": "Service temporarily unavailable."}`)}, met: 1,
		once: wantAPIError(503, "", "Service temporarily unavailable.", "", 0)},
	{name: "504 then ok", faults: []apitest.Fault{status(504, `{"detail": "Gateway timeout."}`)}, met: 1,
		once: wantAPIError(504, "", "Gateway timeout.", "", 0)},
	{name: "500 504 then ok", faults: []apitest.Fault{status(500, `{"detail": "Something went wrong."}`), status(504, `{"detail": "Gateway timeout."}`)}, met: 2,
		once: wantAPIError(500, "", "Something went wrong.", "", 0)},
	{name: "503 x3 gives up", faults: repeat(status(503, `{"detail": "Service temporarily unavailable."}`), 3), met: 3,
		err:  wantAPIError(503, "", "Service temporarily unavailable.", "", 0),
		once: wantAPIError(503, "", "Service temporarily unavailable.", "", 0)},
	{name: "429 Retry-After 1 then ok", faults: []apitest.Fault{status(429, faultRateLimitBody, "Retry-After", "1")}, met: 1,
		once: wantAPIError(429, "RateLimitExceeded", "Rate limit exceeded. Please try again later.", "", time.Second)},
	{name: "429 Retry-After 3600", faults: []apitest.Fault{status(429, faultRateLimitBody, "Retry-After", "3600")}, met: 1,
		err:  wantAPIError(429, "RateLimitExceeded", "Rate limit exceeded. Please try again later.", "", time.Hour),
		once: wantAPIError(429, "RateLimitExceeded", "Rate limit exceeded. Please try again later.", "", time.Hour)},
	{name: "400", faults: []apitest.Fault{status(400, faultInvalidBody)}, met: 1,
		err:  wantAPIError(400, "validation_error", "Invalid task parameters. Each task must contain required fields for the crawler.", "tasks", 0),
		once: wantAPIError(400, "validation_error", "Invalid task parameters. Each task must contain required fields for the crawler.", "tasks", 0)},
	{name: "401", faults: []apitest.Fault{status(401, `{"detail": "Invalid token."}`, "WWW-Authenticate", "Token")}, met: 1,
		err:  wantAPIError(401, "", "Invalid token.", "", 0),
		once: wantAPIError(401, "", "Invalid token.", "", 0)},
	{name: "403", faults: []apitest.Fault{status(403, `{"detail": "You do not have permission to perform this action."}`)}, met: 1,
		err:  wantAPIError(403, "", "You do not have permission to perform this action.", "", 0),
		once: wantAPIError(403, "", "You do not have permission to perform this action.", "", 0)},
	{name: "404", faults: []apitest.Fault{status(404, faultNotFoundBody)}, met: 1,
		err:  wantAPIError(404, "not_found_error", "Task not found", "task_hash", 0),
		once: wantAPIError(404, "not_found_error", "Task not found", "task_hash", 0)},
	{name: "cut body then ok", faults: []apitest.Fault{{CutBody: true}}, cut: true, met: 1,
		once: wantNetworkError(io.ErrUnexpectedEOF)},
	{name: "drop then ok", faults: []apitest.Fault{{Drop: true}}, noKeepAlive: true, met: 1,
		once: wantNetworkError(nil)},
	{name: "slow beyond timeout then ok", faults: []apitest.Fault{{Delay: 2 * time.Second}}, timeout: 500 * time.Millisecond, slow: true, met: 1,
		once: wantNetworkError(context.DeadlineExceeded)},
	{name: "HTML 502 x3", faults: repeat(status(502, faultHTMLBody, "Content-Type", "text/html"), 3), met: 3,
		err:  wantAPIError(502, "", "Bad Gateway (HTML page: 502 Bad Gateway)", "", 0),
		once: wantAPIError(502, "", "Bad Gateway (HTML page: 502 Bad Gateway)", "", 0)},
	{name: "empty 503 x3", faults: repeat(status(503, ""), 3), met: 3,
		err:  wantAPIError(503, "", "Service Unavailable (empty body)", "", 0),
		once: wantAPIError(503, "", "Service Unavailable (empty body)", "", 0)},
}

// countOf returns how many tasks of squid have params url == u.
func countOf(srv *apitest.Server, squid, u string) int {
	n := 0
	for _, s := range srv.Tasks(squid) {
		if s.Params["url"] == u {
			n++
		}
	}
	return n
}

var faultOps = []faultOp{
	{
		name:    "Tasks.Get",
		target:  func(*faultEnv) (string, string) { return "GET", "/v1/tasks/" + apitest.SeedTaskHash },
		retried: true, steps: 1,
		run: func(ctx context.Context, e *faultEnv) (any, error) { return e.c.Tasks.Get(ctx, apitest.SeedTaskHash) },
		after: func(t *testing.T, e *faultEnv, row faultRow, v any, err error) {
			if err != nil {
				return
			}
			task := v.(*api.Task)
			if task.HashValue != apitest.SeedTaskHash || task.Status.TotalResults != 156 {
				t.Errorf("task %s with %d results; want the seed task with 156", task.HashValue, task.Status.TotalResults)
			}
		},
	},
	{
		name:    "Tasks.List",
		target:  func(*faultEnv) (string, string) { return "GET", "/v1/tasks" },
		retried: true, steps: 1,
		run: func(ctx context.Context, e *faultEnv) (any, error) {
			return e.c.Tasks.List(ctx, api.ListTasksOptions{Squid: apitest.SeedSquid})
		},
		after: func(t *testing.T, e *faultEnv, row faultRow, v any, err error) {
			if err != nil {
				return
			}
			p := v.(*api.TaskPage)
			if p.TotalResults != 2 || len(p.Data) != 2 || p.Data[1].Id != apitest.SeedTaskHash {
				t.Errorf("page of %d (total %d); want the seed's 2 tasks", len(p.Data), p.TotalResults)
			}
		},
	},
	{
		name:    "Tasks.Add",
		target:  func(*faultEnv) (string, string) { return "POST", "/v1/tasks" },
		retried: true, steps: 1,
		run: func(ctx context.Context, e *faultEnv) (any, error) {
			return e.c.Tasks.Add(ctx, apitest.SeedSquid, []api.Params{{"url": faultURL1}, {"url": faultURL2}})
		},
		after: func(t *testing.T, e *faultEnv, row faultRow, v any, err error) {
			// Nothing lost, nothing duplicated: the squid holds each task once after a success,
			// and none of them after a failure (no failing row lets the fake take the tasks).
			want := 0
			if err == nil {
				want = 1
			}
			for _, u := range []string{faultURL1, faultURL2} {
				if n := countOf(e.srv, apitest.SeedSquid, u); n != want {
					t.Errorf("the squid holds %s %d times; want %d", u, n, want)
				}
			}
			if n := len(e.srv.Tasks(apitest.SeedSquid)); n != 2+2*want {
				t.Errorf("the squid holds %d tasks; want %d", n, 2+2*want)
			}
			if err != nil {
				return
			}
			r := v.(*api.AddTasksResult)
			switch {
			case row.cut:
				// The cut answer was to a request the fake carried out: the retry finds both
				// tasks there already, and reports them as duplicates.
				if len(r.Tasks) != 0 || r.DuplicatedCount != 2 {
					t.Errorf("%d added, %d duplicates; want 0 and 2 (the first attempt added them)", len(r.Tasks), r.DuplicatedCount)
				}
			case row.slow:
				// The timed-out request may still be carried out, before or after the retry.
				if len(r.Tasks)+r.DuplicatedCount != 2 {
					t.Errorf("%d added, %d duplicates; want 2 in all", len(r.Tasks), r.DuplicatedCount)
				}
			default:
				if len(r.Tasks) != 2 || r.DuplicatedCount != 0 {
					t.Errorf("%d added, %d duplicates; want 2 and 0", len(r.Tasks), r.DuplicatedCount)
				}
			}
		},
	},
	{
		name:    "Tasks.Delete",
		target:  func(*faultEnv) (string, string) { return "DELETE", "/v1/tasks/" + apitest.SeedTaskHash },
		retried: true, steps: 1,
		// The cut answer was to a delete the fake carried out: the retry finds the task gone.
		cutErr: wantAPIError(404, "not_found_error", "Task not found", "task_hash", 0),
		run: func(ctx context.Context, e *faultEnv) (any, error) {
			return e.c.Tasks.Delete(ctx, apitest.SeedTaskHash)
		},
		after: func(t *testing.T, e *faultEnv, row faultRow, v any, err error) {
			_, exists := e.srv.Task(apitest.SeedTaskHash)
			wantGone := err == nil || row.cut
			if exists == wantGone {
				t.Errorf("after %v the task exists: %t; want %t", err, exists, !wantGone)
			}
			if row.cut && !api.IsNotFound(err) {
				t.Errorf("a retried delete whose first attempt went through: err = %v; want IsNotFound", err)
			}
			if err != nil {
				return
			}
			if d := v.(*api.DeletedTask); d.Id != apitest.SeedTaskHash || !d.Deleted {
				t.Errorf("deleted %+v; want the seed task, deleted", *d)
			}
		},
	},
	{
		name:   "Tasks.Upload",
		target: func(*faultEnv) (string, string) { return "POST", "/v1/tasks/upload" },
		steps:  1,
		run: func(ctx context.Context, e *faultEnv) (any, error) {
			return e.c.Tasks.Upload(ctx, apitest.SeedSquid, "tasks.csv", strings.NewReader("url\n"+faultURL1+"\n"+faultURL2+"\n"))
		},
		after: func(t *testing.T, e *faultEnv, row faultRow, v any, err error) {
			if err == nil {
				t.Errorf("Tasks.Upload succeeded (%+v); every row fails its only attempt", v)
			}
		},
	},
	{
		name:    "Tasks.UploadStatus",
		target:  func(*faultEnv) (string, string) { return "GET", "/v1/tasks/upload/" + apitest.SeedUploadID },
		retried: true, steps: 1,
		run: func(ctx context.Context, e *faultEnv) (any, error) {
			return e.c.Tasks.UploadStatus(ctx, apitest.SeedUploadID)
		},
		after: func(t *testing.T, e *faultEnv, row faultRow, v any, err error) {
			if err != nil {
				return
			}
			checkUploadDone(t, v.(*api.Upload), 8)
		},
	},
	{
		name:    "Tasks.Wait",
		target:  func(*faultEnv) (string, string) { return "GET", "/v1/tasks/" + apitest.SeedTaskHash },
		retried: true, steps: 2, stepped: true, polls: true,
		setup: func(t *testing.T, e *faultEnv) {
			e.srv.SetLifecycle(apitest.SeedTaskHash, apitest.Lifecycle{Polls: 2, Results: 10})
		},
		run: func(ctx context.Context, e *faultEnv) (any, error) {
			return e.c.Tasks.Wait(ctx, apitest.SeedTaskHash, api.WithPollInterval(time.Millisecond))
		},
		after: func(t *testing.T, e *faultEnv, row faultRow, v any, err error) {
			if err != nil {
				return
			}
			if task := v.(*api.Task); !task.Status.IsDone || task.Status.Status != api.TaskCompleted || task.Status.TotalResults != 10 {
				t.Errorf("task %s done %t with %d results; want completed with 10", task.Status.Status, task.Status.IsDone, task.Status.TotalResults)
			}
		},
	},
	{
		name:    "Tasks.WaitUpload",
		target:  func(e *faultEnv) (string, string) { return "GET", "/v1/tasks/upload/" + e.uploadID },
		retried: true, steps: 3, stepped: true, polls: true,
		setup: func(t *testing.T, e *faultEnv) {
			u, err := e.c.Tasks.Upload(t.Context(), apitest.SeedSquid, "tasks.csv", strings.NewReader("url\n"+faultURL1+"\n"+faultURL2+"\n"))
			if err != nil {
				t.Fatal(err)
			}
			e.uploadID = u.Id
		},
		run: func(ctx context.Context, e *faultEnv) (any, error) {
			return e.c.Tasks.WaitUpload(ctx, e.uploadID, api.WithPollInterval(time.Millisecond))
		},
		after: func(t *testing.T, e *faultEnv, row faultRow, v any, err error) {
			if err != nil {
				return
			}
			checkUploadDone(t, v.(*api.Upload), 2)
			for _, u := range []string{faultURL1, faultURL2} {
				if n := countOf(e.srv, apitest.SeedSquid, u); n != 1 {
					t.Errorf("the squid holds %s %d times; want once", u, n)
				}
			}
		},
	},
}

func checkUploadDone(t *testing.T, u *api.Upload, inserted int) {
	t.Helper()
	m, ok := u.Meta.Get()
	if u.State == nil || *u.State != api.UploadSuccess || !ok || m.Inserted != inserted {
		t.Errorf("upload %+v (meta %v); want SUCCESS with %d inserted", u, u.Meta, inserted)
	}
}

// newFaultClient returns a client of srv that retries fast, does not pace, and uses timeout
// when not 0; without keep-alives when asked.
func newFaultClient(t *testing.T, srv *apitest.Server, timeout time.Duration, noKeepAlive bool, more ...api.Option) *api.Client {
	t.Helper()
	hc := srv.Client()
	if noKeepAlive {
		tr := hc.Transport.(*http.Transport).Clone()
		tr.DisableKeepAlives = true
		hc = &http.Client{Transport: tr}
	}
	opts := []api.Option{
		api.WithBaseURL(srv.URL), api.WithToken(srv.Token), api.WithHTTPClient(hc),
		api.WithRetryBackoff(time.Millisecond, 10*time.Millisecond), api.WithoutPacing(),
	}
	if timeout > 0 {
		opts = append(opts, api.WithTimeout(timeout))
	}
	c, err := api.NewClient(append(opts, more...)...)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestFaultMatrix(t *testing.T) {
	for _, op := range faultOps {
		for _, row := range faultRows {
			t.Run(op.name+"/"+row.name, func(t *testing.T) {
				t.Parallel()
				srv := apitest.NewServer(t)
				e := &faultEnv{srv: srv, c: newFaultClient(t, srv, row.timeout, row.noKeepAlive)}
				if op.setup != nil {
					op.setup(t, e)
				}
				method, path := op.target(e)
				srv.Script(method, path, row.faults...)

				// A wait whose next poll lies beyond its context's deadline (a Retry-After of an
				// hour) gives the last failure at once.
				ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
				defer cancel()
				v, err := op.run(ctx, e)

				var wantRequests int
				var wantErr func(*testing.T, error)
				var temp *api.Error
				switch {
				case !op.retried:
					wantRequests, wantErr = 1, row.once
				case op.polls && row.err != nil && row.fails() && errors.As(row.failure(), &temp) && temp.Temporary() && temp.RetryAfter < time.Minute:
					// The wait polls through the failures that made the call give up.
					wantRequests = row.met + op.steps
				case row.cut && op.cutErr != nil:
					wantRequests, wantErr = row.met+op.steps, op.cutErr
				case row.err != nil:
					wantRequests, wantErr = row.met, row.err
				default:
					wantRequests = row.met + op.steps
					if row.cut && op.stepped {
						wantRequests--
					}
				}
				if wantErr != nil {
					wantErr(t, err)
				} else if err != nil {
					t.Fatalf("err = %v; want success", err)
				}
				if n := srv.Requests(method + " " + path); n != wantRequests {
					t.Errorf("the fake received %d requests %s %s; want %d", n, method, path, wantRequests)
				}
				op.after(t, e, row, v, err)
			})
		}
	}
}

// An Tasks.Add split in batches, with the second batch faulted: a retried batch loses and
// duplicates nothing, and a batch that fails for good returns what the first one did; the
// whole list sent again completes it.
func TestFaultAddTasksBatches(t *testing.T) {
	tasks := []api.Params{{"url": faultURL1}, {"url": faultURL2}}
	for _, tc := range []struct {
		name   string
		faults []apitest.Fault // of the second batch's requests
		want   int             // requests
	}{
		{"cut", []apitest.Fault{{CutBody: true}}, 3},
		{"503 x3", repeat(status(503, ""), 3), 4},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := apitest.NewServer(t)
			c := newFaultClient(t, srv, 0, false, api.WithAddBatchSize(1))
			// A zero Fault lets the first batch through untouched.
			srv.Script("POST", "/v1/tasks", append([]apitest.Fault{{}}, tc.faults...)...)
			r, err := c.Tasks.Add(t.Context(), apitest.SeedSquid, tasks)
			if n := srv.Requests("POST /v1/tasks"); n != tc.want {
				t.Errorf("%d requests; want %d", n, tc.want)
			}
			if tc.name == "cut" {
				if err != nil || len(r.Tasks) != 1 || r.DuplicatedCount != 1 {
					t.Fatalf("Tasks.Add = %+v, %v; want 1 added and 1 duplicate (the cut batch was taken)", r, err)
				}
			} else {
				var ae *api.AddTasksError
				if !errors.As(err, &ae) || ae.Sent != 1 || ae.Total != 2 || r == nil || len(r.Tasks) != 1 {
					t.Fatalf("Tasks.Add = %+v, %v; want the first batch's result and an *AddTasksError 1 of 2", r, err)
				}
				var e *api.Error
				if !errors.As(err, &e) || e.StatusCode != 503 {
					t.Errorf("err = %v; want it to wrap the 503", err)
				}
				r, err = c.Tasks.Add(t.Context(), apitest.SeedSquid, tasks)
				if err != nil || len(r.Tasks) != 1 || r.DuplicatedCount != 1 {
					t.Fatalf("again: Tasks.Add = %+v, %v; want 1 added and 1 duplicate", r, err)
				}
			}
			for _, u := range []string{faultURL1, faultURL2} {
				if n := countOf(srv, apitest.SeedSquid, u); n != 1 {
					t.Errorf("the squid holds %s %d times; want once", u, n)
				}
			}
		})
	}
}

// A 429 or 503 whose Retry-After is longer than WithMaxRetryWait comes back at once, with
// RetryAfter set, instead of being waited out.
func TestFaultRetryAfterBeyondMaxRetryWait(t *testing.T) {
	for _, tc := range []struct {
		op   string
		call func(ctx context.Context, c *api.Client) error
	}{
		{"GET /v1/tasks/" + apitest.SeedTaskHash, func(ctx context.Context, c *api.Client) error {
			_, err := c.Tasks.Get(ctx, apitest.SeedTaskHash)
			return err
		}},
		{"POST /v1/tasks", func(ctx context.Context, c *api.Client) error {
			_, err := c.Tasks.Add(ctx, apitest.SeedSquid, []api.Params{{"url": faultURL1}})
			return err
		}},
	} {
		for _, code := range []int{429, 503} {
			t.Run(tc.op+"/"+http.StatusText(code), func(t *testing.T) {
				t.Parallel()
				srv := apitest.NewServer(t)
				c := newFaultClient(t, srv, 0, false, api.WithMaxRetryWait(5*time.Second))
				method, path, _ := strings.Cut(tc.op, " ")
				srv.Script(method, path, status(code, `{"detail": "Request was throttled."}`, "Retry-After", "30"))
				start := time.Now()
				err := tc.call(t.Context(), c)
				elapsed := time.Since(start)
				var e *api.Error
				if !errors.As(err, &e) || e.StatusCode != code || e.RetryAfter != 30*time.Second {
					t.Fatalf("err = %v; want the %d with RetryAfter 30s", err, code)
				}
				if elapsed > 5*time.Second {
					t.Errorf("returned after %v; want at once", elapsed)
				}
				if n := srv.Requests(tc.op); n != 1 {
					t.Errorf("%d requests; want 1", n)
				}
			})
		}
	}
}

// closeSignal is a transport that closes done when the client has closed the body of the
// first response: the attempt is over, the client is deciding or waiting what to do next.
type closeSignal struct {
	rt   http.RoundTripper
	once sync.Once
	done chan struct{}
}

func (s *closeSignal) RoundTrip(r *http.Request) (*http.Response, error) {
	res, err := s.rt.RoundTrip(r)
	if err == nil {
		res.Body = &signalBody{ReadCloser: res.Body, s: s}
	}
	return res, err
}

type signalBody struct {
	io.ReadCloser
	s *closeSignal
}

func (b *signalBody) Close() error {
	err := b.ReadCloser.Close()
	b.s.once.Do(func() { close(b.s.done) })
	return err
}

// Cancelling the context while the client waits to retry ends the call at once, with the
// context's error.
func TestFaultCancelDuringBackoff(t *testing.T) {
	srv := apitest.NewServer(t)
	sig := &closeSignal{rt: srv.Client().Transport, done: make(chan struct{})}
	c, err := api.NewClient(api.WithBaseURL(srv.URL), api.WithToken(srv.Token), api.WithHTTPClient(&http.Client{Transport: sig}), api.WithoutPacing())
	if err != nil {
		t.Fatal(err)
	}
	// Retry-After 30 is within the default WithMaxRetryWait (60s): the client waits it out.
	srv.Script("GET", "/v1/tasks/"+apitest.SeedTaskHash, status(503, `{"detail": "Service temporarily unavailable."}`, "Retry-After", "30"))
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	go func() {
		<-sig.done
		cancel()
	}()
	start := time.Now()
	_, err = c.Tasks.Get(ctx, apitest.SeedTaskHash)
	if elapsed := time.Since(start); elapsed > 10*time.Second {
		t.Errorf("returned after %v; want promptly after the cancel, not after the 30s backoff", elapsed)
	}
	if !errors.Is(err, context.Canceled) {
		t.Errorf("err = %v; want the context's error (errors.Is context.Canceled)", err)
	}
	if n := srv.Requests("GET /v1/tasks/" + apitest.SeedTaskHash); n != 1 {
		t.Errorf("%d requests; want 1", n)
	}
}

// Cancelling the context between two polls ends Tasks.Wait at once, with the context's error
// and the last task seen.
func TestFaultCancelDuringWait(t *testing.T) {
	srv := apitest.NewServer(t)
	c := newFaultClient(t, srv, 0, false)
	srv.SetLifecycle(apitest.SeedTaskHash, apitest.Lifecycle{Polls: 100, Results: 10})
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	start := time.Now()
	task, err := c.Tasks.Wait(ctx, apitest.SeedTaskHash, api.WithPollInterval(time.Hour), api.OnTaskProgress(func(*api.Task) { cancel() }))
	if elapsed := time.Since(start); elapsed > 10*time.Second {
		t.Errorf("returned after %v; want promptly", elapsed)
	}
	if !errors.Is(err, context.Canceled) || task == nil || task.Status.Status != api.TaskPending {
		t.Errorf("Tasks.Wait = %v, %v; want the pending task and context.Canceled", task, err)
	}
	if n := srv.Requests("GET /v1/tasks/" + apitest.SeedTaskHash); n != 1 {
		t.Errorf("%d requests; want 1", n)
	}
}
