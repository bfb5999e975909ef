package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// TestMain runs the tests, then removes the lobstr binary buildCLI built for them.
func TestMain(m *testing.M) {
	code := m.Run()
	removeBuiltCLI()
	os.Exit(code)
}

// result is what one run of the command line did.
type result struct {
	code           int
	stdout, stderr string
}

// invocation runs the command line in-process.
type invocation struct {
	env   map[string]string
	stdin string
	ctx   context.Context
}

func (inv invocation) run(t testing.TB, args ...string) result {
	t.Helper()
	ctx := inv.ctx
	if ctx == nil {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
	}
	var stdout, stderr bytes.Buffer
	code := run(ctx, args, strings.NewReader(inv.stdin), &stdout, &stderr, func(k string) string { return inv.env[k] })
	return result{code: code, stdout: stdout.String(), stderr: stderr.String()}
}

// env returns the environment of a command line talking to the server at url.
func envFor(url, token string) map[string]string {
	return map[string]string{"LOBSTR_BASE_URL": url, "LOBSTR_TOKEN": token}
}

// golden compares got with testdata/NAME.golden, or rewrites the file with -update.
func golden(t *testing.T, name string, r result) {
	t.Helper()
	got := "-- exit " + strconv.Itoa(r.code) + " --\n-- stdout --\n" + r.stdout + "-- stderr --\n" + r.stderr
	path := filepath.Join("testdata", name+".golden")
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run the tests with -update to write it)", err)
	}
	if got != string(want) {
		t.Errorf("%s differs from %s:\n--- got\n%s\n--- want\n%s", name, path, got, want)
	}
}

// jsonEqual reports whether a and b hold the same JSON value.
func jsonEqual(t testing.TB, a, b []byte) bool {
	t.Helper()
	var x, y any
	if err := json.Unmarshal(a, &x); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, a)
	}
	if err := json.Unmarshal(b, &y); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, b)
	}
	return reflect.DeepEqual(x, y)
}

// rawGet fetches url with plain net/http, with the token when it is not empty.
func rawGet(t testing.TB, url, token string) (int, []byte) {
	t.Helper()
	req, err := http.NewRequest("GET", url, nil)
	if err != nil {
		t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Token "+token)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return res.StatusCode, b
}

// checkWidth fails when a line of s is wider than 80 columns.
func checkWidth(t *testing.T, what, s string) {
	t.Helper()
	for _, line := range strings.Split(s, "\n") {
		if n := utf8.RuneCountInString(line); n > 80 {
			t.Errorf("%s: a line is %d columns wide: %q", what, n, line)
		}
	}
}

// oneLine checks that stderr is one line matching re.
func oneLine(t *testing.T, stderr, re string) {
	t.Helper()
	if strings.Count(stderr, "\n") != 1 || !strings.HasSuffix(stderr, "\n") {
		t.Errorf("stderr is not one line: %q", stderr)
	}
	if !regexp.MustCompile(re).MatchString(stderr) {
		t.Errorf("stderr %q does not match %s", stderr, re)
	}
}

// fakeTerminal is an output that says it is a terminal of the given width.
type fakeTerminal struct {
	bytes.Buffer
	width int
}

// TerminalWidth makes fakeTerminal a terminalWriter.
func (f *fakeTerminal) TerminalWidth() int { return f.width }

// runTerminal runs the command line with stdout (and stderr) on terminals of the given
// width; width 0 means a pipe.
func (inv invocation) runTerminal(t testing.TB, width int, args ...string) result {
	t.Helper()
	if width == 0 {
		return inv.run(t, args...)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	stdout, stderr := &fakeTerminal{width: width}, &fakeTerminal{width: width}
	code := run(ctx, args, strings.NewReader(inv.stdin), stdout, stderr, func(k string) string { return inv.env[k] })
	return result{code: code, stdout: stdout.String(), stderr: stderr.String()}
}
