package cli

import (
	"bytes"
	"context"
	"io"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/creack/pty"

	"github.com/lobstr-go/lobstr/api/apitest"
)

// lockedBuffer is a buffer a reader goroutine fills while the test reads it.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// TestDestructivePromptsOnAPseudoTerminal runs each destructive command with stdin, stdout
// and stderr on a real pseudo-terminal: it asks with a [y/N] prompt; "n" leaves everything
// as it was (exit 1, "not done" or "not deleted"), "y" does it (exit 0).
func TestDestructivePromptsOnAPseudoTerminal(t *testing.T) {
	srv := apitest.NewServer(t, apitest.WithToken(testToken))
	inv := invocation{env: envFor(srv.URL, srv.Token)}
	hash := regexp.MustCompile(`[0-9a-f]{32}`)
	sq := inv.run(t, "squid", "create", apitest.SeedCrawlerSlug, "--name", "Prompted")
	squid := hash.FindString(sq.stdout)
	if sq.code != 0 || squid == "" {
		t.Fatalf("squid create: %+v", sq)
	}
	add := inv.run(t, "--json", "task", "add", squid, "https://www.google.com/maps/search/a", "https://www.google.com/maps/search/b")
	tasks := hash.FindAllString(add.stdout, -1)
	if add.code != 0 || len(tasks) < 2 {
		t.Fatalf("task add: %+v", add)
	}
	// ask runs args on a pseudo-terminal, answers the prompt and returns the exit status
	// and what the terminal showed.
	ask := func(answer string, args ...string) (int, string) {
		t.Helper()
		ptmx, tty, err := pty.Open()
		if err != nil {
			t.Fatal("no pseudo-terminal:", err)
		}
		defer ptmx.Close()
		var screen lockedBuffer
		read := make(chan struct{})
		go func() {
			defer close(read)
			io.Copy(&screen, ptmx)
		}()
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		env := inv.env
		done := make(chan int, 1)
		go func() { done <- run(ctx, args, tty, tty, tty, func(k string) string { return env[k] }) }()
		deadline := time.Now().Add(20 * time.Second)
		for !strings.Contains(screen.String(), "[y/N]") {
			if time.Now().After(deadline) {
				t.Fatalf("%q: no prompt; the terminal shows %q", args, screen.String())
			}
			time.Sleep(20 * time.Millisecond)
		}
		if _, err := io.WriteString(ptmx, answer+"\n"); err != nil {
			t.Fatal(err)
		}
		code := <-done
		tty.Close()
		select {
		case <-read:
		case <-time.After(2 * time.Second):
		}
		return code, screen.String()
	}
	taskCount := func() int { return len(srv.Tasks(squid)) }

	// No: nothing happens.
	for _, args := range [][]string{
		{"task", "rm", tasks[0]},
		{"squid", "empty", squid},
		{"squid", "rm", squid},
		{"accounts", "rm", apitest.SeedAccount},
	} {
		code, shown := ask("n", args...)
		if code != exitFail || !strings.Contains(shown, "not done") && !strings.Contains(shown, "not deleted") {
			t.Errorf("%q answered n: exit %d, terminal %q", args, code, shown)
		}
	}
	if n := taskCount(); n != 2 {
		t.Fatalf("after answering no, the squid holds %d tasks, want 2", n)
	}
	if r := inv.run(t, "accounts", "show", apitest.SeedAccount); r.code != 0 {
		t.Fatalf("after answering no, the account is gone: %+v", r)
	}
	// Yes: done.
	if code, shown := ask("y", "task", "rm", tasks[0]); code != 0 || taskCount() != 1 {
		t.Errorf("task rm answered y: exit %d, %d tasks left, terminal %q", code, taskCount(), shown)
	}
	if code, shown := ask("y", "squid", "empty", squid); code != 0 || taskCount() != 0 {
		t.Errorf("squid empty answered y: exit %d, %d tasks left, terminal %q", code, taskCount(), shown)
	}
	if code, shown := ask("y", "accounts", "rm", apitest.SeedAccount); code != 0 {
		t.Errorf("accounts rm answered y: exit %d, terminal %q", code, shown)
	}
	if r := inv.run(t, "accounts", "show", apitest.SeedAccount); r.code == 0 {
		t.Errorf("accounts rm answered y left the account: %+v", r)
	}
	if code, shown := ask("y", "squid", "rm", squid); code != 0 {
		t.Errorf("squid rm answered y: exit %d, terminal %q", code, shown)
	}
	if r := inv.run(t, "squid", "show", squid); r.code == 0 {
		t.Errorf("squid rm answered y left the squid: %+v", r)
	}
}
