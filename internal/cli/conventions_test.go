package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/lobstr-go/lobstr/api"
	"github.com/lobstr-go/lobstr/api/apitest"
	"github.com/lobstr-go/lobstr/gen/models"
	"github.com/lobstr-go/lobstr/types"
)

// widths are the terminal widths of the golden tests; 0 is a pipe.
var widths = []int{40, 80, 200, 0}

// goldenWidths runs args at every width and compares the outputs with testdata/NAME.golden.
// On a terminal no line is wider than the terminal unless it holds a whole hash; in a pipe
// nothing is cut (no …) and hashes are whole everywhere.
func goldenWidths(t *testing.T, name string, inv invocation, hashes []string, args ...string) {
	t.Helper()
	var all strings.Builder
	for _, w := range widths {
		r := inv.runTerminal(t, w, args...)
		label := fmt.Sprintf("width %d", w)
		if w == 0 {
			label = "pipe"
		}
		fmt.Fprintf(&all, "== %s ==\n-- exit %d --\n-- stdout --\n%s-- stderr --\n%s", label, r.code, r.stdout, r.stderr)
		for _, h := range hashes {
			if !strings.Contains(r.stdout, h) {
				t.Errorf("%s at %s: hash %s is not whole:\n%s", name, label, h, r.stdout)
			}
		}
		for _, line := range strings.Split(strings.TrimSuffix(r.stdout, "\n"), "\n") {
			n := utf8.RuneCountInString(line)
			if w > 0 && n > w && !regexp.MustCompile(`\b[0-9a-f]{32}\b`).MatchString(line) {
				t.Errorf("%s at %s: line of %d columns: %q", name, label, n, line)
			}
			if w == 0 && strings.Contains(line, "…") {
				t.Errorf("%s in a pipe: a line is cut: %q", name, line)
			}
		}
	}
	path := filepath.Join("testdata", name+".golden")
	if *update {
		if err := os.WriteFile(path, []byte(all.String()), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run the tests with -update to write it)", err)
	}
	if all.String() != string(want) {
		t.Errorf("%s differs from %s:\n--- got\n%s\n--- want\n%s", name, path, all.String(), want)
	}
}

const longTask = "0123456789abcdef0123456789abcd01"

// wideServer is the fake with one more task in the seed squid, whose parameters are long.
func wideServer(t *testing.T) invocation {
	srv := apitest.NewServer(t, apitest.WithToken(testToken))
	ts, _ := types.ParseTimestamp("2025-03-06T10:00:00.000000")
	srv.PutTask(apitest.SeedSquid, models.Task{
		HashValue: longTask, CreatedAt: ts, IsActive: false, Module: types.ModuleInt(5), Object: "task",
		Params: models.Params{"url": "https://www.linkedin.com/in/a-rather-long-profile-name-0123456789/details/experience?lang=en"},
		Status: models.TaskStatus{Status: models.Pending, Errors: json.RawMessage("null")},
	})
	return invocation{env: envFor(srv.URL, srv.Token)}
}

func TestGoldenTaskTable(t *testing.T) {
	inv := wideServer(t)
	goldenWidths(t, "widths-ls", inv, []string{seedTask, longTask}, "task", "ls", seedSquid)
}

func TestGoldenTaskShow(t *testing.T) {
	inv := wideServer(t)
	goldenWidths(t, "widths-show", inv, []string{longTask}, "task", "show", longTask)
}

func TestGoldenUploadStatus(t *testing.T) {
	inv := wideServer(t)
	goldenWidths(t, "widths-upload-status", inv, []string{seedUpload}, "task", "upload-status", seedUpload)
}

func TestGoldenConfigShow(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "a-config-home-with-a-rather-long-name-to-see-it-whole")
	t.Setenv("XDG_CONFIG_HOME", dir)
	inv := invocation{env: map[string]string{"LOBSTR_BASE_URL": "http://127.0.0.1:1/v1"}}
	if r := inv.run(t, "config", "set-alias", "reviews", seedSquid); r.code != 0 {
		t.Fatalf("set-alias: %d %q", r.code, r.stderr)
	}
	// The temporary directory differs from run to run: the golden file holds CONFIG.
	var all strings.Builder
	for _, w := range widths {
		r := inv.runTerminal(t, w, "config", "show", "--token", "tok-0123456789abcdef")
		fmt.Fprintf(&all, "== width %d ==\n-- exit %d --\n%s%s", w, r.code, r.stdout, r.stderr)
		if !strings.Contains(r.stdout, dir) {
			t.Errorf("width %d: the path is not whole:\n%s", w, r.stdout)
		}
		if strings.Contains(r.stdout, "0123456789abcdef") {
			t.Errorf("width %d: the token shows whole:\n%s", w, r.stdout)
		}
	}
	got := strings.ReplaceAll(all.String(), dir, "CONFIG")
	path := filepath.Join("testdata", "widths-config-show.golden")
	if *update {
		os.WriteFile(path, []byte(got), 0o644)
		return
	}
	want, err := os.ReadFile(path)
	if err != nil || got != string(want) {
		t.Errorf("%v; differs from %s:\n--- got\n%s\n--- want\n%s", err, path, got, want)
	}
}

// TestTableShrinkOrder checks the order in which a table of tasks gives up width.
func TestTableShrinkOrder(t *testing.T) {
	tb := newTaskTable()
	tb.add(seedTask, "2025-03-05 09:24", "yes", "https://www.example.com/a/long/path/to/a/page")
	for _, tc := range []struct {
		width int
		want  []int
	}{
		{0, []int{32, 16, 6, 45}},
		{200, []int{32, 16, 6, 45}},
		{100, []int{32, 16, 6, 40}},
		{84, []int{32, 16, 6, 24}},  // PARAMS first, down to 24
		{76, []int{32, 16, -1, 24}}, // then ACTIVE goes
		{60, []int{32, -1, -1, 26}}, // then CREATED, and PARAMS gets the room back
		{40, []int{32, -1, -1, 6}},  // then PARAMS shrinks to 6
		{20, []int{32, -1, -1, 6}},  // the ID is never cut
	} {
		if got := tb.widths(tc.width); !slices.Equal(got, tc.want) {
			t.Errorf("width %d: %v; want %v", tc.width, got, tc.want)
		}
	}
}

// TestShowJSONUnknownFields checks that --json prints the server's body byte for byte,
// fields the document does not know included.
func TestShowJSONUnknownFields(t *testing.T) {
	body := bytes.TrimSpace(fixture(t, "get-task.200.json"))
	body = append(append([]byte(`{"brand_new_field": {"nested": [1, 2.50, "x"]}, "another":  null,`), body[1:]...), '\n')
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Write(body)
	}))
	defer srv.Close()
	r := invocation{env: envFor(srv.URL+"/v1", "tok")}.run(t, "task", "show", seedTask, "--json")
	if r.code != 0 || r.stdout != string(body) {
		t.Errorf("exit %d, stderr %q, stdout\n%s\nwant the server's bytes\n%s", r.code, r.stderr, r.stdout, body)
	}
	// On a terminal the same JSON, indented.
	r = invocation{env: envFor(srv.URL+"/v1", "tok")}.runTerminal(t, 80, "task", "show", seedTask, "--json")
	var indented bytes.Buffer
	json.Indent(&indented, bytes.TrimSpace(body), "", "  ")
	if r.stdout != indented.String()+"\n" || !strings.Contains(r.stdout, `"brand_new_field"`) {
		t.Errorf("on a terminal: %q", r.stdout)
	}
}

// TestListAllJSON checks --all --json: one array of the items as the server sent them,
// over several pages.
func TestListAllJSON(t *testing.T) {
	url, token := newServer(t)
	r := invocation{env: envFor(url, token)}.run(t, "task", "ls", seedSquid, "--all", "--limit", "1", "--json")
	var items []map[string]any
	if err := json.Unmarshal([]byte(r.stdout), &items); err != nil || r.code != 0 || len(items) != 2 {
		t.Fatalf("exit %d, %v: %q", r.code, err, r.stdout)
	}
	_, page := rawGet(t, url+"/tasks?squid="+seedSquid+"&limit=1", token)
	var p struct{ Data []json.RawMessage }
	json.Unmarshal(page, &p)
	if !strings.HasPrefix(r.stdout, "["+string(p.Data[0])+",") {
		t.Errorf("the first item is not as sent:\n%s\n%s", r.stdout, p.Data[0])
	}
}

// TestErrorsOneLine checks the wording of errors: one line, no Go call chain.
func TestErrorsOneLine(t *testing.T) {
	closed := closedURL(t)
	host := strings.TrimSuffix(strings.TrimPrefix(closed, "http://"), "/v1")
	r := invocation{env: envFor(closed, "tok")}.run(t, "task", "show", seedTask)
	want := "lobstr: cannot reach the API at " + host + ": connection refused (is the server running? check --base-url)\n"
	if r.code != exitFail || r.stderr != want {
		t.Errorf("exit %d, stderr %q; want %q", r.code, r.stderr, want)
	}
	r = invocation{env: envFor(closed, "tok")}.run(t, "--json", "task", "show", seedTask)
	if r.code != exitFail || !strings.HasPrefix(r.stderr, `{"error":{"type":"network","message":"cannot reach the API at `) {
		t.Errorf("--json: exit %d, stderr %q", r.code, r.stderr)
	}
	// A file that is not there.
	url, token := newServer(t)
	r = invocation{env: envFor(url, token)}.run(t, "task", "add", seedSquid, "--file", "no-such-file.txt")
	if r.code != exitFail || r.stderr != "lobstr: cannot open no-such-file.txt: no such file or directory\n" {
		t.Errorf("missing file: exit %d, stderr %q", r.code, r.stderr)
	}
	r = invocation{env: envFor(url, token)}.run(t, "task", "upload", seedSquid, "no-such-file.csv")
	if r.code != exitFail || r.stderr != "lobstr: cannot open no-such-file.csv: no such file or directory\n" {
		t.Errorf("missing upload: exit %d, stderr %q", r.code, r.stderr)
	}
	// A usage error under --json.
	r = invocation{}.run(t, "--json", "task", "ls", seedSquid, "--limit", "0")
	if r.code != exitUsage || r.stderr != `{"error":{"type":"usage","message":"task ls: --limit 0: want 1 to 100; run 'lobstr task ls --help' for usage","exit":2}}`+"\n" {
		t.Errorf("--json usage: exit %d, stderr %q", r.code, r.stderr)
	}
	for _, out := range []string{r.stderr} {
		if strings.Contains(out, "dial tcp") || strings.Contains(out, `Get "`) {
			t.Errorf("a Go call chain: %q", out)
		}
	}
}

// TestSmallDefects checks the fixes of the smaller defects, one by one.
func TestSmallDefects(t *testing.T) {
	srv := apitest.NewServer(t, apitest.WithToken(testToken))
	inv := invocation{env: envFor(srv.URL, srv.Token)}

	// A UTF-8 byte-order mark is not part of the first value.
	file := filepath.Join(t.TempDir(), "urls.txt")
	os.WriteFile(file, []byte("\ufeffhttps://example.com/bom\r\nhttps://example.com/two\r\n"), 0o644)
	r := inv.run(t, "--json", "task", "add", seedSquid, "--file", file)
	if r.code != 0 || !strings.Contains(r.stdout, `"url":"https://example.com/bom"`) || strings.Contains(r.stdout, "\ufeff") {
		t.Errorf("BOM: exit %d, %q", r.code, r.stdout)
	}

	// --all asks for 100 a page.
	r = inv.run(t, "task", "ls", seedSquid, "--all")
	if r.code != 0 {
		t.Fatalf("--all: exit %d, %q", r.code, r.stderr)
	}
	log := srv.RequestLog()
	if last := log[len(log)-1]; last.Path != "/v1/tasks" || !strings.Contains(last.Query, "limit=100") {
		t.Errorf("--all asked %s?%s; want limit=100", last.Path, last.Query)
	}

	// --limit 0 is refused, before any request.
	before := srv.Requests("")
	r = inv.run(t, "task", "ls", seedSquid, "--limit", "0")
	if r.code != exitUsage || !strings.Contains(r.stderr, "--limit 0: want 1 to 100") || srv.Requests("") != before {
		t.Errorf("--limit 0: exit %d, %q", r.code, r.stderr)
	}

	// A page past the end says so and exits 1.
	r = inv.run(t, "task", "ls", seedSquid, "--page", "99")
	if r.code != exitFail || r.stderr != "lobstr: page 99 is past the end: squid "+seedSquid+" has 4 tasks on 1 page\n" {
		t.Errorf("--page 99: exit %d, %q, %q", r.code, r.stdout, r.stderr)
	}

	// lobstr help CMD.
	for _, args := range [][]string{{"help", "task", "ls"}, {"help", "task"}, {"help", "mock"}, {"help", "config"}, {"help", "config", "set-alias"}, {"help", "version"}, {"help"}} {
		r = invocation{}.run(t, args...)
		if r.code != 0 || r.stderr != "" || !strings.Contains(r.stdout, "Usage:") {
			t.Errorf("%q: exit %d, %q, %q", args, r.code, r.stdout, r.stderr)
		}
	}
	if r = (invocation{}).run(t, "help", "task", "ls"); !strings.HasPrefix(r.stdout, "Usage: lobstr task ls SQUID") {
		t.Errorf("help task ls: %q", r.stdout)
	}
	// --version and version.
	for _, args := range [][]string{{"--version"}, {"version"}} {
		if r = (invocation{}).run(t, args...); r.code != 0 || !regexp.MustCompile(`^lobstr \d+\.\d+\.\d+\n$`).MatchString(r.stdout) {
			t.Errorf("%q: %d %q", args, r.code, r.stdout)
		}
	}
}

// TestVerbose checks --verbose: each request and its status on stderr, never the token.
func TestVerbose(t *testing.T) {
	url, token := newServer(t)
	r := invocation{env: envFor(url, token)}.run(t, "--verbose", "task", "show", seedTask)
	re := `^lobstr: GET ` + regexp.QuoteMeta(url) + `/tasks/` + seedTask + ` -> 200 OK \(\d+(\.\d+)?[µnm]?s\), rate limit \d+ left\n$`
	if r.code != 0 || !regexp.MustCompile(re).MatchString(r.stderr) {
		t.Errorf("exit %d, stderr %q", r.code, r.stderr)
	}
	if strings.Contains(r.stderr, token) {
		t.Errorf("the token shows: %q", r.stderr)
	}
	// --token wins over LOBSTR_TOKEN.
	r = invocation{env: envFor(url, "wrong-token")}.run(t, "task", "show", seedTask, "--token", token)
	if r.code != 0 {
		t.Errorf("--token: exit %d, %q", r.code, r.stderr)
	}
	// --quiet: no footer.
	r = invocation{env: envFor(url, token)}.run(t, "--quiet", "task", "ls", seedSquid)
	if r.code != 0 || r.stderr != "" {
		t.Errorf("--quiet: exit %d, stderr %q", r.code, r.stderr)
	}
}

// TestInsecureHTTP checks that a plain-http base URL off loopback needs --insecure-http.
func TestInsecureHTTP(t *testing.T) {
	r := invocation{env: envFor("http://lobstr-mock.invalid:8080/v1", "tok")}.run(t, "task", "show", seedTask)
	if r.code != exitUsage || !strings.Contains(r.stderr, "--insecure-http") {
		t.Errorf("exit %d, %q", r.code, r.stderr)
	}
	r = invocation{env: envFor("http://lobstr-mock.invalid:8080/v1", "tok")}.run(t, "task", "show", seedTask, "--insecure-http")
	if r.code != exitFail || !strings.Contains(r.stderr, "cannot reach the API at lobstr-mock.invalid:8080") {
		t.Errorf("--insecure-http: exit %d, %q", r.code, r.stderr)
	}
}

// TestWaitNotice checks what a wait of the client looks like on stderr: said when longer
// than a second, never under --quiet, and around a progress line on a terminal.
func TestWaitNotice(t *testing.T) {
	var buf bytes.Buffer
	c := &cli{stderr: &buf, env: func(string) string { return "" }}
	c.onWait("tasks", 500_000_000, "rate limit")
	c.onWait("tasks", 40_200_000_000, "rate limit")
	c.onWait("other", 2_000_000_000, "retry after 503")
	if got, want := buf.String(), "lobstr: waiting 41s for the rate limit of /v1/tasks\nlobstr: waiting 2s before retrying (503)\n"; got != want {
		t.Errorf("got %q\nwant %q", got, want)
	}
	buf.Reset()
	c.quiet = true
	c.onWait("tasks", 5_000_000_000, "rate limit")
	if buf.Len() != 0 {
		t.Errorf("--quiet: %q", buf.String())
	}
	// On a terminal, the progress line is taken away, the notice printed, the line drawn again.
	term := &fakeTerminal{width: 60}
	c = &cli{stderr: term, env: func(string) string { return "" }, errOut: stream{tty: true, width: 60}}
	p := c.newProgress("task " + seedTask)
	p.update("running", "3 results")
	c.onWait("tasks", 3_000_000_000, "rate limit")
	p.finish()
	screen := emulate(term.String(), 60)
	if len(screen) != 2 || screen[0] != "lobstr: waiting 3s for the rate limit of /v1/tasks" || !strings.HasPrefix(screen[1], "task "+seedTask[:8]+": running") {
		t.Errorf("screen %q", screen)
	}
}

// TestMatchPrefix checks the resolution of squid prefixes.
func TestMatchPrefix(t *testing.T) {
	ids := []string{"a1b2c3", "a1ffff", "b00000", "a1"}
	for _, tc := range []struct{ in, id, msg string }{
		{"b", "b00000", ""},
		{"a1", "a1", ""}, // exact wins
		{"a1b", "a1b2c3", ""},
		{"a", "", `"a" is ambiguous: it starts a1, a1b2c3, a1ffff; give more characters`},
		{"c", "", `"c" matches no squid`},
	} {
		id, msg := matchPrefix(tc.in, ids)
		if id != tc.id || msg != tc.msg {
			t.Errorf("%q: %q, %q; want %q, %q", tc.in, id, msg, tc.id, tc.msg)
		}
	}
}

// TestSquidLister checks that a squid lister, once set, resolves prefixes for commands.
func TestSquidLister(t *testing.T) {
	url, token := newServer(t)
	// The fake lister of this test stands for List Squids (squid.go sets the real one).
	old := squidLister
	defer func() { squidLister = old }()
	squidLister = func(context.Context, *api.Client) ([]squidRef, error) {
		return []squidRef{{seedSquid, "reviews"}, {"ffff0000", "other"}}, nil
	}
	r := invocation{env: envFor(url, token)}.run(t, "task", "ls", "a1b2")
	if r.code != 0 || !strings.Contains(r.stdout, seedTask) {
		t.Errorf("prefix: exit %d, %q", r.code, r.stderr)
	}
	// No listed squid starts with it: sent as it is, the API answers 404.
	r = invocation{env: envFor(url, token)}.run(t, "task", "ls", "zz")
	if r.code != exitFail || !strings.Contains(r.stderr, "404") {
		t.Errorf("no match: exit %d, %q", r.code, r.stderr)
	}
	squidLister = func(context.Context, *api.Client) ([]squidRef, error) {
		return []squidRef{{"a1b2", "x"}, {"a1b3", "y"}}, nil
	}
	r = invocation{env: envFor(url, token)}.run(t, "task", "ls", "a1b")
	if r.code != exitUsage || !strings.Contains(r.stderr, `SQUID "a1b" is ambiguous`) {
		t.Errorf("ambiguous: exit %d, %q", r.code, r.stderr)
	}
}

// TestReadmeMatchesHelp checks that README's command-line section lists the commands of
// `lobstr --help`, verb for verb.
func TestReadmeMatchesHelp(t *testing.T) {
	readme, err := os.ReadFile(filepath.Join("..", "..", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	_, section, ok := strings.Cut(string(readme), "## The command line")
	if !ok {
		t.Fatal("README has no section \"## The command line\"")
	}
	section, _, _ = strings.Cut(section, "\n## ")
	verbs := func(text string, re *regexp.Regexp) []string {
		var out []string
		for _, m := range re.FindAllStringSubmatch(text, -1) {
			v := strings.TrimSpace(m[1])
			if !slices.Contains(out, v) {
				out = append(out, v)
			}
		}
		slices.Sort(out)
		return out
	}
	// README: `lobstr VERB [SUBVERB]` at the start of a line of its code blocks.
	inReadme := verbs(section, regexp.MustCompile(`(?m)^lobstr ((?:[a-z][a-z-]*)(?: [a-z][a-z-]*)?)`))
	help := invocation{}.run(t, "--help").stdout
	_, cmds, _ := strings.Cut(help, "Commands:\n")
	cmds, _, _ = strings.Cut(cmds, "\n\n")
	inHelp := verbs(cmds, regexp.MustCompile(`(?m)^  ((?:[a-z][a-z-]*)(?: [a-z][a-z-]*)?)`))
	if len(inHelp) < 10 || !slices.Equal(inReadme, inHelp) {
		t.Errorf("README lists %q\n--help lists %q", inReadme, inHelp)
	}
	for _, code := range []string{"0 ", "1 ", "2 ", "3 ", "130 "} {
		if !strings.Contains(section, "`"+strings.TrimSpace(code)+"`") || !strings.Contains(help, "  "+code) {
			t.Errorf("exit status %s is not in both README and --help", code)
		}
	}
}

// TestMockRateLimitScript runs testdata/ratelimit.sh: `lobstr mock --rate-limit 2/4s` and
// five `lobstr task show` at once. No command may fail with 429, and stderr must say when the
// client waits (api.OnWait, which the client's pacer calls). The limit is exceeded by the
// number of commands, not by their speed: a loaded machine still meets it (the script says
// with what margin). It runs in parallel with the other tests: it mostly waits.
func TestMockRateLimitScript(t *testing.T) {
	if testing.Short() {
		t.Skip("runs 5 commands under a 2/4s limit, over 4 to 8 s")
	}
	t.Parallel()
	sh, err := exec.LookPath("sh")
	if err != nil {
		t.Skip("no sh:", err)
	}
	bin := buildCLI(t)
	out, err := exec.Command(sh, filepath.Join("testdata", "ratelimit.sh"), bin).CombinedOutput()
	if err != nil {
		t.Fatalf("ratelimit.sh: %v\n%s", err, out)
	}
	// Each command is a process of its own with a fresh client, so a command may meet a
	// window another one spent and be answered 429: it must then wait and retry, saying so,
	// never fail.
	for _, line := range strings.Split(string(out), "\n") {
		if strings.Contains(line, "429") && !strings.HasPrefix(line, "lobstr: waiting ") {
			t.Errorf("a command failed with 429: %s\n%s", line, out)
		}
	}
	if !regexp.MustCompile(`(?m)^lobstr: waiting \d+s `).Match(out) {
		t.Errorf("stderr never says the client waits:\n%s", out)
	}
}
