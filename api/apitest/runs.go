package apitest

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"maps"
	"math"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/lobstr-go/lobstr/gen"
	"github.com/lobstr-go/lobstr/gen/models"
)

// DefaultRunDuration is how long a run lasts when no RunLifecycle says otherwise: a few
// seconds, so that `lobstr mock` shows a run's progress.
const DefaultRunDuration = 4 * time.Second

// SeedRunHash is the run of Get Run's documented example: done, exported, 40 results in two
// tasks, in squid SeedRunSquid. List Runs of SeedRunsSquid shows the two documented runs
// (156 results and none).
const SeedRunHash = "0393be3ea6f74986906153df1c3f9894"

// RunLifecycle says how a run started with Start Run moves along: pending, running
// (paused, when Pause is set), uploading (collection over, export being built: is_done is
// true, export_done not yet), then done with its export ready.
type RunLifecycle struct {
	// Polls is the Get Run or Get Run Stats call that finds the run done and exported (both
	// kinds of call count): the first finds it pending, the one before the last uploading
	// (from 3 polls), the ones in between running, its tasks done one after another. Used
	// when above 0.
	Polls int
	// Duration is the time from Start Run until the run is done and exported, when Polls is
	// 0: pending for its first tenth, uploading for its last, running in between.
	// DefaultRunDuration when 0.
	Duration time.Duration
	// Pause, when above 0, pauses the run halfway through running (status paused,
	// done_reason batch_wait): for Pause polls more (Polls mode, from 4 polls), or for a
	// tenth of Duration.
	Pause int
	// Rows is how many result rows the whole run produces, spread evenly over its tasks
	// (max_results aside: it is a test's knob). When 0, each task produces between 5 and 40
	// rows, drawn from its hash, at most its max_results when set. Rows are made as they are
	// read (Get Results, the export file), never held, so a run may have millions.
	Rows int
	// End is how the run ends: "done" (when empty), or "error": it stops halfway through its
	// tasks with done_reason website_inaccessible, and exports what it collected.
	End string
}

// WithRunLifecycle gives every run started with Start Run this lifecycle. Without it, a run
// lasts DefaultRunDuration.
func WithRunLifecycle(l RunLifecycle) Option { return func(f *Fake) { f.runLife = l } }

// SetRunLifecycle gives the runs started from now on this lifecycle.
func (f *Fake) SetRunLifecycle(l RunLifecycle) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.runLife = l
}

// runRecord is a run and where it is.
type runRecord struct {
	id, squid string
	crawler   *crawler
	cols      []colGen // the result columns, fixed at the start
	params    map[string]any
	maxRows   int  // max_results of the squid's params, when set: the most rows a task yields
	noAccount bool // the crawler needs an account and the squid links none: the run ends no_accounts
	tasks     []runTaskRec
	totalRows int
	life      RunLifecycle
	start     time.Time
	createdAt string

	polls      int
	status     string
	tasksDone  int
	taskEnds   []time.Time // when each done task ended
	endedAt    time.Time   // collection over (is_done)
	exportAt   time.Time   // export ready
	doneReason any
	aborted    bool
	abortPolls int
	seeded     map[string]any // a documented run: its body, as documented
}

// runTaskRec is a task as a run took it.
type runTaskRec struct {
	hash   string
	params models.Params
	rows   int
	offset int // rows of the tasks before it
}

// doneNoAccounts is the done_reason of a run of a crawler that needs an account, started
// on a squid that links none; noAccountsDesc is its done_reason_desc, in the docs' words.
const (
	doneNoAccounts = "no_accounts"
	noAccountsDesc = "No accounts are linked to this squid — the run closes permanently. Fix: attach an account."
)

// runTaskStatus values of Get Run Tasks.
const (
	runPending   = "pending"
	runRunning   = "running"
	runPaused    = "paused"
	runUploading = "uploading"
	runDone      = "done"
	runAborted   = "aborted"
	runError     = "error"
)

// newRun makes a run of tasks with lifecycle l.
func newRun(id string, sq *squid, tasks []runTaskRec, l RunLifecycle, start time.Time) *runRecord {
	r := &runRecord{
		id: id, squid: sq.id, crawler: sq.crawler, cols: sq.crawler.cols, params: sq.params,
		life: l, start: start, createdAt: start.UTC().Format(time.RFC3339), status: runPending,
		noAccount: sq.crawler.cat.Account != nil && len(sq.accounts) == 0,
	}
	if n, ok := sq.params["max_results"].(float64); ok && n >= 1 {
		r.maxRows = int(min(n, math.MaxInt32))
	}
	r.setTasks(tasks, l.Rows)
	return r
}

// setTasks fixes the run's tasks and their rows: rows in all (a test's knob, which
// max_results does not bound), or per task from its hash, at most max_results (of the
// task's params, else of the squid's) when set.
func (r *runRecord) setTasks(tasks []runTaskRec, rows int) {
	n := len(tasks)
	off := 0
	for i := range tasks {
		switch {
		case rows > 0:
			tasks[i].rows = rows / n
			if i < rows%n {
				tasks[i].rows++
			}
		case tasks[i].rows == 0:
			h := sha256.Sum256([]byte(tasks[i].hash))
			tasks[i].rows = 5 + int(binary.BigEndian.Uint32(h[:4])%36)
			limit := r.maxRows
			if n, ok := tasks[i].params["max_results"].(float64); ok && n >= 1 {
				limit = int(min(n, math.MaxInt32))
			}
			if limit > 0 {
				tasks[i].rows = min(tasks[i].rows, limit)
			}
		}
		tasks[i].offset = off
		off += tasks[i].rows
	}
	r.tasks, r.totalRows = tasks, off
}

func (r *runRecord) isDone() bool     { return !r.endedAt.IsZero() }
func (r *runRecord) exportDone() bool { return !r.exportAt.IsZero() }

// rowsDone is how many rows the done tasks produced.
func (r *runRecord) rowsDone() int {
	if r.tasksDone == 0 {
		return 0
	}
	t := r.tasks[r.tasksDone-1]
	return t.offset + t.rows
}

// target is where the lifecycle puts the run now (after r.polls polls): a phase, and how
// far through running it is (0 to 1).
func (r *runRecord) target(now time.Time) (string, float64) {
	l := r.life
	if l.Polls > 0 {
		n, k := l.Polls, r.polls
		if l.Pause > 0 && n >= 4 {
			k0 := 2 + (n-3)/2 // the first paused poll
			switch {
			case k >= k0 && k < k0+l.Pause:
				return runPaused, float64(k0-2) / float64(n-2)
			case k >= k0+l.Pause:
				k -= l.Pause
			}
		}
		switch {
		case k >= n:
			return runDone, 1
		case k <= 1:
			return runPending, 0
		case k == n-1:
			return runUploading, 1
		}
		return runRunning, float64(k-1) / float64(n-2)
	}
	d := l.Duration
	if d <= 0 {
		d = DefaultRunDuration
	}
	t := float64(now.Sub(r.start)) / float64(d)
	switch {
	case t >= 1:
		return runDone, 1
	case t >= 0.9:
		return runUploading, 1
	case t < 0.1:
		return runPending, 0
	case l.Pause > 0 && t >= 0.45 && t < 0.55:
		return runPaused, 0.35 / 0.8
	}
	return runRunning, (t - 0.1) / 0.8
}

// advance moves the run to where its lifecycle says it is at now, counting a poll (Get
// Run, Get Run Stats) when poll is set. f.mu is held.
func (r *runRecord) advance(now time.Time, poll bool) {
	if r.seeded != nil || r.exportDone() {
		return
	}
	if poll {
		r.polls++
	}
	if r.aborted {
		// The export of what was collected is ready at the next poll, or after a tenth of
		// the run's duration.
		uploadFor := r.life.Duration / 10
		if r.life.Duration <= 0 {
			uploadFor = DefaultRunDuration / 10
		}
		if (r.life.Polls > 0 && r.polls > r.abortPolls) || (r.life.Polls == 0 && now.Sub(r.endedAt) >= uploadFor) {
			r.status, r.exportAt = runAborted, now
		}
		return
	}
	phase, p := r.target(now)
	n := len(r.tasks)
	switch {
	case phase == runPending:
		return
	case r.noAccount:
		// As lobstr documents no_accounts: the run closes permanently as it starts, nothing
		// collected.
		r.status, r.endedAt, r.exportAt, r.doneReason = runError, now, now, doneNoAccounts
		return
	}
	switch phase {
	case runRunning, runPaused:
		r.status = phase
		r.finishTasks(int(p*float64(n)), now)
		r.doneReason = nil
		if phase == runPaused {
			r.doneReason = "batch_wait"
		}
		return
	}
	if r.life.End == runError {
		r.finishTasks(n/2, now)
		r.status, r.endedAt, r.exportAt, r.doneReason = runError, now, now, "website_inaccessible"
		return
	}
	r.finishTasks(n, now)
	if r.endedAt.IsZero() {
		r.endedAt = now
	}
	r.status, r.doneReason = runUploading, "tasks_done"
	if phase == runDone {
		r.status, r.exportAt = runDone, now
	}
}

// finishTasks marks the first k tasks done (never fewer than already are).
func (r *runRecord) finishTasks(k int, now time.Time) {
	for r.tasksDone < min(k, len(r.tasks)) {
		r.taskEnds = append(r.taskEnds, now)
		r.tasksDone++
	}
}

// apiTime writes t as the run examples do: RFC 3339, UTC, whole seconds.
func apiTime(t time.Time) string { return t.UTC().Format(time.RFC3339) }

// statsTime writes t as Get Run Stats does: no zone, whole seconds.
func statsTime(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05") }

func (r *runRecord) credits() float64 {
	return math.Round(float64(r.rowsDone())*r.crawler.cpr*10000) / 10000
}

// view is the run as Start Run, Get Run, List Runs and Abort Run show it.
func (r *runRecord) view(now time.Time) map[string]any {
	if r.seeded != nil {
		return r.seeded
	}
	end := now
	var ended, exportDone, exportTime any
	exportCount := 0
	if r.isDone() {
		end, ended = r.endedAt, apiTime(r.endedAt)
	}
	if r.exportDone() {
		exportDone, exportTime, exportCount = true, apiTime(r.exportAt), 1
	}
	rows := r.rowsDone()
	var desc any
	switch r.doneReason {
	case "website_inaccessible":
		desc = "The website did not answer (a simulated failure of the fake)."
	case doneNoAccounts:
		desc = noAccountsDesc
	}
	return map[string]any{
		"id": r.id, "object": "run", "squid": r.squid, "is_done": r.isDone(),
		"started_at": r.createdAt, "total_results": rows, "total_unique_results": rows,
		"next_launch_at": nil, "ended_at": ended,
		"duration":    math.Round(end.Sub(r.start).Seconds()*10000) / 10000,
		"credit_used": r.credits(), "origin": "user", "force_launch": false, "status": r.status,
		"export_done": exportDone, "export_count": exportCount, "export_time": exportTime,
		"email_done": nil, "email_time": nil, "created_at": r.createdAt,
		"done_reason": r.doneReason, "done_reason_desc": desc,
	}
}

// timedelta writes d as Python's timedelta does: H:MM:SS.ffffff.
func timedelta(d time.Duration) string {
	d = max(d, 0)
	us := d.Microseconds()
	return fmt.Sprintf("%d:%02d:%02d.%06d", us/3_600_000_000, us/60_000_000%60, us/1_000_000%60, us%1_000_000)
}

// stats is the run as Get Run Stats shows it.
func (r *runRecord) stats(now time.Time) map[string]any {
	n := len(r.tasks)
	rows := r.rowsDone()
	var ended any
	end := now
	if r.isDone() {
		end, ended = r.endedAt, statsTime(r.endedAt)
	}
	started := statsTime(r.start)
	if s, ok := r.seeded["started_at"].(string); ok {
		started = s
	}
	percent := 0
	if n > 0 {
		percent = r.tasksDone * 100 / n
	} else if r.isDone() {
		percent = 100
	}
	eta := "∞"
	if !r.isDone() && r.tasksDone > 0 {
		el := now.Sub(r.start)
		left := time.Duration(float64(el) * float64(n-r.tasksDone) / float64(r.tasksDone))
		eta = timedelta(left.Truncate(time.Second))
		eta = eta[:len(eta)-7] // H:MM:SS
	}
	current := ""
	if (r.status == runRunning || r.status == runPaused) && r.tasksDone < n {
		current = r.tasks[r.tasksDone].hash
	}
	return map[string]any{
		"id": r.id, "object": "run", "duration": timedelta(end.Sub(r.start)), "started_at": started,
		"ended_at": ended, "eta": eta, "is_done": r.isDone(), "percent_done": strconv.Itoa(percent) + "%",
		"total_requests": nil, "total_results": rows, "total_tasks": n, "total_tasks_done": r.tasksDone,
		"total_tasks_left": n - r.tasksDone, "current_task": current, "results_total": r.totalRows,
		"results_done": rows, "updated_at": statsTime(now),
	}
}

// runTaskID is the id of a task in a run (a runtask).
func runTaskID(run, task string) string {
	h := sha256.Sum256([]byte("runtask|" + run + "|" + task))
	return hex.EncodeToString(h[:16])
}

// runTaskView is the i-th task of the run as Get Run Tasks shows it.
func (r *runRecord) runTaskView(i int) map[string]any {
	t := r.tasks[i]
	m := map[string]any{
		"object": "runtask", "id": runTaskID(r.id, t.hash), "task": t.hash, "run": r.id,
		"params": t.params, "total_results": t.rows, "total_pages": pagesFor(t.rows),
		"started_at": nil, "ended_at": nil, "last_result": 0, "last_page": 0, "last_collection_at": nil,
		"status": runPending, "done_reason": nil, "done_reason_desc": nil,
	}
	started := r.start
	if i > 0 && i-1 < len(r.taskEnds) {
		started = r.taskEnds[i-1]
	}
	switch {
	case i < r.tasksDone:
		end := r.taskEnds[i]
		m["status"], m["done_reason"] = "completed", "completed"
		m["started_at"], m["ended_at"] = apiTime(started), apiTime(end)
		m["last_result"], m["last_page"] = t.rows, pagesFor(t.rows)
		if t.rows > 0 {
			m["last_collection_at"] = apiTime(end)
		}
	case r.isDone():
		m["status"], m["done_reason"] = runAborted, "run_aborted"
		if r.status == runError {
			m["status"], m["done_reason"] = runError, "error"
		}
		m["ended_at"] = apiTime(r.endedAt)
		if i == r.tasksDone {
			m["started_at"] = apiTime(started)
		}
	case i == r.tasksDone && (r.status == runRunning || r.status == runPaused):
		m["status"], m["started_at"] = runRunning, apiTime(started)
	}
	return m
}

// creditsSpent adds up the credits of the runs started on f (seeded runs are part of the
// documented balance already) as they stand at now: what Get Run Credits says of each.
func (f *Fake) creditsSpent(now time.Time) float64 {
	f.mu.Lock()
	defer f.mu.Unlock()
	spent := 0.0
	for _, r := range f.runs {
		if r.seeded != nil {
			continue
		}
		r.advance(now, false)
		spent += r.creditsView()["total_credits"].(float64)
	}
	return spent
}

// creditsView is the run as Get Run Credits shows it.
func (r *runRecord) creditsView() map[string]any {
	rows := r.rowsDone()
	c := r.crawler
	base := ""
	for _, a := range c.attrs {
		if a.IsMain {
			base = a.Function
			break
		}
	}
	lines := []map[string]any{{"function": "base", "credits": float64(rows) * c.cpr, "attempts": rows}}
	rates := map[string]any{"credits_per_row": c.cpr}
	colors := map[string]any{base: map[string]any{"bg_color": "#EAFBF3", "txt_color": "#0F9F5F"}}
	total := float64(rows) * c.cpr
	on, _ := r.params["functions"].(map[string]any)
	fns, _ := c.params["squid"].(map[string]any)["functions"].(map[string]any)
	names := make([]string, 0, len(fns))
	for fn := range fns {
		names = append(names, fn)
	}
	slices.Sort(names)
	for _, fn := range names {
		enabled := c.funcs[fn]
		if v, ok := on[fn].(bool); ok {
			enabled = v
		}
		if !enabled {
			continue
		}
		rate, _ := fns[fn].(map[string]any)["credits_per_function"].(float64)
		lines = append(lines, map[string]any{"function": fn, "credits": float64(rows) * rate, "attempts": rows})
		rates[fn] = rate
		colors[fn] = map[string]any{"bg_color": "#EEF2F7", "txt_color": "#62748A"}
		total += float64(rows) * rate
	}
	slices.SortStableFunc(lines, func(a, b map[string]any) int {
		return -cmpFloat(a["credits"].(float64), b["credits"].(float64))
	})
	var label any
	if base != "" {
		label = base
	}
	return map[string]any{"run_id": r.id, "total_credits": total, "total_results": rows, "breakdown": lines,
		"rates": rates, "function_colors": colors, "base_function_label": label, "filter_breakdown": []any{}}
}

func cmpFloat(a, b float64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// seedRuns adds the documented runs: SeedRunHash, List Runs' two runs, and the runs the
// documented squids of Get Squid Details and List Squids count (total_runs, the last one's
// status, hash, time and done reason), so that List Runs lists what Get Squid counts.
func (f *Fake) seedRuns() {
	var doc map[string]any
	mustDecode("docs/get-run.200.json", &doc)
	f.putSeedRun(doc, 2)
	var list struct {
		Data []map[string]any `json:"data"`
	}
	mustDecode("docs/list-runs.200.json", &list)
	for i := len(list.Data) - 1; i >= 0; i-- { // oldest first
		f.putSeedRun(list.Data[i], 4)
	}
	var details map[string]any
	mustDecode("docs/get-squid-details.200.json", &details)
	var squids struct {
		Data []map[string]any `json:"data"`
	}
	mustDecode("docs/list-squids.200.json", &squids)
	for _, sq := range []map[string]any{details, squids.Data[0]} {
		f.seedHistory(sq, doc)
	}
}

// seedHistory adds the runs a documented squid counts: total_runs finished runs, a day
// apart, the last one with the squid's documented last_run (or a hash of its own),
// last_run_at, last_run_status and last_run_done_reason; each a copy of the documented run
// template with those fields changed.
func (f *Fake) seedHistory(sq map[string]any, template map[string]any) {
	squidID := sq["id"].(string)
	n, _ := sq["total_runs"].(float64)
	lastAt, _ := sq["last_run_at"].(string)
	last, err := time.Parse("2006-01-02T15:04:05.999999", lastAt)
	if n < 1 || err != nil {
		return
	}
	status := strings.ToLower(fmt.Sprint(sq["last_run_status"]))
	reason := sq["last_run_done_reason"]
	if reason == nil {
		reason = template["done_reason"]
	}
	for i := int(n) - 1; i >= 0; i-- { // oldest first
		at := last.AddDate(0, 0, -i)
		h := sha256.Sum256([]byte("seedrun|" + squidID + "|" + strconv.Itoa(i)))
		id := hex.EncodeToString(h[:16])
		if hash, ok := sq["last_run"].(string); ok && i == 0 {
			id = hash
		}
		stamp := at.Format("2006-01-02T15:04:05.000000")
		if i == 0 {
			stamp = lastAt
		}
		run := maps.Clone(template)
		run["id"], run["squid"], run["status"], run["done_reason"] = id, squidID, status, reason
		for _, k := range []string{"created_at", "started_at", "ended_at", "export_time"} {
			run[k] = stamp
		}
		f.putSeedRun(run, 2)
	}
}

// putSeedRun adds a finished documented run, its results spread over ntasks tasks.
func (f *Fake) putSeedRun(doc map[string]any, ntasks int) {
	id, squidID := doc["id"].(string), doc["squid"].(string)
	sq := f.squids[squidID]
	started, _ := time.Parse(time.RFC3339, fmt.Sprint(doc["created_at"]))
	if started.IsZero() {
		started, _ = time.Parse("2006-01-02T15:04:05.999999", fmt.Sprint(doc["created_at"]))
	}
	total := int(doc["total_results"].(float64))
	tasks := make([]runTaskRec, ntasks)
	for i := range tasks {
		h := sha256.Sum256([]byte("seedtask|" + id + "|" + strconv.Itoa(i)))
		tasks[i] = runTaskRec{hash: hex.EncodeToString(h[:16]),
			params: models.Params{"url": fmt.Sprintf("https://www.google.com/maps/search/restaurant/@43.29%d,5.37%d,14z", i, i)}}
	}
	r := newRun(id, sq, tasks, RunLifecycle{}, started)
	r.setTasks(tasks, max(total, 0))
	if total == 0 {
		for i := range r.tasks {
			r.tasks[i].rows, r.tasks[i].offset = 0, 0
		}
		r.totalRows = 0
	}
	r.seeded = doc
	r.createdAt = fmt.Sprint(doc["created_at"])
	r.status = fmt.Sprint(doc["status"])
	r.doneReason = doc["done_reason"]
	r.endedAt, r.exportAt = started, started
	r.finishTasks(len(tasks), started)
	f.runs[id] = r
	sq.runs = append(sq.runs, id)
}

// Documented error bodies of the runs.
var (
	errRunNotFound      = errorBody(fixture("docs/get-run.404.json"))
	errRunActive        = errorBody(fixture("docs/start-run.400.json"))
	errAbortNotFound    = errorBody(fixture("docs/abort-run.404.json"))
	errDownloadNotFound = errorBody(fixture("docs/download-run.404.json"))
	errCreditsNotFound  = errorBody(fixture("docs/get-run-credits.404.json"))
	errResultsFilter    = errorBody(fixture("docs/get-results.400.json"))
	errRunTasksNotFound = errorObject("Run not found", "not_found_error", "run")
	errSquidNotReady    = errorsEnvelope("The squid is not ready: its parameters were never saved. Save them once with "+
		"Update Squid (POST /v1/squids/{squid_hash} with params, e.g. {\"params\": {\"max_results\": null}}), "+
		"even when all of them are optional, then start the run again.", "SquidNotReady", 400)
	errSquidInactive = errorsEnvelope("The squid is deactivated: set is_active to true with Update Squid to run it.", "SquidNotReady", 400)
	errNoTasks       = errorBody(fixture("start-run.no-tasks.400.json")) // the errors page's NoTasksPresent
)

// run returns the run of that hash, moved along to now. f.mu is held.
func (f *Fake) run(hash string, now time.Time, poll bool) (*runRecord, bool) {
	r, ok := f.runs[hash]
	if ok {
		r.advance(now, poll)
	}
	return r, ok
}

// StartRun starts a run of a squid's active tasks; a squid with none is refused 400
// NoTasksPresent, as one whose params were never saved or that is deactivated is refused
// SquidNotReady.
func (s *server) StartRun(ctx context.Context, req gen.StartRunRequestObject) (gen.StartRunResponseObject, error) {
	bad := func(e models.Error) (gen.StartRunResponseObject, error) {
		r := gen.StartRun400JSONResponse{Body: e}
		r.Headers.XRateLimitLimit, r.Headers.XRateLimitRemaining, r.Headers.XRateLimitReset = rateHeaders(ctx)
		return r, nil
	}
	if req.Body == nil || req.Body.Squid == "" {
		return bad(detailError("A required parameter squid is missing."))
	}
	f := s.f
	f.mu.Lock()
	defer f.mu.Unlock()
	now := time.Now()
	sq, ok := f.squids[req.Body.Squid]
	if !ok {
		return gen.StartRun404JSONResponse{NotFoundJSONResponse: notFoundBody(ctx, errSquidNotFound)}, nil
	}
	if n := len(sq.runs); n > 0 {
		if last, _ := f.run(sq.runs[n-1], now, false); !last.isDone() {
			return bad(errRunActive)
		}
	}
	if !sq.paramsSaved {
		return bad(errSquidNotReady)
	}
	if !sq.isActive {
		return bad(errSquidInactive)
	}
	var tasks []runTaskRec
	for _, h := range sq.order {
		if t := f.tasks[h].task; t.IsActive {
			tasks = append(tasks, runTaskRec{hash: h, params: t.Params})
		}
	}
	if len(tasks) == 0 {
		return bad(errNoTasks)
	}
	r := newRun(newHash(), sq, tasks, f.runLife, now)
	f.runs[r.id] = r
	sq.runs = append(sq.runs, r.id)
	return answer(ctx, http.StatusOK, r.view(now)), nil
}

// GetRun shows a run, moving it one poll along.
func (s *server) GetRun(ctx context.Context, req gen.GetRunRequestObject) (gen.GetRunResponseObject, error) {
	f := s.f
	f.mu.Lock()
	now := time.Now()
	r, ok := f.run(req.RunHash, now, true)
	var view map[string]any
	if ok {
		view = r.view(now)
	}
	f.mu.Unlock()
	if !ok {
		resp := gen.GetRun404JSONResponse{Body: errRunNotFound}
		resp.Headers.XRateLimitLimit, resp.Headers.XRateLimitRemaining, resp.Headers.XRateLimitReset = rateHeaders(ctx)
		return resp, nil
	}
	return answer(ctx, http.StatusOK, view), nil
}

// GetRunStats shows a run's progress, moving it one poll along.
func (s *server) GetRunStats(ctx context.Context, req gen.GetRunStatsRequestObject) (gen.GetRunStatsResponseObject, error) {
	f := s.f
	f.mu.Lock()
	now := time.Now()
	r, ok := f.run(req.RunHash, now, true)
	var view map[string]any
	if ok {
		view = r.stats(now)
	}
	f.mu.Unlock()
	if !ok {
		resp := gen.GetRunStats404JSONResponse{Body: errRunNotFound}
		resp.Headers.XRateLimitLimit, resp.Headers.XRateLimitRemaining, resp.Headers.XRateLimitReset = rateHeaders(ctx)
		return resp, nil
	}
	return answer(ctx, http.StatusOK, view), nil
}

// GetRunCredits shows how a run's credits split between the scraping and the functions.
func (s *server) GetRunCredits(ctx context.Context, req gen.GetRunCreditsRequestObject) (gen.GetRunCreditsResponseObject, error) {
	f := s.f
	f.mu.Lock()
	r, ok := f.run(req.RunHash, time.Now(), false)
	var view map[string]any
	if ok {
		view = r.creditsView()
	}
	f.mu.Unlock()
	if !ok {
		resp := gen.GetRunCredits404JSONResponse{Body: errCreditsNotFound}
		resp.Headers.XRateLimitLimit, resp.Headers.XRateLimitRemaining, resp.Headers.XRateLimitReset = rateHeaders(ctx)
		return resp, nil
	}
	return answer(ctx, http.StatusOK, view), nil
}

// AbortRun stops a run still collecting: it uploads what it collected, then ends aborted.
func (s *server) AbortRun(ctx context.Context, req gen.AbortRunRequestObject) (gen.AbortRunResponseObject, error) {
	f := s.f
	f.mu.Lock()
	now := time.Now()
	r, ok := f.run(req.RunHash, now, false)
	ok = ok && !r.isDone()
	var view map[string]any
	if ok {
		r.aborted, r.abortPolls = true, r.polls
		r.status, r.endedAt, r.doneReason = runUploading, now, "aborted"
		view = r.view(now)
	}
	f.mu.Unlock()
	if !ok {
		resp := gen.AbortRun404JSONResponse{Body: errAbortNotFound}
		resp.Headers.XRateLimitLimit, resp.Headers.XRateLimitRemaining, resp.Headers.XRateLimitReset = rateHeaders(ctx)
		return resp, nil
	}
	return answer(ctx, http.StatusOK, view), nil
}

// ListRuns pages through a squid's runs, newest first.
func (s *server) ListRuns(ctx context.Context, req gen.ListRunsRequestObject) (gen.ListRunsResponseObject, error) {
	p := req.Params
	limit, number, problem := pageParams(p.Page, p.Limit, defaultLimit)
	if problem != "" {
		return gen.ListRuns400JSONResponse{BadRequestJSONResponse: badRequestBody(ctx, detailError(problem))}, nil
	}
	f := s.f
	f.mu.Lock()
	now := time.Now()
	sq, ok := f.squids[p.Squid]
	var env map[string]any
	if ok {
		pg := paginate(len(sq.runs), limit, number)
		data := []any{}
		for i := pg.first; i < pg.last; i++ {
			r, _ := f.run(sq.runs[len(sq.runs)-1-i], now, false)
			data = append(data, r.view(now))
		}
		env = pg.envelope(ctx, "/runs", url.Values{"squid": {p.Squid}}, "limit", data)
	}
	f.mu.Unlock()
	if !ok {
		return gen.ListRuns404JSONResponse{NotFoundJSONResponse: notFoundBody(ctx, errSquidNotFound)}, nil
	}
	return answer(ctx, http.StatusOK, env), nil
}

// ListRunTasks pages through the tasks of a run, in the order the run took them.
func (s *server) ListRunTasks(ctx context.Context, req gen.ListRunTasksRequestObject) (gen.ListRunTasksResponseObject, error) {
	p := req.Params
	limit, number, problem := pageParams(p.Page, p.Limit, defaultLimit)
	if problem != "" {
		return gen.ListRunTasks400JSONResponse{BadRequestJSONResponse: badRequestBody(ctx, detailError(problem))}, nil
	}
	f := s.f
	f.mu.Lock()
	r, ok := f.run(p.Run, time.Now(), false)
	var env map[string]any
	if ok {
		pg := paginate(len(r.tasks), limit, number)
		data := []any{}
		for i := pg.first; i < pg.last; i++ {
			data = append(data, r.runTaskView(i))
		}
		env = pg.envelope(ctx, "/runtasks", url.Values{"run": {p.Run}}, "limit", data)
	}
	f.mu.Unlock()
	if !ok {
		return gen.ListRunTasks404JSONResponse{NotFoundJSONResponse: notFoundBody(ctx, errRunTasksNotFound)}, nil
	}
	return answer(ctx, http.StatusOK, env), nil
}

// RunState is what a test can read of a run without moving it along (see Fake.Run).
type RunState struct {
	Squid      string // the squid's id
	Status     string // pending, running, paused, uploading, done, aborted or error
	Tasks      int    // the tasks the run took
	TasksDone  int    // how many of them are done
	Rows       int    // the rows the done tasks produced (what Get Results and the export show)
	TotalRows  int    // the rows of all its tasks
	ExportDone bool   // whether its export file is ready
}

// Run returns the state of a run (without counting a poll), and whether it exists.
func (f *Fake) Run(hash string) (RunState, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	r, ok := f.run(hash, time.Now(), false)
	if !ok {
		return RunState{}, false
	}
	return RunState{Squid: r.squid, Status: r.status, Tasks: len(r.tasks), TasksDone: r.tasksDone,
		Rows: r.rowsDone(), TotalRows: r.totalRows, ExportDone: r.exportDone()}, true
}
