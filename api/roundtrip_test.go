package api_test

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/lobstr-go/lobstr/api"
	"github.com/lobstr-go/lobstr/gen"
	"github.com/lobstr-go/lobstr/gen/models"
)

func readFixture(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "openapi", "fixtures", name))
	if err != nil {
		t.Fatalf("reading fixture %s : %v", name, err)
	}
	return b
}

// jsonEqual reports whether a and b are the same JSON value.
func jsonEqual(t testing.TB, a, b []byte) bool {
	t.Helper()
	var x, y any
	if err := json.Unmarshal(a, &x); err != nil {
		t.Fatalf("%v in %s", err, a)
	}
	if err := json.Unmarshal(b, &y); err != nil {
		t.Fatalf("%v in %s", err, b)
	}
	return reflect.DeepEqual(x, y)
}

// serveFixture answers every request with the fixture and status.
func serveFixture(t *testing.T, status int, name string) string {
	body := readFixture(t, name)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		w.Write(body)
	}))
	t.Cleanup(srv.Close)
	return srv.URL + "/v1"
}

// The seed's bodies decode through the generated client into typed values and re-encode to
// the same JSON.
func TestSeedBodiesThroughGeneratedClient(t *testing.T) {
	const hash = "c5e29d2aba8b77cdc56391e7405302de"
	gc, err := gen.NewClientWithResponses(serveFixture(t, 200, "get-task.200.json"))
	if err != nil {
		t.Fatal(err)
	}
	res, err := gc.GetTaskWithResponse(t.Context(), hash)
	if err != nil {
		t.Fatal(err)
	}
	task := res.JSON200
	if task == nil {
		t.Fatalf("no JSON200 for %d %s", res.StatusCode(), res.Body)
	}
	if task.HashValue != hash || task.Status.Status != models.Completed || !task.Status.IsDone || task.Status.TotalResults != 156 ||
		task.Status.StartedAt == nil || task.Status.StartedAt.Time.Nanosecond() != 278419000 || task.Status.DoneReason == nil || *task.Status.DoneReason != "completed" {
		t.Fatalf("decoded task: %+v", task)
	}
	if n, ok := task.Module.Int(); !ok || n != 5 || task.Module.IsString() {
		t.Fatalf("module = %v", task.Module)
	}
	if string(task.Status.Errors) != "null" {
		t.Fatalf("status.errors = %s, want null", task.Status.Errors)
	}
	out, err := json.Marshal(task)
	if err != nil {
		t.Fatal(err)
	}
	if !jsonEqual(t, out, readFixture(t, "get-task.200.json")) {
		t.Fatalf("re-encoded task differs:\n%s", out)
	}

	gc, _ = gen.NewClientWithResponses(serveFixture(t, 404, "get-task.404.json"))
	res, err = gc.GetTaskWithResponse(t.Context(), hash)
	if err != nil {
		t.Fatal(err)
	}
	if res.JSON404 == nil {
		t.Fatalf("no JSON404 for %d %s", res.StatusCode(), res.Body)
	}
	env, err := res.JSON404.AsErrorEnvelope()
	if err != nil || env.Error.Message != "Task not found" || env.Error.Type == nil || *env.Error.Type != "not_found_error" || env.Error.Param == nil || *env.Error.Param != "task_hash" {
		t.Fatalf("404 envelope: %+v %v", env, err)
	}
	out, _ = json.Marshal(res.JSON404)
	if !jsonEqual(t, out, readFixture(t, "get-task.404.json")) {
		t.Fatalf("re-encoded 404 differs:\n%s", out)
	}
}

// Every documented success body decodes into its model and marshals back to the same JSON.
func TestModelsRoundTrip(t *testing.T) {
	cases := map[string]any{
		"get-task.200.json":      &api.Task{},
		"list-tasks.200.json":    &api.TaskPage{},
		"add-tasks.200.json":     &api.AddTasksResult{},
		"delete-task.200.json":   &api.DeletedTask{},
		"upload-tasks.200.json":  &api.Upload{},
		"upload-status.200.json": &api.Upload{},
		"upload-status.202.json": &api.Upload{},
		"add-tasks.request.json": &models.AddTasksRequest{},
	}
	for name, v := range cases {
		in := readFixture(t, name)
		dec := json.NewDecoder(bytes.NewReader(in))
		dec.DisallowUnknownFields() // every documented field has a home in the model
		if err := dec.Decode(v); err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		out, err := json.Marshal(v)
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		if !jsonEqual(t, in, out) {
			t.Errorf("%s: re-encoded differs:\n%s", name, out)
		}
	}
}

// The client's Tasks.Get returns the same typed value as the generated client.
func TestClientGetTaskDecodesSeed(t *testing.T) {
	c, err := api.NewClient(api.WithToken("t"), api.WithBaseURL(serveFixture(t, 200, "get-task.200.json")))
	if err != nil {
		t.Fatal(err)
	}
	task, err := c.Tasks.Get(t.Context(), "c5e29d2aba8b77cdc56391e7405302de")
	if err != nil {
		t.Fatal(err)
	}
	out, _ := json.Marshal(task)
	if !jsonEqual(t, out, readFixture(t, "get-task.200.json")) {
		t.Fatalf("re-encoded differs:\n%s", out)
	}
}
