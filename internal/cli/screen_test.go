package cli

import (
	"bytes"
	"context"
	"io"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/creack/pty"

	"github.com/lobstr-go/lobstr/api/apitest"
)

// emulate plays output on a terminal screen of the given width, as a terminal does:
// printable characters at the cursor, wrapping to the next row past the last column, \r
// back to column 0, \n down a row, ESC[K clearing to the end of the row, other escape
// sequences (colours) ignored. It returns the rows that hold something, trailing spaces
// trimmed.
func emulate(out string, width int) []string {
	var rows [][]rune
	row, col := 0, 0
	put := func(r rune) {
		for len(rows) <= row {
			rows = append(rows, nil)
		}
		for len(rows[row]) <= col {
			rows[row] = append(rows[row], ' ')
		}
		rows[row][col] = r
	}
	rs := []rune(out)
	for i := 0; i < len(rs); i++ {
		switch r := rs[i]; {
		case r == '\r':
			col = 0
		case r == '\n':
			row, col = row+1, 0
		case r == 0x1b && i+1 < len(rs) && rs[i+1] == '[':
			j := i + 2
			for j < len(rs) && (rs[j] < 0x40 || rs[j] > 0x7e) {
				j++
			}
			if j < len(rs) && rs[j] == 'K' && row < len(rows) && col < len(rows[row]) {
				rows[row] = rows[row][:col]
			}
			i = j
		default:
			if col >= width { // auto-wrap
				row, col = row+1, 0
			}
			put(r)
			col++
		}
	}
	var screen []string
	for _, r := range rows {
		if s := strings.TrimRight(string(r), " "); s != "" {
			screen = append(screen, s)
		}
	}
	return screen
}

func TestEmulate(t *testing.T) {
	for _, tc := range []struct {
		out   string
		width int
		want  []string
	}{
		{"abc\r\x1b[Kxy", 10, []string{"xy"}},
		{"abcdefghij", 4, []string{"abcd", "efgh", "ij"}},
		// A line wider than the terminal, redrawn with \r: the wrapped part stays behind.
		{"abcdef\r\x1b[Kabcdeg", 4, []string{"abcd", "abcd", "eg"}},
		{"\x1b[31mred\x1b[0m\n", 10, []string{"red"}},
	} {
		if got := emulate(tc.out, tc.width); strings.Join(got, "|") != strings.Join(tc.want, "|") {
			t.Errorf("%q at %d: %q; want %q", tc.out, tc.width, got, tc.want)
		}
	}
}

// TestWaitOnTerminal runs `task wait` with stderr on a pseudo-terminal of 50 columns: the
// width comes from the terminal itself (no COLUMNS), and the screen holds one progress
// line at the end, not a trail of stale ones.
func TestWaitOnTerminal(t *testing.T) {
	const hash = "0000000000000000000000000000cafe"
	url, token := lifeTask(t, hash, apitest.Lifecycle{Polls: 6, Results: 1234567})
	ptmx, tty, err := pty.Open()
	if err != nil {
		t.Skip("no pseudo-terminal:", err)
	}
	defer ptmx.Close()
	defer tty.Close()
	if err := pty.Setsize(ptmx, &pty.Winsize{Rows: 24, Cols: 50}); err != nil {
		t.Fatal(err)
	}
	var screenBytes bytes.Buffer
	read := make(chan struct{})
	go func() {
		defer close(read)
		io.Copy(&screenBytes, ptmx)
	}()
	var stdout bytes.Buffer
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	env := envFor(url, token)
	env["TERM"] = "xterm"
	code := run(ctx, []string{"task", "wait", hash, "--interval", "300ms"}, nil, &stdout, tty, func(k string) string { return env[k] })
	tty.Close()
	select {
	case <-read:
	case <-time.After(5 * time.Second):
		ptmx.Close()
		<-read
	}
	if code != 0 {
		t.Fatalf("exit %d, terminal %q", code, screenBytes.String())
	}
	raw := screenBytes.String()
	if strings.Count(raw, "\r\x1b[K") < 3 {
		t.Errorf("the progress line was not redrawn in place: %q", raw)
	}
	screen := emulate(raw, 50)
	if len(screen) != 1 || !strings.HasPrefix(screen[0], "task "+hash[:8]+": ") {
		t.Errorf("the screen holds %d rows, want 1 progress line:\n%s\n(raw %q)", len(screen), strings.Join(screen, "\n"), raw)
	}
	for _, row := range screen {
		if n := utf8.RuneCountInString(row); n > 49 {
			t.Errorf("a row of %d columns: %q", n, row)
		}
	}
	if !strings.Contains(stdout.String(), "completed") {
		t.Errorf("stdout %q", stdout.String())
	}
}
