package mcpserver

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/lobstr-go/lobstr/api"
	"github.com/lobstr-go/lobstr/api/apitest"
	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// testToken is the fake's token: no answer and no log line may hold it.
const testToken = "tok-3f9a1c77e2b04d51secret"

// syncBuffer is a log sink safe for the server's goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// harness is an MCP client session on a server on the fake.
type harness struct {
	t       *testing.T
	fake    *apitest.Server
	client  *api.Client
	cs      *mcp.ClientSession
	log     *syncBuffer
	largest int    // the largest answer's text, in bytes
	biggest string // the tool that gave it
	answers strings.Builder
}

func newHarness(t *testing.T, o Options, fopts ...apitest.Option) *harness {
	t.Helper()
	fopts = append([]apitest.Option{apitest.WithToken(testToken), apitest.WithRunLifecycle(apitest.RunLifecycle{Polls: 4})}, fopts...)
	fake := apitest.NewServer(t, fopts...)
	c, err := api.NewClient(api.WithBaseURL(fake.URL), api.WithToken(fake.Token), api.WithoutPacing())
	if err != nil {
		t.Fatal(err)
	}
	h := &harness{t: t, fake: fake, client: c, log: &syncBuffer{}}
	if o.PollInterval == 0 {
		o.PollInterval = time.Millisecond
	}
	o.Logger = slog.New(slog.NewTextHandler(h.log, &slog.HandlerOptions{Level: slog.LevelDebug}))
	srv := New(c, o)
	ct, st := mcp.NewInMemoryTransports()
	ctx := context.Background()
	ss, err := srv.Connect(ctx, st, nil)
	if err != nil {
		t.Fatal(err)
	}
	cs, err := mcp.NewClient(&mcp.Implementation{Name: "test", Version: "0"}, nil).Connect(ctx, ct, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cs.Close()
		ss.Wait()
		if strings.Contains(h.answers.String(), testToken) || strings.Contains(h.log.String(), testToken) {
			t.Error("the token is in an answer or in the log")
		}
	})
	h.cs = cs
	return h
}

// call calls a tool and returns its result, recording its size.
func (h *harness) call(name string, args any) *mcp.CallToolResult {
	h.t.Helper()
	res, err := h.cs.CallTool(context.Background(), &mcp.CallToolParams{Name: name, Arguments: args})
	if err != nil {
		h.t.Fatalf("%s: protocol error: %v", name, err)
	}
	for _, c := range res.Content {
		if tc, ok := c.(*mcp.TextContent); ok {
			h.answers.WriteString(tc.Text)
			if len(tc.Text) > h.largest {
				h.largest, h.biggest = len(tc.Text), name
			}
		}
	}
	return res
}

// ok calls a tool that must succeed and decodes its structured answer into out.
func (h *harness) ok(name string, args any, out any) {
	h.t.Helper()
	res := h.call(name, args)
	if res.IsError {
		h.t.Fatalf("%s(%v): tool error: %s", name, args, text(res))
	}
	if res.StructuredContent == nil {
		h.t.Fatalf("%s: no structured content", name)
	}
	b, err := json.Marshal(res.StructuredContent)
	if err != nil {
		h.t.Fatal(err)
	}
	if err := json.Unmarshal(b, out); err != nil {
		h.t.Fatalf("%s: %v in %s", name, err, b)
	}
	if text(res) == "" {
		h.t.Fatalf("%s: no text content", name)
	}
}

// fails calls a tool that must fail with a tool error holding every part of want.
func (h *harness) fails(name string, args any, want ...string) string {
	h.t.Helper()
	res := h.call(name, args)
	if !res.IsError {
		h.t.Fatalf("%s(%v): no tool error, answer %s", name, args, text(res))
	}
	msg := text(res)
	for _, w := range want {
		if !strings.Contains(msg, w) {
			h.t.Errorf("%s(%v): error %q lacks %q", name, args, msg, w)
		}
	}
	return msg
}

func text(res *mcp.CallToolResult) string {
	var sb strings.Builder
	for _, c := range res.Content {
		if tc, ok := c.(*mcp.TextContent); ok {
			sb.WriteString(tc.Text)
		}
	}
	return sb.String()
}

var allTools = []string{
	"search_scrapers", "get_scraper_details", "list_my_scrapers", "get_my_scraper",
	"create_squid", "add_tasks", "update_scraper", "estimate_run", "run_scraper", "attach_account",
	"empty_scraper", "deactivate_scraper", "get_run", "wait_for_run", "list_runs", "get_results",
	"get_results_url", "abort_run", "list_accounts", "get_account", "check_credits", "whoami",
}

func TestListsTheTwentyTwoTools(t *testing.T) {
	h := newHarness(t, Options{})
	res, err := h.cs.ListTools(context.Background(), nil)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, tool := range res.Tools {
		names = append(names, tool.Name)
		if len(tool.Description) < 40 {
			t.Errorf("%s: description %q is too thin for an agent", tool.Name, tool.Description)
		}
		in, _ := json.Marshal(tool.InputSchema)
		var schema struct {
			Type       string `json:"type"`
			Properties map[string]struct {
				Description string `json:"description"`
			} `json:"properties"`
			Required []string `json:"required"`
		}
		if err := json.Unmarshal(in, &schema); err != nil || schema.Type != "object" {
			t.Errorf("%s: input schema %s", tool.Name, in)
		}
		for p, d := range schema.Properties {
			if d.Description == "" {
				t.Errorf("%s: argument %s has no description", tool.Name, p)
			}
		}
		if tool.OutputSchema == nil {
			t.Errorf("%s: no output schema", tool.Name)
		}
	}
	slices.Sort(names)
	want := slices.Sorted(slices.Values(allTools))
	if !slices.Equal(names, want) {
		t.Errorf("tools %v\nwant %v", names, want)
	}
}

// TestWholeJob drives search, details, a run refused then confirmed, the wait, the results,
// the estimate, the runs and the credits, as an agent would.
func TestWholeJob(t *testing.T) {
	h := newHarness(t, Options{})

	var found SearchScrapersOut
	h.ok("search_scrapers", map[string]any{"query": "google maps leads"}, &found)
	if !slices.ContainsFunc(found.Results, func(s ScraperSummary) bool { return s.Slug == apitest.SeedCrawlerSlug }) {
		t.Fatalf("search_scrapers: %s not in %+v", apitest.SeedCrawlerSlug, found.Results)
	}
	var d ScraperDetails
	h.ok("get_scraper_details", map[string]any{"scraper": apitest.SeedCrawlerSlug}, &d)
	if d.ParamLevels["url"] != levelTask || d.ParamLevels["ratings"] != levelSquid || d.ParamLevels["max_results"] != levelSquid {
		t.Errorf("levels: %v", d.ParamLevels)
	}
	if d.RequiredAccountType != nil || d.CreditsPerRow != 2 || len(d.Columns) == 0 {
		t.Errorf("details: account %v, price %g, %d columns", d.RequiredAccountType, d.CreditsPerRow, len(d.Columns))
	}
	var ratings *InputDetail
	for i, in := range d.Inputs {
		if in.Name == "ratings" {
			ratings = &d.Inputs[i]
		}
	}
	if ratings == nil || len(ratings.Allowed) == 0 || ratings.Default != "Any rating" {
		t.Errorf("ratings: %+v", ratings)
	}
	// "country" is a task key and a squid setting: the setting has an alias.
	if d.ParamWireNames["squid_country"] != "country" || d.ParamLevels["squid_country"] != levelSquid {
		t.Errorf("aliases: %v", d.ParamWireNames)
	}

	input := map[string]any{"url": "https://www.google.com/maps/search/bakery/@43.29,5.36,14z", "max_results": 100, "ratings": "4.0+"}
	var asked RunScraperOut
	h.ok("run_scraper", map[string]any{"scraper": apitest.SeedCrawlerSlug, "input": input}, &asked)
	if !asked.NeedsConfirmation || asked.RunID != "" || !asked.Estimate.Known || *asked.Estimate.CreditsUpperBound < 200 {
		t.Fatalf("run_scraper without confirm: %+v", asked)
	}
	if !strings.Contains(asked.Estimate.Note, "upper bound") || !strings.Contains(asked.Next, "confirm=true") {
		t.Errorf("the answer does not say it is an upper bound and how to confirm: %+v", asked)
	}
	if n := h.fake.Requests("POST /v1/squids") + h.fake.Requests("POST /v1/runs"); n != 0 {
		t.Fatalf("run_scraper without confirm sent %d creating requests", n)
	}

	var started RunScraperOut
	h.ok("run_scraper", map[string]any{"scraper": apitest.SeedCrawlerSlug, "input": input, "confirm": true}, &started)
	if started.RunID == "" || started.SquidID == "" || started.TasksAction != "created" || *started.TaskCount != 1 || started.Remaining == nil {
		t.Fatalf("run_scraper: %+v", started)
	}
	var sq SquidOut
	h.ok("get_my_scraper", map[string]any{"squid_id": started.SquidID}, &sq)
	params := sq.Squid.(map[string]any)["params"].(map[string]any)
	if params["ratings"] != "4.0+" || params["max_results"] != float64(100) || params["url"] != nil || *sq.TaskCount != 1 {
		t.Errorf("the squid's params %v, %d tasks", params, *sq.TaskCount)
	}

	var v RunView
	for i := 0; i < 10 && !(v.Done && v.ExportDone != nil && *v.ExportDone); i++ {
		h.ok("wait_for_run", map[string]any{"run_id": started.RunID, "timeout_seconds": 50}, &v)
	}
	st, _ := h.fake.Run(started.RunID)
	if v.Status != "done" || !v.Done || v.TotalResults != st.Rows || st.Status != "done" {
		t.Fatalf("wait_for_run: %+v; the fake: %+v", v, st)
	}
	var rows GetResultsOut
	h.ok("get_results", map[string]any{"run_id": started.RunID, "page_size": 5}, &rows)
	if len(rows.Rows) != min(5, st.Rows) || rows.TotalResults != st.Rows || rows.Truncated {
		t.Errorf("get_results: %d rows, total %d, truncated %t; the run has %d", len(rows.Rows), rows.TotalResults, rows.Truncated, st.Rows)
	}
	if st.Rows > 5 && !strings.Contains(rows.Next, "page=2") {
		t.Errorf("get_results does not say how to page: %q", rows.Next)
	}
	var only GetResultsOut
	h.ok("get_results", map[string]any{"squid_id": started.SquidID, "fields": []string{"name"}}, &only)
	for _, r := range only.Rows {
		if len(r) != 1 || r["name"] == nil {
			t.Fatalf("fields=[name] gave %v", r)
		}
	}
	var u ResultsURLOut
	h.ok("get_results_url", map[string]any{"run_id": started.RunID}, &u)
	if !strings.HasPrefix(u.URL, "http") {
		t.Errorf("get_results_url: %q", u.URL)
	}
	var est Estimate
	h.ok("estimate_run", map[string]any{"squid_id": started.SquidID}, &est)
	if est.Tasks != 1 || *est.CreditsUpperBound != *started.Estimate.CreditsUpperBound {
		t.Errorf("estimate_run %+v, run_scraper's %+v", est, started.Estimate)
	}
	var runs ListRunsOut
	h.ok("list_runs", map[string]any{"squid_id": started.SquidID}, &runs)
	if len(runs.Runs) != 1 || runs.Runs[0].RunID != started.RunID {
		t.Errorf("list_runs: %+v", runs)
	}
	var credits Credits
	h.ok("check_credits", map[string]any{}, &credits)
	if credits.Remaining != credits.Available-credits.Consumed || credits.CreditsNote == "" {
		t.Errorf("check_credits: %+v", credits)
	}
	var me WhoAmI
	h.ok("whoami", map[string]any{}, &me)
	if me.Email == "" || me.ServerVersion != "dev" {
		t.Errorf("whoami: %+v", me)
	}
	var mine ListMyScrapersOut
	h.ok("list_my_scrapers", map[string]any{"crawler": apitest.SeedCrawlerSlug, "page_size": 100}, &mine)
	if !slices.ContainsFunc(mine.Squids, func(s SquidSummary) bool { return s.ID == started.SquidID && s.CrawlerSlug == apitest.SeedCrawlerSlug }) {
		t.Errorf("list_my_scrapers: %+v", mine)
	}
	t.Logf("largest answer: %d bytes (%s)", h.largest, h.biggest)
}

// TestExistingSquid builds a squid step by step, refuses to replace its tasks silently,
// replaces them when asked, and starts one run per idempotency key.
func TestExistingSquid(t *testing.T) {
	h := newHarness(t, Options{ConfirmAbove: 1e6})
	var made SquidMade
	h.ok("create_squid", map[string]any{"scraper": apitest.SeedCrawlerSlug, "name": "bakeries",
		"config": map[string]any{"max_results": 10, "functions": map[string]any{"extract_emails_from_website": true}}}, &made)
	id := made.SquidID
	h.fails("create_squid", map[string]any{"scraper": apitest.SeedCrawlerSlug, "config": map[string]any{"url": "x"}}, "task-level", "add_tasks")
	h.fails("create_squid", map[string]any{"scraper": apitest.SeedCrawlerSlug, "config": map[string]any{"extract_emails_from_website": true}}, "under functions")
	h.ok("add_tasks", map[string]any{"squid_id": id, "tasks": []any{
		map[string]any{"url": "https://www.google.com/maps/search/a"}, map[string]any{"city": "Marseille 13001", "category": "bakery"}}}, &made)
	if *made.Added != 2 {
		t.Fatalf("add_tasks: %+v", made)
	}
	h.fails("add_tasks", map[string]any{"squid_id": id, "tasks": []any{map[string]any{"ratings": "4.0+"}}}, "not a task-level input")
	h.ok("update_scraper", map[string]any{"squid_id": id, "name": "bakeries 2", "concurrency": 2, "config": map[string]any{"ratings": "4.5+"}}, &made)
	h.fails("update_scraper", map[string]any{"squid_id": id}, "nothing to change")

	one := map[string]any{"url": "https://www.google.com/maps/search/only-this"}
	msg := h.fails("run_scraper", map[string]any{"squid_id": id, "input": one}, "squid_has_tasks", "replace_tasks=true", "nothing was written")
	if n, _ := h.tasks(id); n != 2 || h.fake.Requests("POST /v1/runs") != 0 {
		t.Fatalf("after %q: %d tasks, %d runs", msg, n, h.fake.Requests("POST /v1/runs"))
	}
	var r RunScraperOut
	h.ok("run_scraper", map[string]any{"squid_id": id, "input": one, "replace_tasks": true, "idempotency_key": "k1"}, &r)
	if r.TasksAction != "replaced" || *r.TaskCount != 1 || r.RunID == "" {
		t.Fatalf("replace: %+v", r)
	}
	if n, urls := h.tasks(id); n != 1 || urls[0] != one["url"] {
		t.Fatalf("after replace: %d tasks %v", n, urls)
	}
	var again RunScraperOut
	h.ok("run_scraper", map[string]any{"squid_id": id, "idempotency_key": "k1"}, &again)
	if again.RunID != r.RunID || h.fake.Requests("POST /v1/runs") != 1 {
		t.Fatalf("the same idempotency key started another run: %+v, %d runs", again, h.fake.Requests("POST /v1/runs"))
	}

	var emptied SquidMade
	h.ok("empty_scraper", map[string]any{"squid_id": id}, &emptied)
	if n, _ := h.tasks(id); n != 0 || *emptied.Deleted != 1 {
		t.Errorf("empty_scraper: %+v, %d left", emptied, n)
	}
	h.fails("run_scraper", map[string]any{"squid_id": id}, "holds no task")
	var off SquidMade
	h.ok("deactivate_scraper", map[string]any{"squid_id": id}, &off)
	if off.IsActive == nil || *off.IsActive {
		t.Errorf("deactivate_scraper: %+v", off)
	}
}

// TestReplaceRestoresTasks: a run the API refuses after the tasks were replaced puts the
// saved tasks back.
func TestReplaceRestoresTasks(t *testing.T) {
	h := newHarness(t, Options{ConfirmAbove: 1e6}, apitest.WithRunLifecycle(apitest.RunLifecycle{Duration: time.Hour}))
	var made SquidMade
	h.ok("create_squid", map[string]any{"scraper": apitest.SeedCrawlerSlug, "config": map[string]any{"max_results": 5}}, &made)
	id := made.SquidID
	h.ok("add_tasks", map[string]any{"squid_id": id, "tasks": []any{map[string]any{"url": "https://a"}, map[string]any{"url": "https://b"}}}, &made)
	var first RunScraperOut
	h.ok("run_scraper", map[string]any{"squid_id": id}, &first) // active for an hour: a second start is refused
	h.fails("run_scraper", map[string]any{"squid_id": id, "input": map[string]any{"url": "https://new"}, "replace_tasks": true}, "request_state: rejected", "restored")
	n, urls := h.tasks(id)
	slices.Sort(urls)
	if n != 2 || !slices.Equal(urls, []string{"https://a", "https://b"}) {
		t.Fatalf("after a refused run: %d tasks %v, want the two saved ones", n, urls)
	}
}

// tasks lists a squid's tasks' urls through the client.
func (h *harness) tasks(squid string) (int, []string) {
	h.t.Helper()
	var urls []string
	seen := map[string]bool{}
	for _, kind := range []string{"url", "params"} {
		for task, err := range h.client.Tasks.All(context.Background(), api.ListTasksOptions{Squid: squid, Type: kind}) {
			if err != nil {
				h.t.Fatal(err)
			}
			if seen[task.Id] { // the fake lists every task under both kinds
				continue
			}
			seen[task.Id] = true
			u, _ := task.Params["url"].(string)
			urls = append(urls, u)
		}
	}
	return len(urls), urls
}

// TestWaitCapAndAbort: a long run makes wait_for_run say still_running; abort_run stops it.
func TestWaitCapAndAbort(t *testing.T) {
	h := newHarness(t, Options{ConfirmAbove: 1e6}, apitest.WithRunLifecycle(apitest.RunLifecycle{Duration: time.Hour}))
	var r RunScraperOut
	h.ok("run_scraper", map[string]any{"scraper": apitest.SeedCrawlerSlug, "input": map[string]any{"url": "https://x", "max_results": 3}}, &r)
	var v RunView
	h.ok("wait_for_run", map[string]any{"run_id": r.RunID, "timeout_seconds": 1}, &v)
	if v.Status != "still_running" || !v.TimedOut || v.Done || !strings.Contains(v.Next, "wait_for_run") {
		t.Fatalf("wait_for_run on a long run: %+v", v)
	}
	h.ok("abort_run", map[string]any{"run_id": r.RunID}, &v)
	if st, _ := h.fake.Run(r.RunID); st.Status == "running" || st.Status == "pending" {
		t.Fatalf("after abort_run the fake says %+v", st)
	}
	h.ok("get_run", map[string]any{"run_id": r.RunID, "full": true}, &v)
	if v.RunID != r.RunID || v.Raw == nil {
		t.Errorf("get_run: %+v", v)
	}
}

// TestWaitCapIsFifty: whatever is asked, one wait is at most MaxWait.
func TestWaitCapIsFifty(t *testing.T) {
	if MaxWait != 50*time.Second {
		t.Fatalf("MaxWait %v", MaxWait)
	}
	h := newHarness(t, Options{})
	h.fails("wait_for_run", map[string]any{"run_id": apitest.SeedRunHash, "timeout_seconds": -1}, "timeout_seconds")
	var v RunView
	h.ok("wait_for_run", map[string]any{"run_id": apitest.SeedRunHash, "timeout_seconds": 100000}, &v)
	if !v.Done || v.Status != "done" {
		t.Errorf("a done run: %+v", v)
	}
}

func TestToolErrors(t *testing.T) {
	h := newHarness(t, Options{})
	unknownRun := "0123456789abcdef0123456789abcdef"
	h.fails("get_run", map[string]any{"run_id": unknownRun}, "list_runs")
	h.fails("wait_for_run", map[string]any{"run_id": unknownRun}, "list_runs")
	h.fails("abort_run", map[string]any{"run_id": unknownRun}, "list_runs")
	h.fails("get_results_url", map[string]any{"run_id": unknownRun})
	h.fails("get_run", map[string]any{"run_id": "not-a-run"}, "run_id")
	h.fails("get_run", map[string]any{}, "run_id")              // missing: the schema says required
	h.fails("get_scraper_details", map[string]any{}, "scraper") // missing
	h.fails("get_scraper_details", map[string]any{"scraper": "no-such"}, "search_scrapers")
	h.fails("run_scraper", map[string]any{"scraper": "no-such-crawler", "input": map[string]any{"url": "x"}}, "search_scrapers")
	h.fails("create_squid", map[string]any{"scraper": "no-such-crawler"}, "search_scrapers")
	h.fails("run_scraper", map[string]any{}, "scraper", "squid_id")
	h.fails("run_scraper", map[string]any{"scraper": apitest.SeedCrawlerSlug, "input": map[string]any{"max_results": 1}}, "no task-level input")
	h.fails("run_scraper", map[string]any{"scraper": apitest.SeedCrawlerSlug, "input": map[string]any{"url": "x", "bogus": 1}}, "bogus", "task inputs")
	h.fails("run_scraper", map[string]any{"scraper": apitest.SeedCrawlerSlug, "input": map[string]any{"url": "x", "functions": map[string]any{"nope": true}}}, "no such function")
	h.fails("run_scraper", map[string]any{"scraper": apitest.SeedCrawlerSlug, "replace_tasks": true}, "replace_tasks")
	h.fails("get_results", map[string]any{}, "run_id or squid_id")
	h.fails("get_results", map[string]any{"run_id": apitest.SeedRunHash, "page_size": 1000}, "page_size")
	h.fails("get_results", map[string]any{"run_id": apitest.SeedRunHash, "page": 1000}, "past the last page")
	h.fails("search_scrapers", map[string]any{"query": "  "}, "query is empty")
	h.fails("get_my_scraper", map[string]any{"squid_id": "nosuchsquid"}, "list_my_scrapers")
	h.fails("empty_scraper", map[string]any{"squid_id": ""}, "squid_id is empty")
	h.fails("list_runs", map[string]any{"squid_id": "nosuchsquid", "limit": 500}, "limit")
	h.fails("add_tasks", map[string]any{"squid_id": "x", "tasks": []any{}}, "tasks is empty")
	h.fails("get_account", map[string]any{"account_id": "0123456789abcdef0123456789abcdef"}, "list_accounts")
	h.fails("list_my_scrapers", map[string]any{"crawler": "no-such-crawler"}, "search_scrapers")
	h.fails("list_accounts", map[string]any{"page": -1}, "page")

	// A refused token is a tool error that says what to do, not a crash.
	bad, err := api.NewClient(api.WithBaseURL(h.fake.URL), api.WithToken("wrong-token"), api.WithoutPacing())
	if err != nil {
		t.Fatal(err)
	}
	ct, st := mcp.NewInMemoryTransports()
	ss, _ := New(bad, Options{}).Connect(context.Background(), st, nil)
	cs, _ := mcp.NewClient(&mcp.Implementation{Name: "t", Version: "0"}, nil).Connect(context.Background(), ct, nil)
	defer func() { cs.Close(); ss.Wait() }()
	res, err := cs.CallTool(context.Background(), &mcp.CallToolParams{Name: "whoami", Arguments: map[string]any{}})
	if err != nil || !res.IsError || !strings.Contains(text(res), "token was refused") || strings.Contains(text(res), "wrong-token") {
		t.Errorf("a refused token: %v %+v", err, res)
	}
	// The server still answers after every error above.
	var found SearchScrapersOut
	h.ok("search_scrapers", map[string]any{"query": "maps"}, &found)
	if len(found.Results) == 0 {
		t.Error("search_scrapers after the errors found nothing")
	}
}

func TestSearchSimilar(t *testing.T) {
	h := newHarness(t, Options{})
	var out SearchScrapersOut
	h.ok("search_scrapers", map[string]any{"query": "google zzzunknownword"}, &out)
	if len(out.Results) != 0 || len(out.Similar) == 0 || len(out.Similar) > 5 {
		t.Fatalf("similar: %+v", out)
	}
	for _, s := range out.Similar {
		if !slices.Equal(s.Missing, []string{"zzzunknownword"}) || !slices.Equal(s.Matched, []string{"google"}) {
			t.Errorf("similar %s: matched %v missing %v", s.Slug, s.Matched, s.Missing)
		}
	}
	var all SearchScrapersOut
	h.ok("search_scrapers", map[string]any{"full": true}, &all)
	if len(all.Results) != all.Total || all.Total < 50 {
		t.Errorf("full: %d of %d", len(all.Results), all.Total)
	}
}

// TestResultsCap: a page over the byte cap is cut to fit and says how to go on.
func TestResultsCap(t *testing.T) {
	const capBytes = 4000
	h := newHarness(t, Options{ConfirmAbove: 1e6, MaxAnswerBytes: capBytes}, apitest.WithRunLifecycle(apitest.RunLifecycle{Polls: 3, Rows: 300}))
	var r RunScraperOut
	h.ok("run_scraper", map[string]any{"scraper": apitest.SeedCrawlerSlug, "input": map[string]any{"url": "https://x"}, "confirm": true}, &r)
	var v RunView
	for i := 0; i < 10 && !v.Done; i++ {
		h.ok("wait_for_run", map[string]any{"run_id": r.RunID}, &v)
	}
	res := h.call("get_results", map[string]any{"run_id": r.RunID, "page_size": 100, "full": true})
	var out GetResultsOut
	b, _ := json.Marshal(res.StructuredContent)
	if err := json.Unmarshal(b, &out); err != nil || res.IsError {
		t.Fatalf("get_results: %v %s", err, text(res))
	}
	if len(text(res)) > capBytes || len(b) > capBytes {
		t.Errorf("answer of %d bytes over the cap of %d", len(text(res)), capBytes)
	}
	if !out.Truncated || len(out.Rows) == 0 || len(out.Rows) >= 100 || out.TotalResults != 300 || !strings.Contains(out.Next, "page_size=") {
		t.Errorf("cut page: %d rows, truncated %t, total %d, next %q", len(out.Rows), out.Truncated, out.TotalResults, out.Next)
	}
	// One row wider than the cap: its values are cut.
	h2 := newHarness(t, Options{ConfirmAbove: 1e6, MaxAnswerBytes: 1000}, apitest.WithRunLifecycle(apitest.RunLifecycle{Polls: 3, Rows: 3}))
	h2.ok("run_scraper", map[string]any{"scraper": apitest.SeedCrawlerSlug, "input": map[string]any{"url": "https://x"}, "confirm": true}, &r)
	v = RunView{}
	for i := 0; i < 10 && !v.Done; i++ {
		h2.ok("wait_for_run", map[string]any{"run_id": r.RunID}, &v)
	}
	res = h2.call("get_results", map[string]any{"run_id": r.RunID, "full": true})
	if res.IsError || len(text(res)) > 1000 {
		t.Errorf("a wide row: %d bytes, error %t", len(text(res)), res.IsError)
	}
}

func TestAccounts(t *testing.T) {
	h := newHarness(t, Options{ConfirmAbove: 1e6})
	var list ListAccountsOut
	h.ok("list_accounts", map[string]any{"platform": "twitter"}, &list)
	healthyTwitter := 0
	for _, a := range list.Accounts {
		if a.Type != "twitter-sync" {
			t.Errorf("list_accounts platform=twitter gave %+v", a)
		}
		if a.Healthy {
			healthyTwitter++
		}
	}
	if !slices.ContainsFunc(list.Accounts, func(a AccountView) bool { return a.ID == apitest.SeedAccount }) {
		t.Fatalf("list_accounts: %+v", list)
	}
	var a AccountView
	h.ok("get_account", map[string]any{"account_id": apitest.SeedAccount}, &a)
	if a.ID != apitest.SeedAccount {
		t.Errorf("get_account: %+v", a)
	}
	var made SquidMade
	h.ok("create_squid", map[string]any{"scraper": "twitter-followers-following-scraper"}, &made)
	var att SquidMade
	res := h.call("attach_account", map[string]any{"squid_id": made.SquidID})
	b, _ := json.Marshal(res.StructuredContent)
	_ = json.Unmarshal(b, &att)
	switch {
	case healthyTwitter > 1 && !strings.Contains(text(res), "multiple_accounts_available"):
		t.Errorf("attach_account with %d healthy accounts: %s", healthyTwitter, text(res))
	case healthyTwitter == 1 && (res.IsError || len(att.Accounts) != 1):
		t.Errorf("attach_account with one healthy account: %s", text(res))
	case healthyTwitter == 0 && !strings.Contains(text(res), "no_account_available"):
		t.Errorf("attach_account with no healthy account: %s", text(res))
	}
	h.ok("attach_account", map[string]any{"squid_id": made.SquidID, "account_id": apitest.SeedAccount}, &att)
	if !slices.Contains(att.Accounts, apitest.SeedAccount) {
		t.Errorf("attach_account explicit: %+v", att)
	}
	var sq SquidOut
	h.ok("get_my_scraper", map[string]any{"squid_id": made.SquidID}, &sq)
	if b, _ := json.Marshal(sq); !strings.Contains(string(b), apitest.SeedAccount) {
		t.Errorf("the squid does not use the account: %s", b)
	}
}

// TestNoSecretInAnswers: a squid's S3 secret key is redacted in get_my_scraper.
func TestNoSecretInAnswers(t *testing.T) {
	h := newHarness(t, Options{})
	const secret = "s3-secret-9b1f0c2e"
	var made SquidMade
	h.ok("create_squid", map[string]any{"scraper": apitest.SeedCrawlerSlug}, &made)
	if _, err := h.client.Delivery.S3(context.Background(), made.SquidID, api.S3Options{Bucket: "b", TargetPath: "p", AccessKey: "AKIA", SecretKey: api.Secret(secret)}); err != nil {
		t.Fatal(err)
	}
	res := h.call("get_my_scraper", map[string]any{"squid_id": made.SquidID})
	if res.IsError || strings.Contains(text(res), secret) {
		t.Errorf("get_my_scraper shows the secret or failed: %s", text(res))
	}
	if !strings.Contains(h.log.String(), "tool=get_my_scraper") {
		t.Errorf("no log line for the call: %s", h.log.String())
	}
}

func FuzzSplitInput(f *testing.F) {
	f.Add(`{"url":"x","max_results":3,"functions":{"extract_emails_from_website":true}}`)
	f.Add(`{"squid_country":"France","country":"France"}`)
	f.Add(`{"functions":[1]}`)
	c, _ := findCrawler(apitest.SeedCrawlerSlug)
	f.Fuzz(func(t *testing.T, s string) {
		var in map[string]any
		if json.Unmarshal([]byte(s), &in) != nil {
			return
		}
		squid, task, err := splitInput(c, in, true)
		if err != nil {
			return
		}
		if len(squid)+len(task) != len(in) {
			t.Fatalf("%s: %d keys in, %d squid + %d task out", s, len(in), len(squid), len(task))
		}
		for k := range task {
			if l, _ := levelOf(c, k); l != levelTask {
				t.Fatalf("%s: %s sorted as a task key", s, k)
			}
		}
		e := estimate(c, squid, 1)
		if e.Known && (*e.CreditsUpperBound < 0 && *e.MaxResultsPerTask >= 0) {
			t.Fatalf("%s: estimate %+v", s, e)
		}
	})
}

// TestSchemasHaveNoBooleanSchemas: a property whose schema is a bare true (an `any` field
// without a description) is valid JSON Schema, but the TypeScript SDK's clients (the MCP
// Inspector among them) refuse the whole tool list over it. additionalProperties may be a
// boolean.
func TestSchemasHaveNoBooleanSchemas(t *testing.T) {
	h := newHarness(t, Options{})
	res, err := h.cs.ListTools(context.Background(), nil)
	if err != nil {
		t.Fatal(err)
	}
	var walk func(path string, v any)
	walk = func(path string, v any) {
		switch x := v.(type) {
		case bool:
			t.Errorf("%s is the boolean schema %t", path, x)
		case map[string]any:
			for _, k := range []string{"properties", "$defs", "definitions"} {
				if m, ok := x[k].(map[string]any); ok {
					for name, sub := range m {
						walk(path+"."+name, sub)
					}
				}
			}
			if sub, ok := x["items"]; ok {
				walk(path+".items", sub)
			}
			if sub, ok := x["additionalProperties"].(map[string]any); ok {
				walk(path+".additionalProperties", sub)
			}
		}
	}
	for _, tool := range res.Tools {
		for kind, s := range map[string]any{"in": tool.InputSchema, "out": tool.OutputSchema} {
			b, _ := json.Marshal(s)
			var v any
			if err := json.Unmarshal(b, &v); err != nil {
				t.Fatal(err)
			}
			walk(tool.Name+"."+kind, v)
		}
	}
}

// TestDetailsSizes: get_scraper_details of every crawler of the catalogue, with and
// without full, stays under twice the get_results cap; the largest is logged.
func TestDetailsSizes(t *testing.T) {
	const maxDetailsBytes = 2 * DefaultMaxAnswerBytes
	h := newHarness(t, Options{})
	var all SearchScrapersOut
	h.ok("search_scrapers", map[string]any{"full": true}, &all)
	for _, full := range []bool{false, true} {
		largest, which := 0, ""
		for _, s := range all.Results {
			res := h.call("get_scraper_details", map[string]any{"scraper": s.Slug, "full": full})
			if res.IsError {
				t.Fatalf("%s: %s", s.Slug, text(res))
			}
			if n := len(text(res)); n > largest {
				largest, which = n, s.Slug
			}
		}
		if largest > maxDetailsBytes {
			t.Errorf("get_scraper_details full=%t of %s: %d bytes, over %d", full, which, largest, maxDetailsBytes)
		}
		t.Logf("get_scraper_details full=%t: largest %d bytes (%s)", full, largest, which)
	}
	var d ScraperDetails
	h.ok("get_scraper_details", map[string]any{"scraper": "lacentrale-cars-scraper", "full": true}, &d)
	if d.Examples != nil || !strings.HasPrefix(d.Next, "left out to stay under") {
		t.Errorf("a full answer over the cap: examples %v, next %q", d.Examples != nil, d.Next)
	}
	t.Logf("search_scrapers full=true: %d bytes", len(text(h.call("search_scrapers", map[string]any{"full": true}))))
}

// TestDroppedStart: a connection dropped while starting a run is a tool error that says
// the request may have gone out and how to check before retrying.
func TestDroppedStart(t *testing.T) {
	h := newHarness(t, Options{ConfirmAbove: 1e6})
	h.fake.Script("POST", "/v1/runs", apitest.Fault{Drop: true})
	h.fails("run_scraper", map[string]any{"scraper": apitest.SeedCrawlerSlug, "input": map[string]any{"url": "https://x", "max_results": 1}},
		"request_state: unknown", "list_runs with squid_id=", "twice")
	if n := h.fake.Requests("POST /v1/runs"); n != 1 {
		t.Errorf("%d starts sent, want 1 (never retried)", n)
	}
}
