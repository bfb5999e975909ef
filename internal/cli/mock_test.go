package cli

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/lobstr-go/lobstr/api"
)

// mockProcess is `lobstr mock` running as a real process.
type mockProcess struct {
	cmd  *exec.Cmd
	url  string // base URL, ending in /v1
	done chan struct{}

	mu     sync.Mutex
	stderr bytes.Buffer
}

func (m *mockProcess) log() string {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.stderr.String()
}

// builtCLI is the lobstr binary the tests run as a process, built once per run of the test
// binary (buildCLI) into a directory TestMain removes.
var builtCLI struct {
	once sync.Once
	dir  string
	path string
	err  error
}

// buildCLI returns the lobstr command built into a temporary directory: built by the first
// test that asks for it, then shared by all (a build is a few seconds of a loaded machine).
func buildCLI(t *testing.T) string {
	t.Helper()
	gobin, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go command:", err)
	}
	builtCLI.once.Do(func() {
		dir, err := os.MkdirTemp("", "lobstr-cli-test-")
		if err != nil {
			builtCLI.err = err
			return
		}
		builtCLI.dir = dir
		bin := filepath.Join(dir, "lobstr")
		out, err := exec.Command(gobin, "build", "-o", bin, "github.com/lobstr-go/lobstr/cmd/lobstr").CombinedOutput()
		if err != nil {
			builtCLI.err = fmt.Errorf("go build: %v\n%s", err, out)
			return
		}
		builtCLI.path = bin
	})
	if builtCLI.err != nil {
		t.Fatal(builtCLI.err)
	}
	return builtCLI.path
}

// removeBuiltCLI removes the directory of the binary buildCLI built, if it built one.
func removeBuiltCLI() {
	if builtCLI.dir != "" {
		os.RemoveAll(builtCLI.dir)
	}
}

var listening = regexp.MustCompile(`^lobstr mock listening on (http://\S+/v1)$`)

// startMock starts `lobstr mock` on a free loopback port and waits until it listens.
func startMock(t *testing.T, bin string, args ...string) *mockProcess {
	t.Helper()
	cmd := exec.Command(bin, append([]string{"mock", "--addr", "127.0.0.1:0"}, args...)...)
	cmd.Env = append(os.Environ(), "LOBSTR_TOKEN=")
	pipe, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	m := &mockProcess{cmd: cmd, done: make(chan struct{})}
	found := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(pipe)
		for sc.Scan() {
			line := sc.Text()
			m.mu.Lock()
			m.stderr.WriteString(line + "\n")
			m.mu.Unlock()
			if mm := listening.FindStringSubmatch(line); mm != nil {
				found <- mm[1]
			}
		}
		io.Copy(io.Discard, pipe)
		cmd.Wait()
		close(m.done)
	}()
	t.Cleanup(func() {
		select {
		case <-m.done:
		default:
			cmd.Process.Kill()
			<-m.done
		}
	})
	select {
	case m.url = <-found:
	case <-m.done:
		t.Fatalf("lobstr mock exited before listening:\n%s", m.log())
	case <-time.After(20 * time.Second):
		t.Fatalf("lobstr mock did not listen within 20s:\n%s", m.log())
	}
	return m
}

// stop sends SIGINT and checks that the mock exits 0 promptly.
func (m *mockProcess) stop(t *testing.T) {
	t.Helper()
	if err := m.cmd.Process.Signal(os.Interrupt); err != nil {
		t.Fatal(err)
	}
	select {
	case <-m.done:
	case <-time.After(5 * time.Second):
		t.Fatalf("lobstr mock still running 5s after SIGINT:\n%s", m.log())
	}
	if code := m.cmd.ProcessState.ExitCode(); code != 0 {
		t.Errorf("lobstr mock exited %d after SIGINT; want 0:\n%s", code, m.log())
	}
}

func TestMockProcess(t *testing.T) {
	t.Parallel()
	bin := buildCLI(t)
	m := startMock(t, bin)
	const key = "YOUR_API_KEY"

	// Plain net/http, as curl would.
	status, body := rawGet(t, m.url+"/tasks/"+seedTask, key)
	if status != 200 || !jsonEqual(t, body, fixture(t, "get-task.200.json")) {
		t.Errorf("GET the seed task: %d\n%s\nwant get-task.200.json", status, body)
	}
	status, body = rawGet(t, m.url+"/tasks/"+seedTask, "")
	if status != 401 {
		t.Errorf("GET without Authorization: %d %s; want 401", status, body)
	}
	status, body = rawGet(t, m.url+"/tasks/"+otherHash, key)
	if status != 404 || !jsonEqual(t, body, fixture(t, "get-task.404.json")) {
		t.Errorf("GET an unknown task: %d %s", status, body)
	}
	status, body = rawGet(t, m.url+"/tasks?squid="+seedSquid, key)
	// The fake adds the envelope's result_from and result_to, which the example lacks.
	if status != 200 || !jsonEqual(t, without(t, body, "result_from", "result_to"), fixture(t, "list-tasks.200.json")) {
		t.Errorf("GET the seed squid: %d\n%s\nwant list-tasks.200.json", status, body)
	}
	status, body = rawGet(t, m.url+"/tasks/upload/"+seedUpload, key)
	if status != 200 || !jsonEqual(t, body, fixture(t, "upload-status.200.json")) {
		t.Errorf("GET the seed upload: %d\n%s\nwant upload-status.200.json", status, body)
	}

	// The api client.
	c, err := api.NewClient(api.WithBaseURL(m.url), api.WithToken(key))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	task, err := c.Tasks.Get(ctx, seedTask)
	if err != nil {
		t.Fatal(err)
	}
	got, _ := json.Marshal(task)
	if !jsonEqual(t, got, fixture(t, "get-task.200.json")) {
		t.Errorf("Tasks.Get: %s", got)
	}
	page, err := c.Tasks.List(ctx, api.ListTasksOptions{Squid: demoSquid})
	if err != nil || len(page.Data) != len(demoTasks) {
		t.Errorf("Tasks.List(demo): %v, %+v", err, page)
	}

	// And the command line.
	r := invocation{env: envFor(m.url, key)}.run(t, "task", "show", seedTask)
	if r.code != 0 || !regexp.MustCompile(`(?m)^results +156$`).MatchString(r.stdout) {
		t.Errorf("task show: exit %d, %q, %q", r.code, r.stdout, r.stderr)
	}

	// The startup lines name the demo tasks, and the logs never show the key.
	log := m.log()
	for _, d := range demoTasks {
		if !strings.Contains(log, d.hash) {
			t.Errorf("the startup log does not name demo task %s:\n%s", d.hash, log)
		}
	}
	if !strings.Contains(log, "path=/v1/tasks/"+seedTask+" status=200") {
		t.Errorf("no request line in the log:\n%s", log)
	}
	m.stop(t)
	if log := m.log(); strings.Contains(log, key) {
		t.Errorf("the key appears in the log:\n%s", log)
	}
}

// TestMockDemoWait waits for the demo task the way `make demo` does, but for the time: the
// mock's hidden --demo-polls moves the demo tasks along Get Task calls rather than seconds
// (8 of them for the quick one), so that its whole life is seen, pending, running and
// completed, at the pace of the polls, however loaded the machine.
func TestMockDemoWait(t *testing.T) {
	t.Parallel()
	const polls = 5
	m := startMock(t, buildCLI(t), "--quiet", "--token", "demo", "--demo-polls", strconv.Itoa(polls))
	if want := "demo task " + demoTask + " in squid " + demoSquid + " completes at its Get Task " + strconv.Itoa(polls) + "\n"; !strings.Contains(m.log(), want) {
		t.Errorf("the startup log does not say %q:\n%s", want, m.log())
	}
	r := invocation{env: envFor(m.url, "demo")}.run(t, "task", "wait", demoTask, "--interval", "100ms")
	if r.code != 0 {
		t.Fatalf("exit %d, stderr %q", r.code, r.stderr)
	}
	states := regexp.MustCompile(`(?m)^task `+demoTask+`: (\w+), `).FindAllStringSubmatch(r.stderr, -1)
	var seen []string
	for _, s := range states {
		if len(seen) == 0 || seen[len(seen)-1] != s[1] {
			seen = append(seen, s[1])
		}
	}
	if strings.Join(seen, " ") != "pending running completed" {
		t.Errorf("states %q; want pending, running, completed:\n%s", seen, r.stderr)
	}
	if !regexp.MustCompile(`(?m)^results +120$`).MatchString(r.stdout) {
		t.Errorf("stdout %q", r.stdout)
	}
	// The demo task's life started at its first Get Task: it is done for good now.
	r = invocation{env: envFor(m.url, "demo")}.run(t, "task", "wait", demoTask)
	if r.code != 0 || strings.Count(r.stderr, "\n") != 1 {
		t.Errorf("second wait: exit %d, %q", r.code, r.stderr)
	}
	m.stop(t)
}

func TestMockTokenAndSIGTERM(t *testing.T) {
	t.Parallel()
	m := startMock(t, buildCLI(t), "--token", "s3cret-token", "--no-validate")
	if status, _ := rawGet(t, m.url+"/tasks/"+seedTask, "other"); status != 401 {
		t.Errorf("another token: %d; want 401", status)
	}
	if status, _ := rawGet(t, m.url+"/tasks/"+seedTask, "s3cret-token"); status != 200 {
		t.Errorf("the token: %d; want 200", status)
	}
	// The banner says how to point the CLI at the mock, the token given left out.
	if !strings.Contains(m.log(), "  export LOBSTR_BASE_URL="+m.url+" LOBSTR_TOKEN=...   # the token given with --token\n") {
		t.Errorf("no export line for %s in the banner:\n%s", m.url, m.log())
	}
	if err := m.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case <-m.done:
	case <-time.After(5 * time.Second):
		t.Fatal("still running 5s after SIGTERM")
	}
	if code := m.cmd.ProcessState.ExitCode(); code != 0 {
		t.Errorf("exit %d after SIGTERM", code)
	}
	if strings.Contains(m.log(), "s3cret-token") {
		t.Errorf("the token appears in the log:\n%s", m.log())
	}
}

func TestMockAddrInUse(t *testing.T) {
	t.Parallel()
	m := startMock(t, buildCLI(t))
	// Without --token, the banner's export line works as it is.
	mm := regexp.MustCompile(`(?m)^  export LOBSTR_BASE_URL=(\S+) LOBSTR_TOKEN=(\S+)$`).FindStringSubmatch(m.log())
	if mm == nil || mm[1] != m.url {
		t.Errorf("no export line for %s in the banner:\n%s", m.url, m.log())
	} else if r := (invocation{env: envFor(mm[1], mm[2])}).run(t, "task", "show", seedTask); r.code != 0 {
		t.Errorf("task show with the banner's export: %d %s", r.code, r.stderr)
	}
	addr := strings.TrimSuffix(strings.TrimPrefix(m.url, "http://"), "/v1")
	r := invocation{}.run(t, "mock", "--addr", addr)
	if r.code != 1 || !strings.Contains(r.stderr, "cannot listen on "+addr+": something already listens there") {
		t.Errorf("exit %d, stderr %q", r.code, r.stderr)
	}
	m.stop(t)
}

// TestMockInProcess runs the mock through run, as main does, and stops it with its context.
func TestMockInProcess(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	pr, pw := io.Pipe()
	code := make(chan int, 1)
	go func() {
		code <- run(ctx, []string{"mock", "--addr", "127.0.0.1:0"}, nil, io.Discard, pw, nil)
		pw.Close()
	}()
	sc := bufio.NewScanner(pr)
	url := ""
	for url == "" && sc.Scan() {
		if mm := listening.FindStringSubmatch(sc.Text()); mm != nil {
			url = mm[1]
		}
	}
	go io.Copy(io.Discard, pr)
	if url == "" {
		t.Fatal("no listening line")
	}
	r := invocation{env: envFor(url, "any")}.run(t, "--json", "task", "show", seedTask)
	if r.code != 0 || !jsonEqual(t, []byte(r.stdout), fixture(t, "get-task.200.json")) {
		t.Errorf("exit %d, %q, %q", r.code, r.stdout, r.stderr)
	}
	cancel()
	select {
	case c := <-code:
		if c != 0 {
			t.Errorf("exit %d", c)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the mock did not stop")
	}
}

// without returns the JSON object b without the given keys.
func without(t *testing.T, b []byte, keys ...string) []byte {
	t.Helper()
	var m map[string]json.RawMessage
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatalf("not a JSON object: %v\n%s", err, b)
	}
	for _, k := range keys {
		delete(m, k)
	}
	out, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// TestMockTroubleFlags checks the parsing of --rate-limit and --fail-rate, and that a mock
// started with them enforces the limit.
func TestMockTroubleFlags(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		in     string
		n      int
		window time.Duration
		ok     bool
	}{{"10/2s", 10, 2 * time.Second, true}, {"90/1m", 90, time.Minute, true}, {"10", 0, 0, false},
		{"0/2s", 0, 0, false}, {"10/500ms", 0, 0, false}, {"x/2s", 0, 0, false}, {"10/1.5s", 0, 0, false}} {
		n, w, err := parseRate(tc.in)
		if (err == nil) != tc.ok || n != tc.n || w != tc.window {
			t.Errorf("parseRate(%q) = %d, %v, %v", tc.in, n, w, err)
		}
	}
	for in, want := range map[string]float64{"0.1": 0.1, "10%": 0.1, "0": 0, "1": 1, "100%": 1} {
		if got, err := parseShare(in); err != nil || got != want {
			t.Errorf("parseShare(%q) = %v, %v", in, got, err)
		}
	}
	for _, in := range []string{"2", "-0.1", "x", "150%", "NaN"} {
		if _, err := parseShare(in); err == nil {
			t.Errorf("parseShare(%q): no error", in)
		}
	}
	for _, args := range [][]string{{"mock", "--rate-limit", "ten"}, {"mock", "--fail-rate", "2"}, {"mock", "--latency", "-1s"}, {"mock", "--demo-polls", "-1"}} {
		if r := (invocation{}).run(t, args...); r.code != exitUsage || strings.Count(r.stderr, "\n") != 1 {
			t.Errorf("%q: exit %d, %q", args, r.code, r.stderr)
		}
	}

	// --demo-polls is the tests' (TestMockDemoWait): hidden from the usage.
	if r := (invocation{}).run(t, "mock", "--help"); r.code != 0 || !strings.Contains(r.stdout, "--rate-limit") || strings.Contains(r.stdout, "demo-polls") {
		t.Errorf("mock --help: exit %d, %q", r.code, r.stdout)
	}

	// The mock's windows are aligned to the clock: four requests astride the top of an hour
	// would pass a limit per hour. A window of 365 days has its edge once a year.
	m := startMock(t, buildCLI(t), "--quiet", "--rate-limit", "3/8760h", "--latency", "10ms", "--fail-rate", "0", "--seed", "1")
	codes := []int{}
	for range 4 {
		status, _ := rawGet(t, m.url+"/tasks/"+seedTask, "demo")
		codes = append(codes, status)
	}
	if fmt.Sprint(codes) != "[200 200 200 429]" {
		t.Errorf("statuses %v; want three 200 then 429", codes)
	}
	if !strings.Contains(m.log(), "rate limit enforced: 3 requests per 8760h0m0s") {
		t.Errorf("log %q", m.log())
	}
	m.stop(t)
}
