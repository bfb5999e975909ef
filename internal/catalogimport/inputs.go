package main

import (
	"encoding/json"
	"regexp"
	"slices"
	"strings"

	"github.com/lobstr-go/lobstr/catalog"
)

// exampleTask is one task object of a documented Add Tasks request body.
type exampleTask struct {
	page string
	keys []string
	vals map[string]json.RawMessage
}

var (
	keyNameRe = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_.\[\]-]*$`)
	eitherRe  = regexp.MustCompile(`(?i)\beither\b.*\brequired\b|\brequired\b.*\beither\b`)
	tickRe    = regexp.MustCompile("`([^`]+)`")
)

// taskKeys fills the crawler's task keys and Add Tasks examples from its add-tasks pages.
func (im *importer) taskKeys(c *catalog.Crawler, pages []*page) {
	var keys []catalog.Input
	index := map[string]int{}
	pageOf := map[string]string{} // the page that documents a key
	put := func(in catalog.Input, pg string) {
		if i, ok := index[in.Name]; ok {
			if keys[i].Description == "" {
				keys[i].Description = in.Description
			}
			keys[i].Required = keys[i].Required || in.Required
			return
		}
		index[in.Name] = len(keys)
		keys = append(keys, in)
		pageOf[in.Name] = pg
	}
	var tasks []exampleTask
	eitherRequired := map[string]bool{}
	for _, p := range pages {
		for _, t := range p.tables {
			nameCol := t.column("Field", "Parameter", "Key", "Name")
			typeCol, reqCol := t.column("Type"), t.column("Required")
			if nameCol < 0 || typeCol < 0 {
				continue
			}
			descCol := t.column("Description")
			for _, r := range t.rows {
				name := stripMarkup(cell(r, nameCol))
				name = strings.TrimPrefix(name, "tasks[].")
				if name == "squid" || name == "tasks" || !keyNameRe.MatchString(name) {
					continue
				}
				typ, ok := normalizeType(cell(r, typeCol))
				if !ok {
					im.note("%s: task key %s: unknown type %q, taken as a string", c.Slug, name, cell(r, typeCol))
				}
				put(catalog.Input{
					Name: name, Type: typ,
					Required:    strings.EqualFold(strings.TrimSpace(cell(r, reqCol)), "yes") || strings.EqualFold(strings.TrimSpace(cell(r, reqCol)), "true"),
					Description: cleanText(cell(r, descCol)),
				}, p.path)
			}
		}
		for _, f := range p.fields {
			body := f.attrs["body"]
			if f.kind != "ParamField" || !strings.HasPrefix(body, "tasks[].") {
				continue
			}
			name := strings.TrimPrefix(body, "tasks[].")
			typ, ok := normalizeType(f.attrs["type"])
			if !ok {
				im.note("%s: task key %s: unknown type %q, taken as a string", c.Slug, name, f.attrs["type"])
			}
			put(catalog.Input{Name: name, Type: typ, Required: f.flags["required"], Description: cleanText(f.content)}, p.path)
		}
		for _, l := range p.prose {
			if eitherRe.MatchString(l.text) {
				for _, m := range tickRe.FindAllStringSubmatch(l.text, -1) {
					eitherRequired[m[1]] = true
				}
			}
		}
		for _, cb := range p.codes {
			body := curlBody(cb.body)
			if body == "" {
				continue
			}
			raw, ok := compactJSON(body)
			if !ok {
				im.note("%s: an Add Tasks example of %s is not JSON", c.Slug, p.path)
				continue
			}
			obj, ok := decodeOrdered(raw)
			if !ok {
				im.note("%s: an Add Tasks example of %s is not an object", c.Slug, p.path)
				continue
			}
			if _, ok := obj.values["tasks"]; !ok {
				// The legacy form, one task posted to /api/v2/squid/{id}/task: as an Add
				// Tasks body, it is a batch of that one task.
				im.res.stats.legacyTaskBodies++
				im.note("%s: an Add Tasks example of %s is a single task (the legacy v2 endpoint); kept as a batch of one", c.Slug, p.path)
				raw = json.RawMessage(`{"squid":"YOUR_SQUID_HASH","tasks":[` + string(raw) + `]}`)
				if obj, ok = decodeOrdered(raw); !ok {
					continue
				}
			}
			c.Examples.AddTasks = append(c.Examples.AddTasks, raw)
			var list []json.RawMessage
			if json.Unmarshal(obj.values["tasks"], &list) != nil {
				continue
			}
			for _, e := range list {
				o, ok := decodeOrdered(e)
				if !ok {
					continue
				}
				tasks = append(tasks, exampleTask{page: p.path, keys: o.keys, vals: o.values})
			}
		}
		// Keys only the page's examples show, after the keys it documents.
		for _, t := range tasks {
			if t.page != p.path {
				continue
			}
			for _, k := range t.keys {
				if _, ok := index[k]; ok {
					continue
				}
				typ := jsonType(t.vals[k])
				if typ == "" {
					typ = catalog.TypeString
				}
				im.res.stats.exampleOnlyKeys++
				put(catalog.Input{Name: k, Type: typ, Description: taskFormatText(p)}, p.path)
			}
		}
	}
	// Examples.
	for i := range keys {
		for _, t := range tasks {
			if v, ok := t.vals[keys[i].Name]; ok && jsonType(v) != "" {
				if ofType(v, keys[i].Type) {
					keys[i].Example = v
				} else {
					im.note("%s: task key %s: the docs' example %s is not %s", c.Slug, keys[i].Name, v, article(keys[i].Type))
				}
				break
			}
		}
		if keys[i].Example == nil {
			if v, ok := exampleInText(keys[i].Description, keys[i].Type); ok {
				keys[i].Example = v
			}
		}
	}
	// Groups: the examples' tasks that share a key are of one form.
	form := map[string]int{} // key → form
	next := 0
	for _, t := range tasks {
		f := -1
		for _, k := range t.keys {
			if g, ok := form[k]; ok {
				if f >= 0 && g != f { // merge g into f
					for kk, gg := range form {
						if gg == g {
							form[kk] = f
						}
					}
				} else {
					f = g
				}
			}
		}
		if f < 0 {
			f = next
			next++
		}
		for _, k := range t.keys {
			form[k] = f
		}
	}
	// A key no example shows is of the form its page's examples show, when they show one.
	for i := range keys {
		if _, ok := form[keys[i].Name]; ok {
			continue
		}
		fs := map[int]bool{}
		for _, t := range tasks {
			if t.page == pageOf[keys[i].Name] {
				for _, k := range t.keys {
					fs[form[k]] = true
				}
			}
		}
		if len(fs) == 1 {
			for f := range fs {
				form[keys[i].Name] = f
			}
		}
	}
	forms := map[int]bool{}
	for _, f := range form {
		forms[f] = true
	}
	if len(forms) > 1 {
		im.res.stats.crawlersWithGroups++
		names := map[int]string{}
		members := map[int][]string{}
		for _, k := range keys {
			if f, ok := form[k.Name]; ok {
				members[f] = append(members[f], k.Name)
			}
		}
		for f, ks := range members {
			names[f] = groupName(ks)
		}
		for i := range keys {
			if f, ok := form[keys[i].Name]; ok {
				keys[i].Group = names[f]
			} else {
				im.note("%s: task key %s is in no group", c.Slug, keys[i].Name)
			}
		}
		// Required within a group: the docs' "Either `url` or `keyword` + `location` is
		// required", else the keys every example task of the group has.
		for i := range keys {
			if eitherRequired[keys[i].Name] && keys[i].Group != "" {
				keys[i].Required = true
			}
		}
		for f, ks := range members {
			anyRequired := false
			for _, k := range ks {
				anyRequired = anyRequired || keys[index[k]].Required
			}
			if !anyRequired {
				for _, k := range inEveryTask(tasks, ks, form, f) {
					keys[index[k]].Required = true
				}
			}
		}
	} else {
		anyRequired := false
		for _, k := range keys {
			anyRequired = anyRequired || k.Required
		}
		if !anyRequired {
			var ks []string
			for _, k := range keys {
				ks = append(ks, k.Name)
			}
			for _, k := range inEveryTask(tasks, ks, nil, 0) {
				keys[index[k]].Required = true
			}
		}
	}
	c.TaskKeys = keys
}

// inEveryTask returns the keys of ks that every example task of a form has (every task when
// form is nil).
func inEveryTask(tasks []exampleTask, ks []string, form map[string]int, f int) []string {
	var out []string
	for _, k := range ks {
		n, has := 0, 0
		for _, t := range tasks {
			if form != nil && (len(t.keys) == 0 || form[t.keys[0]] != f) {
				continue
			}
			n++
			if _, ok := t.vals[k]; ok {
				has++
			}
		}
		if n > 0 && has == n {
			out = append(out, k)
		}
	}
	return out
}

// groupName names a form of task by its keys: "url", "search" (a keyword or query),
// "location" (a city or location), else its first key.
func groupName(keys []string) string {
	has := func(names ...string) bool {
		return slices.ContainsFunc(keys, func(k string) bool { return slices.Contains(names, k) })
	}
	switch {
	case has("url"):
		return "url"
	case has("keyword", "query", "search", "q"):
		return "search"
	case has("city", "location"):
		return "location"
	}
	return keys[0]
}

// taskFormatText is the description of a task key only the examples show: the first line of
// the page's section on the task's format ("Task Format").
func taskFormatText(p *page) string {
	if p == nil {
		return ""
	}
	for _, l := range p.prose {
		s := strings.ToLower(l.section)
		if (strings.Contains(s, "task") || strings.Contains(s, "input")) && !strings.HasPrefix(l.text, "<") && !strings.HasPrefix(l.text, "**") && !strings.HasPrefix(l.text, "`") && !strings.HasPrefix(l.text, "-") {
			return cleanText(l.text)
		}
	}
	return ""
}

// cleanText joins a description's lines and trims it.
func cleanText(s string) string {
	return strings.Join(strings.Fields(s), " ")
}
