package crawlers_test

import (
	"encoding/json"
	"maps"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/lobstr-go/lobstr/api"
	"github.com/lobstr-go/lobstr/api/apitest"
	"github.com/lobstr-go/lobstr/catalog"
)

var fastPolls = []api.WaitOption{api.WithPollInterval(2 * time.Millisecond), api.WithMaxPollInterval(10 * time.Millisecond)}

// settingsBody is the params object the integration test saves: the docs' first
// update-squid example's params (else none), with every function switched on, so that the
// columns of the functions are in the rows too.
func settingsBody(t *testing.T, c *catalog.Crawler) json.RawMessage {
	t.Helper()
	params := map[string]any{}
	if _, ps := examples(t, c); len(ps) > 0 {
		if err := json.Unmarshal(ps[0], &params); err != nil {
			t.Fatal(err)
		}
	}
	if len(c.Functions) > 0 {
		fns, _ := params["functions"].(map[string]any)
		if fns == nil {
			fns = map[string]any{}
		}
		for _, f := range c.Functions {
			fns[f.Name] = true
		}
		params["functions"] = fns
	}
	return mustJSON(t, params)
}

// taskBodies are the task objects the integration test adds: the docs' examples, else one
// task made of the first group's keys, from their examples (a placeholder where a key has
// none).
func taskBodies(t *testing.T, c *catalog.Crawler) []json.RawMessage {
	t.Helper()
	if tasks, _ := examples(t, c); len(tasks) > 0 {
		return tasks
	}
	if len(c.TaskKeys) == 0 {
		t.Fatalf("%s has no task keys", c.Slug)
	}
	task := map[string]json.RawMessage{}
	group := c.TaskKeys[0].Group
	for _, k := range c.TaskKeys {
		if k.Group != group || (!k.Required && len(task) > 0) {
			continue
		}
		switch {
		case len(k.Example) > 0:
			task[k.Name] = k.Example
		case k.Type == catalog.TypeString:
			task[k.Name] = json.RawMessage(`"https://www.example.com/` + k.Name + `"`)
		default:
			task[k.Name] = json.RawMessage(values[k.Type][0])
		}
	}
	return []json.RawMessage{mustJSON(t, task)}
}

// TestEveryPackageThroughTheFake runs a job of every crawler through the fake with its
// typed package: a squid of Slug, the docs' settings through Settings.SquidParams (every
// function on), an account where the crawler needs one, the docs' tasks through
// Task.Params, a run; then every row decodes with api.ResultsAs[Result] with every
// documented column in its field (present, of its documented type: Extra empty).
func TestEveryPackageThroughTheFake(t *testing.T) {
	srv := apitest.NewServer(t, apitest.WithRunLifecycle(apitest.RunLifecycle{Polls: 3}))
	c, err := api.NewClient(api.WithBaseURL(srv.URL), api.WithToken(srv.Token), api.WithoutPacing())
	if err != nil {
		t.Fatal(err)
	}
	accountTypes, err := c.Accounts.Types(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	var nRows, nCols, nSet, nFields int
	for _, p := range packages {
		t.Run(p.Name, func(t *testing.T) {
			ctx := t.Context()
			cr := catalog.BySlug(p.Slug)
			squid, err := c.Squids.Create(ctx, p.Slug, "typed "+p.Name)
			if err != nil {
				t.Fatalf("Squids.Create(%s): %v", p.Slug, err)
			}
			sp, err := p.Settings(settingsBody(t, cr))
			if err != nil {
				t.Fatal(err)
			}
			update := api.SquidUpdate{Params: &sp}
			if a := cr.Account; a != nil {
				// The cookies of the account type, as the fake lists it, and the catalogue's.
				cookies := api.Cookies{}
				for _, ck := range a.Cookies {
					cookies[ck.Name] = "typed-test-" + ck.Name
				}
				for _, at := range accountTypes {
					if at.Name == a.Type {
						for _, ck := range at.Cookies {
							cookies[ck.Name] = "typed-test-" + ck.Name
						}
					}
				}
				if len(cookies) == 0 {
					// Neither the docs nor the fake name this type's cookies
					// (linkedin-sync, amazon-sync): the fake takes any one.
					cookies["session"] = "typed-test-session"
				}
				sync, err := c.Accounts.Sync(ctx, a.Type, cookies)
				if err != nil {
					t.Fatalf("Accounts.Sync(%s): %v", a.Type, err)
				}
				done, err := c.Accounts.WaitSync(ctx, sync.Id, fastPolls...)
				if err != nil || done.AccountHash == nil {
					t.Fatalf("Accounts.WaitSync(%s): %v", a.Type, err)
				}
				update.Accounts = api.NullableOf([]string{*done.AccountHash})
			}
			if _, err := c.Squids.Update(ctx, squid.Id, update); err != nil {
				t.Fatalf("Squids.Update with %v: %v", sp, err)
			}
			var tasks []api.Params
			for _, raw := range taskBodies(t, cr) {
				tp, err := p.Task(raw)
				if err != nil {
					t.Fatal(err)
				}
				tasks = append(tasks, tp)
			}
			if _, err := c.Tasks.Add(ctx, squid.Id, tasks); err != nil {
				t.Fatalf("Tasks.Add(%v): %v", tasks, err)
			}
			run, err := c.Runs.Start(ctx, squid.Id)
			if err != nil {
				t.Fatalf("Runs.Start: %v", err)
			}
			if run, err = c.Runs.Wait(ctx, run.Id, fastPolls...); err != nil {
				t.Fatalf("Runs.Wait: %v", err)
			}
			rows := 0
			for v, err := range p.Results(c.Results.All(ctx, api.ResultsOptions{Run: run.Id})) {
				if err != nil {
					t.Fatalf("row %d: %v", rows, err)
				}
				rows++
				rv := reflect.ValueOf(v)
				if extra := extraOf(rv); len(extra) > 0 {
					var bad []string
					for _, k := range slices.Sorted(maps.Keys(extra)) {
						bad = append(bad, k+"="+string(extra[k]))
					}
					t.Errorf("row %d: columns not in their field: %s", rows, strings.Join(bad, ", "))
				}
				var enc map[string]json.RawMessage
				if err := json.Unmarshal(mustJSON(t, v), &enc); err != nil {
					t.Fatal(err)
				}
				for _, col := range cr.Columns {
					if _, ok := enc[col.Name]; !ok {
						t.Errorf("row %d: no column %q", rows, col.Name)
						continue
					}
					f, _ := fieldByKey(rv, col.Name)
					nFields++
					if !f.IsZero() {
						nSet++
					}
				}
			}
			if rows == 0 {
				t.Fatalf("run %s has no rows", run.Id)
			}
			nRows += rows
			nCols += len(cr.Columns)
		})
	}
	t.Logf("%d packages, %d rows, %d documented columns; %d of %d column values in rows non-zero (%.1f%%)",
		len(packages), nRows, nCols, nSet, nFields, 100*float64(nSet)/float64(max(nFields, 1)))
}
