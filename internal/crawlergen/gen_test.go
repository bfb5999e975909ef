package main

import (
	"bytes"
	"encoding/json"
	"go/ast"
	"go/parser"
	"go/token"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/lobstr-go/lobstr/catalog"
)

// TestCommittedPackagesAreFresh fails when crawlers/ is not what the generator makes from
// today's catalogue: a file differs, is missing, or is a generated file the generator no
// longer makes.
func TestCommittedPackagesAreFresh(t *testing.T) {
	files, _, err := generate(catalog.All())
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join("..", "..", "crawlers")
	for name, want := range files {
		have, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(name)))
		if err != nil {
			t.Errorf("crawlers/%s: %v; run `go generate ./...` at the module root and commit the result", name, err)
			continue
		}
		if !bytes.Equal(have, want) {
			t.Errorf("crawlers/%s is stale (it first differs at line %d): run `go generate ./...` at the module root and commit the result",
				name, firstDiffLine(have, want))
		}
	}
	stale, err := staleFiles(dir, files)
	if err != nil {
		t.Fatal(err)
	}
	if len(stale) > 0 {
		t.Errorf("generated files of crawlers no longer in the catalogue: %v; run `go generate ./...`", stale)
	}
}

func firstDiffLine(a, b []byte) int {
	line := 1
	for i := 0; i < len(a) && i < len(b) && a[i] == b[i]; i++ {
		if a[i] == '\n' {
			line++
		}
	}
	return line
}

func TestPackageName(t *testing.T) {
	for slug, want := range map[string]string{
		"google-maps-leads-scraper":      "googlemapsleads",
		"yelp-search-export":             "yelpsearch",
		"bienici-listings-search-export": "bienicilistingssearch",
		"leboncoin-boutique":             "leboncoinboutique",
		"scraper":                        "scraper", // nothing would be left
		"123-pages-scraper":              "crawler123pages",
		"go-export":                      "crawlergo",
		"Foo_Bar.baz-scraper":            "foobarbaz",
		"internal-scraper":               "crawlerinternal",
		"a-scraper-export":               "ascraper", // one suffix only
	} {
		got, err := packageName(slug)
		if err != nil || got != want {
			t.Errorf("packageName(%q) = %q, %v; want %q", slug, got, err, want)
		}
	}
	if _, err := packageName("---"); err == nil || !strings.Contains(err.Error(), `"---"`) {
		t.Errorf("packageName(---): %v; want an error naming the slug", err)
	}
}

func crawler(slug string) *catalog.Crawler {
	return &catalog.Crawler{Slug: slug, ID: catalog.DeriveID(slug), Name: slug, Description: "d",
		TaskKeys: []catalog.Input{{Name: "url", Type: "string", Required: true}},
		Columns:  []catalog.Column{{Name: "name", Type: "string", DocType: "string"}}}
}

// Two slugs that make one package name fail the generation, naming both.
func TestCollidingSlugsFail(t *testing.T) {
	_, _, err := generate([]*catalog.Crawler{crawler("foo-bar-scraper"), crawler("foobar-export")})
	if err == nil || !strings.Contains(err.Error(), "foo-bar-scraper") || !strings.Contains(err.Error(), "foobar-export") ||
		!strings.Contains(err.Error(), "crawlers/foobar") {
		t.Fatalf("err = %v; want the collision of foo-bar-scraper and foobar-export on crawlers/foobar", err)
	}
	// The real catalogue has none.
	if _, _, err := generate(catalog.All()); err != nil {
		t.Fatal(err)
	}
}

func TestFieldNames(t *testing.T) {
	var mangled []string
	n := newNamer("x.Result", &mangled, "Extra", "MarshalJSON")
	for key, want := range map[string]string{
		"place_id": "PlaceID", "url": "URL", "profileUrl": "ProfileURL", "24h_volume": "F24hVolume",
		"extra": "ExtraField", "---": "Field", "Name": "Name", "zero_x": "ZeroX", "marshalJSON": "MarshalJSONField",
		"ids": "IDs",
	} {
		if got := n.fieldName(key); got != want {
			t.Errorf("fieldName(%q) = %q; want %q", key, got, want)
		}
	}
	// Two keys of one name: the second gets a suffix.
	if a, b := n.fieldName("some_key"), n.fieldName("someKey"); a != "SomeKey" || b != "SomeKeyField" {
		t.Errorf("some_key, someKey = %s, %s", a, b)
	}
	slices.Sort(mangled)
	for _, want := range []string{`key "---" → Field`, `key "24h_volume" → F24hVolume`, `key "extra" → ExtraField`, `key "someKey" → SomeKeyField`} {
		if !slices.ContainsFunc(mangled, func(m string) bool { return strings.HasSuffix(m, want) }) {
			t.Errorf("mangled %q not recorded: %q", want, mangled)
		}
	}
}

func TestConstSuffix(t *testing.T) {
	for v, want := range map[string]string{
		"Any rating": "AnyRating", "2.5+": "25Plus", "-date": "MinusDate", "": "Empty", "with_phone": "WithPhone",
		"English (United States)": "EnglishUnitedStates", "<1km": "Lt1km", "???": "Value", "10": "10",
	} {
		if got := constSuffix(v); got != want {
			t.Errorf("constSuffix(%q) = %q; want %q", v, got, want)
		}
	}
}

func raw(s string) json.RawMessage { return json.RawMessage(s) }

// The pointer rule, allowed-value types and their constants, on a made-up crawler; the
// package it makes parses, and declares what the plan says.
func TestPlanTypesAndEnums(t *testing.T) {
	c := crawler("made-up-scraper")
	c.TaskKeys = append(c.TaskKeys,
		catalog.Input{Name: "params", Type: "string"}, // clashes with the method
		catalog.Input{Name: "sort", Type: "string", Allowed: []json.RawMessage{raw(`"new"`), raw(`"old"`)}})
	c.Params = []catalog.Input{
		{Name: "flag", Type: "boolean", Default: raw("false")},
		{Name: "on", Type: "boolean", Default: raw("true")},
		{Name: "max_results", Type: "integer"},
		{Name: "pages", Type: "integer", Default: raw("10")},
		{Name: "zero", Type: "integer", Default: raw("0")},
		{Name: "ratio", Type: "number", Default: raw("0.5")},
		{Name: "country", Type: "string", Default: raw(`"France"`)},
		{Name: "sort", Type: "string", Default: raw(`"new"`), Allowed: []json.RawMessage{raw(`"new"`), raw(`"2.5+"`), raw(`"2.5+"`), raw(`"25+"`)}},
		{Name: "size", Type: "integer", Allowed: []json.RawMessage{raw("10"), raw("20")}},
		{Name: "kinds", Type: "array", Example: raw(`["a","b"]`)},
		{Name: "mixed", Type: "array", Example: raw(`[1,"b"]`)},
		{Name: "tags", Type: "array", Allowed: []json.RawMessage{raw(`"x"`), raw(`"y"`)}},
		{Name: "filters", Type: "object"},
		{Name: "mode", Type: "string", Allowed: []json.RawMessage{raw(`true`), raw(`"x"`)}}, // mixed: no type
	}
	c.Functions = []catalog.Function{{Name: "emails", Default: true, Credits: 0.5, Description: "Emails"}}
	c.Columns = append(c.Columns, catalog.Column{Name: "extra", Type: "integer"}, catalog.Column{Name: "n", Type: "number"},
		catalog.Column{Name: "ok", Type: "boolean"}, catalog.Column{Name: "a", Type: "array"}, catalog.Column{Name: "o", Type: "object"},
		catalog.Column{Name: "w", Type: "weird"})
	p, err := plan(c)
	if err != nil {
		t.Fatal(err)
	}
	types := map[string]string{}
	for _, f := range p.settings {
		types[f.key] = f.typ
	}
	want := map[string]string{
		"flag": "*bool", "on": "*bool", "max_results": "int", "pages": "*int", "zero": "int", "ratio": "*float64",
		"country": "*string", "sort": "SettingsSort", "size": "Size", "kinds": "[]string", "mixed": "[]any",
		"tags": "[]Tags", "filters": "map[string]any", "mode": "string",
	}
	for k, w := range want {
		if types[k] != w {
			t.Errorf("Settings %s: %s; want %s", k, types[k], w)
		}
	}
	if p.task[1].goName != "ParamsField" || p.task[2].typ != "Sort" {
		t.Errorf("Task fields %s %s, %s %s", p.task[1].goName, p.task[1].typ, p.task[2].goName, p.task[2].typ)
	}
	var rtypes []string
	for _, f := range p.result {
		rtypes = append(rtypes, f.goName+" "+f.typ)
	}
	if got := strings.Join(rtypes, ", "); got != "ID string, Object string, Squid string, Run string, ScrapingTime string, Name string, ExtraField int64, N float64, OK bool, A []any, O map[string]any, W json.RawMessage" {
		t.Errorf("Result fields: %s", got)
	}
	src, err := render(p)
	if err != nil {
		t.Fatal(err)
	}
	f, err := parser.ParseFile(token.NewFileSet(), "madeup.go", src, parser.ParseComments)
	if err != nil {
		t.Fatal(err)
	}
	if f.Name.Name != "madeup" {
		t.Errorf("package %s", f.Name.Name)
	}
	consts := map[string]bool{}
	ast.Inspect(f, func(n ast.Node) bool {
		if vs, ok := n.(*ast.ValueSpec); ok {
			for _, id := range vs.Names {
				consts[id.Name] = true
			}
		}
		return true
	})
	for _, name := range []string{"Slug", "ID", "SortNew", "SortOld", "SettingsSortNew", "SettingsSort25Plus", "SettingsSort25PlusValue", "Size10", "Size20", "TagsX"} {
		if !consts[name] {
			t.Errorf("no constant %s in %v", name, slices.Sorted(maps.Keys(consts)))
		}
	}
	if strings.Count(string(src), "SettingsSort25Plus ") != 1 || strings.Count(string(src), `= "2.5+"`) != 1 {
		t.Errorf("a value listed twice makes one constant:\n%s", src)
	}
	for _, frag := range []string{header + "\n", "Extra price: 0.5 credits a row.", "On by default", "if s.Pages != nil {", `p["pages"] = *s.Pages`,
		`p["sort"] = string(s.Sort)`, "if s.MaxResults != 0 {", "if s.Kinds != nil {"} {
		if !strings.Contains(string(src), frag) {
			t.Errorf("the source lacks %q", frag)
		}
	}
}

// write removes the folders of crawlers gone from the catalogue, only when the generator
// wrote every file in them, and refuses a folder with a hand-written file.
func TestWriteRemovesStalePackages(t *testing.T) {
	dir := t.TempDir()
	files, _, err := generate([]*catalog.Crawler{crawler("one-scraper"), crawler("two-scraper")})
	if err != nil {
		t.Fatal(err)
	}
	if err := write(dir, files); err != nil {
		t.Fatal(err)
	}
	// A folder of someone else's, without the header, is left alone.
	other := filepath.Join(dir, "handmade")
	must(t, os.MkdirAll(other, 0o755))
	must(t, os.WriteFile(filepath.Join(other, "handmade.go"), []byte("package handmade\n"), 0o644))
	// The second crawler goes: its folder goes.
	files2, _, err := generate([]*catalog.Crawler{crawler("one-scraper")})
	if err != nil {
		t.Fatal(err)
	}
	if err := write(dir, files2); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, "two")); !os.IsNotExist(err) {
		t.Errorf("crawlers/two is still there: %v", err)
	}
	for _, keep := range []string{"one/one.go", "handmade/handmade.go", "doc.go", "all_test.go"} {
		if _, err := os.Stat(filepath.Join(dir, keep)); err != nil {
			t.Errorf("%s: %v", keep, err)
		}
	}
	// A gone crawler whose folder holds a hand-written test is an error naming the file.
	must(t, os.WriteFile(filepath.Join(dir, "one", "example_test.go"), []byte("package one_test\n"), 0o644))
	err = write(dir, map[string][]byte{"doc.go": files2["doc.go"], "all_test.go": files2["all_test.go"]})
	if err == nil || !strings.Contains(err.Error(), "example_test.go") {
		t.Fatalf("err = %v; want one naming example_test.go", err)
	}
	if _, err := os.Stat(filepath.Join(dir, "one", "one.go")); err != nil {
		t.Errorf("one.go was removed despite the error: %v", err)
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// The output does not depend on the order of the catalogue.
func TestDeterministic(t *testing.T) {
	all := catalog.All()
	a, _, err := generate(all)
	if err != nil {
		t.Fatal(err)
	}
	rev := slices.Clone(all)
	slices.Reverse(rev)
	b, _, err := generate(rev)
	if err != nil {
		t.Fatal(err)
	}
	if len(a) != len(b) {
		t.Fatalf("%d files, then %d", len(a), len(b))
	}
	for k := range a {
		if !bytes.Equal(a[k], b[k]) {
			t.Errorf("%s differs with the catalogue reversed", k)
		}
	}
}
