package main

import (
	"fmt"
	"strings"
)

// Entry is one bullet of the changelog's Unreleased section: the "### " heading it sits
// under and its text, continuation lines joined with spaces.
type Entry struct {
	Section string // the heading, as written: "Changed", "Removed", …
	Text    string // the bullet's text without its "- " or "* " marker
}

// Unreleased is the "## [Unreleased]" section of a Keep a Changelog file.
type Unreleased struct {
	Entries []Entry
}

// breakingSections are the headings under which an entry records a breaking change.
var breakingSections = []string{"Changed", "Removed"}

// ParseChangelog reads a Keep a Changelog file and returns its Unreleased section. A file
// without a "## [Unreleased]" heading is an error: the gate has nowhere to look.
func ParseChangelog(text string) (Unreleased, error) {
	var u Unreleased
	found, in := false, false
	section := ""
	var cur *Entry
	flush := func() {
		if cur != nil {
			cur.Text = strings.TrimSpace(cur.Text)
			u.Entries = append(u.Entries, *cur)
			cur = nil
		}
	}
	for _, line := range strings.Split(strings.ReplaceAll(text, "\r\n", "\n"), "\n") {
		trimmed := strings.TrimSpace(line)
		switch {
		case strings.HasPrefix(line, "## "):
			flush()
			title := strings.TrimSpace(strings.TrimPrefix(line, "## "))
			title = strings.TrimSuffix(strings.TrimPrefix(title, "["), "]")
			in = strings.EqualFold(title, "Unreleased")
			if in {
				if found {
					return Unreleased{}, fmt.Errorf("changelog: two \"## [Unreleased]\" sections")
				}
				found = true
			}
			section = ""
		case !in:
		case strings.HasPrefix(line, "### "):
			flush()
			section = strings.TrimSpace(strings.TrimPrefix(line, "### "))
		case strings.HasPrefix(line, "- ") || strings.HasPrefix(line, "* "):
			flush()
			cur = &Entry{Section: section, Text: line[2:]}
		case trimmed == "":
			flush()
		case cur != nil && (strings.HasPrefix(line, " ") || strings.HasPrefix(line, "\t")):
			cur.Text += " " + trimmed
		default:
			flush()
		}
	}
	flush()
	if !found {
		return Unreleased{}, fmt.Errorf("changelog: no \"## [Unreleased]\" section")
	}
	return u, nil
}

// breaking returns the entries under a heading that records breaking changes.
func (u Unreleased) breaking() []Entry {
	var out []Entry
	for _, e := range u.Entries {
		for _, s := range breakingSections {
			if strings.EqualFold(e.Section, s) {
				out = append(out, e)
			}
		}
	}
	return out
}

// RecordsDocChange reports whether an entry under Changed or Removed names the oasdiff
// change: its id (e.g. response-required-property-removed) as a whole word, and, when
// the change is about an operation, the operation as "METHOD /path" (e.g.
// "GET /tasks/{task_hash}"). One entry may name several operations.
func (u Unreleased) RecordsDocChange(c DocChange) bool {
	for _, e := range u.breaking() {
		if !containsWord(e.Text, c.ID, isIDChar) {
			continue
		}
		if c.Path == "" || containsWord(e.Text, c.Operation+" "+c.Path, isPathChar) {
			return true
		}
	}
	return false
}

// RecordsPackage reports whether an entry under Changed or Removed starts with the
// package's path relative to the module (e.g. "api:", "gen/models:", or several:
// "api, api/apitest:"), backquotes allowed. modulePath is also accepted as a prefix.
func (u Unreleased) RecordsPackage(pkg, modulePath string) bool {
	for _, e := range u.breaking() {
		for _, p := range entryPackages(e.Text) {
			p = strings.TrimPrefix(p, modulePath+"/")
			if p == pkg || (pkg == "." && p == modulePath) {
				return true
			}
		}
	}
	return false
}

// entryPackages returns the package names an entry starts with: the comma-separated list
// before its first colon, when every item is a path with no space.
func entryPackages(text string) []string {
	head, _, ok := strings.Cut(text, ":")
	if !ok {
		return nil
	}
	var out []string
	for _, p := range strings.Split(head, ",") {
		p = strings.Trim(strings.TrimSpace(p), "`")
		if p == "" || strings.ContainsAny(p, " \t`") {
			return nil
		}
		out = append(out, p)
	}
	return out
}

func isIDChar(b byte) bool {
	return b == '-' || b == '_' || b >= 'a' && b <= 'z' || b >= 'A' && b <= 'Z' || b >= '0' && b <= '9'
}

func isPathChar(b byte) bool {
	return isIDChar(b) || b == '/' || b == '{' || b == '}'
}

// containsWord reports whether s holds word with no word character (by isWord) just
// before or just after it.
func containsWord(s, word string, isWord func(byte) bool) bool {
	if word == "" {
		return false
	}
	for i := 0; ; {
		j := strings.Index(s[i:], word)
		if j < 0 {
			return false
		}
		start, end := i+j, i+j+len(word)
		if (start == 0 || !isWord(s[start-1])) && (end == len(s) || !isWord(s[end])) {
			return true
		}
		i = start + 1
	}
}
