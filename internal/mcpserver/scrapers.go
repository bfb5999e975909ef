package mcpserver

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/lobstr-go/lobstr/api"
	"github.com/lobstr-go/lobstr/catalog"
	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// The levels of a crawler's inputs.
const (
	levelTask     = "task"
	levelSquid    = "squid"
	levelFunction = "function"
)

// squidAliasPrefix prefixes a squid setting named as a task key, so both can be published.
const squidAliasPrefix = "squid_"

// findCrawler finds a crawler of the catalogue by slug, id or name (any case).
func findCrawler(ref string) (*catalog.Crawler, error) {
	r := strings.TrimSpace(ref)
	if r == "" {
		return nil, badArg("scraper is empty: give a crawler's slug (such as google-maps-leads-scraper), id or name; search_scrapers finds them")
	}
	for _, c := range catalog.All() {
		if strings.EqualFold(c.Slug, r) || strings.EqualFold(c.ID, r) || strings.EqualFold(c.Name, r) {
			return c, nil
		}
	}
	return nil, badArg("no crawler %q in the catalogue: call search_scrapers with a few words of what to scrape, then use a slug it returns", ref)
}

// crawlerByID finds a crawler of the catalogue by id; nil when it has none.
func crawlerByID(id string) *catalog.Crawler {
	for _, c := range catalog.All() {
		if c.ID == id {
			return c
		}
	}
	return nil
}

// ScraperSummary is a crawler as search_scrapers lists it.
type ScraperSummary struct {
	Slug                string  `json:"slug" jsonschema:"the crawler's slug: pass it as scraper to get_scraper_details, create_squid or run_scraper"`
	ID                  string  `json:"id" jsonschema:"the crawler's id"`
	Name                string  `json:"name"`
	Platform            string  `json:"platform,omitempty"`
	Description         string  `json:"description,omitempty"`
	CreditsPerRow       float64 `json:"credits_per_row" jsonschema:"the price of one result row, in credits, before functions"`
	RequiredAccountType string  `json:"required_account_type,omitempty" jsonschema:"the platform account a squid needs attached; absent when none"`
}

func summarize(c *catalog.Crawler, full bool) ScraperSummary {
	s := ScraperSummary{Slug: c.Slug, ID: c.ID, Name: c.Name, Platform: c.Platform, CreditsPerRow: c.CreditsPerRow}
	if full || len(c.Description) <= 200 {
		s.Description = c.Description
	} else {
		s.Description = c.Description[:200] + "…"
	}
	if c.Account != nil {
		s.RequiredAccountType = c.Account.Type
	}
	return s
}

// SearchScrapersIn are search_scrapers' arguments.
type SearchScrapersIn struct {
	Query string `json:"query,omitempty" jsonschema:"words to find in a crawler's name, description or slug, such as 'google maps' or 'linkedin profile'; every word must match"`
	Full  bool   `json:"full,omitempty" jsonschema:"true: return the whole catalogue, query ignored"`
	Toon  bool   `json:"toon,omitempty" jsonschema:"accepted for compatibility with lobstr's hosted server; answers are always JSON"`
}

// Similar is a partial match of search_scrapers.
type Similar struct {
	ScraperSummary
	Matched []string `json:"matched" jsonschema:"the query's words it matches"`
	Missing []string `json:"missing" jsonschema:"the query's words it does not"`
}

// SearchScrapersOut is search_scrapers' answer.
type SearchScrapersOut struct {
	Results []ScraperSummary `json:"results" jsonschema:"the crawlers matching every word"`
	Similar []Similar        `json:"similar,omitempty" jsonschema:"when results is empty: up to 5 partial matches; an empty results does not mean no crawler fits"`
	Total   int              `json:"total" jsonschema:"how many crawlers the catalogue holds"`
	Next    string           `json:"next"`
}

// GetScraperDetailsIn are get_scraper_details' arguments.
type GetScraperDetailsIn struct {
	Scraper string `json:"scraper" jsonschema:"the crawler's slug, id or name (from search_scrapers)"`
	Full    bool   `json:"full,omitempty" jsonschema:"true: every column's description and example, and the docs' example requests"`
}

// InputDetail is one input of a crawler.
type InputDetail struct {
	Name        string `json:"name" jsonschema:"the name to use in run_scraper's input, create_squid's config or add_tasks"`
	Level       string `json:"level" jsonschema:"task (one per row: add_tasks or run_scraper's input), squid (create_squid's config) or function (config.functions)"`
	Type        string `json:"type,omitempty"`
	Required    bool   `json:"required,omitempty"`
	Group       string `json:"group,omitempty" jsonschema:"task keys only: a task takes the keys of one group (such as url) or of another (such as location)"`
	Default     any    `json:"default,omitempty"`
	Allowed     []any  `json:"allowed,omitempty" jsonschema:"the only values allowed, when set"`
	Example     any    `json:"example,omitempty"`
	Credits     any    `json:"credits_per_row,omitempty" jsonschema:"functions: the extra credits per row when switched on"`
	Description string `json:"description,omitempty"`
}

// ColumnDetail is one column of a crawler's results.
type ColumnDetail struct {
	Name        string `json:"name"`
	Type        string `json:"type"`
	Description string `json:"description,omitempty"`
	Example     any    `json:"example,omitempty"`
}

// ScraperDetails is get_scraper_details' answer.
type ScraperDetails struct {
	ScraperSummary
	MaxConcurrency      int               `json:"max_concurrency"`
	CreditsDocumented   bool              `json:"credits_documented" jsonschema:"false: lobstr's docs give no price and credits_per_row is the default, 1"`
	RequiredAccountType *string           `json:"required_account_type" jsonschema:"null when no platform account is needed, else the account type a squid needs attached before a run can succeed"`
	Inputs              []InputDetail     `json:"inputs"`
	ParamLevels         map[string]string `json:"param_levels" jsonschema:"each input's level by name: task, squid or function"`
	ParamWireNames      map[string]string `json:"param_wire_names,omitempty" jsonschema:"aliases of squid settings named as a task key, to the API's own name"`
	Columns             []ColumnDetail    `json:"columns" jsonschema:"the columns of a result row"`
	Examples            any               `json:"examples,omitempty"`
	Next                string            `json:"next"`
}

func rawToAny(r json.RawMessage) any {
	if len(r) == 0 {
		return nil
	}
	var v any
	if json.Unmarshal(r, &v) != nil {
		return string(r)
	}
	return v
}

// details builds a crawler's details from the catalogue.
func details(c *catalog.Crawler, full bool) ScraperDetails {
	d := ScraperDetails{
		ScraperSummary:    summarize(c, true),
		MaxConcurrency:    c.MaxConcurrency,
		CreditsDocumented: c.CreditsDocumented,
		Inputs:            []InputDetail{},
		ParamLevels:       map[string]string{},
		Columns:           []ColumnDetail{},
	}
	if c.Account != nil {
		d.RequiredAccountType = &c.Account.Type
	}
	add := func(in catalog.Input, level string) {
		name := in.Name
		if _, taken := d.ParamLevels[name]; taken {
			name = squidAliasPrefix + in.Name
			if d.ParamWireNames == nil {
				d.ParamWireNames = map[string]string{}
			}
			d.ParamWireNames[name] = in.Name
		}
		x := InputDetail{Name: name, Level: level, Type: in.Type, Required: in.Required, Group: in.Group,
			Default: rawToAny(in.Default), Example: rawToAny(in.Example), Description: in.Description}
		for _, a := range in.Allowed {
			x.Allowed = append(x.Allowed, rawToAny(a))
		}
		d.ParamLevels[name] = level
		d.Inputs = append(d.Inputs, x)
	}
	for _, in := range c.TaskKeys {
		add(in, levelTask)
	}
	for _, in := range c.Params {
		add(in, levelSquid)
	}
	for _, f := range c.Functions {
		x := InputDetail{Name: f.Name, Level: levelFunction, Type: catalog.TypeBoolean, Default: f.Default, Description: f.Description}
		if f.Credits != 0 {
			x.Credits = f.Credits
		}
		d.ParamLevels[f.Name] = levelFunction
		d.Inputs = append(d.Inputs, x)
	}
	for _, col := range c.Columns {
		cd := ColumnDetail{Name: col.Name, Type: col.Type}
		if full {
			cd.Description, cd.Example = col.Description, rawToAny(col.Example)
		}
		d.Columns = append(d.Columns, cd)
	}
	if full {
		d.Examples = map[string]any{"add_tasks": rawList(c.Examples.AddTasks), "update_squid": rawList(c.Examples.UpdateSquid)}
	}
	d.Next = "run_scraper with scraper=" + c.Slug + " and input holding one task's keys (level task) and any squid settings; " +
		"functions go under input.functions. Or create_squid, add_tasks, then run_scraper with squid_id."
	return d
}

// capDetails keeps a full=true answer under twice the get_results cap: the docs' example
// requests go first, then the columns' examples, and Next says so.
func (s *server) capDetails(d ScraperDetails) ScraperDetails {
	size := func() int { b, _ := json.Marshal(d); return len(b) }
	limit := 2 * s.opts.MaxAnswerBytes
	if size() <= limit {
		return d
	}
	var left []string
	if d.Examples != nil {
		d.Examples, left = nil, append(left, "the docs' example requests")
	}
	if size() > limit {
		for i := range d.Columns {
			d.Columns[i].Example = nil
		}
		left = append(left, "the columns' examples")
	}
	d.Next = fmt.Sprintf("left out to stay under %d bytes: %s. ", limit, strings.Join(left, " and ")) + d.Next
	return d
}

func rawList(rs []json.RawMessage) []any {
	out := []any{}
	for _, r := range rs {
		out = append(out, rawToAny(r))
	}
	return out
}

func (s *server) addDiscoveryTools(srv *mcp.Server) {
	addTool(s, srv, "search_scrapers",
		"Find lobstr crawlers (scraper templates) matching every word of query in their name, description or slug. "+
			"When results is empty, up to 5 similar partial matches are given with the words they match and miss. "+
			"full=true lists the whole catalogue. Reads the built-in catalogue: costs nothing.",
		func(_ context.Context, in SearchScrapersIn) (SearchScrapersOut, error) {
			return searchScrapers(in)
		})
	addTool(s, srv, "get_scraper_details",
		"A crawler's inputs, output columns and price: read it before run_scraper. Each input has a level: "+
			"task (one per task row: add_tasks or run_scraper's input), squid (create_squid's config) or function "+
			"(under config.functions, never flat). required_account_type is null when no platform account is needed.",
		func(_ context.Context, in GetScraperDetailsIn) (ScraperDetails, error) {
			c, err := findCrawler(in.Scraper)
			if err != nil {
				return ScraperDetails{}, err
			}
			return s.capDetails(details(c, in.Full)), nil
		})
	addTool(s, srv, "list_my_scrapers",
		"The user's saved squids (configured crawlers), a page at a time, optionally filtered by name or crawler.",
		s.listMyScrapers)
	addTool(s, srv, "get_my_scraper",
		"One saved squid's whole configuration: crawler, settings, concurrency, accounts, last run.",
		s.getMyScraper)
}

func searchScrapers(in SearchScrapersIn) (SearchScrapersOut, error) {
	all := catalog.All()
	out := SearchScrapersOut{Results: []ScraperSummary{}, Total: len(all)}
	if in.Full {
		for _, c := range all {
			out.Results = append(out.Results, summarize(c, false))
		}
		out.Next = "get_scraper_details with a slug"
		return out, nil
	}
	words := strings.Fields(strings.ToLower(in.Query))
	if len(words) == 0 {
		return out, badArg("query is empty: give words of what to scrape (such as 'google maps reviews'), or full=true for the whole catalogue")
	}
	type scored struct {
		c                *catalog.Crawler
		matched, missing []string
	}
	var partial []scored
	for _, c := range all {
		hay := strings.ToLower(c.Slug + " " + c.Name + " " + c.Platform + " " + c.Description)
		var m, miss []string
		for _, w := range words {
			if strings.Contains(hay, w) {
				m = append(m, w)
			} else {
				miss = append(miss, w)
			}
		}
		switch {
		case len(miss) == 0:
			out.Results = append(out.Results, summarize(c, false))
		case len(m) > 0:
			partial = append(partial, scored{c, m, miss})
		}
	}
	if len(out.Results) > 0 {
		out.Next = "get_scraper_details with the slug of the crawler that fits"
		return out, nil
	}
	sort.SliceStable(partial, func(i, j int) bool { return len(partial[i].matched) > len(partial[j].matched) })
	for _, p := range partial[:min(5, len(partial))] {
		out.Similar = append(out.Similar, Similar{ScraperSummary: summarize(p.c, false), Matched: p.matched, Missing: p.missing})
	}
	if len(out.Similar) > 0 {
		out.Next = "no crawler matches every word; the similar ones may fit: get_scraper_details with a slug, or search again with other words"
	} else {
		out.Next = "nothing matches; search again with fewer or other words (a platform such as google, linkedin, instagram), or full=true"
	}
	return out, nil
}

// SquidSummary is a squid as list_my_scrapers lists it.
type SquidSummary struct {
	ID            string `json:"id" jsonschema:"the squid's id: pass it as squid_id"`
	Name          string `json:"name"`
	Crawler       string `json:"crawler" jsonschema:"its crawler's id"`
	CrawlerSlug   string `json:"crawler_slug,omitempty"`
	CrawlerName   string `json:"crawler_name,omitempty"`
	IsActive      bool   `json:"is_active"`
	IsReady       bool   `json:"is_ready" jsonschema:"false until its settings were saved once: it cannot run before"`
	Concurrency   int    `json:"concurrency"`
	LastRunStatus string `json:"last_run_status,omitempty"`
}

// ListMyScrapersIn are list_my_scrapers' arguments.
type ListMyScrapersIn struct {
	Name     string `json:"name,omitempty" jsonschema:"only the squids whose name contains it"`
	Crawler  string `json:"crawler,omitempty" jsonschema:"only the squids of this crawler (slug, id or name)"`
	Page     int    `json:"page,omitempty" jsonschema:"the page, from 1"`
	PageSize int    `json:"page_size,omitempty" jsonschema:"squids a page, 1 to 100 (default 50)"`
	Toon     bool   `json:"toon,omitempty" jsonschema:"accepted for compatibility; answers are always JSON"`
}

// ListMyScrapersOut is list_my_scrapers' answer.
type ListMyScrapersOut struct {
	Squids     []SquidSummary `json:"squids"`
	Page       int            `json:"page"`
	TotalPages int            `json:"total_pages"`
	Total      int            `json:"total" jsonschema:"the squids of every page, before the crawler filter"`
	Next       string         `json:"next,omitempty"`
}

func checkPage(page, size, def int) (int, int, error) {
	if page < 0 {
		return 0, 0, badArg("page %d: pages count from 1", page)
	}
	if page == 0 {
		page = 1
	}
	if size == 0 {
		size = def
	}
	if size < 1 || size > api.MaxPageSize {
		return 0, 0, badArg("page_size %d: give 1 to %d", size, api.MaxPageSize)
	}
	return page, size, nil
}

func squidSummary(q api.Squid) SquidSummary {
	s := SquidSummary{ID: q.Id, Name: q.Name, Crawler: q.Crawler, CrawlerName: q.CrawlerName, IsActive: q.IsActive, IsReady: q.IsReady, Concurrency: q.Concurrency}
	if c := crawlerByID(q.Crawler); c != nil {
		s.CrawlerSlug = c.Slug
	}
	if q.LastRunStatus != nil {
		s.LastRunStatus = *q.LastRunStatus
	}
	return s
}

func (s *server) listMyScrapers(ctx context.Context, in ListMyScrapersIn) (ListMyScrapersOut, error) {
	page, size, err := checkPage(in.Page, in.PageSize, 50)
	if err != nil {
		return ListMyScrapersOut{}, err
	}
	var crawlerID string
	if in.Crawler != "" {
		c, err := findCrawler(in.Crawler)
		if err != nil {
			return ListMyScrapersOut{}, err
		}
		crawlerID = c.ID
	}
	p, err := s.c.Squids.List(ctx, api.ListSquidsOptions{Name: in.Name, Page: page, Limit: size})
	if err != nil {
		return ListMyScrapersOut{}, toolError(err, "check page and page_size, then call again")
	}
	out := ListMyScrapersOut{Squids: []SquidSummary{}, Page: p.Page, TotalPages: p.TotalPages, Total: p.TotalResults}
	for _, q := range p.Data {
		if crawlerID == "" || q.Crawler == crawlerID {
			out.Squids = append(out.Squids, squidSummary(q))
		}
	}
	if p.Page < p.TotalPages {
		out.Next = fmt.Sprintf("more squids: call again with page=%d", p.Page+1)
	}
	return out, nil
}

// SquidIn is the argument of the tools that take one squid.
type SquidIn struct {
	SquidID string `json:"squid_id" jsonschema:"the squid's id (from list_my_scrapers, create_squid or run_scraper)"`
}

// SquidOut is a squid's whole configuration, its secrets redacted.
type SquidOut struct {
	Squid       any    `json:"squid" jsonschema:"the squid as lobstr describes it (passwords and secret keys redacted)"`
	CrawlerSlug string `json:"crawler_slug,omitempty"`
	TaskCount   *int   `json:"task_count,omitempty" jsonschema:"how many tasks it holds"`
	Next        string `json:"next,omitempty"`
}

func squidID(id string) (string, error) {
	id = strings.TrimSpace(id)
	if id == "" {
		return "", badArg("squid_id is empty: give a squid's id; list_my_scrapers lists them")
	}
	return id, nil
}

func (s *server) getMyScraper(ctx context.Context, in SquidIn) (SquidOut, error) {
	id, err := squidID(in.SquidID)
	if err != nil {
		return SquidOut{}, err
	}
	q, err := s.c.Squids.Get(ctx, id)
	if err != nil {
		return SquidOut{}, squidError(err)
	}
	out := SquidOut{Squid: redacted(q)}
	if c := crawlerByID(q.Crawler); c != nil {
		out.CrawlerSlug = c.Slug
	}
	if n, err := s.taskCount(ctx, id); err == nil {
		out.TaskCount = &n
	}
	return out, nil
}

func squidError(err error) error {
	if api.IsNotFound(err) {
		return toolError(err, "no such squid: list_my_scrapers lists the user's squids and their ids")
	}
	return toolError(err, "check squid_id (list_my_scrapers) and call again")
}

// secretKey says whether a JSON key names a secret.
func secretKey(k string) bool {
	k = strings.ToLower(k)
	for _, w := range []string{"secret", "password", "token", "cookie", "private_key"} {
		if strings.Contains(k, w) {
			return true
		}
	}
	return false
}

// redacted returns v as JSON values with the value of every key naming a secret replaced.
func redacted(v any) any {
	b, err := json.Marshal(v)
	if err != nil {
		return nil
	}
	var x any
	if json.Unmarshal(b, &x) != nil {
		return nil
	}
	var walk func(any) any
	walk = func(v any) any {
		switch t := v.(type) {
		case map[string]any:
			for k, e := range t {
				if secretKey(k) && e != nil && e != "" {
					t[k] = "[redacted]"
				} else {
					t[k] = walk(e)
				}
			}
		case []any:
			for i := range t {
				t[i] = walk(t[i])
			}
		}
		return v
	}
	return walk(x)
}

// levelOf says the level of an input name for crawler c, and its wire name.
func levelOf(c *catalog.Crawler, name string) (level, wire string) {
	d := details(c, false)
	if l, ok := d.ParamLevels[name]; ok {
		if w, ok := d.ParamWireNames[name]; ok {
			return l, w
		}
		return l, name
	}
	return "", name
}

// inputNames lists the names of c's inputs of a level, for error messages.
func inputNames(c *catalog.Crawler, level string) []string {
	var names []string
	for _, in := range details(c, false).Inputs {
		if in.Level == level {
			names = append(names, in.Name)
		}
	}
	slices.Sort(names)
	return names
}
