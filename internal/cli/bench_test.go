package cli

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"runtime"
	"testing"
	"time"

	"github.com/lobstr-go/lobstr/api"
	"github.com/lobstr-go/lobstr/api/apitest"
)

// BenchmarkMockGetTask measures the throughput of the fake `lobstr mock` serves: Tasks.Get
// through the api client, from concurrent goroutines over keep-alive connections, against
// three servers on loopback in the same run: the floor (a plain net/http handler answering
// the fake's own body for the task, with its headers), the fake with validation against the
// OpenAPI document off, and with it on. It reports requests per second; `make bench` prints
// each server's against the floor's with benchstat (target: validated at least 0.60x).
//
//	go test -run '^$' -bench MockGetTask ./internal/cli
func BenchmarkMockGetTask(b *testing.B) {
	header, body := mockAnswer(b)
	floor := http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		for k, v := range header {
			w.Header()[k] = v
		}
		w.Write(body)
	})
	rate := map[string]float64{}
	for _, server := range []string{"floor", "mock", "mock-validated"} {
		b.Run("server="+server, func(b *testing.B) {
			var h http.Handler = floor
			if server != "floor" {
				h = apitest.New(apitest.WithValidation(server == "mock-validated"), apitest.WithViolationHandler(func(v apitest.Violation) {
					b.Errorf("violation: %v", v)
				}))
			}
			rate[server] = benchGetTask(b, h)
		})
	}
	if rate["floor"] > 0 && rate["mock-validated"] > 0 {
		b.Logf("validated mock at %.2fx the floor, unvalidated %.2fx (%.0f, %.0f, %.0f req/s; target at least 0.60x)",
			rate["mock-validated"]/rate["floor"], rate["mock"]/rate["floor"], rate["mock-validated"], rate["mock"], rate["floor"])
	}
}

// mockAnswer returns the headers and body the fake answers Get Task of seedTask with, for
// the floor to answer the same.
func mockAnswer(b *testing.B) (http.Header, []byte) {
	srv := httptest.NewServer(apitest.New())
	defer srv.Close()
	req, err := http.NewRequest(http.MethodGet, srv.URL+"/v1/tasks/"+seedTask, nil)
	if err != nil {
		b.Fatal(err)
	}
	req.Header.Set("Authorization", "Token bench")
	res, err := srv.Client().Do(req)
	if err != nil {
		b.Fatal(err)
	}
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	if err != nil || res.StatusCode != http.StatusOK {
		b.Fatalf("the fake's Get Task: %d %q, %v", res.StatusCode, body, err)
	}
	h := res.Header.Clone()
	h.Del("Date")           // the server's own
	h.Del("Content-Length") // idem
	return h, body
}

// benchGetTask runs Tasks.Get of seedTask against h on loopback from concurrent goroutines
// and returns the requests per second, which it reports.
func benchGetTask(b *testing.B, h http.Handler) float64 {
	srv := httptest.NewServer(h)
	defer srv.Close()
	conns := runtime.GOMAXPROCS(0) * 4
	hc := &http.Client{Transport: &http.Transport{MaxIdleConns: conns, MaxIdleConnsPerHost: conns}}
	defer hc.CloseIdleConnections()
	c, err := api.NewClient(api.WithBaseURL(srv.URL+"/v1"), api.WithToken("bench"),
		api.WithHTTPClient(hc), api.WithoutPacing(), api.WithMaxRetries(0))
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	b.SetParallelism(4)
	b.ReportAllocs()
	b.ResetTimer()
	start := time.Now()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			t, err := c.Tasks.Get(ctx, seedTask)
			if err != nil {
				b.Error(err)
				return
			}
			if t.Status.TotalResults != 156 {
				b.Errorf("total_results %d", t.Status.TotalResults)
				return
			}
		}
	})
	rps := float64(b.N) / time.Since(start).Seconds()
	b.ReportMetric(rps, "req/s")
	return rps
}
