package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/lobstr-go/lobstr/api"
)

// taskCommand is one `lobstr task` command.
type taskCommand struct {
	name string
	run  func(c *cli, ctx context.Context, args []string) int
}

var taskCommands = map[string]taskCommand{}

func init() {
	for _, cmd := range []taskCommand{
		{"show", (*cli).taskShow},
		{"wait", (*cli).taskWait},
		{"ls", (*cli).taskList},
		{"add", (*cli).taskAdd},
		{"rm", (*cli).taskRemove},
		{"upload", (*cli).taskUpload},
		{"upload-status", (*cli).taskUploadStatus},
	} {
		taskCommands[cmd.name] = cmd
	}
	// The official CLI's users may type these.
	taskCommands["list"] = taskCommands["ls"]
	taskCommands["get"] = taskCommands["show"]
	taskCommands["delete"] = taskCommands["rm"]
}

// parseCommand parses a command's flags and arguments. It checks the count of arguments
// (max < 0: no limit). When done is true the command is over: --help was printed (exit 0)
// or the usage was bad (exit 2).
func (c *cli) parseCommand(fs *flag.FlagSet, args []string, usage string, min, max int) (rest []string, code int, done bool) {
	rest, err := parse(fs, args, true)
	if errors.Is(err, flag.ErrHelp) {
		c.printCommandUsage(c.stdout, usage, fs)
		return nil, exitOK, true
	}
	msg := ""
	switch {
	case err != nil:
		msg = err.Error()
	case len(rest) < min:
		msg = "missing arguments"
	case max >= 0 && len(rest) > max:
		msg = fmt.Sprintf("too many arguments: %q", rest[max:])
	}
	if msg != "" {
		return nil, c.commandUsageError(fs, msg, usage), true
	}
	return rest, exitOK, false
}

// commandUsageError prints msg and the command's usage on stderr; it returns exitUsage.
func (c *cli) commandUsageError(fs *flag.FlagSet, msg, usage string) int {
	fmt.Fprintf(c.stderr, "%s: %s\n\n", fs.Name(), c.redact(clean(msg)))
	c.printCommandUsage(c.stderr, usage, fs)
	return exitUsage
}

// checkHash refuses what cannot be a hash before any request is sent.
func (c *cli) checkHash(fs *flag.FlagSet, usage, what, s string) (int, bool) {
	if api.ValidHash(s) {
		return 0, false
	}
	return c.commandUsageError(fs, fmt.Sprintf("%s %q is not a full hash (32 lowercase hexadecimal characters)", what, truncate(s, 40)), usage), true
}

// client makes the API client: base URL from --base-url, else LOBSTR_BASE_URL, else the
// public API; token from LOBSTR_TOKEN, else the official CLI's config file.
func (c *cli) client() (*api.Client, int, bool) {
	base := c.baseURL
	if base == "" {
		base = strings.TrimSpace(c.env("LOBSTR_BASE_URL"))
	}
	if base == "" {
		base = api.DefaultBaseURL
	}
	opts := []api.Option{api.WithBaseURL(base), api.WithUserAgent("lobstr-go-cli/" + api.Version)}
	if c.token != "" {
		opts = append(opts, api.WithToken(c.token))
	}
	cl, err := api.NewClient(opts...)
	if err != nil {
		// The api package words its errors for Go callers; say it for the command line.
		msg := strings.TrimPrefix(err.Error(), "api: ")
		msg = strings.Replace(msg, "; use https, or WithInsecureHTTP to opt in", "; use https", 1)
		if errors.Is(err, api.ErrNoToken) && !strings.Contains(msg, "LOBSTR_TOKEN") {
			msg += " (hint: set LOBSTR_TOKEN to your API key)"
		}
		fmt.Fprintln(c.stderr, "lobstr: "+c.redact(msg))
		return nil, exitUsage, true
	}
	return cl, exitOK, false
}

// fail reports the error of a command on one line of stderr and returns its exit status:
// 130 when ctx was interrupted, else 1.
func (c *cli) fail(ctx context.Context, err error) int {
	if ctx.Err() != nil {
		fmt.Fprintln(c.stderr, "lobstr: interrupted")
		return exitInterrupted
	}
	var msg string
	var ae *api.Error
	if errors.As(err, &ae) {
		msg = strings.TrimPrefix(ae.Error(), "lobstr: ")
		if ae.StatusCode == 401 {
			msg += " (hint: set LOBSTR_TOKEN to a valid API key)"
		}
	} else {
		msg = strings.TrimPrefix(err.Error(), "api: ")
	}
	fmt.Fprintln(c.stderr, "lobstr: "+c.redact(clean(msg)))
	return exitFail
}

// output prints a result: v as JSON with --json, else what human prints.
func (c *cli) output(v any, human func(w io.Writer)) int {
	if c.json {
		if err := writeJSON(c.stdout, v); err != nil {
			fmt.Fprintln(c.stderr, "lobstr: encoding the JSON:", err)
			return exitFail
		}
		return exitOK
	}
	human(c.stdout)
	return exitOK
}

// -- show ---------------------------------------------------------------------------------

const showUsage = `Usage: lobstr task show HASH

Show a task (Get Task): its state, results, pages, errors, times, parameters
and module. With --json, print the API's answer.

Example:
  lobstr task show c5e29d2aba8b77cdc56391e7405302de
`

func (c *cli) taskShow(ctx context.Context, args []string) int {
	fs := c.flagSet("lobstr task show")
	rest, code, done := c.parseCommand(fs, args, showUsage, 1, 1)
	if done {
		return code
	}
	if code, done := c.checkHash(fs, showUsage, "HASH", rest[0]); done {
		return code
	}
	cl, code, done := c.client()
	if done {
		return code
	}
	t, err := cl.GetTask(ctx, rest[0])
	if err != nil {
		return c.fail(ctx, err)
	}
	return c.output(t, func(w io.Writer) { c.printTask(w, t) })
}

// printTask prints the key/value view of a task.
func (c *cli) printTask(w io.Writer, t *api.Task) {
	v := kv{w: w, width: c.width()}
	s := t.Status
	v.line("hash", t.HashValue)
	if c.colorFor(w) {
		v.colored("state", paint(clean(string(s.Status)), true))
	} else {
		v.line("state", string(s.Status))
	}
	v.line("done", yesNo(s.IsDone))
	v.line("results", fmt.Sprint(s.TotalResults))
	v.line("pages", fmt.Sprint(s.TotalPages))
	v.line("done reason", deref(s.DoneReason))
	v.line("errors", formatErrors(s.HasErrors, s.Errors))
	v.line("started", formatTime(s.StartedAt))
	ended := formatTime(s.EndedAt)
	if s.StartedAt != nil && s.EndedAt != nil && !s.StartedAt.IsZero() && !s.EndedAt.IsZero() {
		if d := s.EndedAt.Sub(s.StartedAt.Time); d >= 0 {
			ended += " (after " + elapsed(d) + ")"
		}
	}
	v.line("ended", ended)
	v.line("created", formatTime(&t.CreatedAt))
	v.line("active", yesNo(t.IsActive))
	v.line("module", t.Module.String())
	if len(t.Params) == 0 {
		v.line("params", "-")
	}
	for i, k := range paramKeys(t.Params) {
		key := ""
		if i == 0 {
			key = "params"
		}
		v.line(key, k+"="+paramValue(t.Params[k]))
	}
}

func deref(s *string) string {
	if s == nil || *s == "" {
		return "-"
	}
	return *s
}

// formatErrors prints a task's errors: "none", or the JSON the API sent, on one line.
func formatErrors(has bool, raw []byte) string {
	js := strings.TrimSpace(string(raw))
	empty := js == "" || js == "null" || js == "{}" || js == "[]" || js == `""`
	switch {
	case empty && !has:
		return "none"
	case empty:
		return "yes (no details)"
	}
	return strings.Join(strings.Fields(js), " ")
}

// -- wait ---------------------------------------------------------------------------------

const waitUsage = `Usage: lobstr task wait HASH [--interval D] [--timeout D]

Poll a task until it is done, showing its progress on stderr: one line kept up
to date on a terminal, one line per poll otherwise. Then print the task as
'task show' does. Polls start every second and slow down to every 30s, unless
--interval fixes the pace. Exit status 0 when the task completed, 1 when it
failed or was aborted, or on --timeout.

Example:
  lobstr task wait c5e29d2aba8b77cdc56391e7405302de --timeout 10m
`

// errWaitTimeout is the cause of a wait that reached --timeout.
var errWaitTimeout = errors.New("timeout")

// waitFlags are the flags of the commands that wait.
type waitFlags struct {
	interval, timeout time.Duration
}

func (f *waitFlags) register(fs *flag.FlagSet) {
	fs.DurationVar(&f.interval, "interval", 0, "poll every `D` (default: from 1s, slowing to 30s)")
	fs.DurationVar(&f.timeout, "timeout", 0, "give up after `D` (default: never)")
}

func (f *waitFlags) check() string {
	switch {
	case f.interval < 0:
		return "--interval must not be negative"
	case f.interval > 0 && f.interval < 100*time.Millisecond:
		return "--interval must be at least 100ms"
	case f.timeout < 0:
		return "--timeout must not be negative"
	}
	return ""
}

// context returns the context of a wait, ending at --timeout.
func (f *waitFlags) context(ctx context.Context) (context.Context, context.CancelFunc) {
	if f.timeout > 0 {
		return context.WithTimeoutCause(ctx, f.timeout, errWaitTimeout)
	}
	return context.WithCancel(ctx)
}

func (f *waitFlags) options() []api.WaitOption {
	if f.interval > 0 {
		return []api.WaitOption{api.WithPollInterval(f.interval), api.WithMaxPollInterval(f.interval)}
	}
	return nil
}

func (c *cli) taskWait(ctx context.Context, args []string) int {
	fs := c.flagSet("lobstr task wait")
	var wf waitFlags
	wf.register(fs)
	rest, code, done := c.parseCommand(fs, args, waitUsage, 1, 1)
	if done {
		return code
	}
	if msg := wf.check(); msg != "" {
		return c.commandUsageError(fs, msg, waitUsage)
	}
	hash := rest[0]
	if code, done := c.checkHash(fs, waitUsage, "HASH", hash); done {
		return code
	}
	cl, code, done := c.client()
	if done {
		return code
	}
	t, code, ok := c.waitTask(ctx, cl, hash, &wf)
	if !ok {
		return code
	}
	if code := c.output(t, func(w io.Writer) { c.printTask(w, t) }); code != exitOK {
		return code
	}
	if t.Status.Status != api.TaskCompleted {
		fmt.Fprintf(c.stderr, "lobstr: task %s ended %s (done reason: %s)\n", hash, clean(string(t.Status.Status)), clean(deref(t.Status.DoneReason)))
		return exitFail
	}
	return exitOK
}

// waitTask waits for a task with progress on stderr. ok is false when the wait failed;
// the failure has been reported and code is the exit status.
func (c *cli) waitTask(ctx context.Context, cl *api.Client, hash string, wf *waitFlags) (t *api.Task, code int, ok bool) {
	wctx, cancel := wf.context(ctx)
	defer cancel()
	p := c.newProgress("task " + hash)
	opts := append(wf.options(), api.OnTaskProgress(func(t *api.Task) {
		p.update(string(t.Status.Status), plural(t.Status.TotalResults, "result"))
	}))
	t, err := cl.WaitTask(wctx, hash, opts...)
	p.finish()
	if err != nil {
		if ctx.Err() == nil && errors.Is(context.Cause(wctx), errWaitTimeout) {
			fmt.Fprintf(c.stderr, "lobstr: task %s: not done after %v%s\n", hash, wf.timeout, lastTaskState(t))
			return nil, exitFail, false
		}
		return nil, c.fail(ctx, err), false
	}
	return t, exitOK, true
}

func lastTaskState(t *api.Task) string {
	if t == nil {
		return ""
	}
	return fmt.Sprintf(" (last seen %s, %s)", clean(string(t.Status.Status)), plural(t.Status.TotalResults, "result"))
}

func plural(n int, what string) string {
	if n == 1 {
		return "1 " + what
	}
	return fmt.Sprintf("%d %ss", n, what)
}

// -- ls -----------------------------------------------------------------------------------

const lsUsage = `Usage: lobstr task ls SQUID [--limit N] [--page N] [--all] [--type T]

List the tasks of a squid, a page at a time (List Tasks): a table of ID,
CREATED (UTC), ACTIVE and PARAMS on stdout, and "page P of N, T tasks" on
stderr. With --all, list every page from --page on. With --json, print the
API's page; with --all --json, print one JSON array of all the tasks.

Example:
  lobstr task ls a1b2c3d4e5f6g7h8i9j0 --limit 100 --all
`

func (c *cli) taskList(ctx context.Context, args []string) int {
	fs := c.flagSet("lobstr task ls")
	var opts api.ListTasksOptions
	var all bool
	fs.IntVar(&opts.Limit, "limit", 0, "`N` tasks a page, 1 to 100 (default: the server's, 50)")
	fs.IntVar(&opts.Page, "page", 0, "start at page `N` (default 1)")
	fs.BoolVar(&all, "all", false, "list every page")
	fs.StringVar(&opts.Type, "type", "", "`TYPE`: url (basic, the default) or params (detailed)")
	rest, code, done := c.parseCommand(fs, args, lsUsage, 1, 1)
	if done {
		return code
	}
	opts.Squid = rest[0]
	switch {
	case opts.Squid == "":
		return c.commandUsageError(fs, "SQUID is empty", lsUsage)
	case opts.Limit < 0 || opts.Limit > api.MaxPageSize:
		return c.commandUsageError(fs, fmt.Sprintf("--limit %d: want 1 to %d", opts.Limit, api.MaxPageSize), lsUsage)
	case opts.Page < 0:
		return c.commandUsageError(fs, fmt.Sprintf("--page %d: want 1 or more", opts.Page), lsUsage)
	case opts.Type != "" && opts.Type != "url" && opts.Type != "params":
		return c.commandUsageError(fs, fmt.Sprintf("--type %q: want url or params", opts.Type), lsUsage)
	}
	cl, code, done := c.client()
	if done {
		return code
	}
	if all {
		return c.listAll(ctx, cl, opts)
	}
	page, err := cl.ListTasks(ctx, opts)
	if err != nil {
		return c.fail(ctx, err)
	}
	code = c.output(page, func(w io.Writer) {
		if len(page.Data) > 0 {
			tw := c.taskTable(w)
			for _, t := range page.Data {
				c.taskRow(tw, t.Id, shortTime(t.CreatedAt), yesNo(t.IsActive), t.Params)
			}
			tw.Flush()
		}
	})
	if !c.json {
		footer := fmt.Sprintf("page %d of %d, %s", page.Page, page.TotalPages, plural(page.TotalResults, "task"))
		if page.Next != nil && page.Page < page.TotalPages {
			footer += fmt.Sprintf(" (next: --page %d)", page.Page+1)
		}
		fmt.Fprintln(c.stderr, footer)
	}
	if page.Warning != nil && *page.Warning != "" {
		fmt.Fprintln(c.stderr, "lobstr: warning: "+clean(*page.Warning))
	}
	return code
}

// listAll prints every task of a squid from opts.Page on.
func (c *cli) listAll(ctx context.Context, cl *api.Client, opts api.ListTasksOptions) int {
	var tasks []api.TaskSummary
	var tw *tabwriter.Writer
	for t, err := range cl.AllTasks(ctx, opts) {
		if err != nil {
			if tw != nil {
				tw.Flush()
			}
			return c.fail(ctx, err)
		}
		if c.json {
			tasks = append(tasks, t)
			continue
		}
		if tw == nil {
			tw = c.taskTable(c.stdout)
		}
		c.taskRow(tw, t.Id, shortTime(t.CreatedAt), yesNo(t.IsActive), t.Params)
		tasks = append(tasks, api.TaskSummary{}) // only counted
	}
	if c.json {
		if tasks == nil {
			tasks = []api.TaskSummary{}
		}
		return c.output(tasks, nil)
	}
	if tw != nil {
		tw.Flush()
	}
	fmt.Fprintln(c.stderr, "all pages, "+plural(len(tasks), "task"))
	return exitOK
}

// taskTable starts a table of tasks with its header.
func (c *cli) taskTable(w io.Writer) *tabwriter.Writer {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tCREATED\tACTIVE\tPARAMS")
	return tw
}

// taskRow adds a task to a table; PARAMS is cut to what is left of the width.
func (c *cli) taskRow(tw *tabwriter.Writer, id, created, active string, params api.Params) {
	// ID (32) + CREATED (16) + ACTIVE (6) + 3 gaps of 2 = 60 columns before PARAMS.
	room := c.width() - 60
	fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", clean(id), created, active, truncateMiddle(formatParams(params), room))
}

// -- add ----------------------------------------------------------------------------------

const addUsage = `Usage: lobstr task add SQUID VALUE... [--key url] [--file F]

Add tasks to a squid (Add Tasks), one per VALUE, as {"KEY": "VALUE"}. A VALUE
of "-" reads values from stdin, and --file F from a file: one value per line,
blank lines skipped. The server counts tasks it already has as duplicates
instead of adding them. Prints how many were added and duplicated, and the new
tasks with their hashes.

Examples:
  lobstr task add a1b2c3d4e5f6g7h8i9j0 https://www.linkedin.com/in/johndoe
  lobstr task add a1b2c3d4e5f6g7h8i9j0 --key keyword - < keywords.txt
`

func (c *cli) taskAdd(ctx context.Context, args []string) int {
	fs := c.flagSet("lobstr task add")
	key := fs.String("key", "url", "the task `KEY` the values are for, e.g. url or keyword")
	file := fs.String("file", "", "read values from file `F`, one a line")
	rest, code, done := c.parseCommand(fs, args, addUsage, 1, -1)
	if done {
		return code
	}
	squid, inputs := rest[0], rest[1:]
	if squid == "" {
		return c.commandUsageError(fs, "SQUID is empty", addUsage)
	}
	if strings.TrimSpace(*key) == "" {
		return c.commandUsageError(fs, "--key is empty", addUsage)
	}
	var values []string
	stdinRead := false
	for _, in := range inputs {
		if in != "-" {
			values = append(values, in)
			continue
		}
		if stdinRead {
			return c.commandUsageError(fs, `"-" (stdin) given twice`, addUsage)
		}
		stdinRead = true
		vs, err := readValues(c.stdin)
		if err != nil {
			fmt.Fprintln(c.stderr, "lobstr: reading stdin:", err)
			return exitFail
		}
		values = append(values, vs...)
	}
	if *file != "" {
		f, err := os.Open(*file)
		if err != nil {
			fmt.Fprintln(c.stderr, "lobstr:", err)
			return exitFail
		}
		vs, err := readValues(f)
		f.Close()
		if err != nil {
			fmt.Fprintf(c.stderr, "lobstr: reading %s: %v\n", *file, err)
			return exitFail
		}
		values = append(values, vs...)
	}
	if len(values) == 0 {
		return c.commandUsageError(fs, "no values to add", addUsage)
	}
	tasks := make([]map[string]any, len(values))
	for i, v := range values {
		tasks[i] = map[string]any{*key: v}
	}
	cl, code, done := c.client()
	if done {
		return code
	}
	res, err := cl.AddTasks(ctx, squid, tasks)
	if res != nil {
		code = c.output(res, func(w io.Writer) {
			fmt.Fprintf(w, "added %d, duplicates %d\n", len(res.Tasks), res.DuplicatedCount)
			if len(res.Tasks) > 0 {
				tw := c.taskTable(w)
				for _, t := range res.Tasks {
					c.taskRow(tw, t.Id, shortTime(t.CreatedAt), yesNo(t.IsActive), t.Params)
				}
				tw.Flush()
			}
		})
	}
	if err != nil {
		return c.fail(ctx, err)
	}
	return code
}

// maxValueLine is the longest line readValues accepts.
const maxValueLine = 1 << 20

// readValues reads one value per line, trimmed, skipping blank lines.
func readValues(r io.Reader) ([]string, error) {
	var values []string
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), maxValueLine)
	for sc.Scan() {
		if v := strings.TrimSpace(sc.Text()); v != "" {
			values = append(values, v)
		}
	}
	return values, sc.Err()
}

// -- rm -----------------------------------------------------------------------------------

const rmUsage = `Usage: lobstr task rm HASH

Delete a task, permanently (Delete Task).

Example:
  lobstr task rm c5e29d2aba8b77cdc56391e7405302de
`

func (c *cli) taskRemove(ctx context.Context, args []string) int {
	fs := c.flagSet("lobstr task rm")
	rest, code, done := c.parseCommand(fs, args, rmUsage, 1, 1)
	if done {
		return code
	}
	if code, done := c.checkHash(fs, rmUsage, "HASH", rest[0]); done {
		return code
	}
	cl, code, done := c.client()
	if done {
		return code
	}
	d, err := cl.DeleteTask(ctx, rest[0])
	if err != nil {
		return c.fail(ctx, err)
	}
	code = c.output(d, func(w io.Writer) {
		if d.Deleted {
			fmt.Fprintf(w, "deleted task %s\n", clean(d.Id))
		}
	})
	if !d.Deleted {
		fmt.Fprintf(c.stderr, "lobstr: task %s was not deleted\n", clean(d.Id))
		return exitFail
	}
	return code
}

// -- upload -------------------------------------------------------------------------------

const uploadUsage = `Usage: lobstr task upload SQUID FILE [--wait] [--interval D] [--timeout D]

Upload a CSV or TSV file of tasks into a squid (Upload Tasks); its header row
names the task keys. The server processes it in the background: with --wait,
follow it until it succeeds or fails (progress on stderr, then its counts;
exit status 1 on FAILURE); without, print the upload's id for
'lobstr task upload-status'.

Example:
  lobstr task upload a1b2c3d4e5f6g7h8i9j0 tasks.csv --wait
`

func (c *cli) taskUpload(ctx context.Context, args []string) int {
	fs := c.flagSet("lobstr task upload")
	wait := fs.Bool("wait", false, "wait until the upload is processed")
	var wf waitFlags
	wf.register(fs)
	rest, code, done := c.parseCommand(fs, args, uploadUsage, 2, 2)
	if done {
		return code
	}
	squid, path := rest[0], rest[1]
	if msg := wf.check(); msg != "" {
		return c.commandUsageError(fs, msg, uploadUsage)
	}
	if squid == "" {
		return c.commandUsageError(fs, "SQUID is empty", uploadUsage)
	}
	if ext := strings.ToLower(filepath.Ext(path)); ext != ".csv" && ext != ".tsv" {
		return c.commandUsageError(fs, fmt.Sprintf("FILE %q: want a name ending in .csv or .tsv", path), uploadUsage)
	}
	cl, code, done := c.client()
	if done {
		return code
	}
	u, err := cl.UploadTasksFile(ctx, squid, path)
	if err != nil {
		return c.fail(ctx, err)
	}
	if !*wait {
		code := c.output(u, func(w io.Writer) {
			v := kv{w: w, width: c.width()}
			v.line("upload", u.Id)
			v.line("squid", squid)
			v.line("file", filepath.Base(path))
		})
		if !c.json {
			fmt.Fprintf(c.stderr, "follow it with: lobstr task upload-status %s --wait\n", clean(u.Id))
		}
		return code
	}
	return c.waitUpload(ctx, cl, u.Id, &wf)
}

const uploadStatusUsage = `Usage: lobstr task upload-status ID [--wait] [--interval D] [--timeout D]

Show how far the processing of an upload has got (Check Upload Status): its
state (PENDING, PROGRESS, SUCCESS or FAILURE) and, once known, its row counts.
With --wait, follow it until it succeeds or fails (exit status 1 on FAILURE).

Example:
  lobstr task upload-status 427a7bfc54cf4ce483d83ba23425164b --wait
`

func (c *cli) taskUploadStatus(ctx context.Context, args []string) int {
	fs := c.flagSet("lobstr task upload-status")
	wait := fs.Bool("wait", false, "wait until the upload is processed")
	var wf waitFlags
	wf.register(fs)
	rest, code, done := c.parseCommand(fs, args, uploadStatusUsage, 1, 1)
	if done {
		return code
	}
	if msg := wf.check(); msg != "" {
		return c.commandUsageError(fs, msg, uploadStatusUsage)
	}
	if code, done := c.checkHash(fs, uploadStatusUsage, "ID", rest[0]); done {
		return code
	}
	cl, code, done := c.client()
	if done {
		return code
	}
	if *wait {
		return c.waitUpload(ctx, cl, rest[0], &wf)
	}
	u, err := cl.GetUpload(ctx, rest[0])
	if err != nil {
		return c.fail(ctx, err)
	}
	return c.output(u, func(w io.Writer) { c.printUpload(w, u) })
}

// waitUpload waits for an upload with progress on stderr and prints it.
func (c *cli) waitUpload(ctx context.Context, cl *api.Client, id string, wf *waitFlags) int {
	wctx, cancel := wf.context(ctx)
	defer cancel()
	p := c.newProgress("upload " + id)
	opts := append(wf.options(), api.OnUploadProgress(func(u *api.Upload) {
		p.update(uploadState(u), uploadCounts(u))
	}))
	u, err := cl.WaitUpload(wctx, id, opts...)
	p.finish()
	if err != nil {
		if ctx.Err() == nil && errors.Is(context.Cause(wctx), errWaitTimeout) {
			last := ""
			if u != nil {
				last = " (last seen " + clean(uploadState(u)) + ")"
			}
			fmt.Fprintf(c.stderr, "lobstr: upload %s: not processed after %v%s\n", id, wf.timeout, last)
			return exitFail
		}
		return c.fail(ctx, err)
	}
	if code := c.output(u, func(w io.Writer) { c.printUpload(w, u) }); code != exitOK {
		return code
	}
	if u.State == nil || *u.State != api.UploadSuccess {
		fmt.Fprintf(c.stderr, "lobstr: upload %s ended %s\n", id, clean(uploadState(u)))
		return exitFail
	}
	return exitOK
}

func uploadState(u *api.Upload) string {
	if u.State == nil {
		return "unknown"
	}
	return string(*u.State)
}

// uploadCounts prints the counts of an upload on one line, "" while they are unknown.
func uploadCounts(u *api.Upload) string {
	m, err := u.Meta.Get()
	if err != nil {
		return ""
	}
	return fmt.Sprintf("%d valid, %d inserted, %d duplicates, %d invalid", m.Valid, m.Inserted, m.Duplicates, m.Invalid)
}

// printUpload prints the key/value view of an upload.
func (c *cli) printUpload(w io.Writer, u *api.Upload) {
	v := kv{w: w, width: c.width()}
	v.line("id", u.Id)
	if c.colorFor(w) {
		v.colored("state", paint(clean(uploadState(u)), true))
	} else {
		v.line("state", uploadState(u))
	}
	m, err := u.Meta.Get()
	if err != nil {
		v.line("counts", "not known yet")
		return
	}
	v.line("valid", fmt.Sprint(m.Valid))
	v.line("inserted", fmt.Sprint(m.Inserted))
	v.line("duplicates", fmt.Sprint(m.Duplicates))
	v.line("invalid", fmt.Sprint(m.Invalid))
}
