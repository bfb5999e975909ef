package api

import (
	"context"
	"net/http"
	"reflect"
	"testing"

	"github.com/lobstr-go/lobstr/gen"
)

// TestHashRequestsAsGenerated: the requests hashRequests builds are the generated builders'
// ones, field by field, for every base URL NewClient accepts; a base whose path escaping
// could change gets no builder (the generated one is used).
func TestHashRequestsAsGenerated(t *testing.T) {
	const hash = "c5e29d2aba8b77cdc56391e7405302de"
	bases := []string{
		"https://api.lobstr.io/v1",
		"https://api.lobstr.io/v1/",
		"http://127.0.0.1:8080/v1",
		"http://127.0.0.1:/v1",
		"http://[::1]:9000/v1",
		"http://[::1]:/v1",
		"http://localhost/a/../v1/./x/../v2",
		"https://API.lobstr.io/Some_path-1.2~/v1",
	}
	ctx := context.Background()
	for _, raw := range bases {
		c, err := NewClient(WithToken("tok-0000"), WithBaseURL(raw), WithInsecureHTTP())
		if err != nil {
			t.Fatalf("%s: %v", raw, err)
		}
		if c.hashReqs == nil {
			t.Fatalf("%s: no hash request builder for a plain base URL", raw)
		}
		for _, tc := range []struct {
			name      string
			dir, tail string
			gen       func(string, string) (*http.Request, error)
		}{
			{"Get Task", "tasks/", "", gen.NewGetTaskRequest},
			{"Get Run", "runs/", "", gen.NewGetRunRequest},
			{"Get Run Stats", "runs/", "/stats", gen.NewGetRunStatsRequest},
		} {
			want, err := tc.gen(c.base, hash)
			if err != nil {
				t.Fatalf("%s %s: the generated builder: %v", raw, tc.name, err)
			}
			got := c.hashReqs.get(tc.dir, hash, tc.tail)
			if got.URL.String() != want.URL.String() {
				t.Errorf("%s %s: URL %s, want %s", raw, tc.name, got.URL, want.URL)
			}
			if g, w := got.WithContext(ctx), want.WithContext(ctx); !reflect.DeepEqual(g, w) {
				t.Errorf("%s %s: request\n%#v\nwant\n%#v", raw, tc.name, g, w)
			}
		}
	}
	for _, raw := range []string{"https://api.lobstr.io/a%20b/v1", "https://api.lobstr.io/caf%C3%A9/v1", "https://api.lobstr.io/a;b/v1"} {
		c, err := NewClient(WithToken("tok-0000"), WithBaseURL(raw))
		if err != nil {
			t.Fatalf("%s: %v", raw, err)
		}
		if c.hashReqs != nil {
			t.Errorf("%s: a hash request builder (prefix %q) for a path with escapes", raw, c.hashReqs.prefix)
		}
	}
	if (*hashRequests)(nil).get("tasks/", hash, "") != nil {
		t.Error("a nil builder built a request")
	}
}
