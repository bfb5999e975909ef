package main

import (
	"context"
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
// the fake on loopback with validation against the OpenAPI document on and off. It reports
// requests per second, and logs the cost of validation as a ratio (target: at most 2x).
//
//	go test -run '^$' -bench MockGetTask ./cmd/lobstr
func BenchmarkMockGetTask(b *testing.B) {
	rate := map[bool]float64{}
	for _, validate := range []bool{false, true} {
		name := "validation=off"
		if validate {
			name = "validation=on"
		}
		b.Run(name, func(b *testing.B) {
			fake := apitest.New(apitest.WithValidation(validate), apitest.WithViolationHandler(func(v apitest.Violation) {
				b.Errorf("violation: %v", v)
			}))
			srv := httptest.NewServer(fake)
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
			rate[validate] = rps
		})
	}
	if rate[true] > 0 {
		ratio := rate[false] / rate[true]
		b.Logf("validation costs %.2fx (%.0f req/s off, %.0f req/s on; target at most 2x)", ratio, rate[false], rate[true])
	}
}
