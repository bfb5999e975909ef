package main

import (
	"strings"
	"testing"
)

const sampleChangelog = `# Changelog

Intro text. The rule's example is not an entry:
- api: not in Unreleased

## [Unreleased]

### Added
- gen/models: new models
- openapi: ` + "`response-required-property-removed`" + ` GET /squids: under Added, not a record

### Changed
- api, ` + "`api/apitest`" + `: the services
  and a continuation line naming ` + "`request-property-removed`" + ` POST /tasks
- openapi: ` + "`response-property-type-changed`" + ` GET /tasks, GET /runs/{run_hash}.
- The types: a sentence, not a package list
* gen: starred bullet

### Removed
- types: Timestamp.Old

## [0.1.0] - 2026-01-01

### Changed
- cmd/lobstr: released already
- openapi: ` + "`endpoint-removed`" + ` GET /old
`

func TestParseChangelog(t *testing.T) {
	u, err := ParseChangelog(sampleChangelog)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range u.Entries {
		got = append(got, e.Section+" | "+e.Text)
	}
	want := []string{
		"Added | gen/models: new models",
		"Added | openapi: `response-required-property-removed` GET /squids: under Added, not a record",
		"Changed | api, `api/apitest`: the services and a continuation line naming `request-property-removed` POST /tasks",
		"Changed | openapi: `response-property-type-changed` GET /tasks, GET /runs/{run_hash}.",
		"Changed | The types: a sentence, not a package list",
		"Changed | gen: starred bullet",
		"Removed | types: Timestamp.Old",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("entries:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}

	for _, bad := range []struct{ text, want string }{
		{"# Changelog\n\n## [0.1.0]\n- api: x\n", `no "## [Unreleased]" section`},
		{"## Unreleased\n## [Unreleased]\n", `two "## [Unreleased]" sections`},
	} {
		if _, err := ParseChangelog(bad.text); err == nil || !strings.Contains(err.Error(), bad.want) {
			t.Errorf("ParseChangelog(%q) = %v, want an error saying %q", bad.text, err, bad.want)
		}
	}
	// "## Unreleased" without brackets, CRLF line ends.
	u, err = ParseChangelog("## Unreleased\r\n### Removed\r\n- api: x\r\n")
	if err != nil || len(u.Entries) != 1 || u.Entries[0].Text != "api: x" {
		t.Errorf("a plain heading with CRLF: %+v, %v", u, err)
	}
}

func TestRecordsDocChange(t *testing.T) {
	u, err := ParseChangelog(sampleChangelog)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		change DocChange
		want   bool
	}{
		{DocChange{ID: "response-property-type-changed", Operation: "GET", Path: "/tasks"}, true},
		{DocChange{ID: "response-property-type-changed", Operation: "GET", Path: "/runs/{run_hash}"}, true},
		{DocChange{ID: "request-property-removed", Operation: "POST", Path: "/tasks"}, true}, // on a continuation line
		// "GET /tasks" does not name GET /tasks/{hash}, nor POST /tasks.
		{DocChange{ID: "response-property-type-changed", Operation: "GET", Path: "/tasks/{hash}"}, false},
		{DocChange{ID: "response-property-type-changed", Operation: "POST", Path: "/tasks"}, false},
		// An id inside a longer id is not named.
		{DocChange{ID: "response-property-type", Operation: "GET", Path: "/tasks"}, false},
		{DocChange{ID: "property-type-changed", Operation: "GET", Path: "/tasks"}, false},
		// Under Added, or in a released version, is no record.
		{DocChange{ID: "response-required-property-removed", Operation: "GET", Path: "/squids"}, false},
		{DocChange{ID: "endpoint-removed", Operation: "GET", Path: "/old"}, false},
		// A change outside any operation needs its id only.
		{DocChange{ID: "request-property-removed"}, true},
		{DocChange{ID: "api-global-security-removed"}, false},
	} {
		if got := u.RecordsDocChange(c.change); got != c.want {
			t.Errorf("RecordsDocChange(%s %s) = %v, want %v", c.change.ID, c.change.Where(), got, c.want)
		}
	}
}

func TestRecordsPackage(t *testing.T) {
	u, err := ParseChangelog(sampleChangelog)
	if err != nil {
		t.Fatal(err)
	}
	const mod = "github.com/lobstr-go/lobstr"
	for pkg, want := range map[string]bool{
		"api":         true,
		"api/apitest": true,  // backquoted, second of a list
		"gen":         true,  // a starred bullet
		"types":       true,  // under Removed; "The types:" is a sentence, not a list
		"gen/models":  false, // under Added only
		"cmd/lobstr":  false, // released already
		"openapi":     true,
		"internal/x":  false,
		".":           false,
	} {
		if got := u.RecordsPackage(pkg, mod); got != want {
			t.Errorf("RecordsPackage(%q) = %v, want %v", pkg, got, want)
		}
	}
	full, _ := ParseChangelog("## [Unreleased]\n### Changed\n- github.com/lobstr-go/lobstr/gen/models: x\n- github.com/lobstr-go/lobstr: root\n")
	if !full.RecordsPackage("gen/models", mod) || !full.RecordsPackage(".", mod) || full.RecordsPackage("gen", mod) {
		t.Error("full import paths are not read as their packages")
	}
}

func TestVersionNext(t *testing.T) {
	for _, c := range []struct {
		from                string
		breaking, additions bool
		want                string
	}{
		{"v0.0.0", true, true, "v0.1.0"},
		{"v0.3.2", true, false, "v0.4.0"},
		{"v0.3.2", false, true, "v0.3.3"},
		{"v0.3.2", false, false, "v0.3.3"},
		{"v1.2.3", true, true, "v2.0.0"},
		{"v1.2.3", false, true, "v1.3.0"},
		{"v1.2.3", false, false, "v1.2.4"},
	} {
		v, err := ParseVersion(c.from)
		if err != nil {
			t.Fatal(err)
		}
		if got, why := v.Next(c.breaking, c.additions); got.String() != c.want || why == "" {
			t.Errorf("%s.Next(breaking %v, additions %v) = %s (%q), want %s", c.from, c.breaking, c.additions, got, why, c.want)
		}
	}
	for _, bad := range []string{"1.2.3", "v1.2", "v1.2.3-rc.1", "v1.02.3", "v1.2.-3", "v1.2.3.4", "vnext", ""} {
		if _, err := ParseVersion(bad); err == nil || !strings.Contains(err.Error(), "not a release version") {
			t.Errorf("ParseVersion(%q) = %v, want an error", bad, err)
		}
	}
	a, _ := ParseVersion("v1.10.0")
	b, _ := ParseVersion("v1.9.9")
	if !b.Less(a) || a.Less(b) || a.Less(a) {
		t.Error("v1.9.9 does not come before v1.10.0")
	}
}

func TestParseAPIDiff(t *testing.T) {
	const out = `Ignoring internal package github.com/lobstr-go/lobstr/internal/specvalidate
Incompatible changes:
- ./gen.(*BadRequestJSONResponse).UnmarshalJSON, method set of *AddTasks400JSONResponse: removed
- ./gen/models.Task.Label: removed
- package github.com/lobstr-go/lobstr/old: removed
Compatible changes:
- ./api.(*TasksService).Get: added
- package github.com/lobstr-go/lobstr/v2/api/apitest: added
- ./.Version: added
`
	changes, err := parseAPIDiff(out, "github.com/lobstr-go/lobstr", "github.com/lobstr-go/lobstr/v2")
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, c := range changes {
		got = append(got, c.Package+" "+map[bool]string{true: "compatible", false: "breaking"}[c.Compatible])
	}
	want := "gen breaking,gen/models breaking,old breaking,api compatible,api/apitest compatible,. compatible"
	if strings.Join(got, ",") != want {
		t.Errorf("packages: %s\nwant      %s", strings.Join(got, ","), want)
	}
	for _, bad := range []string{
		"- ./gen.X: removed\n",                              // outside a section
		"Incompatible changes:\n- no colon here\n",          // no ": "
		"Incompatible changes:\n- gen.X: removed\n",         // no "./"
		"Incompatible changes:\n- ./gen: removed\n",         // no identifier
		"Incompatible changes:\n- package other/x: added\n", // another module
	} {
		if _, err := parseAPIDiff(bad, "m", "m"); err == nil {
			t.Errorf("parseAPIDiff(%q): no error", bad)
		}
	}
}

func TestParseDocChanges(t *testing.T) {
	changes, err := parseDocChanges([]byte(`[{"id":"endpoint-added","text":"t","level":1,"operation":"GET","path":"/x"},
		{"id":"api-version-not-bumped","text":"t","level":1}]`))
	if err != nil || len(changes) != 1 || changes[0].Where() != "GET /x" || changes[0].Breaking() {
		t.Errorf("parseDocChanges = %+v, %v; want endpoint-added alone, not breaking", changes, err)
	}
	for _, bad := range []string{`Error: bad`, `[{"id":"","level":1}]`, `[{"id":"x","level":4}]`} {
		if _, err := parseDocChanges([]byte(bad)); err == nil {
			t.Errorf("parseDocChanges(%q): no error", bad)
		}
	}
}

// The changelog is outside input: any text parses or fails cleanly, and every entry it
// returns is trimmed and was written in the file.
func FuzzParseChangelog(f *testing.F) {
	f.Add(sampleChangelog)
	f.Add("## [Unreleased]\n### Changed\n- api: x\n  more\n")
	f.Add("## Unreleased\r\n* `a`, b: c\n")
	f.Fuzz(func(t *testing.T, text string) {
		u, err := ParseChangelog(text)
		if err != nil {
			return
		}
		for _, e := range u.Entries {
			if e.Text != strings.TrimSpace(e.Text) {
				t.Errorf("entry %q is not trimmed", e.Text)
			}
			for _, p := range entryPackages(e.Text) {
				if p == "" || strings.ContainsAny(p, " \t`") || !strings.Contains(text, p) {
					t.Errorf("package %q of entry %q", p, e.Text)
				}
			}
		}
		u.RecordsPackage("api", "example.com/m")
		u.RecordsDocChange(DocChange{ID: "x", Operation: "GET", Path: "/"})
	})
}
