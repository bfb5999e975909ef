package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"strings"
	"unicode/utf8"

	"github.com/lobstr-go/lobstr/api"
	"github.com/lobstr-go/lobstr/catalog"
	"github.com/lobstr-go/lobstr/types"
)

var crawlerCommands map[string]subcommand

func init() {
	crawlerCommands = commandTable([]subcommand{
		{"ls", (*cli).crawlersList},
		{"show", (*cli).crawlersShow},
		{"search", (*cli).crawlersSearch},
		{"params", (*cli).crawlersParams},
		{"attrs", (*cli).crawlersAttrs},
	}, map[string]string{"list": "ls", "get": "show"})
}

const crawlersUsage = `Usage: lobstr crawlers COMMAND [ARGUMENTS] [FLAGS]

Commands:
  ls                  list every crawler of the catalogue
  show CRAWLER        show a crawler's details, inputs and result columns
  search KEYWORD      list the crawlers whose name or slug holds KEYWORD
  params CRAWLER      show the parameters of a crawler's tasks and squids
  attrs CRAWLER       show the columns of a crawler's results

A CRAWLER is a crawler id, a unique prefix of one, a slug such as
google-maps-leads-scraper (or a unique start of one), or a unique part of a
crawler's name.

Example:
  lobstr crawlers params google-maps-leads-scraper

Run 'lobstr crawlers COMMAND --help' for a command's flags and an example.
`

func (c *cli) crawlers(ctx context.Context, args []string) int {
	return c.dispatch(ctx, "crawlers", crawlersUsage, crawlerCommands, "ls, show, search, params or attrs", args)
}

func (c *cli) crawlersHelp(ctx context.Context, args []string) int {
	return c.groupHelp(ctx, "crawlers", crawlersUsage, crawlerCommands, args)
}

// listCrawlers lists the whole catalogue, keeping each crawler's JSON as the server sent it
// when --json asks for it.
func (c *cli) listCrawlers(ctx context.Context, cl *api.Client) ([]api.Crawler, []json.RawMessage, error) {
	var pages pageItems
	cctx := ctx
	if c.json {
		cctx = pages.capture(ctx)
	}
	all, err := cl.Crawlers.List(cctx)
	if err == nil && pages.err != nil {
		err = fmt.Errorf("a page of crawlers is not JSON: %w", pages.err)
	}
	return all, pages.items, err
}

// resolveCrawler turns a CRAWLER argument into a crawler id: a full id as it is; else,
// from the catalogue, the crawler whose id starts with it, whose slug is it (or starts
// with it), or whose name holds it, when exactly one does.
func (c *cli) resolveCrawler(ctx context.Context, cl *api.Client, arg string) (id string, code int, done bool) {
	id, _, code, done = c.resolveCrawlerSlug(ctx, cl, arg)
	return id, code, done
}

// resolveCrawlerSlug is resolveCrawler that also returns the crawler's slug, when the
// list of crawlers was read to find it ("" for a full id, which is taken as it is).
func (c *cli) resolveCrawlerSlug(ctx context.Context, cl *api.Client, arg string) (id, slug string, code int, done bool) {
	arg = strings.TrimSpace(arg)
	if arg == "" {
		return "", "", c.usageError(c.cmd, "CRAWLER is empty"), true
	}
	if api.ValidHash(arg) {
		return arg, "", 0, false
	}
	all, err := cl.Crawlers.List(ctx)
	if err != nil {
		return "", "", c.fail(ctx, err), true
	}
	lower := strings.ToLower(arg)
	for _, match := range []func(api.Crawler) bool{
		func(cr api.Crawler) bool { return strings.EqualFold(cr.Slug, arg) },
		func(cr api.Crawler) bool { return strings.EqualFold(cr.Name, arg) },
		func(cr api.Crawler) bool { return strings.HasPrefix(cr.Id, lower) },
		func(cr api.Crawler) bool { return strings.HasPrefix(strings.ToLower(cr.Slug), lower) },
		func(cr api.Crawler) bool { return strings.Contains(strings.ToLower(cr.Name), lower) },
	} {
		var found []api.Crawler
		for _, cr := range all {
			if match(cr) {
				found = append(found, cr)
			}
		}
		switch {
		case len(found) == 1:
			return found[0].Id, found[0].Slug, 0, false
		case len(found) > 1:
			names := make([]string, 0, 3)
			for _, cr := range found[:min(3, len(found))] {
				names = append(names, cr.Slug)
			}
			more := ""
			if len(found) > 3 {
				more = fmt.Sprintf(" and %d more", len(found)-3)
			}
			return "", "", c.usageError(c.cmd, fmt.Sprintf("CRAWLER %q is ambiguous: %s%s; give more of it", truncate(arg, 40), strings.Join(names, ", "), more)), true
		}
	}
	return "", "", c.usageError(c.cmd, fmt.Sprintf("CRAWLER %q matches no crawler of the %d listed (see 'lobstr crawlers search')", truncate(arg, 40), len(all))), true
}

// documented is the catalogue's entry of a crawler (lobstr's docs, package catalog), by
// its id, else by its slug; nil when the docs do not describe it.
func documented(id, slug string) *catalog.Crawler {
	if cr := catalog.ByID(id); cr != nil {
		return cr
	}
	if slug != "" {
		return catalog.BySlug(strings.ToLower(slug))
	}
	return nil
}

// -- ls and search ------------------------------------------------------------------------

const crawlersListUsage = `Usage: lobstr crawlers ls

List every crawler of the catalogue (List Crawlers, every page): a table of
ID, SLUG, NAME, CREDITS (per row), CONC (max concurrency), ACCOUNT (the
account type it needs) and STATUS; the count on stderr. With --json, one JSON
array of the crawlers, each as the server sent it.

Example:
  lobstr crawlers ls
`

const crawlersSearchUsage = `Usage: lobstr crawlers search KEYWORD

List the crawlers whose name or slug holds KEYWORD, compared
case-insensitively, in the table of 'lobstr crawlers ls'. With --json, a JSON
array of those crawlers, each as the server sent it.

Example:
  lobstr crawlers search "google maps"
`

// crawlerColumns are the columns of a table of crawlers. On a narrow terminal NAME gives
// up width first, then STATUS, ACCOUNT, CONC and CREDITS go, then NAME shrinks and goes,
// then SLUG shrinks. ID never shrinks.
var crawlerColumns = []column{{"ID", cutNever}, {"SLUG", cutEnd}, {"NAME", cutEnd}, {"CREDITS", cutDrop},
	{"CONC", cutDrop}, {"ACCOUNT", cutDrop}, {"STATUS", cutDrop}}

var crawlerShrink = []shrink{{2, 20}, {6, 0}, {5, 0}, {4, 0}, {3, 0}, {2, 10}, {2, -1}, {1, 6}}

func (c *cli) crawlersList(ctx context.Context, args []string) int {
	return c.crawlerTable(ctx, args, crawlersListUsage, 0)
}

func (c *cli) crawlersSearch(ctx context.Context, args []string) int {
	return c.crawlerTable(ctx, args, crawlersSearchUsage, 1)
}

// crawlerTable is ls (nargs 0) and search (nargs 1, the keyword).
func (c *cli) crawlerTable(ctx context.Context, args []string, usage string, nargs int) int {
	fs := c.flagSet("lobstr " + c.cmd)
	rest, code, done := c.parseCommand(fs, args, usage, nargs, nargs)
	if done {
		return code
	}
	keyword := ""
	if nargs == 1 {
		keyword = strings.ToLower(strings.TrimSpace(rest[0]))
		if keyword == "" {
			return c.usageError(c.cmd, "KEYWORD is empty")
		}
	}
	cl, code, done := c.client()
	if done {
		return code
	}
	all, raw, err := c.listCrawlers(ctx, cl)
	if err != nil {
		return c.fail(ctx, err)
	}
	t := newTable(crawlerColumns, crawlerShrink...)
	var items []json.RawMessage
	for i, cr := range all {
		if keyword != "" && !strings.Contains(strings.ToLower(cr.Name), keyword) && !strings.Contains(strings.ToLower(cr.Slug), keyword) {
			continue
		}
		if i < len(raw) {
			items = append(items, raw[i])
		}
		account := "-"
		if cr.Account != nil {
			account = cr.Account.Type
		}
		t.add(cr.Id, cr.Slug, cr.Name, credits(cr.CreditsPerRow), fmt.Sprint(cr.MaxConcurrency), account, crawlerStatus(cr))
	}
	if c.json {
		if items == nil {
			items = []json.RawMessage{}
		}
		return c.printJSON(jsonArray(items))
	}
	if len(t.rows) > 0 {
		t.render(c.stdout, c.out)
	}
	if !c.quiet {
		if keyword != "" {
			fmt.Fprintf(c.stderr, "%s of %d match %q\n", plural(len(t.rows), "crawler"), len(all), clean(rest[0]))
		} else {
			fmt.Fprintln(c.stderr, plural(len(t.rows), "crawler"))
		}
	}
	return exitOK
}

// credits prints a price in credits: today's price, or the text sent when it is unreadable.
func credits(cr types.Credits) string {
	p, err := cr.Current()
	if err != nil {
		return clean(cr.String())
	}
	return number(p)
}

// crawlerStatus says whether a crawler can be used: ok, premium, issues or unavailable.
func crawlerStatus(cr api.Crawler) string {
	switch {
	case cr.HasIssues:
		return "issues"
	case !cr.IsAvailable:
		return "unavailable"
	case cr.IsPremium:
		return "premium"
	}
	return "ok"
}

// -- show ---------------------------------------------------------------------------------

const crawlersShowUsage = `Usage: lobstr crawlers show CRAWLER

Show a crawler (Get Crawler Details): id, slug, name, status, description,
prices, limits, the account it needs and its result columns, then what it
takes, as 'lobstr crawlers params' shows it: the task keys, the squid's
settings (type, default, allowed values) and the paid functions. What the API
answers comes first; lobstr's documentation (the catalogue built into lobstr)
fills in the descriptions, allowed values and defaults the answer lacks. On a
terminal long lines wrap; nothing is cut. With --json, print the API's answer
as the server sent it.

Example:
  lobstr crawlers show google-maps-leads-scraper
`

// crawlerRef is the crawler a command's CRAWLER argument named, and the client that found it.
type crawlerRef struct {
	cl *api.Client
	id string
	// slug is the crawler's slug when the list of crawlers was read to find it ("" for a
	// full id, which is taken as it is).
	slug string
}

// crawlerCall starts a command on one CRAWLER (show, params, attrs): it parses the flags,
// finds the crawler and asks the API with get. done is true when the command is over: bad
// usage, a failure, or --json, which printed the API's answer as the server sent it.
func crawlerCall[T any](c *cli, ctx context.Context, args []string, name, usage string,
	get func(ctx context.Context, cl *api.Client, id string) (T, error)) (ref crawlerRef, answer T, code int, done bool) {
	fs := c.flagSet("lobstr crawlers " + name)
	rest, code, done := c.parseCommand(fs, args, usage, 1, 1)
	if done {
		return ref, answer, code, true
	}
	if ref.cl, code, done = c.client(); done {
		return ref, answer, code, true
	}
	if ref.id, ref.slug, code, done = c.resolveCrawlerSlug(ctx, ref.cl, rest[0]); done {
		return ref, answer, code, true
	}
	cctx, raw := capture(ctx)
	answer, err := get(cctx, ref.cl, ref.id)
	if err != nil {
		return ref, answer, c.fail(ctx, err), true
	}
	if c.json {
		return ref, answer, c.printJSON(raw.last()), true
	}
	return ref, answer, exitOK, false
}

func (c *cli) crawlersShow(ctx context.Context, args []string) int {
	_, cr, code, done := crawlerCall(c, ctx, args, "show", crawlersShowUsage, func(ctx context.Context, cl *api.Client, id string) (*api.Crawler, error) {
		return cl.Crawlers.Get(ctx, id)
	})
	if done {
		return code
	}
	doc := documented(cr.Id, cr.Slug)
	var v wrapView
	v.id("id", cr.Id)
	v.add("slug", cr.Slug)
	v.add("name", cr.Name)
	v.add("status", crawlerStatus(*cr))
	switch {
	case cr.Description != nil && *cr.Description != "":
		v.add("description", *cr.Description)
	case doc != nil && doc.Description != "":
		v.add("description", doc.Description)
	}
	v.add("credits/row", credits(cr.CreditsPerRow))
	if cr.CreditsPerEmail != nil {
		v.add("credits/email", credits(*cr.CreditsPerEmail))
	}
	v.add("max concurrency", fmt.Sprint(cr.MaxConcurrency))
	v.add("account", accountText(true, cr.Account, doc))
	columns := cr.Result
	if len(columns) == 0 && doc != nil {
		for _, col := range doc.Columns {
			columns = append(columns, col.Name)
		}
	}
	if len(columns) > 0 {
		v.add("columns", fmt.Sprintf("%d: %s", len(columns), strings.Join(columns, ", ")))
	}
	for i, ch := range cr.Chains {
		key := ""
		if i == 0 {
			key = "chains to"
		}
		title := ch.TargetModuleId
		if ch.Title != nil {
			title = *ch.Title + " (" + ch.TargetModuleId + ")"
		}
		v.add(key, title)
	}
	v.render(c.stdout, c.out.width)
	fmt.Fprintln(c.stdout)
	in := inputsFromDetails(cr.Input, doc)
	in.render(c.stdout, c.out.width)
	return exitOK
}

// accountText says which account a crawler needs: the API's answer when answered (a nil
// account: none), else the catalogue's.
func accountText(answered bool, a *api.CrawlerAccount, doc *catalog.Crawler) string {
	var typ, base string
	var cookies []string
	switch {
	case answered && a == nil && doc != nil && doc.Account != nil:
		return "none needed, the API says; lobstr's documentation says " + doc.Account.Type
	case answered && a == nil:
		return "none needed"
	case a != nil:
		typ, base = a.Type, a.Baseurl
		for _, ck := range a.Cookies {
			cookies = append(cookies, cookieText(ck.Name, ck.Required))
		}
	case doc != nil && doc.Account != nil:
		typ, base = doc.Account.Type, doc.Account.BaseURL
	default:
		return "none needed"
	}
	if doc != nil && doc.Account != nil && doc.Account.Type == typ {
		if base == "" {
			base = doc.Account.BaseURL
		}
		if len(cookies) == 0 {
			for _, ck := range doc.Account.Cookies {
				cookies = append(cookies, cookieText(ck.Name, ck.Required))
			}
		}
	}
	s := typ
	if base != "" {
		s += " (" + base + ")"
	}
	if len(cookies) > 0 {
		s += "; cookies " + strings.Join(cookies, ", ")
	}
	return s + "; link one with 'lobstr accounts sync " + typ + "'"
}

func cookieText(name string, required bool) string {
	if required {
		return name + " (required)"
	}
	return name
}

// -- params -------------------------------------------------------------------------------

const crawlersParamsUsage = `Usage: lobstr crawlers params CRAWLER

Show what a crawler takes (Get Crawler Parameters): the keys of its tasks
('lobstr task add SQUID VALUE --key KEY'; grouped by form when a task takes
one form or another, the required ones marked), its squid's settings ('lobstr
squid update SQUID --param NAME=VALUE': type, default, allowed values), its
paid functions ('--param functions.NAME=true': default, extra credits per row)
and the account it needs. What the API answers comes first; lobstr's
documentation (the catalogue built into lobstr) fills in the descriptions,
allowed values and defaults the answer lacks. On a terminal long lines wrap;
nothing is cut. With --json, print the API's answer as the server sent it.

Example:
  lobstr crawlers params google-maps-leads-scraper
`

func (c *cli) crawlersParams(ctx context.Context, args []string) int {
	ref, p, code, done := crawlerCall(c, ctx, args, "params", crawlersParamsUsage, func(ctx context.Context, cl *api.Client, id string) (*api.CrawlerParams, error) {
		return cl.Crawlers.Params(ctx, id)
	})
	if done {
		return code
	}
	doc := documented(ref.id, ref.slug)
	if doc == nil && ref.slug == "" {
		// A full id the catalogue does not hold: its id may be one the docs do not show.
		if cr, err := ref.cl.Crawlers.Get(ctx, ref.id); err == nil {
			doc = documented(cr.Id, cr.Slug)
		}
	}
	in := inputsFromParams(p, doc)
	if doc != nil {
		in.account = accountText(false, nil, doc)
	}
	in.render(c.stdout, c.out.width)
	return exitOK
}

// -- the inputs of a crawler: the API's answer and the catalogue ---------------------------

// inputItem is one task key or squid setting as shown: the API's answer where it says,
// the catalogue for the rest.
type inputItem struct {
	name, typ, group    string
	required            bool
	def, example, regex string // printed values; "" for none
	max                 string
	allowed             []string
	desc                string
	note                string // where it is missing: the API's answer or the docs
}

// functionItem is one paid function as shown.
type functionItem struct {
	name    string
	def     bool
	credits string // "" when unknown
	desc    string
	note    string
}

// crawlerInputs is what a crawler takes, for show and params.
type crawlerInputs struct {
	tasks, settings []inputItem
	functions       []functionItem
	account         string // "" not to show it
	documented      bool   // the catalogue describes the crawler
}

// Notes on an input known to only one side.
const (
	noteNotAnswered   = "documented, but not in the API's answer"
	noteNotDocumented = "not in lobstr's documentation"
)

// merge orders the API's items and the catalogue's: the catalogue's order first (the
// docs' order), then the API's others in apiOrder; fill completes an item of both.
func mergeInputs(apiOrder []string, api map[string]inputItem, docs []catalog.Input, documented bool) []inputItem {
	var out []inputItem
	seen := map[string]bool{}
	for _, d := range docs {
		seen[d.Name] = true
		item, answered := api[d.Name]
		if !answered {
			item = inputItem{name: d.Name, typ: d.Type, required: d.Required, note: noteNotAnswered}
		}
		if item.typ == "" {
			item.typ = d.Type
		}
		if item.group == "" {
			item.group = d.Group
		}
		if item.def == "" {
			item.def = jsonLiteral(d.Default)
		}
		if len(item.allowed) == 0 {
			for _, a := range d.Allowed {
				item.allowed = append(item.allowed, jsonLiteral(a))
			}
		}
		if item.example == "" {
			item.example = jsonShown(d.Example)
		}
		if item.desc == "" {
			item.desc = d.Description
		}
		out = append(out, item)
	}
	for _, name := range apiOrder {
		if seen[name] {
			continue
		}
		seen[name] = true
		item := api[name]
		if documented {
			item.note = noteNotDocumented
		}
		out = append(out, item)
	}
	return out
}

// mergeFunctions is mergeInputs for functions.
func mergeFunctions(apiOrder []string, api map[string]functionItem, docs []catalog.Function, documented bool) []functionItem {
	var out []functionItem
	seen := map[string]bool{}
	for _, d := range docs {
		seen[d.Name] = true
		item, answered := api[d.Name]
		if !answered {
			item = functionItem{name: d.Name, def: d.Default, note: noteNotAnswered}
		}
		if item.credits == "" && d.Credits != 0 {
			item.credits = number(d.Credits)
		}
		if item.desc == "" {
			item.desc = d.Description
		}
		out = append(out, item)
	}
	for _, name := range apiOrder {
		if !seen[name] {
			seen[name] = true
			item := api[name]
			if documented {
				item.note = noteNotDocumented
			}
			out = append(out, item)
		}
	}
	return out
}

// inputsFromParams merges Get Crawler Parameters with the catalogue.
func inputsFromParams(p *api.CrawlerParams, doc *catalog.Crawler) crawlerInputs {
	in := crawlerInputs{documented: doc != nil}
	var docTasks, docSettings []catalog.Input
	var docFunctions []catalog.Function
	if doc != nil {
		docTasks, docSettings, docFunctions = doc.TaskKeys, doc.Params, doc.Functions
	}
	item := func(name string, q api.CrawlerParam) inputItem {
		it := inputItem{name: name, typ: q.Type, required: q.Required, group: text(q.Group), def: jsonLiteral(q.Default), regex: text(q.Regex)}
		for _, a := range q.Allowed {
			it.allowed = append(it.allowed, jsonLiteral(a))
		}
		return it
	}
	tasks := map[string]inputItem{}
	for name, q := range p.Task {
		tasks[name] = item(name, q)
	}
	in.tasks = mergeInputs(sortedKeys(p.Task), tasks, docTasks, doc != nil)
	settings := map[string]inputItem{}
	for name, q := range p.Squid.AdditionalProperties {
		settings[name] = item(name, q)
	}
	in.settings = mergeInputs(sortedKeys(p.Squid.AdditionalProperties), settings, docSettings, doc != nil)
	functions := map[string]functionItem{}
	for name, f := range p.Squid.Functions {
		functions[name] = functionItem{name: name, def: f.Default, credits: number(f.CreditsPerFunction)}
	}
	in.functions = mergeFunctions(sortedKeys(p.Squid.Functions), functions, docFunctions, doc != nil)
	return in
}

// inputsFromDetails merges the inputs of Get Crawler Details with the catalogue: a
// squid input marked as a function, or that the catalogue lists as one, is a function.
func inputsFromDetails(inputs []api.CrawlerInput, doc *catalog.Crawler) crawlerInputs {
	in := crawlerInputs{documented: doc != nil}
	var docTasks, docSettings []catalog.Input
	var docFunctions []catalog.Function
	if doc != nil {
		docTasks, docSettings, docFunctions = doc.TaskKeys, doc.Params, doc.Functions
	}
	tasks, settings, functions := map[string]inputItem{}, map[string]inputItem{}, map[string]functionItem{}
	var taskOrder, settingOrder, functionOrder []string
	for _, q := range inputs {
		isFunction := q.Function != nil && *q.Function
		if doc != nil && doc.Function(q.Name) != nil && q.Level != "task" {
			isFunction = true
		}
		if isFunction {
			f := functionItem{name: q.Name, desc: q.Description}
			var on bool
			f.def = json.Unmarshal(q.Default, &on) == nil && on
			if q.CreditsPerFunction != nil {
				f.credits = number(*q.CreditsPerFunction)
			}
			if _, dup := functions[q.Name]; !dup {
				functionOrder = append(functionOrder, q.Name)
			}
			functions[q.Name] = f
			continue
		}
		it := inputItem{name: q.Name, typ: q.Type, required: q.Required, def: jsonLiteral(q.Default), example: jsonShown(q.Example),
			regex: text(q.Regex), desc: q.Description}
		if q.Max != nil {
			it.max = number(*q.Max)
		}
		if q.Level == "task" {
			if _, dup := tasks[q.Name]; !dup {
				taskOrder = append(taskOrder, q.Name)
			}
			tasks[q.Name] = it
		} else {
			if _, dup := settings[q.Name]; !dup {
				settingOrder = append(settingOrder, q.Name)
			}
			settings[q.Name] = it
		}
	}
	in.tasks = mergeInputs(taskOrder, tasks, docTasks, doc != nil)
	in.settings = mergeInputs(settingOrder, settings, docSettings, doc != nil)
	in.functions = mergeFunctions(functionOrder, functions, docFunctions, doc != nil)
	return in
}

// render writes the inputs for a terminal of width columns (0: no limit, no wrapping):
// a heading per part, an item per line, its details indented under it.
func (in crawlerInputs) render(w io.Writer, width int) {
	var b wrapWriter
	b.width = width
	if !in.documented {
		b.line(0, 0, "lobstr's documentation does not describe this crawler: the API's answer only.")
	}
	groups := taskGroups(in.tasks)
	forms := 0
	for _, g := range groups {
		if g.name != "" {
			forms++
		}
	}
	switch {
	case len(in.tasks) == 0:
		b.line(0, 0, "Task keys: none")
	case forms > 1:
		b.line(0, 2, fmt.Sprintf("Task keys, of one of %d forms per task (lobstr task add SQUID VALUE --key KEY):", forms))
		for _, g := range groups {
			label := "form " + g.name + ":"
			if g.name == "" {
				label = "with any form:"
			}
			b.line(2, 4, label)
			for _, it := range g.items {
				b.input(4, it, true)
			}
		}
	default:
		b.line(0, 2, "Task keys (lobstr task add SQUID VALUE --key KEY):")
		for _, it := range in.tasks {
			b.input(2, it, true)
		}
	}
	b.blank()
	if len(in.settings) == 0 {
		b.line(0, 0, "Squid settings: none")
	} else {
		b.line(0, 2, "Squid settings (lobstr squid update SQUID --param NAME=VALUE):")
		for _, it := range in.settings {
			b.input(2, it, false)
		}
	}
	b.blank()
	if len(in.functions) == 0 {
		b.line(0, 0, "Functions: none")
	} else {
		b.line(0, 2, "Functions, extra credits per row when on (--param functions.NAME=true):")
		for _, f := range in.functions {
			head := f.name + ": " + map[bool]string{true: "on", false: "off"}[f.def] + " by default"
			switch f.credits {
			case "":
			case "0":
				head += ", no extra credits"
			default:
				head += ", +" + f.credits + " credits/row"
			}
			b.line(2, 6, head)
			b.details(4, f.desc, f.note)
		}
	}
	if in.account != "" {
		b.blank()
		b.line(0, 2, "Account: "+in.account)
	}
	b.flush(w)
}

// taskGroup is the task keys of one form of task.
type taskGroup struct {
	name  string
	items []inputItem
}

// taskGroups splits task keys by group, in the order groups first appear.
func taskGroups(items []inputItem) []taskGroup {
	var out []taskGroup
	at := map[string]int{}
	for _, it := range items {
		i, ok := at[it.group]
		if !ok {
			i = len(out)
			at[it.group] = i
			out = append(out, taskGroup{name: it.group})
		}
		out[i].items = append(out[i].items, it)
	}
	return out
}

// input writes one task key or setting: NAME  TYPE  required  default D, then its
// description, allowed values, bounds, example and note, each indented.
func (b *wrapWriter) input(indent int, it inputItem, task bool) {
	var head []string
	if it.typ != "" {
		head = append(head, it.typ)
	}
	if it.required {
		head = append(head, "required")
	}
	if it.def != "" {
		head = append(head, "default "+it.def)
	}
	b.line(indent, indent+4, it.name+": "+strings.Join(head, ", "))
	d := indent + 2
	b.details(d, it.desc, "")
	if len(it.allowed) > 0 {
		b.line(d, d+2, "allowed: "+strings.Join(it.allowed, ", "))
	}
	if it.max != "" {
		b.line(d, d+2, "at most "+it.max)
	}
	if it.regex != "" {
		b.line(d, d+2, "must match: "+it.regex)
	}
	if it.example != "" && (task || (it.def == "" && len(it.allowed) == 0)) {
		b.line(d, d+2, "e.g. "+it.example)
	}
	b.details(d, "", it.note)
}

// details writes a description and a note, indented.
func (b *wrapWriter) details(indent int, desc, note string) {
	if desc = strings.TrimSpace(desc); desc != "" {
		b.line(indent, indent, desc)
	}
	if note != "" {
		b.line(indent, indent, "("+note+")")
	}
}

// wrapWriter collects lines wrapped to a width (0: no wrapping).
type wrapWriter struct {
	width int
	out   strings.Builder
}

// line writes text, cleaned of control characters, starting indent columns in; its
// continuation lines start hang columns in.
func (b *wrapWriter) line(indent, hang int, text string) {
	for _, l := range wrapText(clean(text), b.width, indent, hang) {
		b.out.WriteString(l)
		b.out.WriteByte('\n')
	}
}

// blank writes an empty line.
func (b *wrapWriter) blank() { b.out.WriteByte('\n') }

func (b *wrapWriter) flush(w io.Writer) { io.WriteString(w, b.out.String()) }

// minWrap is the fewest columns wrapped text is given, however narrow the terminal.
const minWrap = 12

// wrapText breaks text into lines of at most width columns (counted in runes), the first
// indented by indent spaces and the others by hang, at spaces; a word longer than a line
// is split. With width 0 it is one line. Nothing is cut.
func wrapText(text string, width, indent, hang int) []string {
	text = strings.TrimSpace(text)
	if width <= 0 {
		return []string{strings.Repeat(" ", indent) + strings.Join(strings.Fields(text), " ")}
	}
	var lines []string
	pad := indent
	var cur []rune
	room := func() int { return max(width-pad, minWrap) }
	emit := func() {
		lines = append(lines, strings.Repeat(" ", pad)+string(cur))
		cur, pad = cur[:0], hang
	}
	for _, word := range strings.Fields(text) {
		r := []rune(word)
		switch {
		case len(cur) > 0 && len(cur)+1+len(r) <= room():
			cur = append(append(cur, ' '), r...)
			continue
		case len(cur) > 0:
			emit()
		}
		for len(r) > room() {
			cur = append(cur, r[:room()]...)
			r = r[room():]
			emit()
		}
		cur = append(cur, r...)
	}
	if len(cur) > 0 || len(lines) == 0 {
		emit()
	}
	return lines
}

// wrapView is the key/value view of show with values wrapped, not cut: keys in a column,
// a value's continuation lines under its start.
type wrapView struct {
	keys, values []string
	whole        []bool // never wrapped (an id)
}

// add adds a line; an empty key continues the previous key.
func (v *wrapView) add(key, value string) {
	v.keys = append(v.keys, key)
	v.values = append(v.values, value)
	v.whole = append(v.whole, false)
}

// id adds a line whose value is never wrapped.
func (v *wrapView) id(key, value string) {
	v.add(key, value)
	v.whole[len(v.whole)-1] = true
}

func (v *wrapView) render(w io.Writer, width int) {
	keyWidth := 0
	for _, k := range v.keys {
		keyWidth = max(keyWidth, utf8.RuneCountInString(k))
	}
	var b wrapWriter
	b.width = width
	for i, k := range v.keys {
		w := width
		if v.whole[i] {
			w = 0
		}
		lines := wrapText(clean(v.values[i]), w, keyWidth+2, keyWidth+2)
		lines[0] = fmt.Sprintf("%-*s", keyWidth, clean(k)) + lines[0][keyWidth:]
		for _, l := range lines {
			b.out.WriteString(strings.TrimRight(l, " "))
			b.out.WriteByte('\n')
		}
	}
	b.flush(w)
}

// jsonLiteral prints a JSON value on one line, as JSON (a string quoted): "" for none
// or null.
func jsonLiteral(raw json.RawMessage) string {
	s := strings.TrimSpace(string(raw))
	if s == "" || s == "null" {
		return ""
	}
	var buf bytes.Buffer
	if json.Compact(&buf, []byte(s)) != nil {
		return strings.Join(strings.Fields(s), " ")
	}
	return buf.String()
}

// text is *s, or "" for nil.
func text(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

// jsonShown prints a JSON value for a person: "" for none or null, a string without
// quotes ("" quoted when empty), anything else as compact JSON.
func jsonShown(raw json.RawMessage) string {
	s := strings.TrimSpace(string(raw))
	if s == "" || s == "null" {
		return ""
	}
	if s == `""` {
		return s
	}
	return jsonValue(raw)
}

// sortedKeys returns the keys of m, sorted.
func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// jsonText prints a JSON value on one line: "-" for none or null, a string without quotes.
func jsonText(raw json.RawMessage) string {
	s := strings.TrimSpace(string(raw))
	if s == "" || s == "null" {
		return "-"
	}
	return jsonValue(raw)
}

// jsonValue prints a JSON value on one line, a string without its quotes.
func jsonValue(raw json.RawMessage) string {
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return s
	}
	return strings.Join(strings.Fields(string(raw)), " ")
}

// -- attrs --------------------------------------------------------------------------------

const crawlersAttrsUsage = `Usage: lobstr crawlers attrs CRAWLER

Show the columns of a crawler's results (Get Crawler Attributes): NAME, TYPE,
MAIN (always there, or only with its function on), FUNCTION (what produces
it), DESCRIPTION and EXAMPLE. With --json, print the API's answer as the
server sent it.

Example:
  lobstr crawlers attrs google-maps-leads-scraper
`

func (c *cli) crawlersAttrs(ctx context.Context, args []string) int {
	_, attrs, code, done := crawlerCall(c, ctx, args, "attrs", crawlersAttrsUsage, func(ctx context.Context, cl *api.Client, id string) ([]api.CrawlerAttribute, error) {
		return cl.Crawlers.Attributes(ctx, id)
	})
	if done {
		return code
	}
	if len(attrs) == 0 {
		c.notice("the crawler describes no columns")
		return exitOK
	}
	t := newTable([]column{{"NAME", cutNever}, {"TYPE", cutDrop}, {"MAIN", cutDrop}, {"FUNCTION", cutEnd}, {"DESCRIPTION", cutEnd}, {"EXAMPLE", cutEnd}},
		shrink{4, 24}, shrink{5, 12}, shrink{3, 12}, shrink{2, 0}, shrink{1, 0}, shrink{5, -1}, shrink{4, -1}, shrink{3, 8})
	for _, a := range attrs {
		t.add(a.Name, a.Type, yesNo(a.IsMain), a.Function, a.Description, jsonText(a.Example))
	}
	t.render(c.stdout, c.out)
	return exitOK
}
