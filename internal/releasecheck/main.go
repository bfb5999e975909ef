// Command releasecheck is the project's breaking-change gate and version advisor
// (`make release-check`, run by CI).
//
// It compares the work tree with the last release (the highest vMAJOR.MINOR.PATCH tag
// reachable from HEAD, else the first commit):
//
//   - the OpenAPI document, with oasdiff (`go tool oasdiff`), at oasdiff's levels with
//     this SDK's overrides (severity-levels.txt: a dropped property or enum value breaks
//     the generated models);
//   - the exported Go API of every non-internal package of the module, with apidiff
//     (golang.org/x/exp/cmd/apidiff), the base's tree built from `git archive`;
//
// prints the next version semver asks for, and fails when a breaking change is not
// recorded in CHANGELOG.md's "## [Unreleased]" section, under "### Changed" or
// "### Removed":
//
//   - a breaking change of the document by an entry naming its oasdiff id and its
//     operation: "- openapi: `response-required-property-removed` GET /v1/tasks/{hash}: …";
//   - a breaking change of the Go API by an entry starting with the package's path in the
//     module: "- api: …", "- gen/models: …", "- api, api/apitest: …".
//
// Exit status: 0 when every breaking change is recorded, 1 when one is not, 2 when the
// check could not run.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
)

// Tools are the paths of the two diff programs.
type Tools struct {
	Oasdiff string
	Apidiff string
}

// BuildTools finds oasdiff and apidiff, at the versions go.mod's tool lines pin: the
// binaries `go tool` keeps in the build cache, else built into dir. It runs in the
// current directory, which must be inside this module.
func BuildTools(ctx context.Context, dir string) (Tools, error) {
	var t Tools
	for _, b := range []struct {
		path      *string
		name, pkg string
	}{
		{&t.Oasdiff, "oasdiff", "github.com/oasdiff/oasdiff"},
		{&t.Apidiff, "apidiff", "golang.org/x/exp/cmd/apidiff"},
	} {
		out, err := exec.CommandContext(ctx, "go", "tool", "-n", b.name).Output()
		if path := strings.TrimSpace(string(out)); err == nil && !strings.ContainsAny(path, " \n") {
			if _, err := os.Stat(path); err == nil {
				*b.path = path
				continue
			}
		}
		*b.path = filepath.Join(dir, b.name)
		out, err = exec.CommandContext(ctx, "go", "build", "-o", *b.path, b.pkg).CombinedOutput()
		if err != nil {
			return Tools{}, fmt.Errorf("go build %s: %v: %s", b.pkg, err, strings.TrimSpace(string(out)))
		}
	}
	return t, nil
}

// Options say what to compare.
type Options struct {
	Repo      string // the work tree's root
	Spec      string // the document's path in the tree, e.g. openapi/openapi.yaml
	Changelog string // the changelog's path in the tree, e.g. CHANGELOG.md
	Tools     Tools
}

// Report is what Check found.
type Report struct {
	Base       Base
	Notes      []string
	Doc        []DocChange
	Go         []GoChange
	ModulePath string
	// UnrecordedDoc and UnrecordedGo are the breaking changes CHANGELOG.md does not record.
	UnrecordedDoc []DocChange
	UnrecordedGo  []GoChange
	Next          Version
	Why           string
}

// Failed reports whether a breaking change is not recorded.
func (r *Report) Failed() bool { return len(r.UnrecordedDoc)+len(r.UnrecordedGo) > 0 }

// Check compares the work tree at o.Repo with its base and reads the changelog.
func Check(ctx context.Context, o Options) (*Report, error) {
	changelog, err := os.ReadFile(filepath.Join(o.Repo, o.Changelog))
	if err != nil {
		return nil, fmt.Errorf("the changelog: %w", err)
	}
	unreleased, err := ParseChangelog(string(changelog))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", o.Changelog, err)
	}
	base, err := FindBase(ctx, o.Repo)
	if err != nil {
		return nil, err
	}
	r := &Report{Base: base, Notes: base.Notes}

	tmp, err := os.MkdirTemp("", "releasecheck-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(tmp)
	baseDir := filepath.Join(tmp, "base")
	if err := os.Mkdir(baseDir, 0o755); err != nil {
		return nil, err
	}
	if err := ExtractCommit(ctx, o.Repo, base.Commit, baseDir); err != nil {
		return nil, err
	}

	headSpec := filepath.Join(o.Repo, o.Spec)
	if _, err := os.Stat(headSpec); err != nil {
		return nil, fmt.Errorf("the document: %w", err)
	}
	baseSpec := filepath.Join(baseDir, o.Spec)
	if _, err := os.Stat(baseSpec); errors.Is(err, os.ErrNotExist) {
		r.Notes = append(r.Notes, fmt.Sprintf("the base has no %s: the whole document is new", o.Spec))
	} else {
		r.Doc, err = DiffDocuments(ctx, o.Tools.Oasdiff, baseSpec, headSpec, tmp)
		if err != nil {
			return nil, err
		}
	}

	if _, ok, err := modulePath(baseDir); err != nil {
		return nil, err
	} else if !ok {
		r.Notes = append(r.Notes, "the base has no go.mod: every package is new")
	}
	r.Go, err = DiffGoAPI(ctx, o.Tools.Apidiff, baseDir, o.Repo, tmp)
	if err != nil {
		return nil, err
	}
	r.ModulePath, _, err = modulePath(o.Repo)
	if err != nil {
		return nil, err
	}

	breaking, additions := false, false
	for _, c := range r.Doc {
		if c.Breaking() {
			breaking = true
			if !unreleased.RecordsDocChange(c) {
				r.UnrecordedDoc = append(r.UnrecordedDoc, c)
			}
		} else {
			additions = true
		}
	}
	for _, c := range r.Go {
		if c.Compatible {
			additions = true
			continue
		}
		breaking = true
		if !unreleased.RecordsPackage(c.Package, r.ModulePath) {
			r.UnrecordedGo = append(r.UnrecordedGo, c)
		}
	}
	if contains(r.Notes, "the whole document is new") || contains(r.Notes, "every package is new") {
		additions = true
	}
	r.Next, r.Why = base.Version.Next(breaking, additions)
	return r, nil
}

func contains(notes []string, s string) bool {
	for _, n := range notes {
		if strings.Contains(n, s) {
			return true
		}
	}
	return false
}

// Print writes the report: a summary, every breaking change (every change with verbose),
// the next version, and what to write in the changelog when something is not recorded.
func (r *Report) Print(w io.Writer, o Options, verbose bool) {
	fmt.Fprintf(w, "base: %s\n", r.Base.Describe())
	for _, n := range r.Notes {
		fmt.Fprintf(w, "note: %s\n", n)
	}

	var docBreaking, docWarn, docInfo int
	for _, c := range r.Doc {
		switch {
		case c.Breaking():
			docBreaking++
		case c.Level == levelWarn:
			docWarn++
		default:
			docInfo++
		}
	}
	fmt.Fprintf(w, "\ndocument %s: %d breaking (%d not recorded), %d to review (oasdiff warnings), %d additions or harmless changes\n",
		o.Spec, docBreaking, len(r.UnrecordedDoc), docWarn, docInfo)
	for _, c := range r.Doc {
		if c.Breaking() || verbose {
			fmt.Fprintf(w, "  %-8s %s %s: %s\n", docLabel(c), c.ID, c.Where(), c.Text)
		}
	}

	incompatible := map[string]int{}
	compatible := 0
	for _, c := range r.Go {
		if c.Compatible {
			compatible++
		} else {
			incompatible[c.Package]++
		}
	}
	unrecordedPkg := map[string]bool{}
	for _, c := range r.UnrecordedGo {
		unrecordedPkg[c.Package] = true
	}
	var pkgs []string
	for p := range incompatible {
		pkgs = append(pkgs, p)
	}
	sort.Strings(pkgs)
	fmt.Fprintf(w, "\nGo API of %s: %d incompatible changes in %d packages, %d compatible\n",
		r.ModulePath, len(r.Go)-compatible, len(pkgs), compatible)
	for _, p := range pkgs {
		state := "recorded"
		if unrecordedPkg[p] {
			state = "NOT RECORDED"
		}
		fmt.Fprintf(w, "  %-14s %4d incompatible: %s\n", p, incompatible[p], state)
	}
	if verbose {
		for _, c := range r.Go {
			kind := "compatible"
			if !c.Compatible {
				kind = "breaking"
			}
			fmt.Fprintf(w, "  %-10s %s\n", kind, c.Message)
		}
	} else if len(r.UnrecordedGo) > 0 {
		for _, c := range r.UnrecordedGo {
			fmt.Fprintf(w, "  breaking %s\n", c.Message)
		}
	}

	fmt.Fprintf(w, "\nnext version: %s (%s)\n", r.Next, r.Why)
	if !r.Failed() {
		fmt.Fprintf(w, "release-check: ok: every breaking change is recorded in %s\n", o.Changelog)
		return
	}
	fmt.Fprintf(w, "\nrelease-check: FAIL: %d breaking changes of the document and %d packages with breaking Go API changes are not recorded in %s\n",
		len(r.UnrecordedDoc), len(unrecordedPkg), o.Changelog)
	fmt.Fprintf(w, "Record them under \"### Changed\" or \"### Removed\" of \"## [Unreleased]\", for example:\n")
	byID := map[string][]string{}
	var ids []string
	for _, c := range r.UnrecordedDoc {
		if _, ok := byID[c.ID]; !ok {
			ids = append(ids, c.ID)
		}
		if c.Path != "" && !containsString(byID[c.ID], c.Where()) {
			byID[c.ID] = append(byID[c.ID], c.Where())
		}
	}
	for _, id := range ids {
		ops := ""
		if len(byID[id]) > 0 {
			ops = " " + strings.Join(byID[id], ", ")
		}
		fmt.Fprintf(w, "- openapi: `%s`%s: <what changed, for a user of the SDK>\n", id, ops)
	}
	var missing []string
	for p := range unrecordedPkg {
		missing = append(missing, p)
	}
	sort.Strings(missing)
	for _, p := range missing {
		fmt.Fprintf(w, "- %s: <what changed, for a user of the SDK>\n", p)
	}
}

func docLabel(c DocChange) string {
	switch {
	case c.Breaking():
		return "breaking"
	case c.Level == levelWarn:
		return "review"
	default:
		return "info"
	}
}

func containsString(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func main() {
	var o Options
	flag.StringVar(&o.Repo, "repo", ".", "the root of the work tree to check (a git repository)")
	flag.StringVar(&o.Spec, "spec", "openapi/openapi.yaml", "the OpenAPI document's path in the tree")
	flag.StringVar(&o.Changelog, "changelog", "CHANGELOG.md", "the changelog's path in the tree")
	verbose := flag.Bool("v", false, "list every change, not only the breaking ones")
	flag.Usage = func() {
		fmt.Fprintf(flag.CommandLine.Output(), "usage: go run ./internal/releasecheck [-v] [-repo DIR] [-spec PATH] [-changelog PATH]\n\n"+
			"Compares the document and the Go API with the last v* release (else the first commit),\n"+
			"prints the next version, and fails when a breaking change is not in the changelog.\n\n")
		flag.PrintDefaults()
	}
	flag.Parse()
	if flag.NArg() > 0 {
		fmt.Fprintf(os.Stderr, "releasecheck: unexpected argument %q\n", flag.Arg(0))
		flag.Usage()
		os.Exit(2)
	}
	ctx := context.Background()
	toolDir, err := os.MkdirTemp("", "releasecheck-tools-")
	if err != nil {
		fmt.Fprintln(os.Stderr, "releasecheck:", err)
		os.Exit(2)
	}
	status := run(ctx, o, toolDir, *verbose)
	os.RemoveAll(toolDir)
	os.Exit(status)
}

func run(ctx context.Context, o Options, toolDir string, verbose bool) int {
	var err error
	o.Tools, err = BuildTools(ctx, toolDir)
	if err != nil {
		fmt.Fprintln(os.Stderr, "releasecheck:", err)
		return 2
	}
	r, err := Check(ctx, o)
	if err != nil {
		fmt.Fprintln(os.Stderr, "releasecheck:", err)
		return 2
	}
	r.Print(os.Stdout, o, verbose)
	if r.Failed() {
		return 1
	}
	return 0
}
