package apitest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"sync"

	"github.com/lobstr-go/lobstr/catalog"
)

// The crawler the fake's seeded squids and AddSquid use: the Google Maps Leads Scraper of
// the catalogue, whose id the docs show (Get Crawler Details' example).
const (
	SeedCrawlerID   = "4734d096159ef05210e0e1677e8be823" // the Google Maps Leads Scraper; SeedModule
	SeedCrawlerSlug = "google-maps-leads-scraper"        // its slug (the API takes only the hash)
	SeedCrawlerName = "Google Maps Leads Scraper"        // its name
)

// crawlerIcon is the icon every crawler and account type of the fake shows: the documented
// placeholder, an empty 50×50 SVG in base64.
const crawlerIcon = "PHN2ZyB4bWxucz0iaHR0cDovL3d3dy53My5vcmcvMjAwMC9zdmciIHdpZHRoPSI1MCIgaGVpZ2h0PSI1MCI+PC9zdmc+"

// crawler is one crawler of the catalogue, as the API shows it and as the fake runs it.
type crawler struct {
	cat      *catalog.Crawler
	id       string
	name     string
	summary  map[string]any  // List Crawlers' item
	details  map[string]any  // Get Crawler Details
	params   map[string]any  // Get Crawler Parameters
	attrs    []attribute     // Get Crawler Attributes, in order
	defaults map[string]any  // a new squid's params
	funcs    map[string]bool // functions → on by default
	cpr      float64         // credits per row
	cols     []colGen        // how each result column's values are made (rows.go)

	builtinDocumented [len(builtinFields)]bool // which of the fake's own row fields the crawler documents
}

// attribute is one result column, as Get Crawler Attributes shows it.
type attribute struct {
	Name        string          `json:"name"`
	Type        string          `json:"type"`
	Example     json.RawMessage `json:"example"`
	Function    string          `json:"function"`
	IsMain      bool            `json:"is_main"`
	Description string          `json:"description"`
}

// catalogue is built once from package catalog; it never changes.
var catalogue = sync.OnceValue(func() *crawlerCatalogue {
	cat := &crawlerCatalogue{byID: map[string]*crawler{}}
	for _, c := range catalog.All() {
		cr := newCrawler(c)
		cat.order = append(cat.order, cr)
		cat.byID[cr.id] = cr
	}
	return cat
})

// crawlerCatalogue is the fake's crawlers, in the catalogue's order (by slug), and by id.
type crawlerCatalogue struct {
	order []*crawler
	byID  map[string]*crawler
}

// apiType is a JSON type as the API's crawler bodies write it: int for integer, else the
// same.
func apiType(t string) string {
	if t == catalog.TypeInteger {
		return "int"
	}
	return t
}

// decodeJSON decodes raw, or returns nil when it is empty.
func decodeJSON(raw json.RawMessage) any {
	if len(raw) == 0 {
		return nil
	}
	var v any
	if err := json.Unmarshal(raw, &v); err != nil {
		panic("apitest: catalogue value does not decode: " + err.Error()) // package catalog's test rules it out
	}
	return v
}

// newCrawler derives every body the fake shows of a crawler, and what it checks, from its
// catalogue entry.
func newCrawler(c *catalog.Crawler) *crawler {
	cr := &crawler{cat: c, id: c.ID, name: c.Name, cpr: c.CreditsPerRow,
		defaults: map[string]any{}, funcs: map[string]bool{}}
	var account any
	if a := c.Account; a != nil {
		cookies := []any{}
		for _, k := range a.Cookies {
			cookies = append(cookies, map[string]any{"name": k.Name, "required": k.Required})
		}
		account = map[string]any{"type": a.Type, "baseurl": a.BaseURL, "cookies": cookies, "icon": crawlerIcon}
	}
	maxConc := c.MaxConcurrency
	if maxConc < 1 {
		maxConc = 1
	}
	cr.summary = map[string]any{
		"id": c.ID, "object": "crawler", "account": account, "name": c.Name, "slug": c.Slug, "icon": crawlerIcon,
		"is_public": true, "is_available": true, "is_premium": false, "has_issues": false,
		"max_concurrency": float64(maxConc), "credits_per_row": c.CreditsPerRow,
	}

	// Get Crawler Details: the summary, the description, every input and every column.
	inputs := []any{}
	task := map[string]any{}
	for _, in := range c.TaskKeys {
		m := map[string]any{"name": in.Name, "type": apiType(in.Type), "level": "task", "default": decodeJSON(in.Default),
			"required": in.Required, "is_params": in.Group != "" && in.Group != "url", "description": in.Description}
		if len(in.Example) > 0 {
			m["example"] = decodeJSON(in.Example)
		}
		inputs = append(inputs, m)
		p := map[string]any{"type": apiType(in.Type), "default": decodeJSON(in.Default), "required": in.Required,
			"attribute": in.Name, "is_params": m["is_params"]}
		if in.Group != "" {
			p["group"] = in.Group
		}
		if len(in.Allowed) > 0 {
			p["allowed"] = allowedOf(in)
		}
		task[in.Name] = p
	}
	squid := map[string]any{}
	for _, in := range c.Params {
		m := map[string]any{"name": in.Name, "type": apiType(in.Type), "level": "squid", "default": decodeJSON(in.Default),
			"required": in.Required, "is_details": true, "description": in.Description}
		if len(in.Example) > 0 {
			m["example"] = decodeJSON(in.Example)
		}
		inputs = append(inputs, m)
		p := map[string]any{"type": apiType(in.Type), "default": decodeJSON(in.Default), "required": in.Required,
			"attribute": in.Name, "is_params": false}
		if len(in.Allowed) > 0 {
			p["allowed"] = allowedOf(in)
		}
		squid[in.Name] = p
		if len(in.Default) > 0 {
			cr.defaults[in.Name] = decodeJSON(in.Default)
		}
	}
	fns := map[string]any{}
	for i, fn := range c.Functions {
		inputs = append(inputs, map[string]any{"name": fn.Name, "type": "boolean", "level": "squid", "default": fn.Default,
			"display": functionLabel(fn.Name), "function": true, "priority": i, "required": false, "is_details": true,
			"description": fn.Description, "credits_per_function": fn.Credits})
		fns[fn.Name] = map[string]any{"sort": i, "default": fn.Default, "credits_per_function": fn.Credits}
		cr.funcs[fn.Name] = fn.Default
	}
	squid["functions"] = fns
	if len(c.Functions) > 0 {
		on := map[string]any{}
		for name, d := range cr.funcs {
			on[name] = d
		}
		cr.defaults["functions"] = on
	}
	cr.params = map[string]any{"task": task, "squid": squid}

	result := []any{}
	base := "Export " + strings.TrimSuffix(strings.TrimSuffix(c.Name, " Scraper"), " Export")
	for _, col := range c.Columns {
		ex := col.Example
		if len(ex) == 0 {
			ex = json.RawMessage("null")
		}
		cr.attrs = append(cr.attrs, attribute{Name: col.Name, Type: col.DocType, Example: ex, Function: base,
			IsMain: true, Description: col.Description})
		cr.cols = append(cr.cols, newColGen(col))
		if b := builtinOf(col.Name); b > 0 {
			cr.builtinDocumented[b-1] = true
		}
		result = append(result, col.Name)
	}
	cr.details = map[string]any{"description": c.Description, "input": inputs, "result": result}
	for k, v := range cr.summary {
		cr.details[k] = v
	}
	return cr
}

// allowedOf is the decoded allowed values of an input.
func allowedOf(in catalog.Input) []any {
	out := make([]any, len(in.Allowed))
	for i, a := range in.Allowed {
		out[i] = decodeJSON(a)
	}
	return out
}

// functionLabel is a function's label in the dashboard: "extract_emails_from_website" →
// "Extract Emails From Website".
func functionLabel(name string) string {
	words := strings.Split(name, "_")
	for i, w := range words {
		if w != "" {
			words[i] = strings.ToUpper(w[:1]) + w[1:]
		}
	}
	return strings.Join(words, " ")
}

// typeProblem says what is wrong with v as a value of the JSON type typ, or "" when it is
// one. Null is no value of any type.
func typeProblem(typ string, v any) string {
	ok := true
	switch typ {
	case catalog.TypeString:
		_, ok = v.(string)
	case catalog.TypeInteger:
		n, isNum := v.(float64)
		ok = isNum && n == float64(int64(n))
	case catalog.TypeNumber:
		_, ok = v.(float64)
	case catalog.TypeBoolean:
		_, ok = v.(bool)
	case catalog.TypeArray:
		_, ok = v.([]any)
	case catalog.TypeObject:
		_, ok = v.(map[string]any)
	}
	if ok {
		return ""
	}
	article := "a"
	if typ == catalog.TypeInteger || typ == catalog.TypeArray || typ == catalog.TypeObject {
		article = "an"
	}
	return fmt.Sprintf("must be %s %s; %s is not", article, typ, jsonText(v))
}

// checkParams checks Update Squid's params against the crawler's squid settings and
// functions. A setting's value must be of its documented JSON type, or null (lobstr's
// default); with allowed values, it must be one of them (each element, for an array).
// functions must be an object of the crawler's functions, each true or false; a
// function's deprecated name, which the docs say lobstr still accepts, passes.
//
// A key the crawler does not document is refused: lobstr's docs say nothing of what the
// API does with one, and a misspelt setting (max_result) silently ignored is worse for a
// user than a 400 naming it; every update-settings example of the docs passes (a test
// checks it, for every crawler). It returns the offending key (as params.KEY) and what is
// wrong, or "".
func (c *crawler) checkParams(p map[string]any) (param, problem string) {
	keys := make([]string, 0, len(p))
	for k := range p {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		v := p[k]
		if k == "functions" {
			fm, ok := v.(map[string]any)
			if !ok {
				return "params.functions", fmt.Sprintf("functions must be an object of the crawler's functions (%s), each true or false.", c.functionNames())
			}
			names := make([]string, 0, len(fm))
			for fn := range fm {
				names = append(names, fn)
			}
			slices.Sort(names)
			for _, fn := range names {
				if _, known := c.funcs[c.functionName(fn)]; !known {
					return "params.functions." + fn, fmt.Sprintf("%q is not a function of the crawler %s; its functions are: %s.", fn, c.name, c.functionNames())
				}
				if _, ok := fm[fn].(bool); !ok {
					return "params.functions." + fn, fmt.Sprintf("The function %q must be true or false; %s is not.", fn, jsonText(fm[fn]))
				}
			}
			continue
		}
		spec := c.cat.Param(k)
		if spec == nil {
			return "params." + k, fmt.Sprintf("%q is not a setting of the crawler %s; its settings are: %s.", k, c.name, c.paramNames())
		}
		if v == nil {
			continue
		}
		if problem := typeProblem(spec.Type, v); problem != "" {
			return "params." + k, k + " " + problem + "."
		}
		if len(spec.Allowed) == 0 {
			continue
		}
		allowed := allowedOf(*spec)
		values := []any{v}
		if arr, ok := v.([]any); ok {
			values = arr
		}
		for _, x := range values {
			if !slices.ContainsFunc(allowed, func(a any) bool { return sameJSON(a, x) }) {
				return "params." + k, fmt.Sprintf("%s must be one of the crawler's allowed values (%s); %s is not.", k, joinJSON(allowed), jsonText(x))
			}
		}
	}
	return "", ""
}

// paramNames lists the crawler's squid settings, for messages.
func (c *crawler) paramNames() string {
	names := make([]string, 0, len(c.cat.Params)+1)
	for _, in := range c.cat.Params {
		names = append(names, in.Name)
	}
	if len(c.funcs) > 0 {
		names = append(names, "functions")
	}
	if len(names) == 0 {
		return "none"
	}
	return strings.Join(names, ", ")
}

// functionName is the function that name designates: name itself, or the function whose
// deprecated name it is (lobstr still accepts Google Maps' collect_contacts for
// extract_emails_from_website, say).
func (c *crawler) functionName(name string) string {
	if f, deprecated := c.cat.FunctionNamed(name); deprecated {
		return f.Name
	}
	return name
}

// functionNames lists the crawler's functions, for messages.
func (c *crawler) functionNames() string {
	if len(c.cat.Functions) == 0 {
		return "none"
	}
	names := make([]string, len(c.cat.Functions))
	for i, fn := range c.cat.Functions {
		names[i] = fn.Name
	}
	return strings.Join(names, ", ")
}

// taskKeyNames lists the crawler's task keys, for messages.
func (c *crawler) taskKeyNames() string {
	names := make([]string, len(c.cat.TaskKeys))
	for i, in := range c.cat.TaskKeys {
		names[i] = in.Name
	}
	return strings.Join(names, ", ")
}

// checkTask checks one task's params against the crawler's task keys: every key must be
// one the crawler takes, its value of the key's JSON type (a string of the right form, when
// fromFile: an uploaded file holds text only); and the task must hold every required key of
// at least one group (a url, or a city and a category). It returns what is wrong, or "".
func (c *crawler) checkTask(params map[string]any, fromFile bool) string {
	keys := make([]string, 0, len(params))
	for k := range params {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		in := c.cat.TaskKey(k)
		if in == nil {
			return fmt.Sprintf("%q is not a task parameter of the crawler %s, which takes: %s.", k, c.name, c.taskKeyNames())
		}
		v := params[k]
		if s, ok := v.(string); ok && fromFile {
			if problem := textProblem(in.Type, s); problem != "" {
				return fmt.Sprintf("The value of %q %s.", k, problem)
			}
			continue
		}
		if problem := typeProblem(in.Type, v); problem != "" {
			return fmt.Sprintf("The value of %q %s.", k, problem)
		}
	}
	// The groups of required keys: a task must complete one of them.
	groups := map[string][]string{}
	var order []string
	for _, in := range c.cat.TaskKeys {
		if !in.Required {
			continue
		}
		if _, ok := groups[in.Group]; !ok {
			order = append(order, in.Group)
		}
		groups[in.Group] = append(groups[in.Group], in.Name)
	}
	if len(order) == 0 {
		return ""
	}
	var forms []string
	for _, g := range order {
		complete := true
		for _, k := range groups[g] {
			if v, ok := params[k]; !ok || v == nil || v == "" {
				complete = false
			}
		}
		if complete {
			return ""
		}
		forms = append(forms, strings.Join(groups[g], " and "))
	}
	return fmt.Sprintf("A task of the crawler %s needs %s.", c.name, strings.Join(forms, ", or "))
}

// textProblem checks the text of an uploaded cell as a value of the JSON type typ.
func textProblem(typ, s string) string {
	if s == "" {
		return ""
	}
	var v any
	switch typ {
	case catalog.TypeString:
		return ""
	case catalog.TypeInteger, catalog.TypeNumber, catalog.TypeBoolean, catalog.TypeArray, catalog.TypeObject:
		if err := json.Unmarshal([]byte(s), &v); err != nil {
			return fmt.Sprintf("must be %s; %q is not", typ, s)
		}
	}
	return typeProblem(typ, v)
}

func jsonText(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

func sameJSON(a, b any) bool { return bytes.Equal([]byte(jsonText(a)), []byte(jsonText(b))) }

func joinJSON(vs []any) string {
	s := make([]string, len(vs))
	for i, v := range vs {
		s[i] = jsonText(v)
	}
	return strings.Join(s, ", ")
}
