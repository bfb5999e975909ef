// Command catalogimport imports lobstr's crawler catalogue from a checkout of its public
// documentation (the repository lobstrio/docs) into the project's catalog/ folder:
//
//	go run ./internal/catalogimport -docs PATH/TO/lobstrio-docs [-out catalog] [-v]
//
// It writes one file, catalog/<slug>.json, for each crawler folder under the docs'
// examples/ (examples/index.mdx is the index, not a crawler), and deletes the catalog/*.json
// of crawlers the docs no longer have. The output is deterministic: re-running it on the same
// checkout rewrites byte-identical files. It prints a summary (counts, and with -v every value
// it dropped, widened or guessed) on standard error.
//
// What it reads, for each crawler:
//   - examples/index.mdx: the card's title, platform heading and text (name, platform,
//     description; listed says whether the crawler has a card); the pages' prose ("your
//     **Realtor Listings Scraper** squid") give the name, unique among crawlers;
//   - the crawler objects of every JSON example of docs/*.mdx and of the update-settings
//     responses (List Crawlers, Get Crawler Details, squids' "crawler" objects): the id, the
//     price per row, the max concurrency and the account. The old slug
//     google-maps-search-export is the google-maps-leads-scraper;
//   - docs/list-account-types.mdx: the account types (base URL, cookies) of crawlers whose
//     pages say they need a synced, linked or connected account;
//   - examples/<slug>/add-task*.mdx: the task keys (tables, <ParamField body="tasks[].x">, the
//     keys of the cURL examples' tasks), their groups (alternative forms of a task, such as a
//     url or a keyword and a location) and the Add Tasks examples (an example of the legacy
//     endpoint, one task, is kept as a batch of that task);
//   - examples/<slug>/update-settings.mdx: the squid params and functions (tables,
//     <ParamField body="params.x">), their defaults, allowed values and extra credits, and the
//     Update Squid examples, whose values win over what the prose says;
//   - examples/<slug>/get-results.mdx: the result columns (<ResponseField>), with their
//     examples converted to JSON of their type (Python reprs included), else the value of the
//     page's example response; a "json" column is an array when its example is one;
//   - docs/get-crawler-parameters.mdx and docs/get-crawler-attributes.mdx, for the crawler
//     their examples ask for: missing defaults, allowed values, function prices, examples.
//
// Where the docs do not say, a crawler costs 1 credit per row (credits_documented is false),
// allows a concurrency of 20, and has an id derived from its slug (catalog.DeriveID;
// id_documented is false).
package main

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/lobstr-go/lobstr/catalog"
)

func main() {
	docs := flag.String("docs", "", "the directory of a checkout of lobstrio/docs (required)")
	out := flag.String("out", "catalog", "the directory to write the catalogue into")
	verbose := flag.Bool("v", false, "list every value dropped, widened or guessed")
	flag.Parse()
	if *docs == "" || flag.NArg() > 0 {
		fmt.Fprintln(os.Stderr, "usage: go run ./internal/catalogimport -docs PATH/TO/lobstrio-docs [-out catalog] [-v]")
		os.Exit(2)
	}
	if err := run(*docs, *out, *verbose, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "catalogimport:", err)
		os.Exit(1)
	}
}

// run imports the docs checkout at docs into the directory out and writes a summary to w.
func run(docs, out string, verbose bool, w io.Writer) error {
	st, err := os.Stat(docs)
	if err != nil {
		return fmt.Errorf("the docs checkout: %w", err)
	}
	if !st.IsDir() {
		return fmt.Errorf("the docs checkout %s is not a directory", docs)
	}
	res, err := importDocs(os.DirFS(docs))
	if err != nil {
		return err
	}
	if err := write(out, res.crawlers); err != nil {
		return err
	}
	summarize(w, res, verbose)
	return nil
}

// encode is a crawler's file: indented JSON, HTML characters unescaped, a trailing newline.
func encode(c *catalog.Crawler) ([]byte, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(c); err != nil {
		return nil, fmt.Errorf("%s: %w", c.Slug, err)
	}
	return b.Bytes(), nil
}

// write writes one file per crawler into dir and deletes the other *.json files there.
func write(dir string, crawlers []*catalog.Crawler) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	keep := map[string]bool{}
	for _, c := range crawlers {
		b, err := encode(c)
		if err != nil {
			return err
		}
		name := c.Slug + ".json"
		keep[name] = true
		if old, err := os.ReadFile(filepath.Join(dir, name)); err == nil && bytes.Equal(old, b) {
			continue
		}
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o644); err != nil {
			return err
		}
	}
	stale, err := filepath.Glob(filepath.Join(dir, "*.json"))
	if err != nil {
		return err
	}
	for _, f := range stale {
		if !keep[filepath.Base(f)] {
			if err := os.Remove(f); err != nil {
				return err
			}
		}
	}
	return nil
}

func summarize(w io.Writer, res *result, verbose bool) {
	var keys, params, fns, cols int
	accounts := map[string][]string{}
	for _, c := range res.crawlers {
		keys += len(c.TaskKeys)
		params += len(c.Params)
		fns += len(c.Functions)
		cols += len(c.Columns)
		if c.Account != nil {
			accounts[c.Account.Type] = append(accounts[c.Account.Type], c.Slug)
		}
	}
	s := res.stats
	fmt.Fprintf(w, "%d crawlers: %d task keys, %d params, %d functions, %d columns\n", len(res.crawlers), keys, params, fns, cols)
	listed := 0
	var unlisted []string
	for _, c := range res.crawlers {
		if c.Listed {
			listed++
		} else {
			unlisted = append(unlisted, c.Slug)
		}
	}
	fmt.Fprintf(w, "on the examples index: %d; not on it: %s\n", listed, strings.Join(unlisted, ", "))
	fmt.Fprintf(w, "ids: %d documented, %d derived; prices: %d documented\n", s.documentedIDs, s.derivedIDs, s.documentedCredits)
	var types []string
	for t, cs := range accounts {
		types = append(types, fmt.Sprintf("%s (%d: %s)", t, len(cs), strings.Join(cs, ", ")))
	}
	slices.Sort(types)
	fmt.Fprintf(w, "accounts: %d crawlers need one: %s\n", countAll(accounts), strings.Join(types, "; "))
	fmt.Fprintf(w, "columns: %d duplicates dropped, %d examples not convertible, %d without an example\n", s.duplicateColumns, s.examplesDropped, s.columnsNoExample)
	fmt.Fprintf(w, "only in the examples: %d task keys, %d params, %d functions; %d crawlers with task groups\n", s.exampleOnlyKeys, s.exampleOnlyParams, s.exampleOnlyFuncs, s.crawlersWithGroups)
	fmt.Fprintf(w, "Add Tasks examples of a single task (legacy endpoint), made batches of one: %d\n", s.legacyTaskBodies)
	fmt.Fprintf(w, "the docs' examples won: %d allowed lists widened, %d types changed\n", s.allowedWidened, s.typesWidened)
	if verbose {
		for _, n := range res.notes {
			fmt.Fprintln(w, "  "+n)
		}
	} else if len(res.notes) > 0 {
		fmt.Fprintf(w, "%d notes (-v lists them)\n", len(res.notes))
	}
}

func countAll(m map[string][]string) int {
	n := 0
	for _, v := range m {
		n += len(v)
	}
	return n
}
