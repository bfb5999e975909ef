package cli

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net"
	"net/url"
	"os"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"golang.org/x/term"

	"github.com/lobstr-go/lobstr/api"
)

// -- where output goes --------------------------------------------------------------------

// stream says what an output is: a terminal (and how wide), or a pipe or a file.
type stream struct {
	tty   bool
	width int // columns on a terminal; 0 elsewhere, meaning nothing is ever cut
}

// fallbackWidth is a terminal's width when it cannot be asked: $COLUMNS, else this.
const fallbackWidth = 80

// terminalWriter is an output that knows it is a terminal of a given width. Real terminals
// (*os.File) are asked through golang.org/x/term; tests give their own.
type terminalWriter interface {
	io.Writer
	TerminalWidth() int
}

// detect asks w whether it is a terminal and how wide.
func (c *cli) detect(w io.Writer) stream {
	if tw, ok := w.(terminalWriter); ok {
		return stream{tty: true, width: tw.TerminalWidth()}
	}
	f, ok := w.(*os.File)
	if !ok || f == nil || !term.IsTerminal(int(f.Fd())) {
		return stream{}
	}
	if cols, _, err := term.GetSize(int(f.Fd())); err == nil && cols > 0 {
		return stream{tty: true, width: cols}
	}
	if n, err := strconv.Atoi(strings.TrimSpace(c.env("COLUMNS"))); err == nil && n > 0 && n <= 10000 {
		return stream{tty: true, width: n}
	}
	return stream{tty: true, width: fallbackWidth}
}

// color reports whether output on s may use colour: a terminal, NO_COLOR unset (or
// empty), TERM not "dumb".
func (c *cli) color(s stream) bool {
	return s.tty && c.env("NO_COLOR") == "" && c.env("TERM") != "dumb"
}

// -- --json: the server's bytes ------------------------------------------------------------

// bodies collects the raw 2xx bodies of the calls made under its context (api.CaptureBody).
type bodies struct {
	mu  sync.Mutex
	all [][]byte
}

// capture returns a context under which the client's answers are kept in the returned
// bodies, for --json.
func capture(ctx context.Context) (context.Context, *bodies) {
	b := &bodies{}
	return api.CaptureBody(ctx, func(_ int, body []byte) {
		b.mu.Lock()
		b.all = append(b.all, body)
		b.mu.Unlock()
	}), b
}

// answer ends a command that made one call: the failure in one line, or under --json the
// server's answer as sent, or else the view print makes of v.
func answer[T any](c *cli, ctx context.Context, raw *bodies, v T, err error, print func(T)) int {
	if err != nil {
		return c.fail(ctx, err)
	}
	if c.json {
		return c.printJSON(raw.last())
	}
	print(v)
	return exitOK
}

// last is the last body received, nil for none.
func (b *bodies) last() []byte {
	b.mu.Lock()
	defer b.mu.Unlock()
	if len(b.all) == 0 {
		return nil
	}
	return b.all[len(b.all)-1]
}

// printJSON writes a JSON document to stdout: byte for byte as given (a newline added when
// it does not end with one), indented only when stdout is a terminal.
func (c *cli) printJSON(doc []byte) int {
	if c.out.tty {
		var buf bytes.Buffer
		if err := json.Indent(&buf, bytes.TrimSpace(doc), "", "  "); err == nil {
			doc = buf.Bytes()
		}
	}
	if len(doc) == 0 || doc[len(doc)-1] != '\n' {
		doc = append(doc[:len(doc):len(doc)], '\n')
	}
	if _, err := c.stdout.Write(doc); err != nil {
		return c.errorLine(exitFail, "output", "writing the output: "+err.Error(), 0, "")
	}
	return exitOK
}

// jsonArray joins raw JSON values into one array, as they are.
func jsonArray(items []json.RawMessage) []byte {
	var b bytes.Buffer
	b.WriteByte('[')
	for i, it := range items {
		if i > 0 {
			b.WriteByte(',')
		}
		b.Write(bytes.TrimSpace(it))
	}
	b.WriteByte(']')
	return b.Bytes()
}

// pageItems is what a listing with --all prints under --json: the items of every page the
// client read, each as the server sent it.
type pageItems struct {
	items []json.RawMessage
	err   error // the first page whose body was not a JSON page
}

// capture returns ctx with a capture (api.CaptureBody) that collects the "data" items of
// each page answered.
func (p *pageItems) capture(ctx context.Context) context.Context {
	return api.CaptureBody(ctx, func(_ int, body []byte) {
		var page struct {
			Data []json.RawMessage `json:"data"`
		}
		if err := json.Unmarshal(body, &page); err != nil && p.err == nil {
			p.err = err
		}
		p.items = append(p.items, page.Data...)
	})
}

// array is the items as one JSON array ([] when there were none).
func (p *pageItems) array() []byte { return jsonArray(p.items) }

// encodeJSON prints a value the CLI made itself (not an API answer) as JSON.
func (c *cli) encodeJSON(v any) int {
	b, err := json.Marshal(v)
	if err != nil {
		return c.errorLine(exitFail, "output", "encoding the JSON: "+err.Error(), 0, "")
	}
	return c.printJSON(b)
}

// -- errors ---------------------------------------------------------------------------------

// usageError reports bad usage of cmd ("" for lobstr itself) on one line, with where to
// find the usage, and returns exitUsage.
func (c *cli) usageError(cmd, msg string) int {
	help := "lobstr --help"
	if cmd != "" {
		help = "lobstr " + cmd + " --help"
	}
	prefix := ""
	if cmd != "" {
		prefix = cmd + ": "
	}
	return c.errorLine(exitUsage, "usage", prefix+msg+"; run '"+help+"' for usage", 0, "")
}

// fail reports err, the failure of a command, on one line of stderr in the user's words
// and returns its exit status: 130 when ctx was interrupted, 2 for a configuration
// problem, else 1.
func (c *cli) fail(ctx context.Context, err error) int {
	if ctx.Err() != nil && !errors.Is(context.Cause(ctx), errWaitTimeout) {
		return c.errorLine(exitInterrupted, "interrupted", "interrupted", 0, "")
	}
	var ae *api.Error
	if errors.As(err, &ae) {
		return c.errorLine(exitFail, ae.Type, apiErrorMessage(ae)+nextStep(c.cmd, ae), ae.StatusCode, ae.Type)
	}
	msg, kind := c.describe(err)
	code := exitFail
	if kind == "config" || kind == "usage" {
		code = exitUsage
	}
	return c.errorLine(code, kind, msg, 0, "")
}

// apiErrorMessage says what the API answered and what to do next.
func apiErrorMessage(e *api.Error) string {
	msg := strings.TrimPrefix(e.Error(), "lobstr: ")
	switch {
	case e.StatusCode == 401:
		msg += " (check the token: --token, LOBSTR_TOKEN or 'lobstr config set-token')"
	case e.StatusCode == 403:
		msg += " (the token is valid but may not do this)"
	case e.StatusCode == 429:
		msg += " (the rate limit: try again later)"
	case e.StatusCode >= 500:
		msg += " (the server failed: try again later)"
	}
	return msg
}

// nextStep names the lobstr command to run after the API refused cmd with e, when there is
// an obvious one: the list that holds what was not found, the command that makes a squid
// ready, the one that follows a run already going on.
func nextStep(cmd string, e *api.Error) string {
	group, _, _ := strings.Cut(cmd, " ")
	msg := strings.ToLower(e.Message)
	switch {
	case strings.Contains(msg, "already active") || strings.Contains(msg, "already running"):
		return "; follow it with 'lobstr run watch RUN' ('lobstr run ls SQUID' lists its runs)"
	case e.Type == "SquidNotReady" && strings.Contains(msg, "deactivated"):
		return "; 'lobstr squid update SQUID --active' turns it on"
	case e.Type == "SquidNotReady":
		return "; save its params with 'lobstr squid update SQUID --param KEY=VALUE' ('lobstr crawlers params CRAWLER' lists them)"
	case e.Type == "NoTasksPresent":
		return "; add tasks with 'lobstr task add SQUID VALUE...'"
	case e.StatusCode != 404:
		return ""
	}
	switch group {
	case "task":
		return "; 'lobstr task ls SQUID' lists a squid's tasks"
	case "run":
		return "; 'lobstr run ls SQUID' lists a squid's runs"
	case "squid", "delivery", "results", "go":
		return "; 'lobstr squid ls' lists your squids"
	case "accounts":
		return "; 'lobstr accounts ls' lists your accounts"
	case "crawlers":
		return "; 'lobstr crawlers search KEYWORD' finds a crawler"
	}
	return ""
}

// describe words an error that is not an API answer: network failures, files, arguments.
// kind is "network", "file", "config", "usage" or "error".
func (c *cli) describe(err error) (msg, kind string) {
	host := c.apiHost()
	var ue *url.Error
	var dnsErr *net.DNSError
	var opErr *net.OpError
	var pathErr *fs.PathError
	var certErr *tls.CertificateVerificationError
	var unknownAuth x509.UnknownAuthorityError
	var hostErr x509.HostnameError
	switch {
	case errors.Is(err, api.ErrNoToken):
		return "no API token: pass --token, set LOBSTR_TOKEN, or save one with 'lobstr config set-token TOKEN'", "config"
	case errors.As(err, &dnsErr):
		return fmt.Sprintf("cannot reach the API at %s: no such host (check --base-url or LOBSTR_BASE_URL)", host), "network"
	case errors.Is(err, syscall.ECONNREFUSED):
		return fmt.Sprintf("cannot reach the API at %s: connection refused (is the server running? check --base-url)", host), "network"
	case errors.As(err, &certErr), errors.As(err, &unknownAuth), errors.As(err, &hostErr):
		return fmt.Sprintf("cannot reach the API at %s: its TLS certificate is not trusted", host), "network"
	case errors.Is(err, context.DeadlineExceeded), isTimeout(err):
		return fmt.Sprintf("the API at %s did not answer in time; try again later", host), "network"
	case errors.Is(err, syscall.ECONNRESET), errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, io.EOF):
		return fmt.Sprintf("the connection to the API at %s broke off; try again", host), "network"
	case errors.As(err, &opErr):
		return fmt.Sprintf("cannot reach the API at %s: %s", host, plainNetError(opErr)), "network"
	case errors.As(err, &pathErr):
		return fmt.Sprintf("cannot %s %s: %s", pathErr.Op, pathErr.Path, plainError(pathErr.Err)), "file"
	case errors.As(err, &ue):
		return fmt.Sprintf("cannot reach the API at %s: %s", host, plainError(ue.Err)), "network"
	}
	return plainError(err), "error"
}

// plainError strips the package prefixes and operation names Go errors carry.
func plainError(err error) string {
	msg := err.Error()
	for {
		trimmed := strings.TrimPrefix(msg, "api: ")
		if op, rest, ok := strings.Cut(trimmed, ": "); ok && isOpName(op) {
			trimmed = rest
		}
		if trimmed == msg {
			return msg
		}
		msg = trimmed
	}
}

// isOpName reports whether s is an SDK operation name (Tasks.Get, Tasks.UploadFile, …).
func isOpName(s string) bool {
	if s == "" || s[0] < 'A' || s[0] > 'Z' {
		return false
	}
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z') {
			return false
		}
	}
	return true
}

func plainNetError(e *net.OpError) string {
	if e.Err != nil {
		var se *os.SyscallError
		if errors.As(e.Err, &se) {
			return se.Err.Error()
		}
		return e.Err.Error()
	}
	return e.Error()
}

func isTimeout(err error) bool {
	var te interface{ Timeout() bool }
	return errors.As(err, &te) && te.Timeout()
}

// apiHost is the host of the API the command talks to, for messages.
func (c *cli) apiHost() string {
	u, err := url.Parse(c.base())
	if err != nil || u.Host == "" {
		return c.base()
	}
	return u.Host
}

// jsonError is the shape of an error on stderr under --json.
type jsonError struct {
	Error jsonErrorBody `json:"error"`
}

type jsonErrorBody struct {
	Status  int    `json:"status,omitempty"` // the API's HTTP status, when the API answered
	Type    string `json:"type"`             // the API's error type, else usage, network, file, config, wait, interrupted
	Message string `json:"message"`
	Exit    int    `json:"exit"`
}

// errorLine prints one error: `lobstr: MSG` on one line of stderr, or {"error": {...}}
// under --json. It returns code. status and apiType are the API's, when it answered.
func (c *cli) errorLine(code int, kind, msg string, status int, apiType string) int {
	msg = redact(clean(msg), c.token())
	if c.json {
		t := kind
		if apiType != "" {
			t = apiType
		}
		if t == "" {
			t = "api_error"
		}
		b, _ := json.Marshal(jsonError{Error: jsonErrorBody{Status: status, Type: t, Message: msg, Exit: code}})
		fmt.Fprintf(c.stderr, "%s\n", b)
		return code
	}
	c.aroundProgress(func() { fmt.Fprintln(c.stderr, "lobstr: "+msg) })
	return code
}

// -- notices ----------------------------------------------------------------------------------

// notice prints a diagnostic line on stderr (not under --quiet), around a progress line.
func (c *cli) notice(msg string) {
	if c.quiet {
		return
	}
	c.aroundProgress(func() { fmt.Fprintln(c.stderr, "lobstr: "+redact(clean(msg), c.token())) })
}

// aroundProgress runs print, which writes whole lines on stderr, so that a progress line
// on the terminal is taken away first and drawn again after.
func (c *cli) aroundProgress(print func()) {
	c.mu.Lock()
	p := c.prog
	c.mu.Unlock()
	if p == nil {
		print()
		return
	}
	p.interrupt(print)
}

// onWait is the client's api.OnWait: a hold longer than a second is said on stderr with
// the time left, so a wait is never silent.
func (c *cli) onWait(family string, d time.Duration, why string) {
	if d <= time.Second {
		return
	}
	secs := (d + time.Second - 1) / time.Second * time.Second
	where := ""
	if family != "" && family != "other" {
		where = " on /v1/" + family
	}
	var what string
	switch {
	case why == "" || why == "rate limit":
		what = "for the rate limit" + strings.Replace(where, " on ", " of ", 1)
	case strings.Contains(why, "429"):
		what = "for the rate limit (the API answered 429)" + where
	case strings.HasPrefix(why, "retry after "):
		what = "before retrying (" + strings.TrimPrefix(why, "retry after ") + ")" + where
	default:
		what = "(" + why + ")" + where
	}
	c.notice(fmt.Sprintf("waiting %v %s", secs, what))
}

// redact hides secret in s.
func redact(s, secret string) string {
	if len(secret) >= 4 {
		s = strings.ReplaceAll(s, secret, "[redacted]")
	}
	return s
}
