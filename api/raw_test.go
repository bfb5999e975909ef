package api_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/lobstr-go/lobstr/api"
	"github.com/lobstr-go/lobstr/api/apitest"
)

// TestCaptureBody checks that CaptureBody hands over every 2xx body as sent, in order,
// one per page of a walk, and no error body.
func TestCaptureBody(t *testing.T) {
	const body = `{"hash_value": "c5e29d2aba8b77cdc56391e7405302de", "unknown_field": [1,2],` +
		` "status": {"status": "completed", "is_done": true}, "params": {}, "module": 5, "created_at": "2024-12-24T10:57:55.045567"}`
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Write([]byte(body))
	}))
	defer srv.Close()
	c, err := api.NewClient(api.WithBaseURL(srv.URL+"/v1"), api.WithToken("tok"))
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	ctx := api.CaptureBody(context.Background(), func(status int, b []byte) {
		if status != 200 {
			t.Errorf("status %d", status)
		}
		got = append(got, string(b))
	})
	if _, err := c.Tasks.Get(ctx, "c5e29d2aba8b77cdc56391e7405302de"); err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || got[0] != body {
		t.Errorf("captured %q; want the body as sent", got)
	}

	// One body per page; none for an error.
	fake := apitest.NewServer(t)
	c, _ = api.NewClient(api.WithBaseURL(fake.URL), api.WithToken(fake.Token))
	got = nil
	n := 0
	for _, err := range c.Tasks.All(ctx, api.ListTasksOptions{Squid: apitest.SeedSquid, Limit: 1}) {
		if err != nil {
			t.Fatal(err)
		}
		n++
	}
	if n != 2 || len(got) != 2 {
		t.Errorf("%d tasks, %d bodies; want 2 and 2", n, len(got))
	}
	got = nil
	if _, err := c.Tasks.Get(ctx, "0123456789abcdef0123456789abcdef"); !api.IsNotFound(err) || len(got) != 0 {
		t.Errorf("404: %v, captured %q", err, got)
	}
	// Without CaptureBody, nothing is called.
	if _, err := c.Tasks.Get(context.Background(), apitest.SeedTaskHash); err != nil {
		t.Fatal(err)
	}
}
