package specvalidate_test

import (
	"net/http/httptest"
	"testing"

	"github.com/lobstr-go/lobstr/internal/specvalidate"
)

// TestRememberedExchangesStillChecked: what the Validator remembers (routes, requests
// without a body, answers' headers) never lets through what it has not checked: a
// request or a header value that breaks the document is reported each time it comes,
// between valid ones, and a valid one is still valid after it.
func TestRememberedExchangesStillChecked(t *testing.T) {
	withRemaining := func(left string) *answer {
		a := okTask()
		a.header["X-RateLimit-Remaining"] = left
		return a
	}
	get := "/v1/tasks/c5e29d2aba8b77cdc56391e7405302de"
	for i, step := range []struct {
		next       *answer
		target     string
		code       int // what the client gets
		violations int
	}{
		{okTask(), get, 200, 0},
		{okTask(), get, 200, 0},                            // remembered
		{withRemaining("88"), get, 200, 0},                 // a new value, checked, valid
		{withRemaining("lots"), get, 200, 1},               // a new value, checked, invalid
		{withRemaining("lots"), get, 200, 1},               // never remembered
		{withRemaining("88"), get, 200, 0},                 // remembered
		{withRemaining("88 "), get, 200, 1},                // another value, checked: not "88"
		{withRemaining("-1.5"), get, 200, 1},               // not an integer
		{okTask(), "/v1/tasks?squid=a1&limit=5", 200, 1},   // a Task is no page of tasks
		{okTask(), "/v1/tasks?squid=a1&limit=101", 400, 1}, // the request is refused
		{okTask(), "/v1/tasks?squid=a1&limit=101", 400, 1}, // again
		{okTask(), "/v1/tasks?limit=5", 400, 1},            // no squid
	} {
		next := step.next
		next.header["X-Request-Step"] = "" // an undeclared header, in no answer before
		h, c := wrap(t, next)
		w := serve(h, httptest.NewRequest("GET", step.target, nil))
		if w.Code != step.code {
			t.Errorf("step %d: GET %s = %d, want %d", i, step.target, w.Code, step.code)
		}
		if v := c.all(); len(v) != step.violations {
			t.Errorf("step %d: GET %s with X-RateLimit-Remaining %q: violations %v, want %d", i, step.target, next.header["X-RateLimit-Remaining"], v, step.violations)
		}
		if called := next.called(); (step.code == 200) != (called == 1) {
			t.Errorf("step %d: the handler was called %d times for a %d", i, called, step.code)
		}
	}
}

// TestRouteIsTheCallers: the route and parameters Route returns are the caller's to
// change; the next request matches as before.
func TestRouteIsTheCallers(t *testing.T) {
	v, err := specvalidate.Default()
	if err != nil {
		t.Fatal(err)
	}
	r := httptest.NewRequest("GET", "/v1/tasks/c5e29d2aba8b77cdc56391e7405302de", nil)
	for range 2 {
		route, params, err := v.Route(r)
		if err != nil {
			t.Fatal(err)
		}
		if got := params["task_hash"]; got != "c5e29d2aba8b77cdc56391e7405302de" {
			t.Fatalf("task_hash = %q (params %v)", got, params)
		}
		if route.Operation == nil || route.Operation.OperationID != "getTask" || route.Operation.Security == nil || len(*route.Operation.Security) != 0 {
			t.Fatalf("route %+v: want getTask without security requirements", route)
		}
		params["task_hash"] = "changed"
		route.Path = "changed"
		route.Operation = nil
	}
}
