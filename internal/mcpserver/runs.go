package mcpserver

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/lobstr-go/lobstr/api"
	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// RunIn is the argument of the tools that take one run.
type RunIn struct {
	RunID string `json:"run_id" jsonschema:"the run's id, 32 hexadecimal characters (from run_scraper or list_runs)"`
}

// GetRunIn are get_run's arguments.
type GetRunIn struct {
	RunID string `json:"run_id" jsonschema:"the run's id (from run_scraper or list_runs)"`
	Full  bool   `json:"full,omitempty" jsonschema:"true: include the raw run and stats as lobstr sends them"`
	Toon  bool   `json:"toon,omitempty" jsonschema:"accepted for compatibility; answers are always JSON"`
}

// RunView is a run as get_run, wait_for_run and abort_run show it.
type RunView struct {
	RunID           string  `json:"run_id"`
	SquidID         string  `json:"squid_id"`
	Status          string  `json:"status" jsonschema:"pending, running, paused, uploading, done, error or aborted; wait_for_run answers still_running when its wait ends first"`
	Done            bool    `json:"done" jsonschema:"whether the run has ended"`
	Progress        string  `json:"progress,omitempty" jsonschema:"how far it got, such as 40%"`
	TasksTotal      int     `json:"tasks_total"`
	TasksDone       int     `json:"tasks_done"`
	TotalResults    int     `json:"total_results"`
	CreditsConsumed float64 `json:"credits_consumed"`
	DoneReason      string  `json:"done_reason,omitempty"`
	DoneReasonDesc  string  `json:"done_reason_desc,omitempty"`
	ExportDone      *bool   `json:"export_done,omitempty" jsonschema:"whether the export file is ready (get_results_url needs it)"`
	TimedOut        bool    `json:"timed_out,omitempty" jsonschema:"wait_for_run: the wait ended before the run; call it again"`
	Raw             any     `json:"raw,omitempty"`
	Next            string  `json:"next,omitempty"`
}

func runView(r *api.Run, st *api.RunStats, full bool) RunView {
	v := RunView{RunID: r.Id, SquidID: r.Squid, Status: strings.ToLower(r.Status), TotalResults: r.TotalResults,
		CreditsConsumed: r.CreditUsed, ExportDone: r.ExportDone}
	if r.DoneReason != nil {
		v.DoneReason = *r.DoneReason
	}
	if r.DoneReasonDesc != nil {
		v.DoneReasonDesc = *r.DoneReasonDesc
	}
	switch v.Status {
	case "done", "error", "aborted":
		v.Done = true
	}
	if r.IsDone != nil && *r.IsDone {
		v.Done = true
	}
	if st != nil {
		v.Progress, v.TasksTotal, v.TasksDone = st.PercentDone, st.TotalTasks, st.TotalTasksDone
		v.Done = v.Done || st.IsDone
		v.TotalResults = max(v.TotalResults, st.TotalResults)
	}
	if full {
		v.Raw = map[string]any{"run": r, "stats": st}
	}
	switch {
	case v.Done && v.TotalResults > 0:
		v.Next = fmt.Sprintf("get_results with run_id=%s (%d rows), or get_results_url for the whole file", r.Id, v.TotalResults)
	case v.Done:
		v.Next = "the run ended with no results: " + cmpOr(v.DoneReasonDesc, cmpOr(v.DoneReason, "see done_reason"))
	default:
		v.Next = "wait_for_run with run_id=" + r.Id
	}
	return v
}

func runID(id string) (string, error) {
	id = strings.TrimSpace(id)
	if id == "" {
		return "", badArg("run_id is empty: give a run's id (run_scraper returns it; list_runs lists a squid's runs)")
	}
	return id, nil
}

func runError(err error) error {
	if api.IsNotFound(err) {
		return toolError(err, "no such run: list_runs with the squid's id lists its runs")
	}
	return toolError(err, "check run_id (32 hexadecimal characters, from run_scraper or list_runs) and call again")
}

func (s *server) getRun(ctx context.Context, id string, full bool) (RunView, error) {
	r, err := s.c.Runs.Get(ctx, id)
	if err != nil {
		return RunView{}, runError(err)
	}
	st, err := s.c.Runs.Stats(ctx, id)
	if err != nil {
		st = nil // the run alone still says where it is
	}
	return runView(r, st, full), nil
}

// WaitForRunIn are wait_for_run's arguments.
type WaitForRunIn struct {
	RunID          string `json:"run_id" jsonschema:"the run's id"`
	TimeoutSeconds int    `json:"timeout_seconds,omitempty" jsonschema:"how long to wait, in seconds; default 30, at most 50 whatever is passed"`
	Toon           bool   `json:"toon,omitempty" jsonschema:"accepted for compatibility; answers are always JSON"`
}

func (s *server) waitForRun(ctx context.Context, in WaitForRunIn) (RunView, error) {
	id, err := runID(in.RunID)
	if err != nil {
		return RunView{}, err
	}
	if in.TimeoutSeconds < 0 {
		return RunView{}, badArg("timeout_seconds %d: give 1 to 50", in.TimeoutSeconds)
	}
	wait := 30 * time.Second
	if in.TimeoutSeconds > 0 {
		wait = min(time.Duration(in.TimeoutSeconds)*time.Second, MaxWait)
	}
	wctx, cancel := context.WithTimeout(ctx, wait)
	defer cancel()
	var opts []api.WaitOption
	if s.opts.PollInterval > 0 {
		opts = append(opts, api.WithPollInterval(s.opts.PollInterval), api.WithMaxPollInterval(s.opts.PollInterval))
	}
	r, err := s.c.Runs.Wait(wctx, id, opts...)
	var ended *api.RunEndedError
	switch {
	case err == nil, errors.As(err, &ended):
		return s.getRun(ctx, id, false)
	case wctx.Err() != nil && ctx.Err() == nil:
		v, gerr := s.getRun(ctx, id, false)
		if gerr != nil {
			return RunView{}, gerr
		}
		v.Status, v.TimedOut = "still_running", true
		v.Next = fmt.Sprintf("the run goes on after %s: call wait_for_run with run_id=%s again", wait, id)
		return v, nil
	default:
		_ = r
		return RunView{}, runError(err)
	}
}

// ListRunsIn are list_runs' arguments.
type ListRunsIn struct {
	SquidID string `json:"squid_id" jsonschema:"the squid's id"`
	Limit   int    `json:"limit,omitempty" jsonschema:"how many runs, newest first, 1 to 100 (default 20)"`
	Toon    bool   `json:"toon,omitempty" jsonschema:"accepted for compatibility; answers are always JSON"`
}

// ListRunsOut is list_runs' answer.
type ListRunsOut struct {
	Runs  []RunView `json:"runs"`
	Total int       `json:"total" jsonschema:"how many runs the squid has had"`
}

func (s *server) listRuns(ctx context.Context, in ListRunsIn) (ListRunsOut, error) {
	id, err := squidID(in.SquidID)
	if err != nil {
		return ListRunsOut{}, err
	}
	_, limit, err := checkPage(1, in.Limit, 20)
	if err != nil {
		return ListRunsOut{}, badArg("limit %d: give 1 to %d", in.Limit, api.MaxPageSize)
	}
	p, err := s.c.Runs.List(ctx, api.ListRunsOptions{Squid: id, Limit: limit})
	if err != nil {
		return ListRunsOut{}, squidError(err)
	}
	out := ListRunsOut{Runs: []RunView{}, Total: p.TotalResults}
	for i := range p.Data {
		v := runView(&p.Data[i], nil, false)
		v.Next = ""
		out.Runs = append(out.Runs, v)
	}
	return out, nil
}

// GetResultsIn are get_results' arguments.
type GetResultsIn struct {
	RunID    string   `json:"run_id,omitempty" jsonschema:"the rows of this run; give run_id or squid_id"`
	SquidID  string   `json:"squid_id,omitempty" jsonschema:"the rows of every run of this squid"`
	Page     int      `json:"page,omitempty" jsonschema:"the page, from 1"`
	PageSize int      `json:"page_size,omitempty" jsonschema:"rows a page: default 5 (10 with full), at most 100; the answer is cut to fit its byte cap"`
	Fields   []string `json:"fields,omitempty" jsonschema:"only these columns (get_scraper_details lists them): fewer columns, more rows per answer"`
	Full     bool     `json:"full,omitempty" jsonschema:"true: keep empty values and use a larger default page"`
	Toon     bool     `json:"toon,omitempty" jsonschema:"accepted for compatibility; answers are always JSON"`
}

// GetResultsOut is get_results' answer.
type GetResultsOut struct {
	Rows         []map[string]any `json:"rows"`
	Page         int              `json:"page"`
	PageSize     int              `json:"page_size"`
	TotalPages   int              `json:"total_pages"`
	TotalResults int              `json:"total_results"`
	Truncated    bool             `json:"truncated" jsonschema:"true: rows or values of this page were left out to keep the answer under max_bytes"`
	MaxBytes     int              `json:"max_bytes" jsonschema:"the cap of one answer, in bytes"`
	Warning      string           `json:"warning,omitempty"`
	Next         string           `json:"next,omitempty"`
}

// nextRoom is the room kept in get_results' answer for its Next, which is shorter.
const nextRoom = 400

// maxValueRunes caps one value of a row when a single row is over the byte cap.
const maxValueRunes = 200

func (s *server) getResults(ctx context.Context, in GetResultsIn) (GetResultsOut, error) {
	if (in.RunID == "") == (in.SquidID == "") {
		return GetResultsOut{}, badArg("give run_id or squid_id, one of them")
	}
	def := 5
	if in.Full {
		def = 10
	}
	page, size, err := checkPage(in.Page, in.PageSize, def)
	if err != nil {
		return GetResultsOut{}, err
	}
	p, err := s.c.Results.List(ctx, api.ResultsOptions{Run: in.RunID, Squid: in.SquidID, Page: page, Limit: size})
	if err != nil {
		if in.RunID != "" {
			return GetResultsOut{}, runError(err)
		}
		return GetResultsOut{}, squidError(err)
	}
	out := GetResultsOut{Rows: []map[string]any{}, Page: page, PageSize: size, TotalPages: p.TotalPages,
		TotalResults: p.TotalResults, MaxBytes: s.opts.MaxAnswerBytes}
	if p.Warning != nil {
		out.Warning = *p.Warning
	}
	if page > p.TotalPages && p.TotalResults > 0 {
		return GetResultsOut{}, badArg("page %d is past the last page, %d (of %d rows at page_size %d)", page, p.TotalPages, p.TotalResults, size)
	}
	for _, r := range p.Data {
		out.Rows = append(out.Rows, trimRow(r, in.Fields, in.Full))
	}
	shown := len(out.Rows)
	fits := func() bool { // Next, set below, has its room kept
		b, _ := json.Marshal(out)
		return len(b)+nextRoom <= s.opts.MaxAnswerBytes
	}
	for len(out.Rows) > 1 && !fits() {
		out.Rows = out.Rows[:len(out.Rows)-1]
		out.Truncated = true
	}
	if len(out.Rows) == 1 && !fits() {
		out.Rows[0] = clipValues(out.Rows[0], maxValueRunes)
		out.Truncated = true
		for len(out.Rows[0]) > 0 && !fits() { // still too wide: drop columns from the end
			keys := slices.Sorted(mapsKeys(out.Rows[0]))
			delete(out.Rows[0], keys[len(keys)-1])
		}
	}
	switch {
	case out.Truncated && len(out.Rows) < shown:
		out.Next = fmt.Sprintf("only %d of this page's %d rows fit in %d bytes: ask for page_size=%d and page=%d to go on from row %d, or pass fields to keep fewer columns, or get_results_url for the whole file",
			len(out.Rows), shown, s.opts.MaxAnswerBytes, len(out.Rows), (page-1)*size/len(out.Rows)+2, (page-1)*size+len(out.Rows)+1)
		if (page-1)*size%len(out.Rows) != 0 {
			out.Next = fmt.Sprintf("only %d of this page's %d rows fit in %d bytes: pass fields to keep fewer columns, or a smaller page_size from page 1, or get_results_url for the whole file", len(out.Rows), shown, s.opts.MaxAnswerBytes)
		}
	case out.Truncated:
		out.Next = "this row's long values were cut to fit the answer: pass fields for the columns you need, or get_results_url for the whole file"
	case page < p.TotalPages:
		out.Next = fmt.Sprintf("page %d of %d: call again with page=%d (or get_results_url for the whole file)", page, p.TotalPages, page+1)
	}
	if len(out.Next) > nextRoom {
		out.Next = out.Next[:nextRoom-3] + "..."
	}
	return out, nil
}

func mapsKeys(m map[string]any) func(func(string) bool) {
	return func(yield func(string) bool) {
		for k := range m {
			if !yield(k) {
				return
			}
		}
	}
}

// trimRow decodes a row, keeping only fields when given, and dropping empty values unless
// full.
func trimRow(r api.Result, fields []string, full bool) map[string]any {
	out := map[string]any{}
	for k, raw := range r {
		if len(fields) > 0 && !slices.Contains(fields, k) {
			continue
		}
		v := rawToAny(raw)
		if !full && empty(v) {
			continue
		}
		out[k] = v
	}
	return out
}

func empty(v any) bool {
	switch x := v.(type) {
	case nil:
		return true
	case string:
		return x == ""
	case []any:
		return len(x) == 0
	case map[string]any:
		return len(x) == 0
	}
	return false
}

// clipValues cuts every string of a row to n runes, and any other value whose JSON is longer
// to that text cut.
func clipValues(row map[string]any, n int) map[string]any {
	out := map[string]any{}
	for k, v := range row {
		s, ok := v.(string)
		if !ok {
			if b, _ := json.Marshal(v); len(b) > n {
				s, ok = string(b), true
			}
		}
		if ok && utf8.RuneCountInString(s) > n {
			s = string([]rune(s)[:n]) + "…"
			v = s
		}
		out[k] = v
	}
	return out
}

// ResultsURLOut is get_results_url's answer.
type ResultsURLOut struct {
	URL  string `json:"url" jsonschema:"a short-lived signed URL of the whole export file (CSV); fetch it without any token"`
	Note string `json:"note"`
}

func (s *server) addRunTools(srv *mcp.Server) {
	addTool(s, srv, "get_run",
		"A run's status and progress: status, progress, tasks_total/tasks_done, total_results, credits_consumed, done_reason.",
		func(ctx context.Context, in GetRunIn) (RunView, error) {
			id, err := runID(in.RunID)
			if err != nil {
				return RunView{}, err
			}
			return s.getRun(ctx, id, in.Full)
		})
	addTool(s, srv, "wait_for_run",
		"Wait until a run is done, for timeout_seconds (default 30, capped at 50). Answers get_run's shape; when the run goes on, "+
			"status is still_running and timed_out true: call it again to keep waiting.",
		s.waitForRun)
	addTool(s, srv, "list_runs",
		"A squid's recent runs, newest first: status, results, credits, done reason.",
		s.listRuns)
	addTool(s, srv, "get_results",
		"One page of scraped rows, capped in rows and bytes so a large result set does not flood the context; says how to page. "+
			"Give run_id or squid_id. fields selects columns; full keeps empty values.",
		s.getResults)
	addTool(s, srv, "get_results_url",
		"A signed URL of a finished run's whole result file: use it instead of paging get_results for the whole data set.",
		func(ctx context.Context, in RunIn) (ResultsURLOut, error) {
			id, err := runID(in.RunID)
			if err != nil {
				return ResultsURLOut{}, err
			}
			u, err := s.c.Runs.DownloadURL(ctx, id)
			if err != nil {
				return ResultsURLOut{}, toolError(err, "the export may not be ready yet: wait_for_run until done (export_done true), then call again")
			}
			return ResultsURLOut{URL: u, Note: "the URL expires after a while; call again for a fresh one"}, nil
		})
	addTool(s, srv, "abort_run",
		"Stop a running run. What it scraped is kept and exported. Poll get_run to see it stop.",
		func(ctx context.Context, in RunIn) (RunView, error) {
			id, err := runID(in.RunID)
			if err != nil {
				return RunView{}, err
			}
			r, err := s.c.Runs.Abort(ctx, id)
			if err != nil {
				return RunView{}, runError(err)
			}
			v := runView(r, nil, false)
			v.Next = "get_run with run_id=" + id + " shows when it has stopped; get_results keeps what it scraped"
			return v, nil
		})
}
