package cli

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/lobstr-go/lobstr/api/apitest"
	"github.com/lobstr-go/lobstr/openapi"
)

// `lobstr mock --proxy URL --record DIR` in front of an upstream that adds a field to Get
// Task: the client gets the upstream's answer, stderr names the drift once, the
// violations endpoint lists it, and the recorded fixture holds no token.
func TestMockProxyReportsDrift(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs lobstr mock")
	}
	t.Parallel()
	const token = "proxy-test-token-9f8e7d"
	var sent []byte
	upstream := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := openapi.Fixture("get-task.200.json")
		if r.Header.Get("Authorization") != "Token "+token || r.URL.Path != "/api/tasks/"+apitest.SeedTaskHash {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(401)
			w.Write([]byte(`{"detail":"Invalid token."}`))
			return
		}
		var task map[string]any
		json.Unmarshal(b, &task)
		task["owner"] = "someone" // not in the document
		sent, _ = json.Marshal(task)
		w.Header().Set("Content-Type", "application/json")
		w.Write(sent)
	}))
	defer upstream.Close()
	dir := filepath.Join(t.TempDir(), "rec")
	mock := startMock(t, buildCLI(t), "--proxy", upstream.URL+"/api", "--record", dir)

	for range 3 {
		req, _ := http.NewRequest("GET", mock.url+"/tasks/"+apitest.SeedTaskHash, nil)
		req.Header.Set("Authorization", "Token "+token)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		got, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 || string(got) != string(sent) {
			t.Fatalf("through the proxy: %d %s, want the upstream's 200 %s", resp.StatusCode, got, sent)
		}
	}
	resp, err := http.Get(strings.TrimSuffix(mock.url, "/v1") + "/_lobstr/violations")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var list []struct {
		Operation, Pointer, Kind string
		Count                    int
	}
	if err := json.NewDecoder(resp.Body).Decode(&list); err != nil {
		t.Fatal(err)
	}
	if len(list) != 1 || list[0].Operation != "getTask" || list[0].Pointer != "/owner" || list[0].Kind != "unknown-field" || list[0].Count != 3 {
		t.Errorf("violations: %+v, want getTask /owner unknown-field seen 3 times", list)
	}
	deadline := time.Now().Add(5 * time.Second)
	for strings.Count(mock.log(), "drift: unknown-field getTask") != 1 && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	if n := strings.Count(mock.log(), "drift: unknown-field getTask"); n != 1 {
		t.Errorf("stderr names the drift %d times, want once:\n%s", n, mock.log())
	}
	if strings.Contains(mock.log(), token) {
		t.Errorf("stderr shows the token:\n%s", mock.log())
	}
	files, _ := filepath.Glob(filepath.Join(dir, "*.json"))
	if len(files) != 1 {
		t.Fatalf("recorded %q, want one file", files)
	}
	b, _ := os.ReadFile(files[0])
	if strings.Contains(string(b), token) || !strings.Contains(string(b), `"operation": "getTask"`) {
		t.Errorf("recorded fixture:\n%s", b)
	}
	mock.stop(t)
}

func TestMockProxyFlagsChecked(t *testing.T) {
	for _, args := range [][]string{
		{"mock", "--record", t.TempDir()},
		{"mock", "--proxy", "http://example.com/v1"},
		{"mock", "--proxy", "not a url"},
	} {
		r := invocation{}.run(t, args...)
		if r.code != exitUsage || !strings.Contains(r.stderr, "lobstr mock --help") {
			t.Errorf("%q: exit %d, stderr %q; want a usage error", args, r.code, r.stderr)
		}
	}
}
