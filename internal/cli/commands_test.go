package cli

import (
	"encoding/json"
	"regexp"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/lobstr-go/lobstr/api"
	"github.com/lobstr-go/lobstr/api/apitest"
)

// TestSuggestions checks that a mistyped command or flag gets one line naming the closest
// spelling and the help to run, exit status 2.
func TestSuggestions(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"taks", "ls"}, `lobstr: unknown command "taks"; did you mean "task"?; run 'lobstr --help' for usage`},
		{[]string{"task", "lss"}, `lobstr: task: unknown command "lss"; did you mean "ls"?; run 'lobstr task --help' for usage`},
		{[]string{"go", "x", "--outptu", "f"}, `lobstr: go: unknown flag: --outptu; did you mean "--output"?; run 'lobstr go --help' for usage`},
		{[]string{"completion", "zhs"}, `lobstr: completion: unknown shell "zhs"; did you mean "zsh"? (bash, zsh, fish or powershell); run 'lobstr completion --help' for usage`},
		{[]string{"completion"}, `lobstr: completion: missing SHELL: bash, zsh, fish or powershell; run 'lobstr completion --help' for usage`},
		{[]string{"frobnicate"}, `lobstr: unknown command "frobnicate"; run 'lobstr --help' for usage`},
	} {
		r := invocation{}.run(t, tc.args...)
		if r.code != exitUsage || r.stdout != "" || r.stderr != tc.want+"\n" {
			t.Errorf("%q: exit %d, stdout %q, stderr %q; want exit 2 and %q", tc.args, r.code, r.stdout, r.stderr, tc.want)
		}
	}
}

// TestCompletionScripts checks `lobstr completion SHELL` for the four shells.
func TestCompletionScripts(t *testing.T) {
	for shell, marker := range map[string]string{
		"bash": "# bash completion V2 for lobstr", "zsh": "#compdef lobstr",
		"fish": "# fish completion for lobstr", "powershell": "# powershell completion for lobstr",
	} {
		r := invocation{}.run(t, "completion", shell)
		if r.code != 0 || !strings.Contains(r.stdout, marker) || r.stderr != "" {
			t.Errorf("completion %s: exit %d, stderr %q, stdout starts %q", shell, r.code, r.stderr, truncate(r.stdout, 80))
		}
	}
}

// TestDynamicCompletion checks what the shells are offered: crawler slugs from the
// catalogue, @aliases from the config file, the commands of a group.
func TestDynamicCompletion(t *testing.T) {
	dir := t.TempDir()
	t.Setenv("HOME", dir)
	t.Setenv("XDG_CONFIG_HOME", dir)
	inv := invocation{}
	if r := inv.run(t, "config", "set-alias", "reviews", seedSquid); r.code != 0 {
		t.Fatalf("set-alias: %d %s", r.code, r.stderr)
	}
	for _, tc := range []struct {
		args      []string
		want, not []string
	}{
		{[]string{"crawlers", "show", "google-maps-l"}, []string{"google-maps-leads-scraper\t"}, []string{"google-search"}},
		{[]string{"go", "google-maps-l"}, []string{"google-maps-leads-scraper\t"}, nil},
		{[]string{"go", "google-maps-leads-scraper", ""}, nil, []string{"google-maps-leads-scraper"}},
		{[]string{"squid", "show", "@"}, []string{"@reviews\t" + seedSquid}, nil},
		{[]string{"--json", "task", "ls", "@re"}, []string{"@reviews\t"}, nil},
		{[]string{"task", ""}, []string{"upload-status", "ls", "show"}, []string{"squid"}},
		{[]string{""}, []string{"go", "crawlers", "completion", "mock"}, nil},
	} {
		r := inv.run(t, append([]string{"__complete"}, tc.args...)...)
		if r.code != 0 {
			t.Errorf("__complete %q: exit %d %s", tc.args, r.code, r.stderr)
			continue
		}
		for _, w := range tc.want {
			if !strings.Contains(r.stdout, w) {
				t.Errorf("__complete %q offers no %q:\n%s", tc.args, w, r.stdout)
			}
		}
		for _, n := range tc.not {
			if strings.Contains(r.stdout, n) {
				t.Errorf("__complete %q offers %q:\n%s", tc.args, n, r.stdout)
			}
		}
	}
}

// TestGlobalFlagsAnywhere checks that cobra finds the command whatever global flags come
// before it, with or without a value.
func TestGlobalFlagsAnywhere(t *testing.T) {
	url, token := newServer(t)
	inv := invocation{env: map[string]string{"LOBSTR_TOKEN": token}}
	for _, args := range [][]string{
		{"--base-url", url, "task", "show", seedTask},
		{"--base-url=" + url, "--quiet", "task", "--json", "show", seedTask},
		{"task", "--base-url", url, "show", seedTask},
		{"tasks", "get", seedTask, "--base-url", url},
	} {
		r := inv.run(t, args...)
		if r.code != 0 || !strings.Contains(r.stdout, seedTask) {
			t.Errorf("%q: exit %d, stdout %q, stderr %q", args, r.code, r.stdout, r.stderr)
		}
	}
}

// TestDestructivePrompts checks task rm and accounts rm as squid rm and squid empty: asked
// on a terminal (no answer is no), refused elsewhere without --force.
func TestDestructivePrompts(t *testing.T) {
	url, token := newServer(t)
	inv := invocation{env: envFor(url, token)}
	for _, args := range [][]string{{"task", "rm", seedTask}, {"accounts", "rm", "d3e97f2cd33658f301bdbe807402ab30"}} {
		r := inv.run(t, args...)
		if r.code != exitUsage || !strings.Contains(r.stderr, "without --force: stdin is not a terminal") {
			t.Errorf("%q off a terminal: exit %d %q", args, r.code, r.stderr)
		}
		for _, answer := range []string{"n\n", "", "maybe\n"} {
			r = inv.runWithStdin(t, ttyInput{strings.NewReader(answer)}, args...)
			if r.code != exitFail || !strings.Contains(r.stderr, "[y/N]") || !strings.Contains(r.stderr, "not done") || r.stdout != "" {
				t.Errorf("%q answered %q: exit %d %q %q", args, answer, r.code, r.stdout, r.stderr)
			}
		}
	}
	if r := inv.run(t, "task", "show", seedTask); r.code != 0 {
		t.Fatalf("the task is gone after answers of no: %d %s", r.code, r.stderr)
	}
	r := inv.runWithStdin(t, ttyInput{strings.NewReader("yes\n")}, "task", "rm", seedTask)
	if r.code != 0 || r.stdout != "deleted task "+seedTask+"\n" {
		t.Errorf("task rm answered yes: exit %d %q %q", r.code, r.stdout, r.stderr)
	}
}

// TestVersionJSON checks lobstr version, plain and --json.
func TestVersionJSON(t *testing.T) {
	for _, args := range [][]string{{"version", "--json"}, {"--json", "version"}} {
		r := invocation{}.run(t, args...)
		var v struct{ Version string }
		if r.code != 0 || json.Unmarshal([]byte(r.stdout), &v) != nil || v.Version != api.Version {
			t.Errorf("%q: exit %d, %q", args, r.code, r.stdout)
		}
	}
	if r := (invocation{}).run(t, "version"); r.stdout != "lobstr "+api.Version+"\n" {
		t.Errorf("version: %q", r.stdout)
	}
	if r := (invocation{}).run(t, "mock", "--help"); r.code != 0 || strings.Contains(r.stdout, "Tasks API") || !strings.Contains(r.stdout, "whole lobstr.io API") {
		t.Errorf("mock --help: %d %q", r.code, r.stdout)
	}
}

// TestShellQuote checks the quoting of the mock's export line.
func TestShellQuote(t *testing.T) {
	for in, want := range map[string]string{"demo": "demo", "a b": "'a b'", "it's": `'it'\''s'`, "": "''", "x$y": "'x$y'"} {
		if got := shellQuote(in); got != want {
			t.Errorf("shellQuote(%q) = %s, want %s", in, got, want)
		}
	}
}

// TestErrorsNameNextCommand checks that an error the API answered names the lobstr
// command to run next: a task or run not found, a squid not ready or without tasks, a run
// already going on, no token.
func TestErrorsNameNextCommand(t *testing.T) {
	srv := apitest.NewServer(t, apitest.WithToken(testToken), apitest.WithRunLifecycle(apitest.RunLifecycle{Polls: 1000}))
	inv := invocation{env: envFor(srv.URL, srv.Token)}
	unknown := strings.Repeat("ab", 16)
	sq := inv.run(t, "squid", "create", apitest.SeedCrawlerSlug)
	id := regexp.MustCompile(`[0-9a-f]{32}`).FindString(sq.stdout)
	if sq.code != 0 || id == "" {
		t.Fatalf("squid create: %d %q %q", sq.code, sq.stdout, sq.stderr)
	}
	check := func(args []string, want string) {
		t.Helper()
		r := inv.run(t, args...)
		if r.code != exitFail || !strings.Contains(r.stderr, want) || strings.Count(r.stderr, "\n") != 1 {
			t.Errorf("%q: exit %d, stderr %q; want one line with %q", args, r.code, r.stderr, want)
		}
	}
	check([]string{"task", "show", unknown}, "'lobstr task ls SQUID'")
	check([]string{"run", "show", unknown}, "'lobstr run ls SQUID'")
	check([]string{"run", "start", id}, "'lobstr squid update SQUID --param KEY=VALUE'")
	if r := inv.run(t, "squid", "update", id, "--param", "max_results=5"); r.code != 0 {
		t.Fatalf("squid update: %d %s", r.code, r.stderr)
	}
	check([]string{"run", "start", id}, "'lobstr task add SQUID VALUE...'")
	if r := inv.run(t, "task", "add", id, "https://www.google.com/maps/search/x"); r.code != 0 {
		t.Fatalf("task add: %d %s", r.code, r.stderr)
	}
	if r := inv.run(t, "run", "start", id); r.code != 0 {
		t.Fatalf("run start: %d %s", r.code, r.stderr)
	}
	check([]string{"run", "start", id}, "'lobstr run watch RUN'")
	t.Setenv("XDG_CONFIG_HOME", t.TempDir()) // no config file, so no token
	t.Setenv("LOBSTR_TOKEN", "")
	r := invocation{env: map[string]string{"LOBSTR_BASE_URL": srv.URL}}.run(t, "whoami")
	if r.code != exitUsage || !strings.Contains(r.stderr, "'lobstr config set-token") {
		t.Errorf("no token: exit %d %q", r.code, r.stderr)
	}
}

// TestSquidByName checks that a SQUID argument may be a squid's name (case aside), then a
// unique part of one, besides an id and a prefix; an ambiguous name lists the candidates.
func TestSquidByName(t *testing.T) {
	srv := apitest.NewServer(t, apitest.WithToken(testToken))
	inv := invocation{env: envFor(srv.URL, srv.Token)}
	ids := map[string]string{}
	for _, name := range []string{"Pizza Leads", "Pizza Leads Paris", "Bakeries"} {
		r := inv.run(t, "squid", "create", apitest.SeedCrawlerSlug, "--name", name)
		ids[name] = regexp.MustCompile(`[0-9a-f]{32}`).FindString(r.stdout)
		if r.code != 0 || ids[name] == "" {
			t.Fatalf("squid create %q: %d %q %q", name, r.code, r.stdout, r.stderr)
		}
	}
	for arg, want := range map[string]string{
		"pizza leads": ids["Pizza Leads"],       // exact, case aside, though part of another
		"Paris":       ids["Pizza Leads Paris"], // a unique part
		"bakerie":     ids["Bakeries"],
	} {
		r := inv.run(t, "squid", "show", arg)
		if r.code != 0 || !strings.Contains(r.stdout, want) {
			t.Errorf("squid show %q: exit %d, want %s\n%s%s", arg, r.code, want, r.stdout, r.stderr)
		}
	}
	r := inv.run(t, "squid", "show", "Pizza")
	if r.code != exitUsage || !strings.Contains(r.stderr, ids["Pizza Leads"]) || !strings.Contains(r.stderr, ids["Pizza Leads Paris"]) ||
		!strings.Contains(r.stderr, "ambiguous") {
		t.Errorf("an ambiguous name: exit %d %q", r.code, r.stderr)
	}
}

// TestProgressDumbTerminal checks that under TERM=dumb a terminal gets plain lines, with
// neither \r nor escape sequences, and that a terminal gets the short id.
func TestProgressDumbTerminal(t *testing.T) {
	term := &fakeTerminal{width: 80}
	c := &cli{stderr: term, env: func(k string) string { return map[string]string{"TERM": "dumb"}[k] }, errOut: stream{tty: true, width: 80}}
	p := c.newProgress("task " + seedTask)
	p.update("running", "3 results")
	p.update("completed", "5 results")
	p.finish()
	out := term.String()
	if strings.ContainsAny(out, "\r\x1b") || strings.Count(out, "\n") < 2 || !strings.Contains(out, "task "+seedTask+": completed") {
		t.Errorf("TERM=dumb: %q", out)
	}
	term = &fakeTerminal{width: 80}
	c = &cli{stderr: term, env: func(string) string { return "" }, errOut: stream{tty: true, width: 80}}
	p = c.newProgress("run " + seedTask)
	p.update("running", "3 results")
	p.finish()
	if out := term.String(); !strings.Contains(out, "run "+seedTask[:8]+": ") || strings.Contains(out, seedTask) {
		t.Errorf("a terminal: %q", out)
	}
}

// TestSquidShowDelivery checks that squid show lists the delivery channels, secrets left out.
func TestSquidShowDelivery(t *testing.T) {
	srv := apitest.NewServer(t, apitest.WithToken(testToken))
	inv := invocation{env: envFor(srv.URL, srv.Token)}
	sq := inv.run(t, "squid", "create", apitest.SeedCrawlerSlug, "--name", "delivered")
	id := regexp.MustCompile(`[0-9a-f]{32}`).FindString(sq.stdout)
	// A new squid's email goes to the account's address (the fake, as the API).
	if r := inv.run(t, "squid", "show", id); r.code != 0 || !regexp.MustCompile(`(?m)^delivery +email \S+@\S+$`).MatchString(r.stdout) {
		t.Errorf("squid show of a new squid: %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	for _, args := range [][]string{
		{"delivery", "email", id, "--email", "you@example.com"},
		{"delivery", "webhook", id, "--url", "https://hooks.example.com/x", "--inactive"},
		{"delivery", "s3", id, "--bucket", "my-bucket", "--target-path", "p/", "--aws-access-key", "AKIA", "--aws-secret-key", "s3cr3t-key"},
	} {
		if r := inv.run(t, args...); r.code != 0 {
			t.Fatalf("%q: %d %s", args, r.code, r.stderr)
		}
	}
	r := inv.run(t, "squid", "show", id)
	for _, want := range []string{"email you@example.com", "webhook https://hooks.example.com/x (off)", "s3 my-bucket"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("squid show lacks %q:\n%s", want, r.stdout)
		}
	}
	if strings.Contains(r.stdout, "s3cr3t-key") {
		t.Errorf("squid show prints the S3 secret:\n%s", r.stdout)
	}
}

// TestGoldenWidthsRunsAccounts checks the tables of runs and accounts at every width.
func TestGoldenWidthsRunsAccounts(t *testing.T) {
	srv := apitest.NewServer(t, apitest.WithToken(testToken))
	inv := invocation{env: envFor(srv.URL, srv.Token)}
	goldenWidths(t, "widths-run-ls", inv, nil, "run", "ls", apitest.SeedRunsSquid)
	goldenWidths(t, "widths-run-tasks", inv, nil, "run", "tasks", apitest.SeedRunHash)
	goldenWidths(t, "widths-accounts-ls", inv, nil, "accounts", "ls")
	goldenWidths(t, "widths-accounts-types", inv, nil, "accounts", "types")
}

// TestHelpFitsNarrowTerminals checks that usage texts on a terminal of 50 or 80 columns
// have no line longer than the width, and that nothing is wrapped into a pipe.
func TestHelpFitsNarrowTerminals(t *testing.T) {
	for _, args := range [][]string{{"--help"}, {"go", "--help"}, {"help", "task", "add"}, {"mock", "--help"}, {"run", "download", "-h"}, {"squid", "--help"}} {
		for _, w := range []int{50, 80} {
			r := invocation{}.runTerminal(t, w, args...)
			if r.code != 0 || r.stdout == "" {
				t.Errorf("%q at %d: exit %d", args, w, r.code)
			}
			for _, line := range strings.Split(r.stdout, "\n") {
				if n := utf8.RuneCountInString(line); n > w && strings.Contains(strings.TrimSpace(line), " ") {
					t.Errorf("%q at %d: a line of %d columns: %q", args, w, n, line)
				}
			}
		}
		pipe := invocation{}.run(t, args...)
		wide := invocation{}.runTerminal(t, 1000, args...)
		if pipe.stdout != wide.stdout {
			t.Errorf("%q: a pipe and a wide terminal differ", args)
		}
	}
}

// TestSquidCompletion checks that a SQUID is completed from List Squids, by id or name,
// and that without a server the completion ends at once with nothing.
func TestSquidCompletion(t *testing.T) {
	srv := apitest.NewServer(t, apitest.WithToken(testToken))
	inv := invocation{env: envFor(srv.URL, srv.Token)}
	sq := inv.run(t, "squid", "create", apitest.SeedCrawlerSlug, "--name", "Pizza Leads")
	id := regexp.MustCompile(`[0-9a-f]{32}`).FindString(sq.stdout)
	if sq.code != 0 || id == "" {
		t.Fatalf("squid create: %+v", sq)
	}
	for _, prefix := range []string{"pizza", id[:6]} {
		r := inv.run(t, "__complete", "squid", "show", prefix)
		if r.code != 0 || !strings.Contains(r.stdout, id+"\tPizza Leads") {
			t.Errorf("__complete squid show %q: %d %q", prefix, r.code, r.stdout)
		}
	}
	r := inv.run(t, "__complete", "task", "ls", "zzz")
	if r.code != 0 || strings.Contains(r.stdout, id) {
		t.Errorf("__complete task ls zzz: %d %q", r.code, r.stdout)
	}
	r = invocation{env: envFor("http://127.0.0.1:1/v1", testToken)}.run(t, "__complete", "squid", "show", "p")
	if r.code != 0 || strings.Contains(r.stdout, "error") || strings.Contains(r.stderr, "connection refused") {
		t.Errorf("__complete without a server: %d %q %q", r.code, r.stdout, r.stderr)
	}
}

// TestRunCompletion checks that a RUN is completed from the runs of the squids that ran
// last, by a prefix of its id, and that a prefix of no run offers none.
func TestRunCompletion(t *testing.T) {
	srv := apitest.NewServer(t, apitest.WithToken(testToken))
	inv := invocation{env: envFor(srv.URL, srv.Token)}
	sq := inv.run(t, "squid", "create", apitest.SeedCrawlerSlug, "--name", "Runs To Complete")
	squid := regexp.MustCompile(`[0-9a-f]{32}`).FindString(sq.stdout)
	if sq.code != 0 || squid == "" {
		t.Fatalf("squid create: %+v", sq)
	}
	if r := inv.run(t, "task", "add", squid, "https://www.google.com/maps/search/pizza/@40.7,-74,14z"); r.code != 0 {
		t.Fatalf("task add: %+v", r)
	}
	if r := inv.run(t, "squid", "update", squid, "--param", "max_results=5"); r.code != 0 {
		t.Fatalf("squid update: %+v", r)
	}
	st := inv.run(t, "run", "start", squid)
	run := regexp.MustCompile(`[0-9a-f]{32}`).FindString(st.stdout + st.stderr)
	if st.code != 0 || run == "" {
		t.Fatalf("run start: %+v", st)
	}
	for _, cmd := range []string{"show", "stats", "tasks", "watch", "abort", "download"} {
		r := inv.run(t, "__complete", "run", cmd, run[:5])
		if r.code != 0 || !strings.Contains(r.stdout, run+"\tRuns To Complete, ") {
			t.Errorf("__complete run %s %q: %d %q", cmd, run[:5], r.code, r.stdout)
		}
	}
	if r := inv.run(t, "__complete", "run", "show", "zzz"); r.code != 0 || regexp.MustCompile(`[0-9a-f]{32}`).MatchString(r.stdout) {
		t.Errorf("__complete run show zzz: %d %q", r.code, r.stdout)
	}
	r := invocation{env: envFor("http://127.0.0.1:1/v1", testToken)}.run(t, "__complete", "run", "show", "a")
	if r.code != 0 || strings.Contains(r.stdout, "error") || strings.Contains(r.stderr, "connection refused") {
		t.Errorf("__complete without a server: %d %q %q", r.code, r.stdout, r.stderr)
	}
}
