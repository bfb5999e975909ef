package api_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"

	"github.com/lobstr-go/lobstr/api"
)

// benchServer serves the documented task on loopback, as plainly as possible, so that the
// benchmarks below measure the clients and not the server.
func benchServer(b *testing.B) *httptest.Server {
	body, err := os.ReadFile(filepath.Join("..", "openapi", "fixtures", "get-task.200.json"))
	if err != nil {
		b.Fatal(err)
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("X-RateLimit-Limit", "90")
		w.Header().Set("X-RateLimit-Remaining", "89")
		w.Header().Set("X-RateLimit-Reset", "1739197200")
		w.Write(body)
	}))
	b.Cleanup(srv.Close)
	return srv
}

// BenchmarkGetTask is Tasks.Get through the client (pacing off: the benchmark would otherwise
// measure the documented rate limit).
func BenchmarkGetTask(b *testing.B) {
	srv := benchServer(b)
	c, err := api.NewClient(api.WithToken("bench"), api.WithBaseURL(srv.URL+"/v1"), api.WithoutPacing(), api.WithHTTPClient(srv.Client()))
	if err != nil {
		b.Fatal(err)
	}
	ctx := b.Context()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := c.Tasks.Get(ctx, "c5e29d2aba8b77cdc56391e7405302de"); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkGetTaskHandWritten is the floor: the same request written by hand with net/http
// and encoding/json, decoding into the same type.
func BenchmarkGetTaskHandWritten(b *testing.B) {
	srv := benchServer(b)
	hc := srv.Client()
	url := srv.URL + "/v1/tasks/c5e29d2aba8b77cdc56391e7405302de"
	ctx := b.Context()
	b.ReportAllocs()
	for b.Loop() {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
		if err != nil {
			b.Fatal(err)
		}
		req.Header.Set("Authorization", "Token bench")
		res, err := hc.Do(req)
		if err != nil {
			b.Fatal(err)
		}
		var t api.Task
		if res.StatusCode != http.StatusOK {
			b.Fatal(res.Status)
		}
		err = json.NewDecoder(res.Body).Decode(&t)
		io.Copy(io.Discard, res.Body)
		res.Body.Close()
		if err != nil {
			b.Fatal(err)
		}
	}
}
