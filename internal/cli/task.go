package cli

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	flag "github.com/spf13/pflag"

	"github.com/lobstr-go/lobstr/api"
)

var taskCommands map[string]subcommand

func init() {
	taskCommands = commandTable([]subcommand{
		{"show", (*cli).taskShow},
		{"wait", (*cli).taskWait},
		{"ls", (*cli).taskList},
		{"add", (*cli).taskAdd},
		{"rm", (*cli).taskRemove},
		{"upload", (*cli).taskUpload},
		{"upload-status", (*cli).taskUploadStatus},
	}, map[string]string{"list": "ls", "get": "show", "delete": "rm"}) // the official CLI's names
}

const taskUsage = `Usage: lobstr task COMMAND [ARGUMENTS] [FLAGS]

Commands:
  show HASH             show a task and its status
  wait HASH             wait until a task is done, with progress on stderr
  ls SQUID              list the tasks of a squid
  add SQUID VALUE...    add tasks to a squid
  rm HASH               delete a task
  upload SQUID FILE     upload a CSV or TSV file of tasks
  upload-status ID      show how far an upload has got

A SQUID is a squid id or @NAME, an alias saved with 'lobstr config set-alias'.

Example:
  lobstr task ls a1b2c3d4e5f6g7h8i9j0 --all

Run 'lobstr task COMMAND --help' for a command's flags and an example.
`

// task dispatches `lobstr task VERB`.
func (c *cli) task(ctx context.Context, args []string) int {
	return c.dispatch(ctx, "task", taskUsage, taskCommands, "show, wait, ls, add, rm, upload or upload-status", args)
}

// taskHelp is `lobstr help task [COMMAND]`.
func (c *cli) taskHelp(ctx context.Context, args []string) int {
	return c.groupHelp(ctx, "task", taskUsage, taskCommands, args)
}

// parseCommand parses a command's flags and arguments. It checks the count of arguments
// (max < 0: no limit). When done is true the command is over: --help was printed (exit 0)
// or the usage was bad (exit 2).
func (c *cli) parseCommand(fs *flag.FlagSet, args []string, usage string, min, max int) (rest []string, code int, done bool) {
	rest, err := parse(fs, args, true)
	if err != nil {
		return nil, c.flagError(err, c.cmd, func(w io.Writer) { printCommandUsage(w, usage, fs) }), true
	}
	msg := ""
	switch {
	case len(rest) < min:
		msg = "missing arguments"
	case max >= 0 && len(rest) > max:
		msg = fmt.Sprintf("too many arguments: %q", rest[max:])
	}
	if msg != "" {
		return nil, c.usageError(c.cmd, msg), true
	}
	return rest, exitOK, false
}

// hashClient checks a command's argument, a HASH or an ID (what), before any request is
// sent, and returns the client to send them with.
func (c *cli) hashClient(what, arg string) (*api.Client, int, bool) {
	if code, done := c.checkHash(what, arg); done {
		return nil, code, true
	}
	return c.client()
}

// checkHash refuses what cannot be a hash before any request is sent.
func (c *cli) checkHash(what, s string) (int, bool) {
	if api.ValidHash(s) {
		return 0, false
	}
	return c.usageError(c.cmd, fmt.Sprintf("%s %q is not a full hash (32 lowercase hexadecimal characters)", what, truncate(s, 40))), true
}

// errWaitTimeout is the cause of a wait that reached --timeout.
var errWaitTimeout = errors.New("timeout")

// -- show ---------------------------------------------------------------------------------

const showUsage = `Usage: lobstr task show HASH

Show a task (Get Task): its state, results, pages, errors, times, parameters
and module. With --json, print the API's answer as the server sent it.

Example:
  lobstr task show c5e29d2aba8b77cdc56391e7405302de
`

func (c *cli) taskShow(ctx context.Context, args []string) int {
	fs := c.flagSet("lobstr task show")
	rest, code, done := c.parseCommand(fs, args, showUsage, 1, 1)
	if done {
		return code
	}
	cl, code, done := c.hashClient("HASH", rest[0])
	if done {
		return code
	}
	cctx, raw := capture(ctx)
	t, err := cl.Tasks.Get(cctx, rest[0])
	return answer(c, ctx, raw, t, err, c.printTask)
}

// printTask prints the key/value view of a task on stdout.
func (c *cli) printTask(t *api.Task) {
	var v kvView
	s := t.Status
	v.id("hash", t.HashValue)
	v.state("state", string(s.Status))
	v.add("done", yesNo(s.IsDone))
	v.add("results", fmt.Sprint(s.TotalResults))
	v.add("pages", fmt.Sprint(s.TotalPages))
	v.add("done reason", deref(s.DoneReason))
	v.add("errors", formatErrors(s.HasErrors, s.Errors))
	v.add("started", formatTime(s.StartedAt))
	ended := formatTime(s.EndedAt)
	if s.StartedAt != nil && s.EndedAt != nil && !s.StartedAt.IsZero() && !s.EndedAt.IsZero() {
		if d := s.EndedAt.Sub(s.StartedAt.Time); d >= 0 {
			ended += " (after " + elapsed(d) + ")"
		}
	}
	v.add("ended", ended)
	v.add("created", formatTime(&t.CreatedAt))
	v.add("active", yesNo(t.IsActive))
	v.add("module", t.Module.String())
	if len(t.Params) == 0 {
		v.add("params", "-")
	}
	for i, k := range paramKeys(t.Params) {
		key := ""
		if i == 0 {
			key = "params"
		}
		v.add(key, k+"="+paramValue(t.Params[k]))
	}
	v.render(c.stdout, c.out, c.color(c.out))
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
to date on a terminal, a line per change otherwise, none with --quiet. Then
print the task as 'task show' does (with --json, the last answer as sent).
Polls start every second and slow down to every 30s, unless --interval fixes
the pace. Exit status 0 when the task completed; 3 when it failed or was
aborted, or at --timeout; 1 when the API or the network said no.

Example:
  lobstr task wait c5e29d2aba8b77cdc56391e7405302de --timeout 10m
`

// waitFlags are the flags of the commands that wait.
type waitFlags struct {
	interval, timeout time.Duration
}

func (f *waitFlags) register(fs *flag.FlagSet) {
	fs.DurationVar(&f.interval, "interval", 0, "poll every `D` (default: from 1s, slowing to 30s)")
	fs.DurationVar(&f.timeout, "timeout", 0, "give up after `D`, exit status 3 (default: never)")
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

// waitEnded reports a wait that ended without the state asked for: exit status 3.
func (c *cli) waitEnded(msg string) int {
	return c.errorLine(exitWaitState, "wait", msg, 0, "")
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
		return c.usageError(c.cmd, msg)
	}
	hash := rest[0]
	cl, code, done := c.hashClient("HASH", hash)
	if done {
		return code
	}
	wctx, cancel := wf.context(ctx)
	defer cancel()
	cctx, raw := capture(wctx)
	p := c.newProgress("task " + hash)
	opts := append(wf.options(), api.OnTaskProgress(func(t *api.Task) {
		p.update(string(t.Status.Status), plural(t.Status.TotalResults, "result"))
	}))
	t, err := cl.Tasks.Wait(cctx, hash, opts...)
	p.finish()
	if err != nil {
		if ctx.Err() == nil && errors.Is(context.Cause(wctx), errWaitTimeout) {
			return c.waitEnded(fmt.Sprintf("task %s: not done after %v%s", hash, wf.timeout, lastTaskState(t)))
		}
		return c.fail(ctx, err)
	}
	if c.json {
		code = c.printJSON(raw.last())
	} else {
		c.printTask(t)
	}
	if code != exitOK {
		return code
	}
	if t.Status.Status != api.TaskCompleted {
		return c.waitEnded(fmt.Sprintf("task %s ended %s (done reason: %s)", hash, string(t.Status.Status), deref(t.Status.DoneReason)))
	}
	return exitOK
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
stderr. With --all, list every page from --page on, 100 tasks a request unless
--limit says otherwise. A --page past the last page is an error (exit 1).
With --json, print the page as the server sent it; with --all --json, one
JSON array of all the tasks, each as the server sent it.

Example:
  lobstr task ls a1b2c3d4e5f6g7h8i9j0 --all
`

// taskColumns are the columns of every table of tasks; on a narrow terminal PARAMS gives
// up width first, then ACTIVE and CREATED go, then PARAMS shrinks to its last 6
// columns. ID never shrinks.
var taskColumns = []column{{"ID", cutNever}, {"CREATED", cutDrop}, {"ACTIVE", cutDrop}, {"PARAMS", cutMiddle}}

var taskShrink = []shrink{{3, 24}, {2, 0}, {1, 0}, {3, 6}}

// newTaskTable starts a table of tasks.
func newTaskTable() *table { return newTable(taskColumns, taskShrink...) }

func addTaskRow(t *table, id string, created api.Timestamp, active bool, params api.Params) {
	t.add(id, shortTime(created), yesNo(active), formatParams(params))
}

func (c *cli) taskList(ctx context.Context, args []string) int {
	fs := c.flagSet("lobstr task ls")
	var opts api.ListTasksOptions
	var all bool
	fs.IntVar(&opts.Limit, "limit", 0, "`N` tasks a page, 1 to 100 (default 100 with --all, else 50)")
	fs.IntVar(&opts.Page, "page", 0, "start at page `N` (default 1)")
	fs.BoolVar(&all, "all", false, "list every page")
	fs.StringVar(&opts.Type, "type", "", "`TYPE`: url (basic, the default) or params (detailed)")
	rest, code, done := c.parseCommand(fs, args, lsUsage, 1, 1)
	if done {
		return code
	}
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	switch {
	case set["limit"] && (opts.Limit < 1 || opts.Limit > api.MaxPageSize):
		return c.usageError(c.cmd, fmt.Sprintf("--limit %d: want 1 to %d", opts.Limit, api.MaxPageSize))
	case set["page"] && opts.Page < 1:
		return c.usageError(c.cmd, fmt.Sprintf("--page %d: want 1 or more", opts.Page))
	case opts.Type != "" && opts.Type != "url" && opts.Type != "params":
		return c.usageError(c.cmd, fmt.Sprintf("--type %q: want url or params", opts.Type))
	}
	if all && opts.Limit == 0 {
		opts.Limit = api.MaxPageSize // fewer requests under the rate limit
	}
	cl, code, done := c.client()
	if done {
		return code
	}
	if opts.Squid, code, done = c.resolveSquid(ctx, cl, rest[0]); done {
		return code
	}
	if all {
		return c.listAll(ctx, cl, opts)
	}
	cctx, raw := capture(ctx)
	page, err := cl.Tasks.List(cctx, opts)
	if err != nil {
		return c.fail(ctx, err)
	}
	if c.json {
		code = c.printJSON(raw.last())
	} else if len(page.Data) > 0 {
		t := newTaskTable()
		for _, s := range page.Data {
			addTaskRow(t, s.Id, s.CreatedAt, s.IsActive, s.Params)
		}
		t.render(c.stdout, c.out)
	}
	if page.Warning != nil && *page.Warning != "" {
		c.notice("warning: " + *page.Warning)
	}
	if opts.Page > 1 && len(page.Data) == 0 {
		return c.errorLine(exitFail, "page", fmt.Sprintf("page %d is past the end: squid %s has %s on %s", opts.Page,
			opts.Squid, plural(page.TotalResults, "task"), plural(page.TotalPages, "page")), 0, "")
	}
	if !c.json && !c.quiet {
		footer := fmt.Sprintf("page %d of %d, %s", page.Page, page.TotalPages, plural(page.TotalResults, "task"))
		if page.Next != nil && page.Page < page.TotalPages {
			footer += fmt.Sprintf(" (next: --page %d)", page.Page+1)
		}
		fmt.Fprintln(c.stderr, footer)
	}
	return code
}

// listAll prints every task of a squid from opts.Page on: a table, or one JSON array of
// the tasks as the server sent them.
func (c *cli) listAll(ctx context.Context, cl *api.Client, opts api.ListTasksOptions) int {
	var pages pageItems
	cctx := pages.capture(ctx)
	t := newTaskTable()
	n := 0
	for s, err := range cl.Tasks.All(cctx, opts) {
		if err != nil {
			if n > 0 && !c.json {
				t.render(c.stdout, c.out) // what was listed before the failure
			}
			return c.fail(ctx, err)
		}
		addTaskRow(t, s.Id, s.CreatedAt, s.IsActive, s.Params)
		n++
	}
	if c.json {
		if pages.err != nil {
			return c.errorLine(exitFail, "error", "a page of tasks is not JSON: "+pages.err.Error(), 0, "")
		}
		return c.printJSON(pages.array())
	}
	if n > 0 {
		t.render(c.stdout, c.out)
	}
	if !c.quiet {
		fmt.Fprintln(c.stderr, "all pages, "+plural(n, "task"))
	}
	return exitOK
}

// -- add ----------------------------------------------------------------------------------

const addUsage = `Usage: lobstr task add SQUID VALUE... [--key url] [--file F]

Add tasks to a squid (Add Tasks), one per VALUE, as {"KEY": "VALUE"}. A VALUE
of "-" reads values from stdin, and --file F from a file: one value per line,
blank lines (and in a file, lines starting with #) skipped, a UTF-8
byte-order mark dropped. The server counts tasks
it already has as duplicates instead of adding them. Prints how many were
added and duplicated, and the new tasks with their hashes. With --json, the
server's answer; over 500 values, a JSON array of its answers, one a batch.

Examples:
  lobstr task add a1b2c3d4e5f6g7h8i9j0 https://www.linkedin.com/in/johndoe
  lobstr task add @reviews --key keyword - < keywords.txt
`

func (c *cli) taskAdd(ctx context.Context, args []string) int {
	fs := c.flagSet("lobstr task add")
	key := fs.StringP("key", "k", "url", "the task `KEY` the values are for, e.g. url or keyword")
	file := fs.StringP("file", "f", "", "read values from file `F`, one a line")
	rest, code, done := c.parseCommand(fs, args, addUsage, 1, -1)
	if done {
		return code
	}
	inputs := rest[1:]
	if strings.TrimSpace(*key) == "" {
		return c.usageError(c.cmd, "--key is empty")
	}
	var values []string
	stdinRead := false
	for _, in := range inputs {
		if in != "-" {
			values = append(values, in)
			continue
		}
		if stdinRead {
			return c.usageError(c.cmd, `"-" (stdin) given twice`)
		}
		stdinRead = true
		vs, err := readValues(c.stdin, false)
		if err != nil {
			return c.errorLine(exitFail, "file", "reading stdin: "+plainError(err), 0, "")
		}
		values = append(values, vs...)
	}
	if *file != "" {
		f, err := os.Open(*file)
		if err != nil {
			msg, _ := c.describe(err)
			return c.errorLine(exitFail, "file", msg, 0, "")
		}
		vs, err := readValues(f, true)
		f.Close()
		if err != nil {
			return c.errorLine(exitFail, "file", fmt.Sprintf("reading %s: %s", *file, plainError(err)), 0, "")
		}
		values = append(values, vs...)
	}
	if len(values) == 0 {
		return c.usageError(c.cmd, "no values to add")
	}
	tasks := make([]api.Params, len(values))
	for i, v := range values {
		tasks[i] = api.Params{*key: v}
	}
	cl, squid, code, done := c.clientForSquid(ctx, rest[0])
	if done {
		return code
	}
	cctx, raw := capture(ctx)
	res, err := cl.Tasks.Add(cctx, squid, tasks)
	if res != nil {
		if c.json {
			raw.mu.Lock()
			all := raw.all
			raw.mu.Unlock()
			if len(all) == 1 {
				code = c.printJSON(all[0])
			} else {
				items := make([]json.RawMessage, len(all))
				for i, b := range all {
					items[i] = b
				}
				code = c.printJSON(jsonArray(items))
			}
		} else {
			fmt.Fprintf(c.stdout, "added %d, duplicates %d\n", len(res.Tasks), res.DuplicatedCount)
			if len(res.Tasks) > 0 {
				t := newTaskTable()
				for _, s := range res.Tasks {
					addTaskRow(t, s.Id, s.CreatedAt, s.IsActive, s.Params)
				}
				t.render(c.stdout, c.out)
			}
		}
	}
	if err != nil {
		return c.fail(ctx, err)
	}
	return code
}

// maxValueLine is the longest line readValues accepts.
const maxValueLine = 1 << 20

// readValues reads one value per line, trimmed, skipping blank lines; a UTF-8 byte-order
// mark at the start (which editors on Windows write) is not part of the first value.
func readValues(r io.Reader, comments bool) ([]string, error) {
	var values []string
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), maxValueLine)
	first := true
	for sc.Scan() {
		line := sc.Text()
		if first {
			line = strings.TrimPrefix(line, "\ufeff")
			first = false
		}
		if v := strings.TrimSpace(line); v != "" && !(comments && strings.HasPrefix(v, "#")) {
			values = append(values, v)
		}
	}
	if errors.Is(sc.Err(), bufio.ErrTooLong) {
		return values, fmt.Errorf("a line is longer than %d bytes", maxValueLine)
	}
	return values, sc.Err()
}

// -- rm -----------------------------------------------------------------------------------

const rmUsage = `Usage: lobstr task rm HASH

Delete a task, permanently (Delete Task). Asks first on a terminal; elsewhere
refuses without --force.

Example:
  lobstr task rm c5e29d2aba8b77cdc56391e7405302de --force
`

func (c *cli) taskRemove(ctx context.Context, args []string) int {
	fs := c.flagSet("lobstr task rm")
	force := fs.BoolP("force", "f", false, "delete without asking")
	rest, code, done := c.parseCommand(fs, args, rmUsage, 1, 1)
	if done {
		return code
	}
	cl, code, done := c.hashClient("HASH", rest[0])
	if done {
		return code
	}
	if code, done := c.confirm(*force, "delete task "+rest[0], fmt.Sprintf("Delete task %s and its results?", rest[0])); done {
		return code
	}
	cctx, raw := capture(ctx)
	d, err := cl.Tasks.Delete(cctx, rest[0])
	if err != nil {
		return c.fail(ctx, err)
	}
	if c.json {
		code = c.printJSON(raw.last())
	} else if d.Deleted {
		fmt.Fprintf(c.stdout, "deleted task %s\n", clean(d.Id))
	}
	if !d.Deleted {
		return c.errorLine(exitFail, "error", fmt.Sprintf("task %s was not deleted", d.Id), 0, "")
	}
	return code
}

// -- upload -------------------------------------------------------------------------------

const uploadUsage = `Usage: lobstr task upload SQUID FILE [--wait] [--interval D] [--timeout D]

Upload a CSV or TSV file of tasks into a squid (Upload Tasks); its header row
names the task keys. The server processes it in the background: with --wait,
follow it until it succeeds or fails (progress on stderr, then its counts;
exit status 3 on FAILURE or at --timeout); without, print the upload's id for
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
	path := rest[1]
	if msg := wf.check(); msg != "" {
		return c.usageError(c.cmd, msg)
	}
	if ext := strings.ToLower(filepath.Ext(path)); ext != ".csv" && ext != ".tsv" {
		return c.usageError(c.cmd, fmt.Sprintf("FILE %q: want a name ending in .csv or .tsv", path))
	}
	cl, squid, code, done := c.clientForSquid(ctx, rest[0])
	if done {
		return code
	}
	cctx, raw := capture(ctx)
	u, err := cl.Tasks.UploadFile(cctx, squid, path)
	if err != nil {
		return c.fail(ctx, err)
	}
	if *wait {
		return c.waitUpload(ctx, cl, u.Id, &wf)
	}
	if c.json {
		return c.printJSON(raw.last())
	}
	var v kvView
	v.id("upload", u.Id)
	v.id("squid", squid)
	v.add("file", filepath.Base(path))
	v.render(c.stdout, c.out, false)
	c.notice("follow it with: lobstr task upload-status " + u.Id + " --wait")
	return exitOK
}

const uploadStatusUsage = `Usage: lobstr task upload-status ID [--wait] [--interval D] [--timeout D]

Show how far the processing of an upload has got (Check Upload Status): its
state (PENDING, PROGRESS, SUCCESS or FAILURE) and, once known, its row counts.
With --wait, follow it until it succeeds or fails (exit status 3 on FAILURE or
at --timeout).

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
		return c.usageError(c.cmd, msg)
	}
	cl, code, done := c.hashClient("ID", rest[0])
	if done {
		return code
	}
	if *wait {
		return c.waitUpload(ctx, cl, rest[0], &wf)
	}
	cctx, raw := capture(ctx)
	u, err := cl.Tasks.UploadStatus(cctx, rest[0])
	return answer(c, ctx, raw, u, err, c.printUpload)
}

// waitUpload waits for an upload with progress on stderr and prints it.
func (c *cli) waitUpload(ctx context.Context, cl *api.Client, id string, wf *waitFlags) int {
	wctx, cancel := wf.context(ctx)
	defer cancel()
	cctx, raw := capture(wctx)
	p := c.newProgress("upload " + id)
	opts := append(wf.options(), api.OnUploadProgress(func(u *api.Upload) {
		p.update(uploadState(u), uploadCounts(u))
	}))
	u, err := cl.Tasks.WaitUpload(cctx, id, opts...)
	p.finish()
	if err != nil {
		if ctx.Err() == nil && errors.Is(context.Cause(wctx), errWaitTimeout) {
			last := ""
			if u != nil {
				last = " (last seen " + uploadState(u) + ")"
			}
			return c.waitEnded(fmt.Sprintf("upload %s: not processed after %v%s", id, wf.timeout, last))
		}
		return c.fail(ctx, err)
	}
	code := exitOK
	if c.json {
		code = c.printJSON(raw.last())
	} else {
		c.printUpload(u)
	}
	if code != exitOK {
		return code
	}
	if u.State == nil || *u.State != api.UploadSuccess {
		return c.waitEnded(fmt.Sprintf("upload %s ended %s", id, uploadState(u)))
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
	m, ok := u.Meta.Get()
	if !ok {
		return ""
	}
	return fmt.Sprintf("%d valid, %d inserted, %d duplicates, %d invalid", m.Valid, m.Inserted, m.Duplicates, m.Invalid)
}

// printUpload prints the key/value view of an upload on stdout.
func (c *cli) printUpload(u *api.Upload) {
	var v kvView
	v.id("id", u.Id)
	v.state("state", uploadState(u))
	if m, ok := u.Meta.Get(); !ok {
		v.add("counts", "not known yet")
	} else {
		v.add("valid", fmt.Sprint(m.Valid))
		v.add("inserted", fmt.Sprint(m.Inserted))
		v.add("duplicates", fmt.Sprint(m.Duplicates))
		v.add("invalid", fmt.Sprint(m.Invalid))
	}
	v.render(c.stdout, c.out, c.color(c.out))
}
