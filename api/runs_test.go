package api_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/lobstr-go/lobstr/api"
	"github.com/lobstr-go/lobstr/api/apitest"
)

// fastPolls makes Runs.Wait poll without waiting seconds between polls.
var fastPolls = []api.WaitOption{api.WithPollInterval(5 * time.Millisecond), api.WithMaxPollInterval(20 * time.Millisecond)}

// newRunSquid makes a squid on the seed crawler (by slug), saves its params and adds n tasks,
// through the client.
func newRunSquid(t *testing.T, c *api.Client, name string, n int) string {
	t.Helper()
	ctx := t.Context()
	cr, err := c.Crawlers.Get(ctx, apitest.SeedCrawlerSlug)
	if err != nil {
		t.Fatal(err)
	}
	if cr.Id != apitest.SeedCrawlerID {
		t.Fatalf("crawler by slug: %s, want %s", cr.Id, apitest.SeedCrawlerID)
	}
	sq, err := c.Squids.Create(ctx, cr.Id, name)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Squids.Update(ctx, sq.Id, api.SquidUpdate{Params: &api.SquidParams{"max_results": nil}}); err != nil {
		t.Fatal(err)
	}
	if n > 0 {
		tasks := make([]api.Params, n)
		for i := range tasks {
			tasks[i] = api.Params{"url": fmt.Sprintf("https://www.google.com/maps/search/restaurants+%d/@43.29,5.37,14z", i)}
		}
		if _, err := c.Tasks.Add(ctx, sq.Id, tasks); err != nil {
			t.Fatal(err)
		}
	}
	return sq.Id
}

// cellText is a row's cell as the CSV export writes it: a JSON string's text, else the JSON.
func cellText(raw json.RawMessage) string {
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return s
	}
	if string(raw) == "null" {
		return ""
	}
	return string(raw)
}

// The whole job, against the fake: crawler by slug, squid, params, 25 tasks, run, wait,
// download; the CSV holds exactly the rows Results.All yields, and the requests are counted.
func TestRunFlowTwentyFiveTasks(t *testing.T) {
	srv, c := fakeClient(t, []apitest.Option{apitest.WithRunLifecycle(apitest.RunLifecycle{Polls: 6})})
	ctx := t.Context()
	squid := newRunSquid(t, c, "leads", 25)
	setup := srv.Requests("")

	run, err := c.Runs.Start(ctx, squid)
	if err != nil {
		t.Fatal(err)
	}
	if !api.RunStatusIs(run.Status, api.RunPending) || run.ExportDone != nil {
		t.Fatalf("started run: status %s, export_done %v", run.Status, run.ExportDone)
	}
	if _, err := c.Runs.Start(ctx, squid); err == nil || !strings.Contains(err.Error(), "already active") {
		t.Fatalf("second start: %v", err)
	}
	var progress []api.RunProgress
	final, err := c.Runs.Wait(ctx, run.Id, append(fastPolls, api.OnRunProgress(func(p api.RunProgress) { progress = append(progress, p) }))...)
	if err != nil {
		t.Fatal(err)
	}
	if final.Status != api.RunDone || final.ExportDone == nil || !*final.ExportDone {
		t.Fatalf("final run: status %s, export_done %v", final.Status, final.ExportDone)
	}
	// 5 Stats (pending, 3 running, uploading with is_done) and 1 Get Run (done, exported).
	if n, m := srv.Requests("GET /v1/runs/"+run.Id+"/stats"), srv.Requests("GET /v1/runs/"+run.Id); n != 5 || m != 1 {
		t.Fatalf("Wait made %d Stats and %d Get Run requests; want 5 and 1", n, m)
	}
	last := -1.0
	for _, p := range progress {
		if p.Percent < last || p.Tasks != 25 || p.TasksDone > p.Tasks {
			t.Fatalf("progress %+v after %v%%", p, last)
		}
		last = p.Percent
	}
	if lp := progress[len(progress)-1]; lp.Phase != "exporting" || lp.Percent != 100 || lp.TasksDone != 25 || lp.Results != final.TotalResults {
		t.Fatalf("last progress %+v, run has %d results", lp, final.TotalResults)
	}

	var file bytes.Buffer
	n, err := c.Runs.Download(ctx, run.Id, &file)
	if err != nil {
		t.Fatal(err)
	}
	if n != int64(file.Len()) || n == 0 {
		t.Fatalf("Download said %d bytes, wrote %d", n, file.Len())
	}
	records, err := csv.NewReader(&file).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	header := records[0]
	var rows []api.Result
	for r, err := range c.Results.All(ctx, api.ResultsOptions{Run: run.Id}) {
		if err != nil {
			t.Fatal(err)
		}
		rows = append(rows, r)
	}
	if len(rows) != len(records)-1 || len(rows) != final.TotalResults || len(rows) == 0 {
		t.Fatalf("Results.All %d rows, the CSV %d, the run says %d", len(rows), len(records)-1, final.TotalResults)
	}
	for i, row := range rows {
		if len(row) != len(header) {
			t.Fatalf("row %d has %d columns, the CSV %d", i, len(row), len(header))
		}
		for j, name := range header {
			raw, ok := row[name]
			if !ok || cellText(raw) != records[i+1][j] {
				t.Fatalf("row %d (%s) column %s: results %s, CSV %q", i, api.ResultID(row), name, raw, records[i+1][j])
			}
		}
	}
	pages := (len(rows) + 99) / 100
	total := srv.Requests("")
	t.Logf("25-task flow: %d requests to set up (crawlers list + details, create and its read-back, update and its read-back, add), then %d: start 2 (one refused), "+
		"stats %d, get run %d, download link 1, results %d pages of 100 for %d rows; %d in all; the file host %+v",
		setup, total-setup, 5, 1, pages, len(rows), total, srv.FileRequests())
	if want := 7 + 2 + 5 + 1 + 1 + pages; total != want {
		t.Fatalf("%d requests; want %d", total, want)
	}
	if fs := srv.FileRequests(); fs.WithAuthorization != 0 || fs.Served != 1 {
		t.Fatalf("file host: %+v", fs)
	}
	var tasks []api.RunTask
	for rt, err := range c.Runs.AllTasks(ctx, api.ListRunTasksOptions{Run: run.Id, Limit: 10}) {
		if err != nil {
			t.Fatal(err)
		}
		tasks = append(tasks, rt)
	}
	if len(tasks) != 25 || tasks[0].Status != "completed" || tasks[24].LastResult == 0 {
		t.Fatalf("run tasks: %d, first %+v", len(tasks), tasks[0])
	}
	var runs []api.Run
	for r, err := range c.Runs.All(ctx, api.ListRunsOptions{Squid: squid}) {
		if err != nil {
			t.Fatal(err)
		}
		runs = append(runs, r)
	}
	if len(runs) != 1 || runs[0].Id != run.Id {
		t.Fatalf("runs of the squid: %v", runs)
	}
}

// A paused run keeps Wait waiting; progress goes up and never back.
func TestRunWaitThroughPause(t *testing.T) {
	srv, c := fakeClient(t, []apitest.Option{apitest.WithRunLifecycle(apitest.RunLifecycle{Polls: 10, Pause: 3})})
	squid := newRunSquid(t, c, "paused", 8)
	run, err := c.Runs.Start(t.Context(), squid)
	if err != nil {
		t.Fatal(err)
	}
	paused := 0
	final, err := c.Runs.Wait(t.Context(), run.Id, append(fastPolls, api.OnRunProgress(func(p api.RunProgress) {
		if st, _ := srv.Run(run.Id); st.Status == "paused" {
			paused++
		}
	}))...)
	if err != nil || final.Status != api.RunDone {
		t.Fatalf("Wait: %v, %v", final, err)
	}
	if paused != 3 {
		t.Fatalf("Wait saw the run paused %d times; want 3", paused)
	}
}

// A run that ends in error is returned with a *RunEndedError saying why.
func TestRunWaitEndsInError(t *testing.T) {
	_, c := fakeClient(t, []apitest.Option{apitest.WithRunLifecycle(apitest.RunLifecycle{Polls: 5, End: "error"})})
	squid := newRunSquid(t, c, "broken", 6)
	run, err := c.Runs.Start(t.Context(), squid)
	if err != nil {
		t.Fatal(err)
	}
	final, err := c.Runs.Wait(t.Context(), run.Id, fastPolls...)
	var e *api.RunEndedError
	if !errors.As(err, &e) || final == nil || final.Status != api.RunError {
		t.Fatalf("Wait: %v, %+v", err, final)
	}
	if e.Status != "error" || e.Reason != "website_inaccessible" || e.ReasonDesc == "" ||
		!strings.Contains(err.Error(), "ended error (website_inaccessible: ") {
		t.Fatalf("error: %+v: %v", e, err)
	}
}

// An aborted run ends aborted once its partial export is ready: Wait says so, and the file
// holds what was collected.
func TestRunAbortThenWait(t *testing.T) {
	srv, c := fakeClient(t, []apitest.Option{apitest.WithRunLifecycle(apitest.RunLifecycle{Polls: 20})})
	squid := newRunSquid(t, c, "stopped", 10)
	ctx := t.Context()
	run, err := c.Runs.Start(ctx, squid)
	if err != nil {
		t.Fatal(err)
	}
	for range 5 {
		if _, err := c.Runs.Stats(ctx, run.Id); err != nil {
			t.Fatal(err)
		}
	}
	ab, err := c.Runs.Abort(ctx, run.Id)
	if err != nil || ab.Status != api.RunUploading || ab.DoneReason == nil || *ab.DoneReason != "aborted" {
		t.Fatalf("Abort: %+v, %v", ab, err)
	}
	if _, err := c.Runs.Abort(ctx, run.Id); !api.IsNotFound(err) {
		t.Fatalf("second abort: %v", err)
	}
	final, err := c.Runs.Wait(ctx, run.Id, fastPolls...)
	var e *api.RunEndedError
	if !errors.As(err, &e) || e.Status != "aborted" || e.Reason != "aborted" || final.ExportDone == nil || !*final.ExportDone {
		t.Fatalf("Wait after abort: %v, %+v", err, final)
	}
	st, _ := srv.Run(run.Id)
	var file bytes.Buffer
	if _, err := c.Runs.Download(ctx, run.Id, &file); err != nil {
		t.Fatal(err)
	}
	if lines := bytes.Count(file.Bytes(), []byte("\n")); lines-1 != st.Rows || st.Rows >= st.TotalRows {
		t.Fatalf("partial export has %d rows; the run collected %d of %d", lines-1, st.Rows, st.TotalRows)
	}
}

// Wait polls on through 503s and a dropped connection, as Tasks.Wait does, with no retries
// of its own requests.
func TestRunWaitSurvivesOutage(t *testing.T) {
	srv, c := fakeClient(t, []apitest.Option{apitest.WithRunLifecycle(apitest.RunLifecycle{Polls: 4})}, api.WithMaxRetries(0))
	squid := newRunSquid(t, c, "outage", 3)
	run, err := c.Runs.Start(t.Context(), squid)
	if err != nil {
		t.Fatal(err)
	}
	down := apitest.Fault{Status: 503, Body: []byte(`{"detail": "down"}`)}
	srv.Script("GET", "/v1/runs/"+run.Id+"/stats", apitest.Fault{}, down, down)
	srv.Script("GET", "/v1/runs/"+run.Id, down)
	final, err := c.Runs.Wait(t.Context(), run.Id, fastPolls...)
	if err != nil || final.Status != api.RunDone {
		t.Fatalf("Wait: %+v, %v", final, err)
	}
	// A 404 ends it at once.
	if _, err := c.Runs.Wait(t.Context(), "0123456789abcdef0123456789abcdef", fastPolls...); !api.IsNotFound(err) {
		t.Fatalf("unknown run: %v", err)
	}
	// So does the context, with its error.
	ctx, cancel := context.WithTimeout(t.Context(), 50*time.Millisecond)
	defer cancel()
	srv.SetRunLifecycle(apitest.RunLifecycle{Polls: 1000})
	squid2 := newRunSquid(t, c, "long", 2)
	long, err := c.Runs.Start(t.Context(), squid2)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Runs.Wait(ctx, long.Id, fastPolls...); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Wait past its deadline: %v", err)
	}
}

// WithoutExport returns a done run whose export is not ready yet; without it, Wait polls on.
func TestRunWaitWithoutExport(t *testing.T) {
	srv, c := fakeClient(t, nil)
	b := bytes.Replace(mustJSON(t, getRun(t, c)), []byte(`"export_done":true`), []byte(`"export_done":false`), 1)
	notYet := func() apitest.Fault { return apitest.Fault{Status: 200, Body: b} }
	path := "/v1/runs/" + apitest.SeedRunHash
	srv.Script("GET", path, notYet())
	before := srv.Requests("GET " + path)
	if r, err := c.Runs.Wait(t.Context(), apitest.SeedRunHash, append(fastPolls, api.WithoutExport())...); err != nil || *r.ExportDone {
		t.Fatalf("WithoutExport: %+v, %v", r, err)
	}
	srv.Script("GET", path, notYet(), notYet())
	if r, err := c.Runs.Wait(t.Context(), apitest.SeedRunHash, fastPolls...); err != nil || !*r.ExportDone {
		t.Fatalf("Wait: %+v, %v", r, err)
	}
	if n := srv.Requests("GET "+path) - before; n != 1+3 {
		t.Fatalf("%d Get Run requests; want 1 with WithoutExport and 3 without", n)
	}
}

func getRun(t *testing.T, c *api.Client) *api.Run {
	t.Helper()
	r, err := c.Runs.Get(t.Context(), apitest.SeedRunHash)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func TestRunArgumentsRefusedBeforeAnyRequest(t *testing.T) {
	srv, c := fakeClient(t, nil)
	ctx := t.Context()
	checks := []struct {
		name string
		err  error
		want string
	}{
		{"Start empty", func() error { _, err := c.Runs.Start(ctx, " "); return err }(), "squid: empty"},
		{"Get short", func() error { _, err := c.Runs.Get(ctx, "abc"); return err }(), "not 32 lowercase"},
		{"List no squid", func() error { _, err := c.Runs.List(ctx, api.ListRunsOptions{}); return err }(), "Squid: empty"},
		{"List limit", func() error { _, err := c.Runs.List(ctx, api.ListRunsOptions{Squid: "x", Limit: 101}); return err }(), "Limit: 101"},
		{"Tasks run", func() error { _, err := c.Runs.Tasks(ctx, api.ListRunTasksOptions{Run: "x"}); return err }(), "Run: \"x\""},
		{"Download nil", func() error { _, err := c.Runs.Download(ctx, apitest.SeedRunHash, nil); return err }(), "w: nil"},
		{"Download format", func() error {
			_, err := c.Runs.DownloadURL(ctx, apitest.SeedRunHash, api.WithFormat("pdf"))
			return err
		}(), "WithFormat: \"pdf\""},
		{"Download fields", func() error {
			_, err := c.Runs.DownloadURL(ctx, apitest.SeedRunHash, api.WithFields("a,b"))
			return err
		}(), "WithFields: column 0"},
		{"Results neither", func() error { _, err := c.Results.List(ctx, api.ResultsOptions{}); return err }(), "both empty"},
		{"Results both", func() error {
			_, err := c.Results.List(ctx, api.ResultsOptions{Squid: "s", Run: apitest.SeedRunHash})
			return err
		}(), "not both"},
		{"Results task", func() error { _, err := c.Results.List(ctx, api.ResultsOptions{Squid: "s", Task: "t"}); return err }(), "Task: \"t\""},
		{"Wait short", func() error { _, err := c.Runs.Wait(ctx, "nope"); return err }(), "Runs.Wait: hash"},
	}
	for _, ch := range checks {
		if ch.err == nil || !strings.Contains(ch.err.Error(), ch.want) {
			t.Errorf("%s: %v; want an error with %q", ch.name, ch.err, ch.want)
		}
	}
	if n := srv.Requests(""); n != 0 {
		t.Fatalf("%d requests sent for bad arguments; want 0", n)
	}
}

// An expired URL is asked for again once; expired twice, the *FileError says so. The file
// host never sees a token.
func TestDownloadExpiredURL(t *testing.T) {
	srv, c := fakeClient(t, nil)
	ctx := t.Context()
	file := "/files/" + apitest.SeedRunHash + ".csv"
	expired := apitest.Fault{Status: 403, Header: http.Header{"Content-Type": {"application/xml"}},
		Body: []byte(`<?xml version="1.0"?><Error><Code>AccessDenied</Code><Message>Request has expired</Message></Error>`)}
	srv.Script("GET", file, expired)
	var buf bytes.Buffer
	n, err := c.Runs.Download(ctx, apitest.SeedRunHash, &buf)
	if err != nil || n != int64(buf.Len()) || !bytes.HasPrefix(buf.Bytes(), []byte("id,object,squid,run,")) {
		t.Fatalf("Download after one expired URL: %d, %v", n, err)
	}
	if d := srv.Requests("GET /v1/runs/" + apitest.SeedRunHash + "/download"); d != 2 {
		t.Fatalf("%d download links asked for; want 2", d)
	}
	srv.SetDownloadExpiry(0) // every URL has expired when it is given
	buf.Reset()
	_, err = c.Runs.Download(ctx, apitest.SeedRunHash, &buf)
	var fe *api.FileError
	if !errors.As(err, &fe) || fe.StatusCode != 403 || fe.Code != "AccessDenied" || fe.Message != "Request has expired" || buf.Len() != 0 {
		t.Fatalf("Download of expired URLs: %v", err)
	}
	if strings.Contains(err.Error(), "sig=") || strings.Contains(err.Error(), srv.Token) {
		t.Fatalf("the error shows the URL's signature or the token: %v", err)
	}
	if fs := srv.FileRequests(); fs.WithAuthorization != 0 || fs.Requests != 4 || fs.Served != 1 {
		t.Fatalf("file host: %+v", fs)
	}
}

// A body cut short is an error wrapping ErrIncompleteDownload, never a silent truncation:
// the fake's cut connection, and a host whose body is shorter than its Content-Length.
func TestDownloadShortBody(t *testing.T) {
	srv, c := fakeClient(t, nil)
	ctx := t.Context()
	srv.Script("GET", "/files/"+apitest.SeedRunHash+".csv", apitest.Fault{CutBody: true})
	var buf bytes.Buffer
	n, err := c.Runs.Download(ctx, apitest.SeedRunHash, &buf)
	if !errors.Is(err, api.ErrIncompleteDownload) || n == 0 {
		t.Fatalf("cut body: %d bytes, %v", n, err)
	}

	short := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "" {
			t.Errorf("the file host got an Authorization header")
		}
		w.Header().Set("Content-Length", "1000")
		w.Write(bytes.Repeat([]byte("x"), 500))
	}))
	defer short.Close()
	pointAt(srv.Fake, apitest.SeedRunHash, short.URL+"/f.csv?sig=abc")
	n, err = c.Runs.Download(ctx, apitest.SeedRunHash, &buf)
	if !errors.Is(err, api.ErrIncompleteDownload) || n != 500 {
		t.Fatalf("short body: %d bytes, %v", n, err)
	}
}

// pointAt makes the next Download Run of run answer link.
func pointAt(srv *apitest.Fake, run, link string) {
	srv.Script("GET", "/v1/runs/"+run+"/download", apitest.Fault{Status: 200, Body: []byte(`{"s3": "` + link + `"}`)})
}

// A redirect of the file host is followed without any Authorization header; a stalled stream
// is cut after the stall timeout, not at a total time limit. It runs in a synctest bubble,
// the fake and the file host in the process (streamTransport): the slow stream's gaps of
// 50ms and the stall's 300ms are on the bubble's clock, so a loaded machine can neither make
// the slow stream look stalled nor delay the cut.
func TestDownloadRedirectAndStall(t *testing.T) {
	synctest.Test(t, downloadRedirectAndStall)
}

func downloadRedirectAndStall(t *testing.T) {
	srv, baseURL, token, _ := bubbleFake(t)
	const hopHost = "hop.test"
	var hopURL = "http://" + hopHost
	hosts := streamTransport{"127.0.0.1": srv} // baseURL's host; the fake's file links too
	c, err := api.NewClient(api.WithBaseURL(baseURL), api.WithToken(token), api.WithHTTPClient(&http.Client{Transport: hosts}),
		api.WithoutPacing(), api.WithTimeout(300*time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	ctx := t.Context()
	link, err := c.Runs.DownloadURL(ctx, apitest.SeedRunHash)
	if err != nil {
		t.Fatal(err)
	}
	var sawAuth sync.Map
	hosts[hopHost] = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		sawAuth.Store(r.URL.Path, r.Header.Get("Authorization"))
		switch r.URL.Path {
		case "/redirect":
			http.Redirect(w, r, link, http.StatusFound)
		case "/slow":
			// 20 chunks 50ms apart: a second in all, longer than the 300ms timeout, never
			// silent for that long.
			for range 20 {
				w.Write(bytes.Repeat([]byte("y"), 100))
				w.(http.Flusher).Flush()
				time.Sleep(50 * time.Millisecond)
			}
		case "/stall":
			w.Write([]byte("id,name\n"))
			w.(http.Flusher).Flush()
			select {
			case <-r.Context().Done():
			case <-time.After(5 * time.Second):
			}
		}
	})
	pointAt(srv, apitest.SeedRunHash, hopURL+"/redirect")
	var buf bytes.Buffer
	if _, err := c.Runs.Download(ctx, apitest.SeedRunHash, &buf); err != nil || !bytes.HasPrefix(buf.Bytes(), []byte("id,")) {
		t.Fatalf("through a redirect: %v", err)
	}
	pointAt(srv, apitest.SeedRunHash, hopURL+"/slow")
	if n, err := c.Runs.Download(ctx, apitest.SeedRunHash, &buf); err != nil || n != 2000 {
		t.Fatalf("a slow but steady stream: %d, %v", n, err)
	}
	pointAt(srv, apitest.SeedRunHash, hopURL+"/stall")
	start := time.Now()
	n, err := c.Runs.Download(ctx, apitest.SeedRunHash, &buf)
	if err == nil || !strings.Contains(err.Error(), "no bytes for 300ms") || n != 8 || time.Since(start) > 4*time.Second {
		t.Fatalf("a stalled stream: %d, %v after %v", n, err, time.Since(start))
	}
	sawAuth.Range(func(k, v any) bool {
		if v != "" {
			t.Errorf("%v got an Authorization header", k)
		}
		return true
	})
	if fs := srv.FileRequests(); fs.WithAuthorization != 0 || fs.Served != 1 {
		t.Fatalf("file host: %+v", fs)
	}
}

// Formats, fields and omit reach the file host; the JSONL export holds the same rows as
// Results.All, value for value.
func TestDownloadFormats(t *testing.T) {
	srv, c := fakeClient(t, nil)
	ctx := t.Context()
	var jsonl bytes.Buffer
	if _, err := c.Runs.Download(ctx, apitest.SeedRunHash, &jsonl, api.WithFormat(api.FormatJSONL)); err != nil {
		t.Fatal(err)
	}
	lines := bytes.Split(bytes.TrimSpace(jsonl.Bytes()), []byte("\n"))
	i := 0
	for r, err := range c.Results.All(ctx, api.ResultsOptions{Run: apitest.SeedRunHash}) {
		if err != nil {
			t.Fatal(err)
		}
		var line api.Result
		if err := json.Unmarshal(lines[i], &line); err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(mustJSON(t, line), mustJSON(t, r)) {
			t.Fatalf("row %d: file %s, results %s", i, lines[i], mustJSON(t, r))
		}
		i++
	}
	if i != len(lines) || i != 40 {
		t.Fatalf("%d rows from Results.All, %d lines in the file; want 40", i, len(lines))
	}
	var csvBuf bytes.Buffer
	if _, err := c.Runs.Download(ctx, apitest.SeedRunHash, &csvBuf, api.WithFields("id", "name")); err != nil {
		t.Fatal(err)
	}
	if first, _, _ := strings.Cut(csvBuf.String(), "\n"); first != "id,name" {
		t.Fatalf("with fields id, name: header %q", first)
	}
	if _, err := c.Runs.Download(ctx, apitest.SeedRunHash, &csvBuf, api.WithFormat(api.FormatXLSX)); err == nil || !strings.Contains(err.Error(), "xlsx") {
		t.Fatalf("xlsx from a fake that makes none: %v", err)
	}
	if fs := srv.FileRequests(); fs.WithAuthorization != 0 || fs.Served != 2 {
		t.Fatalf("file host: %+v", fs)
	}
}

// Results.All over 10,000 rows: exactly 100 requests, each with limit and page_size 100, and
// every row once, in order. The fake does not check its answers and the client's requests
// against the document here (WithValidation(false)): under -race that was most of the
// test's time, and the same requests and pages are checked in TestRunFlowTwentyFiveTasks.
func TestResultsAllTenThousand(t *testing.T) {
	srv, c := fakeClient(t, []apitest.Option{apitest.WithValidation(false), apitest.WithRunLifecycle(apitest.RunLifecycle{Polls: 1, Rows: 10000})})
	// A crawler of three columns: what is tested is the walk over 100 pages, not the
	// weight of a row (Google Maps' 87 columns made 48 MB of JSON, the test's whole time).
	ctx := t.Context()
	sq, err := c.Squids.Create(ctx, "lacentrale-listing-status-checker", "ten-thousand")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Squids.Update(ctx, sq.Id, api.SquidUpdate{Params: &api.SquidParams{}}); err != nil {
		t.Fatal(err)
	}
	tasks := make([]api.Params, 20)
	for i := range tasks {
		tasks[i] = api.Params{"url": fmt.Sprintf("https://www.lacentrale.fr/auto-occasion-annonce-%d.html", 69000000+i)}
	}
	if _, err := c.Tasks.Add(ctx, sq.Id, tasks); err != nil {
		t.Fatal(err)
	}
	squid := sq.Id
	run, err := c.Runs.Start(t.Context(), squid)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Runs.Wait(t.Context(), run.Id, fastPolls...); err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for r, err := range c.Results.All(t.Context(), api.ResultsOptions{Run: run.Id}) {
		if err != nil {
			t.Fatal(err)
		}
		id := api.ResultID(r)
		if seen[id] || id == "" {
			t.Fatalf("row %q twice or without id", id)
		}
		seen[id] = true
	}
	if n := srv.Requests("GET /v1/results"); len(seen) != 10000 || n != 100 {
		t.Fatalf("%d rows in %d requests; want 10000 in 100", len(seen), n)
	}
	for _, r := range srv.RequestLog() {
		if r.Path == "/v1/results" && (!strings.Contains(r.Query, "limit=100") || !strings.Contains(r.Query, "page_size=100")) {
			t.Fatalf("query %q lacks limit=100 or page_size=100", r.Query)
		}
	}
}

// Under the fake's enforced 2 requests a second for /v1/results, Results.All gets no 429 and
// uses at least 95% of what the whole windows of its walk allowed. 200 rows, 10 a page: 20
// requests, about 10 s of the bubble's clock. (It was 2,000 rows, 100 a page: the same 20
// requests, ten times the JSON to make, check and decode under -race, for nothing the
// pacing depends on.)
//
// It runs in a synctest bubble (see api.InProcTransport): the fake's windows and the client's
// pacer follow the bubble's clock, so the count of each window is the pacer's doing alone.
// On the wall clock, a loaded machine that left the client unscheduled for a second cost
// the walk requests no pacer could have made (77% of the allowed, once).
func TestResultsAllUnderFamilyLimit(t *testing.T) {
	synctest.Test(t, resultsAllUnderFamilyLimit)
}

func resultsAllUnderFamilyLimit(t *testing.T) {
	srv, baseURL, token, rt := bubbleFake(t, apitest.WithRunLifecycle(apitest.RunLifecycle{Polls: 1, Rows: 200}))
	counter := &statusCounter{next: rt, n: map[int]int{}}
	c, err := api.NewClient(api.WithBaseURL(baseURL), api.WithToken(token), api.WithHTTPClient(&http.Client{Transport: counter}))
	if err != nil {
		t.Fatal(err)
	}
	squid := newRunSquid(t, c, "paced", 4)
	run, err := c.Runs.Start(t.Context(), squid)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Runs.Wait(t.Context(), run.Id, fastPolls...); err != nil {
		t.Fatal(err)
	}
	srv.EnforceFamilyRateLimit(apitest.FamilyResults, 2, time.Second)
	start := time.Now()
	rows := 0
	for _, err := range c.Results.All(t.Context(), api.ResultsOptions{Run: run.Id, Limit: 10}) {
		if err != nil {
			t.Fatal(err)
		}
		rows++
	}
	elapsed := time.Since(start)
	var times []time.Time
	for _, r := range srv.RequestLog() {
		if r.Path == "/v1/results" {
			times = append(times, r.Time)
		}
	}
	counter.mu.Lock()
	tooMany := counter.n[http.StatusTooManyRequests]
	counter.mu.Unlock()
	// The fake's windows are whole seconds of the clock. The walk's first and last windows
	// are partly outside it (it starts and ends mid-window): count the whole windows in
	// between, and the requests in them, as TestPacingFollowsTheServer does.
	first := times[0].Truncate(time.Second).Add(time.Second)
	last := times[len(times)-1].Truncate(time.Second)
	windows := int(last.Sub(first) / time.Second)
	made := 0
	for _, at := range times {
		if !at.Before(first) && at.Before(last) {
			made++
		}
	}
	allowed := 2 * windows
	t.Logf("Results.All of %d rows under 2/s: %d requests in %v, %d answered 429; in the %d whole windows of 1s between the first and the last: %d of the %d allowed (%.1f%%); %.2f requests/s overall",
		rows, len(times), elapsed.Round(time.Millisecond), tooMany, windows, made, allowed, 100*float64(made)/float64(max(allowed, 1)),
		float64(len(times)-1)/times[len(times)-1].Sub(times[0]).Seconds())
	if rows != 200 || len(times) != 20 || tooMany != 0 {
		t.Fatalf("%d rows in %d requests, %d answered 429; want 200 in 20, none 429", rows, len(times), tooMany)
	}
	if windows < 5 || made > allowed || float64(made) < 0.95*float64(allowed) {
		t.Fatalf("%d requests in %d whole windows: want at least 95%% of the %d allowed", made, windows, allowed)
	}
}

// ResultsAs decodes rows into the caller's struct; a row that does not fit is an error and
// the walk goes on; an error of the walk is passed on.
func TestResultsAs(t *testing.T) {
	_, c := fakeClient(t, nil)
	type lead struct {
		ID    string  `json:"id"`
		Name  string  `json:"name"`
		Score float64 `json:"score"`
	}
	var leads []lead
	for l, err := range api.ResultsAs[lead](c.Results.All(t.Context(), api.ResultsOptions{Run: apitest.SeedRunHash})) {
		if err != nil {
			t.Fatal(err)
		}
		leads = append(leads, l)
	}
	if len(leads) != 40 || leads[0].ID == "" || leads[0].Name == "" || !slices.ContainsFunc(leads, func(l lead) bool { return l.Score > 0 }) {
		t.Fatalf("leads: %d, first %+v", len(leads), leads[0])
	}
	type wrong struct {
		Name int `json:"name"`
	}
	bad := 0
	for _, err := range api.ResultsAs[wrong](c.Results.All(t.Context(), api.ResultsOptions{Run: apitest.SeedRunHash, Limit: 10})) {
		if err == nil || !strings.Contains(err.Error(), "DecodeResult: row ") {
			t.Fatalf("a name into an int: %v", err)
		}
		bad++
	}
	if bad != 40 {
		t.Fatalf("%d errors; want one per row, 40", bad)
	}
	if _, err := api.DecodeResult[lead](api.Result{"id": json.RawMessage(`7`), "name": json.RawMessage(`"x"`)}); err == nil {
		t.Fatal("a numeric id into a string field decoded")
	}
	if id := api.ResultID(api.Result{"id": json.RawMessage(`8542691`)}); id != "8542691" {
		t.Fatalf("numeric id: %q", id)
	}
	seq := func(yield func(api.Result, error) bool) { yield(nil, errors.New("walk failed")) }
	for _, err := range api.ResultsAs[lead](seq) {
		if err == nil || err.Error() != "walk failed" {
			t.Fatalf("the walk's error: %v", err)
		}
	}
}
