package cli

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"strconv"
	"strings"

	flag "github.com/spf13/pflag"

	"golang.org/x/term"

	"github.com/lobstr-go/lobstr/api"
)

var squidCommands map[string]subcommand

func init() {
	squidCommands = commandTable([]subcommand{
		{"create", (*cli).squidCreate},
		{"ls", (*cli).squidList},
		{"show", (*cli).squidShow},
		{"update", (*cli).squidUpdate},
		{"empty", (*cli).squidEmpty},
		{"rm", (*cli).squidRemove},
	}, map[string]string{"list": "ls", "get": "show", "delete": "rm"})

	// A squid argument may be a unique prefix of a squid id: List Squids gives the ids.
	squidLister = func(ctx context.Context, cl *api.Client) ([]squidRef, error) {
		var squids []squidRef
		for sq, err := range cl.Squids.All(ctx, api.ListSquidsOptions{Limit: api.MaxPageSize}) {
			if err != nil {
				return nil, err
			}
			squids = append(squids, squidRef{sq.Id, sq.Name})
		}
		return squids, nil
	}
}

const squidUsage = `Usage: lobstr squid COMMAND [ARGUMENTS] [FLAGS]

Commands:
  create CRAWLER        create a squid on a crawler
  ls                    list your squids
  show SQUID            show a squid's settings and last run
  update SQUID          change a squid's name, concurrency, params, …
  empty SQUID           delete every task of a squid
  rm SQUID              delete a squid, its tasks, results and runs

A SQUID is a squid id, a unique prefix of one, or @NAME, an alias saved with
'lobstr config set-alias'. A CRAWLER is as in 'lobstr crawlers --help'.

A new squid runs only once its params were saved: give --param to 'squid
create', or run 'squid update SQUID --param KEY=VALUE' before the first run.

Example:
  lobstr squid create google-maps-leads-scraper --name Restaurants --param max_results=100

Run 'lobstr squid COMMAND --help' for a command's flags and an example.
`

func (c *cli) squid(ctx context.Context, args []string) int {
	return c.dispatch(ctx, "squid", squidUsage, squidCommands, "create, ls, show, update, empty or rm", args)
}

func (c *cli) squidHelp(ctx context.Context, args []string) int {
	return c.groupHelp(ctx, "squid", squidUsage, squidCommands, args)
}

// paramFlags collects repeated --param KEY=VALUE.
type paramFlags []string

func (p *paramFlags) String() string { return strings.Join(*p, " ") }

// Type names the flag's kind in pflag's messages.
func (p *paramFlags) Type() string       { return "k=v" }
func (p *paramFlags) Set(s string) error { *p = append(*p, s); return nil }

// parseParams reads KEY=VALUE pairs into squid params: true and false are booleans, null
// (or none) is null, a number is a number, anything else a string; functions.NAME=true
// switches a paid function on.
func parseParams(pairs []string) (api.SquidParams, error) {
	p := api.SquidParams{}
	for _, kv := range pairs {
		k, v, ok := strings.Cut(kv, "=")
		k = strings.TrimSpace(k)
		if !ok || k == "" {
			return nil, fmt.Errorf("--param %q: want KEY=VALUE", truncate(kv, 40))
		}
		val := paramFromText(v)
		if fn, ok := strings.CutPrefix(k, "functions."); ok {
			if fn == "" {
				return nil, fmt.Errorf("--param %q: want functions.NAME=true or false", truncate(kv, 40))
			}
			fns, _ := p["functions"].(map[string]any)
			if fns == nil {
				fns = map[string]any{}
				p["functions"] = fns
			}
			fns[fn] = val
			continue
		}
		p[k] = val
	}
	return p, nil
}

func paramFromText(v string) any {
	switch strings.ToLower(v) {
	case "true":
		return true
	case "false":
		return false
	case "null", "none":
		return nil
	}
	if n, err := strconv.ParseInt(v, 10, 64); err == nil {
		return n
	}
	if f, err := strconv.ParseFloat(v, 64); err == nil && !strings.ContainsAny(v, "xXnN") {
		return f
	}
	return v
}

// notReadyNotice explains, once, why a squid cannot run yet.
func (c *cli) notReadyNotice(sq *api.Squid) {
	if sq.IsReady || !sq.IsActive {
		return
	}
	c.notice(fmt.Sprintf("squid %s is not ready to run: it needs active tasks ('lobstr task add %s ...') and its params saved once ('lobstr squid update %s --param KEY=VALUE', even when every one is optional)", sq.Id, sq.Id, sq.Id))
}

// printSquid prints the key/value view of a squid on stdout.
func (c *cli) printSquid(sq *api.Squid) {
	var v kvView
	v.id("id", sq.Id)
	v.add("name", sq.Name)
	v.add("crawler", sq.CrawlerName)
	v.id("crawler id", sq.Crawler)
	v.add("active", yesNo(sq.IsActive))
	if r, ok := sq.DeactivationReason.Get(); ok && r != "" {
		v.add("deactivated", r)
	}
	v.add("ready", yesNo(sq.IsReady))
	v.add("concurrency", fmt.Sprint(sq.Concurrency))
	v.add("created", formatTime(&sq.CreatedAt))
	last := "-"
	if sq.LastRunStatus != nil {
		last = strings.ToLower(*sq.LastRunStatus)
		if sq.LastRunAt != nil {
			last += " at " + formatTime(sq.LastRunAt)
		}
		if r, ok := sq.LastRunDoneReason.Get(); ok && r != "" {
			last += " (" + r + ")"
		}
	}
	v.add("last run", last)
	if id, ok := sq.LastRun.Get(); ok && id != "" {
		v.id("last run id", id)
	}
	v.add("runs", fmt.Sprint(sq.TotalRuns))
	if s, ok := sq.ScheduleTime.Get(); ok && s != "" {
		v.add("schedule", s)
	}
	if sq.NextLaunchAt != nil {
		v.add("next run", formatTime(sq.NextLaunchAt))
	}
	if sq.NotificationsParams != nil {
		v.add("notify", deref(sq.NotificationsParams.RunNotify))
	}
	if sq.ExportUniqueResults != nil {
		v.add("unique results", yesNo(*sq.ExportUniqueResults))
	}
	for i, d := range deliveryLines(sq) {
		key := ""
		if i == 0 {
			key = "delivery"
		}
		v.add(key, d)
	}
	if accounts, ok := sq.Accounts.Get(); ok && len(accounts) > 0 {
		for i, a := range accounts {
			key := ""
			if i == 0 {
				key = "accounts"
			}
			v.add(key, jsonValue(a))
		}
	}
	if len(sq.Params) == 0 {
		v.add("params", "-")
	}
	for i, k := range paramKeys(api.Params(sq.Params)) {
		key := ""
		if i == 0 {
			key = "params"
		}
		v.add(key, k+"="+paramValue(sq.Params[k]))
	}
	v.render(c.stdout, c.out, false)
}

// -- create -------------------------------------------------------------------------------

const squidCreateUsage = `Usage: lobstr squid create CRAWLER [--name NAME] [--param KEY=VALUE]... [--save-params]

Create a squid on a crawler (Create Squid), named NAME (by default the server
names it "<crawler> (N)"), and show it. A new squid runs only once its params
were saved: --param saves them at once (merged over the crawler's defaults;
repeat it; functions.NAME=true turns on a paid function), and --save-params
saves the defaults as they are. With --json, print the squid as the server
sent it (Get Squid Details).

Examples:
  lobstr squid create google-maps-leads-scraper --name Restaurants --param max_results=100
  lobstr squid create 4734d096159ef05210e0e1677e8be823 --save-params
`

func (c *cli) squidCreate(ctx context.Context, args []string) int {
	fs := c.flagSet("lobstr squid create")
	name := fs.String("name", "", "the squid's `NAME` (default: chosen by the server)")
	var params paramFlags
	fs.Var(&params, "param", "save the squid param `KEY=VALUE` (repeat it)")
	saveDefaults := fs.Bool("save-params", false, "save the crawler's default params, so the squid can run")
	rest, code, done := c.parseCommand(fs, args, squidCreateUsage, 1, 1)
	if done {
		return code
	}
	set := setFlags(fs)
	if set["name"] && strings.TrimSpace(*name) == "" {
		return c.usageError(c.cmd, "--name is empty")
	}
	p, err := parseParams(params)
	if err != nil {
		return c.usageError(c.cmd, err.Error())
	}
	cl, code, done := c.client()
	if done {
		return code
	}
	crawler, code, done := c.resolveCrawler(ctx, cl, rest[0])
	if done {
		return code
	}
	var opts []api.CreateSquidOption
	if len(params) > 0 || *saveDefaults {
		opts = append(opts, api.SaveParams(p))
	}
	cctx, raw := capture(ctx)
	sq, err := cl.Squids.Create(cctx, crawler, *name, opts...)
	if err != nil {
		if sq != nil && sq.Id != "" {
			c.notice("squid " + sq.Id + " was created")
		}
		return c.fail(ctx, err)
	}
	if c.json {
		code = c.printJSON(raw.last())
	} else {
		c.printSquid(sq)
	}
	c.notReadyNotice(sq)
	return code
}

// setFlags returns the names of the flags given on the command line.
func setFlags(fs *flag.FlagSet) map[string]bool {
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	return set
}

// -- ls -----------------------------------------------------------------------------------

const squidListUsage = `Usage: lobstr squid ls [--name TEXT] [--limit N] [--page N] [--all]

List your squids, a page at a time (List Squids): a table of ID, NAME,
CRAWLER, READY, ACTIVE, LAST RUN (its status), RUNS and CONC (concurrency) on
stdout, and "page P of N, T squids" on stderr. --name keeps the squids whose
name holds TEXT. With --all, every page from --page on. With --json, the page
as the server sent it; with --all --json, one JSON array of the squids.

Example:
  lobstr squid ls --name google --all
`

// squidColumns are the columns of a table of squids. On a narrow terminal CRAWLER gives up
// width first, then CONC, RUNS, ACTIVE, LAST RUN, READY and CRAWLER go, then NAME shrinks.
var squidColumns = []column{{"ID", cutNever}, {"NAME", cutEnd}, {"CRAWLER", cutEnd}, {"READY", cutDrop},
	{"ACTIVE", cutDrop}, {"LAST RUN", cutDrop}, {"RUNS", cutDrop}, {"CONC", cutDrop}}

var squidShrink = []shrink{{2, 16}, {7, 0}, {6, 0}, {4, 0}, {5, 0}, {3, 0}, {2, -1}, {1, 6}}

// newSquidTable starts a table of squids.
func newSquidTable() *table { return newTable(squidColumns, squidShrink...) }

func addSquidRow(t *table, sq api.Squid) {
	last := "-"
	if sq.LastRunStatus != nil && *sq.LastRunStatus != "" {
		last = strings.ToLower(*sq.LastRunStatus)
	}
	t.add(sq.Id, sq.Name, sq.CrawlerName, yesNo(sq.IsReady), yesNo(sq.IsActive), last, fmt.Sprint(sq.TotalRuns), fmt.Sprint(sq.Concurrency))
}

func (c *cli) squidList(ctx context.Context, args []string) int {
	fs := c.flagSet("lobstr squid ls")
	var opts api.ListSquidsOptions
	var all bool
	fs.StringVar(&opts.Name, "name", "", "only the squids whose name holds `TEXT`")
	fs.IntVar(&opts.Limit, "limit", 0, "`N` squids a page, 1 to 100 (default 100 with --all, else the server's)")
	fs.IntVar(&opts.Page, "page", 0, "start at page `N` (default 1)")
	fs.BoolVar(&all, "all", false, "list every page")
	if _, code, done := c.parseCommand(fs, args, squidListUsage, 0, 0); done {
		return code
	}
	set := setFlags(fs)
	switch {
	case set["limit"] && (opts.Limit < 1 || opts.Limit > api.MaxPageSize):
		return c.usageError(c.cmd, fmt.Sprintf("--limit %d: want 1 to %d", opts.Limit, api.MaxPageSize))
	case set["page"] && opts.Page < 1:
		return c.usageError(c.cmd, fmt.Sprintf("--page %d: want 1 or more", opts.Page))
	}
	if all && opts.Limit == 0 {
		opts.Limit = api.MaxPageSize
	}
	cl, code, done := c.client()
	if done {
		return code
	}
	if all {
		return c.squidListAll(ctx, cl, opts)
	}
	cctx, raw := capture(ctx)
	page, err := cl.Squids.List(cctx, opts)
	if err != nil {
		return c.fail(ctx, err)
	}
	if c.json {
		code = c.printJSON(raw.last())
	} else if len(page.Data) > 0 {
		t := newSquidTable()
		for _, sq := range page.Data {
			addSquidRow(t, sq)
		}
		t.render(c.stdout, c.out)
	}
	if opts.Page > 1 && len(page.Data) == 0 {
		return c.errorLine(exitFail, "page", fmt.Sprintf("page %d is past the end: there are %s on %s", opts.Page,
			plural(page.TotalResults, "squid"), plural(page.TotalPages, "page")), 0, "")
	}
	if !c.json && !c.quiet {
		footer := fmt.Sprintf("page %d of %d, %s", page.Page, page.TotalPages, plural(page.TotalResults, "squid"))
		if page.Next != nil && page.Page < page.TotalPages {
			footer += fmt.Sprintf(" (next: --page %d)", page.Page+1)
		}
		fmt.Fprintln(c.stderr, footer)
	}
	return code
}

// squidListAll prints every squid from opts.Page on: a table, or one JSON array of the
// squids as the server sent them.
func (c *cli) squidListAll(ctx context.Context, cl *api.Client, opts api.ListSquidsOptions) int {
	var pages pageItems
	cctx := pages.capture(ctx)
	t := newSquidTable()
	n := 0
	for sq, err := range cl.Squids.All(cctx, opts) {
		if err != nil {
			if n > 0 && !c.json {
				t.render(c.stdout, c.out)
			}
			return c.fail(ctx, err)
		}
		addSquidRow(t, sq)
		n++
	}
	if c.json {
		if pages.err != nil {
			return c.errorLine(exitFail, "error", "a page of squids is not JSON: "+pages.err.Error(), 0, "")
		}
		return c.printJSON(pages.array())
	}
	if n > 0 {
		t.render(c.stdout, c.out)
	}
	if !c.quiet {
		fmt.Fprintln(c.stderr, "all pages, "+plural(n, "squid"))
	}
	return exitOK
}

// -- show ---------------------------------------------------------------------------------

const squidShowUsage = `Usage: lobstr squid show SQUID

Show a squid (Get Squid Details): name, crawler, whether it is active and ready
to run, concurrency, last run, schedule, notifications and params. With
--json, print the API's answer as the server sent it.

Example:
  lobstr squid show a1b2c3d4e5f6g7h8i9j0
`

func (c *cli) squidShow(ctx context.Context, args []string) int {
	fs := c.flagSet("lobstr squid show")
	rest, code, done := c.parseCommand(fs, args, squidShowUsage, 1, 1)
	if done {
		return code
	}
	cl, id, code, done := c.clientForSquid(ctx, rest[0])
	if done {
		return code
	}
	cctx, raw := capture(ctx)
	sq, err := cl.Squids.Get(cctx, id)
	return answer(c, ctx, raw, sq, err, c.printSquid)
}

// -- update -------------------------------------------------------------------------------

const squidUpdateUsage = `Usage: lobstr squid update SQUID [--name NAME] [--concurrency N] [--param KEY=VALUE]...
       [--notify on_success|on_error|null] [--unique-results | --no-unique-results]
       [--active=true|false] [--cron EXPR] [--timezone TZ]

Change a squid's settings (Update Squid): only the flags given are sent. Params
are merged key by key over the squid's (see 'lobstr crawlers params'): true,
false, null and numbers are typed, anything else is text, and
functions.NAME=true turns on a paid function. Saving params once is what lets a
new squid run. Then show the squid; with --json, print it as the server sent
it (Get Squid Details).

Example:
  lobstr squid update @restaurants --concurrency 2 --param max_results=200 --notify on_error
`

func (c *cli) squidUpdate(ctx context.Context, args []string) int {
	fs := c.flagSet("lobstr squid update")
	name := fs.String("name", "", "rename the squid `NAME`")
	concurrency := fs.Int("concurrency", 0, "`N` workers at once, 1 to 20")
	var params paramFlags
	fs.Var(&params, "param", "set the squid param `KEY=VALUE` (repeat it)")
	notify := fs.String("notify", "", "email about runs: on_success, on_error or null (`WHEN`)")
	unique := fs.Bool("unique-results", false, "exports leave out rows already exported")
	noUnique := fs.Bool("no-unique-results", false, "exports keep every row")
	active := fs.Bool("active", true, "false pauses the squid and frees its slot")
	cron := fs.String("cron", "", "run on the schedule `EXPR`, a cron expression")
	tz := fs.String("timezone", "", "the schedule's time zone `TZ`, e.g. Europe/Paris")
	rest, code, done := c.parseCommand(fs, args, squidUpdateUsage, 1, 1)
	if done {
		return code
	}
	set := setFlags(fs)
	var u api.SquidUpdate
	if set["name"] {
		if strings.TrimSpace(*name) == "" {
			return c.usageError(c.cmd, "--name is empty")
		}
		u.Name = name
	}
	if set["concurrency"] {
		if *concurrency < 1 || *concurrency > 20 {
			return c.usageError(c.cmd, fmt.Sprintf("--concurrency %d: want 1 to 20", *concurrency))
		}
		u.Concurrency = concurrency
	}
	if len(params) > 0 {
		p, err := parseParams(params)
		if err != nil {
			return c.usageError(c.cmd, err.Error())
		}
		u.Params = &p
	}
	if set["notify"] {
		switch *notify {
		case "on_success", "on_error":
			u.RunNotify = api.NullableOf(api.RunNotify(*notify))
		case "null", "none", "never":
			u.RunNotify = api.Null[api.RunNotify]()
		default:
			return c.usageError(c.cmd, fmt.Sprintf("--notify %q: want on_success, on_error or null", truncate(*notify, 40)))
		}
	}
	switch {
	case set["unique-results"] && set["no-unique-results"]:
		return c.usageError(c.cmd, "--unique-results and --no-unique-results together")
	case set["unique-results"]:
		u.ExportUniqueResults = unique
	case set["no-unique-results"]:
		u.ExportUniqueResults = api.Ptr(!*noUnique)
	}
	if set["active"] {
		u.IsActive = active
	}
	if set["cron"] {
		if strings.TrimSpace(*cron) == "" {
			return c.usageError(c.cmd, "--cron is empty")
		}
		u.CronExpression = cron
	}
	if set["timezone"] {
		if strings.TrimSpace(*tz) == "" {
			return c.usageError(c.cmd, "--timezone is empty")
		}
		u.Timezone = tz
	}
	if !anyUpdate(set) {
		return c.usageError(c.cmd, "nothing to change: give at least one of --name, --concurrency, --param, --notify, --unique-results, --active, --cron, --timezone")
	}
	cl, id, code, done := c.clientForSquid(ctx, rest[0])
	if done {
		return code
	}
	cctx, raw := capture(ctx)
	sq, err := cl.Squids.Update(cctx, id, u)
	if err != nil {
		return c.fail(ctx, err)
	}
	if c.json {
		code = c.printJSON(raw.last())
	} else {
		c.printSquid(sq)
	}
	c.notReadyNotice(sq)
	return code
}

// anyUpdate reports whether a flag that changes a setting was given.
func anyUpdate(set map[string]bool) bool {
	for _, f := range []string{"name", "concurrency", "param", "notify", "unique-results", "no-unique-results", "active", "cron", "timezone"} {
		if set[f] {
			return true
		}
	}
	return false
}

// -- empty --------------------------------------------------------------------------------

const squidEmptyUsage = `Usage: lobstr squid empty SQUID [--type url|params]

Delete a squid's tasks and their results (Empty Squid); its settings stay.
The API empties one kind at a time: --type url (tasks made from a URL, the
default, as the official CLI), --type params (tasks made from parameters) or
--type all (both, one request each). Irreversible: asks first on a terminal,
refuses without --force elsewhere. With --json, the server's answer (--type
all: a JSON array of its two answers).

Example:
  lobstr squid empty @restaurants --type all --force
`

func (c *cli) squidEmpty(ctx context.Context, args []string) int {
	fs := c.flagSet("lobstr squid empty")
	kind := fs.String("type", "url", "empty the tasks of `TYPE`: url, params or all")
	force := fs.BoolP("force", "f", false, "empty without asking")
	rest, code, done := c.parseCommand(fs, args, squidEmptyUsage, 1, 1)
	if done {
		return code
	}
	var kinds []api.TaskKind
	switch *kind {
	case "all":
	case "url", "params":
		kinds = []api.TaskKind{api.TaskKind(*kind)}
	default:
		return c.usageError(c.cmd, fmt.Sprintf("--type %q: want url, params or all", truncate(*kind, 40)))
	}
	cl, id, code, done := c.clientForSquid(ctx, rest[0])
	if done {
		return code
	}
	which := *kind + " tasks"
	if *kind == "all" {
		which = "tasks (url and params)"
	}
	if code, done := c.confirm(*force, "empty squid "+id, fmt.Sprintf("Delete the %s of squid %s and their results?", which, id)); done {
		return code
	}
	cctx, raw := capture(ctx)
	e, err := cl.Squids.Empty(cctx, id, kinds...)
	if err != nil {
		if e != nil {
			c.notice(fmt.Sprintf("the url tasks were emptied (%s deleted) before the failure", plural(e.DeletedCount, "task")))
		}
		return c.fail(ctx, err)
	}
	if c.json {
		raw.mu.Lock()
		all := raw.all
		raw.mu.Unlock()
		if len(all) == 1 {
			return c.printJSON(all[0])
		}
		items := make([]json.RawMessage, len(all))
		for i, b := range all {
			items[i] = b
		}
		return c.printJSON(jsonArray(items))
	}
	what := "tasks"
	if *kind != "" {
		what = *kind + " tasks"
	}
	fmt.Fprintf(c.stdout, "emptied squid %s: %s deleted (%s)\n", clean(e.Id), plural(e.DeletedCount, "task"), what)
	return exitOK
}

// -- rm -----------------------------------------------------------------------------------

const squidRemoveUsage = `Usage: lobstr squid rm SQUID [--force]

Delete a squid with its tasks, results, runs and settings (Delete Squid); an
active run is stopped and its partial results are lost. Irreversible. On a
terminal it asks first, unless --force (or -f); when stdin is not a terminal it
refuses without --force.

Example:
  lobstr squid rm @old-squid --force
`

// terminalReader is an input that knows whether it is a terminal (tests give their own).
type terminalReader interface {
	IsTerminal() bool
}

// stdinTerminal reports whether stdin is a terminal someone can answer on.
func (c *cli) stdinTerminal() bool {
	if tr, ok := c.stdin.(terminalReader); ok {
		return tr.IsTerminal()
	}
	f, ok := c.stdin.(*os.File)
	return ok && f != nil && term.IsTerminal(int(f.Fd()))
}

// confirm asks before a destructive command, the same way for every one: with --force it
// goes ahead; on a terminal it asks question (a [y/N] prompt on stderr, no answer is no);
// elsewhere it refuses, saying to add --force. When done is true the command is over
// (code: refused, exit 2; answered no, exit 1).
func (c *cli) confirm(force bool, what, question string) (code int, done bool) {
	if force {
		return 0, false
	}
	if !c.stdinTerminal() {
		return c.usageError(c.cmd, "refusing to "+what+" without --force: stdin is not a terminal to ask on"), true
	}
	fmt.Fprintf(c.stderr, "%s This cannot be undone. [y/N] ", question)
	line, _ := bufio.NewReader(c.stdin).ReadString('\n') // no answer (end of input) is no
	if a := strings.ToLower(strings.TrimSpace(line)); a != "y" && a != "yes" {
		return c.errorLine(exitFail, "aborted", "not done: "+what, 0, ""), true
	}
	return 0, false
}

func (c *cli) squidRemove(ctx context.Context, args []string) int {
	fs := c.flagSet("lobstr squid rm")
	force := fs.BoolP("force", "f", false, "delete without asking")
	rest, code, done := c.parseCommand(fs, args, squidRemoveUsage, 1, 1)
	if done {
		return code
	}
	cl, id, code, done := c.clientForSquid(ctx, rest[0])
	if done {
		return code
	}
	if !*force {
		if !c.stdinTerminal() {
			return c.usageError(c.cmd, "refusing to delete squid "+id+" without --force: stdin is not a terminal to ask on")
		}
		sq, err := cl.Squids.Get(ctx, id)
		if err != nil {
			return c.fail(ctx, err)
		}
		fmt.Fprintf(c.stderr, "Delete squid %s (%s) with its tasks, results and %s? This cannot be undone. [y/N] ",
			sq.Id, clean(truncate(sq.Name, 60)), plural(sq.TotalRuns, "run"))
		line, _ := bufio.NewReader(c.stdin).ReadString('\n') // no answer (end of input) is no
		if a := strings.ToLower(strings.TrimSpace(line)); a != "y" && a != "yes" {
			return c.errorLine(exitFail, "aborted", "squid "+id+" not deleted", 0, "")
		}
	}
	cctx, raw := capture(ctx)
	d, err := cl.Squids.Delete(cctx, id)
	if err != nil {
		return c.fail(ctx, err)
	}
	if c.json {
		code = c.printJSON(raw.last())
	} else if d.Deleted {
		fmt.Fprintf(c.stdout, "deleted squid %s\n", clean(d.Id))
	}
	if !d.Deleted {
		return c.errorLine(exitFail, "error", fmt.Sprintf("squid %s was not deleted", d.Id), 0, "")
	}
	return code
}

// deliveryLines are a squid's delivery channels as squid show lists them, one a line
// ("none" when there is none): where each sends, and whether it is on. Secrets are never
// shown.
func deliveryLines(sq *api.Squid) []string {
	state := func(on bool) string {
		if on {
			return ""
		}
		return " (off)"
	}
	var out []string
	if e, ok := sq.Email.Get(); ok && e != "" {
		out = append(out, "email "+e)
	}
	if g, ok := sq.GoogleSheetFields.Get(); ok {
		out = append(out, "googlesheet "+deref(g.Url)+state(g.IsActive))
	}
	if s3, ok := sq.S3Fields.Get(); ok {
		out = append(out, "s3 "+deref(s3.Bucket)+state(s3.IsActive))
	}
	if f, ok := sq.FtpFields.Get(); ok {
		out = append(out, "sftp "+deref(f.Host)+state(f.IsActive))
	}
	if w, ok := sq.WebhookFields.Get(); ok {
		out = append(out, "webhook "+deref(w.Url)+state(w.IsActive))
	}
	if len(out) == 0 {
		return []string{"none"}
	}
	return out
}
