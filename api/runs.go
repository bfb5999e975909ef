package api

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"iter"
	"math"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/lobstr-go/lobstr/gen"
	"github.com/lobstr-go/lobstr/gen/models"
)

// Start starts a run of a squid's active tasks (Start Run) and returns it, pending. The
// squid's params must have been saved once (Squids.Update), else the API refuses the run
// as not ready; a squid with a run still active is refused too (400). Start is not retried:
// a second start of the same squid is refused anyway while the first is active.
func (s *RunsService) Start(ctx context.Context, squid string) (*Run, error) {
	c := s.client
	const op = "Runs.Start"
	if strings.TrimSpace(squid) == "" {
		return nil, argError(op, "squid", "empty; a squid id is required")
	}
	body, err := json.Marshal(models.StartRunRequest{Squid: squid})
	if err != nil {
		return nil, fmt.Errorf("api: %s: encoding the request: %w", op, err)
	}
	return send(ctx, c, request{op: op, build: func(base string) (*http.Request, error) {
		return gen.NewStartRunRequestWithBody(base, "application/json", bytes.NewReader(body))
	}}, "a run (no id)", func(r *Run) bool { return r.Id != "" })
}

// Get returns a run (Get Run): its status, done reason, results and whether its export is
// ready (ExportDone). A hash that cannot be a run hash is refused before any request.
func (s *RunsService) Get(ctx context.Context, hash string) (*Run, error) {
	c := s.client
	const op = "Runs.Get"
	if err := checkHash(op, "hash", hash); err != nil {
		return nil, err
	}
	return send(ctx, c, request{op: op, retryable: true, build: func(base string) (*http.Request, error) {
		if req := s.client.hashReqs.get("runs/", hash, ""); req != nil {
			return req, nil
		}
		return gen.NewGetRunRequest(base, hash)
	}}, "a run (no id)", func(r *Run) bool { return r.Id != "" })
}

// ListRunsOptions selects a page of a squid's runs.
type ListRunsOptions struct {
	Squid string // required
	Page  int    // 1-based; 0 means the first page
	Limit int    // 1..100; 0 means the server's default (50)
}

// List returns one page of a squid's runs, newest first (List Runs). Use Runs.All to walk
// every page.
func (s *RunsService) List(ctx context.Context, opts ListRunsOptions) (*RunPage, error) {
	c := s.client
	const op = "Runs.List"
	if strings.TrimSpace(opts.Squid) == "" {
		return nil, argError(op, "Squid", "empty; a squid id is required")
	}
	page, limit, err := pageArgs(op, opts.Page, opts.Limit)
	if err != nil {
		return nil, err
	}
	params := &models.ListRunsParams{Squid: opts.Squid, Page: page, Limit: limit}
	return send(ctx, c, request{op: op, retryable: true, build: func(base string) (*http.Request, error) {
		return gen.NewListRunsRequest(base, params)
	}}, "a page of runs (no data)", func(p *RunPage) bool { return p.Data != nil })
}

// All walks every run of a squid, newest first, page after page, lazily; it keeps the
// contract of Tasks.All (no request after a break, no run twice, an *IncompleteError when
// it saw fewer runs than announced, an error yielded once).
func (s *RunsService) All(ctx context.Context, opts ListRunsOptions) iter.Seq2[Run, error] {
	c := s.client
	fetch := func(ctx context.Context, page int) (*listPage[Run], error) {
		o := opts
		o.Page = page
		p, err := c.Runs.List(ctx, o)
		if err != nil {
			return nil, err
		}
		return &listPage[Run]{items: p.Data, page: p.Page, limit: p.Limit, totalResults: p.TotalResults,
			totalPages: p.TotalPages, hasNext: p.Next != nil}, nil
	}
	return walkPages(ctx, "Runs.All", opts.Page, opts.Limit, fetch, func(r Run) string { return string(r.Id) })
}

// Stats returns a run's live progress (Get Run Stats): percent done, tasks done of all,
// results so far, ETA, and IsDone, the flag that says collection is over.
func (s *RunsService) Stats(ctx context.Context, hash string) (*RunStats, error) {
	c := s.client
	const op = "Runs.Stats"
	if err := checkHash(op, "hash", hash); err != nil {
		return nil, err
	}
	return send(ctx, c, request{op: op, retryable: true, build: func(base string) (*http.Request, error) {
		if req := s.client.hashReqs.get("runs/", hash, "/stats"); req != nil {
			return req, nil
		}
		return gen.NewGetRunStatsRequest(base, hash)
	}}, "run stats (no id)", func(r *RunStats) bool { return r.Id != "" })
}

// Abort stops a run still collecting (Abort Run). The results gathered so far are still
// exported and the credits used still charged; the run comes back uploading, done reason
// aborted, and ends aborted once its export is ready (Runs.Wait waits for that). A run
// already over is an *Error for which IsNotFound is true. Abort is not retried.
func (s *RunsService) Abort(ctx context.Context, hash string) (*Run, error) {
	c := s.client
	const op = "Runs.Abort"
	if err := checkHash(op, "hash", hash); err != nil {
		return nil, err
	}
	return send(ctx, c, request{op: op, build: func(base string) (*http.Request, error) {
		return gen.NewAbortRunRequest(base, hash)
	}}, "a run (no id)", func(r *Run) bool { return r.Id != "" })
}

// ListRunTasksOptions selects a page of the tasks a run executed.
type ListRunTasksOptions struct {
	Run   string // the run's hash; required
	Page  int    // 1-based; 0 means the first page
	Limit int    // 1..100; 0 means the server's default (50)
}

// Tasks returns one page of the tasks a run executed, each with its own outcome in the run
// (Get Run Tasks). Use Runs.AllTasks to walk every page.
func (s *RunsService) Tasks(ctx context.Context, opts ListRunTasksOptions) (*RunTaskPage, error) {
	c := s.client
	const op = "Runs.Tasks"
	if err := checkHash(op, "Run", opts.Run); err != nil {
		return nil, err
	}
	page, limit, err := pageArgs(op, opts.Page, opts.Limit)
	if err != nil {
		return nil, err
	}
	params := &models.ListRunTasksParams{Run: opts.Run, Page: page, Limit: limit}
	return send(ctx, c, request{op: op, retryable: true, build: func(base string) (*http.Request, error) {
		return gen.NewListRunTasksRequest(base, params)
	}}, "a page of run tasks (no data)", func(p *RunTaskPage) bool { return p.Data != nil })
}

// AllTasks walks every task a run executed, page after page, lazily, with the contract of
// Tasks.All.
func (s *RunsService) AllTasks(ctx context.Context, opts ListRunTasksOptions) iter.Seq2[RunTask, error] {
	c := s.client
	fetch := func(ctx context.Context, page int) (*listPage[RunTask], error) {
		o := opts
		o.Page = page
		p, err := c.Runs.Tasks(ctx, o)
		if err != nil {
			return nil, err
		}
		return &listPage[RunTask]{items: p.Data, page: p.Page, limit: p.Limit, totalResults: p.TotalResults,
			totalPages: p.TotalPages, hasNext: p.Next != nil}, nil
	}
	return walkPages(ctx, "Runs.AllTasks", opts.Page, opts.Limit, fetch, func(t RunTask) string { return string(t.Id) })
}

// Run statuses (Run.Status; compare them with RunStatusIs, the API's case varies).
const (
	RunPending   = "pending"
	RunRunning   = "running"
	RunPaused    = "paused"
	RunUploading = "uploading" // collection over, the export being built (also right after an abort)
	RunDone      = "done"
	RunAborted   = "aborted"
	RunError     = "error"
)

// RunStatusIs reports whether a run's status is want, whatever the case the API used.
func RunStatusIs(status, want string) bool { return strings.EqualFold(strings.TrimSpace(status), want) }

// runSucceeded reports whether a status is a successful end: done, or the undocumented
// synonyms finished and success some fixtures use.
func runSucceeded(status string) bool {
	return RunStatusIs(status, RunDone) || RunStatusIs(status, "finished") || RunStatusIs(status, "success")
}

// runFailed reports whether a status is an end other than success: aborted or error.
func runFailed(status string) bool {
	return RunStatusIs(status, RunAborted) || RunStatusIs(status, RunError)
}

// RunEndedError is the error of Runs.Wait when a run ends other than done: aborted, or
// error. The run, as last seen, is returned beside it.
type RunEndedError struct {
	Run        string // the run's hash
	Status     string // aborted, error, …
	Reason     string // done_reason ("aborted", "website_inaccessible", …); "" when the API gave none
	ReasonDesc string // done_reason_desc, for a person; "" when none
}

// Error says how the run ended and why.
func (e *RunEndedError) Error() string {
	s := fmt.Sprintf("api: run %s ended %s", e.Run, clip(e.Status, 40))
	if e.Reason != "" {
		s += " (" + clip(e.Reason, 80)
		if e.ReasonDesc != "" {
			s += ": " + clip(e.ReasonDesc, 200)
		}
		s += ")"
	} else if e.ReasonDesc != "" {
		s += " (" + clip(e.ReasonDesc, 200) + ")"
	}
	return s
}

// RunProgress is how far a run has got, as Runs.Wait reports it after every poll.
type RunProgress struct {
	Run        string  // the run's hash
	Phase      string  // "collecting" (polling Get Run Stats) or "exporting" (polling Get Run for the export)
	Status     string  // the run's status when known (Get Run), else "" while collecting
	Percent    float64 // 0 to 100, from percent_done
	TasksDone  int     // tasks done so far
	Tasks      int     // tasks in the run
	Results    int     // results collected so far
	ETA        string  // the API's estimate of the time left, as sent ("0:01:30", "∞", "")
	ETASeconds float64 // ETA in seconds when it reads as a duration, else -1
	Stats      *RunStats
	RunInfo    *Run // the last Get Run, in the exporting phase
}

// progressOf makes a RunProgress from a Stats answer. Whatever the server sends, Percent
// is within 0–100 (percent_done when it is a number from 0 up, else the share of tasks
// done), Tasks and Results are 0 or more and TasksDone within 0–Tasks.
func progressOf(hash string, st *RunStats) RunProgress {
	tasks := max(st.TotalTasks, 0)
	done := min(max(st.TotalTasksDone, 0), tasks)
	p := RunProgress{Run: hash, Phase: "collecting", TasksDone: done, Tasks: tasks,
		Results: max(st.ResultsDone, st.TotalResults, 0), ETA: st.Eta, ETASeconds: -1, Stats: st}
	if v, err := strconv.ParseFloat(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(st.PercentDone), "%")), 64); err == nil && v >= 0 && !math.IsInf(v, 0) {
		p.Percent = min(v, 100)
	} else if tasks > 0 {
		p.Percent = float64(done) * 100 / float64(tasks)
	}
	if st.IsDone {
		p.Percent = 100
	}
	if d, ok := parseETA(st.Eta); ok && d >= 0 && !math.IsInf(d, 0) {
		p.ETASeconds = d
	}
	return p
}

// parseETA reads an ETA text as a timedelta ("0:01:30", "1 day, 0:00:00") or seconds.
func parseETA(s string) (float64, bool) {
	s = strings.TrimSpace(s)
	if s == "" {
		return 0, false
	}
	b, err := json.Marshal(s)
	if err != nil {
		return 0, false
	}
	var d RunDuration
	if err := d.UnmarshalJSON(b); err != nil {
		return 0, false
	}
	v, err := d.Seconds()
	if err != nil {
		return 0, false
	}
	return v, true
}

// Defaults of Runs.Wait: polls start every 3 s (the official SDK's pace) and slow down to
// every 10 s (the documented examples' pace; the documentation asks for no more than one
// poll every 5 s on average).
const (
	DefaultRunPollInterval    = 3 * time.Second
	DefaultRunMaxPollInterval = 10 * time.Second
)

// OnRunProgress has Runs.Wait call fn after every poll with how far the run has got.
func OnRunProgress(fn func(RunProgress)) WaitOption {
	return func(c *waitConfig) { c.onRun = fn }
}

// WithoutExport has Runs.Wait return once the run is done, without waiting for its export
// file (ExportDone).
func WithoutExport() WaitOption {
	return func(c *waitConfig) { c.noExport = true }
}

// Wait waits for a run to end and returns it as Get Run last showed it. It polls Get Run
// Stats (every DefaultRunPollInterval at first, slowing to DefaultRunMaxPollInterval;
// WithPollInterval and WithMaxPollInterval change that) until collection is over
// (is_done), reporting progress to OnRunProgress; paused runs keep it waiting. Then it polls
// Get Run until the run's status is final and, for a done run, its export is ready
// (export_done), unless WithoutExport. A run that ends aborted or error is returned with a
// *RunEndedError that says why (done_reason, done_reason_desc).
//
// Like Tasks.Wait it polls through outages (network errors, 429, 5xx) for as long as ctx
// allows and ends early only on an error no retry can fix. When ctx ends first it returns
// the context's error, wrapped, with the last run it got from Get Run (nil if none yet).
func (s *RunsService) Wait(ctx context.Context, hash string, opts ...WaitOption) (*Run, error) {
	c := s.client
	const op = "Runs.Wait"
	if err := checkHash(op, "hash", hash); err != nil {
		return nil, err
	}
	cfg := waitConfig{interval: DefaultRunPollInterval, maxInterval: DefaultRunMaxPollInterval}
	for _, o := range opts {
		if o != nil {
			o(&cfg)
		}
	}
	cfg.maxInterval = max(cfg.maxInterval, cfg.interval)
	var last RunProgress
	_, err := waitFor(ctx, cfg, op+" "+hash,
		func() (*RunStats, error) { return c.Runs.Stats(ctx, hash) },
		func(st *RunStats) bool { return st.IsDone },
		func(st *RunStats) {
			last = progressOf(hash, st)
			if cfg.onRun != nil {
				cfg.onRun(last)
			}
		})
	if err != nil {
		return nil, err
	}
	// Collection is over: the status is final once it leaves uploading, and a done run's
	// export is ready once export_done is true. The first Get Run follows at once.
	final := func(r *Run) bool {
		switch {
		case runFailed(r.Status):
			return true
		case runSucceeded(r.Status):
			return cfg.noExport || (r.ExportDone != nil && *r.ExportDone)
		}
		return false
	}
	run, err := waitFor(ctx, cfg, op+" "+hash,
		func() (*Run, error) { return c.Runs.Get(ctx, hash) },
		final,
		func(r *Run) {
			if cfg.onRun == nil {
				return
			}
			p := last
			p.Phase, p.Status, p.RunInfo = "exporting", r.Status, r
			p.Results = max(p.Results, r.TotalResults)
			cfg.onRun(p)
		})
	if err != nil {
		return run, err
	}
	if runFailed(run.Status) {
		e := &RunEndedError{Run: hash, Status: run.Status}
		if run.DoneReason != nil {
			e.Reason = *run.DoneReason
		}
		if run.DoneReasonDesc != nil {
			e.ReasonDesc = *run.DoneReasonDesc
		}
		return run, e
	}
	return run, nil
}
