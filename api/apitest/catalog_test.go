package apitest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/lobstr-go/lobstr/catalog"
)

// jsonTypeOf is the JSON type of a decoded value, as catalog.Column.Type names it (a whole
// number is an integer, and a number too).
func jsonTypeOf(v any) string {
	switch x := v.(type) {
	case string:
		return catalog.TypeString
	case bool:
		return catalog.TypeBoolean
	case float64:
		if x == float64(int64(x)) {
			return catalog.TypeInteger
		}
		return catalog.TypeNumber
	case []any:
		return catalog.TypeArray
	case map[string]any:
		return catalog.TypeObject
	}
	return "null"
}

// ofType says whether v is a value of the JSON type typ.
func ofType(v any, typ string) bool {
	got := jsonTypeOf(v)
	return got == typ || typ == catalog.TypeNumber && got == catalog.TypeInteger
}

// rawJSON decodes a catalogue value (nil when absent).
func rawJSON(t *testing.T, raw json.RawMessage) any {
	t.Helper()
	if len(raw) == 0 {
		return nil
	}
	var v any
	if err := json.Unmarshal(raw, &v); err != nil {
		t.Fatalf("catalogue value %s: %v", raw, err)
	}
	return v
}

// TestCatalogueServed checks, for every crawler of the catalogue, that Get Crawler
// Details, Parameters and Attributes hold every documented task key, squid setting (with
// its default and allowed values), function and column.
func TestCatalogueServed(t *testing.T) {
	srv := NewServer(t)
	for _, c := range catalog.All() {
		t.Run(c.Slug, func(t *testing.T) {
			base := "/v1/crawlers/" + c.ID
			details := decode[map[string]any](t, get(t, srv, base))
			if details["slug"] != c.Slug || details["name"] != c.Name || details["description"] != c.Description {
				t.Errorf("details: %v", details)
			}
			inputs := map[string]map[string]any{}
			for _, x := range details["input"].([]any) {
				in := x.(map[string]any)
				inputs[in["level"].(string)+"."+in["name"].(string)] = in
			}
			for _, k := range c.TaskKeys {
				if in := inputs["task."+k.Name]; in == nil || in["required"] != k.Required || in["description"] != k.Description {
					t.Errorf("details: task key %s: %v", k.Name, in)
				}
			}
			for _, p := range c.Params {
				if in := inputs["squid."+p.Name]; in == nil || !jsonEqual(t, mustJSON(t, in["default"]), mustJSON(t, rawJSON(t, p.Default))) {
					t.Errorf("details: setting %s: %v", p.Name, in)
				}
			}
			for _, fn := range c.Functions {
				if in := inputs["squid."+fn.Name]; in == nil || in["function"] != true || in["default"] != fn.Default {
					t.Errorf("details: function %s: %v", fn.Name, in)
				}
			}
			if len(inputs) != len(c.TaskKeys)+len(c.Params)+len(c.Functions) {
				t.Errorf("details: %d inputs, the catalogue has %d task keys, %d settings, %d functions",
					len(inputs), len(c.TaskKeys), len(c.Params), len(c.Functions))
			}
			var result []string
			for _, x := range details["result"].([]any) {
				result = append(result, x.(string))
			}
			var columns []string
			for _, col := range c.Columns {
				columns = append(columns, col.Name)
			}
			if !slices.Equal(result, columns) {
				t.Errorf("details: result %v, want %v", result, columns)
			}

			params := decode[struct {
				Task  map[string]map[string]any  `json:"task"`
				Squid map[string]json.RawMessage `json:"squid"`
			}](t, get(t, srv, base+"/params"))
			if len(params.Task) != len(c.TaskKeys) {
				t.Errorf("params: %d task keys, want %d", len(params.Task), len(c.TaskKeys))
			}
			for _, k := range c.TaskKeys {
				p := params.Task[k.Name]
				if p == nil || p["required"] != k.Required || p["attribute"] != k.Name || (k.Group != "" && p["group"] != k.Group) {
					t.Errorf("params: task key %s: %v", k.Name, p)
				}
			}
			if len(params.Squid) != len(c.Params)+1 {
				t.Errorf("params: %d squid entries, want %d settings and functions", len(params.Squid), len(c.Params))
			}
			for _, p := range c.Params {
				var got map[string]any
				if err := json.Unmarshal(params.Squid[p.Name], &got); err != nil || got == nil {
					t.Errorf("params: setting %s missing: %s", p.Name, params.Squid[p.Name])
					continue
				}
				if !jsonEqual(t, mustJSON(t, got["default"]), mustJSON(t, rawJSON(t, p.Default))) {
					t.Errorf("params: setting %s: default %v, want %s", p.Name, got["default"], p.Default)
				}
				var allowed []any
				for _, a := range p.Allowed {
					allowed = append(allowed, rawJSON(t, a))
				}
				if gotAllowed, _ := got["allowed"].([]any); !jsonEqual(t, mustJSON(t, gotAllowed), mustJSON(t, allowed)) {
					t.Errorf("params: setting %s: allowed %v, want %v", p.Name, got["allowed"], allowed)
				}
			}
			var fns map[string]map[string]any
			if err := json.Unmarshal(params.Squid["functions"], &fns); err != nil {
				t.Fatalf("params: functions %s: %v", params.Squid["functions"], err)
			}
			if len(fns) != len(c.Functions) {
				t.Errorf("params: functions %v, want %d", fns, len(c.Functions))
			}
			for _, fn := range c.Functions {
				if f := fns[fn.Name]; f == nil || f["default"] != fn.Default || f["credits_per_function"] != fn.Credits {
					t.Errorf("params: function %s: %v", fn.Name, f)
				}
			}

			attrs := decode[struct {
				Data []attribute `json:"data"`
			}](t, get(t, srv, base+"/attributes"))
			if len(attrs.Data) != len(c.Columns) {
				t.Fatalf("attributes: %d, want %d", len(attrs.Data), len(c.Columns))
			}
			for i, col := range c.Columns {
				a := attrs.Data[i]
				ex := col.Example
				if ex == nil {
					ex = json.RawMessage("null")
				}
				if a.Name != col.Name || a.Type != col.DocType || a.Description != col.Description || !a.IsMain || a.Function == "" ||
					!jsonEqual(t, a.Example, ex) {
					t.Errorf("attribute %d: %+v, want %+v", i, a, col)
				}
			}
		})
	}
}

// addTasksBody is a docs' Add Tasks example as a body: the catalogue's example itself, or,
// when the docs' example is a single task rather than a body, a body of that task (wrapped
// says so).
func addTasksBody(t *testing.T, raw json.RawMessage) (body map[string]any, wrapped bool) {
	t.Helper()
	if err := json.Unmarshal(raw, &body); err != nil {
		t.Fatalf("add-tasks example %s: %v", raw, err)
	}
	if _, ok := body["tasks"]; !ok {
		return map[string]any{"tasks": []any{body}}, true
	}
	return body, false
}

// exampleTasks are the tasks of the docs' Add Tasks examples of a crawler, or, when the
// docs show none, one task made of the examples of its first group's keys.
func exampleTasks(t *testing.T, c *catalog.Crawler) []map[string]any {
	t.Helper()
	var tasks []map[string]any
	for _, raw := range c.Examples.AddTasks {
		body, _ := addTasksBody(t, raw)
		for _, task := range body["tasks"].([]any) {
			tasks = append(tasks, task.(map[string]any))
		}
	}
	if len(tasks) > 0 {
		return tasks
	}
	task := map[string]any{}
	group := c.TaskKeys[0].Group
	for _, k := range c.TaskKeys {
		if k.Group == group && (k.Required || len(task) == 0) {
			v := rawJSON(t, k.Example)
			if v == nil {
				v = "https://www.example.com/" + c.Slug
			}
			task[k.Name] = v
		}
	}
	return []map[string]any{task}
}

// wrongValue is a value of another JSON type than typ.
func wrongValue(typ string) any {
	if typ == catalog.TypeString {
		return 12345.0
	}
	return "not a value of type " + typ
}

// TestCatalogueRequests sends, for every crawler of the catalogue, the docs' own Add Tasks
// and Update Squid examples (accepted), an unknown task key and a value of the wrong type
// (refused with the documented 400, nothing stored), a setting of the wrong type and an
// unknown setting (refused, naming it), then runs the squid: with max_results 5 where the
// crawler takes it, at most 5 rows a task, each with every documented column of its
// documented JSON type; a crawler that needs an account ends no_accounts without one.
func TestCatalogueRequests(t *testing.T) {
	srv := NewServer(t, WithRunLifecycle(RunLifecycle{Polls: 1}))
	var columns, set, withMax, withAccount, runs, wrapped int
	for _, c := range catalog.All() {
		t.Run(c.Slug, func(t *testing.T) {
			r := postJSON(t, srv, "/v1/squids", map[string]any{"crawler": c.ID})
			if r.status != 200 {
				t.Fatalf("create squid: %d %s", r.status, r.body)
			}
			squid := decode[map[string]any](t, r)["id"].(string)

			// The docs' Update Squid examples are accepted.
			if len(c.Examples.UpdateSquid) == 0 {
				t.Errorf("no update-settings example in the catalogue")
			}
			for _, raw := range c.Examples.UpdateSquid {
				if r := call(t, srv, "POST", "/v1/squids/"+squid, bytes.NewReader(raw), "application/json"); r.status != 200 {
					t.Errorf("update-settings example %s: %d %s", raw, r.status, r.body)
				}
			}
			// A setting the crawler does not take, a setting of the wrong type, a function
			// that is not the crawler's: 400 naming it.
			refusals := []struct {
				params map[string]any
				param  string
			}{
				{map[string]any{"no_such_setting": 1}, "params.no_such_setting"},
				{map[string]any{"functions": map[string]any{"no_such_function": true}}, "params.functions.no_such_function"},
			}
			if len(c.Params) > 0 {
				p := c.Params[0]
				refusals = append(refusals, struct {
					params map[string]any
					param  string
				}{map[string]any{p.Name: wrongValue(p.Type)}, "params." + p.Name})
			}
			for _, bad := range refusals {
				r := postJSON(t, srv, "/v1/squids/"+squid, map[string]any{"params": bad.params})
				e := decode[map[string]map[string]any](t, r)["error"]
				if r.status != 400 || e["param"] != bad.param || e["type"] != "validation_error" {
					t.Errorf("update %v: %d %s, want 400 naming %s", bad.params, r.status, r.body, bad.param)
				}
			}

			// A task key the crawler does not take, or a value of the wrong type, in a batch
			// with good tasks: the documented 400, nothing stored.
			tasks := exampleTasks(t, c)
			first := c.TaskKeys[0]
			bads := map[string]map[string]any{
				"foo":      {"foo": "bar"},
				first.Name: {first.Name: wrongValue(first.Type)},
			}
			for key, extra := range bads {
				bad := map[string]any{}
				for k, v := range tasks[0] {
					bad[k] = v
				}
				for k, v := range extra {
					bad[k] = v
				}
				batch := append([]any{tasks[0]}, bad)
				r := postJSON(t, srv, "/v1/tasks", map[string]any{"squid": squid, "tasks": batch})
				e := decode[map[string]map[string]any](t, r)["errors"]
				msg, _ := e["message"].(string)
				if r.status != 400 || e["type"] != "TaskNotValidError" || e["code"] != float64(400) ||
					!strings.HasPrefix(msg, "Invalid task parameters. Each task must contain required fields for the crawler.") ||
					!strings.Contains(msg, fmt.Sprintf("%q", key)) || !strings.Contains(msg, "Task 2") {
					t.Errorf("a task with %v: %d %s", extra, r.status, r.body)
				}
				if key == "foo" && !strings.Contains(msg, first.Name) {
					t.Errorf("the refusal of an unknown key does not list the crawler's keys: %s", msg)
				}
			}
			if n := len(srv.Tasks(squid)); n != 0 {
				t.Fatalf("%d tasks stored from refused batches", n)
			}
			// The docs' Add Tasks examples are accepted, each whole.
			for _, raw := range c.Examples.AddTasks {
				body, w := addTasksBody(t, raw)
				if w {
					wrapped++
				}
				body["squid"] = squid
				if r := postJSON(t, srv, "/v1/tasks", body); r.status != 200 {
					t.Errorf("add-tasks example %s: %d %s", raw, r.status, r.body)
				}
			}
			if len(c.Examples.AddTasks) == 0 {
				if r := postJSON(t, srv, "/v1/tasks", map[string]any{"squid": squid, "tasks": tasks}); r.status != 200 {
					t.Errorf("a task of the keys' examples %v: %d %s", tasks, r.status, r.body)
				}
			}
			ntasks := len(srv.Tasks(squid))
			if ntasks == 0 {
				t.Fatalf("no task added")
			}

			limit := 0
			if p := c.Param("max_results"); p != nil && p.Type == catalog.TypeInteger {
				limit = 5
				withMax++
				if r := postJSON(t, srv, "/v1/squids/"+squid, map[string]any{"params": map[string]any{"max_results": limit}}); r.status != 200 {
					t.Fatalf("max_results 5: %d %s", r.status, r.body)
				}
			}
			if c.Account != nil {
				withAccount++
				// The docs' example may link a placeholder account: unlink every account.
				if r := postJSON(t, srv, "/v1/squids/"+squid, map[string]any{"accounts": []string{}}); r.status != 200 {
					t.Fatalf("unlinking the accounts: %d %s", r.status, r.body)
				}
				run := startRun(t, srv, squid)["id"].(string)
				done := decode[map[string]any](t, get(t, srv, "/v1/runs/"+run))
				if done["status"] != runError || done["done_reason"] != doneNoAccounts || done["done_reason_desc"] != noAccountsDesc ||
					done["is_done"] != true || done["total_results"] != 0.0 {
					t.Errorf("a run without an account: %v", done)
				}
				if rows := allResults(t, srv, "run="+run, "page_size"); len(rows) != 0 {
					t.Errorf("a run without an account has %d rows", len(rows))
				}
				if r := postJSON(t, srv, "/v1/squids/"+squid, map[string]any{"accounts": []string{SeedAccount}}); r.status != 200 {
					t.Fatalf("linking an account: %d %s", r.status, r.body)
				}
			}
			run := startRun(t, srv, squid)["id"].(string)
			runs++
			done := decode[map[string]any](t, get(t, srv, "/v1/runs/"+run))
			if done["status"] != runDone || done["done_reason"] != "tasks_done" {
				t.Fatalf("run: %v", done)
			}
			rows := allResults(t, srv, "run="+run, "page_size")
			perTask := decode[map[string]any](t, get(t, srv, "/v1/runtasks?run="+run))
			if len(rows) == 0 || len(perTask["data"].([]any)) != ntasks {
				t.Fatalf("run: %d rows, tasks %v", len(rows), perTask)
			}
			for _, x := range perTask["data"].([]any) {
				if n := x.(map[string]any)["total_results"].(float64); limit > 0 && n > float64(limit) {
					t.Errorf("a task yielded %v rows, max_results %d", n, limit)
				}
			}
			for i, row := range rows {
				for _, col := range c.Columns {
					columns++
					raw, ok := row[col.Name]
					if !ok {
						t.Errorf("row %d without %s", i, col.Name)
						continue
					}
					if v := rawJSON(t, raw); !ofType(v, col.Type) {
						t.Errorf("row %d: %s = %s, not of type %s", i, col.Name, raw, col.Type)
						continue
					}
					set++
				}
			}
		})
	}
	if columns == 0 || set != columns {
		t.Errorf("documented columns set in the fake's rows: %d of %d", set, columns)
	}
	if wrapped > 0 {
		t.Logf("%d add-tasks examples of the catalogue are a single task, not a body: sent as a body of that task", wrapped)
	}
	t.Logf("%d crawlers, %d runs, %d with max_results, %d needing an account; documented columns set in the rows: %d of %d (%.1f%%)",
		len(catalog.All()), runs, withMax, withAccount, set, columns, 100*float64(set)/float64(max(columns, 1)))
}

// TestRowsDeterministicAndVaried checks that a row's values are the same each time they
// are read and that they vary from row to row, around the documented example.
func TestRowsDeterministicAndVaried(t *testing.T) {
	seed := catalogue().byID[SeedCrawlerID]
	r := &runRecord{id: "run", squid: "squid", crawler: seed, cols: seed.cols,
		tasks: []runTaskRec{{hash: "task", rows: 50}}, totalRows: 50, tasksDone: 1}
	texts := func(i int) []string {
		var out []string
		for _, v := range r.row(0, i, nil) {
			out = append(out, string(v.json()))
		}
		return out
	}
	if a, b := texts(3), texts(3); !slices.Equal(a, b) {
		t.Errorf("row 3 read twice differs:\n%v\n%v", a, b)
	}
	fields := r.rowFields()
	distinct := map[string]map[string]bool{}
	for i := range 50 {
		for j, v := range texts(i) {
			if distinct[fields[j]] == nil {
				distinct[fields[j]] = map[string]bool{}
			}
			distinct[fields[j]][v] = true
		}
	}
	varied := 0
	for _, col := range seed.cat.Columns {
		if col.Type != catalog.TypeArray && col.Type != catalog.TypeObject && len(distinct[col.Name]) > 1 {
			varied++
		}
	}
	scalar := 0
	for _, col := range seed.cat.Columns {
		if col.Type != catalog.TypeArray && col.Type != catalog.TypeObject {
			scalar++
		}
	}
	if varied != scalar {
		t.Errorf("%d of the %d scalar columns vary over 50 rows", varied, scalar)
	}
	// A string example is kept for some rows; a number stays of its sign and near it.
	for _, col := range seed.cat.Columns {
		ex := rawJSON(t, col.Example)
		if s, ok := ex.(string); ok && col.Type == catalog.TypeString && !distinct[col.Name][string(mustJSON(t, s))] {
			t.Errorf("column %s: the example %q is in none of 50 rows", col.Name, s)
		}
	}
}

// TestTaskChecks checks the task checks: the groups of required keys, the types, an
// uploaded file's text.
func TestTaskChecks(t *testing.T) {
	seed := catalogue().byID[SeedCrawlerID]
	var keys []string
	for _, k := range catalog.ByID(SeedCrawlerID).TaskKeys {
		keys = append(keys, k.Name)
	}
	for _, tc := range []struct {
		task     map[string]any
		fromFile bool
		want     string // in the problem, or "" for none
	}{
		{map[string]any{"url": "https://www.google.com/maps/search/pizza"}, false, ""},
		{map[string]any{"city": "Alpine 91901", "category": "restaurant"}, false, ""},
		{map[string]any{"city": "Alpine 91901", "category": "restaurant", "country": "United States"}, false, ""},
		{map[string]any{"city": "Alpine 91901"}, false, "city and category"},
		{map[string]any{"category": "restaurant"}, false, "url"},
		{map[string]any{"country": "France"}, false, "needs"},
		{map[string]any{"url": ""}, false, "needs"},
		{map[string]any{"url": 3.0}, false, `"url" must be a string; 3 is not`},
		{map[string]any{"url": nil}, false, `"url" must be a string; null is not`},
		{map[string]any{"keyword": "pizza"}, false, `"keyword" is not a task parameter of the crawler Google Maps Leads Scraper, which takes: ` + strings.Join(keys, ", ") + "."},
		{map[string]any{"url": "3"}, true, ""},
	} {
		got := seed.checkTask(tc.task, tc.fromFile)
		if (tc.want == "") != (got == "") || !strings.Contains(got, tc.want) {
			t.Errorf("checkTask(%v, %v) = %q, want %q", tc.task, tc.fromFile, got, tc.want)
		}
	}
	for _, tc := range []struct{ typ, text, want string }{
		{catalog.TypeInteger, "12", ""},
		{catalog.TypeInteger, "1.5", "must be an integer"},
		{catalog.TypeInteger, "many", `must be integer; "many" is not`},
		{catalog.TypeBoolean, "true", ""},
		{catalog.TypeBoolean, "yes", "must be boolean"},
		{catalog.TypeNumber, "2.5", ""},
		{catalog.TypeArray, `["a"]`, ""},
		{catalog.TypeString, "anything", ""},
		{catalog.TypeInteger, "", ""},
	} {
		if got := textProblem(tc.typ, tc.text); (tc.want == "") != (got == "") || !strings.Contains(got, tc.want) {
			t.Errorf("textProblem(%s, %q) = %q, want %q", tc.typ, tc.text, got, tc.want)
		}
	}
}

// TestUploadRefusesUnknownKeys checks that an upload whose header or rows the crawler
// cannot take is refused with the documented 400 and registers nothing.
func TestUploadRefusesUnknownKeys(t *testing.T) {
	for _, tc := range []struct{ name, content, want string }{
		{"unknown column", "url,keyword\nhttps://a,x\n", `Row 2 of the file: "keyword" is not a task parameter`},
		{"a row missing its group", "url,city\nhttps://a,\n,Alpine 91901\n", "Row 3 of the file: A task of the crawler Google Maps Leads Scraper needs"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := NewServer(t)
			srv.AddSquid("up")
			srv.Fake.mu.Lock()
			before := len(srv.Fake.uploads)
			srv.Fake.mu.Unlock()
			ctype, body := uploadForm(t, "tasks.csv", "text/csv", tc.content, [2]string{"file", ""}, [2]string{"squid", "up"})
			r := call(t, srv, "POST", "/v1/tasks/upload", bytes.NewReader(body), ctype)
			e := decode[map[string]map[string]any](t, r)["errors"]
			if msg, _ := e["message"].(string); r.status != 400 || e["type"] != "TaskNotValidError" || !strings.Contains(msg, tc.want) {
				t.Errorf("upload: %d %s, want 400 with %q", r.status, r.body, tc.want)
			}
			srv.Fake.mu.Lock()
			uploads := len(srv.Fake.uploads)
			srv.Fake.mu.Unlock()
			if uploads != before || len(srv.Tasks("up")) != 0 {
				t.Errorf("a refused upload left %d uploads (%d before), %d tasks", uploads, before, len(srv.Tasks("up")))
			}
		})
	}
}

// TestREADMEExample checks the official CLI's README example against the catalogue: the
// Google Search Scraper takes a keyword.
func TestREADMEExample(t *testing.T) {
	srv := NewServer(t)
	c := catalog.BySlug("google-search-scraper")
	if c == nil {
		t.Fatal("no google-search-scraper in the catalogue")
	}
	squid := decode[map[string]any](t, postJSON(t, srv, "/v1/squids", map[string]any{"crawler": c.ID}))["id"].(string)
	r := postJSON(t, srv, "/v1/tasks", map[string]any{"squid": squid, "tasks": []any{map[string]any{"keyword": "pizza delivery"}}})
	if r.status != 200 || len(srv.Tasks(squid)) != 1 {
		t.Errorf("a keyword task: %d %s", r.status, r.body)
	}
}
