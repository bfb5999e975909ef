package cli

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/lobstr-go/lobstr/api/apitest"
)

// tmux finds tmux. In CI (CI set) a missing tmux fails the test, since .ci/run installs it;
// elsewhere the test says what to install.
func tmux(t *testing.T) string {
	t.Helper()
	if p, err := exec.LookPath("tmux"); err == nil {
		return p
	}
	msg := "no tmux on PATH: the screen test needs Debian's tmux (apt-get install tmux; .ci/run installs it)"
	if os.Getenv("CI") != "" {
		t.Fatal(msg)
	}
	t.Skip(msg)
	return ""
}

// TestScreensInTmux runs the commands whose output is laid out for the terminal (help,
// tables, detail views, lobstr go's progress) in a real terminal, tmux, 50 and 80 columns
// wide, and reads the screen back with wrapped lines joined: no line may be wider than the
// terminal, and each command must have printed something and ended well. The progress of
// lobstr go must show its run (a short id) and reach done.
func TestScreensInTmux(t *testing.T) {
	tm := tmux(t)
	// In parallel with the other tests: it mostly waits for tmux, and its commands get their
	// environment from the script, not from the test's.
	t.Parallel()
	bin := buildCLI(t)
	srv := apitest.NewServer(t, apitest.WithToken(testToken), apitest.WithRunLifecycle(apitest.RunLifecycle{Polls: 2}))
	inv := invocation{env: envFor(srv.URL, srv.Token)}
	// A squid with a run of three tasks, for run ls and run tasks.
	hash := regexp.MustCompile(`[0-9a-f]{32}`)
	sq := inv.run(t, "squid", "create", apitest.SeedCrawlerSlug, "--name", "A squid whose name is rather long for a narrow terminal")
	squid := hash.FindString(sq.stdout)
	if sq.code != 0 || squid == "" {
		t.Fatalf("squid create: %+v", sq)
	}
	urls := []string{
		"https://www.google.com/maps/search/pizza+restaurants+open+late/@40.7128,-74.0060,14z",
		"https://www.google.com/maps/search/cafe/@48.8566,2.3522,14z",
		"https://www.google.com/maps/search/bakery/@43.2965,5.3698,14z",
	}
	if r := inv.run(t, append([]string{"task", "add", squid}, urls...)...); r.code != 0 {
		t.Fatalf("task add: %+v", r)
	}
	if r := inv.run(t, "squid", "update", squid, "--param", "max_results=5"); r.code != 0 {
		t.Fatalf("squid update: %+v", r)
	}
	st := inv.run(t, "run", "start", squid, "--wait", "--interval", "100ms")
	run := hash.FindString(st.stdout + st.stderr)
	if st.code != 0 || run == "" {
		t.Fatalf("run start: %+v", st)
	}
	dir := t.TempDir()
	commands := [][]string{
		{"--help"},
		{"crawlers", "ls"},
		{"crawlers", "show", apitest.SeedCrawlerSlug},
		{"squid", "show", squid},
		{"task", "ls", apitest.SeedSquid},
		{"run", "ls", squid},
		{"run", "tasks", run},
		{"run", "stats", run},
		{"accounts", "ls"},
		{"accounts", "types"},
		{"go", apitest.SeedCrawlerSlug, urls[0], urls[1], "-o", filepath.Join(dir, "leads.csv"), "--interval", "100ms"},
	}
	socket := "lobstr-test-" + strconv.Itoa(os.Getpid())
	t.Cleanup(func() { _ = exec.Command(tm, "-L", socket, "kill-server").Run() })
	// A session that lasts the whole test: tmux's server exits with its last session, and a
	// new session asked for while it exits fails ("server exited unexpectedly").
	if out, err := exec.Command(tm, "-L", socket, "new-session", "-d", "-s", "keep", "sleep 3600").CombinedOutput(); err != nil {
		t.Fatalf("tmux new-session: %v\n%s", err, out)
	}
	for _, width := range []int{50, 80} {
		for i, args := range commands {
			name := fmt.Sprintf("w%d-%d", width, i)
			script := fmt.Sprintf("LOBSTR_BASE_URL=%s LOBSTR_TOKEN=%s %s %s; echo \"__END__ $?\"; sleep 60",
				shellQuote(srv.URL), shellQuote(srv.Token), shellQuote(bin), shellQuoteAll(args))
			cmd := exec.Command(tm, "-L", socket, "new-session", "-d", "-s", name, "-x", strconv.Itoa(width), "-y", "300", script)
			cmd.Env = append(os.Environ(), "TERM=xterm-256color")
			if out, err := cmd.CombinedOutput(); err != nil {
				t.Fatalf("tmux new-session: %v\n%s", err, out)
			}
			screen := ""
			deadline := time.Now().Add(60 * time.Second)
			for !strings.Contains(screen, "__END__ ") {
				if time.Now().After(deadline) {
					t.Fatalf("%q at %d columns never ended; the screen:\n%s", args, width, screen)
				}
				time.Sleep(100 * time.Millisecond)
				out, err := exec.Command(tm, "-L", socket, "capture-pane", "-p", "-J", "-S", "-", "-t", name).Output()
				if err != nil {
					t.Fatalf("tmux capture-pane: %v", err)
				}
				screen = string(out)
			}
			_ = exec.Command(tm, "-L", socket, "kill-session", "-t", name).Run()
			if !strings.Contains(screen, "__END__ 0") {
				t.Errorf("%q at %d columns did not end well:\n%s", args, width, screen)
			}
			lines := 0
			for _, line := range strings.Split(screen, "\n") {
				line = strings.TrimRight(line, " ")
				if strings.HasPrefix(line, "__END__") || line == "" {
					continue
				}
				lines++
				if strings.HasPrefix(line, "lobstr: ") && args[0] == "go" {
					// lobstr go's notices (the squid made, the file written) are messages,
					// which a terminal wraps as any; its progress lines must fit.
					continue
				}
				if n := utf8.RuneCountInString(line); n > width {
					t.Errorf("%q at %d columns: a line of %d columns:\n%s", args, width, n, line)
				}
			}
			if args[0] == "go" && !regexp.MustCompile(`(?m)^run [0-9a-f]{8}\b.*done`).MatchString(screen) {
				t.Errorf("lobstr go at %d columns shows no progress line of its run reaching done:\n%s", width, screen)
			}
			if lines == 0 {
				t.Errorf("%q at %d columns printed nothing", args, width)
			}
		}
	}
}

// shellQuoteAll quotes each of args for sh, joined by spaces.
func shellQuoteAll(args []string) string {
	q := make([]string, len(args))
	for i, a := range args {
		q[i] = shellQuote(a)
	}
	return strings.Join(q, " ")
}
