package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/lobstr-go/lobstr/catalog"
)

// synthetic is a small docs checkout: two crawlers, one on the index with a documented id,
// price and account, and task keys in two forms; one only in its folder.
var synthetic = map[string]string{
	"examples/index.mdx": `## Shops

<CardGroup cols={3}>
  <Card title="Shop Search" href="/examples/shop-search-export/add-tasks">
    Export shops from search results
  </Card>
</CardGroup>
`,
	"docs/list-crawlers.mdx": "## Response\n\n```json 200\n" + `{"data": [{"id": "0123456789abcdef0123456789abcdef", "object": "crawler",
  "name": "Shop Search Export", "slug": "shop-search-export", "max_concurrency": 5, "credits_per_row": 0.5,
  "account": {"type": "shop-sync", "baseurl": "https://shop.example", "cookies": [{"name": "sid", "required": true}]}}]}` + "\n```\n",
	"examples/shop-search-export/add-tasks.mdx": `---
title: "Add Tasks"
---

Add tasks to your **Shop Search Export** squid.

## Task Object

| Field | Type | Required | Description |
| --- | --- | --- | --- |
| **squid** | string | Yes | Hash of your squid |
| **url** | string | No | A search URL |
| **keyword** | string | No | What to search. Example: ` + "`shoes`" + ` |
| **city** | string | No | Where |

<Note>
  Either ` + "`url`" + ` or ` + "`keyword`" + ` + ` + "`city`" + ` is required.
</Note>

` + "```bash cURL" + `
curl -X POST "https://api.lobstr.io/v1/tasks" -d '{"squid": "S", "tasks": [{"url": "https://shop.example/s?q=a"}]}'
` + "```" + `

` + "```bash cURL" + `
curl -X POST "https://api.lobstr.io/v1/tasks" -d '{"squid": "S", "tasks": [{"keyword": "shoes", "city": "Paris", "page": 2}]}'
` + "```" + `
`,
	"examples/shop-search-export/update-settings.mdx": `Configure your **Shop Search Export** squid.

## Scraper Parameters

| Parameter | Type | Default | Description |
| --- | --- | --- | --- |
| **max_results** | integer | unlimited | Most shops per task |
| **sort** | string | relevance | Sort order: ` + "`relevance`, `price`" + ` |
| **open_now** | boolean | false | Only open shops |
| **name** | string | — | A squid setting, not a param |

## Optional Functions

| Function | Type | Default | Description |
| --- | --- | --- | --- |
| **get_phones** | boolean | true | Phone numbers (3 credits per shop) |

<Note>
  **Backward compatibility:** The old function names ` + "`phones`" + ` is still accepted but deprecated.
</Note>

## Squid Settings

| Setting | Type | Description |
| --- | --- | --- |
| **concurrency** | integer | Threads |

` + "```bash cURL" + `
curl -X POST "https://api.lobstr.io/v1/squids/X" -d '{"name": "n", "params": {"max_results": 10, "sort": "rating", "functions": {"get_phones": false}}}'
` + "```" + `
`,
	"examples/shop-search-export/get-results.mdx": `## Result Fields

<ResponseField name="name" type="string">
  Shop name. Example: ` + "`Chez <Nous>`" + `
</ResponseField>

<ResponseField name="rating" type="float">
  Rating. Example: ` + "`\"4.5\"`" + `
</ResponseField>

<ResponseField name="tags" type="json">
  Tags. Example: ` + "`['a', 'b']`" + `
</ResponseField>

<ResponseField name="hours" type="json">
  Hours. Example: ` + "`{'mon': None, 'open': True}`" + `
</ResponseField>

<ResponseField name="rank" type="integer">
  Rank. Example: ` + "`2nd`" + `
</ResponseField>

<ResponseField name="name" type="string">
  A second name.
</ResponseField>

<ResponseField name="phone" type="string">
  Phone.
</ResponseField>

## Response

` + "```json 200" + `
{"data": [{"name": "Chez Nous", "phone": "+33 1", "rank": 3}]}
` + "```" + `
`,
	"examples/video-comments-scraper/add-tasks.mdx": `Add videos to your squid. This scraper requires a synced Shop account.

<ParamField body="tasks[].video" type="string" required>
  Video URL
</ParamField>
`,
	"examples/video-comments-scraper/update-settings.mdx": `## Settings Fields

<ParamField body="params.max_comments" type="integer">
  Most comments. Default: ` + "`50`" + `.
</ParamField>

<ParamField body="params.functions.translate" type="boolean">
  Translate (2 credits per comment).
</ParamField>

<Note>
  The old function name ` + "`tr`" + ` is still accepted but deprecated. Migrate to ` + "`translate`" + `.
  The old function names ` + "`a`, `b`" + ` are still accepted but deprecated.
  The old function name ` + "`max_comments`" + ` is still accepted but deprecated. Migrate to ` + "`max_comments`" + `.
</Note>
`,
	"examples/video-comments-scraper/get-results.mdx": `<ResponseField name="text" type="text">Comment. Example: ` + "`Nice`" + `</ResponseField>
`,
	"docs/list-account-types.mdx": "```json 200\n" + `{"data": [{"object": "account_type", "name": "shop-sync", "baseurl": "https://shop.example", "cookies": [{"name": "sid", "required": true}, {"name": "csrf", "required": false}]}]}` + "\n```\n",
}

func mapFS(files map[string]string) fstest.MapFS {
	m := fstest.MapFS{}
	for name, text := range files {
		m[name] = &fstest.MapFile{Data: []byte(text)}
	}
	return m
}

func TestImportSynthetic(t *testing.T) {
	res, err := importDocs(mapFS(synthetic))
	if err != nil {
		t.Fatal(err)
	}
	if len(res.crawlers) != 2 {
		t.Fatalf("%d crawlers, want 2", len(res.crawlers))
	}
	shop, video := res.crawlers[0], res.crawlers[1]
	if shop.Slug != "shop-search-export" || video.Slug != "video-comments-scraper" {
		t.Fatalf("slugs %s, %s", shop.Slug, video.Slug)
	}

	// Identity.
	if !shop.Listed || video.Listed {
		t.Errorf("listed: shop %v, video %v; want true, false", shop.Listed, video.Listed)
	}
	if shop.ID != "0123456789abcdef0123456789abcdef" || !shop.IDDocumented || shop.Name != "Shop Search Export" ||
		shop.Platform != "Shops" || shop.Description != "Export shops from search results" ||
		shop.CreditsPerRow != 0.5 || !shop.CreditsDocumented || shop.MaxConcurrency != 5 {
		t.Errorf("shop identity: %+v", shop)
	}
	if shop.Account == nil || shop.Account.Type != "shop-sync" || len(shop.Account.Cookies) != 1 {
		t.Errorf("shop account (List Crawlers' object): %+v", shop.Account)
	}
	if video.ID != catalog.DeriveID("video-comments-scraper") || video.IDDocumented || video.CreditsPerRow != 1 ||
		video.CreditsDocumented || video.MaxConcurrency != 20 || video.Name != "Video Comments Scraper" ||
		video.Description != "Add videos to your squid. This scraper requires a synced Shop account." {
		t.Errorf("video identity (defaults): %+v", video)
	}
	if video.Account == nil || video.Account.Type != "shop-sync" || len(video.Account.Cookies) != 2 {
		t.Errorf("video account (from the prose and List Account Types): %+v", video.Account)
	}

	// Task keys and their groups.
	want := map[string]struct {
		group    string
		required bool
		example  string
	}{
		"url":     {"url", true, `"https://shop.example/s?q=a"`},
		"keyword": {"search", true, `"shoes"`},
		"city":    {"search", true, `"Paris"`},
		"page":    {"search", false, `2`},
	}
	if len(shop.TaskKeys) != len(want) {
		t.Errorf("task keys %+v", shop.TaskKeys)
	}
	for _, k := range shop.TaskKeys {
		w, ok := want[k.Name]
		if !ok || k.Group != w.group || k.Required != w.required || string(k.Example) != w.example {
			t.Errorf("task key %+v, want %+v", k, w)
		}
	}
	if k := shop.TaskKey("page"); k == nil || k.Type != catalog.TypeInteger {
		t.Errorf("a key only the examples show: %+v", k)
	}
	if len(video.TaskKeys) != 1 || video.TaskKeys[0].Name != "video" || !video.TaskKeys[0].Required || video.TaskKeys[0].Group != "" {
		t.Errorf("video task keys %+v", video.TaskKeys)
	}

	// Params and functions.
	if p := shop.Param("max_results"); p == nil || p.Default != nil || string(p.Example) != "10" {
		t.Errorf("max_results %+v", p)
	}
	if p := shop.Param("sort"); p == nil || string(p.Default) != `"relevance"` || len(p.Allowed) != 3 || string(p.Allowed[2]) != `"rating"` {
		t.Errorf("sort: the docs' example value rating must widen the allowed list: %+v", p)
	}
	if shop.Param("name") != nil || shop.Param("concurrency") != nil {
		t.Error("a squid setting was taken as a param")
	}
	if f := shop.Function("get_phones"); f == nil || !f.Default || f.Credits != 3 || len(shop.Functions) != 1 {
		t.Errorf("functions %+v", shop.Functions)
	}
	if p := video.Param("max_comments"); p == nil || string(p.Default) != "50" || p.Type != catalog.TypeInteger {
		t.Errorf("max_comments %+v", p)
	}
	if f := video.Function("translate"); f == nil || f.Default || f.Credits != 2 {
		t.Errorf("translate %+v", f)
	}
	// Deprecated function names: in the table's order, or as the note's "Migrate to" says;
	// a count that does not match, or a name that is not a function's, is noted, not guessed.
	if f := shop.Function("get_phones"); f == nil || !slices.Equal(f.Deprecated, []string{"phones"}) {
		t.Errorf("get_phones: deprecated names %+v", f)
	}
	if f, dep := shop.FunctionNamed("phones"); f == nil || f.Name != "get_phones" || !dep {
		t.Errorf("FunctionNamed(phones) = %+v, %v", f, dep)
	}
	if f := video.Function("translate"); f == nil || !slices.Equal(f.Deprecated, []string{"tr"}) {
		t.Errorf("translate: deprecated names %+v", f)
	}
	for _, want := range []string{
		"video-comments-scraper: 2 deprecated function names (a, b) for 1 functions; not matched",
		"video-comments-scraper: the deprecated name max_comments is of max_comments, which is not a function; not matched",
	} {
		if !slices.Contains(res.notes, want) {
			t.Errorf("no note %q in %q", want, res.notes)
		}
	}

	// Columns.
	cols := map[string]string{}
	for _, c := range shop.Columns {
		cols[c.Name] = c.Type + " " + string(c.Example)
	}
	for name, w := range map[string]string{
		"name":   `string "Chez <Nous>"`,
		"rating": "number 4.5",
		"tags":   `array ["a","b"]`,
		"hours":  `object {"mon":null,"open":true}`,
		"rank":   "integer 3", // 2nd is not an integer: the example response's 3 is taken
		"phone":  `string "+33 1"`,
	} {
		if cols[name] != w {
			t.Errorf("column %s: %q, want %q", name, cols[name], w)
		}
	}
	if len(shop.Columns) != 6 || res.stats.duplicateColumns != 1 || res.stats.examplesDropped != 1 {
		t.Errorf("%d columns, %d duplicates, %d dropped examples", len(shop.Columns), res.stats.duplicateColumns, res.stats.examplesDropped)
	}

	// Examples and sources.
	if len(shop.Examples.AddTasks) != 2 || len(shop.Examples.UpdateSquid) != 1 || len(video.Examples.AddTasks) != 0 {
		t.Errorf("examples %+v / %+v", shop.Examples, video.Examples)
	}
	if strings.Join(shop.Sources, ",") != "docs/list-crawlers.mdx,examples/index.mdx,examples/shop-search-export/add-tasks.mdx,examples/shop-search-export/get-results.mdx,examples/shop-search-export/update-settings.mdx" {
		t.Errorf("sources %v", shop.Sources)
	}
}

func TestImportErrors(t *testing.T) {
	if _, err := importDocs(fstest.MapFS{"README.md": {}}); err == nil || !strings.Contains(err.Error(), "examples/") {
		t.Errorf("a tree without examples/: %v", err)
	}
	if _, err := importDocs(fstest.MapFS{"examples/index.mdx": {}}); err == nil || !strings.Contains(err.Error(), "no crawler folder") {
		t.Errorf("examples/ without crawler folders: %v", err)
	}
	files := map[string]string{}
	for k, v := range synthetic {
		files[k] = v
	}
	delete(files, "examples/video-comments-scraper/get-results.mdx")
	if _, err := importDocs(mapFS(files)); err == nil || !strings.Contains(err.Error(), "video-comments-scraper") || !strings.Contains(err.Error(), "get-results") {
		t.Errorf("a crawler without get-results: %v", err)
	}
	// Two crawlers showing one documented id.
	files = map[string]string{}
	for k, v := range synthetic {
		files[k] = v
	}
	files["docs/other.mdx"] = "```json\n" + `{"object": "crawler", "id": "0123456789abcdef0123456789abcdef", "slug": "video-comments-scraper"}` + "\n```\n"
	if _, err := importDocs(mapFS(files)); err == nil || !strings.Contains(err.Error(), "0123456789abcdef0123456789abcdef") {
		t.Errorf("one id for two crawlers: %v", err)
	}
}

func writeTree(t *testing.T, dir string, files map[string]string) {
	t.Helper()
	for name, text := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

func readDir(t *testing.T, dir string) map[string]string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for _, e := range entries {
		b, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		out[e.Name()] = string(b)
	}
	return out
}

func TestRunIsDeterministic(t *testing.T) {
	docs, out := t.TempDir(), t.TempDir()
	writeTree(t, docs, synthetic)
	// A crawler the docs no longer have, and a file that is not a crawler's.
	writeTree(t, out, map[string]string{"gone-scraper.json": "{}", "catalog.go": "package catalog\n"})
	var log bytes.Buffer
	if err := run(docs, out, true, &log); err != nil {
		t.Fatal(err)
	}
	first := readDir(t, out)
	if _, ok := first["gone-scraper.json"]; ok {
		t.Error("the file of a crawler no longer in the docs was kept")
	}
	if first["catalog.go"] != "package catalog\n" {
		t.Error("a file that is not a crawler's was touched")
	}
	if len(first) != 3 {
		t.Errorf("files %v", first)
	}
	shop := first["shop-search-export.json"]
	if !strings.HasSuffix(shop, "}\n") || !strings.HasPrefix(shop, "{\n  \"slug\": \"shop-search-export\",") || !strings.Contains(shop, "Chez <Nous>") {
		t.Errorf("not indented JSON with a trailing newline and unescaped text:\n%s", shop)
	}
	var c catalog.Crawler
	if err := json.Unmarshal([]byte(shop), &c); err != nil || c.Slug != "shop-search-export" {
		t.Errorf("the file does not decode as a catalog.Crawler: %v", err)
	}
	if !strings.Contains(log.String(), "2 crawlers: 5 task keys, 4 params, 2 functions, 7 columns") {
		t.Errorf("summary:\n%s", log.String())
	}
	for i := 0; i < 2; i++ {
		if err := run(docs, out, false, &bytes.Buffer{}); err != nil {
			t.Fatal(err)
		}
		again := readDir(t, out)
		for name, text := range first {
			if again[name] != text {
				t.Errorf("run %d: %s differs", i+2, name)
			}
		}
		if len(again) != len(first) {
			t.Errorf("run %d: files %d, want %d", i+2, len(again), len(first))
		}
	}
}

func TestRunErrors(t *testing.T) {
	if err := run(filepath.Join(t.TempDir(), "missing"), t.TempDir(), false, &bytes.Buffer{}); err == nil || !strings.Contains(err.Error(), "docs checkout") {
		t.Errorf("a missing docs directory: %v", err)
	}
	f := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(f, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := run(f, t.TempDir(), false, &bytes.Buffer{}); err == nil || !strings.Contains(err.Error(), "not a directory") {
		t.Errorf("a docs path that is a file: %v", err)
	}
}
