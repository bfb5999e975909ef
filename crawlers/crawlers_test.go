package crawlers_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"iter"
	"maps"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/lobstr-go/lobstr/api"
	"github.com/lobstr-go/lobstr/catalog"
)

// pkgCase is one generated package, as the generated table (all_test.go) lists it.
type pkgCase struct {
	Name, Slug, ID string
	// Task decodes a task object of the docs into the package's Task (unknown keys refused)
	// and returns its Params.
	Task func(json.RawMessage) (api.Params, error)
	// Settings decodes a params object of the docs into the package's Settings (unknown keys
	// refused) and returns its SquidParams.
	Settings func(json.RawMessage) (api.SquidParams, error)
	// NewResult returns a new *Result of the package.
	NewResult func() any
	// Results decodes rows with api.ResultsAs[Result].
	Results func(iter.Seq2[api.Result, error]) iter.Seq2[any, error]
}

func strict(raw json.RawMessage, v any) error {
	d := json.NewDecoder(bytes.NewReader(raw))
	d.DisallowUnknownFields()
	return d.Decode(v)
}

func taskParams[T interface{ Params() api.Params }](raw json.RawMessage) (api.Params, error) {
	var t T
	if err := strict(raw, &t); err != nil {
		return nil, err
	}
	return t.Params(), nil
}

func squidParams[T interface{ SquidParams() api.SquidParams }](raw json.RawMessage) (api.SquidParams, error) {
	var s T
	if err := strict(raw, &s); err != nil {
		return nil, err
	}
	return s.SquidParams(), nil
}

func resultsAs[T any](seq iter.Seq2[api.Result, error]) iter.Seq2[any, error] {
	return func(yield func(any, error) bool) {
		for v, err := range api.ResultsAs[T](seq) {
			if !yield(v, err) {
				return
			}
		}
	}
}

// TestEveryCrawlerHasItsPackage: the table holds one package per crawler of the catalogue,
// with its slug and id.
func TestEveryCrawlerHasItsPackage(t *testing.T) {
	all := catalog.All()
	if len(packages) != len(all) {
		t.Errorf("%d packages for %d crawlers", len(packages), len(all))
	}
	for _, p := range packages {
		c := catalog.BySlug(p.Slug)
		if c == nil {
			t.Errorf("crawlers/%s: slug %q is not in the catalogue", p.Name, p.Slug)
			continue
		}
		if p.ID != c.ID {
			t.Errorf("crawlers/%s: ID %s, the catalogue says %s", p.Name, p.ID, c.ID)
		}
		want := strings.ReplaceAll(strings.TrimSuffix(strings.TrimSuffix(c.Slug, "-scraper"), "-export"), "-", "")
		if p.Name != want && p.Name != "crawler"+want {
			t.Errorf("crawler %s is in crawlers/%s; want crawlers/%s", c.Slug, p.Name, want)
		}
	}
}

// canonical decodes JSON into generic values (numbers as float64) for comparison.
func canonical(t *testing.T, b []byte) any {
	t.Helper()
	var v any
	if err := json.Unmarshal(b, &v); err != nil {
		t.Fatalf("%s: %v", b, err)
	}
	return v
}

func sameJSON(t *testing.T, a, b []byte) bool {
	t.Helper()
	return reflect.DeepEqual(canonical(t, a), canonical(t, b))
}

func mustJSON(t *testing.T, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// examples splits a crawler's documented request bodies into task objects and params
// objects.
func examples(t *testing.T, c *catalog.Crawler) (tasks, params []json.RawMessage) {
	t.Helper()
	for _, body := range c.Examples.AddTasks {
		var b struct {
			Tasks []json.RawMessage `json:"tasks"`
		}
		if err := json.Unmarshal(body, &b); err != nil {
			t.Fatalf("%s: an add-tasks example: %v", c.Slug, err)
		}
		tasks = append(tasks, b.Tasks...)
	}
	for _, body := range c.Examples.UpdateSquid {
		var b struct {
			Params json.RawMessage `json:"params"`
		}
		if err := json.Unmarshal(body, &b); err != nil {
			t.Fatalf("%s: an update-squid example: %v", c.Slug, err)
		}
		if b.Params != nil {
			params = append(params, b.Params)
		}
	}
	return tasks, params
}

// TestParamsAreTheDocsExamples: every task and params object of the docs' examples, decoded
// into the package's Task or Settings, comes out of Params or SquidParams as the docs
// wrote it.
func TestParamsAreTheDocsExamples(t *testing.T) {
	var nTasks, nParams int
	var missingTasks, missingParams []string
	for _, p := range packages {
		t.Run(p.Name, func(t *testing.T) {
			c := catalog.BySlug(p.Slug)
			tasks, params := examples(t, c)
			if len(tasks) == 0 {
				missingTasks = append(missingTasks, c.Slug) // the docs show none
			}
			if len(params) == 0 {
				missingParams = append(missingParams, c.Slug)
			}
			for _, raw := range tasks {
				got, err := p.Task(raw)
				if err != nil {
					t.Errorf("task %s: %v", raw, err)
					continue
				}
				if b := mustJSON(t, got); !sameJSON(t, b, raw) {
					t.Errorf("Task.Params of the docs' task\n%s\nis\n%s", raw, b)
				}
				nTasks++
			}
			for _, raw := range params {
				got, err := p.Settings(raw)
				if err != nil {
					t.Errorf("params %s: %v", raw, err)
					continue
				}
				if b := mustJSON(t, got); !sameJSON(t, b, raw) {
					t.Errorf("Settings.SquidParams of the docs' params\n%s\nis\n%s", raw, b)
				}
				nParams++
			}
		})
	}
	t.Logf("%d task objects and %d params objects of the docs' examples round-trip", nTasks, nParams)
	t.Logf("no add-tasks example in the catalogue for %d crawlers: %s", len(missingTasks), strings.Join(missingTasks, ", "))
	t.Logf("no update-squid params example for %d crawlers: %s", len(missingParams), strings.Join(missingParams, ", "))
	if nTasks == 0 || nParams == 0 {
		t.Errorf("only %d task objects and %d params objects to check: the catalogue's examples are missing", nTasks, nParams)
	}
}

// fieldByKey returns the field of struct value v whose json tag names key.
func fieldByKey(v reflect.Value, key string) (reflect.Value, bool) {
	for i := range v.NumField() {
		name, _, _ := strings.Cut(v.Type().Field(i).Tag.Get("json"), ",")
		if name == key {
			return v.Field(i), true
		}
	}
	return reflect.Value{}, false
}

func extraOf(v reflect.Value) map[string]json.RawMessage {
	return v.FieldByName("Extra").Interface().(map[string]json.RawMessage)
}

// values are JSON values of every type, by the catalogue's type names.
var values = map[string][]string{
	catalog.TypeString:  {`"text"`, `""`},
	catalog.TypeInteger: {`12`, `-3`},
	catalog.TypeNumber:  {`1.5`, `12`},
	catalog.TypeBoolean: {`true`, `false`},
	catalog.TypeArray:   {`[1,"a",{"b":null}]`, `[]`},
	catalog.TypeObject:  {`{"k":[1,2.5]}`, `{}`},
}

// fits says whether a value of JSON type kind fits a column of type typ.
func fits(typ, kind string) bool {
	return typ == kind || (typ == catalog.TypeNumber && kind == catalog.TypeInteger)
}

// goodRow is a row with a value of the documented type in every column: the docs' example
// when it has that type, else one of values; and the row's envelope (Get Results), which
// every Result has besides the crawler's columns.
func goodRow(c *catalog.Crawler) map[string]json.RawMessage {
	row := map[string]json.RawMessage{
		"id": json.RawMessage(`"b4af52b85c45661828d61980c167054b"`), "object": json.RawMessage(`"result"`),
		"squid": json.RawMessage(`"b6c56d18cb0046949461ba9ca278e8ad"`), "run": json.RawMessage(`"300e9c5c127d421c90f431478d9a2cfb"`),
		"scraping_time": json.RawMessage(`"2025-02-10T14:31:05.487Z"`),
	}
	for _, col := range c.Columns {
		v := json.RawMessage(values[col.Type][0])
		if len(col.Example) > 0 && kindOf(col.Example) != "" && fits(col.Type, kindOf(col.Example)) {
			v = col.Example
		}
		row[col.Name] = v
	}
	return row
}

// kindOf is the JSON type of raw, by the catalogue's names ("" for null).
func kindOf(raw json.RawMessage) string {
	t := bytes.TrimSpace(raw)
	if len(t) == 0 {
		return ""
	}
	switch t[0] {
	case '"':
		return catalog.TypeString
	case '[':
		return catalog.TypeArray
	case '{':
		return catalog.TypeObject
	case 't', 'f':
		return catalog.TypeBoolean
	case 'n':
		return ""
	}
	if bytes.ContainsAny(t, ".eE") {
		return catalog.TypeNumber
	}
	return catalog.TypeInteger
}

func decodeOne(p pkgCase, row map[string]json.RawMessage) (any, error) {
	for v, err := range p.Results(func(yield func(api.Result, error) bool) { yield(api.Result(row), nil) }) {
		return v, err
	}
	return nil, fmt.Errorf("no row")
}

// TestResultsNeverFailOnAColumn: for every column of every crawler, a row whose column
// holds a value of each other JSON type, or null, decodes without error through
// api.ResultsAs; the field stays zero, the value is in Extra as it came, beside an unknown
// column; a row of documented types fills every field and leaves Extra empty; and the Result
// encodes back to the row.
func TestResultsNeverFailOnAColumn(t *testing.T) {
	var checked int
	for _, p := range packages {
		t.Run(p.Name, func(t *testing.T) {
			c := catalog.BySlug(p.Slug)
			good := goodRow(c)
			// The documented row decodes whole: every column in its field, nothing in Extra.
			v, err := decodeOne(p, good)
			if err != nil {
				t.Fatalf("a row of documented types: %v", err)
			}
			if extra := extraOf(reflect.ValueOf(v)); len(extra) != 0 {
				t.Fatalf("a row of documented types left %v in Extra", slices.Sorted(maps.Keys(extra)))
			}
			if b := mustJSON(t, v); !sameJSON(t, b, mustJSON(t, good)) {
				t.Fatalf("a row of documented types encodes as\n%s\nnot\n%s", b, mustJSON(t, good))
			}
			const unknown = "zz_not_a_documented_column"
			for _, col := range c.Columns {
				var bad []string
				for kind, vs := range values {
					if !fits(col.Type, kind) {
						bad = append(bad, vs[0])
					}
				}
				bad = append(bad, "null")
				slices.Sort(bad)
				for _, b := range bad {
					// The column alone beside an unknown one: the good row above shows that
					// the others decode into their fields.
					row := map[string]json.RawMessage{col.Name: json.RawMessage(b), unknown: json.RawMessage(`{"kept":[1,2]}`)}
					v, err := decodeOne(p, row)
					if err != nil {
						t.Errorf("column %q = %s: %v", col.Name, b, err)
						continue
					}
					rv := reflect.ValueOf(v)
					f, ok := fieldByKey(rv, col.Name)
					if !ok {
						t.Fatalf("Result has no field tagged %q", col.Name)
					}
					if !f.IsZero() {
						t.Errorf("column %q = %s: the field holds %v, not its zero value", col.Name, b, f.Interface())
					}
					extra := extraOf(rv)
					if string(extra[col.Name]) != b || string(extra[unknown]) != `{"kept":[1,2]}` || len(extra) != 2 {
						t.Errorf("column %q = %s: Extra is %s", col.Name, b, mustJSON(t, extra))
					}
					if out := mustJSON(t, v); !sameJSON(t, out, mustJSON(t, row)) {
						t.Errorf("column %q = %s: the Result encodes as\n%s\nnot\n%s", col.Name, b, out, mustJSON(t, row))
					}
					checked++
				}
			}
			// A row that is not an object is an error, through ResultsAs and UnmarshalJSON.
			if _, err := decodeOne(p, nil); err == nil || !strings.Contains(err.Error(), "JSON object") {
				t.Errorf("a null row: %v; want an error", err)
			}
			for _, b := range []string{`[]`, `"row"`, `1`, `true`, `null`, ``, `{"a":`} {
				u := p.NewResult().(json.Unmarshaler)
				if err := u.UnmarshalJSON([]byte(b)); err == nil || !strings.Contains(err.Error(), p.Name+".Result") {
					t.Errorf("UnmarshalJSON(%s): %v; want an error naming %s.Result", b, err, p.Name)
				}
			}
		})
	}
	t.Logf("%d rows with a column of another type decoded and re-encoded", checked)
}

// TestResultZeroColumnsRoundTrip: a column present with its zero value is written back;
// an absent one is not; a field set by hand is written.
func TestResultZeroColumnsRoundTrip(t *testing.T) {
	for _, p := range packages {
		c := catalog.BySlug(p.Slug)
		if len(c.Columns) == 0 {
			t.Errorf("%s: no columns", c.Slug)
			continue
		}
		col := c.Columns[0]
		zero := values[col.Type][1]
		row := map[string]json.RawMessage{col.Name: json.RawMessage(zero)}
		v, err := decodeOne(p, row)
		if err != nil {
			t.Fatal(err)
		}
		if b := mustJSON(t, v); !sameJSON(t, b, mustJSON(t, row)) {
			t.Errorf("%s: {%q: %s} encodes as %s", p.Name, col.Name, zero, b)
		}
		empty := mustJSON(t, reflect.New(reflect.TypeOf(v)).Elem().Interface())
		if string(empty) != "{}" {
			t.Errorf("%s: an empty Result encodes as %s; want {}", p.Name, empty)
		}
		// A field set by hand, in a Result not decoded from a row, is written.
		rv := reflect.New(reflect.TypeOf(v)).Elem()
		f, _ := fieldByKey(rv, col.Name)
		if err := json.Unmarshal([]byte(values[col.Type][0]), f.Addr().Interface()); err != nil {
			t.Fatal(err)
		}
		want := map[string]json.RawMessage{col.Name: json.RawMessage(values[col.Type][0])}
		if b := mustJSON(t, rv.Interface()); !sameJSON(t, b, mustJSON(t, want)) {
			t.Errorf("%s: a Result with %s set encodes as %s", p.Name, col.Name, b)
		}
	}
}
