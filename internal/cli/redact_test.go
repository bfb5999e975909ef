package cli

import (
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

// A token from the config file (not LOBSTR_TOKEN, which the command line knows of itself) that
// a server echoes back appears nowhere in what the command line prints: the client redacts it.
func TestConfigFileTokenEchoedIsNeverPrinted(t *testing.T) {
	const token = "cfg-9Xq2-echoed-token-Lm7"
	dir := t.TempDir()
	t.Setenv("XDG_CONFIG_HOME", dir)
	t.Setenv("LOBSTR_TOKEN", "")
	if err := os.MkdirAll(filepath.Join(dir, "lobstr"), 0o700); err != nil {
		t.Fatal(err)
	}
	config := filepath.Join(dir, "lobstr", "config.toml")
	if err := os.WriteFile(config, []byte("[auth]\ntoken = \""+token+"\"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	csv := filepath.Join(t.TempDir(), "tasks.csv")
	if err := os.WriteFile(csv, []byte("url\nhttps://example.com/a\n"), 0o600); err != nil {
		t.Fatal(err)
	}

	var mu sync.Mutex
	var answer struct {
		status int
		body   string
	}
	var sawToken bool
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		mu.Lock()
		defer mu.Unlock()
		sawToken = sawToken || r.Header.Get("Authorization") == "Token "+token
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(answer.status)
		io.WriteString(w, answer.body)
	}))
	t.Cleanup(srv.Close)
	inv := invocation{env: map[string]string{"LOBSTR_BASE_URL": srv.URL + "/v1"}}

	withToken := func(name string) string {
		b := string(fixture(t, name))
		out := strings.Replace(b, `"https://`, `"https://example.com/?key=`+token+`&u=`, 1)
		if out == b {
			t.Fatalf("%s has no URL to put the token in", name)
		}
		return out
	}
	cases := []struct {
		name   string
		args   []string
		status int
		body   string
	}{
		{"show 401", []string{"task", "show", seedTask}, 401, `{"detail": "Invalid token ` + token + `."}`},
		{"show 404", []string{"task", "show", seedTask}, 404, `{"error": {"message": "no task for ` + token + `", "type": "not_found_error", "param": "task_hash"}}`},
		{"show 502 HTML", []string{"task", "show", seedTask}, 502, `<html><head><title>502 for Token ` + token + `</title></head></html>`},
		{"show 200", []string{"task", "show", seedTask}, 200, withToken("get-task.200.json")},
		{"show 200 --json", []string{"--json", "task", "show", seedTask}, 200, withToken("get-task.200.json")},
		{"ls 400", []string{"task", "ls", seedSquid, "--all"}, 400, `{"squid": ["` + token + ` is not a squid"]}`},
		{"ls 200", []string{"task", "ls", seedSquid}, 200, withToken("list-tasks.200.json")},
		{"ls 200 --json", []string{"--json", "task", "ls", seedSquid}, 200, withToken("list-tasks.200.json")},
		{"rm 403", []string{"task", "rm", seedTask, "--force"}, 403, `{"errors": {"message": "not yours: ` + token + `", "type": "forbidden", "code": 403}}`},
		{"add 400", []string{"task", "add", seedSquid, "https://example.com/x"}, 400, `{"error": {"message": "bad tasks for ` + token + `", "type": "validation_error", "param": "tasks"}}`},
		{"upload 401", []string{"task", "upload", seedSquid, csv}, 401, `{"detail": "Invalid token ` + token + `."}`},
		{"upload-status 404", []string{"task", "upload-status", seedUpload}, 404, `{"detail": "no upload for ` + token + `"}`},
		{"wait 404", []string{"task", "wait", seedTask}, 404, `{"detail": "Not found: ` + token + `"}`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			mu.Lock()
			answer.status, answer.body, sawToken = tc.status, tc.body, false
			mu.Unlock()
			r := inv.run(t, tc.args...)
			mu.Lock()
			defer mu.Unlock()
			if !sawToken {
				t.Fatalf("the server never saw the config file's token (exit %d, stderr %q)", r.code, r.stderr)
			}
			if strings.Contains(r.stdout, token) || strings.Contains(r.stderr, token) {
				t.Fatalf("the token is printed:\n-- stdout --\n%s-- stderr --\n%s", r.stdout, r.stderr)
			}
			// The echo arrived, and was redacted rather than lost.
			if tc.status >= 400 && (r.code != 1 || !strings.Contains(r.stderr, "[redacted]")) {
				t.Fatalf("exit %d, stderr %q; want exit 1 and the echo redacted", r.code, r.stderr)
			}
			// (The table of `task ls` clips the parameters: there the mark may be cut off.)
			if tc.status == 200 && (r.code != 0 || (tc.name != "ls 200" && !strings.Contains(r.stdout, "[redacted]"))) {
				t.Fatalf("exit %d, stdout %q; want exit 0 and the echo redacted", r.code, r.stdout)
			}
		})
	}

	// A malformed token line: the error names the file and the line, and quotes no token.
	if err := os.WriteFile(config, []byte("[auth]\ntoken = \""+token+"\""+token+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	r := inv.run(t, "task", "show", seedTask)
	if r.code == 0 || !strings.Contains(r.stderr, "line 2") || strings.Contains(r.stdout+r.stderr, token[:10]) {
		t.Fatalf("malformed config: exit %d, stdout %q, stderr %q", r.code, r.stdout, r.stderr)
	}
}
