package catalog

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io/fs"
	"regexp"
	"strings"
	"testing"
)

// documentedCrawlers is the number of crawler folders under examples/ in the docs the
// catalogue was imported from (lobstrio/docs, July 2026).
const documentedCrawlers = 57

// listedCrawlers is the number of crawlers on the docs' examples index: the total List
// Crawlers announces.
const listedCrawlers = 53

var hex32 = regexp.MustCompile(`^[0-9a-f]{32}$`)

var types = map[string]bool{
	TypeString: true, TypeInteger: true, TypeNumber: true, TypeBoolean: true, TypeArray: true, TypeObject: true,
}

// isOfType says whether a JSON value is of a catalogue type; an integer is a number too.
func isOfType(raw json.RawMessage, typ string) bool {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil || dec.More() {
		return false
	}
	switch v := v.(type) {
	case string:
		return typ == TypeString
	case bool:
		return typ == TypeBoolean
	case []any:
		return typ == TypeArray
	case map[string]any:
		return typ == TypeObject
	case json.Number:
		if typ == TypeNumber {
			return true
		}
		if typ == TypeInteger {
			_, err := v.Int64()
			return err == nil
		}
	}
	return false
}

func isNull(raw json.RawMessage) bool { return strings.TrimSpace(string(raw)) == "null" }

func sameJSON(a, b json.RawMessage) bool {
	var x, y any
	if json.Unmarshal(a, &x) != nil || json.Unmarshal(b, &y) != nil {
		return false
	}
	xb, _ := json.Marshal(x)
	yb, _ := json.Marshal(y)
	return bytes.Equal(xb, yb)
}

// checkValue says what is wrong with a value sent for an input, or "" when nothing is.
func checkValue(in *Input, v json.RawMessage) string {
	if isNull(v) {
		return ""
	}
	if !isOfType(v, in.Type) {
		return fmt.Sprintf("%s is not a %s", v, in.Type)
	}
	if len(in.Allowed) > 0 {
		for _, a := range in.Allowed {
			if sameJSON(a, v) {
				return ""
			}
		}
		return fmt.Sprintf("%s is not among the allowed values", v)
	}
	return ""
}

func TestCatalogueIsComplete(t *testing.T) {
	all := All()
	if len(all) != documentedCrawlers {
		t.Fatalf("%d crawlers, want %d", len(all), documentedCrawlers)
	}
	names, _ := fs.Glob(files, "*.json")
	if len(names) != len(all) {
		t.Errorf("%d files for %d crawlers", len(names), len(all))
	}
	listed := 0
	for _, c := range all {
		if c.Listed {
			listed++
		}
		if c.Name == "" || c.Description == "" || c.Platform == "" {
			t.Errorf("%s: name %q, description %q, platform %q: none may be empty", c.Slug, c.Name, c.Description, c.Platform)
		}
		if len(c.TaskKeys) == 0 {
			t.Errorf("%s: no task keys", c.Slug)
		}
		if len(c.Columns) == 0 {
			t.Errorf("%s: no result columns", c.Slug)
		}
		if len(c.Params) == 0 && len(c.Functions) == 0 && !documentsNoParams(c) {
			t.Errorf("%s: no params nor functions, and no example of the docs shows an empty params object", c.Slug)
		}
		if len(c.Sources) == 0 {
			t.Errorf("%s: no sources", c.Slug)
		}
		for _, s := range c.Sources {
			if strings.HasPrefix(s, "/") || strings.Contains(s, "..") || !strings.HasSuffix(s, ".mdx") {
				t.Errorf("%s: source %q is not a page of the docs checkout", c.Slug, s)
			}
		}
		if c.CreditsPerRow <= 0 || c.MaxConcurrency <= 0 {
			t.Errorf("%s: credits per row %v, max concurrency %d: both must be positive", c.Slug, c.CreditsPerRow, c.MaxConcurrency)
		}
		if c.Account != nil {
			if c.Account.Type == "" || !strings.HasPrefix(c.Account.BaseURL, "https://") {
				t.Errorf("%s: account %+v needs a type and an https base URL", c.Slug, *c.Account)
			}
		}
	}
	if listed != listedCrawlers {
		t.Errorf("%d crawlers on the examples index, want %d", listed, listedCrawlers)
	}
}

// documentsNoParams says whether the docs' own Update Squid examples send an empty params
// object: the crawler has no settings of its own.
func documentsNoParams(c *Crawler) bool {
	for _, body := range c.Examples.UpdateSquid {
		var b struct {
			Params map[string]json.RawMessage `json:"params"`
		}
		if json.Unmarshal(body, &b) == nil && b.Params != nil && len(b.Params) == 0 {
			return true
		}
	}
	return false
}

func TestIdentitiesAreUnique(t *testing.T) {
	ids, slugs, names := map[string]string{}, map[string]bool{}, map[string]string{}
	for _, c := range All() {
		if !hex32.MatchString(c.ID) {
			t.Errorf("%s: id %q is not 32 lowercase hexadecimal characters", c.Slug, c.ID)
		}
		if !c.IDDocumented && c.ID != DeriveID(c.Slug) {
			t.Errorf("%s: id %s is not documented, yet not DeriveID's %s", c.Slug, c.ID, DeriveID(c.Slug))
		}
		if other, dup := ids[c.ID]; dup {
			t.Errorf("id %s is both %s's and %s's", c.ID, other, c.Slug)
		}
		ids[c.ID] = c.Slug
		if slugs[c.Slug] {
			t.Errorf("slug %s twice", c.Slug)
		}
		slugs[c.Slug] = true
		if other, dup := names[c.Name]; dup {
			t.Errorf("name %q is both %s's and %s's", c.Name, other, c.Slug)
		}
		names[c.Name] = c.Slug
		if BySlug(c.Slug) != c || ByID(c.ID) != c {
			t.Errorf("%s: BySlug or ByID does not find it", c.Slug)
		}
	}
	if BySlug("no-such-crawler") != nil || ByID(strings.Repeat("0", 32)) != nil {
		t.Error("BySlug or ByID finds a crawler that does not exist")
	}
}

func TestInputsAreTyped(t *testing.T) {
	for _, c := range All() {
		check := func(kind string, ins []Input) {
			seen := map[string]bool{}
			for _, in := range ins {
				where := fmt.Sprintf("%s: %s %s", c.Slug, kind, in.Name)
				if in.Name == "" || seen[in.Name] {
					t.Errorf("%s: empty or repeated name", where)
				}
				seen[in.Name] = true
				if !types[in.Type] {
					t.Errorf("%s: type %q is not one of the six", where, in.Type)
					continue
				}
				if in.Default != nil && !isOfType(in.Default, in.Type) {
					t.Errorf("%s: default %s is not a %s", where, in.Default, in.Type)
				}
				if in.Example != nil && !isOfType(in.Example, in.Type) {
					t.Errorf("%s: example %s is not a %s", where, in.Example, in.Type)
				}
				for _, a := range in.Allowed {
					if !isOfType(a, in.Type) {
						t.Errorf("%s: allowed value %s is not a %s", where, a, in.Type)
					}
				}
				if in.Default != nil && len(in.Allowed) > 0 && checkValue(&in, in.Default) != "" {
					t.Errorf("%s: default %s is not among the allowed values", where, in.Default)
				}
			}
		}
		check("task key", c.TaskKeys)
		check("param", c.Params)
		seen := map[string]bool{}
		for _, f := range c.Functions {
			if f.Name == "" || seen[f.Name] || f.Credits < 0 {
				t.Errorf("%s: function %q: empty or repeated name, or negative credits", c.Slug, f.Name)
			}
			seen[f.Name] = true
			if c.Param(f.Name) != nil {
				t.Errorf("%s: %s is both a param and a function", c.Slug, f.Name)
			}
		}
		// A deprecated name designates one function only, and is no function's or
		// param's name of its own.
		for _, f := range c.Functions {
			for _, old := range f.Deprecated {
				if old == "" || seen[old] || c.Param(old) != nil {
					t.Errorf("%s: the deprecated name %q of %s is empty, repeated or taken", c.Slug, old, f.Name)
				}
				seen[old] = true
				if got, dep := c.FunctionNamed(old); got == nil || got.Name != f.Name || !dep {
					t.Errorf("%s: FunctionNamed(%q) = %v, %v; want %s, deprecated", c.Slug, old, got, dep, f.Name)
				}
			}
			if got, dep := c.FunctionNamed(f.Name); got == nil || got.Name != f.Name || dep {
				t.Errorf("%s: FunctionNamed(%q) = %v, %v; want it, not deprecated", c.Slug, f.Name, got, dep)
			}
		}
		grouped := 0
		for _, k := range c.TaskKeys {
			if k.Group != "" {
				grouped++
			}
		}
		if grouped != 0 && grouped != len(c.TaskKeys) {
			t.Errorf("%s: %d of %d task keys have a group: all or none must", c.Slug, grouped, len(c.TaskKeys))
		}
	}
}

func TestColumnsAreTyped(t *testing.T) {
	for _, c := range All() {
		seen := map[string]bool{}
		for _, col := range c.Columns {
			where := fmt.Sprintf("%s: column %s", c.Slug, col.Name)
			if col.Name == "" || seen[col.Name] {
				t.Errorf("%s: empty or repeated name", where)
			}
			seen[col.Name] = true
			if !types[col.Type] || col.DocType == "" {
				t.Errorf("%s: type %q (docs %q)", where, col.Type, col.DocType)
			}
			if col.Example != nil && (!isOfType(col.Example, col.Type) || isNull(col.Example)) {
				t.Errorf("%s: example %s is not a %s", where, col.Example, col.Type)
			}
		}
	}
}

// TestDocsExamplesAreAccepted checks the docs' own request bodies against the catalogue, as
// the fake checks requests: every task key documented, and the keys of one of the task's
// forms there; every param or function documented, of its type, among its allowed values.
func TestDocsExamplesAreAccepted(t *testing.T) {
	bodies := 0
	for _, c := range All() {
		for _, body := range c.Examples.AddTasks {
			bodies++
			var b struct {
				Tasks []map[string]json.RawMessage `json:"tasks"`
			}
			if err := json.Unmarshal(body, &b); err != nil || len(b.Tasks) == 0 {
				t.Errorf("%s: Add Tasks example %s: no tasks (%v)", c.Slug, body, err)
				continue
			}
			for _, task := range b.Tasks {
				for k, v := range task {
					in := c.TaskKey(k)
					if in == nil {
						t.Errorf("%s: Add Tasks example: the key %s is not documented", c.Slug, k)
					} else if msg := checkValue(in, v); msg != "" {
						t.Errorf("%s: Add Tasks example: %s: %s", c.Slug, k, msg)
					}
				}
				if !hasAForm(c, task) {
					t.Errorf("%s: Add Tasks example %v has the required keys of none of the crawler's forms", c.Slug, task)
				}
			}
		}
		for _, body := range c.Examples.UpdateSquid {
			bodies++
			var b struct {
				Params map[string]json.RawMessage `json:"params"`
			}
			if err := json.Unmarshal(body, &b); err != nil {
				t.Errorf("%s: Update Squid example %s: %v", c.Slug, body, err)
				continue
			}
			for k, v := range b.Params {
				if k == "functions" {
					var fns map[string]json.RawMessage
					if err := json.Unmarshal(v, &fns); err != nil {
						t.Errorf("%s: Update Squid example: functions %s is not an object", c.Slug, v)
					}
					for fk, fv := range fns {
						if c.Function(fk) == nil {
							t.Errorf("%s: Update Squid example: the function %s is not documented", c.Slug, fk)
						} else if !isOfType(fv, TypeBoolean) {
							t.Errorf("%s: Update Squid example: function %s = %s is not a boolean", c.Slug, fk, fv)
						}
					}
					continue
				}
				in := c.Param(k)
				if in == nil {
					t.Errorf("%s: Update Squid example: the param %s is not documented", c.Slug, k)
				} else if msg := checkValue(in, v); msg != "" {
					t.Errorf("%s: Update Squid example: %s: %s", c.Slug, k, msg)
				}
			}
		}
	}
	if bodies == 0 {
		t.Fatal("no example bodies in the catalogue")
	}
}

// hasAForm says whether a task has every required key of one of the crawler's forms (its
// groups, or all its keys when it has none).
func hasAForm(c *Crawler, task map[string]json.RawMessage) bool {
	groups := map[string][]Input{}
	for _, k := range c.TaskKeys {
		groups[k.Group] = append(groups[k.Group], k)
	}
	for _, keys := range groups {
		ok := true
		for _, k := range keys {
			if _, has := task[k.Name]; k.Required && !has {
				ok = false
			}
		}
		if ok {
			return true
		}
	}
	return false
}

func TestFilesAreCanonical(t *testing.T) {
	// Each file is what the importer writes: indented JSON of one Crawler, keys in the
	// struct's order, a trailing newline; nothing the struct does not hold.
	names, err := fs.Glob(files, "*.json")
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range names {
		b, _ := files.ReadFile(name)
		dec := json.NewDecoder(bytes.NewReader(b))
		dec.DisallowUnknownFields()
		var c Crawler
		if err := dec.Decode(&c); err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		var out bytes.Buffer
		enc := json.NewEncoder(&out)
		enc.SetEscapeHTML(false)
		enc.SetIndent("", "  ")
		if err := enc.Encode(&c); err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(out.Bytes(), b) {
			t.Errorf("%s is not as the importer writes it (edited by hand?): re-run go run ./internal/catalogimport", name)
		}
	}
}
