package main

import (
	"encoding/json"
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
				im.note("%s: param %s: the default %q is not a %s; dropped", c.Slug, r.name, r.def, typ)
			}
		}
		in.Allowed = allowedInText(r.desc, typ)
		c.Params = append(c.Params, in)
	}

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
				im.note("%s: param %s: the docs' example %s is not a %s; the type is now %s", c.Slug, k, v, in.Type, jsonType(v))
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
				im.note("%s: column %s: the example %q is not a %s; dropped", c.Slug, name, truncate(ex, 60), typ)
			}
		} else {
			im.res.stats.columnsNoExample++
		}
		c.Columns = append(c.Columns, col)
	}
}
