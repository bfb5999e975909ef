package main

import (
	"encoding/json"
	"regexp"
	"slices"
	"strings"

	"github.com/lobstr-go/lobstr/catalog"
)

// settingRow is a squid param or function as a page documents it, before it is typed.
type settingRow struct {
	name, docType, def, desc string
	hasDefault               bool
	function                 bool
}

// settings fills the crawler's params, functions and Update Squid examples from its
// update-settings page.
func (im *importer) settings(c *catalog.Crawler, p *page, infos []crawlerInfo) {
	var rows []settingRow
	for _, t := range p.tables {
		nameCol := t.column("Parameter", "Function", "Field", "Name", "Key", "Param")
		typeCol := t.column("Type")
		if nameCol < 0 || typeCol < 0 {
			continue // a table of squid settings ("Setting"), of template variables, …
		}
		defCol, descCol := t.column("Default"), t.column("Description")
		fnTable := strings.EqualFold(stripMarkup(t.header[nameCol]), "Function") || strings.Contains(strings.ToLower(t.section), "function")
		for _, r := range t.rows {
			name, fn := settingName(stripMarkup(cell(r, nameCol)))
			if name == "" || !keyNameRe.MatchString(name) || (!fn && !fnTable && squidFields[name]) {
				continue
			}
			row := settingRow{name: name, docType: cell(r, typeCol), desc: cleanText(cell(r, descCol)), function: fn || fnTable}
			if defCol >= 0 {
				row.def, row.hasDefault = cell(r, defCol), true
			}
			rows = append(rows, row)
		}
	}
	for _, f := range p.fields {
		body := f.attrs["body"]
		if f.kind != "ParamField" || body == "" {
			continue
		}
		var name string
		var fn bool
		switch {
		case strings.HasPrefix(body, "params.functions.") || strings.HasPrefix(body, "functions."):
			name, fn = body[strings.LastIndex(body, ".")+1:], true
		case strings.HasPrefix(body, "params."):
			name = strings.TrimPrefix(body, "params.")
		default:
			continue
		}
		if name == "functions" || !keyNameRe.MatchString(name) {
			continue
		}
		row := settingRow{name: name, docType: f.attrs["type"], desc: cleanText(f.content), function: fn}
		if d, ok := f.attrs["default"]; ok {
			row.def, row.hasDefault = d, true
		}
		rows = append(rows, row)
	}
	seen := map[string]bool{}
	for _, r := range rows {
		key := r.name
		if r.function {
			key = "functions." + r.name
		}
		if seen[key] {
			im.note("%s: the setting %s is documented twice; the first is kept", c.Slug, key)
			continue
		}
		seen[key] = true
		if !r.hasDefault {
			r.def, r.hasDefault = defaultInText(r.desc)
		}
		if r.function {
			f := catalog.Function{Name: r.name, Description: r.desc}
			if r.hasDefault {
				v, ok := defaultOf(r.def, catalog.TypeBoolean)
				f.Default = ok && string(v) == "true"
				im.fnDefault[c.Slug+"/"+r.name] = true
			}
			if cr, ok := creditsInText(r.desc); ok {
				f.Credits = cr
			}
			for _, ci := range infos {
				if df, ok := ci.functions[r.name]; ok {
					if !r.hasDefault {
						f.Default = df.defaultOn
					}
					if f.Credits == 0 {
						f.Credits = df.credits
					}
				}
			}
			c.Functions = append(c.Functions, f)
			continue
		}
		typ, ok := normalizeType(r.docType)
		if !ok {
			im.note("%s: param %s: unknown type %q, taken as a string", c.Slug, r.name, r.docType)
		}
		in := catalog.Input{Name: r.name, Type: typ, Description: r.desc}
		if r.hasDefault {
			if v, ok := defaultOf(r.def, typ); ok {
				in.Default = v
			} else if !noValue[strings.ToLower(unquote(r.def))] {
				im.note("%s: param %s: the default %q is not %s; dropped", c.Slug, r.name, r.def, article(typ))
			}
		}
		in.Allowed = allowedInText(r.desc, typ)
		c.Params = append(c.Params, in)
	}

	im.deprecatedFunctions(c, p)
	im.availableLists(c, p)

	// The docs' Update Squid bodies: kept as examples; their params give examples, and win
	// over the types and allowed values derived from the prose.
	for _, cb := range p.codes {
		body := curlBody(cb.body)
		if body == "" {
			continue
		}
		raw, ok := compactJSON(body)
		if !ok {
			im.note("%s: an Update Squid example is not JSON", c.Slug)
			continue
		}
		c.Examples.UpdateSquid = append(c.Examples.UpdateSquid, raw)
		obj, ok := decodeOrdered(raw)
		if !ok {
			continue
		}
		params, ok := decodeOrdered(obj.values["params"])
		if !ok {
			continue
		}
		for _, k := range params.keys {
			v := params.values[k]
			if k == "functions" {
				fns, ok := decodeOrdered(v)
				if !ok {
					continue
				}
				for _, fk := range fns.keys {
					if c.Function(fk) == nil {
						im.res.stats.exampleOnlyFuncs++
						im.note("%s: the function %s is only in the docs' Update Squid example", c.Slug, fk)
						c.Functions = append(c.Functions, catalog.Function{Name: fk})
					}
				}
				continue
			}
			in := c.Param(k)
			if in == nil {
				typ := jsonType(v)
				if typ == "" {
					typ = catalog.TypeString
				}
				im.res.stats.exampleOnlyParams++
				im.note("%s: the param %s is only in the docs' Update Squid example", c.Slug, k)
				c.Params = append(c.Params, catalog.Input{Name: k, Type: typ})
				in = c.Param(k)
			}
			if jsonType(v) == "" { // null: no value
				continue
			}
			if !ofType(v, in.Type) {
				im.res.stats.typesWidened++
				im.note("%s: param %s: the docs' example %s is not %s; the type is now %s", c.Slug, k, v, article(in.Type), jsonType(v))
				in.Type = jsonType(v)
				in.Default, in.Allowed = retype(in.Default, in.Type), nil
			}
			if len(in.Allowed) > 0 && !containsRaw(in.Allowed, v) {
				im.res.stats.allowedWidened++
				im.note("%s: param %s: the docs' example %s is not among the allowed values; added", c.Slug, k, v)
				in.Allowed = append(in.Allowed, v)
			}
			if in.Example == nil {
				in.Example = v
			}
		}
	}
	for i := range c.Params {
		in := &c.Params[i]
		if in.Default != nil && len(in.Allowed) > 0 && !containsRaw(in.Allowed, in.Default) {
			im.res.stats.allowedWidened++
			im.note("%s: param %s: the default %s is not among the allowed values; added", c.Slug, in.Name, in.Default)
			in.Allowed = append([]json.RawMessage{in.Default}, in.Allowed...)
		}
		if in.Example == nil {
			if v, ok := exampleInText(in.Description, in.Type); ok {
				in.Example = v
			}
		}
	}
}

// settingName reads a documented setting's name: "functions.x" and "params.functions.x" are
// functions, "params.x" a param.
func settingName(s string) (string, bool) {
	s = strings.TrimPrefix(s, "params.")
	if rest, ok := strings.CutPrefix(s, "functions."); ok {
		return rest, true
	}
	return s, false
}

// retype keeps a default only if it is of the new type.
func retype(v json.RawMessage, typ string) json.RawMessage {
	if v != nil && ofType(v, typ) {
		return v
	}
	return nil
}

// columns fills the crawler's result columns from its get-results page.
func (im *importer) columns(c *catalog.Crawler, p *page) {
	seen := map[string]bool{}
	for _, f := range p.fields {
		if f.kind != "ResponseField" {
			continue
		}
		name := f.attrs["name"]
		if name == "" {
			continue
		}
		if seen[name] {
			im.res.stats.duplicateColumns++
			im.note("%s: the column %s is documented twice; the first is kept", c.Slug, name)
			continue
		}
		seen[name] = true
		desc, ex, hasEx := splitExample(f.content)
		col := catalog.Column{Name: name, DocType: f.attrs["type"], Description: cleanText(desc)}
		typ, ok := normalizeType(col.DocType)
		if !ok {
			im.note("%s: column %s: unknown type %q, taken as a string", c.Slug, name, col.DocType)
		}
		dt := strings.ToLower(strings.TrimSpace(col.DocType))
		if strings.HasPrefix(dt, "json") && hasEx { // json is an object or an array: the example says which
			if v, err := pyToJSON(unquote(ex)); err == nil && jsonType(v) == catalog.TypeArray {
				typ = catalog.TypeArray
			}
		}
		col.Type = typ
		if hasEx {
			if v, ok := valueOf(ex, typ); ok {
				col.Example = v
			} else {
				im.res.stats.examplesDropped++
				im.note("%s: column %s: the example %q is not %s; dropped", c.Slug, name, truncate(ex, 60), article(typ))
			}
		} else {
			im.res.stats.columnsNoExample++
		}
		c.Columns = append(c.Columns, col)
	}
	// Columns without an example take the value of the page's example response, if any.
	for _, cb := range p.codes {
		if !strings.HasPrefix(cb.info, "json") {
			continue
		}
		row := exampleRow(cb.body)
		if row == nil {
			continue
		}
		for i := range c.Columns {
			col := &c.Columns[i]
			if v, ok := row.values[col.Name]; ok && col.Example == nil && jsonType(v) != "" && ofType(v, col.Type) {
				col.Example = v
				im.res.stats.columnsNoExample--
			}
		}
	}
}

// exampleRow finds the first result row of a documented Get Results response: the first
// element of its "data" (or "results") array.
func exampleRow(body string) *orderedObject {
	top, ok := decodeOrdered(json.RawMessage(body))
	if !ok {
		return nil
	}
	for _, k := range []string{"data", "results"} {
		var list []json.RawMessage
		if json.Unmarshal(top.values[k], &list) == nil && len(list) > 0 {
			if row, ok := decodeOrdered(list[0]); ok {
				return row
			}
		}
	}
	return nil
}

// availableLists reads the lists of values of sections such as "Available Regions", one
// comma-separated line, as the allowed values of the param of that name (region). A list
// whose split is ambiguous, an item with "&" or "and" after a one-word item ("Baby, Kids &
// Maternity" may be one value or two), is not taken.
func (im *importer) availableLists(c *catalog.Crawler, p *page) {
	for _, l := range p.prose {
		rest, ok := strings.CutPrefix(l.section, "Available ")
		if !ok || !strings.Contains(l.text, ", ") {
			continue
		}
		word := strings.ToLower(strings.TrimSpace(rest))
		var in *catalog.Input
		for _, cand := range []string{strings.TrimSuffix(word, "ies") + "y", strings.TrimSuffix(word, "s"), word} {
			if in = c.Param(cand); in != nil {
				break
			}
		}
		if in == nil || in.Type != catalog.TypeString || len(in.Allowed) > 0 {
			continue
		}
		items := strings.Split(strings.TrimSuffix(l.text, "."), ", ")
		ambiguous := false
		for i := 1; i < len(items); i++ {
			if (strings.Contains(items[i], "&") || strings.Contains(items[i], " and ")) && !strings.Contains(items[i-1], " ") {
				ambiguous = true
			}
		}
		if ambiguous {
			im.note("%s: param %s: the list of section %q is ambiguous (an item may hold a comma); not taken", c.Slug, in.Name, l.section)
			continue
		}
		for _, it := range items {
			if v, ok := valueOf(it, in.Type); ok && !containsRaw(in.Allowed, v) {
				in.Allowed = append(in.Allowed, v)
			}
		}
	}
}

// fromEndpoints completes a crawler with the documented responses of Get Crawler Parameters
// and Get Crawler Attributes when they are about it: defaults the update-settings page does
// not give, values missing from an allowed list (never a new list: the responses' lists are
// abridged), functions' defaults and prices, and examples of columns that have none.
func (im *importer) fromEndpoints(c *catalog.Crawler, sources map[string]bool) {
	if ex, ok := im.paramsResp[c.ID]; ok {
		sources[ex.source] = true
		root, _ := ex.value.(map[string]any)
		squid, _ := root["squid"].(map[string]any)
		for _, name := range sortedKeys(squid) {
			m, _ := squid[name].(map[string]any)
			if name == "functions" {
				for _, fn := range sortedKeys(m) {
					fm, _ := m[fn].(map[string]any)
					f := c.Function(fn)
					if f == nil || fm == nil {
						continue
					}
					if d, ok := fm["default"].(bool); ok && !im.fnDefault[c.Slug+"/"+fn] {
						f.Default = d
					}
					if cr, ok := fm["credits_per_function"].(float64); ok && f.Credits == 0 {
						f.Credits = cr
					}
				}
				continue
			}
			in := c.Param(name)
			if in == nil || m == nil {
				continue
			}
			if d, ok := m["default"]; ok && d != nil && in.Default == nil {
				if b, err := json.Marshal(d); err == nil && ofType(b, in.Type) && (len(in.Allowed) == 0 || containsRaw(in.Allowed, b)) {
					in.Default = b
				}
			}
			if len(in.Allowed) > 0 {
				list, _ := m["allowed"].([]any)
				for _, v := range list {
					if b, err := json.Marshal(v); err == nil && ofType(b, in.Type) && !containsRaw(in.Allowed, b) {
						im.res.stats.allowedWidened++
						im.note("%s: param %s: %s, allowed by Get Crawler Parameters, added", c.Slug, name, b)
						in.Allowed = append(in.Allowed, b)
					}
				}
			}
		}
	}
	if ex, ok := im.attrsResp[c.ID]; ok {
		sources[ex.source] = true
		root, _ := ex.value.(map[string]any)
		data, _ := root["data"].([]any)
		for _, e := range data {
			m, _ := e.(map[string]any)
			name, _ := m["name"].(string)
			col := c.Column(name)
			if col == nil {
				im.note("%s: the column %s of Get Crawler Attributes is not on the get-results page; not added", c.Slug, name)
				continue
			}
			if col.Example != nil || m["example"] == nil {
				continue
			}
			if b, err := json.Marshal(m["example"]); err == nil && ofType(b, col.Type) {
				col.Example = b
				im.res.stats.columnsNoExample--
			}
		}
	}
}

// deprecatedRe finds a note of older function names still accepted: "The old function
// names `collect_contacts`, `images`, and `details` are still accepted but deprecated."
var deprecatedRe = regexp.MustCompile("(?i)old function names? ((?:`[a-z0-9_]+`(?:,? (?:and )?)?)+) (?:is|are) still accepted")

// migrateRe finds the new name in "Migrate to `email_enrichment`."; quotedNameRe a name
// in backquotes.
var (
	migrateRe    = regexp.MustCompile("(?i)migrate to `([a-z0-9_]+)`")
	quotedNameRe = regexp.MustCompile("`([a-z0-9_]+)`")
)

// deprecatedFunctions reads the settings page's note of deprecated function names. The
// note names them in the order of the functions' table, so the i-th old name belongs to
// the i-th function; a note whose count differs from the functions' is reported, not
// guessed at.
func (im *importer) deprecatedFunctions(c *catalog.Crawler, p *page) {
	for _, l := range p.prose {
		m := deprecatedRe.FindStringSubmatch(l.text)
		if m == nil {
			continue
		}
		var old []string
		for _, q := range quotedNameRe.FindAllStringSubmatch(m[1], -1) {
			old = append(old, q[1])
		}
		if to := migrateRe.FindStringSubmatch(l.text); to != nil && len(old) == 1 {
			// "The old function name `short_link` is still accepted but deprecated.
			// Migrate to `get_short_review_link`."
			f := c.Function(to[1])
			switch {
			case f == nil:
				im.note("%s: the deprecated name %s is of %s, which is not a function; not matched", c.Slug, old[0], to[1])
			case slices.Contains(f.Deprecated, old[0]):
			default:
				f.Deprecated = append(f.Deprecated, old[0])
			}
			continue
		}
		if len(old) != len(c.Functions) {
			im.note("%s: %d deprecated function names (%s) for %d functions; not matched", c.Slug, len(old), strings.Join(old, ", "), len(c.Functions))
			continue
		}
		for i, name := range old {
			if f, _ := c.FunctionNamed(name); f != nil {
				im.note("%s: the deprecated function name %s is already a name of %s; dropped", c.Slug, name, f.Name)
				continue
			}
			c.Functions[i].Deprecated = append(c.Functions[i].Deprecated, name)
		}
	}
}
