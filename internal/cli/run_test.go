package cli

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/lobstr-go/lobstr/api/apitest"
)

var startedRun = regexp.MustCompile(`started run ([0-9a-f]{32})`)

// lobstr go from a crawler slug and two URLs to a CSV; results get of the same run gives
// the same rows as JSON; a second go with the same --name reuses the squid.
func TestGoToCSVThenResults(t *testing.T) {
	srv := apitest.NewServer(t, apitest.WithToken(testToken), apitest.WithRunLifecycle(apitest.RunLifecycle{Polls: 4}))
	inv := invocation{env: envFor(srv.URL, srv.Token)}
	out := filepath.Join(t.TempDir(), "leads.csv")
	r := inv.run(t, "go", apitest.SeedCrawlerSlug, "https://www.google.com/maps/search/pizza/@40.7,-74,14z",
		"https://www.google.com/maps/search/cafe/@48.85,2.35,14z", "--name", "leads", "--param", "max_results=null",
		"--concurrency", "2", "--interval", "100ms", "-o", out)
	if r.code != 0 {
		t.Fatalf("go: exit %d\n%s", r.code, r.stderr)
	}
	m := startedRun.FindStringSubmatch(r.stderr)
	if m == nil || !strings.Contains(r.stderr, "created squid") || !strings.Contains(r.stderr, "wrote "+out) {
		t.Fatalf("go's stderr:\n%s", r.stderr)
	}
	run := m[1]
	f, err := os.Open(out)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	records, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	st, _ := srv.Run(run)
	if len(records)-1 != st.Rows || st.Rows == 0 || st.Status != "done" {
		t.Fatalf("CSV has %d rows; the run %+v", len(records)-1, st)
	}
	res := inv.run(t, "results", "get", "--run", run)
	if res.code != 0 {
		t.Fatalf("results get: %d %s", res.code, res.stderr)
	}
	var rows []map[string]json.RawMessage
	if err := json.Unmarshal([]byte(res.stdout), &rows); err != nil {
		t.Fatalf("results get output is not a JSON array: %v\n%s", err, res.stdout)
	}
	if len(rows) != len(records)-1 {
		t.Fatalf("results get: %d rows, the CSV %d", len(rows), len(records)-1)
	}
	for i, row := range rows {
		for j, col := range records[0] {
			if cellText(row[col]) != records[i+1][j] {
				t.Fatalf("row %d column %s: JSON %s, CSV %q", i, col, row[col], records[i+1][j])
			}
		}
	}
	csvOut := inv.run(t, "results", "get", "--run", run, "--format", "csv")
	if n := strings.Count(csvOut.stdout, "\n"); csvOut.code != 0 || n != len(records) {
		t.Fatalf("results get --format csv: exit %d, %d lines, want %d", csvOut.code, n, len(records))
	}
	again := inv.run(t, "go", apitest.SeedCrawlerSlug, "https://www.google.com/maps/search/bar/@40.7,-74,14z",
		"--name", "leads", "--empty", "--no-download", "--delete", "--interval", "100ms")
	if again.code != 0 || !strings.Contains(again.stderr, "reusing squid") || !strings.Contains(again.stderr, "emptied squid") ||
		!strings.Contains(again.stderr, "kept: --delete waits for the run") {
		t.Fatalf("go again: exit %d\n%s", again.code, again.stderr)
	}
	if fs := srv.FileRequests(); fs.WithAuthorization != 0 || fs.Served != 1 {
		t.Fatalf("file host: %+v", fs)
	}
}

// Interrupted while it waits, lobstr go says which run goes on and how to stop it: 130.
func TestGoInterrupted(t *testing.T) {
	srv := apitest.NewServer(t, apitest.WithToken(testToken), apitest.WithRunLifecycle(apitest.RunLifecycle{Polls: 100000}))
	ctx, cancel := context.WithTimeout(context.Background(), 500*time.Millisecond)
	defer cancel()
	inv := invocation{env: envFor(srv.URL, srv.Token), ctx: ctx}
	r := inv.run(t, "go", apitest.SeedCrawlerID, "https://example.com/a", "--interval", "100ms")
	m := startedRun.FindStringSubmatch(r.stderr)
	if r.code != exitInterrupted || m == nil || !strings.Contains(r.stderr, "'lobstr run abort "+m[1]+"'") {
		t.Fatalf("interrupted go: exit %d\n%s", r.code, r.stderr)
	}
	if st, _ := srv.Run(m[1]); st.Status == "done" || st.Status == "aborted" {
		t.Fatalf("the run was ended: %+v", st)
	}
}

// The run commands against the fake: start --wait, show, stats, tasks, ls, download; abort
// of a running run, whose watch then ends with exit status 3.
func TestRunCommands(t *testing.T) {
	srv := apitest.NewServer(t, apitest.WithToken(testToken), apitest.WithRunLifecycle(apitest.RunLifecycle{Polls: 4}))
	inv := invocation{env: envFor(srv.URL, srv.Token)}
	g := inv.run(t, "go", apitest.SeedCrawlerID, "https://example.com/1", "https://example.com/2", "--name", "cmds",
		"--no-download", "--interval", "100ms")
	if g.code != 0 {
		t.Fatalf("go: %d %s", g.code, g.stderr)
	}
	squid := regexp.MustCompile(`created squid (\S+)`).FindStringSubmatch(g.stderr)[1]
	if w := inv.run(t, "run", "watch", strings.TrimSpace(g.stdout), "--interval", "100ms"); w.code != 0 {
		t.Fatalf("watch of go's run: %d %s", w.code, w.stderr)
	}
	start := inv.run(t, "run", "start", squid, "--wait", "--interval", "100ms")
	if start.code != 0 || !strings.Contains(start.stdout, "status       done") || !strings.Contains(start.stdout, "export       ready") {
		t.Fatalf("run start --wait: %d\n%s%s", start.code, start.stdout, start.stderr)
	}
	run := startedRun.FindStringSubmatch(start.stderr)[1]
	for _, args := range [][]string{{"show", run}, {"stats", run}, {"tasks", run}, {"tasks", run, "--all"}, {"ls", squid}} {
		r := inv.run(t, append([]string{"run"}, args...)...)
		if r.code != 0 || !strings.Contains(r.stdout, run[:8]) && !strings.Contains(r.stdout, "completed") {
			t.Fatalf("run %v: %d\n%s%s", args, r.code, r.stdout, r.stderr)
		}
	}
	js := inv.run(t, "--json", "run", "show", run)
	var doc map[string]any
	if js.code != 0 || json.Unmarshal([]byte(js.stdout), &doc) != nil || doc["id"] != run {
		t.Fatalf("run show --json: %s", js.stdout)
	}
	file := filepath.Join(t.TempDir(), "out.jsonl")
	if r := inv.run(t, "run", "download", run, "-o", file); r.code != 0 {
		t.Fatalf("download: %d %s", r.code, r.stderr)
	}
	if b, _ := os.ReadFile(file); !strings.HasPrefix(string(b), `{"id":`) {
		t.Fatalf("jsonl file: %.80s", b)
	}
	if entries, _ := os.ReadDir(filepath.Dir(file)); len(entries) != 1 {
		t.Fatalf("a temporary file is left: %v", entries)
	}

	srv.SetRunLifecycle(apitest.RunLifecycle{Polls: 1000})
	long := inv.run(t, "--json", "run", "start", squid)
	var started map[string]any
	if long.code != 0 || json.Unmarshal([]byte(long.stdout), &started) != nil {
		t.Fatalf("run start: %d %s", long.code, long.stderr)
	}
	id := started["id"].(string)
	if r := inv.run(t, "run", "abort", id); r.code != 0 || !strings.Contains(r.stdout, "aborted") {
		t.Fatalf("abort: %d %s%s", r.code, r.stdout, r.stderr)
	}
	w := inv.run(t, "run", "watch", id, "--interval", "100ms")
	if w.code != exitWaitState || !strings.Contains(w.stderr, "ended aborted (aborted)") {
		t.Fatalf("watch of an aborted run: %d\n%s", w.code, w.stderr)
	}
	unknown := run[:31] + "0" // another hash: the run's own last character changed
	if run[31] == '0' {
		unknown = run[:31] + "1"
	}
	to := inv.run(t, "run", "watch", unknown, "--interval", "100ms")
	if to.code != exitFail {
		t.Fatalf("watch of an unknown run: %d %s", to.code, to.stderr)
	}
}

func TestRunAndResultsUsage(t *testing.T) {
	inv := invocation{env: envFor("http://127.0.0.1:1/v1", testToken)}
	for _, args := range [][]string{
		{"run", "show", "abc"},
		{"run", "frob"},
		{"run", "download", apitest.SeedRunHash, "--format", "pdf"},
		{"results", "get"},
		{"results", "get", "sq", "--run", apitest.SeedRunHash},
		{"results", "get", "--run", apitest.SeedRunHash, "--format", "xml"},
		{"go", "crawler"},
		{"go", "crawler", "x", "--param", "novalue"},
		{"go", "crawler", "x", "--concurrency", "50"},
	} {
		r := inv.run(t, args...)
		if r.code != exitUsage || !strings.Contains(r.stderr, "--help") {
			t.Errorf("%v: exit %d, %q", args, r.code, r.stderr)
		}
	}
	help := inv.run(t, "help", "run")
	for _, verb := range []string{"start", "ls", "show", "stats", "tasks", "watch", "abort", "download"} {
		if !strings.Contains(help.stdout, "  "+verb+" ") {
			t.Errorf("lobstr help run lacks %s", verb)
		}
	}
	if r := inv.run(t, "go", "--help"); r.code != 0 || !slices.ContainsFunc(strings.Split(r.stdout, "\n"), func(l string) bool { return strings.Contains(l, "--no-download") }) {
		t.Errorf("go --help: %d %s", r.code, r.stdout)
	}
}
