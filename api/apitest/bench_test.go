package apitest

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/lobstr-go/lobstr/gen/models"
)

// BenchmarkFake measures the fake over loopback HTTP, with validation on and off.
func BenchmarkFake(b *testing.B) {
	for _, op := range []struct{ name, path string }{
		{"GetTask", "/tasks/" + SeedTaskHash},
		{"ListTasks", "/tasks?squid=" + SeedSquid + "&limit=50"},
		{"ListTasks100", "/tasks?squid=bench&limit=100"},
	} {
		for _, on := range []bool{false, true} {
			b.Run(fmt.Sprintf("%s/validation=%v", op.name, on), func(b *testing.B) {
				srv := NewServer(b, WithValidation(on))
				srv.AddSquid("bench")
				for i := range 100 {
					srv.PutTask("bench", models.Task{HashValue: fmt.Sprintf("%032x", i), CreatedAt: now(), IsActive: true,
						Params: models.Params{"url": fmt.Sprintf("https://www.linkedin.com/in/someone-%d", i)}, Object: "task", Status: pendingStatus()})
				}
				client := srv.Client()
				req, err := http.NewRequest("GET", srv.URL+op.path, nil)
				if err != nil {
					b.Fatal(err)
				}
				req.Header.Set("Authorization", "Token "+srv.Token)
				b.ReportAllocs()
				for b.Loop() {
					resp, err := client.Do(req)
					if err != nil {
						b.Fatal(err)
					}
					_, _ = io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
					if resp.StatusCode != 200 {
						b.Fatalf("status %d", resp.StatusCode)
					}
				}
			})
		}
	}
}

// BenchmarkExportDownload downloads a CSV export of 100,000 rows (about 350 MB: the seed
// crawler documents 87 columns, some with long examples) from the file host: the
// throughput of making rows on the fly.
func BenchmarkExportDownload(b *testing.B) {
	srv := NewServer(b, WithRunLifecycle(RunLifecycle{Polls: 1, Rows: 100_000}))
	srv.AddSquid("bench-export") // ready to run
	do := func(method, path, body string) map[string]any {
		req, _ := http.NewRequest(method, srv.URL+path, strings.NewReader(body))
		req.Header.Set("Authorization", "Token "+srv.Token)
		req.Header.Set("Content-Type", "application/json")
		resp, err := srv.Client().Do(req)
		if err != nil {
			b.Fatal(err)
		}
		defer resp.Body.Close()
		var m map[string]any
		if err := json.NewDecoder(resp.Body).Decode(&m); err != nil || resp.StatusCode != 200 {
			b.Fatal(path, resp.StatusCode, err)
		}
		return m
	}
	do("POST", "/tasks", `{"squid": "bench-export", "tasks": [{"url": "https://example.com/1"}, {"url": "https://example.com/2"}]}`)
	run := do("POST", "/runs", `{"squid": "bench-export"}`)["id"].(string)
	do("GET", "/runs/"+run, "")
	link := do("GET", "/runs/"+run+"/download", "")["s3"].(string)
	b.ResetTimer()
	for b.Loop() {
		resp, err := srv.Client().Get(link)
		if err != nil {
			b.Fatal(err)
		}
		n, err := io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if err != nil || resp.StatusCode != 200 {
			b.Fatal(resp.StatusCode, err)
		}
		b.SetBytes(n)
	}
}
