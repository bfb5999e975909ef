// Command crawlergen writes the typed crawler packages, one per crawler of the catalogue
// (package catalog), into crawlers/<name>/<name>.go, where <name> is the slug without a
// trailing -scraper or -export, with the dashes removed (google-maps-leads-scraper →
// crawlers/googlemapsleads); a name that would start with a digit or be a Go keyword gets
// the prefix "crawler". Two slugs that give one name fail the generation. It also writes
// crawlers/doc.go (the index of the packages) and crawlers/all_test.go (the table the
// tests of package crawlers run over every package), and removes the folders of crawlers no
// longer in the catalogue: only folders whose every file carries the generated header; one
// that holds a hand-written file is an error to resolve by hand. The output is
// deterministic. It runs from go:generate at the module root:
//
//	go run ./internal/crawlergen [-out crawlers]
//
// What each package holds: Slug and ID; Task, one field per documented task key, and
// Params; Settings, one field per documented squid param plus Functions, one field per
// function, and SquidParams; a named type with one constant per value for each key that
// lists its allowed values (strings, integers or numbers); Result, one field per documented
// column, with a decoder that never fails on a column and keeps what does not fit in Extra.
//
// Types. Task and Settings: string → string, integer → int, number → float64, boolean →
// *bool, array → []string when the docs' example (else default) is an array of strings,
// else []any (or a slice of the key's named type when it lists allowed values), object →
// map[string]any. Result: string, int64, float64, bool, []any and map[string]any (numbers
// inside as json.Number), and json.RawMessage for a column of no known type.
//
// What is sent. Params and SquidParams send a field unless it is at its zero value: ""
// and 0 are not sent, nor a nil slice or map (an empty non-nil one is sent as [] or {}).
// Since the zero value then cannot be sent, a field is a pointer, nil meaning "not sent",
// exactly when its zero value is a value one may mean:
//   - every boolean (task keys, params and functions): false must be sendable, because a
//     default may be true and because lobstr merges a squid's params key by key, so not
//     sending a key keeps what the squid has;
//   - an integer or number whose documented default is not 0;
//   - a string whose documented default is not "", unless the key lists its allowed values
//     and "" is not one of them (then every value that may be sent is a non-empty constant).
//
// Names. Keys become exported Go names (snake_case and camelCase split into words,
// initialisms such as ID and URL in capitals). A key that would start with a digit gets the
// prefix F, one with no letter or digit is Field; a name taken in its struct (Params,
// SquidParams, Functions, Extra, MarshalJSON, UnmarshalJSON, or another key's) gets the
// suffix Field, then a number. An allowed-values type is named after its field, prefixed
// with Task or Settings when the name is taken; a constant is the type's name and the value
// in words ("4.5+" → Ratings45Plus, "Any rating" → RatingsAnyRating), made unique with the
// suffix Value and a number. -v lists every name changed that way.
package main

import (
	"bytes"
	"errors"
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
	out := flag.String("out", "crawlers", "the folder of the typed packages")
	verbose := flag.Bool("v", false, "list every name the generator had to change")
	flag.Parse()
	if flag.NArg() > 0 {
		fmt.Fprintln(os.Stderr, "crawlergen: no arguments expected; usage: go run ./internal/crawlergen [-out DIR] [-v]")
		os.Exit(2)
	}
	files, pkgs, err := generate(catalog.All())
	if err == nil {
		err = write(*out, files)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "crawlergen:", err)
		os.Exit(1)
	}
	if *verbose {
		for _, p := range pkgs {
			for _, m := range p.mangled {
				fmt.Println(m)
			}
		}
	}
}

// generate plans and renders every crawler's package, and the index and test table. The
// keys of files are paths relative to the output folder, with slashes.
func generate(all []*catalog.Crawler) (files map[string][]byte, pkgs []*pkg, err error) {
	files = map[string][]byte{}
	bySlug := map[string]string{}
	for _, c := range all {
		p, err := plan(c)
		if err != nil {
			return nil, nil, err
		}
		if other, ok := bySlug[p.name]; ok {
			return nil, nil, fmt.Errorf("the crawlers %s and %s would both be package crawlers/%s: "+
				"give the generator's packageName a rule that tells them apart", other, c.Slug, p.name)
		}
		if p.name == "internal" {
			return nil, nil, fmt.Errorf("crawler %s: its package name %q is reserved", c.Slug, p.name)
		}
		bySlug[p.name] = c.Slug
		src, err := render(p)
		if err != nil {
			return nil, nil, err
		}
		files[p.name+"/"+p.name+".go"] = src
		pkgs = append(pkgs, p)
	}
	slices.SortFunc(pkgs, func(a, b *pkg) int { return strings.Compare(a.name, b.name) })
	if files["doc.go"], err = renderIndex(pkgs); err != nil {
		return nil, nil, err
	}
	if files["all_test.go"], err = renderTable(pkgs); err != nil {
		return nil, nil, err
	}
	return files, pkgs, nil
}

// isGenerated says whether src is a file of the generator.
func isGenerated(src []byte) bool { return bytes.HasPrefix(src, []byte(header+"\n")) }

// write writes files under dir, and removes the generated files and package folders that
// files no longer holds.
func write(dir string, files map[string][]byte) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	stale, err := staleFiles(dir, files)
	if err != nil {
		return err
	}
	for _, path := range stale {
		if err := os.Remove(filepath.Join(dir, filepath.FromSlash(path))); err != nil {
			return err
		}
		// The folder goes when it is empty now.
		if d := filepath.Dir(filepath.Join(dir, filepath.FromSlash(path))); d != filepath.Clean(dir) {
			if left, err := os.ReadDir(d); err == nil && len(left) == 0 {
				if err := os.Remove(d); err != nil {
					return err
				}
			}
		}
	}
	names := make([]string, 0, len(files))
	for name := range files {
		names = append(names, name)
	}
	slices.Sort(names)
	for _, name := range names {
		path := filepath.Join(dir, filepath.FromSlash(name))
		if old, err := os.ReadFile(path); err == nil && bytes.Equal(old, files[name]) {
			continue // unchanged: keep its modification time
		}
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(path, files[name], 0o644); err != nil {
			return err
		}
	}
	return nil
}

// staleFiles lists the generated files under dir (top level and one folder down) that files
// does not hold. A package folder that is no longer generated but holds a hand-written file
// is an error: its tests would outlive their package.
func staleFiles(dir string, files map[string][]byte) ([]string, error) {
	var stale []string
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	for _, e := range entries {
		if !e.IsDir() {
			if _, ok := files[e.Name()]; !ok && strings.HasSuffix(e.Name(), ".go") {
				if gen, err := generatedFile(filepath.Join(dir, e.Name())); err != nil {
					return nil, err
				} else if gen {
					stale = append(stale, e.Name())
				}
			}
			continue
		}
		if e.Name() == "internal" || e.Name() == "testdata" {
			continue
		}
		if _, ok := files[e.Name()+"/"+e.Name()+".go"]; ok {
			continue
		}
		sub, err := os.ReadDir(filepath.Join(dir, e.Name()))
		if err != nil {
			return nil, err
		}
		var gen, hand []string
		for _, f := range sub {
			if f.IsDir() {
				hand = append(hand, f.Name()+"/")
				continue
			}
			ok, err := generatedFile(filepath.Join(dir, e.Name(), f.Name()))
			if err != nil {
				return nil, err
			}
			if ok {
				gen = append(gen, e.Name()+"/"+f.Name())
			} else {
				hand = append(hand, f.Name())
			}
		}
		switch {
		case len(gen) == 0:
			// Not ours.
		case len(hand) > 0:
			return nil, fmt.Errorf("%s: its crawler is no longer in the catalogue, but the folder holds "+
				"files the generator did not write (%s): remove or move them, then generate again",
				filepath.Join(dir, e.Name()), strings.Join(hand, ", "))
		default:
			stale = append(stale, gen...)
		}
	}
	slices.Sort(stale)
	return stale, nil
}

func generatedFile(path string) (bool, error) {
	f, err := os.Open(path)
	if err != nil {
		return false, err
	}
	defer f.Close()
	buf := make([]byte, len(header)+1)
	n, err := io.ReadFull(f, buf)
	if err != nil && !errors.Is(err, io.ErrUnexpectedEOF) && !errors.Is(err, io.EOF) {
		return false, err
	}
	return isGenerated(buf[:n]), nil
}
