package cli

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	flag "github.com/spf13/pflag"

	"github.com/lobstr-go/lobstr/api"
	"github.com/lobstr-go/lobstr/catalog"
)

const goUsage = `Usage: lobstr go CRAWLER INPUT... [--file F] [--key K] [--param k=v]
                 [--concurrency N] [--name N] [--empty] [--delete]
                 [--no-download] [-o FILE]

The whole job in one command: find the crawler (an id, a slug, or a unique
part of one, as in 'lobstr crawlers show'), create a new squid (or, with
--name, reuse the one of that name), save its params (--param, as many as
needed; a value is JSON when it reads as JSON, else text), add the tasks
(INPUT... and the lines of --file F, '-' for stdin; blank lines and # comments
skipped), start a run, watch it with progress on stderr, wait for its export
and download it into -o FILE (results.csv by default; '-' for stdout).
--no-download returns as soon as the run has started, printing its id.
--empty deletes a reused squid's old tasks first; --delete deletes the squid
once the file is written. Interrupted (Ctrl-C), it says what is left running
and how to stop it.

Each INPUT goes under the task key --key K; without it, under the crawler's
main task key as lobstr's documentation gives it: url when the crawler takes
a url, else its one required key. A key the crawler does not take is refused
before anything is sent ('lobstr crawlers params CRAWLER' lists its keys).

Examples:
  lobstr go google-maps-leads-scraper 'https://www.google.com/maps/search/pizza/@40.7,-74,14z' -o leads.csv
  lobstr go google-search-scraper "pizza delivery" --key keyword
`

// goFlags are the flags of `lobstr go`.
type goFlags struct {
	file, key, name, out, format string
	params                       paramList
	concurrency                  int
	empty, del, noDownload       bool
	wait                         runWaitFlags
}

// paramList collects --param k=v.
type paramList struct{ m map[string]any }

func (p *paramList) String() string { return "" }

// Type names the flag's kind in pflag's messages.
func (p *paramList) Type() string { return "k=v" }

// Set reads one k=v: the value as JSON when it is (null, 10, true, "x", {...}), else text.
func (p *paramList) Set(s string) error {
	k, v, ok := strings.Cut(s, "=")
	k = strings.TrimSpace(k)
	if !ok || k == "" {
		return fmt.Errorf("%q is not k=v", s)
	}
	if p.m == nil {
		p.m = map[string]any{}
	}
	var val any
	if err := json.Unmarshal([]byte(v), &val); err != nil {
		val = v
	}
	p.m[k] = val
	return nil
}

func (c *cli) goCmd(ctx context.Context, args []string) int {
	fs := c.flagSet("lobstr go")
	var f goFlags
	fs.StringVarP(&f.file, "file", "f", "", "read more inputs from `F`, one a line ('-' for stdin)")
	fs.StringVarP(&f.key, "key", "k", "", "the task key `K` each input goes under (default: the crawler's url, else its one required key)")
	fs.VarP(&f.params, "param", "p", "a squid param `k=v` (repeatable)")
	fs.IntVarP(&f.concurrency, "concurrency", "c", 0, "`N` workers at once, 1 to 20 (default: the squid's)")
	fs.StringVar(&f.name, "name", "", "reuse the squid named `NAME` (made when none has it); default: a new squid")
	fs.BoolVar(&f.empty, "empty", false, "delete the squid's old tasks first")
	fs.BoolVar(&f.del, "delete", false, "delete the squid once the file is written")
	fs.BoolVar(&f.noDownload, "no-download", false, "return once the run has started, printing its id")
	fs.StringVarP(&f.out, "output", "o", "", "write the export to `FILE` ('-' for stdout; default results.csv)")
	fs.StringVar(&f.format, "format", "", "the export's format `F`: csv, json, jsonl or xlsx (default: from FILE, else csv)")
	f.wait.register(fs)
	rest, code, done := c.parseCommand(fs, args, goUsage, 1, -1)
	if done {
		return code
	}
	crawlerArg, inputs := rest[0], rest[1:]
	if msg := f.wait.check(); msg != "" {
		return c.usageError(c.cmd, msg)
	}
	if f.concurrency < 0 || f.concurrency > 20 {
		return c.usageError(c.cmd, fmt.Sprintf("--concurrency %d: want 1 to 20", f.concurrency))
	}
	keySet := false
	fs.Visit(func(fl *flag.Flag) { keySet = keySet || fl.Name == "key" })
	f.key = strings.TrimSpace(f.key)
	if keySet && f.key == "" {
		return c.usageError(c.cmd, "--key is empty")
	}
	ff, msg := exportFormat(f.format, f.out)
	if msg != "" {
		return c.usageError(c.cmd, msg)
	}
	if f.file != "" {
		more, err := c.readInputs(f.file)
		if err != nil {
			return c.errorLine(exitUsage, "file", err.Error(), 0, "")
		}
		inputs = append(inputs, more...)
	}
	if len(inputs) == 0 {
		return c.usageError(c.cmd, "no INPUT: give values, or --file F")
	}
	// A crawler named by its slug or id is checked against the catalogue before any
	// request; one named otherwise, once the API's list has named it.
	doc := catalog.BySlug(strings.ToLower(strings.TrimSpace(crawlerArg)))
	if doc == nil {
		doc = catalog.ByID(strings.TrimSpace(crawlerArg))
	}
	if doc != nil {
		if f.key, msg = taskKeyFor(doc, f.key); msg != "" {
			return c.usageError(c.cmd, msg)
		}
	}
	cl, code, done := c.client()
	if done {
		return code
	}
	id, slug := strings.TrimSpace(crawlerArg), ""
	if doc == nil {
		if id, slug, code, done = c.resolveCrawlerSlug(ctx, cl, crawlerArg); done {
			return code
		}
	}
	cr, err := cl.Crawlers.Get(ctx, id)
	if err != nil {
		return c.fail(ctx, err)
	}
	if doc == nil {
		if slug == "" {
			slug = cr.Slug
		}
		if doc = documented(cr.Id, slug); doc != nil {
			if f.key, msg = taskKeyFor(doc, f.key); msg != "" {
				return c.usageError(c.cmd, msg)
			}
		}
	}
	if f.key == "" {
		f.key = "url" // a crawler the catalogue does not describe
	}
	name := f.name
	if name == "" {
		name = "lobstr go " + cr.Slug
		if cr.Slug == "" {
			name = "lobstr go " + cr.Id
		}
	}
	// Without --name, a new squid every time: reusing one would run its earlier tasks
	// again (paid again, their rows mixed into the new file), as the official CLI never does.
	var squid string
	var reused bool
	if f.name == "" {
		var sq *api.Squid
		if sq, err = cl.Squids.Create(ctx, cr.Id, name); err == nil {
			squid = sq.Id
		}
	} else {
		squid, reused, err = findOrCreateSquid(ctx, cl, cr.Id, name)
	}
	if err != nil {
		return c.fail(ctx, err)
	}
	verb := "created"
	if reused {
		verb = "reusing"
	}
	c.notice(fmt.Sprintf("%s squid %s (%q) on %s", verb, squid, name, cr.Name))
	if f.empty && reused {
		e, err := cl.Squids.Empty(ctx, squid)
		if err != nil {
			return c.fail(ctx, err)
		}
		c.notice(fmt.Sprintf("emptied squid %s: %s deleted", squid, plural(e.DeletedCount, "task")))
	}
	// The params are saved every time, even empty: a squid whose params were never saved
	// cannot run.
	params := api.SquidParams{}
	for k, v := range f.params.m {
		params[k] = v
	}
	upd := api.SquidUpdate{Params: &params}
	if f.concurrency > 0 {
		upd.Concurrency = &f.concurrency
	}
	if _, err := cl.Squids.Update(ctx, squid, upd); err != nil {
		return c.fail(ctx, err)
	}
	tasks := make([]api.Params, len(inputs))
	for i, in := range inputs {
		tasks[i] = api.Params{f.key: in}
	}
	added, err := cl.Tasks.Add(ctx, squid, tasks)
	if err != nil {
		return c.fail(ctx, err)
	}
	c.notice(fmt.Sprintf("added %s to squid %s (%d already there)", plural(len(added.Tasks), "task"), squid, added.DuplicatedCount))

	cctx, raw := capture(ctx)
	run, err := cl.Runs.Start(cctx, squid)
	if err != nil {
		return c.fail(ctx, err)
	}
	c.notice(fmt.Sprintf("started run %s", run.Id))
	if f.noDownload {
		// The run goes on on the server: say how to follow it, and stop here.
		c.notice(fmt.Sprintf("watch it with 'lobstr run watch %s', then 'lobstr run download %s results.csv'", run.Id, run.Id))
		if f.del {
			c.notice(fmt.Sprintf("squid %s kept: --delete waits for the run, which --no-download does not", squid))
		}
		if c.json {
			return c.printJSON(raw.last())
		}
		fmt.Fprintln(c.stdout, run.Id)
		return exitOK
	}
	wctx, cancel := (&waitFlags{timeout: f.wait.timeout}).context(cctx)
	defer cancel()
	final, err := c.watchRun(wctx, cl, run.Id, f.wait.options())
	if code, done := c.finishWait(ctx, wctx, run.Id, f.wait, final, err, raw); done {
		return code
	}
	c.notice(fmt.Sprintf("run %s done: %s, %g credits", run.Id, plural(final.TotalResults, "result"), final.CreditUsed))
	out := f.out
	if out == "" {
		out = "results." + string(ff)
	}
	if code := c.downloadTo(ctx, cl, run.Id, out, ff); code != exitOK {
		return code
	}
	if c.json {
		c.printJSON(raw.last())
	}
	if f.del {
		if _, err := cl.Squids.Delete(ctx, squid); err != nil {
			return c.fail(ctx, err)
		}
		c.notice(fmt.Sprintf("deleted squid %s", squid))
	}
	return exitOK
}

// taskKeyFor is the task key the inputs of lobstr go go under for a crawler of the
// catalogue: key when the crawler takes it (and it makes a task alone), else a message
// saying why not, naming the crawler's task keys; without key, the crawler's url key, else
// its one required key.
func taskKeyFor(doc *catalog.Crawler, key string) (string, string) {
	if key == "" {
		if doc.TaskKey("url") != nil {
			return "url", ""
		}
		var required []string
		for _, k := range doc.TaskKeys {
			if k.Required {
				required = append(required, k.Name)
			}
		}
		if len(required) == 1 {
			return required[0], ""
		}
		return "", fmt.Sprintf("%s takes no url: say which task key each INPUT goes under with --key (its task keys: %s)", doc.Slug, taskKeysText(doc))
	}
	k := doc.TaskKey(key)
	if k == nil {
		return "", fmt.Sprintf("--key %s: %s takes no task key %q (its task keys: %s)", truncate(key, 40), doc.Slug, truncate(key, 40), taskKeysText(doc))
	}
	var also []string
	for _, o := range doc.TaskKeys {
		if o.Required && o.Name != k.Name && o.Group == k.Group {
			also = append(also, o.Name)
		}
	}
	if len(also) > 0 {
		return "", fmt.Sprintf("--key %s: a task of %s with %s also needs %s, and lobstr go puts each INPUT under one key alone (its task keys: %s)",
			key, doc.Slug, key, strings.Join(also, " and "), taskKeysText(doc))
	}
	return key, ""
}

// taskKeysText names a crawler's task keys, by form when a task takes one form or
// another, the required ones marked with * when there are several keys:
// "url* (form url) | city*, category*, country (form location); * required".
func taskKeysText(doc *catalog.Crawler) string {
	groups := taskGroups(inputsOf(doc.TaskKeys))
	if len(groups) == 0 {
		return "none documented"
	}
	forms := make([]string, len(groups))
	marked := false
	for i, g := range groups {
		names := make([]string, len(g.items))
		for j, it := range g.items {
			names[j] = it.name
			if it.required && len(doc.TaskKeys) > 1 {
				names[j] += "*"
				marked = true
			}
		}
		forms[i] = strings.Join(names, ", ")
		if len(groups) > 1 && g.name != "" {
			forms[i] += " (form " + g.name + ")"
		}
	}
	s := strings.Join(forms, " | ")
	if marked {
		s += "; * required"
	}
	return s
}

// inputsOf turns the catalogue's inputs into items, for grouping.
func inputsOf(in []catalog.Input) []inputItem {
	out := make([]inputItem, len(in))
	for i, k := range in {
		out[i] = inputItem{name: k.Name, group: k.Group, required: k.Required}
	}
	return out
}

// findOrCreateSquid returns the squid named name on the crawler, made when there is none.
func findOrCreateSquid(ctx context.Context, cl *api.Client, crawler, name string) (id string, reused bool, err error) {
	for sq, err := range cl.Squids.All(ctx, api.ListSquidsOptions{Name: name, Limit: api.MaxPageSize}) {
		var inc *api.IncompleteError
		if errors.As(err, &inc) {
			break
		}
		if err != nil {
			return "", false, err
		}
		if sq.Name == name && sq.Crawler == crawler {
			return sq.Id, true, nil
		}
	}
	sq, err := cl.Squids.Create(ctx, crawler, name)
	if err != nil {
		return "", false, err
	}
	return sq.Id, false, nil
}

// readInputs reads one input a line from path ('-' for stdin), blank lines and # comments
// skipped.
func (c *cli) readInputs(path string) ([]string, error) {
	var r io.Reader = c.stdin
	if path != "-" {
		f, err := os.Open(path)
		if err != nil {
			return nil, fmt.Errorf("--file: %w", err)
		}
		defer f.Close()
		r = f
	}
	var out []string
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		if s := strings.TrimSpace(sc.Text()); s != "" && !strings.HasPrefix(s, "#") {
			out = append(out, s)
		}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("--file %s: %w", path, err)
	}
	return out, nil
}

var _ flag.Value = (*paramList)(nil)
