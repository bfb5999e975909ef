package cli

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/lobstr-go/lobstr/api/apitest"
)

// lobstr mcp speaks MCP on its stdin and stdout against the fake: initialize, the 22 tools
// of lobstr's own MCP server, a tool call answered from the API and a tool error; it ends
// when stdin does.
func TestMCPOverStdio(t *testing.T) {
	srv := apitest.NewServer(t, apitest.WithToken(testToken))
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	inR, inW := io.Pipe()
	outR, outW := io.Pipe()
	var stderr bytes.Buffer
	env := envFor(srv.URL, srv.Token)
	done := make(chan int, 1)
	go func() {
		done <- run(ctx, []string{"mcp"}, inR, outW, &stderr, func(k string) string { return env[k] })
		outW.Close()
	}()
	out := bufio.NewScanner(outR)
	out.Buffer(make([]byte, 1<<20), 1<<20)
	var transcript strings.Builder
	// call sends one request and returns its answer (notifications have no answer).
	call := func(id int, method, params string) map[string]any {
		t.Helper()
		msg := fmt.Sprintf(`{"jsonrpc":"2.0","id":%d,"method":%q,"params":%s}`, id, method, params)
		if id == 0 {
			msg = fmt.Sprintf(`{"jsonrpc":"2.0","method":%q}`, method)
		}
		if _, err := io.WriteString(inW, msg+"\n"); err != nil {
			t.Fatalf("write %s: %v", method, err)
		}
		if id == 0 {
			return nil
		}
		for out.Scan() {
			transcript.WriteString(out.Text() + "\n")
			var m map[string]any
			if err := json.Unmarshal(out.Bytes(), &m); err != nil {
				t.Fatalf("not JSON-RPC: %q", out.Text())
			}
			if m["id"] == float64(id) {
				return m
			}
		}
		t.Fatalf("no answer to %s; stderr:\n%s", method, stderr.String())
		return nil
	}
	call(1, "initialize", `{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"test","version":"1"}}`)
	call(0, "notifications/initialized", "")
	res, _ := call(2, "tools/list", `{}`)["result"].(map[string]any)
	tools, _ := res["tools"].([]any)
	want := []string{"search_scrapers", "get_scraper_details", "list_my_scrapers", "get_my_scraper", "create_squid",
		"add_tasks", "update_scraper", "estimate_run", "run_scraper", "attach_account", "empty_scraper",
		"deactivate_scraper", "get_run", "wait_for_run", "list_runs", "get_results", "get_results_url", "abort_run",
		"list_accounts", "get_account", "check_credits", "whoami"}
	got := map[string]bool{}
	for _, tl := range tools {
		got[tl.(map[string]any)["name"].(string)] = true
	}
	for _, name := range want {
		if !got[name] {
			t.Errorf("tools/list lacks %s", name)
		}
	}
	if len(got) != len(want) {
		t.Errorf("%d tools, want %d", len(got), len(want))
	}
	credits, _ := call(3, "tools/call", `{"name":"check_credits","arguments":{}}`)["result"].(map[string]any)
	if credits == nil || credits["isError"] == true || !strings.Contains(jsonOf(credits), "remaining") {
		t.Errorf("check_credits: %v", credits)
	}
	unknown, _ := call(4, "tools/call", `{"name":"get_run","arguments":{"run_id":"00000000000000000000000000000000"}}`)["result"].(map[string]any)
	if unknown == nil || unknown["isError"] != true {
		t.Errorf("get_run of an unknown run is not a tool error: %v", unknown)
	}
	inW.Close()
	if code := <-done; code != exitOK {
		t.Errorf("exit %d after stdin ended\n%s", code, stderr.String())
	}
	if strings.Contains(transcript.String()+stderr.String(), srv.Token) {
		t.Error("the token is in the output")
	}
}

// lobstr mcp --http refuses a non-loopback address without --allow-remote, and a remote
// one without a bearer token of its own: usage errors, before anything listens.
func TestMCPHTTPRules(t *testing.T) {
	srv := apitest.NewServer(t, apitest.WithToken(testToken))
	inv := invocation{env: envFor(srv.URL, srv.Token)}
	for _, args := range [][]string{
		{"mcp", "--http", "0.0.0.0:0"},
		{"mcp", "--http", "0.0.0.0:0", "--allow-remote"},
		{"mcp", "--http", "0.0.0.0:0", "--allow-remote", "--bearer-token", srv.Token},
		{"mcp", "--confirm-above", "0"},
		{"mcp", "extra"},
	} {
		r := inv.run(t, args...)
		if r.code != exitUsage || !strings.Contains(r.stderr, "lobstr mcp --help") {
			t.Errorf("%q: exit %d\n%s", args, r.code, r.stderr)
		}
	}
}

func jsonOf(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}
