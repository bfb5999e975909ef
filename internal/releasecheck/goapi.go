package main

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// GoChange is one change apidiff found between two versions of the module's exported API.
type GoChange struct {
	Package    string // the package's path relative to the module ("api", "gen/models"), "." for its root
	Message    string // apidiff's line, e.g. "./gen/models.Task: removed"
	Compatible bool   // false: code that compiled against the base may not compile now
}

// modulePath reads the module path from dir/go.mod; ok is false when there is no go.mod.
func modulePath(dir string) (path string, ok bool, err error) {
	data, err := os.ReadFile(filepath.Join(dir, "go.mod"))
	if os.IsNotExist(err) {
		return "", false, nil
	}
	if err != nil {
		return "", false, err
	}
	for _, line := range strings.Split(string(data), "\n") {
		if rest, found := strings.CutPrefix(strings.TrimSpace(line), "module "); found {
			return strings.Trim(strings.TrimSpace(rest), `"`), true, nil
		}
	}
	return "", false, fmt.Errorf("%s: no module line", filepath.Join(dir, "go.mod"))
}

// exportAPI writes the export data of every non-internal package of the module in dir to
// out, with apidiff. The module's dependencies come from the module cache or the proxy.
func exportAPI(ctx context.Context, apidiff, dir, out string) error {
	mod, ok, err := modulePath(dir)
	if err != nil {
		return err
	}
	if !ok {
		return fmt.Errorf("%s has no go.mod", dir)
	}
	cmd := exec.CommandContext(ctx, apidiff, "-m", "-w", out, mod)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GOWORK=off")
	var output bytes.Buffer
	cmd.Stdout, cmd.Stderr = &output, &output
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("apidiff -m -w %s (in %s): %v: %s", mod, dir, err, strings.TrimSpace(output.String()))
	}
	return nil
}

// DiffGoAPI compares the exported API of the modules in baseDir and headDir with apidiff.
// A base without go.mod has no API: every package of the head is new. tmp is a directory
// for the export data.
func DiffGoAPI(ctx context.Context, apidiff, baseDir, headDir, tmp string) ([]GoChange, error) {
	headMod, ok, err := modulePath(headDir)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, fmt.Errorf("%s has no go.mod", headDir)
	}
	headExp := filepath.Join(tmp, "head.api")
	if err := exportAPI(ctx, apidiff, headDir, headExp); err != nil {
		return nil, err
	}
	baseMod, ok, err := modulePath(baseDir)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, nil
	}
	baseExp := filepath.Join(tmp, "base.api")
	if err := exportAPI(ctx, apidiff, baseDir, baseExp); err != nil {
		return nil, err
	}
	cmd := exec.CommandContext(ctx, apidiff, "-m", baseExp, headExp)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return nil, fmt.Errorf("apidiff -m: %v: %s", err, strings.TrimSpace(stderr.String()))
	}
	return parseAPIDiff(stdout.String(), baseMod, headMod)
}

// parseAPIDiff reads apidiff -m's report: "Incompatible changes:" and "Compatible
// changes:" headings, each followed by "- NAME: WHAT" lines, where NAME is
// "./pkg/path.Ident…" or "package IMPORT/PATH".
func parseAPIDiff(out, baseMod, headMod string) ([]GoChange, error) {
	var changes []GoChange
	section := ""
	sc := bufio.NewScanner(strings.NewReader(out))
	sc.Buffer(make([]byte, 0, 64*1024), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		switch {
		case line == "Incompatible changes:" || line == "Compatible changes:":
			section = line
		case strings.HasPrefix(line, "- "):
			if section == "" {
				return nil, fmt.Errorf("apidiff: a change outside a section: %q", line)
			}
			pkg, err := changePackage(line[2:], baseMod, headMod)
			if err != nil {
				return nil, err
			}
			changes = append(changes, GoChange{Package: pkg, Message: line[2:], Compatible: section == "Compatible changes:"})
		}
	}
	return changes, sc.Err()
}

// changePackage returns the module-relative package an apidiff line is about.
func changePackage(msg, baseMod, headMod string) (string, error) {
	name, _, ok := strings.Cut(msg, ": ")
	if !ok {
		return "", fmt.Errorf("apidiff: no \": \" in %q", msg)
	}
	if p, found := strings.CutPrefix(name, "package "); found {
		for _, mod := range []string{headMod, baseMod} {
			if p == mod {
				return ".", nil
			}
			if rel, found := strings.CutPrefix(p, mod+"/"); found {
				return rel, nil
			}
		}
		return "", fmt.Errorf("apidiff: package %s is in neither module %s nor %s", p, baseMod, headMod)
	}
	rel, found := strings.CutPrefix(name, "./")
	if !found {
		return "", fmt.Errorf("apidiff: %q names no package", msg)
	}
	// The package path ends at the first dot after its last slash; what follows it (a
	// receiver, "method set of …") may name other packages.
	if cut := strings.IndexAny(rel, " ,(*"); cut >= 0 {
		rel = rel[:cut]
	}
	slash := strings.LastIndexByte(rel, '/')
	dot := strings.IndexByte(rel[slash+1:], '.')
	if dot < 0 {
		return "", fmt.Errorf("apidiff: %q names no package", msg)
	}
	pkg := rel[:slash+1+dot]
	if pkg == "" {
		pkg = "."
	}
	return pkg, nil
}
