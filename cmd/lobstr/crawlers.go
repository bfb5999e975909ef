package main

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"strings"

	"github.com/lobstr-go/lobstr/api"
	"github.com/lobstr-go/lobstr/types"
)

var crawlerCommands = map[string]subcommand{}

func init() {
	for _, cmd := range []subcommand{
		{"ls", (*cli).crawlersList},
		{"show", (*cli).crawlersShow},
		{"search", (*cli).crawlersSearch},
		{"params", (*cli).crawlersParams},
		{"attrs", (*cli).crawlersAttrs},
	} {
		crawlerCommands[cmd.name] = cmd
	}
	crawlerCommands["list"] = crawlerCommands["ls"]
	crawlerCommands["get"] = crawlerCommands["show"]
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
	arg = strings.TrimSpace(arg)
	if arg == "" {
		return "", c.usageError(c.cmd, "CRAWLER is empty"), true
	}
	if api.ValidHash(arg) {
		return arg, 0, false
	}
	all, err := cl.Crawlers.List(ctx)
	if err != nil {
		return "", c.fail(ctx, err), true
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
			return found[0].Id, 0, false
		case len(found) > 1:
			names := make([]string, 0, 3)
			for _, cr := range found[:min(3, len(found))] {
				names = append(names, cr.Slug)
			}
			more := ""
			if len(found) > 3 {
				more = fmt.Sprintf(" and %d more", len(found)-3)
			}
			return "", c.usageError(c.cmd, fmt.Sprintf("CRAWLER %q is ambiguous: %s%s; give more of it", truncate(arg, 40), strings.Join(names, ", "), more)), true
		}
	}
	return "", c.usageError(c.cmd, fmt.Sprintf("CRAWLER %q matches no crawler of the %d listed (see 'lobstr crawlers search')", truncate(arg, 40), len(all))), true
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
prices, limits, the account it needs, its inputs and its result columns. With
--json, print the API's answer as the server sent it.

Example:
  lobstr crawlers show google-maps-leads-scraper
`

func (c *cli) crawlersShow(ctx context.Context, args []string) int {
	fs := c.flagSet("lobstr crawlers show")
	rest, code, done := c.parseCommand(fs, args, crawlersShowUsage, 1, 1)
	if done {
		return code
	}
	cl, code, done := c.client()
	if done {
		return code
	}
	id, code, done := c.resolveCrawler(ctx, cl, rest[0])
	if done {
		return code
	}
	cctx, raw := capture(ctx)
	cr, err := cl.Crawlers.Get(cctx, id)
	if err != nil {
		return c.fail(ctx, err)
	}
	if c.json {
		return c.printJSON(raw.last())
	}
	var v kvView
	v.id("id", cr.Id)
	v.add("slug", cr.Slug)
	v.add("name", cr.Name)
	v.add("status", crawlerStatus(*cr))
	if cr.Description != nil && *cr.Description != "" {
		v.add("description", *cr.Description)
	}
	v.add("credits/row", credits(cr.CreditsPerRow))
	if cr.CreditsPerEmail != nil {
		v.add("credits/email", credits(*cr.CreditsPerEmail))
	}
	v.add("max concurrency", fmt.Sprint(cr.MaxConcurrency))
	if cr.Account != nil {
		v.add("account", cr.Account.Type+" ("+cr.Account.Baseurl+")")
	} else {
		v.add("account", "none needed")
	}
	for i, in := range cr.Input {
		key := ""
		if i == 0 {
			key = "inputs"
		}
		line := in.Name + " (" + in.Level + ", " + in.Type
		if in.Required {
			line += ", required"
		}
		line += ")"
		if d := strings.TrimSpace(string(in.Default)); d != "" && d != "null" {
			line += " default " + d
		}
		v.add(key, line)
	}
	if len(cr.Result) > 0 {
		v.add("columns", strings.Join(cr.Result, ", "))
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
	v.render(c.stdout, c.out, false)
	return exitOK
}

// -- params -------------------------------------------------------------------------------

const crawlersParamsUsage = `Usage: lobstr crawlers params CRAWLER

Show what a crawler takes (Get Crawler Parameters): the parameters of each
task (the keys of 'lobstr task add --key'), the squid's settings (set with
'lobstr squid update --param KEY=VALUE', with their allowed values) and the
paid functions (--param functions.NAME=true), as three tables. With --json,
print the API's answer as the server sent it.

Example:
  lobstr crawlers params google-maps-leads-scraper
`

func (c *cli) crawlersParams(ctx context.Context, args []string) int {
	fs := c.flagSet("lobstr crawlers params")
	rest, code, done := c.parseCommand(fs, args, crawlersParamsUsage, 1, 1)
	if done {
		return code
	}
	cl, code, done := c.client()
	if done {
		return code
	}
	id, code, done := c.resolveCrawler(ctx, cl, rest[0])
	if done {
		return code
	}
	cctx, raw := capture(ctx)
	p, err := cl.Crawlers.Params(cctx, id)
	if err != nil {
		return c.fail(ctx, err)
	}
	if c.json {
		return c.printJSON(raw.last())
	}
	fmt.Fprintln(c.stdout, "Task parameters:")
	t := newTable([]column{{"NAME", cutNever}, {"TYPE", cutDrop}, {"REQUIRED", cutDrop}, {"GROUP", cutDrop}, {"DEFAULT", cutEnd}},
		shrink{4, 8}, shrink{3, 0}, shrink{1, 0}, shrink{4, 0})
	for _, name := range sortedKeys(p.Task) {
		q := p.Task[name]
		t.add(name, q.Type, yesNo(q.Required), deref(q.Group), jsonText(q.Default))
	}
	t.render(c.stdout, c.out)
	fmt.Fprintln(c.stdout, "\nSquid settings:")
	t = newTable([]column{{"NAME", cutNever}, {"TYPE", cutDrop}, {"REQUIRED", cutDrop}, {"DEFAULT", cutEnd}, {"ALLOWED", cutEnd}},
		shrink{4, 20}, shrink{2, 0}, shrink{1, 0}, shrink{3, 8}, shrink{4, 8})
	for _, name := range sortedKeys(p.Squid.AdditionalProperties) {
		q := p.Squid.AdditionalProperties[name]
		allowed := make([]string, len(q.Allowed))
		for i, a := range q.Allowed {
			allowed[i] = jsonValue(a)
		}
		t.add(name, q.Type, yesNo(q.Required), jsonText(q.Default), strings.Join(allowed, ", "))
	}
	t.render(c.stdout, c.out)
	if len(p.Squid.Functions) > 0 {
		fmt.Fprintln(c.stdout, "\nFunctions (paid, per row):")
		t = newTable([]column{{"NAME", cutNever}, {"CREDITS", cutDrop}, {"DEFAULT", cutDrop}}, shrink{2, 0}, shrink{1, 0})
		for _, name := range sortedKeys(p.Squid.Functions) {
			f := p.Squid.Functions[name]
			t.add(name, number(f.CreditsPerFunction), yesNo(f.Default))
		}
		t.render(c.stdout, c.out)
	}
	return exitOK
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
	fs := c.flagSet("lobstr crawlers attrs")
	rest, code, done := c.parseCommand(fs, args, crawlersAttrsUsage, 1, 1)
	if done {
		return code
	}
	cl, code, done := c.client()
	if done {
		return code
	}
	id, code, done := c.resolveCrawler(ctx, cl, rest[0])
	if done {
		return code
	}
	cctx, raw := capture(ctx)
	attrs, err := cl.Crawlers.Attributes(cctx, id)
	if err != nil {
		return c.fail(ctx, err)
	}
	if c.json {
		return c.printJSON(raw.last())
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
