package main

import (
	"fmt"
	"go/format"
	"strconv"
)

// renderIndex writes crawlers/doc.go: package crawlers, whose doc lists every package.
func renderIndex(pkgs []*pkg) ([]byte, error) {
	w := &writer{}
	w.line(header)
	w.line("")
	w.comment(fmt.Sprintf("Package crawlers holds one typed package per crawler of lobstr's catalogue (%d in all), "+
		"generated from package catalog by `go generate ./...`: crawlers/<name>, where <name> is the crawler's slug "+
		"without a trailing -scraper or -export, dashes removed. Each has Slug and ID, Task and its Params, Settings "+
		"and its SquidParams, typed constants for the allowed values, and Result, a row of the crawler's results. "+
		"Importing one package compiles no other crawler's.", len(pkgs)))
	w.line("//")
	w.comment("The packages, by crawler:")
	w.line("//")
	for _, p := range pkgs {
		w.line("//   - [github.com/lobstr-go/lobstr/crawlers/%s]: %s (%s)", p.name, p.c.Name, p.c.Slug)
	}
	w.line("package crawlers")
	return format.Source(w.Bytes())
}

// renderTable writes crawlers/all_test.go: the table of every package that the tests of
// package crawlers_test run over.
func renderTable(pkgs []*pkg) ([]byte, error) {
	w := &writer{}
	w.line(header)
	w.line("")
	w.line("package crawlers_test")
	w.line("")
	w.line("import (")
	for _, p := range pkgs {
		w.line("%q", "github.com/lobstr-go/lobstr/crawlers/"+p.name)
	}
	w.line(")")
	w.line("")
	w.line("// packages lists every generated package, by name.")
	w.line("var packages = []pkgCase{")
	for _, p := range pkgs {
		n := p.name
		w.line("{")
		w.line("Name: %s, Slug: %s.Slug, ID: %s.ID,", strconv.Quote(n), n, n)
		w.line("Task: taskParams[%s.Task], Settings: squidParams[%s.Settings],", n, n)
		w.line("NewResult: func() any { return new(%s.Result) }, Results: resultsAs[%s.Result],", n, n)
		w.line("},")
	}
	w.line("}")
	return format.Source(w.Bytes())
}
