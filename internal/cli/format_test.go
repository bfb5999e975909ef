package cli

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/lobstr-go/lobstr/api"
	"github.com/lobstr-go/lobstr/types"
)

func TestTruncate(t *testing.T) {
	for _, tc := range []struct {
		in   string
		n    int
		want string
	}{
		{"abc", 3, "abc"},
		{"abcd", 3, "ab…"},
		{"héllo wörld", 6, "héllo…"},
		{"x", 0, ""},
	} {
		if got := truncate(tc.in, tc.n); got != tc.want {
			t.Errorf("truncate(%q, %d) = %q; want %q", tc.in, tc.n, got, tc.want)
		}
	}
	for _, tc := range []struct {
		in   string
		n    int
		want string
	}{
		{"https://a.io/x", 20, "https://a.io/x"},
		{"https://www.linkedin.com/in/johndoe", 27, "www.linkedin.com/in/johndoe"},
		{"https://www.linkedin.com/in/johndoe", 20, "www.linkedin.com/in…"},
		{"keyword=pizza city=Paris country=France", 20, "keyword=pizza city=…"},
	} {
		got := truncateMiddle(tc.in, tc.n)
		if got != tc.want {
			t.Errorf("truncateMiddle(%q, %d) = %q; want %q", tc.in, tc.n, got, tc.want)
		}
		if n := len([]rune(got)); n > tc.n {
			t.Errorf("truncateMiddle(%q, %d) is %d long", tc.in, tc.n, n)
		}
	}
}

func TestClean(t *testing.T) {
	if got := clean("a\nb\tc\x1b[31md\u0085"); got != "a b c [31md " {
		t.Errorf("clean = %q", got)
	}
}

func TestFormatTime(t *testing.T) {
	var bad api.Timestamp
	if err := bad.UnmarshalJSON([]byte(`"2025-02-30T10:00:00\n\u001b[31m"`)); err != nil {
		t.Fatal(err)
	}
	if got := formatTime(&bad); got != "2025-02-30T10:00:00  [31m" {
		t.Errorf("formatTime(not a moment) = %q; want the text, cleaned", got)
	}
	if got := shortTime(bad); got != "2025-02-30T10:00:00  [31m" {
		t.Errorf("shortTime(not a moment) = %q; want the text, cleaned", got)
	}
	good, err := types.ParseTimestamp("2025-02-10T14:30:58.5+01:00")
	if err != nil {
		t.Fatal(err)
	}
	if got := formatTime(&good); got != "2025-02-10 13:30:58" {
		t.Errorf("formatTime = %q", got)
	}
	if got := shortTime(good); got != "2025-02-10 13:30" {
		t.Errorf("shortTime = %q", got)
	}
	if got := formatTime(nil); got != "-" {
		t.Errorf("formatTime(nil) = %q", got)
	}
	if got := shortTime(api.Timestamp{}); got != "-" {
		t.Errorf("shortTime(zero) = %q", got)
	}
}

func TestFormatParams(t *testing.T) {
	for _, tc := range []struct {
		p    api.Params
		want string
	}{
		{nil, "-"},
		{api.Params{"url": "https://x"}, "https://x"},
		{api.Params{"keyword": "pizza", "city": "Paris", "max": 3.0}, "city=Paris keyword=pizza max=3"},
		{api.Params{"tags": []any{"a", "b"}, "x": nil}, `tags=["a","b"] x=null`},
	} {
		if got := formatParams(tc.p); got != tc.want {
			t.Errorf("formatParams(%v) = %q; want %q", tc.p, got, tc.want)
		}
	}
}

func TestFormatErrors(t *testing.T) {
	for _, tc := range []struct {
		has  bool
		raw  string
		want string
	}{
		{false, "", "none"},
		{false, "null", "none"},
		{false, "{}", "none"},
		{true, "null", "yes (no details)"},
		{true, `"proxy   failed"`, `"proxy failed"`},
		{true, "{\n \"page\": 3\n}", `{ "page": 3 }`},
	} {
		if got := formatErrors(tc.has, []byte(tc.raw)); got != tc.want {
			t.Errorf("formatErrors(%v, %q) = %q; want %q", tc.has, tc.raw, got, tc.want)
		}
	}
}

func TestColor(t *testing.T) {
	if got := paint("completed", false); got != "completed" {
		t.Errorf("no colour: %q", got)
	}
	if got := paint("failed", true); got != "\x1b[31mfailed\x1b[0m" {
		t.Errorf("colour: %q", got)
	}
	c := &cli{env: func(string) string { return "" }}
	if c.color(c.detect(&bytes.Buffer{})) {
		t.Error("colour on a buffer")
	}
	term := c.detect(&fakeTerminal{width: 80})
	if !term.tty || term.width != 80 || !c.color(term) {
		t.Errorf("a terminal: %+v, colour %v", term, c.color(term))
	}
	for _, env := range []map[string]string{{"NO_COLOR": "1"}, {"TERM": "dumb"}} {
		c.env = func(k string) string { return env[k] }
		if c.color(term) {
			t.Errorf("colour with %v", env)
		}
	}
}

// TestProgressTerminal checks the terminal form: one line rewritten with \r, ended by a
// line break, never wider than the terminal.
func TestProgressTerminal(t *testing.T) {
	var buf bytes.Buffer
	p := &progress{w: &buf, out: stream{tty: true, width: 40}, label: "task c5e29d2a…", start: time.Now(), quit: make(chan struct{}), c: &cli{}}
	p.ticker.Add(1)
	go p.tick()
	p.update("running", "40 results")
	p.update("completed", "156 results and a very long detail that will not fit")
	p.finish()
	got := buf.String()
	want := "\r\x1b[Ktask c5e29d2a…: running, 40 results, 0s" +
		"\r\x1b[Ktask c5e29d2a…: completed, 156 results…\n"
	if got != want {
		t.Errorf("got %q\nwant %q", got, want)
	}
	for _, part := range strings.Split(got, "\r") {
		if n := len([]rune(strings.TrimPrefix(strings.TrimSuffix(part, "\n"), "\x1b[K"))); n >= 40 {
			t.Errorf("line %q is %d wide", part, n)
		}
	}
}

func TestProgressPlain(t *testing.T) {
	var buf bytes.Buffer
	p := &progress{w: &buf, label: "upload 427a7bfc…", start: time.Now(), quit: make(chan struct{}), c: &cli{}}
	p.update("PROGRESS", "") // the same again: no new line
	p.update("PROGRESS", "")
	p.update("SUCCESS", "8 valid")
	p.finish()
	if got, want := buf.String(), "upload 427a7bfc…: PROGRESS, 0s\nupload 427a7bfc…: SUCCESS, 8 valid, 0s\n"; got != want {
		t.Errorf("got %q\nwant %q", got, want)
	}
}
