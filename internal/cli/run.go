package cli

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"time"

	flag "github.com/spf13/pflag"

	"github.com/lobstr-go/lobstr/api"
)

// runCommands are the `lobstr run` commands.
var runCommands = map[string]func(c *cli, ctx context.Context, args []string) int{}

func init() {
	runCommands["start"] = (*cli).runStart
	runCommands["ls"] = (*cli).runList
	runCommands["show"] = (*cli).runShow
	runCommands["stats"] = (*cli).runStats
	runCommands["tasks"] = (*cli).runTasks
	runCommands["watch"] = (*cli).runWatch
	runCommands["abort"] = (*cli).runAbort
	runCommands["download"] = (*cli).runDownload
	runCommands["list"] = runCommands["ls"]
	runCommands["get"] = runCommands["show"]
	runCommands["wait"] = runCommands["watch"]
}

const runUsage = `Usage: lobstr run COMMAND [ARGUMENTS] [FLAGS]

Commands:
  start SQUID           start a run of a squid's tasks [--wait] [--download FILE]
  ls SQUID              list the runs of a squid, newest first
  show RUN              show a run: status, done reason, results, export
  stats RUN             show a run's live progress
  tasks RUN             list the tasks a run executed, with their outcomes
  watch RUN             wait for a run and its export, progress on stderr
  abort RUN             stop a run (what was collected is still exported)
  download RUN          download a run's export file [-o FILE] [--format F]

Example:
  lobstr run start a1b2c3d4e5f6g7h8i9j0 --download leads.csv

Run 'lobstr run COMMAND --help' for a command's flags and an example.
`

// runGroup dispatches `lobstr run VERB`.
func (c *cli) runGroup(ctx context.Context, args []string) int {
	return c.dispatch(ctx, "run", runUsage, subcommands(runCommands), commandNames(subcommands(runCommands)), args)
}

// runHelp is `lobstr help run [COMMAND]`.
func (c *cli) runHelp(ctx context.Context, args []string) int {
	return c.groupHelp(ctx, "run", runUsage, subcommands(runCommands), args)
}

// printRun prints the key/value view of a run on stdout.
func (c *cli) printRun(r *api.Run) {
	var v kvView
	v.id("run", r.Id)
	v.add("squid", r.Squid)
	v.state("status", r.Status)
	if r.IsDone != nil {
		v.add("done", yesNo(*r.IsDone))
	}
	v.add("done reason", deref(r.DoneReason))
	if r.DoneReasonDesc != nil && *r.DoneReasonDesc != "" {
		v.add("reason detail", *r.DoneReasonDesc)
	}
	v.add("results", fmt.Sprintf("%d (%d unique)", r.TotalResults, r.TotalUniqueResults))
	export := "not yet"
	if r.ExportDone != nil && *r.ExportDone {
		export = "ready"
		if r.ExportTime != nil {
			export += " at " + formatTime(r.ExportTime)
		}
	}
	v.add("export", export)
	v.add("credits", fmt.Sprintf("%g", r.CreditUsed))
	if d, err := r.Duration.Duration(); err == nil {
		v.add("duration", elapsed(d))
	}
	v.add("started", formatTime(&r.StartedAt))
	v.add("ended", formatTime(r.EndedAt))
	v.add("origin", r.Origin)
	v.render(c.stdout, c.out, c.color(c.out))
}

// progressDetail is the text of a run's progress line: a bar, tasks, results and ETA.
func progressDetail(p api.RunProgress, bar bool) string {
	var b strings.Builder
	if bar {
		const width = 20
		full := int(p.Percent / 100 * width)
		b.WriteString("[" + strings.Repeat("#", full) + strings.Repeat("-", width-full) + "] ")
	}
	fmt.Fprintf(&b, "%.0f%%, %d/%d tasks, %s", p.Percent, p.TasksDone, p.Tasks, plural(p.Results, "result"))
	if p.Phase == "exporting" {
		if p.RunInfo != nil && p.RunInfo.ExportDone != nil && *p.RunInfo.ExportDone {
			b.WriteString(", export ready")
		} else {
			b.WriteString(", exporting")
		}
	} else if p.ETASeconds > 0 {
		b.WriteString(", ETA " + elapsed(time.Duration(p.ETASeconds*float64(time.Second))))
	}
	return b.String()
}

// watchRun waits for a run with its progress on stderr and returns the final run. The state
// shown is the run's status once known, "running" before.
func (c *cli) watchRun(ctx context.Context, cl *api.Client, hash string, opts []api.WaitOption) (*api.Run, error) {
	p := c.newProgress("run " + hash)
	defer p.finish()
	opts = append(opts, api.OnRunProgress(func(rp api.RunProgress) {
		state := rp.Status
		if state == "" {
			switch {
			case rp.Stats != nil && rp.Stats.IsDone:
				state = "collected"
			case rp.TasksDone == 0 && rp.Percent == 0:
				state = "started"
			default:
				state = "running"
			}
		}
		p.update(state, progressDetail(rp, p.out.tty))
	}))
	return cl.Runs.Wait(ctx, hash, opts...)
}

// runWaitFlags are the flags of the commands that wait for a run.
type runWaitFlags struct {
	interval, timeout time.Duration
	noExport          bool
}

func (f *runWaitFlags) register(fs *flag.FlagSet) {
	fs.DurationVar(&f.interval, "interval", 0, "poll every `D` (default: from 3s, slowing to 10s)")
	fs.DurationVar(&f.timeout, "timeout", 0, "give up after `D`, exit status 3 (default: never)")
	fs.BoolVar(&f.noExport, "no-export", false, "do not wait for the export file")
}

func (f *runWaitFlags) check() string {
	w := waitFlags{interval: f.interval, timeout: f.timeout}
	return w.check()
}

func (f *runWaitFlags) options() []api.WaitOption {
	var opts []api.WaitOption
	if f.interval > 0 {
		opts = append(opts, api.WithPollInterval(f.interval), api.WithMaxPollInterval(f.interval))
	}
	if f.noExport {
		opts = append(opts, api.WithoutExport())
	}
	return opts
}

// finishWait reports the end of a wait for a run: the run on stdout, exit 3 when it ended
// other than done or at --timeout, 130 when interrupted.
func (c *cli) finishWait(ctx, wctx context.Context, hash string, f runWaitFlags, r *api.Run, err error, raw *bodies) (int, bool) {
	var ended *api.RunEndedError
	switch {
	case err == nil:
	case errors.As(err, &ended):
		if c.json {
			c.printJSON(raw.last())
		} else {
			c.printRun(r)
		}
		return c.waitEnded(strings.TrimPrefix(err.Error(), "api: ")), true
	case ctx.Err() != nil:
		return c.interruptedRun(hash), true
	case errors.Is(context.Cause(wctx), errWaitTimeout):
		return c.waitEnded(fmt.Sprintf("run %s: not over after %v; it goes on: 'lobstr run watch %s' to wait again", hash, f.timeout, hash)), true
	default:
		return c.fail(ctx, err), true
	}
	return exitOK, false
}

// interruptedRun says what an interrupt left running, and how to stop it: exit 130.
func (c *cli) interruptedRun(hash string) int {
	return c.errorLine(exitInterrupted, "interrupted", fmt.Sprintf("interrupted; run %s goes on on the server: "+
		"'lobstr run watch %s' to wait for it again, 'lobstr run abort %s' to stop it", hash, hash, hash), 0, "")
}

// -- start ----------------------------------------------------------------------------------

const runStartUsage = `Usage: lobstr run start SQUID [--wait] [--download FILE] [--format F]

Start a run of a squid's active tasks (Start Run) and print it. With --wait,
wait for it to end and its export to be ready, with progress on stderr; with
--download FILE, wait, then download the export into FILE ('-' for stdout).
Exit status 3 when the run ends aborted or in error.

Example:
  lobstr run start a1b2c3d4e5f6g7h8i9j0 --download leads.csv
`

func (c *cli) runStart(ctx context.Context, args []string) int {
	fs := c.flagSet("lobstr run start")
	var wait bool
	var download, format string
	var wf runWaitFlags
	fs.BoolVar(&wait, "wait", false, "wait for the run and its export")
	fs.StringVar(&download, "download", "", "wait, then download the export into `FILE` ('-' for stdout)")
	fs.StringVar(&format, "format", "", "the export's format `F`: csv, json, jsonl or xlsx (default: from FILE's extension, else csv)")
	wf.register(fs)
	rest, code, done := c.parseCommand(fs, args, runStartUsage, 1, 1)
	if done {
		return code
	}
	if msg := wf.check(); msg != "" {
		return c.usageError(c.cmd, msg)
	}
	ff, msg := exportFormat(format, download)
	if msg != "" {
		return c.usageError(c.cmd, msg)
	}
	cl, squid, code, done := c.clientForSquid(ctx, rest[0])
	if done {
		return code
	}
	cctx, raw := capture(ctx)
	r, err := cl.Runs.Start(cctx, squid)
	if err != nil {
		return c.fail(ctx, err)
	}
	if !wait && download == "" {
		if c.json {
			return c.printJSON(raw.last())
		}
		c.printRun(r)
		return exitOK
	}
	c.notice(fmt.Sprintf("started run %s of squid %s", r.Id, squid))
	wctx, cancel := (&waitFlags{timeout: wf.timeout}).context(cctx)
	defer cancel()
	final, err := c.watchRun(wctx, cl, r.Id, wf.options())
	if code, done := c.finishWait(ctx, wctx, r.Id, wf, final, err, raw); done {
		return code
	}
	if download != "" {
		return c.downloadTo(ctx, cl, r.Id, download, ff)
	}
	if c.json {
		return c.printJSON(raw.last())
	}
	c.printRun(final)
	return exitOK
}

// exportFormat is the format asked for, else the one FILE's extension names, else csv.
func exportFormat(flagValue, file string) (api.FileFormat, string) {
	f := strings.ToLower(strings.TrimSpace(flagValue))
	if f == "" {
		f = strings.TrimPrefix(strings.ToLower(filepath.Ext(file)), ".")
		if !api.FileFormat(f).Valid() {
			f = "csv"
		}
	}
	if !api.FileFormat(f).Valid() {
		return "", fmt.Sprintf("--format %q: want csv, json, jsonl or xlsx", flagValue)
	}
	return api.FileFormat(f), ""
}

// downloadTo downloads a run's export into path ('-' for stdout). A file is written beside
// its final name and renamed once whole, so a failed download leaves no partial file.
func (c *cli) downloadTo(ctx context.Context, cl *api.Client, hash, path string, format api.FileFormat) int {
	opts := []api.DownloadOption{api.WithFormat(format)}
	if path == "-" {
		if _, err := cl.Runs.Download(ctx, hash, c.stdout, opts...); err != nil {
			return c.fail(ctx, err)
		}
		return exitOK
	}
	out, err := createOutput(path)
	if err != nil {
		return c.errorLine(exitFail, "file", "cannot write the export: "+err.Error(), 0, "")
	}
	n, err := cl.Runs.Download(ctx, hash, out, opts...)
	if err != nil {
		out.abort()
		if ctx.Err() != nil {
			return c.errorLine(exitInterrupted, "interrupted", "interrupted; the export of run "+hash+" was not written: 'lobstr run download "+hash+" -o "+path+"' to get it", 0, "")
		}
		return c.fail(ctx, err)
	}
	if err := out.commit(); err != nil {
		return c.errorLine(exitFail, "file", "cannot write the export: "+err.Error(), 0, "")
	}
	c.notice(fmt.Sprintf("wrote %s (%s, %s) from run %s", path, string(format), byteSize(n), hash))
	return exitOK
}

// byteSize writes n bytes for a person.
func byteSize(n int64) string {
	switch {
	case n >= 1<<30:
		return fmt.Sprintf("%.1f GiB", float64(n)/(1<<30))
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.1f KiB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d bytes", n)
}

// -- ls -------------------------------------------------------------------------------------

const runLsUsage = `Usage: lobstr run ls SQUID [--limit N] [--page N] [--all]

List a squid's runs, newest first (List Runs): ID, STATUS, RESULTS, STARTED and
DONE REASON. With --json, the page as the server sent it.

Example:
  lobstr run ls a1b2c3d4e5f6g7h8i9j0
`

var runColumns = []column{{"ID", cutNever}, {"STATUS", cutDrop}, {"RESULTS", cutDrop}, {"STARTED", cutDrop}, {"DONE REASON", cutEnd}}

func (c *cli) runList(ctx context.Context, args []string) int {
	fs := c.flagSet("lobstr run ls")
	var opts api.ListRunsOptions
	var all bool
	fs.IntVar(&opts.Limit, "limit", 0, "`N` runs a page, 1 to 100 (default 100 with --all, else 50)")
	fs.IntVar(&opts.Page, "page", 0, "page `N` (default 1)")
	fs.BoolVar(&all, "all", false, "list every page")
	rest, code, done := c.parseCommand(fs, args, runLsUsage, 1, 1)
	if done {
		return code
	}
	if opts.Limit < 0 || opts.Limit > api.MaxPageSize || opts.Page < 0 {
		return c.usageError(c.cmd, "--limit is 1 to 100 and --page 1 or more")
	}
	cl, code, done := c.client()
	if done {
		return code
	}
	if opts.Squid, code, done = c.resolveSquid(ctx, cl, rest[0]); done {
		return code
	}
	t := newTable(runColumns, shrink{4, 12}, shrink{3, 0}, shrink{2, 0}, shrink{1, 0}, shrink{4, -1})
	add := func(r api.Run) {
		t.add(r.Id, r.Status, fmt.Sprint(r.TotalResults), shortTime(r.StartedAt), deref(r.DoneReason))
	}
	if all {
		if opts.Limit == 0 {
			opts.Limit = api.MaxPageSize
		}
		var items []api.Run
		for r, err := range cl.Runs.All(ctx, opts) {
			if err != nil {
				return c.fail(ctx, err)
			}
			items = append(items, r)
			add(r)
		}
		if c.json {
			return c.encodeJSON(items)
		}
		t.render(c.stdout, c.out)
		return exitOK
	}
	cctx, raw := capture(ctx)
	page, err := cl.Runs.List(cctx, opts)
	if err != nil {
		return c.fail(ctx, err)
	}
	if c.json {
		return c.printJSON(raw.last())
	}
	for _, r := range page.Data {
		add(r)
	}
	if len(page.Data) > 0 {
		t.render(c.stdout, c.out)
	}
	if !c.quiet {
		fmt.Fprintf(c.stderr, "page %d of %d, %s\n", page.Page, page.TotalPages, plural(page.TotalResults, "run"))
	}
	return exitOK
}

// -- show, stats, abort -----------------------------------------------------------------------

const runShowUsage = `Usage: lobstr run show RUN

Show a run (Get Run): status, done reason, results, export, credits, times.

Example:
  lobstr run show 0393be3ea6f74986906153df1c3f9894
`

// oneRun parses the arguments of a command taking one RUN hash and makes the client.
func (c *cli) oneRun(args []string, name, usage string, fs *flag.FlagSet) (hash string, cl *api.Client, code int, done bool) {
	if fs == nil {
		fs = c.flagSet("lobstr run " + name)
	}
	rest, code, done := c.parseCommand(fs, args, usage, 1, 1)
	if done {
		return "", nil, code, true
	}
	if code, done := c.checkHash("RUN", rest[0]); done {
		return "", nil, code, true
	}
	cl, code, done = c.client()
	return rest[0], cl, code, done
}

func (c *cli) runShow(ctx context.Context, args []string) int {
	hash, cl, code, done := c.oneRun(args, "show", runShowUsage, nil)
	if done {
		return code
	}
	cctx, raw := capture(ctx)
	r, err := cl.Runs.Get(cctx, hash)
	return answer(c, ctx, raw, r, err, c.printRun)
}

const runStatsUsage = `Usage: lobstr run stats RUN

Show a run's live progress (Get Run Stats): percent, tasks done, results, ETA.

Example:
  lobstr run stats 0393be3ea6f74986906153df1c3f9894
`

func (c *cli) runStats(ctx context.Context, args []string) int {
	hash, cl, code, done := c.oneRun(args, "stats", runStatsUsage, nil)
	if done {
		return code
	}
	cctx, raw := capture(ctx)
	st, err := cl.Runs.Stats(cctx, hash)
	if err != nil {
		return c.fail(ctx, err)
	}
	if c.json {
		return c.printJSON(raw.last())
	}
	var v kvView
	v.id("run", st.Id)
	v.add("done", yesNo(st.IsDone))
	v.add("percent", st.PercentDone)
	v.add("tasks", fmt.Sprintf("%d done of %d, %d left", st.TotalTasksDone, st.TotalTasks, st.TotalTasksLeft))
	v.add("results", fmt.Sprintf("%d (of %d expected)", st.ResultsDone, st.ResultsTotal))
	if st.IsDone {
		v.add("eta", "-") // a finished run has no time left, whatever the API's field says
	} else {
		v.add("eta", st.Eta)
	}
	if d, err := st.Duration.Duration(); err == nil {
		v.add("duration", elapsed(d))
	}
	v.add("current task", deref(st.CurrentTask))
	v.render(c.stdout, c.out, c.color(c.out))
	return exitOK
}

const runAbortUsage = `Usage: lobstr run abort RUN

Stop a run (Abort Run). What it collected is still exported and the credits it
used are still charged; 'lobstr run watch RUN' waits for that export.

Example:
  lobstr run abort 0393be3ea6f74986906153df1c3f9894
`

func (c *cli) runAbort(ctx context.Context, args []string) int {
	hash, cl, code, done := c.oneRun(args, "abort", runAbortUsage, nil)
	if done {
		return code
	}
	cctx, raw := capture(ctx)
	r, err := cl.Runs.Abort(cctx, hash)
	return answer(c, ctx, raw, r, err, c.printRun)
}

// -- tasks ----------------------------------------------------------------------------------

const runTasksUsage = `Usage: lobstr run tasks RUN [--limit N] [--page N] [--all]

List the tasks a run executed (Get Run Tasks): TASK, STATUS, RESULTS and PARAMS.

Example:
  lobstr run tasks 0393be3ea6f74986906153df1c3f9894 --all
`

var runTaskColumns = []column{{"TASK", cutNever}, {"STATUS", cutDrop}, {"RESULTS", cutDrop}, {"PARAMS", cutMiddle}}

func (c *cli) runTasks(ctx context.Context, args []string) int {
	fs := c.flagSet("lobstr run tasks")
	var opts api.ListRunTasksOptions
	var all bool
	fs.IntVar(&opts.Limit, "limit", 0, "`N` tasks a page, 1 to 100 (default 100 with --all, else 50)")
	fs.IntVar(&opts.Page, "page", 0, "page `N` (default 1)")
	fs.BoolVar(&all, "all", false, "list every page")
	hash, cl, code, done := c.oneRun(args, "tasks", runTasksUsage, fs)
	if done {
		return code
	}
	if opts.Limit < 0 || opts.Limit > api.MaxPageSize || opts.Page < 0 {
		return c.usageError(c.cmd, "--limit is 1 to 100 and --page 1 or more")
	}
	opts.Run = hash
	t := newTable(runTaskColumns, shrink{3, 24}, shrink{2, 0}, shrink{3, 6}, shrink{1, 0}, shrink{3, -1})
	add := func(rt api.RunTask) {
		t.add(rt.Task, rt.Status, fmt.Sprint(rt.LastResult), formatParams(rt.Params))
	}
	if all {
		if opts.Limit == 0 {
			opts.Limit = api.MaxPageSize
		}
		var items []api.RunTask
		for rt, err := range cl.Runs.AllTasks(ctx, opts) {
			if err != nil {
				return c.fail(ctx, err)
			}
			items = append(items, rt)
			add(rt)
		}
		if c.json {
			return c.encodeJSON(items)
		}
		t.render(c.stdout, c.out)
		return exitOK
	}
	cctx, raw := capture(ctx)
	page, err := cl.Runs.Tasks(cctx, opts)
	if err != nil {
		return c.fail(ctx, err)
	}
	if c.json {
		return c.printJSON(raw.last())
	}
	for _, rt := range page.Data {
		add(rt)
	}
	if len(page.Data) > 0 {
		t.render(c.stdout, c.out)
	}
	if !c.quiet {
		fmt.Fprintf(c.stderr, "page %d of %d, %s\n", page.Page, page.TotalPages, plural(page.TotalResults, "task"))
	}
	return exitOK
}

// -- watch ----------------------------------------------------------------------------------

const runWatchUsage = `Usage: lobstr run watch RUN [--interval D] [--timeout D] [--no-export]

Wait for a run to end and its export to be ready, showing its progress on
stderr (a bar kept up to date on a terminal, a line per change otherwise),
then print the run. Polls start every 3s and slow down to every 10s. Exit
status 3 when the run ends aborted or in error, or at --timeout.

Example:
  lobstr run watch 0393be3ea6f74986906153df1c3f9894 --timeout 1h
`

func (c *cli) runWatch(ctx context.Context, args []string) int {
	fs := c.flagSet("lobstr run watch")
	var wf runWaitFlags
	wf.register(fs)
	hash, cl, code, done := c.oneRun(args, "watch", runWatchUsage, fs)
	if done {
		return code
	}
	if msg := wf.check(); msg != "" {
		return c.usageError(c.cmd, msg)
	}
	wctx, cancel := (&waitFlags{timeout: wf.timeout}).context(ctx)
	defer cancel()
	cctx, raw := capture(wctx)
	r, err := c.watchRun(cctx, cl, hash, wf.options())
	if code, done := c.finishWait(ctx, wctx, hash, wf, r, err, raw); done {
		return code
	}
	if c.json {
		return c.printJSON(raw.last())
	}
	c.printRun(r)
	return exitOK
}

// -- download -------------------------------------------------------------------------------

const runDownloadUsage = `Usage: lobstr run download RUN [PATH] [-o FILE] [--format F]

Download a run's export file (Download Run, then the signed URL, fetched
without the token) into PATH or -o FILE: results.csv when neither is given,
as the official CLI; '-' for stdout. A regular file is written whole or not
at all; a link is followed; a FIFO or a device (/dev/null) is written to,
never replaced. A new file gets 0666 minus the umask.

Examples:
  lobstr run download 0393be3ea6f74986906153df1c3f9894 leads.csv
  lobstr run download 0393be3ea6f74986906153df1c3f9894 -o - | head
`

func (c *cli) runDownload(ctx context.Context, args []string) int {
	fs := c.flagSet("lobstr run download")
	var out, format string
	fs.StringVarP(&out, "output", "o", "", "write the file to `FILE` ('-' for stdout; default results.csv)")
	fs.StringVar(&format, "format", "", "`F`: csv, json, jsonl or xlsx (default: from FILE's extension, else csv)")
	rest, code, done := c.parseCommand(fs, args, runDownloadUsage, 1, 2)
	if done {
		return code
	}
	if code, done := c.checkHash("RUN", rest[0]); done {
		return code
	}
	hash := rest[0]
	if len(rest) == 2 {
		if out != "" && out != rest[1] {
			return c.usageError(c.cmd, fmt.Sprintf("PATH %q and -o %q: give one", rest[1], out))
		}
		out = rest[1]
	}
	ff, msg := exportFormat(format, out)
	if msg != "" {
		return c.usageError(c.cmd, msg)
	}
	if out == "" {
		out = "results." + string(ff)
	}
	cl, code, done := c.client()
	if done {
		return code
	}
	return c.downloadTo(ctx, cl, hash, out, ff)
}
