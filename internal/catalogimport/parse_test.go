package main

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/lobstr-go/lobstr/catalog"
)

const sampleMDX = `---
title: "Update Settings"
description: "Configure the Sample Scraper"
---

Configure your **Sample Scraper** squid.

## Scraper Parameters

| Parameter | Type | Default | Description |
| --- | --- | --- | --- |
| **sort** | string | newest | Sort: ` + "`newest`, `oldest`" + ` |
| **pipe** | string | — | A value with ` + "`a|b`" + ` in it \| escaped |

<ParamField body="params.max_pages" type="integer" required default="5">
  Pages to read.
  Second line.
</ParamField>

<ResponseField name="score" type="float">Average rating. Example: ` + "`4.5`" + `</ResponseField>

` + "```bash cURL" + `
curl -d '{"a": "it'\''s"}'
# not a heading
` + "```" + `

### Notes
Some prose.
`

func TestParseMDX(t *testing.T) {
	p := parseMDX("x.mdx", sampleMDX)
	if p.frontMatter["title"] != "Update Settings" || p.frontMatter["description"] != "Configure the Sample Scraper" {
		t.Errorf("front matter %v", p.frontMatter)
	}
	if len(p.tables) != 1 {
		t.Fatalf("%d tables, want 1", len(p.tables))
	}
	tb := p.tables[0]
	if tb.section != "Scraper Parameters" || len(tb.header) != 4 || len(tb.rows) != 2 {
		t.Fatalf("table %+v", tb)
	}
	if got := cell(tb.rows[1], 3); got != "A value with `a|b` in it | escaped" {
		t.Errorf("a bar inside backticks or escaped split the cell: %q", got)
	}
	if tb.column("type") != 1 || tb.column("Nope") != -1 {
		t.Errorf("column lookup: type at %d, Nope at %d", tb.column("type"), tb.column("Nope"))
	}
	if len(p.fields) != 2 {
		t.Fatalf("%d fields, want 2", len(p.fields))
	}
	pf := p.fields[0]
	if pf.kind != "ParamField" || pf.attrs["body"] != "params.max_pages" || pf.attrs["type"] != "integer" || pf.attrs["default"] != "5" || !pf.flags["required"] {
		t.Errorf("param field %+v", pf)
	}
	if pf.content != "Pages to read.\nSecond line." {
		t.Errorf("param field content %q", pf.content)
	}
	rf := p.fields[1]
	if rf.kind != "ResponseField" || rf.attrs["name"] != "score" || rf.content != "Average rating. Example: `4.5`" {
		t.Errorf("one-line response field %+v", rf)
	}
	if len(p.codes) != 1 || p.codes[0].info != "bash cURL" || !strings.Contains(p.codes[0].body, "# not a heading") {
		t.Fatalf("codes %+v", p.codes)
	}
	if got := curlBody(p.codes[0].body); got != `{"a": "it's"}` {
		t.Errorf("curlBody = %q", got)
	}
	var notes *proseLine
	for i := range p.prose {
		if p.prose[i].text == "Some prose." {
			notes = &p.prose[i]
		}
	}
	if notes == nil || notes.section != "Notes" {
		t.Errorf("prose %+v", p.prose)
	}
}

func TestParseMDXUnclosed(t *testing.T) {
	// An unclosed component or fence swallows the rest of the file, without failing.
	p := parseMDX("x.mdx", "<ParamField body=\"tasks[].url\" type=\"string\">\n  text\n| a | b |\n")
	if len(p.fields) != 1 || p.fields[0].content != "text\n| a | b |" || len(p.tables) != 0 {
		t.Errorf("unclosed field: %+v, tables %v", p.fields, p.tables)
	}
	p = parseMDX("x.mdx", "```json\n{\"a\": 1}\n")
	if len(p.codes) != 1 || strings.TrimSpace(p.codes[0].body) != "{\"a\": 1}" {
		t.Errorf("unclosed fence: %+v", p.codes)
	}
	p = parseMDX("x.mdx", "---\ntitle: x\nno end")
	if len(p.frontMatter) != 0 || len(p.prose) != 3 {
		t.Errorf("unclosed front matter: %v, prose %v", p.frontMatter, p.prose)
	}
}

func TestPyToJSON(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{`{'title': 'x', 'end': None, 'ok': True, 'no': False}`, `{"title":"x","end":null,"ok":true,"no":false}`},
		{`['a', "b", 'it\'s']`, `["a","b","it's"]`},
		{`(1, 2.5, -3)`, `[1,2.5,-3]`},
		{`{"z": 1, "a": [ ] , }`, `{"z":1,"a":[]}`},
		{`'caf\u00e9 \n'`, `"café \n"`},
		{`007`, `7`},
		{`1e3`, `1000`},
		{`null`, `null`},
		{` [ {'k': {'n': [1, [2]]}} ] `, `[{"k":{"n":[1,[2]]}}]`},
	} {
		got, err := pyToJSON(tc.in)
		if err != nil || string(got) != tc.want {
			t.Errorf("pyToJSON(%s) = %s, %v; want %s", tc.in, got, err, tc.want)
		}
	}
	for _, in := range []string{
		``, `word`, `{'a' 1}`, `{1: 2}`, `['a'`, `'open`, `[1] trailing`, `datetime(2020, 1, 1)`,
		`Nonesuch`, `1.2.3`, `{'a': 1,, }`, `'\x4'`, strings.Repeat("[", 100) + strings.Repeat("]", 100),
	} {
		if got, err := pyToJSON(in); err == nil {
			t.Errorf("pyToJSON(%q) = %s, want an error", in, got)
		}
	}
}

func TestValueOf(t *testing.T) {
	for _, tc := range []struct{ in, typ, want string }{
		{"13.72", catalog.TypeNumber, "13.72"},
		{`"13.72"`, catalog.TypeNumber, "13.72"},
		{"1,234", catalog.TypeInteger, "1234"},
		{"3.0", catalog.TypeInteger, "3"},
		{"True", catalog.TypeBoolean, "true"},
		{"`false`", catalog.TypeBoolean, "false"},
		{`"agency"`, catalog.TypeString, `"agency"`},
		{`say "hi" <b>&`, catalog.TypeString, `"say \"hi\" <b>&"`},
		{"['a', 'b']", catalog.TypeArray, `["a","b"]`},
		{`{'title': 'x', 'end': None}`, catalog.TypeObject, `{"title":"x","end":null}`},
		{`"{\"a\": 1}"`, catalog.TypeObject, `{"a":1}`},
	} {
		got, ok := valueOf(tc.in, tc.typ)
		if !ok || string(got) != tc.want {
			t.Errorf("valueOf(%q, %s) = %s, %v; want %s", tc.in, tc.typ, got, ok, tc.want)
		}
	}
	for _, tc := range []struct{ in, typ string }{
		{"2nd", catalog.TypeInteger},
		{"4.8", catalog.TypeInteger},
		{"83K+", catalog.TypeInteger},
		{"yes", catalog.TypeBoolean},
		{"None", catalog.TypeString},
		{"null", catalog.TypeString},
		{"macarooz", catalog.TypeArray},
		{"['a']", catalog.TypeObject},
		{"{'a': 1}", catalog.TypeArray},
		{"abc", catalog.TypeNumber},
	} {
		if got, ok := valueOf(tc.in, tc.typ); ok {
			t.Errorf("valueOf(%q, %s) = %s, want no value", tc.in, tc.typ, got)
		}
	}
}

func TestNormalizeType(t *testing.T) {
	for doc, want := range map[string]string{
		"string": "string", "text": "string", "datetime": "string", "date": "string", "url": "string",
		"string | null": "string", "integer": "integer", "int": "integer", "bigint": "integer",
		"float": "number", "number | null": "number", "double": "number", "boolean": "boolean",
		"bool": "boolean", "array": "array", "list": "array", "object": "object", "dict": "object",
		"json": "object", "jsonb": "object",
	} {
		if got, ok := normalizeType(doc); !ok || got != want {
			t.Errorf("normalizeType(%q) = %s, %v; want %s", doc, got, ok, want)
		}
	}
	if got, ok := normalizeType("string (ISO)"); ok || got != catalog.TypeString {
		t.Errorf("an unknown type: %s, %v; want string, false", got, ok)
	}
}

func TestDefaults(t *testing.T) {
	for _, none := range []string{"—", "unlimited", "none", "null", "", "`null`", "Unlimited"} {
		if v, ok := defaultOf(none, catalog.TypeInteger); ok {
			t.Errorf("defaultOf(%q) = %s, want none", none, v)
		}
	}
	if v, ok := defaultOf("99", catalog.TypeInteger); !ok || string(v) != "99" {
		t.Errorf("defaultOf(99) = %s, %v", v, ok)
	}
	if v, ok := defaultOf("Any rating", catalog.TypeString); !ok || string(v) != `"Any rating"` {
		t.Errorf("defaultOf(Any rating) = %s, %v", v, ok)
	}
	for desc, want := range map[string]string{
		"Results per page: 10, 20. Default: 10":           "10",
		"Pages to crawl. Default: `100`, max: `100`.":     "`100`",
		"Threads (default: 1)":                            "1",
		"Sets the country. Default: `United States`":      "`United States`",
		"If true, defaults to false when the list is big": "false",
	} {
		if got, ok := defaultInText(desc); !ok || got != want {
			t.Errorf("defaultInText(%q) = %q, %v; want %q", desc, got, ok, want)
		}
	}
	if got, ok := defaultInText("No default here"); ok {
		t.Errorf("defaultInText found %q where there is none", got)
	}
}

func TestCreditsInText(t *testing.T) {
	for desc, want := range map[string]float64{
		"Visit each page (4 credits per listing)":                        4,
		"Extra cost: `4` credits per listing.":                           4,
		"Costs 0.5 additional credits per row":                           0.5,
		"Find mobiles (300 credits per profile where a mobile is found)": 300,
		"Shortened links (1 credit per review)":                          1,
	} {
		if got, ok := creditsInText(desc); !ok || got != want {
			t.Errorf("creditsInText(%q) = %v, %v; want %v", desc, got, ok, want)
		}
	}
	if got, ok := creditsInText("May incur additional credits."); ok {
		t.Errorf("creditsInText found %v in a text without a price", got)
	}
}

func TestAllowedInText(t *testing.T) {
	str := func(vs ...string) string {
		b, _ := json.Marshal(vs)
		return string(b)
	}
	for _, tc := range []struct {
		desc, typ, want string
	}{
		{"Filter by phone presence: `all`, `with_phone`, `without_phone`", "string", str("all", "with_phone", "without_phone")},
		{"Sort reviews: `newest`, `most_relevant`, or `lowest_rating`.", "string", str("newest", "most_relevant", "lowest_rating")},
		{"Minimum rating filter: `Any rating`, `2.5+`, `3.0+`", "string", str("Any rating", "2.5+", "3.0+")},
		{"Results per page: 10, 20, 30, or 100. Default: 10", "integer", "[10,20,30,100]"},
		{"Sorting: `a`, `b`, `a`", "string", str("a", "b")},
	} {
		got, _ := json.Marshal(allowedInText(tc.desc, tc.typ))
		if string(got) != tc.want {
			t.Errorf("allowedInText(%q) = %s, want %s", tc.desc, got, tc.want)
		}
	}
	for _, tc := range []struct{ desc, typ string }{
		{"Filter by industry (e.g., `Beauty`, `Games`)", "string"},
		{"Objective filter: `Conversions`, `Traffic`, etc.", "string"},
		{"Timezone (e.g. `Europe/Paris`). Only applies: `24h` or `7d` are relative", "string"},
		{"Language, for example: `en`, `fr`", "string"},
		{"One value: `only`", "string"},
		{"Results per page: 10, 20", "string"},
		{"Flags: `true`, `false`", "boolean"},
		{"Pages: `1`, `two`", "integer"},
	} {
		if got := allowedInText(tc.desc, tc.typ); got != nil {
			t.Errorf("allowedInText(%q, %s) = %s, want none", tc.desc, tc.typ, got)
		}
	}
}

func TestSplitExample(t *testing.T) {
	desc, ex, ok := splitExample("Co-authors of the post. Example: `[{'id': '1', 'tags': ['a']}]`")
	if !ok || desc != "Co-authors of the post." || ex != "[{'id': '1', 'tags': ['a']}]" {
		t.Errorf("splitExample = %q, %q, %v", desc, ex, ok)
	}
	desc, ex, ok = splitExample("A caption with `code` in it and no example")
	if ok || ex != "" || desc != "A caption with `code` in it and no example" {
		t.Errorf("splitExample without example = %q, %q, %v", desc, ex, ok)
	}
	if _, _, ok := splitExample("Example: not in backticks"); ok {
		t.Error("an example without backticks was taken")
	}
}

func TestParseIndex(t *testing.T) {
	cards, order := parseIndex(`## Google

<CardGroup cols={3}>
  <Card title="Google Maps Leads" icon="x.svg" href="/examples/google-maps-leads-scraper/add-task-urls">
    Extract business leads
  </Card>
  <Card title="Google Search" href="/examples/google-search-scraper/add-tasks">Collect results</Card>
</CardGroup>

## Bien'Ici

  <Card title="Bien'Ici Listings" href="/examples/bienici-listings-search-export/add-tasks">
    Scrape listings
  </Card>
`)
	if strings.Join(order, ",") != "google-maps-leads-scraper,google-search-scraper,bienici-listings-search-export" {
		t.Fatalf("order %v", order)
	}
	c := cards["google-maps-leads-scraper"]
	if c.title != "Google Maps Leads" || c.platform != "Google" || c.text != "Extract business leads" || c.href != "/examples/google-maps-leads-scraper/add-task-urls" {
		t.Errorf("card %+v", c)
	}
	if c := cards["google-search-scraper"]; c.text != "Collect results" {
		t.Errorf("one-line card %+v", c)
	}
	if c := cards["bienici-listings-search-export"]; c.platform != "Bien'Ici" {
		t.Errorf("card %+v", c)
	}
}

func TestGroupName(t *testing.T) {
	for keys, want := range map[string]string{
		"url":                      "url",
		"keyword,location,country": "search",
		"city,category,country":    "location",
		"video":                    "video",
	} {
		if got := groupName(strings.Split(keys, ",")); got != want {
			t.Errorf("groupName(%s) = %s, want %s", keys, got, want)
		}
	}
}

func FuzzParseMDX(f *testing.F) {
	f.Add(sampleMDX)
	f.Add("<ParamField body=\"tasks[].url\"\n type=\"string\" required>\nx</ParamField>\n| a |\n|---|\n")
	f.Add("```\n```json\n{}\n```\n## h\n<ResponseField name='x' type={y} />\n")
	f.Fuzz(func(t *testing.T, text string) {
		p := parseMDX("fuzz.mdx", text)
		for _, fl := range p.fields {
			if fl.kind != "ParamField" && fl.kind != "ResponseField" {
				t.Fatalf("field of kind %q", fl.kind)
			}
			if fl.content != strings.TrimSpace(fl.content) {
				t.Fatalf("content not trimmed: %q", fl.content)
			}
		}
		for _, tb := range p.tables {
			if len(tb.header) == 0 && len(tb.rows) > 0 {
				t.Fatalf("rows without a header: %+v", tb)
			}
		}
		for _, l := range p.prose {
			if l.text == "" || l.text != strings.TrimSpace(l.text) {
				t.Fatalf("prose line %q", l.text)
			}
		}
		// What the importer derives from fields must not panic either.
		for _, fl := range p.fields {
			_, ex, ok := splitExample(fl.content)
			if ok {
				for _, typ := range []string{"string", "integer", "number", "boolean", "array", "object"} {
					if v, good := valueOf(ex, typ); good && !ofType(v, typ) {
						t.Fatalf("valueOf(%q, %s) = %s, not of its type", ex, typ, v)
					}
				}
			}
			allowedInText(fl.content, "string")
			defaultInText(fl.content)
			creditsInText(fl.content)
		}
	})
}

func FuzzPyToJSON(f *testing.F) {
	for _, s := range []string{`{'a': None}`, `[1, 2.5e3, 'x']`, `(True,)`, `"\u00e9"`, `'\x41'`, `-0`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		v, err := pyToJSON(s)
		if err != nil {
			return
		}
		if !json.Valid(v) {
			t.Fatalf("pyToJSON(%q) = %s, not JSON", s, v)
		}
		// Converting the output again gives the same JSON: it is a fixed point.
		w, err := pyToJSON(string(v))
		if err != nil || string(w) != string(v) {
			t.Fatalf("pyToJSON(pyToJSON(%q)) = %s, %v; want %s", s, w, err, v)
		}
	})
}
