package cli

import (
	"context"

	"encoding/json"
	"net"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/lobstr-go/lobstr/api/apitest"
)

const (
	seedTask   = "c5e29d2aba8b77cdc56391e7405302de"
	seedSquid  = "a1b2c3d4e5f6g7h8i9j0"
	seedUpload = "427a7bfc54cf4ce483d83ba23425164b"
	otherHash  = "0123456789abcdef0123456789abcdef"
)

func TestShow(t *testing.T) {
	url, token := newServer(t)
	inv := invocation{env: envFor(url, token)}
	r := inv.run(t, "task", "show", seedTask)
	golden(t, "show", r)
	checkWidth(t, "show", r.stdout)
}

// TestShowJSON checks that --json prints what the server sent, wherever the flag is.
func TestShowJSON(t *testing.T) {
	url, token := newServer(t)
	status, body := rawGet(t, url+"/tasks/"+seedTask, token)
	if status != 200 {
		t.Fatalf("GET: %d %s", status, body)
	}
	inv := invocation{env: envFor(url, token)}
	for _, args := range [][]string{
		{"--json", "task", "show", seedTask},
		{"task", "--json", "show", seedTask},
		{"task", "show", "--json", seedTask},
		{"task", "show", seedTask, "--json"},
		{"task", "show", seedTask, "-json"},
		{"task", "show", seedTask, "--json=true"},
	} {
		r := inv.run(t, args...)
		if r.code != 0 || r.stderr != "" {
			t.Fatalf("%q: exit %d, stderr %q", args, r.code, r.stderr)
		}
		if !jsonEqual(t, []byte(r.stdout), body) {
			t.Errorf("%q printed\n%s\nwant the server's\n%s", args, r.stdout, body)
		}
	}
	// And the server's answer is the documented example.
	if !jsonEqual(t, body, fixture(t, "get-task.200.json")) {
		t.Errorf("the server's body differs from get-task.200.json:\n%s", body)
	}
}

// TestBaseURL checks that --base-url wins over LOBSTR_BASE_URL, before or after the verb.
func TestBaseURL(t *testing.T) {
	url, token := newServer(t)
	env := envFor(closedURL(t), token)
	for _, args := range [][]string{
		{"--base-url", url, "task", "show", seedTask},
		{"task", "show", seedTask, "--base-url=" + url},
	} {
		r := invocation{env: env}.run(t, args...)
		if r.code != 0 {
			t.Errorf("%q: exit %d, stderr %q", args, r.code, r.stderr)
		}
	}
}

func TestShowNotFound(t *testing.T) {
	url, token := newServer(t)
	r := invocation{env: envFor(url, token)}.run(t, "task", "show", otherHash)
	if r.code != 1 || r.stdout != "" {
		t.Errorf("exit %d, stdout %q; want 1 and nothing", r.code, r.stdout)
	}
	oneLine(t, r.stderr, `^lobstr: .*404 Not Found \(not_found_error\): Task not found`)
}

func TestUnauthorized(t *testing.T) {
	url, _ := newServer(t)
	const bad = "not-the-right-token-42"
	for _, args := range [][]string{
		{"task", "show", seedTask},
		{"task", "ls", seedSquid},
		{"--json", "task", "rm", seedTask, "--force"},
	} {
		r := invocation{env: envFor(url, bad)}.run(t, args...)
		if r.code != 1 || r.stdout != "" {
			t.Errorf("%q: exit %d, stdout %q; want 1 and nothing", args, r.code, r.stdout)
		}
		if args[0] == "--json" {
			oneLine(t, r.stderr, `^\{"error":\{"status":401,"type":"api_error","message":".*401 Unauthorized.*LOBSTR_TOKEN.*","exit":1\}\}\n$`)
		} else {
			oneLine(t, r.stderr, `^lobstr: .*401 Unauthorized.*check the token: --token, LOBSTR_TOKEN or 'lobstr config set-token'`)
		}
		if strings.Contains(r.stdout+r.stderr, bad) {
			t.Errorf("%q: the token appears in the output: %q", args, r.stderr)
		}
	}
}

// TestNoToken checks the message when no token can be found anywhere.
func TestNoToken(t *testing.T) {
	url, _ := newServer(t)
	// The api package reads the process environment for the token and the config file.
	t.Setenv("LOBSTR_TOKEN", "")
	t.Setenv("XDG_CONFIG_HOME", t.TempDir())
	r := invocation{env: map[string]string{"LOBSTR_BASE_URL": url}}.run(t, "task", "show", seedTask)
	if r.code != 2 || r.stdout != "" {
		t.Errorf("exit %d, stdout %q; want 2 and nothing", r.code, r.stdout)
	}
	if !strings.Contains(r.stderr, "LOBSTR_TOKEN") {
		t.Errorf("stderr %q does not name LOBSTR_TOKEN", r.stderr)
	}
}

// TestTokenFromConfigFile checks that the official CLI's config file is read.
func TestTokenFromConfigFile(t *testing.T) {
	url, token := newServer(t)
	dir := t.TempDir()
	if err := os.MkdirAll(filepath.Join(dir, "lobstr"), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "lobstr", "config.toml"), []byte("[auth]\ntoken = \""+token+"\"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("LOBSTR_TOKEN", "")
	t.Setenv("XDG_CONFIG_HOME", dir)
	r := invocation{env: map[string]string{"LOBSTR_BASE_URL": url}}.run(t, "task", "show", seedTask)
	if r.code != 0 {
		t.Errorf("exit %d, stderr %q", r.code, r.stderr)
	}
}

// closedURL returns a base URL on which nothing listens.
func closedURL(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	return "http://" + addr + "/v1"
}

func TestNetworkError(t *testing.T) {
	r := invocation{env: envFor(closedURL(t), "tok")}.run(t, "task", "show", seedTask)
	if r.code != 1 || r.stdout != "" {
		t.Errorf("exit %d, stdout %q; want 1 and nothing", r.code, r.stdout)
	}
	oneLine(t, r.stderr, `^lobstr: .*(refused|connect)`)
}

func TestUsageErrors(t *testing.T) {
	url, token := newServer(t)
	for _, args := range [][]string{
		{},
		{"nonsense"},
		{"task"},
		{"task", "frobnicate"},
		{"task", "show"},
		{"task", "show", "c5e2"},
		{"task", "show", strings.ToUpper(seedTask)},
		{"task", "show", seedTask, "extra"},
		{"task", "show", "--bogus", seedTask},
		{"--bogus", "task", "show", seedTask},
		{"task", "wait", seedTask, "--interval", "soon"},
		{"task", "wait", seedTask, "--timeout", "-1s"},
		{"task", "ls"},
		{"task", "ls", seedSquid, "--limit", "101"},
		{"task", "ls", seedSquid, "--limit", "many"},
		{"task", "ls", seedSquid, "--page", "-1"},
		{"task", "ls", seedSquid, "--type", "everything"},
		{"task", "add", seedSquid},
		{"task", "add", seedSquid, "--key", "", "x"},
		{"task", "add", seedSquid, "-", "-"},
		{"task", "rm"},
		{"task", "rm", "zz"},
		{"task", "upload", seedSquid},
		{"task", "upload", seedSquid, "tasks.xlsx"},
		{"task", "upload-status", "nope"},
		{"mock", "extra"},
		{"help", "nonsense"},
	} {
		r := invocation{env: envFor(url, token)}.run(t, args...)
		if r.code != 2 {
			t.Errorf("%q: exit %d; want 2 (stderr %q)", args, r.code, r.stderr)
		}
		if r.stdout != "" {
			t.Errorf("%q: stdout %q; want nothing", args, r.stdout)
		}
		// One line, saying where the usage is, never the whole usage.
		if len(args) > 0 {
			oneLine(t, r.stderr, `^lobstr: .*; run 'lobstr [a-z -]*--help' for usage\n$`)
		} else if !strings.Contains(r.stderr, "Usage:") {
			t.Errorf("no arguments: no usage on stderr: %q", r.stderr)
		}
	}
}

// TestHelp checks that every command answers --help with an example, on stdout, in 80
// columns.
func TestHelp(t *testing.T) {
	cmds := [][]string{{"mock"}}
	for name := range taskCommands {
		cmds = append(cmds, []string{"task", name})
	}
	for _, cmd := range cmds {
		for _, help := range []string{"--help", "-h", "-help"} {
			r := invocation{}.run(t, append(cmd, help)...)
			if r.code != 0 || r.stderr != "" {
				t.Errorf("%q %s: exit %d, stderr %q", cmd, help, r.code, r.stderr)
			}
			if !strings.Contains(r.stdout, "Usage: lobstr "+strings.Join(cmd[:1], " ")) || !strings.Contains(r.stdout, "Example") {
				t.Errorf("%q %s: no usage with an example:\n%s", cmd, help, r.stdout)
			}
			checkWidth(t, strings.Join(cmd, " ")+" "+help, r.stdout)
		}
		r := invocation{}.run(t, append([]string{"help"}, cmd...)...)
		if r.code != 0 || !strings.Contains(r.stdout, "Example") {
			t.Errorf("help %q: exit %d, %q", cmd, r.code, r.stdout)
		}
	}
	for _, args := range [][]string{{"--help"}, {"help"}, {"task", "--help"}, {"help", "task"}} {
		r := invocation{}.run(t, args...)
		if r.code != 0 || r.stderr != "" || !strings.Contains(r.stdout, "Usage:") {
			t.Errorf("%q: exit %d, stdout %q, stderr %q", args, r.code, r.stdout, r.stderr)
		}
		checkWidth(t, strings.Join(args, " "), r.stdout)
	}
}

func TestList(t *testing.T) {
	url, token := newServer(t)
	inv := invocation{env: envFor(url, token)}
	r := inv.run(t, "task", "ls", seedSquid)
	golden(t, "ls", r)

	status, body := rawGet(t, url+"/tasks?squid="+seedSquid, token)
	if status != 200 {
		t.Fatalf("GET: %d %s", status, body)
	}
	r = inv.run(t, "task", "ls", seedSquid, "--json")
	if r.code != 0 || !jsonEqual(t, []byte(r.stdout), body) {
		t.Errorf("ls --json: exit %d, printed\n%s\nwant the server's\n%s", r.code, r.stdout, body)
	}

	// --all --json prints one array of every task.
	var page struct {
		Data []json.RawMessage `json:"data"`
	}
	if err := json.Unmarshal(body, &page); err != nil {
		t.Fatal(err)
	}
	want, _ := json.Marshal(page.Data)
	r = inv.run(t, "task", "ls", seedSquid, "--all", "--json")
	if r.code != 0 || !jsonEqual(t, []byte(r.stdout), want) {
		t.Errorf("ls --all --json: exit %d, printed\n%s\nwant\n%s", r.code, r.stdout, want)
	}
	r = inv.run(t, "task", "ls", seedSquid, "--all", "--limit", "1")
	golden(t, "ls-all", r)
	r = inv.run(t, "task", "ls", seedSquid, "--limit", "1")
	golden(t, "ls-limit", r)
	r = inv.run(t, "task", "ls", seedSquid, "--limit", "1", "--page", "2", "--type", "params")
	golden(t, "ls-page2", r)
}

func TestListUnknownSquid(t *testing.T) {
	url, token := newServer(t)
	r := invocation{env: envFor(url, token)}.run(t, "task", "ls", "no-such-squid")
	if r.code != 1 || r.stdout != "" {
		t.Errorf("exit %d, stdout %q", r.code, r.stdout)
	}
	oneLine(t, r.stderr, `^lobstr: .*404`)
}

func TestAdd(t *testing.T) {
	url, token := newServer(t)
	inv := invocation{env: envFor(url, token), stdin: "https://example.com/b\n\n  https://example.com/c  \r\n"}
	dir := t.TempDir()
	file := filepath.Join(dir, "urls.txt")
	if err := os.WriteFile(file, []byte("https://example.com/d\n\nhttps://example.com/e"), 0o644); err != nil {
		t.Fatal(err)
	}
	r := inv.run(t, "task", "add", seedSquid, "https://example.com/a", "-", "--file", file)
	if r.code != 0 {
		t.Fatalf("exit %d, stderr %q", r.code, r.stderr)
	}
	if !strings.HasPrefix(r.stdout, "added 5, duplicates 0\n") {
		t.Errorf("stdout %q; want 5 added", r.stdout)
	}
	hashes := regexp.MustCompile(`(?m)^[0-9a-f]{32}\b`).FindAllString(r.stdout, -1)
	if len(hashes) != 5 {
		t.Errorf("want 5 hashes in\n%s", r.stdout)
	}
	// Each new task is there, with its URL.
	for i, h := range hashes {
		r := invocation{env: envFor(url, token)}.run(t, "--json", "task", "show", h)
		want := "https://example.com/" + string(rune('a'+i))
		if r.code != 0 || !strings.Contains(r.stdout, want) {
			t.Errorf("show %s: exit %d, %q; want %s", h, r.code, r.stdout, want)
		}
	}

	// Again: all duplicates.
	r = inv.run(t, "--json", "task", "add", seedSquid, "https://example.com/a", "-", "--file", file)
	var res struct {
		Duplicated int               `json:"duplicated_count"`
		Tasks      []json.RawMessage `json:"tasks"`
	}
	if err := json.Unmarshal([]byte(r.stdout), &res); err != nil || r.code != 0 {
		t.Fatalf("exit %d, %v: %q", r.code, err, r.stdout)
	}
	if res.Duplicated != 5 || len(res.Tasks) != 0 {
		t.Errorf("second add: %d duplicates, %d tasks; want 5 and 0", res.Duplicated, len(res.Tasks))
	}

	// Another key, on a crawler that takes it (the official CLI's README example); a key
	// the crawler does not take is the API's 400.
	r = inv.run(t, "--json", "squid", "create", "google-search-scraper")
	var search struct{ ID string }
	if err := json.Unmarshal([]byte(r.stdout), &search); err != nil || r.code != 0 || search.ID == "" {
		t.Fatalf("squid create google-search-scraper: exit %d, %v: %q", r.code, err, r.stdout)
	}
	r = inv.run(t, "--json", "task", "add", search.ID, "--key", "keyword", "pizza")
	if r.code != 0 || !strings.Contains(r.stdout, `"keyword":"pizza"`) {
		t.Errorf("--key keyword: exit %d, %q", r.code, r.stdout)
	}
	r = inv.run(t, "task", "add", seedSquid, "--key", "keyword", "pizza")
	if r.code != 1 || !strings.Contains(r.stderr, `"keyword" is not a task parameter of the crawler Google Maps Leads Scraper`) {
		t.Errorf("--key keyword on the seed squid: exit %d, %q", r.code, r.stderr)
	}
}

func TestAddFromStdinOnly(t *testing.T) {
	url, token := newServer(t)
	r := invocation{env: envFor(url, token), stdin: "\n  \n"}.run(t, "task", "add", seedSquid, "-")
	if r.code != 2 || !strings.Contains(r.stderr, "no values") {
		t.Errorf("blank stdin: exit %d, stderr %q; want 2", r.code, r.stderr)
	}
	r = invocation{env: envFor(url, token)}.run(t, "task", "add", seedSquid, "--file", filepath.Join(t.TempDir(), "missing"))
	if r.code != 1 {
		t.Errorf("missing file: exit %d, stderr %q; want 1", r.code, r.stderr)
	}
}

func TestRemove(t *testing.T) {
	url, token := newServer(t)
	inv := invocation{env: envFor(url, token)}
	r := inv.run(t, "task", "rm", seedTask)
	if r.code != exitUsage || !strings.Contains(r.stderr, "without --force") {
		t.Errorf("rm without --force off a terminal: exit %d %q", r.code, r.stderr)
	}
	r = inv.run(t, "task", "rm", seedTask, "-f")
	golden(t, "rm", r)
	r = inv.run(t, "task", "rm", seedTask, "--force")
	if r.code != 1 {
		t.Errorf("second rm: exit %d; want 1", r.code)
	}
	oneLine(t, r.stderr, `404 Not Found \(not_found_error\): Task not found`)
}

func TestRemoveJSON(t *testing.T) {
	url, token := newServer(t)
	r := invocation{env: envFor(url, token)}.run(t, "--json", "task", "rm", seedTask, "--force")
	if r.code != 0 || !jsonEqual(t, []byte(r.stdout), fixture(t, "delete-task.200.json")) {
		t.Errorf("exit %d, %q", r.code, r.stdout)
	}
}

func TestUploadStatus(t *testing.T) {
	url, token := newServer(t)
	inv := invocation{env: envFor(url, token)}
	r := inv.run(t, "task", "upload-status", seedUpload)
	golden(t, "upload-status", r)
	status, body := rawGet(t, url+"/tasks/upload/"+seedUpload, token)
	if status != 200 {
		t.Fatalf("GET: %d %s", status, body)
	}
	r = inv.run(t, "task", "upload-status", seedUpload, "--json")
	if r.code != 0 || !jsonEqual(t, []byte(r.stdout), body) {
		t.Errorf("--json: exit %d, %q; want %s", r.code, r.stdout, body)
	}
	r = inv.run(t, "task", "upload-status", otherHash)
	if r.code != 1 {
		t.Errorf("unknown upload: exit %d", r.code)
	}
	oneLine(t, r.stderr, `404 Not Found \(not_found_error\): Upload task not found`)
}

func TestUpload(t *testing.T) {
	url, token := newServer(t)
	inv := invocation{env: envFor(url, token)}
	file := filepath.Join(t.TempDir(), "tasks.csv")
	if err := os.WriteFile(file, []byte("url\nhttps://example.com/1\nhttps://example.com/2\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	r := inv.run(t, "task", "upload", seedSquid, file)
	if r.code != 0 || !regexp.MustCompile(`(?m)^upload +[0-9a-f]{32}$`).MatchString(r.stdout) {
		t.Errorf("upload: exit %d, stdout %q, stderr %q", r.code, r.stdout, r.stderr)
	}
	r = inv.run(t, "task", "upload", seedSquid, file, "--wait", "--interval", "100ms")
	if r.code != 0 || !regexp.MustCompile(`(?m)^state +SUCCESS$`).MatchString(r.stdout) {
		t.Errorf("upload --wait: exit %d, stdout %q, stderr %q", r.code, r.stdout, r.stderr)
	}
	for _, line := range strings.Split(strings.TrimSuffix(r.stderr, "\n"), "\n") {
		if !regexp.MustCompile(`^upload [0-9a-f]{32}: (PENDING|PROGRESS|SUCCESS)(, \d+ valid, \d+ inserted, \d+ duplicates, \d+ invalid)?, \d+s$`).MatchString(line) {
			t.Errorf("progress line %q", line)
		}
	}
	r = inv.run(t, "task", "upload", seedSquid, filepath.Join(t.TempDir(), "missing.csv"))
	if r.code != 1 || !strings.Contains(r.stderr, "missing.csv") {
		t.Errorf("missing file: exit %d, stderr %q", r.code, r.stderr)
	}
}

// progressLine is the non-terminal progress format of task wait.
var progressLine = regexp.MustCompile(`^task [0-9a-f]{32}: (pending|running|completed|failed|aborted), \d+ results?, \d+s$`)

func TestWaitDone(t *testing.T) {
	url, token := newServer(t)
	r := invocation{env: envFor(url, token)}.run(t, "task", "wait", seedTask)
	if r.code != 0 {
		t.Fatalf("exit %d, stderr %q", r.code, r.stderr)
	}
	if r.stderr != "task c5e29d2aba8b77cdc56391e7405302de: completed, 156 results, 0s\n" {
		t.Errorf("stderr %q", r.stderr)
	}
	show := invocation{env: envFor(url, token)}.run(t, "task", "show", seedTask)
	if r.stdout != show.stdout {
		t.Errorf("wait printed\n%s\nwant what show prints\n%s", r.stdout, show.stdout)
	}
}

func TestWaitInterrupted(t *testing.T) {
	url, token, hash := runningTask(t)
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(300*time.Millisecond, cancel)
	start := time.Now()
	r := invocation{env: envFor(url, token), ctx: ctx}.run(t, "task", "wait", hash, "--interval", "100ms")
	if r.code != 130 {
		t.Errorf("exit %d; want 130 (stderr %q)", r.code, r.stderr)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("took %v to stop", d)
	}
	if !strings.HasSuffix(r.stderr, "lobstr: interrupted\n") || r.stdout != "" {
		t.Errorf("stdout %q, stderr %q", r.stdout, r.stderr)
	}
}

func TestWaitTimeout(t *testing.T) {
	url, token, hash := runningTask(t)
	r := invocation{env: envFor(url, token)}.run(t, "task", "wait", hash, "--interval", "100ms", "--timeout", "350ms")
	if r.code != exitWaitState || r.stdout != "" {
		t.Errorf("exit %d, stdout %q; want 3 and nothing", r.code, r.stdout)
	}
	lines := strings.Split(strings.TrimSuffix(r.stderr, "\n"), "\n")
	last := lines[len(lines)-1]
	if !strings.Contains(last, "not done after 350ms") {
		t.Errorf("last line %q", last)
	}
	for _, line := range lines[:len(lines)-1] {
		if !progressLine.MatchString(line) {
			t.Errorf("progress line %q", line)
		}
	}
}

// TestWaitProgress checks the non-terminal progress format: one line per poll.
func TestWaitProgress(t *testing.T) {
	const hash = "0000000000000000000000000000beef"
	url, token := lifeTask(t, hash, apitest.Lifecycle{Polls: 4, Results: 40})
	r := invocation{env: envFor(url, token)}.run(t, "task", "wait", hash, "--interval", "100ms")
	if r.code != 0 {
		t.Fatalf("exit %d, stderr %q", r.code, r.stderr)
	}
	got := regexp.MustCompile(`(?m), \d+s$`).ReplaceAllString(r.stderr, ", Ns")
	want := "task " + hash + ": pending, 0 results, Ns\n" +
		"task " + hash + ": running, 13 results, Ns\n" +
		"task " + hash + ": running, 26 results, Ns\n" +
		"task " + hash + ": completed, 40 results, Ns\n"
	if got != want {
		t.Errorf("stderr\n%s\nwant\n%s", got, want)
	}
	for _, line := range strings.Split(strings.TrimSuffix(r.stderr, "\n"), "\n") {
		if !progressLine.MatchString(line) {
			t.Errorf("progress line %q", line)
		}
	}
	if !regexp.MustCompile(`(?m)^state +completed$`).MatchString(r.stdout) {
		t.Errorf("stdout %q", r.stdout)
	}
}

// TestWaitFailed checks that a task that fails ends the wait with exit status 3, the
// task's JSON on stdout and the error as JSON on stderr.
func TestWaitFailed(t *testing.T) {
	const hash = "0000000000000000000000000000dead"
	url, token := lifeTask(t, hash, apitest.Lifecycle{Polls: 2, Results: 40, End: "failed"})
	r := invocation{env: envFor(url, token)}.run(t, "--json", "task", "wait", hash, "--interval", "100ms")
	if r.code != exitWaitState {
		t.Errorf("exit %d; want 3", r.code)
	}
	if !strings.Contains(r.stdout, `"status":"failed"`) {
		t.Errorf("stdout %q", r.stdout)
	}
	if !strings.HasSuffix(r.stderr, `{"error":{"type":"wait","message":"task `+hash+` ended failed (done reason: error)","exit":3}}`+"\n") {
		t.Errorf("stderr %q", r.stderr)
	}
	// Without --json, the same in words.
	url, token = lifeTask(t, hash, apitest.Lifecycle{Polls: 2, Results: 40, End: "aborted"})
	r = invocation{env: envFor(url, token)}.run(t, "task", "wait", hash, "--interval", "100ms")
	if r.code != exitWaitState || !strings.HasSuffix(r.stderr, "lobstr: task "+hash+" ended aborted (done reason: run_aborted)\n") {
		t.Errorf("exit %d, stderr %q", r.code, r.stderr)
	}
}

// TestUploadFailure checks that an upload the server cannot read ends the wait with exit
// status 3.
func TestUploadFailure(t *testing.T) {
	url, token := newServer(t)
	file := filepath.Join(t.TempDir(), "bad.csv")
	if err := os.WriteFile(file, []byte("url\n\xff\xfe\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	r := invocation{env: envFor(url, token)}.run(t, "task", "upload", seedSquid, file, "--wait", "--interval", "100ms")
	if r.code != exitWaitState || !regexp.MustCompile(`(?m)^state +FAILURE$`).MatchString(r.stdout) {
		t.Errorf("exit %d, stdout %q", r.code, r.stdout)
	}
	if !regexp.MustCompile(`lobstr: upload [0-9a-f]{32} ended FAILURE\n$`).MatchString(r.stderr) {
		t.Errorf("stderr %q", r.stderr)
	}
}
