package apitest

import (
	"fmt"
	"io"
	"net/http"
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
