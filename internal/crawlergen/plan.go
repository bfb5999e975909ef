package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/lobstr-go/lobstr/catalog"
)

// pkg is what the generator writes for one crawler.
type pkg struct {
	c        *catalog.Crawler
	name     string // package name and folder
	task     []*field
	settings []*field
	funcs    []*field
	result   []*field
	enums    []*enum
	mangled  []string // names changed to be valid, exported and unique
	envelope int      // the columns of the row's envelope in result, first
}

// envelope are the columns every result row has, whatever the crawler, as the docs' Get
// Results page documents them; a Result has them unless its crawler documents its own.
var envelope = []catalog.Column{
	{Name: "id", DocType: "string", Type: catalog.TypeString, Example: json.RawMessage(`"b4af52b85c45661828d61980c167054b"`),
		Description: "Unique result identifier (every row has it: Get Results)."},
	{Name: "object", DocType: "string", Type: catalog.TypeString, Example: json.RawMessage(`"result"`),
		Description: `Always "result" (every row has it: Get Results).`},
	{Name: "squid", DocType: "string", Type: catalog.TypeString, Example: json.RawMessage(`"b6c56d18cb0046949461ba9ca278e8ad"`),
		Description: "Squid that produced this result (every row has it: Get Results)."},
	{Name: "run", DocType: "string", Type: catalog.TypeString, Example: json.RawMessage(`"300e9c5c127d421c90f431478d9a2cfb"`),
		Description: "Run that produced this result (every row has it: Get Results)."},
	{Name: "scraping_time", DocType: "string", Type: catalog.TypeString, Example: json.RawMessage(`"2025-02-10T14:31:05.487Z"`),
		Description: "When this result was scraped, ISO 8601 (every row has it: Get Results)."},
}

// field is one field of Task, Settings, Functions or Result.
type field struct {
	goName string
	key    string // the JSON key
	typ    string // the Go type, as written
	kind   string // the JSON type (catalog.Type…), "" when unknown
	ptr    bool   // a pointer: nil is "not sent"
	enum   *enum  // the named type of its allowed values, if any
	slice  bool   // an array (nil is "not sent")
	doc    []string
}

// enum is a named type for a key's allowed values, with one constant per value.
type enum struct {
	name   string
	base   string // string, int or float64
	consts []enumConst
	doc    string
}

type enumConst struct {
	name  string
	value string // a Go literal

}

// plan works out the names and types of a crawler's package.
func plan(c *catalog.Crawler) (*pkg, error) {
	name, err := packageName(c.Slug)
	if err != nil {
		return nil, err
	}
	p := &pkg{c: c, name: name}
	top := newNamer(name+": package-level name", &p.mangled,
		"Slug", "ID", "Task", "Settings", "Functions", "Result")

	tn := newNamer(name+".Task", &p.mangled, "Params")
	for _, in := range c.TaskKeys {
		f, err := p.input(in, tn, top, "Task", taskDoc(c, in))
		if err != nil {
			return nil, fmt.Errorf("%s: task key %q: %w", c.Slug, in.Name, err)
		}
		p.task = append(p.task, f)
	}
	sn := newNamer(name+".Settings", &p.mangled, "SquidParams", "Functions", "Null")
	for _, in := range c.Params {
		if in.Name == "functions" {
			return nil, fmt.Errorf("%s: a squid param named \"functions\" would clash with params.functions", c.Slug)
		}
		f, err := p.input(in, sn, top, "Settings", inputDoc(in))
		if err != nil {
			return nil, fmt.Errorf("%s: squid param %q: %w", c.Slug, in.Name, err)
		}
		p.settings = append(p.settings, f)
	}
	fn := newNamer(name+".Functions", &p.mangled)
	for _, fu := range c.Functions {
		doc := lines(fu.Description)
		if fu.Credits != 0 {
			doc = append(doc, fmt.Sprintf("Extra price: %s credits a row.", num(fu.Credits)))
		}
		if fu.Default {
			doc = append(doc, "On by default: nil leaves it on; false switches it off.")
		}
		if len(fu.Deprecated) > 0 {
			doc = append(doc, fmt.Sprintf("Formerly %s: lobstr still accepts the old name; this field sends the new one.", strings.Join(fu.Deprecated, ", ")))
		}
		p.funcs = append(p.funcs, &field{goName: fn.fieldName(fu.Name), key: fu.Name, typ: "*bool",
			kind: catalog.TypeBoolean, ptr: true, doc: doc})
	}
	rn := newNamer(name+".Result", &p.mangled, "Extra", "MarshalJSON", "UnmarshalJSON")
	var cols []catalog.Column
	for _, col := range envelope {
		if c.Column(col.Name) == nil {
			cols = append(cols, col)
			p.envelope++
		}
	}
	cols = append(cols, c.Columns...)
	for _, col := range cols {
		f := &field{goName: rn.fieldName(col.Name), key: col.Name, kind: col.Type}
		switch col.Type {
		case catalog.TypeString:
			f.typ = "string"
		case catalog.TypeInteger:
			f.typ = "int64"
		case catalog.TypeNumber:
			f.typ = "float64"
		case catalog.TypeBoolean:
			f.typ = "bool"
		case catalog.TypeArray:
			f.typ = "[]any"
		case catalog.TypeObject:
			f.typ = "map[string]any"
		default:
			f.typ, f.kind = "json.RawMessage", ""
		}
		f.doc = lines(col.Description)
		var tail []string
		if col.DocType != "" {
			tail = append(tail, "Documented type: "+col.DocType+".")
		}
		if len(col.Example) > 0 && string(col.Example) != "null" {
			tail = append(tail, "Example: "+compactJSON(col.Example, 120)+".")
		}
		if len(tail) > 0 {
			f.doc = append(f.doc, strings.Join(tail, " "))
		}
		p.result = append(p.result, f)
	}
	return p, nil
}

// input types a task key or squid param. The pointer rule (see the package doc):
// booleans are *bool; an integer, number or free string whose documented default is not
// its zero value is a pointer; everything else is a value whose zero value is not sent.
func (p *pkg) input(in catalog.Input, n, top *namer, owner string, doc []string) (*field, error) {
	f := &field{goName: n.fieldName(in.Name), key: in.Name, kind: in.Type, doc: doc}
	def := decodeJSON(in.Default)
	allowed, err := p.allowedEnum(in, f.goName, owner, top)
	if err != nil {
		return nil, err
	}
	switch in.Type {
	case catalog.TypeString:
		f.typ = "string"
		if allowed != nil {
			f.typ, f.enum = allowed.name, allowed
		}
		if s, ok := def.(string); ok && s != "" && (allowed == nil || allowedHas(in, `""`)) {
			f.ptr = true
		}
	case catalog.TypeInteger:
		f.typ = "int"
		if allowed != nil {
			f.typ, f.enum = allowed.name, allowed
		}
		if x, ok := def.(json.Number); ok && x.String() != "0" {
			f.ptr = true
		}
	case catalog.TypeNumber:
		f.typ = "float64"
		if allowed != nil {
			f.typ, f.enum = allowed.name, allowed
		}
		if x, ok := def.(json.Number); ok {
			if v, err := x.Float64(); err == nil && v != 0 {
				f.ptr = true
			}
		}
	case catalog.TypeBoolean:
		f.typ, f.ptr = "bool", true
	case catalog.TypeArray:
		f.slice = true
		switch {
		case allowed != nil:
			f.typ, f.enum = "[]"+allowed.name, allowed
		case allStrings(in.Example) || (len(in.Example) == 0 && allStrings(in.Default)):
			f.typ = "[]string"
		default:
			f.typ = "[]any"
		}
	case catalog.TypeObject:
		f.typ, f.slice = "map[string]any", true
	default:
		f.typ, f.slice = "any", true
	}
	if f.ptr {
		f.typ = "*" + f.typ
	}
	return f, nil
}

func allowedHas(in catalog.Input, raw string) bool {
	for _, a := range in.Allowed {
		if string(a) == raw {
			return true
		}
	}
	return false
}

// allowedEnum makes the named type of a key's allowed values: strings, integers or numbers
// (for an array, of its items). It returns nil when the key lists none, or lists values of
// another JSON type (booleans, mixed types), which stay plain.
func (p *pkg) allowedEnum(in catalog.Input, fieldName, owner string, top *namer) (*enum, error) {
	if len(in.Allowed) == 0 {
		return nil, nil
	}
	base := ""
	for _, a := range in.Allowed {
		var b string
		switch v := decodeJSON(a).(type) {
		case string:
			b = "string"
		case json.Number:
			b = "float64"
			if _, err := strconv.ParseInt(v.String(), 10, 64); err == nil {
				b = "int"
			}
		default:
			return nil, nil
		}
		switch {
		case base == "", base == b:
			base = b
		case base == "int" && b == "float64", base == "float64" && b == "int":
			base = "float64"
		default:
			return nil, nil
		}
	}
	switch {
	case in.Type == catalog.TypeString && base != "string",
		in.Type == catalog.TypeInteger && base != "int",
		in.Type == catalog.TypeNumber && base == "string",
		in.Type != catalog.TypeString && in.Type != catalog.TypeInteger &&
			in.Type != catalog.TypeNumber && in.Type != catalog.TypeArray:
		return nil, nil
	}
	if in.Type == catalog.TypeNumber {
		base = "float64"
	}
	want := fieldName
	if top.used[want] {
		want = owner + fieldName
	}
	e := &enum{name: top.name(want, "Value", fmt.Sprintf("type of %s.%s's allowed values", owner, fieldName)), base: base}
	e.doc = fmt.Sprintf("%s is an allowed value of %s.%s (%q): one of its constants.", e.name, owner, fieldName, in.Name)
	for _, a := range in.Allowed {
		v := decodeJSON(a)
		var lit, text string
		switch v := v.(type) {
		case string:
			lit, text = strconv.Quote(v), v
		case json.Number:
			lit, text = v.String(), v.String()
		}
		if slices.ContainsFunc(e.consts, func(c enumConst) bool { return c.value == lit }) {
			continue // listed twice
		}
		cn := top.name(e.name+constSuffix(text), "Value", fmt.Sprintf("constant for %s %s", e.name, lit))
		e.consts = append(e.consts, enumConst{name: cn, value: lit})
	}
	p.enums = append(p.enums, e)
	return e, nil
}

// inputDoc is a field's comment: the docs' description, then what is required, the
// default, the allowed values and an example.
func inputDoc(in catalog.Input) []string {
	doc := lines(in.Description)
	var tail []string
	if in.Required {
		tail = append(tail, "Required.")
	}
	if len(in.Default) > 0 {
		tail = append(tail, "Default: "+compactJSON(in.Default, 80)+".")
	}
	if len(in.Allowed) > 0 {
		var vs []string
		for _, a := range in.Allowed {
			vs = append(vs, compactJSON(a, 60))
		}
		tail = append(tail, "Allowed: "+strings.Join(vs, ", ")+".")
	}
	if len(in.Example) > 0 {
		tail = append(tail, "Example: "+compactJSON(in.Example, 120)+".")
	}
	if len(tail) > 0 {
		doc = append(doc, strings.Join(tail, " "))
	}
	return doc
}

// taskDoc is inputDoc for a task key, with its group: a task takes one group of keys.
func taskDoc(c *catalog.Crawler, in catalog.Input) []string {
	if in.Group == "" {
		return inputDoc(in)
	}
	var members []string
	for _, k := range c.TaskKeys {
		if k.Group == in.Group {
			members = append(members, k.Name)
		}
	}
	g := in
	g.Required = false
	doc := inputDoc(g)
	req := "Optional"
	if in.Required {
		req = "Required"
	}
	return append(doc, fmt.Sprintf("%s in the group %q (%s): a task takes the keys of one group.",
		req, in.Group, strings.Join(members, ", ")))
}

// lines is a description as comment text: one sentence-ended paragraph, its blanks
// collapsed; none when it is empty.
func lines(s string) []string {
	s = strings.Join(strings.Fields(s), " ")
	if s == "" {
		return nil
	}
	return []string{sentence(s)}
}

// sentence ends s with a full stop unless it ends with a sentence's punctuation already (so
// that go doc does not take a one-line description for a heading).
func sentence(s string) string {
	if strings.HasSuffix(s, ".") || strings.HasSuffix(s, "!") || strings.HasSuffix(s, "?") ||
		strings.HasSuffix(s, ".)") || strings.HasSuffix(s, ".\"") {
		return s
	}
	return s + "."
}

// compactJSON is a raw JSON value on one line, cut to max bytes (at a rune boundary).
func compactJSON(raw json.RawMessage, max int) string {
	var b bytes.Buffer
	if json.Compact(&b, raw) != nil {
		b.Reset()
		b.Write(raw)
	}
	s := strings.Join(strings.Fields(b.String()), " ")
	if len(s) > max {
		cut := max
		for cut > 0 && !isRuneStart(s[cut]) {
			cut--
		}
		s = s[:cut] + "…"
	}
	return s
}

func isRuneStart(b byte) bool { return b&0xC0 != 0x80 }

// decodeJSON decodes raw with numbers as json.Number; nil when raw is empty or invalid.
func decodeJSON(raw json.RawMessage) any {
	if len(raw) == 0 {
		return nil
	}
	d := json.NewDecoder(bytes.NewReader(raw))
	d.UseNumber()
	var v any
	if d.Decode(&v) != nil {
		return nil
	}
	return v
}

// allStrings says whether raw is a non-empty array of strings.
func allStrings(raw json.RawMessage) bool {
	a, ok := decodeJSON(raw).([]any)
	if !ok || len(a) == 0 {
		return false
	}
	for _, v := range a {
		if _, ok := v.(string); !ok {
			return false
		}
	}
	return true
}

func num(f float64) string { return strconv.FormatFloat(f, 'f', -1, 64) }
