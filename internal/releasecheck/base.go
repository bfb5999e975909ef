package main

import (
	"archive/tar"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
)

// Base is what the work tree is compared with: the last release, or the first commit.
type Base struct {
	Commit  string  // the full commit hash
	Tag     string  // the release tag, "" when there is none
	Version Version // the tag's version; 0.0.0 without a tag
	Shallow bool    // no tag, and the clone is shallow: Commit is the oldest commit it has
	Notes   []string
}

// Describe says what the base is, in words.
func (b Base) Describe() string {
	short := b.Commit
	if len(short) > 12 {
		short = short[:12]
	}
	if b.Tag != "" {
		return fmt.Sprintf("%s (%s), the last release", b.Tag, short)
	}
	if b.Shallow {
		return fmt.Sprintf("%s, the oldest commit of this shallow clone (no v* release tag)", short)
	}
	return fmt.Sprintf("%s, the first commit (no v* release tag yet)", short)
}

// git runs git in repo and returns its trimmed standard output.
func git(ctx context.Context, repo string, args ...string) (string, error) {
	cmd := exec.CommandContext(ctx, "git", append([]string{"-C", repo}, args...)...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("git %s: %v: %s", strings.Join(args, " "), err, strings.TrimSpace(stderr.String()))
	}
	return strings.TrimSpace(stdout.String()), nil
}

// FindBase finds the base of the comparison in repo: the highest vMAJOR.MINOR.PATCH tag
// reachable from HEAD (pre-release tags are not releases), else the first commit. In a
// shallow clone the first commit is not there: the oldest commit that is stands in for
// it, and a note says so.
func FindBase(ctx context.Context, repo string) (Base, error) {
	tags, err := git(ctx, repo, "tag", "--merged", "HEAD", "--list", "v*")
	if err != nil {
		return Base{}, err
	}
	var b Base
	for _, t := range strings.Fields(tags) {
		v, err := ParseVersion(t)
		if err != nil {
			continue
		}
		if b.Tag == "" || b.Version.Less(v) {
			b.Tag, b.Version = t, v
		}
	}
	shallow, err := git(ctx, repo, "rev-parse", "--is-shallow-repository")
	if err != nil {
		return Base{}, err
	}
	if b.Tag != "" {
		b.Commit, err = git(ctx, repo, "rev-parse", b.Tag+"^{commit}")
		return b, err
	}
	roots, err := git(ctx, repo, "rev-list", "--max-parents=0", "HEAD")
	if err != nil {
		return Base{}, err
	}
	lines := strings.Fields(roots)
	if len(lines) == 0 {
		return Base{}, errors.New("git rev-list found no first commit")
	}
	b.Commit = lines[len(lines)-1] // the oldest root, when histories were joined
	if shallow == "true" {
		b.Shallow = true
		b.Notes = append(b.Notes, fmt.Sprintf("this clone is shallow and has no v* tag: the first commit is "+
			"not here, so the base is the oldest commit that is (%.12s); run `git fetch --unshallow --tags` "+
			"for the real comparison", b.Commit))
	}
	head, err := git(ctx, repo, "rev-parse", "HEAD")
	if err != nil {
		return Base{}, err
	}
	if head == b.Commit {
		b.Notes = append(b.Notes, "the base is HEAD itself: only uncommitted changes can show")
	}
	return b, nil
}

// ExtractCommit writes the tree of commit into dir (which must exist), through git archive.
func ExtractCommit(ctx context.Context, repo, commit, dir string) error {
	cmd := exec.CommandContext(ctx, "git", "-C", repo, "archive", "--format=tar", commit)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		return err
	}
	if err := cmd.Start(); err != nil {
		return err
	}
	extractErr := extractTar(out, dir)
	_, _ = io.Copy(io.Discard, out)
	if err := cmd.Wait(); err != nil {
		return fmt.Errorf("git archive %s: %v: %s", commit, err, strings.TrimSpace(stderr.String()))
	}
	return extractErr
}

// extractTar writes the regular files and directories of a tar stream under dir.
func extractTar(r io.Reader, dir string) error {
	tr := tar.NewReader(r)
	for {
		h, err := tr.Next()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
		name := filepath.FromSlash(h.Name)
		if !filepath.IsLocal(name) {
			return fmt.Errorf("archive entry %q leaves the directory", h.Name)
		}
		target := filepath.Join(dir, name)
		switch h.Typeflag {
		case tar.TypeDir:
			if err := os.MkdirAll(target, 0o755); err != nil {
				return err
			}
		case tar.TypeReg:
			if err := os.MkdirAll(filepath.Dir(target), 0o755); err != nil {
				return err
			}
			f, err := os.OpenFile(target, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, os.FileMode(h.Mode)&0o755|0o600)
			if err != nil {
				return err
			}
			_, err = io.Copy(f, tr)
			if cerr := f.Close(); err == nil {
				err = cerr
			}
			if err != nil {
				return err
			}
		}
	}
}

// Version is a release's semantic version.
type Version struct{ Major, Minor, Patch int }

// ParseVersion reads "vMAJOR.MINOR.PATCH" (a release tag: no pre-release or build part).
func ParseVersion(s string) (Version, error) {
	parts := strings.Split(strings.TrimPrefix(s, "v"), ".")
	if !strings.HasPrefix(s, "v") || len(parts) != 3 {
		return Version{}, fmt.Errorf("%q is not a release version vMAJOR.MINOR.PATCH", s)
	}
	var n [3]int
	for i, p := range parts {
		v, err := strconv.Atoi(p)
		if err != nil || v < 0 || p != strconv.Itoa(v) {
			return Version{}, fmt.Errorf("%q is not a release version vMAJOR.MINOR.PATCH", s)
		}
		n[i] = v
	}
	return Version{n[0], n[1], n[2]}, nil
}

// String formats the version as a tag, "v1.2.3".
func (v Version) String() string { return fmt.Sprintf("v%d.%d.%d", v.Major, v.Minor, v.Patch) }

// Less reports whether v comes before w.
func (v Version) Less(w Version) bool {
	if v.Major != w.Major {
		return v.Major < w.Major
	}
	if v.Minor != w.Minor {
		return v.Minor < w.Minor
	}
	return v.Patch < w.Patch
}

// Next returns the version semver asks for after v, and why: a breaking change bumps the
// major version, an addition the minor, anything else the patch. Before 1.0 everything
// moves down one place (as Go's and Cargo's tools read 0.x versions): a breaking change
// bumps the minor version, an addition the patch.
func (v Version) Next(breaking, additions bool) (Version, string) {
	switch {
	case breaking && v.Major == 0:
		return Version{0, v.Minor + 1, 0}, "minor: breaking changes, and before 1.0 a breaking change bumps the minor version"
	case breaking:
		return Version{v.Major + 1, 0, 0}, "major: breaking changes"
	case additions && v.Major == 0:
		return Version{0, v.Minor, v.Patch + 1}, "patch: additions only, and before 1.0 an addition bumps the patch version"
	case additions:
		return Version{v.Major, v.Minor + 1, 0}, "minor: additions only"
	default:
		return Version{v.Major, v.Minor, v.Patch + 1}, "patch: no change to the document or the Go API"
	}
}
