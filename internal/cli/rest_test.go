package cli

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/lobstr-go/lobstr/api/apitest"
)

// The accounts commands against the fake: a sync from a cookies file moves to 200 and
// makes an account, which ls, show, update and rm then see; types lists the documented
// types.
func TestAccountsCommands(t *testing.T) {
	srv := apitest.NewServer(t, apitest.WithToken(testToken))
	inv := invocation{env: envFor(srv.URL, srv.Token)}
	r := inv.run(t, "accounts", "types")
	if r.code != 0 || !strings.Contains(r.stdout, "twitter-sync") || !strings.Contains(r.stdout, "auth_token, ct0") {
		t.Fatalf("accounts types: %+v", r)
	}
	cookies := filepath.Join(t.TempDir(), "cookies.json")
	if err := os.WriteFile(cookies, []byte(`{"auth_token": "tok-abcdef", "ct0": "csrf-abcdef"}`), 0o600); err != nil {
		t.Fatal(err)
	}
	r = inv.run(t, "accounts", "sync", "twitter-sync", "--cookies-file", cookies, "--wait", "--interval", "100ms")
	if r.code != 0 || !strings.Contains(r.stdout, "200 synchronized") {
		t.Fatalf("accounts sync --wait: %+v", r)
	}
	var account string
	for _, line := range strings.Split(r.stdout, "\n") {
		if f := strings.Fields(line); len(f) == 2 && f[0] == "account" {
			account = f[1]
		}
	}
	if len(account) != 32 {
		t.Fatalf("no account in %q", r.stdout)
	}
	if r = inv.run(t, "accounts", "ls", "--all"); r.code != 0 || !strings.Contains(r.stdout, account) {
		t.Errorf("accounts ls --all does not list %s: %+v", account, r)
	}
	if r = inv.run(t, "accounts", "show", account); r.code != 0 || !strings.Contains(r.stdout, "twitter-sync") {
		t.Errorf("accounts show: %+v", r)
	}
	// An account by a prefix of its id, or by its username; what names none is refused.
	show := inv.run(t, "--json", "accounts", "show", account)
	var page struct{ Data []struct{ Username string } }
	if json.Unmarshal([]byte(show.stdout), &page) != nil || len(page.Data) != 1 || page.Data[0].Username == "" {
		t.Fatalf("accounts show --json: %+v", show)
	}
	shown := page.Data[0]
	for _, arg := range []string{account[:8], shown.Username, strings.ToUpper(shown.Username)} {
		if r = inv.run(t, "accounts", "show", arg); r.code != 0 || !strings.Contains(r.stdout, account) {
			t.Errorf("accounts show %q: %+v", arg, r)
		}
	}
	if r = inv.run(t, "accounts", "show", "no-such-user"); r.code != exitUsage || !strings.Contains(r.stderr, "'lobstr accounts ls'") {
		t.Errorf("accounts show of no account: %+v", r)
	}
	r = inv.run(t, "accounts", "update", apitest.SeedLimitsAccount, "--type", "sales-nav-sync", "--param", "profiles=100")
	if r.code != 0 || !strings.Contains(r.stdout, "profiles=100") {
		t.Errorf("accounts update: %+v", r)
	}
	if r = inv.run(t, "accounts", "update", apitest.SeedLimitsAccount, "--type", "sales-nav-sync", "--param", "profiles=x"); r.code != 2 {
		t.Errorf("a bad --param: exit %d, want 2", r.code)
	}
	// From stdin, NAME=VALUE lines; a refused cookie: the wait ends with exit status 3.
	r = invocation{env: inv.env, stdin: "auth_token=" + apitest.FailingCookie + "\nct0=x1\n"}.run(t,
		"accounts", "sync", "twitter-sync", "--account", account, "--cookies-file", "-", "--wait", "--interval", "100ms")
	if r.code != 3 || !strings.Contains(r.stderr, "failed") {
		t.Errorf("a refused sync: %+v; want exit 3", r)
	}
	if r = inv.run(t, "accounts", "rm", account, "--force"); r.code != 0 || !strings.Contains(r.stdout, "deleted account") {
		t.Errorf("accounts rm: %+v", r)
	}
	if r = inv.run(t, "accounts", "show", account); r.code != 1 {
		t.Errorf("show after rm: exit %d, want 1", r.code)
	}
	if r = inv.run(t, "accounts", "sync", "twitter-sync"); r.code != 2 || !strings.Contains(r.stderr, "--cookies-file") {
		t.Errorf("sync without cookies: %+v", r)
	}
}

// The delivery commands against the fake.
func TestDeliveryCommands(t *testing.T) {
	srv := apitest.NewServer(t, apitest.WithToken(testToken))
	inv := invocation{env: envFor(srv.URL, srv.Token)}
	sq := apitest.SeedDetailsSquid
	r := inv.run(t, "delivery", "webhook", sq, "--url", "https://hooks.example/x", "--on-running", "--on-done=false")
	if r.code != 0 || !strings.Contains(r.stdout, "running yes, paused no, done no, error yes") {
		t.Errorf("delivery webhook: %+v", r)
	}
	if r = inv.run(t, "delivery", "email", sq, "--email", "me@example.com", "--no-notifications"); r.code != 0 || !strings.Contains(r.stdout, "notifications  no") {
		t.Errorf("delivery email: %+v", r)
	}
	if r = inv.run(t, "delivery", "email", sq, "--email", "me@example.com", "--notifications", "--no-notifications"); r.code != 2 {
		t.Errorf("contradicting flags: exit %d, want 2", r.code)
	}
	if r = inv.run(t, "delivery", "googlesheet", sq, "--url", "https://docs.google.com/spreadsheets/d/x", "--append"); r.code != 0 || !strings.Contains(r.stdout, "append  yes") {
		t.Errorf("delivery googlesheet: %+v", r)
	}
	if r = inv.run(t, "delivery", "test", "webhook", "--url", "https://hooks.example/x"); r.code != 0 || !strings.Contains(r.stdout, "passed") {
		t.Errorf("delivery test webhook: %+v", r)
	}
	if r = inv.run(t, "delivery", "test-googlesheet", "--url", "https://example.com/not-a-sheet"); r.code != 1 || !strings.Contains(r.stderr, "googlesheet delivery test failed") {
		t.Errorf("delivery test-googlesheet of another address: %+v; want exit 1", r)
	}
	if r = inv.run(t, "delivery", "test", "ftp"); r.code != 2 {
		t.Errorf("an unknown route: exit %d, want 2", r.code)
	}
}

// The secrets of the CLI test.
const (
	cliCookie   = "AQEDAR-li-at-cookie-8841"
	cliCSRF     = "ajax:9912-csrf"
	cliS3Secret = "wJalr/K7MDENG+bPxRfiCYEX"
	cliPassword = `pw "quoted" <&> 77`
)

// echo400 answers every request 400 (or 201 for Configure Delivery when ok is true) with
// a body quoting the request's body, as received and escaped.
func echoServer(t *testing.T, ok bool) string {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		w.Header().Set("Content-Type", "application/json")
		if ok {
			w.WriteHeader(201)
			w.Write(b) // an echo of the block, secrets included, as the API answers
			return
		}
		q, _ := json.Marshal("you sent " + string(b))
		w.WriteHeader(400)
		fmt.Fprintf(w, `{"detail": %s, "echo": %s}`, q, b)
	}))
	t.Cleanup(srv.Close)
	return srv.URL + "/v1"
}

// Failing account and delivery commands against a server that echoes the request (secrets
// included) in its error body: no cookie, key or password in stdout or stderr, plain or
// --json, --verbose included; nor in the output of a success whose answer echoes them.
func TestCLISecretsNeverPrinted(t *testing.T) {
	dir := t.TempDir()
	cookies := filepath.Join(dir, "cookies.txt")
	key := filepath.Join(dir, "key")
	pw := filepath.Join(dir, "pw")
	for path, content := range map[string]string{
		cookies: "li_at=" + cliCookie + "\nJSESSIONID=" + cliCSRF + "\n", key: cliS3Secret + "\n", pw: cliPassword,
	} {
		if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	const sq = "c106a44a98044ef18acc59986ae10967"
	commands := [][]string{
		{"accounts", "sync", "linkedin-sync", "--cookies-file", cookies},
		{"accounts", "sync", "linkedin-sync", "--account", "d3e97f2cd33658f301bdbe807402ab30", "--cookie", "li_at=" + cliCookie, "--cookies-json", `{"JSESSIONID": "` + cliCSRF + `"}`},
		{"delivery", "s3", sq, "--bucket", "b", "--target-path", "p", "--aws-access-key", "AKIA", "--secret-key-file", key},
		{"delivery", "s3", sq, "--bucket", "b", "--target-path", "p", "--aws-access-key", "AKIA", "--aws-secret-key", cliS3Secret},
		{"delivery", "sftp", sq, "--host", "h.example", "--username", "u", "--password-file", pw, "--directory", "/d"},
		{"delivery", "test", "sftp", "--host", "h.example", "--username", "u", "--password", cliPassword, "--directory", "/d"},
		{"delivery", "test", "s3", "--bucket", "b", "--aws-access-key", "AKIA", "--secret-key-file", key},
	}
	check := func(what string, r result) {
		t.Helper()
		for _, s := range []string{cliCookie, cliCSRF, cliS3Secret, cliPassword} {
			esc, _ := json.Marshal(s)
			for _, form := range []string{s, string(esc[1 : len(esc)-1])} {
				if strings.Contains(r.stdout+r.stderr, form) {
					t.Errorf("%s prints the secret %q:\nstdout: %s\nstderr: %s", what, s, r.stdout, r.stderr)
				}
			}
		}
	}
	failing := echoServer(t, false)
	for _, args := range commands {
		for _, extra := range [][]string{nil, {"--json"}, {"--verbose"}} {
			r := invocation{env: envFor(failing, testToken)}.run(t, append(append([]string{}, args...), extra...)...)
			if r.code != 1 || !strings.Contains(r.stderr, "you sent") {
				t.Fatalf("%q %q against the echoing server: %+v; want exit 1 and the echoed message", args, extra, r)
			}
			check(fmt.Sprintf("%q %q", args, extra), r)
		}
	}
	// Success answers that echo the secrets back, as the API does for S3 and SFTP.
	echo := echoServer(t, true)
	for _, args := range commands[2:5] {
		for _, extra := range [][]string{nil, {"--json"}} {
			r := invocation{env: envFor(echo, testToken)}.run(t, append(append([]string{}, args...), extra...)...)
			if r.code != 0 {
				t.Fatalf("%q %q: %+v", args, extra, r)
			}
			check(fmt.Sprintf("%q %q (success)", args, extra), r)
		}
	}
	// A missing secret file names the file, not a secret.
	r := invocation{env: envFor(failing, testToken)}.run(t, "delivery", "sftp", sq, "--host", "h", "--username", "u", "--password-file", filepath.Join(dir, "none"), "--directory", "/d")
	if r.code != 2 || !strings.Contains(r.stderr, "none") {
		t.Errorf("a missing --password-file: %+v", r)
	}
}

// FuzzParseCookies: any text parses or is refused without a panic, and a refusal never
// quotes a cookie's value.
func FuzzParseCookies(f *testing.F) {
	f.Add(`{"li_at": "abc", "x": "y"}`)
	f.Add("li_at=abc\n# comment\n\nJSESSIONID=ajax:1\n")
	f.Add(`{"a": 1}`)
	f.Add("novalue\n")
	f.Fuzz(func(t *testing.T, text string) {
		m, err := parseCookies(text, "--cookies-file x")
		if err != nil {
			for _, line := range strings.Split(text, "\n") {
				if _, v, ok := strings.Cut(line, "="); ok && len(v) >= 8 && strings.Contains(err.Error(), v) {
					t.Errorf("the error %q quotes a value", err)
				}
			}
			return
		}
		for k := range m {
			if k == "" && !strings.HasPrefix(strings.TrimSpace(text), "{") {
				t.Errorf("an empty cookie name from %q", text)
			}
		}
	})
}
