package apitest_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/lobstr-go/lobstr/api/apitest"
)

// exampleT stands in for the *testing.T of a real test, which examples do not have.
type exampleT struct {
	testing.TB
	cleanups []func()
}

func (t *exampleT) Helper()          {}
func (t *exampleT) Cleanup(f func()) { t.cleanups = append(t.cleanups, f) }
func (t *exampleT) Errorf(format string, args ...any) {
	fmt.Printf("test failed: "+format+"\n", args...)
}

// done runs the cleanups, as the end of a test does.
func (t *exampleT) done() {
	for i := len(t.cleanups) - 1; i >= 0; i-- {
		t.cleanups[i]()
	}
}

// get sends an authenticated GET and decodes the JSON answer into v.
func get(url, token string, v any) int {
	req, err := http.NewRequest("GET", url, nil)
	if err != nil {
		panic(err)
	}
	req.Header.Set("Authorization", "Token "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		fmt.Println("error:", err)
		return 0
	}
	defer resp.Body.Close()
	if err := json.NewDecoder(resp.Body).Decode(v); err != nil {
		fmt.Println("error:", err)
	}
	return resp.StatusCode
}

type task struct {
	HashValue string `json:"hash_value"`
	Status    struct {
		Status       string `json:"status"`
		IsDone       bool   `json:"is_done"`
		TotalResults int    `json:"total_results"`
	} `json:"status"`
}

// A test starts the fake with NewServer and points the code under test at srv.URL with
// srv.Token. The fake is closed when the test ends.
func ExampleNewServer() {
	t := &exampleT{} // in a test: the test's t
	defer t.done()

	srv := apitest.NewServer(t)
	fmt.Println(strings.HasSuffix(srv.URL, "/v1"))

	var got task
	status := get(srv.URL+"/tasks/"+apitest.SeedTaskHash, srv.Token, &got)
	fmt.Println(status, got.HashValue, got.Status.Status, got.Status.TotalResults)
	// Output:
	// true
	// 200 c5e29d2aba8b77cdc56391e7405302de completed 156
}

// New is the fake as a plain http.Handler, to serve on any server (lobstr mock does).
func ExampleNew() {
	fake := apitest.New(apitest.WithToken("my-key"))
	srv := httptest.NewServer(fake)
	defer srv.Close()

	var page struct {
		TotalResults int `json:"total_results"`
		Data         []struct {
			ID string `json:"id"`
		} `json:"data"`
	}
	status := get(srv.URL+"/v1/tasks?squid="+apitest.SeedSquid, "my-key", &page)
	fmt.Println(status, page.TotalResults, page.Data[0].ID, page.Data[1].ID)

	var refused struct{ Detail string }
	fmt.Println(get(srv.URL+"/v1/tasks?squid="+apitest.SeedSquid, "another-key", &refused), refused.Detail)
	// Output:
	// 200 2 6b9d3afdf4e76df374915a50d7a495c4 c5e29d2aba8b77cdc56391e7405302de
	// 401 Invalid token.
}

// Tasks and PutTask read and change the fake's state directly.
func ExampleFake_Tasks() {
	t := &exampleT{}
	defer t.done()
	srv := apitest.NewServer(t)

	for _, s := range srv.Tasks(apitest.SeedSquid) {
		fmt.Println(s.Id, s.Params["url"])
	}
	// Output:
	// 6b9d3afdf4e76df374915a50d7a495c4 https://www.linkedin.com/in/johndoe
	// c5e29d2aba8b77cdc56391e7405302de https://www.linkedin.com/in/janedoe
}

// Script makes the next requests to an operation fail, to test a client's retries.
func ExampleFake_Script() {
	t := &exampleT{}
	defer t.done()
	srv := apitest.NewServer(t)

	srv.Script("GET", "/v1/tasks/"+apitest.SeedTaskHash,
		apitest.Fault{Status: 503, Body: []byte(`{"detail":"Service unavailable."}`), Header: http.Header{"Retry-After": {"1"}}},
		apitest.Fault{Status: 429, Body: []byte(`{"detail":"Request was throttled. Expected available in 1 second."}`)},
	)
	for range 3 {
		var body map[string]any
		fmt.Println(get(srv.URL+"/tasks/"+apitest.SeedTaskHash, srv.Token, &body))
	}
	fmt.Println(srv.Requests("GET /v1/tasks/"+apitest.SeedTaskHash), "requests")
	// Output:
	// 503
	// 429
	// 200
	// 3 requests
}

// SetLifecycle moves a task along as it is polled, to test waiting for it.
func ExampleFake_SetLifecycle() {
	t := &exampleT{}
	defer t.done()
	srv := apitest.NewServer(t)

	srv.SetLifecycle(apitest.SeedTaskHash, apitest.Lifecycle{Polls: 3, Results: 156})
	for range 4 {
		var got task
		get(srv.URL+"/tasks/"+apitest.SeedTaskHash, srv.Token, &got)
		fmt.Println(got.Status.Status, got.Status.TotalResults, got.Status.IsDone)
	}
	// Output:
	// pending 0 false
	// running 78 false
	// completed 156 true
	// completed 156 true
}
