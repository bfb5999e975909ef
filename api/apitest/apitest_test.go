package apitest

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/lobstr-go/lobstr/gen"
	"github.com/lobstr-go/lobstr/gen/models"
	"github.com/lobstr-go/lobstr/internal/specvalidate"
	"github.com/lobstr-go/lobstr/types"
)

// sharedFixture reads a documented body from the file in openapi/fixtures (tests run in
// api/apitest), not through the embedded copy the fake itself uses.
func sharedFixture(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "..", "openapi", "fixtures", name))
	if err != nil {
		t.Fatalf("documented fixture %s: %v", name, err)
	}
	return b
}

func TestAuthentication(t *testing.T) {
	const notProvided = `{"detail": "Authentication credentials were not provided."}`
	const invalid = `{"detail": "Invalid token."}`
	c := &collector{}
	srv := NewServer(t, WithToken("s3cret"), WithViolationHandler(c.add))
	if srv.Token != "s3cret" {
		t.Errorf("Token = %q, want the one given", srv.Token)
	}
	task := "/v1/tasks/" + SeedTaskHash
	for _, tc := range []struct{ auth, path, want string }{
		{"", task, notProvided},
		{"Token", task, notProvided},
		{"Token ", task, notProvided},
		{"Bearer s3cret", task, notProvided},
		{"token s3cret", task, notProvided},
		{"Token wrong", task, invalid},
		{"Token s3cret2", task, invalid},
		{"", "/v1/squids", notProvided},              // before routing
		{"Token wrong", "/v1/tasks/nothex", invalid}, // before validation
	} {
		got := callAs(t, srv, tc.auth, "GET", tc.path, nil, "")
		expect(t, fmt.Sprintf("Authorization %q", tc.auth), got, 401, tc.want)
		if got.header.Get("WWW-Authenticate") != "Token" {
			t.Errorf("Authorization %q: WWW-Authenticate %q, want Token", tc.auth, got.header.Get("WWW-Authenticate"))
		}
		if got.header.Get("X-RateLimit-Limit") != "90" {
			t.Errorf("Authorization %q: a 401 without rate-limit headers", tc.auth)
		}
	}
	expect(t, "the right token", get(t, srv, task), 200, string(sharedFixture(t, "get-task.200.json")))
	if v := c.all(); len(v) != 0 {
		t.Errorf("violations: %v", v)
	}

	open := NewServer(t)
	if open.Token == "" {
		t.Fatal("NewServer without WithToken has an empty Token")
	}
	expect(t, "any token", callAs(t, open, "Token anything", "GET", task, nil, ""), 200, "")
	expect(t, "no token", callAs(t, open, "", "GET", task, nil, ""), 401, notProvided)
}

func TestSeed(t *testing.T) {
	srv := NewServer(t)
	t.Run("get task answers the documented body", func(t *testing.T) {
		got := get(t, srv, "/v1/tasks/"+SeedTaskHash)
		expect(t, "Get Task", got, 200, string(sharedFixture(t, "get-task.200.json")))
		var task models.Task
		if err := json.Unmarshal(got.body, &task); err != nil {
			t.Fatal(err)
		}
		if task.CreatedAt.String() != "2024-12-24T10:57:55.045567" {
			t.Errorf("created_at %q: the text changed", task.CreatedAt)
		}
	})
	t.Run("list answers the documented page", func(t *testing.T) {
		got := get(t, srv, "/v1/tasks?squid="+SeedSquid)
		var page map[string]any
		if err := json.Unmarshal(got.body, &page); err != nil {
			t.Fatal(err)
		}
		if page["result_from"] != 1.0 || page["result_to"] != 2.0 {
			t.Errorf("result_from, result_to = %v, %v; want 1, 2", page["result_from"], page["result_to"])
		}
		delete(page, "result_from")
		delete(page, "result_to")
		rest, _ := json.Marshal(page)
		expect(t, "List Tasks without result_from and result_to", response{status: got.status, header: got.header, body: rest},
			200, string(sharedFixture(t, "list-tasks.200.json")))
	})
	t.Run("the other seed task is a full task", func(t *testing.T) {
		got := get(t, srv, "/v1/tasks/6b9d3afdf4e76df374915a50d7a495c4")
		task := decode[models.Task](t, got)
		if got.status != 200 || task.HashValue != "6b9d3afdf4e76df374915a50d7a495c4" ||
			task.Params["url"] != "https://www.linkedin.com/in/johndoe" || task.CreatedAt.String() != "2025-03-05T09:24:49.581177" ||
			!task.Status.IsDone || task.Status.Status != "completed" || task.Status.EndedAt == nil {
			t.Errorf("GET the other seed task = %d %s", got.status, got.body)
		}
	})
	t.Run("upload status answers the documented body", func(t *testing.T) {
		for range 3 { // finished: every check says the same
			expect(t, "Check Upload Status", get(t, srv, "/v1/tasks/upload/"+SeedUploadID), 200, string(sharedFixture(t, "upload-status.200.json")))
		}
	})
	t.Run("state accessors", func(t *testing.T) {
		list := srv.Tasks(SeedSquid)
		if len(list) != 2 || list[0].Id != "6b9d3afdf4e76df374915a50d7a495c4" || list[1].Id != SeedTaskHash ||
			list[1].Params["url"] != "https://www.linkedin.com/in/janedoe" {
			t.Errorf("Tasks(SeedSquid) = %+v", list)
		}
		task, ok := srv.Task(SeedTaskHash)
		if !ok || task.Params["url"] != "https://www.linkedin.com/in/johndoe" || task.Module.String() != "5" {
			t.Errorf("Task(SeedTaskHash) = %+v, %v", task, ok)
		}
		if _, ok := srv.Task("00000000000000000000000000000000"); ok {
			t.Error("Task of an unknown hash says it exists")
		}
		if srv.Tasks("nope") != nil {
			t.Error("Tasks of an unknown squid is not nil")
		}
	})
}

func TestNotFound(t *testing.T) {
	srv := NewServer(t)
	const unknown = "0123456789abcdef0123456789abcdef"
	const squidNotFound = `{"error": {"message": "Squid not found", "type": "not_found_error", "param": "squid"}}`
	expect(t, "get unknown task", get(t, srv, "/v1/tasks/"+unknown), 404, string(sharedFixture(t, "get-task.404.json")))
	expect(t, "delete unknown task", call(t, srv, "DELETE", "/v1/tasks/"+unknown, nil, ""), 404, string(sharedFixture(t, "delete-task.404.json")))
	expect(t, "unknown upload", get(t, srv, "/v1/tasks/upload/"+unknown), 404, string(sharedFixture(t, "upload-status.404.json")))
	expect(t, "list unknown squid", get(t, srv, "/v1/tasks?squid=nope"), 404, squidNotFound)
	expect(t, "add to unknown squid", postJSON(t, srv, "/v1/tasks", map[string]any{"squid": "nope", "tasks": []any{map[string]any{"url": "x"}}}), 404, squidNotFound)
	ctype, body := uploadForm(t, "t.csv", "text/csv", "url\nhttps://x\n", [2]string{"squid", "nope"}, [2]string{"file", ""})
	expect(t, "upload to unknown squid", call(t, srv, "POST", "/v1/tasks/upload", bytes.NewReader(body), ctype), 404, squidNotFound)
}

func TestUndocumentedRoutes(t *testing.T) {
	for _, validate := range []bool{true, false} {
		c := &collector{}
		srv := NewServer(t, WithValidation(validate), WithViolationHandler(c.add))
		expect(t, "GET /v1/no-such-resource", get(t, srv, "/v1/no-such-resource"), 404, `{"detail": "Not found."}`)
		got := call(t, srv, "PUT", "/v1/tasks", nil, "")
		expect(t, "PUT /v1/tasks", got, 405, `{"detail": "Method \"PUT\" not allowed."}`)
		if allow := got.header.Get("Allow"); allow != "GET, POST" {
			t.Errorf("Allow = %q, want GET, POST", allow)
		}
		v := c.all()
		if validate && (len(v) != 2 || !errors.Is(v[0], specvalidate.ErrNoOperation) || v[0].Kind != RequestViolation) {
			t.Errorf("validation on: violations %v, want two undocumented operations", v)
		}
		if !validate && len(v) != 0 {
			t.Errorf("validation off: violations %v", v)
		}
	}
}

// walk follows the next links of a squid's pages from the first one.
func walk(t *testing.T, srv *Server, squid string, limit int) (ids []string, pages int) {
	t.Helper()
	next := fmt.Sprintf("%s/tasks?squid=%s&limit=%d", srv.URL, squid, limit)
	total := len(srv.Tasks(squid))
	wantPages := (total + limit - 1) / limit
	for n := 1; next != ""; n++ {
		got := call(t, srv, "GET", next, nil, "")
		if got.status != 200 {
			t.Fatalf("GET %s: %d %s", next, got.status, got.body)
		}
		page := decode[models.TaskPage](t, got)
		link := func(p int) string { return fmt.Sprintf("%s/tasks?squid=%s&page=%d&limit=%d", srv.URL, squid, p, limit) }
		if page.Page != n || page.Limit != limit || page.TotalResults != total || page.TotalPages != wantPages {
			t.Fatalf("page %d of limit %d: page %d limit %d total_results %d total_pages %d", n, limit, page.Page, page.Limit, page.TotalResults, page.TotalPages)
		}
		from, to := (n-1)*limit+1, min(n*limit, total)
		if page.ResultFrom == nil || page.ResultTo == nil || *page.ResultFrom != from || *page.ResultTo != to || len(page.Data) != to-from+1 {
			t.Fatalf("page %d of limit %d: result_from %v result_to %v with %d tasks, want %d..%d", n, limit, page.ResultFrom, page.ResultTo, len(page.Data), from, to)
		}
		switch {
		case n == 1 && page.Previous != nil:
			t.Fatalf("page 1: previous = %q, want null", *page.Previous)
		case n > 1 && (page.Previous == nil || *page.Previous != link(n-1)):
			t.Fatalf("page %d: previous = %v, want %s", n, page.Previous, link(n-1))
		case n < wantPages && (page.Next == nil || *page.Next != link(n+1)):
			t.Fatalf("page %d: next = %v, want %s", n, page.Next, link(n+1))
		case n == wantPages && page.Next != nil:
			t.Fatalf("last page: next = %q, want null", *page.Next)
		}
		for _, d := range page.Data {
			ids = append(ids, d.Id)
		}
		pages++
		next = ""
		if page.Next != nil {
			next = *page.Next
		}
	}
	return ids, pages
}

func TestPagination(t *testing.T) {
	srv := NewServer(t)
	srv.AddSquid("big")
	for batch := range 3 { // 100 + 100 + 50 tasks through Add Tasks
		var tasks []map[string]any
		for i := range min(100, 250-batch*100) {
			tasks = append(tasks, map[string]any{"url": fmt.Sprintf("https://example.com/%d", batch*100+i)})
		}
		got := postJSON(t, srv, "/v1/tasks", map[string]any{"squid": "big", "tasks": tasks})
		if res := decode[models.AddTasksResult](t, got); got.status != 200 || len(res.Tasks) != len(tasks) {
			t.Fatalf("adding batch %d: %d, %d added", batch, got.status, len(res.Tasks))
		}
	}
	var want []string
	for _, s := range srv.Tasks("big") {
		want = append(want, s.Id)
	}
	if len(want) != 250 {
		t.Fatalf("%d tasks in the squid, want 250", len(want))
	}
	for _, limit := range []int{1, 50, 100, 7} {
		ids, pages := walk(t, srv, "big", limit)
		if pages != (250+limit-1)/limit || strings.Join(ids, ",") != strings.Join(want, ",") {
			t.Errorf("limit %d: %d pages, %d tasks, not the squid's in order", limit, pages, len(ids))
		}
	}

	t.Run("default limit and page", func(t *testing.T) {
		page := decode[models.TaskPage](t, get(t, srv, "/v1/tasks?squid=big"))
		if page.Limit != 50 || page.Page != 1 || len(page.Data) != 50 || page.Data[0].Id != want[0] ||
			page.Next == nil || *page.Next != srv.URL+"/tasks?squid=big&page=2&limit=50" {
			t.Errorf("default page: limit %d page %d, %d tasks, next %v", page.Limit, page.Page, len(page.Data), page.Next)
		}
	})
	t.Run("type is kept in the links", func(t *testing.T) {
		page := decode[models.TaskPage](t, get(t, srv, "/v1/tasks?squid=big&type=params&page=2&limit=100"))
		if page.Next == nil || *page.Next != srv.URL+"/tasks?squid=big&type=params&page=3&limit=100" ||
			page.Previous == nil || *page.Previous != srv.URL+"/tasks?squid=big&type=params&page=1&limit=100" {
			t.Errorf("next %v previous %v", page.Next, page.Previous)
		}
		if len(page.Data) != 100 || page.Data[0].Id != want[100] || page.Data[0].Params["url"] != "https://example.com/100" {
			t.Errorf("type=params page 2: %d tasks starting %+v", len(page.Data), page.Data[0])
		}
	})
	t.Run("past the end", func(t *testing.T) {
		got := get(t, srv, "/v1/tasks?squid=big&page=9&limit=100")
		page := decode[models.TaskPage](t, got)
		if got.status != 200 || len(page.Data) != 0 || page.Page != 9 || page.TotalPages != 3 || page.Next != nil ||
			page.Previous == nil || *page.Previous != srv.URL+"/tasks?squid=big&page=3&limit=100" {
			t.Errorf("page 9 of 3: %d %s", got.status, got.body)
		}
		if bytes.Contains(got.body, []byte("result_from")) || !bytes.Contains(got.body, []byte(`"data":[]`)) {
			t.Errorf("an empty page has result_from or a null data: %s", got.body)
		}
	})
	t.Run("empty squid", func(t *testing.T) {
		srv.AddSquid("empty")
		got := get(t, srv, "/v1/tasks?squid=empty")
		expect(t, "empty squid", got, 200, `{"total_results":0,"limit":50,"page":1,"total_pages":0,"data":[],"next":null,"previous":null}`)
	})
}

func TestListOutOfRange(t *testing.T) {
	for _, validate := range []bool{true, false} {
		t.Run(fmt.Sprintf("validation=%v", validate), func(t *testing.T) {
			c := &collector{}
			srv := NewServer(t, WithValidation(validate), WithViolationHandler(c.add))
			for _, q := range []string{"limit=101", "limit=0", "limit=-5", "page=0"} {
				got := get(t, srv, "/v1/tasks?squid="+SeedSquid+"&"+q)
				expect(t, q, got, 400, "")
				var body map[string]string
				if err := json.Unmarshal(got.body, &body); err != nil || len(body) != 1 || body["detail"] == "" {
					t.Errorf("%s: body %s, want {\"detail\": \"...\"}", q, got.body)
				}
				name, _, _ := strings.Cut(q, "=")
				if !strings.Contains(body["detail"], name) {
					t.Errorf("%s: detail %q does not name %s", q, body["detail"], name)
				}
			}
			if n := len(c.all()); validate && n != 4 || !validate && n != 0 {
				t.Errorf("%d violations reported", n)
			}
		})
	}
}

var (
	hashRE      = regexp.MustCompile(`^[0-9a-f]{32}$`)
	zonelessRE  = regexp.MustCompile(`^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}$`)
	documentReq = map[string]any{"squid": SeedSquid, "tasks": []any{
		map[string]any{"url": "https://www.linkedin.com/in/johndoe"},
		map[string]any{"url": "https://www.linkedin.com/in/janedoe"},
	}}
)

func TestAddGetListDelete(t *testing.T) {
	srv := NewServer(t)

	// The documented request is already in the seed squid: both are duplicates.
	got := postJSON(t, srv, "/v1/tasks", documentReq)
	expect(t, "re-adding the documented tasks", got, 200, `{"duplicated_count": 2, "tasks": []}`)

	srv.AddSquid("mine")
	before := time.Now().UTC().Add(-time.Second)
	got = postJSON(t, srv, "/v1/tasks", map[string]any{"squid": "mine", "tasks": []any{
		map[string]any{"url": "https://a"}, map[string]any{"url": "https://b", "country": "France"}, map[string]any{"url": "https://a"},
	}})
	res := decode[models.AddTasksResult](t, got)
	if got.status != 200 || res.DuplicatedCount != 1 || len(res.Tasks) != 2 {
		t.Fatalf("adding a, b, a: %d %s", got.status, got.body)
	}
	if got.header.Get("X-RateLimit-Limit") != "90" || got.header.Get("X-RateLimit-Remaining") == "" {
		t.Errorf("Add Tasks without rate-limit headers: %v", got.header)
	}
	for i, a := range res.Tasks {
		if !hashRE.MatchString(a.Id) || a.Object != "task" || !a.IsActive || !a.Module.IsString() || a.Module.String() != SeedModule {
			t.Errorf("added task %d: %+v", i, a)
		}
		if !zonelessRE.MatchString(a.CreatedAt.String()) || a.CreatedAt.Before(before) || a.CreatedAt.After(time.Now().Add(time.Second)) {
			t.Errorf("added task %d: created_at %q is not now, zone-less with microseconds", i, a.CreatedAt)
		}
	}
	if res.Tasks[0].Id == res.Tasks[1].Id || res.Tasks[1].Params["country"] != "France" {
		t.Errorf("added tasks: %+v", res.Tasks)
	}

	// Sent again, whole: all duplicates.
	got = postJSON(t, srv, "/v1/tasks", map[string]any{"squid": "mine", "tasks": []any{map[string]any{"url": "https://b", "country": "France"}, map[string]any{"url": "https://a"}}})
	expect(t, "re-adding", got, 200, `{"duplicated_count": 2, "tasks": []}`)

	// Listed, in order; gettable, pending.
	page := decode[models.TaskPage](t, get(t, srv, "/v1/tasks?squid=mine"))
	if page.TotalResults != 2 || page.Data[0].Id != res.Tasks[0].Id || page.Data[1].Id != res.Tasks[1].Id {
		t.Fatalf("list after add: %+v", page)
	}
	got = get(t, srv, "/v1/tasks/"+res.Tasks[0].Id)
	task := decode[models.Task](t, got)
	if got.status != 200 || task.Status.Status != "pending" || task.Status.IsDone || task.Status.StartedAt != nil ||
		task.Status.DoneReason != nil || task.Params["url"] != "https://a" || task.CreatedAt.String() != res.Tasks[0].CreatedAt.String() {
		t.Errorf("get added task: %d %s", got.status, got.body)
	}

	// Deleted: gone from get and list; a second delete is a 404; the params can be added again.
	got = call(t, srv, "DELETE", "/v1/tasks/"+res.Tasks[0].Id, nil, "")
	expect(t, "delete", got, 200, fmt.Sprintf(`{"id": %q, "object": "task", "deleted": true}`, res.Tasks[0].Id))
	expect(t, "get deleted", get(t, srv, "/v1/tasks/"+res.Tasks[0].Id), 404, string(sharedFixture(t, "get-task.404.json")))
	expect(t, "delete again", call(t, srv, "DELETE", "/v1/tasks/"+res.Tasks[0].Id, nil, ""), 404, string(sharedFixture(t, "delete-task.404.json")))
	if list := srv.Tasks("mine"); len(list) != 1 || list[0].Id != res.Tasks[1].Id {
		t.Errorf("after delete the squid holds %+v", list)
	}
	again := decode[models.AddTasksResult](t, postJSON(t, srv, "/v1/tasks", map[string]any{"squid": "mine", "tasks": []any{map[string]any{"url": "https://a"}}}))
	if again.DuplicatedCount != 0 || len(again.Tasks) != 1 || again.Tasks[0].Id == res.Tasks[0].Id {
		t.Errorf("re-adding a deleted task: %+v", again)
	}
}

func TestAddRefusesEmptyTasks(t *testing.T) {
	for _, validate := range []bool{true, false} {
		c := &collector{}
		srv := NewServer(t, WithValidation(validate), WithViolationHandler(c.add))
		srv.AddSquid("mine")
		got := postJSON(t, srv, "/v1/tasks", map[string]any{"squid": "mine", "tasks": []any{map[string]any{"url": "https://a"}, map[string]any{}}})
		expect(t, "an empty task", got, 400, string(sharedFixture(t, "add-tasks.400.json")))
		if n := len(srv.Tasks("mine")); n != 0 {
			t.Errorf("validation=%v: %d tasks added from a refused batch", validate, n)
		}
		got = postJSON(t, srv, "/v1/tasks", map[string]any{"squid": "mine", "tasks": []any{}})
		if got.status != 400 {
			t.Errorf("validation=%v: an empty batch: %d %s", validate, got.status, got.body)
		}
		got = call(t, srv, "POST", "/v1/tasks", strings.NewReader("{"), "application/json")
		if got.status != 400 || !bytes.Contains(got.body, []byte(`"detail"`)) {
			t.Errorf("validation=%v: malformed JSON: %d %s", validate, got.status, got.body)
		}
		if n := len(c.all()); validate && n != 2 || !validate && n != 0 {
			t.Errorf("validation=%v: %d violations, want %d", validate, n, map[bool]int{true: 2}[validate])
		}
	}
}

func TestPutTask(t *testing.T) {
	srv := NewServer(t)
	ts, _ := types.ParseTimestamp("2025-01-01T00:00:00Z")
	task := models.Task{HashValue: "0123456789abcdef0123456789abcdef", CreatedAt: ts, IsActive: true,
		Params: models.Params{"url": "https://p"}, Module: types.ModuleInt(7), Object: "task",
		Status: models.TaskStatus{Status: "running", Errors: json.RawMessage("null")}}
	srv.PutTask("other", task)
	if list := srv.Tasks("other"); len(list) != 1 || list[0].Id != task.HashValue || list[0].Params["url"] != "https://p" {
		t.Fatalf("Tasks after PutTask: %+v", list)
	}
	got := get(t, srv, "/v1/tasks/"+task.HashValue)
	if r := decode[models.Task](t, got); got.status != 200 || r.Status.Status != "running" || r.Module.String() != "7" ||
		r.CreatedAt.String() != "2025-01-01T00:00:00Z" {
		t.Errorf("get put task: %s", got.body)
	}
	// Replacing the seed task: keeps its place, List now shows the new params.
	seed, _ := srv.Task(SeedTaskHash)
	seed.Params = models.Params{"url": "https://replaced"}
	srv.PutTask(SeedSquid, seed)
	if list := srv.Tasks(SeedSquid); len(list) != 2 || list[1].Id != SeedTaskHash || list[1].Params["url"] != "https://replaced" {
		t.Errorf("after replacing: %+v", list)
	}
	// Moving a task to another squid.
	srv.PutTask(SeedSquid, task)
	if len(srv.Tasks("other")) != 0 || len(srv.Tasks(SeedSquid)) != 3 {
		t.Errorf("moving: other holds %d, seed squid %d", len(srv.Tasks("other")), len(srv.Tasks(SeedSquid)))
	}
	// The returned task is a copy.
	got2, _ := srv.Task(task.HashValue)
	got2.Params["url"] = "changed"
	if again, _ := srv.Task(task.HashValue); again.Params["url"] != "https://p" {
		t.Error("changing a task Task returned changed the fake")
	}
}

func TestRateLimitHeaders(t *testing.T) {
	srv := NewServer(t, WithViolationHandler(func(Violation) {})) // GET /v1/nothing is one
	last := 91
	for i := range 3 {
		got := get(t, srv, "/v1/tasks/"+SeedTaskHash)
		left, err := strconv.Atoi(got.header.Get("X-RateLimit-Remaining"))
		reset, err2 := strconv.ParseInt(got.header.Get("X-RateLimit-Reset"), 10, 64)
		if err != nil || err2 != nil || got.header.Get("X-RateLimit-Limit") != "90" {
			t.Fatalf("request %d: rate-limit headers %v", i, got.header)
		}
		// A window may end between two requests: then the count starts again.
		if left != last-1 && left != 89 {
			t.Errorf("request %d: X-RateLimit-Remaining %d after %d", i, left, last)
		}
		if now := time.Now().Unix(); reset <= now-1 || reset > now+61 {
			t.Errorf("request %d: X-RateLimit-Reset %d is not within the next minute of %d", i, reset, now)
		}
		last = left
	}
	for _, path := range []string{"/v1/tasks/upload/" + SeedUploadID, "/v1/tasks?squid=" + SeedSquid, "/v1/tasks/0123456789abcdef0123456789abcdef", "/v1/nothing"} {
		if got := get(t, srv, path); got.header.Get("X-RateLimit-Remaining") == "" {
			t.Errorf("GET %s (%d): no rate-limit headers", path, got.status)
		}
	}
}

// TestResponseViolation makes the fake answer a body off the document, through the test
// hook, and checks that the violation is reported and the body still delivered.
func TestResponseViolation(t *testing.T) {
	c := &collector{}
	srv := NewServer(t, WithViolationHandler(c.add))
	srv.respHook = func(op string, resp any) any {
		if r, ok := resp.(gen.GetTask200JSONResponse); ok {
			r.Body.HashValue = "XYZ"
			return r
		}
		return resp
	}
	got := get(t, srv, "/v1/tasks/"+SeedTaskHash)
	if got.status != 200 || decode[models.Task](t, got).HashValue != "XYZ" {
		t.Errorf("the broken answer was not delivered: %d %s", got.status, got.body)
	}
	v := c.all()
	if len(v) != 1 || v[0].Kind != ResponseViolation || v[0].Status != 200 || v[0].Method != "GET" ||
		v[0].Path != "/v1/tasks/"+SeedTaskHash || !strings.Contains(v[0].Error(), "hash_value") {
		t.Fatalf("violations %v, want one response violation about hash_value", v)
	}
	// Other operations are untouched.
	if got := get(t, srv, "/v1/tasks?squid="+SeedSquid); got.status != 200 || len(c.all()) != 1 {
		t.Errorf("an untouched operation: %d, %d violations", got.status, len(c.all()))
	}
}

// TestNewServerFailsTheTest checks that, by default, a violation fails the test NewServer
// was given.
func TestNewServerFailsTheTest(t *testing.T) {
	tb := &fakeTB{}
	srv := NewServer(tb)
	srv.respHook = func(op string, resp any) any {
		if r, ok := resp.(gen.DeleteTask200JSONResponse); ok {
			r.Body.Object = ""
			r.Body.Id = "not-a-hash"
			return r
		}
		return resp
	}
	get(t, srv, "/v1/tasks/nothex")                            // a request violation
	call(t, srv, "DELETE", "/v1/tasks/"+SeedTaskHash, nil, "") // a response violation
	get(t, srv, "/v1/tasks/"+SeedTaskHash)                     // fine (a 404 now)
	tb.finish()
	tb.mu.Lock()
	defer tb.mu.Unlock()
	if len(tb.errors) != 2 || !strings.Contains(tb.errors[0], "request GET /v1/tasks/nothex") ||
		!strings.Contains(tb.errors[1], "response 200 to DELETE") {
		t.Errorf("errors reported to the test: %q", tb.errors)
	}
	if _, err := http.Get(srv.URL + "/tasks/" + SeedTaskHash); err == nil {
		t.Error("the server still answers after the test's cleanup")
	}
}

func TestRequestViolation(t *testing.T) {
	c := &collector{}
	srv := NewServer(t, WithViolationHandler(c.add))
	got := get(t, srv, "/v1/tasks/C5E29D2ABA8B77CDC56391E7405302DE")
	expect(t, "bad hash", got, 400, "")
	body := decode[map[string]string](t, got)
	if len(body) != 1 || !strings.Contains(body["detail"], "task_hash") {
		t.Errorf("body %s, want a detail naming task_hash", got.body)
	}
	v := c.all()
	if len(v) != 1 || v[0].Kind != RequestViolation || v[0].Path != "/v1/tasks/C5E29D2ABA8B77CDC56391E7405302DE" {
		t.Errorf("violations %v, want one request violation", v)
	}
	if srv.Requests("GET /v1/tasks/C5E29D2ABA8B77CDC56391E7405302DE") != 1 {
		t.Error("the refused request was not counted")
	}
}

func TestValidationOff(t *testing.T) {
	c := &collector{}
	srv := NewServer(t, WithValidation(false), WithViolationHandler(c.add))
	srv.respHook = func(op string, resp any) any {
		if r, ok := resp.(gen.GetTask200JSONResponse); ok {
			r.Body.HashValue = "XYZ"
			return r
		}
		return resp
	}
	expect(t, "bad hash, unchecked", get(t, srv, "/v1/tasks/nothex"), 404, string(sharedFixture(t, "get-task.404.json")))
	if got := get(t, srv, "/v1/tasks/"+SeedTaskHash); got.status != 200 {
		t.Errorf("GET: %d", got.status)
	}
	if v := c.all(); len(v) != 0 {
		t.Errorf("validation off reported %v", v)
	}
}

func TestRequestsCount(t *testing.T) {
	srv := NewServer(t)
	for range 3 {
		get(t, srv, "/v1/tasks/"+SeedTaskHash)
	}
	get(t, srv, "/v1/tasks?squid="+SeedSquid+"&limit=5")
	callAs(t, srv, "", "GET", "/v1/tasks/"+SeedTaskHash, nil, "") // refused, still counted
	if n := srv.Requests("GET /v1/tasks/" + SeedTaskHash); n != 4 {
		t.Errorf("Requests(GET task) = %d, want 4", n)
	}
	if n := srv.Requests("GET /v1/tasks"); n != 1 {
		t.Errorf("Requests(GET /v1/tasks) = %d, want 1 (the query is not part of the path)", n)
	}
	if n := srv.Requests(""); n != 5 {
		t.Errorf("Requests(\"\") = %d, want 5", n)
	}
	log := srv.RequestLog()
	if len(log) != 5 || log[3].Query != "squid="+SeedSquid+"&limit=5" || log[3].Path != "/v1/tasks" || log[0].Method != "GET" {
		t.Errorf("RequestLog = %+v", log)
	}
}

func TestLogger(t *testing.T) {
	var buf syncBuffer
	srv := NewServer(t, WithToken("very-secret-token"), WithLogger(slog.New(slog.NewJSONHandler(&buf, nil))))
	get(t, srv, "/v1/tasks/"+SeedTaskHash)
	callAs(t, srv, "Token wrong-secret", "GET", "/v1/tasks?squid="+SeedSquid, nil, "")
	srv.Close() // waits for the handlers, and so for their log lines
	lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
	if len(lines) != 2 {
		t.Fatalf("%d log lines, want 2:\n%s", len(lines), buf.String())
	}
	for i, want := range []struct {
		path   string
		status float64
	}{{"/v1/tasks/" + SeedTaskHash, 200}, {"/v1/tasks", 401}} {
		var rec map[string]any
		if err := json.Unmarshal([]byte(lines[i]), &rec); err != nil {
			t.Fatal(err)
		}
		if rec["method"] != "GET" || rec["path"] != want.path || rec["status"] != want.status || rec["duration"] == nil {
			t.Errorf("log line %d: %s", i, lines[i])
		}
	}
	if strings.Contains(buf.String(), "secret") {
		t.Errorf("a token reached the log: %s", buf.String())
	}
}

type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

func TestConcurrentClients(t *testing.T) {
	srv := NewServer(t)
	srv.AddSquid("busy")
	// Eight clients at once, each a parallel subtest (so that call and decode may stop
	// one with t.Fatal); the group returns when all have.
	t.Run("clients", func(t *testing.T) {
		for w := range 8 {
			t.Run(fmt.Sprint("client", w), func(t *testing.T) {
				t.Parallel()
				for i := range 10 {
					b, _ := json.Marshal(map[string]any{"squid": "busy", "tasks": []any{map[string]any{"url": fmt.Sprintf("https://%d/%d", w, i)}}})
					got := call(t, srv, "POST", "/v1/tasks", bytes.NewReader(b), "application/json")
					res := decode[models.AddTasksResult](t, got)
					if got.status != 200 || len(res.Tasks) != 1 {
						t.Fatalf("add: %d %s", got.status, got.body)
					}
					get(t, srv, "/v1/tasks/"+res.Tasks[0].Id)
					get(t, srv, "/v1/tasks?squid=busy&limit=100")
					if i%2 == 0 {
						call(t, srv, "DELETE", "/v1/tasks/"+res.Tasks[0].Id, nil, "")
					}
				}
			})
		}
	})
	if n := len(srv.Tasks("busy")); n != 40 {
		t.Errorf("%d tasks left, want 40", n)
	}
}

func TestRequestLogIsBounded(t *testing.T) {
	f := New()
	for i := range maxLogged + 5 {
		f.mu.Lock()
		f.record("GET", "/v1/tasks", strconv.Itoa(i), time.Now())
		f.mu.Unlock()
	}
	log := f.RequestLog()
	if len(log) != maxLogged || log[0].Query != "5" || log[len(log)-1].Query != strconv.Itoa(maxLogged+4) {
		t.Errorf("log of %d from %q to %q, want the last %d", len(log), log[0].Query, log[len(log)-1].Query, maxLogged)
	}
	if f.Requests("") != maxLogged+5 || f.Requests("GET /v1/tasks") != maxLogged+5 {
		t.Errorf("counts %d and %d, want %d", f.Requests(""), f.Requests("GET /v1/tasks"), maxLogged+5)
	}
}
