package apitest

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/lobstr-go/lobstr/catalog"
)

// newSquid makes a squid on the seed crawler, saves its params and adds n url tasks.
func newSquid(t *testing.T, srv *Server, name string, n int) string {
	t.Helper()
	r := postJSON(t, srv, "/v1/squids", map[string]any{"crawler": SeedCrawlerID, "name": name})
	if r.status != 200 {
		t.Fatalf("create squid: %d %s", r.status, r.body)
	}
	id := decode[map[string]any](t, r)["id"].(string)
	if r := postJSON(t, srv, "/v1/squids/"+id, map[string]any{"params": map[string]any{"max_results": nil}}); r.status != 200 {
		t.Fatalf("update squid: %d %s", r.status, r.body)
	}
	if n > 0 {
		tasks := make([]map[string]any, n)
		for i := range tasks {
			tasks[i] = map[string]any{"url": "https://www.google.com/maps/search/restaurant/@43.29,5.36," + strconv.Itoa(i) + "z"}
		}
		if r := postJSON(t, srv, "/v1/tasks", map[string]any{"squid": id, "tasks": tasks}); r.status != 200 {
			t.Fatalf("add tasks: %d %s", r.status, r.body)
		}
	}
	return id
}

func startRun(t *testing.T, srv *Server, squid string) map[string]any {
	t.Helper()
	r := postJSON(t, srv, "/v1/runs", map[string]any{"squid": squid})
	if r.status != 200 {
		t.Fatalf("start run: %d %s", r.status, r.body)
	}
	return decode[map[string]any](t, r)
}

// fetchFile gets a URL of the file host with a plain client, with an Authorization header
// when auth is not empty.
func fetchFile(t *testing.T, srv *Server, link, auth string) (int, []byte) {
	t.Helper()
	req, err := http.NewRequest("GET", link, nil)
	if err != nil {
		t.Fatal(err)
	}
	if auth != "" {
		req.Header.Set("Authorization", auth)
	}
	resp, err := srv.Client().Do(req)
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

func downloadURL(t *testing.T, srv *Server, run, query string) string {
	t.Helper()
	r := get(t, srv, "/v1/runs/"+run+"/download"+query)
	if r.status != 200 {
		t.Fatalf("download: %d %s", r.status, r.body)
	}
	return decode[map[string]string](t, r)["s3"]
}

// allResults pages through Get Results with the given filter and page-size parameter.
func allResults(t *testing.T, srv *Server, filter, sizeName string) []map[string]json.RawMessage {
	t.Helper()
	var rows []map[string]json.RawMessage
	for page := 1; ; page++ {
		r := get(t, srv, "/v1/results?"+filter+"&page="+strconv.Itoa(page)+"&"+sizeName+"=100")
		if r.status != 200 {
			t.Fatalf("results page %d: %d %s", page, r.status, r.body)
		}
		var p struct {
			Data       []map[string]json.RawMessage `json:"data"`
			TotalPages int                          `json:"total_pages"`
			Next       *string                      `json:"next"`
		}
		if err := json.Unmarshal(r.body, &p); err != nil {
			t.Fatal(err)
		}
		rows = append(rows, p.Data...)
		if p.Next != nil && !strings.Contains(*p.Next, sizeName+"=100") {
			t.Errorf("next link %q does not keep %s", *p.Next, sizeName)
		}
		if page >= p.TotalPages {
			return rows
		}
	}
}

// TestRunLifecycleToDownload goes from the crawler to a downloaded file: squid, params,
// tasks, run, stats at every step, the export, the file host's checks, and the results
// equal to the file's rows.
func TestRunLifecycleToDownload(t *testing.T) {
	srv := NewServer(t, WithRunLifecycle(RunLifecycle{Polls: 7}))
	if r := get(t, srv, "/v1/crawlers/"+SeedCrawlerID); r.status != 200 || decode[map[string]any](t, r)["slug"] != SeedCrawlerSlug {
		t.Fatalf("crawler: %d %s", r.status, r.body)
	}
	squid := newSquid(t, srv, "leads", 25)
	run := startRun(t, srv, squid)
	id := run["id"].(string)
	if run["status"] != "pending" || run["is_done"] != false || run["export_done"] != nil {
		t.Errorf("started run: %v", run)
	}
	r := postJSON(t, srv, "/v1/runs", map[string]any{"squid": squid})
	expect(t, "second start", r, 400, string(fixture("docs/start-run.400.json")))
	if r := get(t, srv, "/v1/runs/"+id+"/download"); r.status != 404 {
		t.Errorf("download before the export: %d %s", r.status, r.body)
	}

	var seen []string
	lastDone := -1
	for poll := 1; poll <= 7; poll++ {
		r := get(t, srv, "/v1/runs/"+id+"/stats")
		if r.status != 200 {
			t.Fatalf("stats: %d %s", r.status, r.body)
		}
		st := decode[map[string]any](t, r)
		done := int(st["total_tasks_done"].(float64))
		if done < lastDone {
			t.Errorf("poll %d: tasks done went back from %d to %d", poll, lastDone, done)
		}
		lastDone = done
		if st["total_tasks"].(float64) != 25 || int(st["total_tasks_left"].(float64)) != 25-done {
			t.Errorf("poll %d: tasks %v left %v done %d", poll, st["total_tasks"], st["total_tasks_left"], done)
		}
		if want := strconv.Itoa(done*100/25) + "%"; st["percent_done"] != want {
			t.Errorf("poll %d: percent_done %v, want %s", poll, st["percent_done"], want)
		}
		state, _ := srv.Run(id)
		if int(st["results_done"].(float64)) != state.Rows || int(st["total_results"].(float64)) != state.Rows {
			t.Errorf("poll %d: results %v, want %d", poll, st["results_done"], state.Rows)
		}
		seen = append(seen, state.Status)
	}
	want := []string{"pending", "running", "running", "running", "running", "uploading", "done"}
	if strings.Join(seen, ",") != strings.Join(want, ",") {
		t.Errorf("states %v, want %v", seen, want)
	}
	got := decode[map[string]any](t, get(t, srv, "/v1/runs/"+id))
	if got["status"] != "done" || got["export_done"] != true || got["done_reason"] != "tasks_done" || got["is_done"] != true {
		t.Errorf("finished run: %v", got)
	}
	state, _ := srv.Run(id)
	if state.Rows != state.TotalRows || state.Rows == 0 || int(got["total_results"].(float64)) != state.Rows {
		t.Errorf("rows %d of %d, total_results %v", state.Rows, state.TotalRows, got["total_results"])
	}

	link := downloadURL(t, srv, id, "")
	u, _ := url.Parse(link)
	if !strings.HasPrefix(u.Path, "/files/") || u.Query().Get("sig") == "" || u.Query().Get("expires") == "" {
		t.Fatalf("download URL %s", link)
	}
	if code, body := fetchFile(t, srv, link, "Token "+srv.Token); code != 403 || !bytes.Contains(body, []byte("AccessDenied")) {
		t.Errorf("file with a token: %d %s", code, body)
	}
	q := u.Query()
	q.Set("sig", strings.Repeat("0", 64))
	bad := *u
	bad.RawQuery = q.Encode()
	if code, body := fetchFile(t, srv, bad.String(), ""); code != 403 || !bytes.Contains(body, []byte("SignatureDoesNotMatch")) {
		t.Errorf("file with a bad signature: %d %s", code, body)
	}
	q = u.Query()
	q.Set("expires", strconv.FormatInt(time.Now().Add(time.Hour).Unix(), 10))
	longer := *u
	longer.RawQuery = q.Encode()
	if code, _ := fetchFile(t, srv, longer.String(), ""); code != 403 {
		t.Errorf("file with a changed expiry: %d, want 403", code)
	}
	code, body := fetchFile(t, srv, link, "")
	if code != 200 {
		t.Fatalf("file: %d %s", code, body)
	}
	records, err := csv.NewReader(bytes.NewReader(body)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	header := records[0]
	// id, object, squid, run, every documented column (scraping_time among them, where the
	// seed crawler documents it), else scraping_time last.
	wantHeader := []string{"id", "object", "squid", "run"}
	for _, c := range catalog.ByID(SeedCrawlerID).Columns {
		wantHeader = append(wantHeader, c.Name)
	}
	if !slices.Contains(wantHeader, "scraping_time") {
		wantHeader = append(wantHeader, "scraping_time")
	}
	if !slices.Equal(header, wantHeader) {
		t.Errorf("CSV header\n%v\nwant\n%v", header, wantHeader)
	}
	if len(records)-1 != state.Rows {
		t.Errorf("CSV rows %d, want %d", len(records)-1, state.Rows)
	}
	if fs := srv.FileRequests(); fs.WithAuthorization != 1 || fs.Requests != 4 || fs.Served != 1 {
		t.Errorf("file requests %+v", fs)
	}

	var runRows []map[string]json.RawMessage // the run's rows by page_size, for the JSON files below
	for _, filter := range []string{"run=" + id, "squid=" + squid} {
		for _, sizeName := range []string{"page_size", "limit"} {
			rows := allResults(t, srv, filter, sizeName)
			if filter == "run="+id && sizeName == "page_size" {
				runRows = rows
			}
			if len(rows) != len(records)-1 {
				t.Fatalf("%s %s: %d rows, the file has %d", filter, sizeName, len(rows), len(records)-1)
			}
			for i, row := range rows {
				for j, name := range header {
					var text string
					raw := row[name]
					if err := json.Unmarshal(raw, &text); err != nil {
						text = string(raw) // a number or a boolean: its JSON is its CSV text
					}
					if text != records[i+1][j] {
						t.Fatalf("%s row %d column %s: results %s, file %q", filter, i, name, raw, records[i+1][j])
					}
				}
			}
		}
	}

	// The JSON and JSONL files hold the same rows, value for value.
	rows := runRows
	_, jsonBody := fetchFile(t, srv, downloadURL(t, srv, id, "?file_format=json"), "")
	var fromJSON []map[string]json.RawMessage
	if err := json.Unmarshal(jsonBody, &fromJSON); err != nil {
		t.Fatal(err)
	}
	_, jsonl := fetchFile(t, srv, downloadURL(t, srv, id, "?file_format=jsonl"), "")
	lines := bytes.Split(bytes.TrimSpace(jsonl), []byte("\n"))
	if len(fromJSON) != len(rows) || len(lines) != len(rows) {
		t.Fatalf("json %d, jsonl %d, results %d rows", len(fromJSON), len(lines), len(rows))
	}
	for i := range rows {
		var line map[string]json.RawMessage
		if err := json.Unmarshal(lines[i], &line); err != nil {
			t.Fatal(err)
		}
		a, _ := json.Marshal(rows[i])
		b, _ := json.Marshal(fromJSON[i])
		c, _ := json.Marshal(line)
		if !bytes.Equal(a, b) || !bytes.Equal(a, c) {
			t.Fatalf("row %d: results %s, json %s, jsonl %s", i, a, b, c)
		}
	}
	// fields keeps some columns.
	_, some := fetchFile(t, srv, downloadURL(t, srv, id, "?fields=id,name"), "")
	if first, _, _ := strings.Cut(string(some), "\n"); first != "id,name" {
		t.Errorf("fields=id,name: header %q", first)
	}

	// Every task is reported completed with its rows; the run lists first under its squid.
	rt := decode[map[string]any](t, get(t, srv, "/v1/runtasks?run="+id+"&limit=100"))
	total := 0
	for _, x := range rt["data"].([]any) {
		m := x.(map[string]any)
		if m["status"] != "completed" || m["last_result"] != m["total_results"] || m["ended_at"] == nil {
			t.Errorf("runtask %v", m)
		}
		total += int(m["last_result"].(float64))
	}
	if rt["total_results"] != 25.0 || total != state.Rows {
		t.Errorf("runtasks: %v tasks, %d rows", rt["total_results"], total)
	}
	runs := decode[map[string]any](t, get(t, srv, "/v1/runs?squid="+squid))
	if runs["total_results"] != 1.0 || runs["data"].([]any)[0].(map[string]any)["id"] != id {
		t.Errorf("list runs: %v", runs)
	}
	cr := decode[map[string]any](t, get(t, srv, "/v1/runs/"+id+"/credits"))
	if cr["total_results"] != float64(state.Rows) || cr["total_credits"].(float64) <= 0 {
		t.Errorf("credits: %v", cr)
	}
	sq := decode[map[string]any](t, get(t, srv, "/v1/squids/"+squid))
	if sq["last_run"] != id || sq["last_run_status"] != "DONE" || sq["total_runs"] != 1.0 || sq["is_ready"] != true {
		t.Errorf("squid after its run: %v", sq)
	}
	// A second run may start now.
	startRun(t, srv, squid)
}

// TestRunOverTime moves a run with time alone (the default lifecycle of `lobstr mock`). It
// runs in a synctest bubble, through the fake's handler: the run's time is the bubble's
// clock, so it is not done a nanosecond before its duration and is done at it.
func TestRunOverTime(t *testing.T) {
	New() // the package's lazily built state (the document, the catalogue), outside the bubble
	synctest.Test(t, func(t *testing.T) {
		const d = 300 * time.Millisecond
		f := New(WithViolationHandler(func(v Violation) { t.Errorf("apitest: %v", v) }), WithRunLifecycle(RunLifecycle{Duration: d, Rows: 50}))
		f.AddSquid("timed")
		tasks := []map[string]any{}
		for i := range 3 {
			tasks = append(tasks, map[string]any{"url": "https://www.google.com/maps/search/restaurant/@43.29,5.36," + strconv.Itoa(i) + "z"})
		}
		if r := directJSON(t, f, "POST", "/v1/tasks", map[string]any{"squid": "timed", "tasks": tasks}); r.status != 200 {
			t.Fatalf("add tasks: %d %s", r.status, r.body)
		}
		r := directJSON(t, f, "POST", "/v1/runs", map[string]any{"squid": "timed"})
		if r.status != 200 {
			t.Fatalf("start run: %d %s", r.status, r.body)
		}
		id := decode[map[string]any](t, r)["id"].(string)
		start := time.Now()
		polls := 0
		for {
			st := decode[map[string]any](t, direct(t, f, "GET", "/v1/runs/"+id))
			polls++
			if st["export_done"] == true {
				if st["total_results"] != 50.0 {
					t.Errorf("rows %v, want 50", st["total_results"])
				}
				break
			}
			if time.Since(start) >= d {
				t.Fatalf("the run is not done after its duration %v: %v", d, st)
			}
			time.Sleep(20 * time.Millisecond)
		}
		if el := time.Since(start); el < d || el >= d+20*time.Millisecond || polls < 2 {
			t.Errorf("the run was done after %v and %d polls, want at its duration %v and after more than one poll", el, polls, d)
		}
	})
}

func TestRunPausesAndErrors(t *testing.T) {
	srv := NewServer(t, WithRunLifecycle(RunLifecycle{Polls: 6, Pause: 2}))
	id := startRun(t, srv, newSquid(t, srv, "paused", 4))["id"].(string)
	var seen []string
	for range 8 {
		st := decode[map[string]any](t, get(t, srv, "/v1/runs/"+id))
		seen = append(seen, st["status"].(string))
		if st["status"] == "paused" && st["done_reason"] != "batch_wait" {
			t.Errorf("paused run's done_reason %v", st["done_reason"])
		}
	}
	if want := "pending,running,paused,paused,running,running,uploading,done"; strings.Join(seen, ",") != want {
		t.Errorf("states %v, want %s", seen, want)
	}

	srv.SetRunLifecycle(RunLifecycle{Polls: 3, End: "error"})
	id = startRun(t, srv, newSquid(t, srv, "failing", 4))["id"].(string)
	get(t, srv, "/v1/runs/"+id)
	st := decode[map[string]any](t, get(t, srv, "/v1/runs/"+id))
	if st["status"] != "error" || st["done_reason"] != "website_inaccessible" || st["export_done"] != true {
		t.Errorf("failed run: %v", st)
	}
	rt := decode[map[string]any](t, get(t, srv, "/v1/runtasks?run="+id))
	statuses := ""
	for _, x := range rt["data"].([]any) {
		statuses += x.(map[string]any)["status"].(string) + ","
	}
	if statuses != "completed,completed,error,error," {
		t.Errorf("runtask statuses %s", statuses)
	}
}

func TestAbortRun(t *testing.T) {
	srv := NewServer(t, WithRunLifecycle(RunLifecycle{Polls: 10}))
	squid := newSquid(t, srv, "aborted", 8)
	id := startRun(t, srv, squid)["id"].(string)
	for range 4 {
		get(t, srv, "/v1/runs/"+id+"/stats")
	}
	r := call(t, srv, "POST", "/v1/runs/"+id+"/abort", nil, "")
	if r.status != 200 {
		t.Fatalf("abort: %d %s", r.status, r.body)
	}
	ab := decode[map[string]any](t, r)
	if ab["status"] != "uploading" || ab["done_reason"] != "aborted" || ab["is_done"] != true || ab["export_done"] != nil {
		t.Errorf("aborting run: %v", ab)
	}
	expect(t, "abort again", call(t, srv, "POST", "/v1/runs/"+id+"/abort", nil, ""), 404, string(fixture("docs/abort-run.404.json")))
	st := decode[map[string]any](t, get(t, srv, "/v1/runs/"+id))
	if st["status"] != "aborted" || st["export_done"] != true {
		t.Errorf("aborted run: %v", st)
	}
	state, _ := srv.Run(id)
	if state.TasksDone == 0 || state.TasksDone == 8 || state.Rows >= state.TotalRows {
		t.Errorf("aborted run state %+v: want a partial export", state)
	}
	code, body := fetchFile(t, srv, downloadURL(t, srv, id, "?file_format=jsonl"), "")
	if n := bytes.Count(body, []byte("\n")); code != 200 || n != state.Rows {
		t.Errorf("partial export: %d, %d rows, want %d", code, n, state.Rows)
	}
	rt := decode[map[string]any](t, get(t, srv, "/v1/runtasks?run="+id))
	aborted := 0
	for _, x := range rt["data"].([]any) {
		if m := x.(map[string]any); m["status"] == "aborted" {
			aborted++
			if m["done_reason"] != "run_aborted" {
				t.Errorf("aborted runtask %v", m)
			}
		}
	}
	if aborted != 8-state.TasksDone {
		t.Errorf("%d aborted runtasks, want %d", aborted, 8-state.TasksDone)
	}
	startRun(t, srv, squid) // no longer active
}

func TestRunErrors(t *testing.T) {
	srv := NewServer(t)
	unknown := strings.Repeat("ab", 16)
	for _, path := range []string{"/v1/runs/" + unknown, "/v1/runs/" + unknown + "/stats"} {
		expect(t, path, get(t, srv, path), 404, string(fixture("docs/get-run.404.json")))
	}
	expect(t, "credits", get(t, srv, "/v1/runs/"+unknown+"/credits"), 404, string(fixture("docs/get-run-credits.404.json")))
	expect(t, "download", get(t, srv, "/v1/runs/"+unknown+"/download"), 404, string(fixture("docs/download-run.404.json")))
	expect(t, "abort", call(t, srv, "POST", "/v1/runs/"+unknown+"/abort", nil, ""), 404, string(fixture("docs/abort-run.404.json")))
	expect(t, "runtasks", get(t, srv, "/v1/runtasks?run="+unknown), 404, "")
	expect(t, "runs of no squid", get(t, srv, "/v1/runs?squid=nosuchsquid"), 404, "")
	expect(t, "start no squid", postJSON(t, srv, "/v1/runs", map[string]any{"squid": "nosuchsquid"}), 404, "")
	expect(t, "xlsx", get(t, srv, "/v1/runs/"+SeedRunHash+"/download?file_format=xlsx"), 400, "")

	// The documented quirk: a squid whose params were never saved cannot run.
	r := postJSON(t, srv, "/v1/squids", map[string]any{"crawler": SeedCrawlerID})
	squid := decode[map[string]any](t, r)["id"].(string)
	postJSON(t, srv, "/v1/tasks", map[string]any{"squid": squid, "tasks": []map[string]any{{"url": "https://www.google.com/maps/search/a"}}})
	if sq := decode[map[string]any](t, get(t, srv, "/v1/squids/"+squid)); sq["is_ready"] != false {
		t.Errorf("a squid without saved params is ready: %v", sq["is_ready"])
	}
	r = postJSON(t, srv, "/v1/runs", map[string]any{"squid": squid})
	expect(t, "not ready", r, 400, "")
	body := decode[map[string]map[string]any](t, r)
	if body["errors"]["type"] != "SquidNotReady" || !strings.Contains(body["errors"]["message"].(string), "not ready") {
		t.Errorf("not ready body %s", r.body)
	}
	postJSON(t, srv, "/v1/squids/"+squid, map[string]any{"params": map[string]any{}})
	startRun(t, srv, squid)

	// A deactivated squid does not run.
	other := newSquid(t, srv, "inactive", 1)
	postJSON(t, srv, "/v1/squids/"+other, map[string]any{"is_active": false})
	expect(t, "inactive", postJSON(t, srv, "/v1/runs", map[string]any{"squid": other}), 400, "")

	// A ready squid without an active task is refused, with the documented NoTasksPresent
	// body, and no run is made; once it has a task it runs.
	empty := newSquid(t, srv, "no tasks", 0)
	expect(t, "no tasks", postJSON(t, srv, "/v1/runs", map[string]any{"squid": empty}), 400, string(fixture("start-run.no-tasks.400.json")))
	if runs := decode[map[string]any](t, get(t, srv, "/v1/runs?squid="+empty)); runs["total_results"] != 0.0 {
		t.Errorf("a refused start made runs: %v", runs["total_results"])
	}
	postJSON(t, srv, "/v1/tasks", map[string]any{"squid": empty, "tasks": []map[string]any{{"url": "https://www.google.com/maps/search/b"}}})
	startRun(t, srv, empty)
}

func TestSeedRuns(t *testing.T) {
	srv := NewServer(t)
	expect(t, "seed run", get(t, srv, "/v1/runs/"+SeedRunHash), 200, string(fixture("docs/get-run.200.json")))
	list := decode[map[string]any](t, get(t, srv, "/v1/runs?squid="+SeedRunsSquid))
	want := decode[map[string]any](t, response{body: fixture("docs/list-runs.200.json")})
	if !jsonEqual(t, mustJSON(t, list["data"]), mustJSON(t, want["data"])) {
		t.Errorf("list runs of the seed squid:\n%s\nwant\n%s", mustJSON(t, list["data"]), mustJSON(t, want["data"]))
	}
	rows := allResults(t, srv, "run="+SeedRunHash, "page_size")
	if len(rows) != 40 {
		t.Errorf("seed run rows %d, want 40", len(rows))
	}
	if rows := allResults(t, srv, "squid="+SeedRunsSquid, "limit"); len(rows) != 156 {
		t.Errorf("seed squid rows %d, want 156", len(rows))
	}
	code, body := fetchFile(t, srv, downloadURL(t, srv, SeedRunHash, ""), "")
	if code != 200 || bytes.Count(body, []byte("\n")) != 41 {
		t.Errorf("seed run file: %d, %d lines", code, bytes.Count(body, []byte("\n")))
	}
}

func mustJSON(t *testing.T, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestResultsParams(t *testing.T) {
	srv := NewServer(t, WithRunLifecycle(RunLifecycle{Polls: 1, Rows: 230}))
	squid := newSquid(t, srv, "results", 3)
	id := startRun(t, srv, squid)["id"].(string)
	get(t, srv, "/v1/runs/"+id)
	doc := string(fixture("docs/get-results.400.json"))
	expect(t, "neither", get(t, srv, "/v1/results"), 400, doc)
	expect(t, "both", get(t, srv, "/v1/results?squid="+squid+"&run="+id), 400, doc)
	expect(t, "unknown run", get(t, srv, "/v1/results?run="+strings.Repeat("0", 32)), 404, "")
	expect(t, "unknown squid", get(t, srv, "/v1/results?squid=nosuch"), 404, "")
	p := decode[map[string]any](t, get(t, srv, "/v1/results?run="+id+"&page=3&page_size=100"))
	if p["total_results"] != 230.0 || p["total_pages"] != 3.0 || p["result_from"] != 201.0 || p["result_to"] != 230.0 || p["next"] != nil {
		t.Errorf("page 3: %v %v %v %v %v", p["total_results"], p["total_pages"], p["result_from"], p["result_to"], p["next"])
	}
	p = decode[map[string]any](t, get(t, srv, "/v1/results?run="+id+"&page=9&limit=100"))
	if len(p["data"].([]any)) != 0 || p["previous"] == nil {
		t.Errorf("a page past the end: %v", p)
	}
	// task narrows to one task's rows, which are the rows its runtask reports.
	rt := decode[map[string]any](t, get(t, srv, "/v1/runtasks?run="+id))
	first := rt["data"].([]any)[0].(map[string]any)
	rows := allResults(t, srv, "run="+id+"&task="+first["task"].(string), "page_size")
	if len(rows) != int(first["last_result"].(float64)) || len(rows) == 0 {
		t.Errorf("task rows %d, runtask says %v", len(rows), first["last_result"])
	}
}

// TestLargeExportStreams downloads an export of 10,000 rows (about 35 MB: the seed crawler's
// rows are about 3.5 KB; it was 100,000 rows, 353 MB, where 25 MB was meant) and counts
// them: rows are made as they are written, not held. The file host is called through the
// fake's handler, with a writer that counts the lines and keeps nothing: the file comes in
// hundreds of writes of at most the host's 64 KiB buffer, never whole. (TestFileHost and
// TestRunLifecycleToDownload fetch files over TCP.)
func TestLargeExportStreams(t *testing.T) {
	if testing.Short() {
		t.Skip("a large file")
	}
	const rows = 10_000
	srv := NewServer(t, WithRunLifecycle(RunLifecycle{Polls: 1, Rows: rows}))
	id := startRun(t, srv, newSquid(t, srv, "large", 10))["id"].(string)
	get(t, srv, "/v1/runs/"+id)
	w := &lineCounter{header: http.Header{}}
	srv.Fake.ServeHTTP(w, httptest.NewRequest("GET", downloadURL(t, srv, id, ""), nil))
	if w.status != http.StatusOK {
		t.Fatalf("file: status %d", w.status)
	}
	if w.lines != rows+1 {
		t.Errorf("%d lines, want %d", w.lines, rows+1)
	}
	if w.size < 30<<20 || w.largest > 64<<10 || w.writes < w.size/(64<<10) {
		t.Errorf("%d bytes in %d writes, the largest %d bytes: want over 30 MiB in writes of at most 64 KiB", w.size, w.writes, w.largest)
	}
	t.Logf("%d bytes in %d writes", w.size, w.writes)
}

// lineCounter is a ResponseWriter that counts the lines, bytes and writes of a body and
// keeps none of it.
type lineCounter struct {
	header                       http.Header
	status                       int
	lines, size, writes, largest int
}

func (w *lineCounter) Header() http.Header { return w.header }

func (w *lineCounter) WriteHeader(status int) {
	if w.status == 0 {
		w.status = status
	}
}

func (w *lineCounter) Write(p []byte) (int, error) {
	w.WriteHeader(http.StatusOK)
	w.lines += bytes.Count(p, []byte("\n"))
	w.size += len(p)
	w.writes++
	w.largest = max(w.largest, len(p))
	return len(p), nil
}

func TestFileHost(t *testing.T) {
	srv := NewServer(t, WithRunLifecycle(RunLifecycle{Polls: 1, Rows: 1000}))
	id := startRun(t, srv, newSquid(t, srv, "files", 2))["id"].(string)
	get(t, srv, "/v1/runs/"+id)

	srv.SetDownloadExpiry(0)
	expired := downloadURL(t, srv, id, "")
	if code, body := fetchFile(t, srv, expired, ""); code != 403 || !bytes.Contains(body, []byte("Request has expired")) {
		t.Errorf("expired URL: %d %s", code, body)
	}
	srv.SetDownloadExpiry(time.Minute)
	fresh := downloadURL(t, srv, id, "")
	u, _ := url.Parse(fresh)
	if exp, _ := strconv.ParseInt(u.Query().Get("expires"), 10, 64); exp < time.Now().Unix()+30 {
		t.Errorf("expires %d, want a minute from now", exp)
	}
	if code, _ := fetchFile(t, srv, fresh, ""); code != 200 {
		t.Errorf("fresh URL: %d", code)
	}
	// Another run's signature does not open this one.
	other := strings.Replace(fresh, id, SeedRunHash, 1)
	if code, _ := fetchFile(t, srv, other, ""); code != 403 {
		t.Errorf("a URL moved to another run: %d", code)
	}
	// A cut body: the client sees an error, never a short file that looks whole.
	srv.Script("GET", "/files/"+id+".csv", Fault{CutBody: true})
	resp, err := srv.Client().Get(fresh)
	if err != nil {
		t.Fatal(err)
	}
	_, err = io.ReadAll(resp.Body)
	resp.Body.Close()
	if err == nil {
		t.Error("a cut file read without an error")
	}
	// A deleted squid's runs and files are gone.
	state, _ := srv.Run(id)
	call(t, srv, "DELETE", "/v1/squids/"+state.Squid, nil, "")
	if code, _ := fetchFile(t, srv, fresh, ""); code != 404 {
		t.Errorf("file of a deleted run: %d", code)
	}
	if fs := srv.FileRequests(); fs.WithAuthorization != 0 || fs.Requests != 5 {
		t.Errorf("file requests %+v", fs)
	}
}

func TestFamilyRateLimit(t *testing.T) {
	srv := NewServer(t)
	// Not whole seconds: the window starts with the first request (ratelimit.go) rather than
	// at the clock's hour, whose edge could fall between the requests.
	srv.EnforceFamilyRateLimit(FamilyResults, 2, time.Hour-time.Millisecond)
	for i := range 3 {
		r := get(t, srv, "/v1/results?run="+SeedRunHash)
		limit, left, _ := rateHeadersOf(t, "results", r)
		if limit != 2 || left != max(1-i, 0) {
			t.Errorf("results %d: limit %d left %d", i, limit, left)
		}
		if want := []int{200, 200, 429}[i]; r.status != want {
			t.Errorf("results %d: status %d, want %d", i, r.status, want)
		}
		if i == 2 && r.header.Get("Retry-After") == "" {
			t.Error("429 without Retry-After")
		}
	}
	for range 5 {
		r := get(t, srv, "/v1/squids")
		if limit, _, _ := rateHeadersOf(t, "squids", r); r.status != 200 || limit != DefaultRateLimit {
			t.Errorf("squids: %d, limit %d", r.status, limit)
		}
	}
	for path, want := range map[string]string{"/v1/results": FamilyResults, "/v1/runs/x/stats": FamilyRuns,
		"/v1/runtasks": FamilyRunTasks, "/v1/tasks/upload": FamilyTasks, "/v1/squids/x/empty": FamilySquids,
		"/v1/me": FamilyOther, "/v1/crawlers": FamilyOther, "/files/x.csv": FamilyOther} {
		if got := FamilyOf(path); got != want {
			t.Errorf("FamilyOf(%s) = %s, want %s", path, got, want)
		}
	}
	srv.EnforceFamilyRateLimit(FamilyResults, 0, 0)
	if r := get(t, srv, "/v1/results?run="+SeedRunHash); r.status != 200 {
		t.Errorf("after removing the family's window: %d", r.status)
	}
}

// TestSeededSquidsCountTheirRuns: every squid the fake starts with counts the runs List
// Runs lists for it (total_runs), and its last-run fields are those of the newest one;
// the documented squids keep their documented values (Get Squid Details' squid: 1 run,
// eebce780…, DONE; List Squids' squid: 5 runs, DONE).
func TestSeededSquidsCountTheirRuns(t *testing.T) {
	srv := NewServer(t)
	r := get(t, srv, "/v1/squids?limit=100")
	if r.status != 200 {
		t.Fatalf("list squids: %d %s", r.status, r.body)
	}
	squids := decode[struct {
		Data []map[string]any `json:"data"`
	}](t, r).Data
	if len(squids) < 4 {
		t.Fatalf("%d seeded squids, want the documented ones", len(squids))
	}
	documented := map[string]struct {
		runs   int
		last   string
		status string
	}{
		SeedDetailsSquid: {1, "eebce7802e7740979a0b8450de10c99e", "DONE"},
		SeedListedSquid:  {5, "", "DONE"},
		SeedRunsSquid:    {2, "381cfbb47e474782857ddc035298b6f3", "DONE"},
		SeedRunSquid:     {1, SeedRunHash, "DONE"},
	}
	seen := 0
	for _, sq := range squids {
		id := sq["id"].(string)
		runs := get(t, srv, "/v1/runs?limit=100&squid="+id)
		if runs.status != 200 {
			t.Fatalf("list runs of %s: %d %s", id, runs.status, runs.body)
		}
		page := decode[struct {
			TotalResults int              `json:"total_results"`
			Data         []map[string]any `json:"data"`
		}](t, runs)
		if total := int(sq["total_runs"].(float64)); total != page.TotalResults || total != len(page.Data) {
			t.Errorf("squid %s: total_runs %d, but List Runs lists %d (total_results %d)", id, total, len(page.Data), page.TotalResults)
			continue
		}
		details := decode[map[string]any](t, get(t, srv, "/v1/squids/"+id))
		if len(page.Data) == 0 {
			if sq["last_run_status"] != nil || sq["last_run_at"] != nil || details["last_run"] != nil {
				t.Errorf("squid %s: no run listed, but last_run_status %v, last_run_at %v, last_run %v", id, sq["last_run_status"], sq["last_run_at"], details["last_run"])
			}
		} else {
			newest := page.Data[0]
			if want := strings.ToUpper(newest["status"].(string)); sq["last_run_status"] != want {
				t.Errorf("squid %s: last_run_status %v, want the newest run's %q", id, sq["last_run_status"], want)
			}
			if sq["last_run_at"] != newest["created_at"] || details["last_run"] != newest["id"] {
				t.Errorf("squid %s: last_run_at %v, last_run %v; the newest run listed is %v of %v", id, sq["last_run_at"], details["last_run"], newest["id"], newest["created_at"])
			}
		}
		if want, ok := documented[id]; ok {
			seen++
			if len(page.Data) != want.runs || sq["last_run_status"] != want.status || (want.last != "" && details["last_run"] != want.last) {
				t.Errorf("documented squid %s: %d runs, last %v %v; want %d, %q %s", id, len(page.Data), details["last_run"], sq["last_run_status"], want.runs, want.last, want.status)
			}
		}
	}
	if seen != len(documented) {
		t.Errorf("found %d of the %d documented squids", seen, len(documented))
	}
}
