package mcpserver

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/lobstr-go/lobstr/api"
	"github.com/lobstr-go/lobstr/catalog"
	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// splitInput sorts the keys of an input by level for crawler c: task keys, squid settings
// (under their wire names) and functions (under "functions"). allowTask says whether task
// keys may be given; a function given flat is refused.
func splitInput(c *catalog.Crawler, input map[string]any, allowTask bool) (squid, task map[string]any, err error) {
	squid, task = map[string]any{}, map[string]any{}
	for _, k := range slices.Sorted(maps.Keys(input)) {
		v := input[k]
		if k == "functions" {
			fs, ok := v.(map[string]any)
			if !ok {
				return nil, nil, badArg("functions must be an object of function names to true or false, such as {\"%s\": true}", firstOr(inputNames(c, levelFunction), "some_function"))
			}
			for name := range fs {
				if l, _ := levelOf(c, name); l != levelFunction {
					return nil, nil, badArg("functions.%s: %s has no such function; its functions: %s", name, c.Slug, listOrNone(inputNames(c, levelFunction)))
				}
			}
			squid["functions"] = fs
			continue
		}
		level, wire := levelOf(c, k)
		switch level {
		case levelSquid:
			squid[wire] = v
		case levelTask:
			if !allowTask {
				return nil, nil, badArg("%s is a task-level input of %s: give it to add_tasks (one object per task), not in config", k, c.Slug)
			}
			task[wire] = v
		case levelFunction:
			return nil, nil, badArg("%s is a function of %s: put it under functions, as {\"functions\": {\"%s\": true}}", k, c.Slug, k)
		default:
			return nil, nil, badArg("%s: %s takes no input of that name; task inputs: %s; squid settings: %s; functions: %s (get_scraper_details says more)",
				k, c.Slug, listOrNone(inputNames(c, levelTask)), listOrNone(inputNames(c, levelSquid)), listOrNone(inputNames(c, levelFunction)))
		}
	}
	return squid, task, nil
}

func firstOr(xs []string, def string) string {
	if len(xs) > 0 {
		return xs[0]
	}
	return def
}

func listOrNone(xs []string) string {
	if len(xs) == 0 {
		return "none"
	}
	return strings.Join(xs, ", ")
}

// Estimate is an upper bound of a run's credits, from the catalogue.
type Estimate struct {
	Known             bool     `json:"known" jsonschema:"false when no upper bound can be computed (the crawler has no max_results, or the catalogue does not know it)"`
	CreditsUpperBound *float64 `json:"credits_upper_bound,omitempty" jsonschema:"the most the run can cost, in credits: max_results per task, every row billed at the crawler's price plus the functions switched on"`
	CreditsPerRow     float64  `json:"credits_per_row" jsonschema:"the crawler's price per row plus that of each function on"`
	MaxResultsPerTask *float64 `json:"max_results_per_task,omitempty"`
	Tasks             int      `json:"tasks" jsonschema:"the tasks the run would scrape"`
	FunctionsOn       []string `json:"functions_on,omitempty"`
	Note              string   `json:"note"`
}

// estimate bounds the credits of a run of tasks tasks of crawler c with the squid params
// params (max_results and functions).
func estimate(c *catalog.Crawler, params map[string]any, tasks int) Estimate {
	if c == nil {
		return Estimate{Tasks: tasks, Note: "the catalogue does not know this squid's crawler: no bound can be computed"}
	}
	e := Estimate{CreditsPerRow: c.CreditsPerRow, Tasks: tasks}
	on, _ := params["functions"].(map[string]any)
	for _, f := range c.Functions {
		enabled := f.Default
		if v, ok := on[f.Name].(bool); ok {
			enabled = v
		}
		if enabled {
			e.CreditsPerRow += f.Credits
			e.FunctionsOn = append(e.FunctionsOn, f.Name)
		}
	}
	var max *float64
	if v, ok := toFloat(params["max_results"]); ok {
		max = &v
	} else {
		for _, p := range c.Params {
			if p.Name == "max_results" {
				if v, ok := toFloat(rawToAny(p.Default)); ok {
					max = &v
				}
			}
		}
	}
	if max == nil {
		e.Note = "an upper bound cannot be known: " + c.Slug + " has no max_results set, so a task may return any number of rows; set max_results in the config to bound it, or estimate from a small run"
		return e
	}
	e.MaxResultsPerTask = max
	total := math.Round(e.CreditsPerRow**max*float64(tasks)*100) / 100
	e.Known, e.CreditsUpperBound = true, &total
	e.Note = fmt.Sprintf("an upper bound, not a quote: %d task(s) x at most %g rows x %g credits a row; a run that returns fewer rows costs less", tasks, *max, e.CreditsPerRow)
	return e
}

func toFloat(v any) (float64, bool) {
	switch x := v.(type) {
	case float64:
		return x, true
	case int:
		return float64(x), true
	case json.Number:
		f, err := x.Float64()
		return f, err == nil
	case string:
		var f float64
		_, err := fmt.Sscan(x, &f)
		return f, err == nil
	}
	return 0, false
}

// taskCount is how many tasks a squid holds, of both kinds (url and params). A server that
// ignores the kind answers the same page twice: then it is counted once.
func (s *server) taskCount(ctx context.Context, squid string) (int, error) {
	var pages [2]*api.TaskPage
	for i, kind := range []string{"url", "params"} {
		p, err := s.c.Tasks.List(ctx, api.ListTasksOptions{Squid: squid, Type: kind, Limit: api.MaxPageSize})
		if err != nil {
			return 0, err
		}
		pages[i] = p
	}
	if samePage(pages[0], pages[1]) {
		return pages[0].TotalResults, nil
	}
	return pages[0].TotalResults + pages[1].TotalResults, nil
}

// samePage says whether two pages of tasks hold the same tasks.
func samePage(a, b *api.TaskPage) bool {
	if a.TotalResults != b.TotalResults || len(a.Data) != len(b.Data) {
		return false
	}
	for i := range a.Data {
		if a.Data[i].Id != b.Data[i].Id {
			return false
		}
	}
	return true
}

// CreateSquidIn are create_squid's arguments.
type CreateSquidIn struct {
	Scraper string         `json:"scraper" jsonschema:"the crawler's slug, id or name"`
	Name    string         `json:"name,omitempty" jsonschema:"the squid's name; default: the crawler's name and the time"`
	Config  map[string]any `json:"config,omitempty" jsonschema:"squid-level settings by name, function toggles under functions; never task-level inputs (add_tasks takes those)"`
}

// SquidMade is what create_squid, add_tasks, update_scraper, attach_account, empty_scraper
// and deactivate_scraper did to a squid.
type SquidMade struct {
	SquidID     string         `json:"squid_id"`
	Name        string         `json:"name,omitempty"`
	CrawlerSlug string         `json:"crawler_slug,omitempty"`
	Saved       map[string]any `json:"saved_config,omitempty" jsonschema:"the settings saved"`
	Added       *int           `json:"added,omitempty" jsonschema:"add_tasks: the tasks added"`
	Duplicated  *int           `json:"duplicated,omitempty" jsonschema:"add_tasks: the tasks already in the squid, not added again"`
	Deleted     *int           `json:"deleted,omitempty" jsonschema:"empty_scraper: the tasks removed"`
	IsActive    *bool          `json:"is_active,omitempty"`
	Accounts    []string       `json:"accounts,omitempty" jsonschema:"attach_account: the accounts the squid now uses"`
	Warning     string         `json:"warning,omitempty"`
	Next        string         `json:"next"`
}

func defaultName(c *catalog.Crawler) string {
	return c.Name + " " + time.Now().UTC().Format("2006-01-02 15:04:05")
}

func (s *server) createSquid(ctx context.Context, in CreateSquidIn) (SquidMade, error) {
	c, err := findCrawler(in.Scraper)
	if err != nil {
		return SquidMade{}, err
	}
	params, _, err := splitInput(c, in.Config, false)
	if err != nil {
		return SquidMade{}, err
	}
	name := strings.TrimSpace(in.Name)
	if name == "" {
		name = defaultName(c)
	}
	q, err := s.c.Squids.Create(ctx, c.ID, name)
	if err != nil {
		return SquidMade{}, toolError(err, "if the name is taken, give another name; else check scraper and call again")
	}
	if _, err := s.c.Squids.Update(ctx, q.Id, api.SquidUpdate{Params: (*api.SquidParams)(&params)}); err != nil {
		return SquidMade{}, toolError(fmt.Errorf("squid %s was created, but its config was refused: %w", q.Id, err),
			"fix the config (get_scraper_details lists the settings) and call update_scraper or run_scraper with squid_id="+q.Id+", or create_squid again under a new name (this name is taken)")
	}
	return SquidMade{SquidID: q.Id, Name: q.Name, CrawlerSlug: c.Slug, Saved: params,
		Next: "add_tasks with squid_id=" + q.Id + " and one object of task-level inputs per task, then run_scraper with squid_id=" + q.Id}, nil
}

// AddTasksIn are add_tasks' arguments.
type AddTasksIn struct {
	SquidID string           `json:"squid_id" jsonschema:"the squid's id"`
	Tasks   []map[string]any `json:"tasks" jsonschema:"one object per task, of the crawler's task-level inputs, such as [{\"url\": \"https://...\"}]"`
}

// squidCrawler gets a squid and its crawler in the catalogue (nil when unknown).
func (s *server) squidCrawler(ctx context.Context, id string) (*api.Squid, *catalog.Crawler, error) {
	q, err := s.c.Squids.Get(ctx, id)
	if err != nil {
		return nil, nil, squidError(err)
	}
	return q, crawlerByID(q.Crawler), nil
}

// checkTask refuses a task whose keys the crawler does not take.
func checkTask(c *catalog.Crawler, i int, t map[string]any) (api.Params, error) {
	if len(t) == 0 {
		return nil, badArg("tasks[%d] is empty: give the crawler's task-level inputs, such as {\"url\": \"...\"}", i)
	}
	if c == nil {
		return api.Params(t), nil
	}
	out := api.Params{}
	for k, v := range t {
		level, wire := levelOf(c, k)
		if level != levelTask {
			return nil, badArg("tasks[%d].%s: not a task-level input of %s; its task inputs: %s (squid settings go to update_scraper)", i, k, c.Slug, listOrNone(inputNames(c, levelTask)))
		}
		out[wire] = v
	}
	return out, nil
}

func (s *server) addTasks(ctx context.Context, in AddTasksIn) (SquidMade, error) {
	id, err := squidID(in.SquidID)
	if err != nil {
		return SquidMade{}, err
	}
	if len(in.Tasks) == 0 {
		return SquidMade{}, badArg("tasks is empty: give at least one task, such as [{\"url\": \"https://...\"}]")
	}
	_, c, err := s.squidCrawler(ctx, id)
	if err != nil {
		return SquidMade{}, err
	}
	tasks := make([]api.Params, 0, len(in.Tasks))
	for i, t := range in.Tasks {
		p, err := checkTask(c, i, t)
		if err != nil {
			return SquidMade{}, err
		}
		tasks = append(tasks, p)
	}
	r, err := s.c.Tasks.Add(ctx, id, tasks)
	if err != nil {
		return SquidMade{}, toolError(err, "check the tasks against get_scraper_details (level task) and call again; tasks already added are not added twice")
	}
	added, dup := len(r.Tasks), r.DuplicatedCount
	return SquidMade{SquidID: id, Added: &added, Duplicated: &dup, Next: "run_scraper with squid_id=" + id + " runs every task of the squid"}, nil
}

// UpdateScraperIn are update_scraper's arguments.
type UpdateScraperIn struct {
	SquidID     string         `json:"squid_id" jsonschema:"the squid's id"`
	Name        string         `json:"name,omitempty" jsonschema:"a new name"`
	Config      map[string]any `json:"config,omitempty" jsonschema:"squid-level settings to change, as create_squid's config; merged key by key"`
	Concurrency int            `json:"concurrency,omitempty" jsonschema:"how many workers run at once"`
}

func (s *server) updateScraper(ctx context.Context, in UpdateScraperIn) (SquidMade, error) {
	id, err := squidID(in.SquidID)
	if err != nil {
		return SquidMade{}, err
	}
	if in.Name == "" && len(in.Config) == 0 && in.Concurrency == 0 {
		return SquidMade{}, badArg("nothing to change: pass name, config or concurrency")
	}
	if in.Concurrency < 0 {
		return SquidMade{}, badArg("concurrency %d: give 1 or more", in.Concurrency)
	}
	u := api.SquidUpdate{}
	out := SquidMade{SquidID: id}
	if len(in.Config) > 0 {
		_, c, err := s.squidCrawler(ctx, id)
		if err != nil {
			return SquidMade{}, err
		}
		params := in.Config
		if c != nil {
			if params, _, err = splitInput(c, in.Config, false); err != nil {
				return SquidMade{}, err
			}
			out.CrawlerSlug = c.Slug
		}
		u.Params, out.Saved = (*api.SquidParams)(&params), params
	}
	if in.Name != "" {
		u.Name = &in.Name
	}
	if in.Concurrency > 0 {
		u.Concurrency = &in.Concurrency
	}
	q, err := s.c.Squids.Update(ctx, id, u)
	if err != nil {
		return SquidMade{}, toolError(err, "check the values (get_scraper_details lists the settings) and call again")
	}
	out.Name, out.Next = q.Name, "run_scraper with squid_id="+id+" runs it"
	return out, nil
}

// EstimateRunIn are estimate_run's arguments.
type EstimateRunIn struct {
	SquidID string `json:"squid_id" jsonschema:"the squid's id; it should hold its tasks already"`
	Toon    bool   `json:"toon,omitempty" jsonschema:"accepted for compatibility; answers are always JSON"`
}

func (s *server) estimateRun(ctx context.Context, in EstimateRunIn) (Estimate, error) {
	id, err := squidID(in.SquidID)
	if err != nil {
		return Estimate{}, err
	}
	q, c, err := s.squidCrawler(ctx, id)
	if err != nil {
		return Estimate{}, err
	}
	n, err := s.taskCount(ctx, id)
	if err != nil {
		return Estimate{}, toolError(err, "call again")
	}
	e := estimate(c, q.Params, n)
	if n == 0 {
		e.Note += "; the squid holds no task yet: add_tasks first"
	}
	return e, nil
}

// RunScraperIn are run_scraper's arguments.
type RunScraperIn struct {
	Scraper        string         `json:"scraper,omitempty" jsonschema:"a crawler's slug, id or name: a new squid is created holding only this input. Give scraper or squid_id"`
	Input          map[string]any `json:"input,omitempty" jsonschema:"one task's task-level inputs and any squid-level settings by name, functions under functions, as get_scraper_details lists them"`
	Confirm        bool           `json:"confirm,omitempty" jsonschema:"true to start a run whose estimate is above the confirmation threshold or unknown; only after the user agreed to the cost"`
	IdempotencyKey string         `json:"idempotency_key,omitempty" jsonschema:"a key of your own: a second call with the same key returns the first call's run instead of starting another"`
	SquidID        string         `json:"squid_id,omitempty" jsonschema:"an existing squid to run again (list_my_scrapers); its saved tasks run unless input holds task-level keys"`
	AccountID      string         `json:"account_id,omitempty" jsonschema:"the platform account to attach, when the crawler needs one and several are connected (list_accounts)"`
	ReplaceTasks   bool           `json:"replace_tasks,omitempty" jsonschema:"with squid_id and a task-level input: delete the squid's saved tasks and run only this one (they are restored if a later step fails)"`
}

// RunScraperOut is run_scraper's answer: a started run, or a request for confirmation.
type RunScraperOut struct {
	NeedsConfirmation bool     `json:"needs_confirmation" jsonschema:"true: nothing was started; ask the user, then call again with confirm=true"`
	Estimate          Estimate `json:"estimate"`
	ConfirmAbove      float64  `json:"confirm_above" jsonschema:"the threshold, in credits"`
	RunID             string   `json:"run_id,omitempty"`
	SquidID           string   `json:"squid_id,omitempty"`
	TasksAction       string   `json:"tasks_action,omitempty" jsonschema:"created, added, replaced or unchanged"`
	TaskCount         *int     `json:"task_count,omitempty" jsonschema:"the tasks this run scrapes"`
	AccountAttached   string   `json:"account_attached,omitempty"`
	Remaining         *float64 `json:"remaining,omitempty" jsonschema:"credits left (available - consumed)"`
	CreditWarning     string   `json:"credit_warning,omitempty"`
	Next              string   `json:"next"`
}

func (s *server) needsConfirm(e Estimate, confirm bool) bool {
	if confirm {
		return false
	}
	return !e.Known || s.opts.ConfirmAbove < 0 || *e.CreditsUpperBound > s.opts.ConfirmAbove
}

func (s *server) confirmation(e Estimate) RunScraperOut {
	why := "the cost cannot be bounded"
	if e.Known {
		why = fmt.Sprintf("the run may cost up to %g credits, above the threshold of %g", *e.CreditsUpperBound, s.opts.ConfirmAbove)
	}
	return RunScraperOut{NeedsConfirmation: true, Estimate: e, ConfirmAbove: s.opts.ConfirmAbove,
		Next: "nothing was started: " + why + ". Tell the user the estimate; if they agree, call run_scraper again with the same arguments and confirm=true"}
}

func (s *server) runScraper(ctx context.Context, in RunScraperIn) (RunScraperOut, error) {
	if (in.Scraper == "") == (in.SquidID == "") {
		return RunScraperOut{}, badArg("give scraper (a new squid) or squid_id (an existing one), not both nor neither")
	}
	if in.ReplaceTasks && in.SquidID == "" {
		return RunScraperOut{}, badArg("replace_tasks applies to an existing squid: give squid_id")
	}
	if in.IdempotencyKey != "" {
		s.mu.Lock()
		run, seen := s.runs[in.IdempotencyKey]
		s.mu.Unlock()
		if seen {
			return RunScraperOut{RunID: run, ConfirmAbove: s.opts.ConfirmAbove, TasksAction: "unchanged",
				Next: "this idempotency_key already started run " + run + "; nothing new was started: wait_for_run with run_id=" + run}, nil
		}
	}
	if in.Scraper != "" {
		return s.runNew(ctx, in)
	}
	return s.runExisting(ctx, in)
}

func (s *server) runNew(ctx context.Context, in RunScraperIn) (RunScraperOut, error) {
	c, err := findCrawler(in.Scraper)
	if err != nil {
		return RunScraperOut{}, err
	}
	params, task, err := splitInput(c, in.Input, true)
	if err != nil {
		return RunScraperOut{}, err
	}
	if len(task) == 0 {
		return RunScraperOut{}, badArg("input holds no task-level input of %s: give one of %s, such as {\"%s\": ...}",
			c.Slug, listOrNone(inputNames(c, levelTask)), firstOr(inputNames(c, levelTask), "url"))
	}
	e := estimate(c, params, 1)
	if s.needsConfirm(e, in.Confirm) {
		return s.confirmation(e), nil
	}
	q, err := s.c.Squids.Create(ctx, c.ID, defaultName(c), api.SaveParams(params))
	if err != nil {
		return RunScraperOut{}, toolError(err, "check the squid-level input against get_scraper_details and call again")
	}
	out := RunScraperOut{Estimate: e, ConfirmAbove: s.opts.ConfirmAbove, SquidID: q.Id, TasksAction: "created"}
	if c.Account != nil {
		acct, err := s.attach(ctx, q, c, in.AccountID)
		if err != nil {
			return RunScraperOut{}, fmt.Errorf("squid %s was created but not run: %w", q.Id, err)
		}
		out.AccountAttached = acct
	}
	if _, err := s.c.Tasks.Add(ctx, q.Id, []api.Params{task}); err != nil {
		return RunScraperOut{}, toolError(fmt.Errorf("squid %s was created but its task was refused: %w", q.Id, err),
			"fix the task-level input (get_scraper_details) and call run_scraper with squid_id="+q.Id)
	}
	one := 1
	out.TaskCount = &one
	return s.start(ctx, in, q.Id, out, nil)
}

// squidHasTasks is run_scraper's refusal to replace saved tasks without replace_tasks.
func squidHasTasks(id string, n int) error {
	return fmt.Errorf("squid_has_tasks: squid %s already holds %d saved task(s) and nothing was written. Options: "+
		"(1) run_scraper with squid_id=%s and no task-level input runs the saved tasks; "+
		"(2) add_tasks with squid_id=%s, then run_scraper with squid_id=%s, runs them and yours; "+
		"(3) run_scraper with squid_id=%s, the same input and replace_tasks=true deletes the saved tasks and runs only yours; "+
		"(4) run_scraper with scraper=SLUG and the same input runs yours in a new squid", id, n, id, id, id, id)
}

func (s *server) runExisting(ctx context.Context, in RunScraperIn) (RunScraperOut, error) {
	id, err := squidID(in.SquidID)
	if err != nil {
		return RunScraperOut{}, err
	}
	q, c, err := s.squidCrawler(ctx, id)
	if err != nil {
		return RunScraperOut{}, err
	}
	var params, task map[string]any
	switch {
	case c != nil:
		if params, task, err = splitInput(c, in.Input, true); err != nil {
			return RunScraperOut{}, err
		}
	case len(in.Input) > 0:
		return RunScraperOut{}, badArg("the catalogue does not know crawler %s of squid %s, so input cannot be sorted into tasks and settings: add tasks with add_tasks, settings with update_scraper, then run_scraper with squid_id alone", q.Crawler, id)
	}
	existing, err := s.taskCount(ctx, id)
	if err != nil {
		return RunScraperOut{}, toolError(err, "call again")
	}
	if len(task) > 0 && existing > 0 && !in.ReplaceTasks {
		return RunScraperOut{}, squidHasTasks(id, existing)
	}
	n, action := existing, "unchanged"
	switch {
	case len(task) > 0 && in.ReplaceTasks:
		n, action = 1, "replaced"
	case len(task) > 0:
		n, action = existing+1, "added"
	}
	if n == 0 {
		return RunScraperOut{}, badArg("squid %s holds no task: give a task-level input (get_scraper_details lists them), or add_tasks first", id)
	}
	merged := maps.Clone(map[string]any(q.Params))
	if merged == nil {
		merged = map[string]any{}
	}
	maps.Copy(merged, params)
	e := estimate(c, merged, n)
	if s.needsConfirm(e, in.Confirm) {
		return s.confirmation(e), nil
	}
	out := RunScraperOut{Estimate: e, ConfirmAbove: s.opts.ConfirmAbove, SquidID: id, TasksAction: action, TaskCount: &n}
	if len(params) > 0 || !q.IsReady {
		if _, err := s.c.Squids.Update(ctx, id, api.SquidUpdate{Params: (*api.SquidParams)(&params)}); err != nil {
			return RunScraperOut{}, toolError(fmt.Errorf("the squid-level input was refused, nothing was run: %w", err), "fix it (get_scraper_details) and call again")
		}
	}
	if c != nil && c.Account != nil {
		if acct, err := s.attach(ctx, q, c, in.AccountID); err != nil {
			return RunScraperOut{}, fmt.Errorf("nothing was run: %w", err)
		} else {
			out.AccountAttached = acct
		}
	}
	var restore func() error
	switch action {
	case "added":
		if _, err := s.c.Tasks.Add(ctx, id, []api.Params{task}); err != nil {
			return RunScraperOut{}, toolError(fmt.Errorf("the task was refused, nothing was run: %w", err), "fix the task-level input (get_scraper_details) and call again")
		}
	case "replaced":
		if restore, err = s.replaceTasks(ctx, id, task); err != nil {
			return RunScraperOut{}, err
		}
	}
	return s.start(ctx, in, id, out, restore)
}

// replaceTasks replaces a squid's tasks by one. It returns the function that puts the old
// tasks back, for a later failure; on its own failure it has put them back already, or says
// which it lost.
func (s *server) replaceTasks(ctx context.Context, id string, task map[string]any) (func() error, error) {
	var saved []api.Params
	seen := map[string]bool{}
	for _, kind := range []string{"url", "params"} {
		for t, err := range s.c.Tasks.All(ctx, api.ListTasksOptions{Squid: id, Type: kind, Limit: api.MaxPageSize}) {
			if err != nil {
				return nil, toolError(fmt.Errorf("could not read the saved tasks, nothing was changed: %w", err), "call again")
			}
			if !seen[t.Id] { // a server that ignores the kind lists every task twice
				seen[t.Id] = true
				saved = append(saved, t.Params)
			}
		}
	}
	restore := func() error {
		rctx := context.WithoutCancel(ctx)
		if _, err := s.c.Squids.Empty(rctx, id); err != nil {
			return err
		}
		for i := 0; i < len(saved); i += api.MaxPageSize * 5 {
			if _, err := s.c.Tasks.Add(rctx, id, saved[i:min(len(saved), i+api.MaxPageSize*5)]); err != nil {
				return err
			}
		}
		return nil
	}
	if _, err := s.c.Squids.Empty(ctx, id); err != nil {
		return nil, toolError(fmt.Errorf("could not delete the saved tasks, nothing was run: %w", err), "call again")
	}
	if _, err := s.c.Tasks.Add(ctx, id, []api.Params{task}); err != nil {
		return nil, s.restored(fmt.Errorf("the new task was refused: %w", err), restore, saved)
	}
	return restore, nil
}

// restored puts the saved tasks back after err and says how that went.
func (s *server) restored(err error, restore func() error, saved []api.Params) error {
	if rerr := restore(); rerr != nil {
		lost, _ := json.Marshal(saved)
		return fmt.Errorf("%v; restoring the %d saved task(s) failed too (%v): tasks_lost: add them back with add_tasks; lost_tasks: %s", err, len(saved), rerr, lost)
	}
	return fmt.Errorf("%v; the %d saved task(s) were restored, nothing was run", err, len(saved))
}

// start starts the run of squid id and completes out.
func (s *server) start(ctx context.Context, in RunScraperIn, id string, out RunScraperOut, restore func() error) (RunScraperOut, error) {
	run, err := s.c.Runs.Start(ctx, id)
	if err != nil {
		var apiErr *api.Error
		if errors.As(err, &apiErr) {
			err = fmt.Errorf("lobstr refused the run (request_state: rejected): %w", err)
			if restore != nil {
				return RunScraperOut{}, s.restoredTasks(err, restore)
			}
			return RunScraperOut{}, toolError(err, "if a run of this squid is going on, wait_for_run or abort_run it (list_runs with squid_id="+id+"); if credits are short, check_credits")
		}
		return RunScraperOut{}, fmt.Errorf("the connection failed while starting the run (request_state: unknown): %v. Next: the request may have reached lobstr: call list_runs with squid_id=%s before retrying; a blind retry can start and pay for the same run twice", err, id)
	}
	if in.IdempotencyKey != "" {
		s.mu.Lock()
		s.runs[in.IdempotencyKey] = run.Id
		s.mu.Unlock()
	}
	out.RunID = run.Id
	if b, err := s.c.User.Balance(ctx); err == nil {
		left := api.RemainingCredits(b)
		out.Remaining = &left
		if out.Estimate.Known && *out.Estimate.CreditsUpperBound > left {
			out.CreditWarning = fmt.Sprintf("the run may cost up to %g credits and %g are left: it may stop early (done_reason no_credits_left)", *out.Estimate.CreditsUpperBound, left)
		}
	}
	out.Next = "wait_for_run with run_id=" + run.Id + " (call again while it says still_running), then get_results with run_id=" + run.Id
	return out, nil
}

func (s *server) restoredTasks(err error, restore func() error) error {
	if rerr := restore(); rerr != nil {
		return fmt.Errorf("%v; restoring the saved tasks failed too (%v): tasks_lost: read them from an earlier run's results and add_tasks them back", err, rerr)
	}
	return fmt.Errorf("%v; the saved tasks were restored", err)
}

// AttachAccountIn are attach_account's arguments.
type AttachAccountIn struct {
	SquidID   string `json:"squid_id" jsonschema:"the squid's id"`
	AccountID string `json:"account_id,omitempty" jsonschema:"the account to attach (list_accounts); omitted: the one healthy, unlocked account of the type the crawler needs, if exactly one"`
}

// squidAccounts reads the account ids a squid uses.
func squidAccounts(q *api.Squid) []string {
	raw, _ := q.Accounts.Get()
	var ids []string
	for _, r := range raw {
		var id string
		if json.Unmarshal(r, &id) == nil {
			ids = append(ids, id)
			continue
		}
		var obj struct {
			ID   string `json:"id"`
			Hash string `json:"hash"`
		}
		if json.Unmarshal(r, &obj) == nil && (obj.ID != "" || obj.Hash != "") {
			ids = append(ids, cmpOr(obj.ID, obj.Hash))
		}
	}
	return ids
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// healthy says whether an account can be used: synchronized and not locked.
func healthy(a api.Account) bool {
	locked := len(a.LockTime) > 0 && string(a.LockTime) != "null" && string(a.LockTime) != `""`
	return !locked && (a.Status == "" || strings.HasPrefix(a.Status, "2") || strings.EqualFold(a.Status, "active") || strings.EqualFold(a.Status, "synchronized"))
}

// attach links an account to squid q when it has none of the type c needs: accountID, or
// the one healthy candidate. It returns the account attached, "" when one was already.
func (s *server) attach(ctx context.Context, q *api.Squid, c *catalog.Crawler, accountID string) (string, error) {
	have := squidAccounts(q)
	if accountID == "" && len(have) > 0 {
		return "", nil
	}
	if accountID == "" {
		if c == nil || c.Account == nil {
			return "", badArg("the crawler of squid %s needs no account as far as the catalogue knows: pass account_id to attach one anyway", q.Id)
		}
		var fit []api.Account
		for a, err := range s.c.Accounts.All(ctx, api.ListAccountsOptions{Limit: api.MaxPageSize}) {
			if err != nil {
				return "", toolError(err, "call again, or pass account_id")
			}
			if a.Type == c.Account.Type && healthy(a) {
				fit = append(fit, a)
			}
		}
		switch len(fit) {
		case 0:
			return "", fmt.Errorf("no_account_available: %s needs a %s account and none is connected, healthy and unlocked. Next: connect one (lobstr accounts sync %s, or the dashboard), then call again", c.Slug, c.Account.Type, c.Account.Type)
		case 1:
			accountID = fit[0].Id
		default:
			return "", fmt.Errorf("multiple_accounts_available: %d %s accounts fit. Next: call list_accounts, pick one and call again with account_id", len(fit), c.Account.Type)
		}
	}
	if slices.Contains(have, accountID) {
		return accountID, nil
	}
	all := append(slices.Clone(have), accountID)
	if _, err := s.c.Squids.Update(ctx, q.Id, api.SquidUpdate{Accounts: api.NullableOf(all)}); err != nil {
		return "", toolError(fmt.Errorf("attaching account %s: %w", accountID, err), "check account_id with list_accounts and call again")
	}
	return accountID, nil
}

func (s *server) attachAccount(ctx context.Context, in AttachAccountIn) (SquidMade, error) {
	id, err := squidID(in.SquidID)
	if err != nil {
		return SquidMade{}, err
	}
	q, c, err := s.squidCrawler(ctx, id)
	if err != nil {
		return SquidMade{}, err
	}
	out := SquidMade{SquidID: id}
	if in.AccountID != "" {
		a, err := s.c.Accounts.Get(ctx, in.AccountID)
		if err != nil {
			return SquidMade{}, accountError(err)
		}
		if !healthy(*a) {
			out.Warning = fmt.Sprintf("account %s is %s (%s): runs may fail until it is synchronized again", a.Id, a.Status, a.StatusCodeInfo)
		}
	}
	acct, err := s.attach(ctx, q, c, in.AccountID)
	if err != nil {
		return SquidMade{}, err
	}
	if acct == "" {
		out.Accounts = squidAccounts(q)
		out.Next = "the squid uses an account already; pass account_id to add another"
		return out, nil
	}
	out.Accounts = append(squidAccounts(q), acct)
	out.Accounts = slices.Compact(slices.Sorted(slices.Values(out.Accounts)))
	out.Next = "run_scraper with squid_id=" + id
	return out, nil
}

func (s *server) emptyScraper(ctx context.Context, in SquidIn) (SquidMade, error) {
	id, err := squidID(in.SquidID)
	if err != nil {
		return SquidMade{}, err
	}
	r, err := s.c.Squids.Empty(ctx, id)
	if err != nil {
		return SquidMade{}, squidError(err)
	}
	n := r.DeletedCount
	return SquidMade{SquidID: id, Deleted: &n, Next: "add_tasks with new inputs, then run_scraper with squid_id=" + id}, nil
}

func (s *server) deactivateScraper(ctx context.Context, in SquidIn) (SquidMade, error) {
	id, err := squidID(in.SquidID)
	if err != nil {
		return SquidMade{}, err
	}
	q, err := s.c.Squids.Update(ctx, id, api.SquidUpdate{IsActive: api.Ptr(false)})
	if err != nil {
		return SquidMade{}, squidError(err)
	}
	active := q.IsActive
	return SquidMade{SquidID: id, Name: q.Name, IsActive: &active, Next: "the squid keeps its config and results; reactivate it from the dashboard (or lobstr squid update --active=true)"}, nil
}

func (s *server) addBuildTools(srv *mcp.Server) {
	addTool(s, srv, "create_squid",
		"Create a squid (a saved, configured instance of a crawler) without running it. config takes squid-level settings "+
			"and function toggles under functions, never task-level inputs (add_tasks takes those). Spends nothing.",
		s.createSquid)
	addTool(s, srv, "add_tasks",
		"Add task rows (objects of the crawler's task-level inputs) to a squid; callable repeatedly before a run. Spends nothing.",
		s.addTasks)
	addTool(s, srv, "update_scraper",
		"Change a squid's name, config (as create_squid's) and/or concurrency, without running it or touching its tasks. Pass at least one.",
		s.updateScraper)
	addTool(s, srv, "estimate_run",
		"An upper bound of the credits a run of a squid would cost, from the catalogue's prices, the squid's max_results and "+
			"functions and its tasks. Spends nothing.",
		s.estimateRun)
	addTool(s, srv, "run_scraper",
		"SPENDS CREDITS. Create/configure/add a task/run in one call (scraper + input), or run an existing squid again (squid_id). "+
			"Saved tasks are never replaced unless replace_tasks=true. The whole run is estimated first; above the threshold, "+
			"or when unknown, nothing starts and the answer is needs_confirmation: ask the user, then call again with confirm=true. "+
			"A squid of a crawler that needs a platform account gets the one healthy account attached, or pass account_id.",
		s.runScraper)
	addTool(s, srv, "attach_account",
		"Link a connected platform account to a squid; only ever adds to the accounts it uses. Without account_id, picks the "+
			"one healthy, unlocked account of the needed type when the squid has none.",
		s.attachAccount)
	addTool(s, srv, "empty_scraper",
		"Remove every task of a squid, keeping the squid and its config for new inputs. Does not delete the squid.",
		s.emptyScraper)
	addTool(s, srv, "deactivate_scraper",
		"Deactivate a squid, freeing its concurrency slot, without deleting it: config and results stay. Stops its run in progress.",
		s.deactivateScraper)
}
