package api

import (
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestParseConfigToken(t *testing.T) {
	ok := map[string]string{
		"[auth]\ntoken = \"abc123\"\n":                          "abc123",
		"# lobstr\n[auth]\ntoken='lit\\eral' # note\n":          `lit\eral`,
		"[other]\ntoken = \"no\"\n[auth]\n token=\"yes\"\r\n":   "yes",
		"[ auth ]\n\"token\" = \"q\\u0041\"":                    "qA",
		"[auth]\nuser = \"me\"\ntoken = \"  padded  \"":         "padded",
		"[auth.sub]\ntoken=\"no\"\n[auth]\ntoken = \"x\" # c\n": "x",
	}
	for in, want := range ok {
		got, err := parseConfigToken([]byte(in))
		if err != nil || got != want {
			t.Errorf("parseConfigToken(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	bad := map[string]string{
		"":                        "no token in table [auth]",
		"token = \"top\"\n":       "no token in table [auth]",
		"[auth\ntoken = \"x\"":    "unclosed table header",
		"[auth]\ntoken = x":       "want a quoted string",
		"[auth]\ntoken = \"x":     "unterminated string",
		"[auth]\ntoken = 'x":      "unterminated string",
		"[auth]\ntoken = \"\"":    "token is empty",
		"[auth]\ntoken = \"x\" y": "unexpected",
		"[auth]\ntoken =":         "no value",
		"[auth]\ntoken = \"\\q\"": "bad string",
	}
	for in, want := range bad {
		_, err := parseConfigToken([]byte(in))
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("parseConfigToken(%q) error = %v; want one saying %q", in, err, want)
		}
	}
}

// FuzzParseConfigToken: any file content either yields a non-empty token without
// surrounding white space, or an error; never a panic.
func FuzzParseConfigToken(f *testing.F) {
	f.Add("[auth]\ntoken = \"abc\"\n")
	f.Add("[auth]\ntoken = 'abc' # x\n")
	f.Add("[auth]\ntoken = \"a\\\"b\"")
	f.Add("[auth\n")
	f.Fuzz(func(t *testing.T, in string) {
		tok, err := parseConfigToken([]byte(in))
		if err == nil && (tok == "" || strings.TrimSpace(tok) != tok) {
			t.Fatalf("token %q from %q", tok, in)
		}
	})
}

func TestTokenResolutionOrder(t *testing.T) {
	dir := t.TempDir()
	t.Setenv("XDG_CONFIG_HOME", dir)
	t.Setenv("HOME", dir)
	t.Setenv("LOBSTR_TOKEN", "")

	// Nothing anywhere: a clear error that names every way to give one.
	_, err := NewClient()
	if !errors.Is(err, ErrNoToken) || !strings.Contains(err.Error(), "no API token") || !strings.Contains(err.Error(), "LOBSTR_TOKEN") || !strings.Contains(err.Error(), "config.toml") {
		t.Fatalf("no token anywhere: err = %v", err)
	}

	// The config file.
	if err := os.MkdirAll(filepath.Join(dir, "lobstr"), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "lobstr", "config.toml"), []byte("[auth]\ntoken = \"from-file\"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if got := tokenOf(t); got != "from-file" {
		t.Fatalf("token = %q, want the config file's", got)
	}
	// LOBSTR_TOKEN beats the file.
	t.Setenv("LOBSTR_TOKEN", "from-env")
	if got := tokenOf(t); got != "from-env" {
		t.Fatalf("token = %q, want LOBSTR_TOKEN's", got)
	}
	// WithToken beats both.
	c, err := NewClient(WithToken("from-option"))
	if err != nil || c.cred.values[0] != "Token from-option" {
		t.Fatalf("WithToken: %v %v", c, err)
	}
	// A broken config file is an error that names the file, not a silent fallback.
	t.Setenv("LOBSTR_TOKEN", "")
	if err := os.WriteFile(filepath.Join(dir, "lobstr", "config.toml"), []byte("[auth]\ntoken = oops\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := NewClient(); !errors.Is(err, ErrNoToken) || !strings.Contains(err.Error(), "config.toml") {
		t.Fatalf("broken config: err = %v", err)
	}
	// Without XDG_CONFIG_HOME the file is under ~/.config.
	t.Setenv("XDG_CONFIG_HOME", "")
	home := t.TempDir()
	t.Setenv("HOME", home)
	if err := os.MkdirAll(filepath.Join(home, ".config", "lobstr"), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(home, ".config", "lobstr", "config.toml"), []byte("[auth]\ntoken = \"home\"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if got := tokenOf(t); got != "home" {
		t.Fatalf("token = %q, want the one under ~/.config", got)
	}
}

func tokenOf(t *testing.T) string {
	t.Helper()
	c, err := NewClient()
	if err != nil {
		t.Fatal(err)
	}
	return strings.TrimPrefix(c.cred.values[0], "Token ")
}

func TestNewClientRefusesBadOptions(t *testing.T) {
	cases := []struct {
		opts []Option
		want string
	}{
		{[]Option{WithToken("  ")}, "token is empty"},
		{[]Option{WithToken("a b")}, "white space"},
		{[]Option{WithToken("t"), WithBaseURL("ftp://x")}, "absolute http or https"},
		{[]Option{WithToken("t"), WithBaseURL("/v1")}, "absolute http or https"},
		{[]Option{WithToken("t"), WithBaseURL("http://api.example.test/v1")}, "plain http"},
		{[]Option{WithToken("t"), WithBaseURL("https://u:p@api.example.test/v1")}, "credentials"},
		{[]Option{WithToken("t"), WithBaseURL("https://api.example.test/v1?x=1")}, "query"},
		{[]Option{WithToken("t"), WithMaxRetries(-1)}, "negative"},
		{[]Option{WithToken("t"), WithHTTPClient(nil)}, "nil"},
		{[]Option{WithToken("t"), WithUserAgent("a\nb")}, "line break"},
		{[]Option{WithToken("t"), WithMaxBodySize(0)}, "not positive"},
		{[]Option{WithToken("t"), WithAddBatchSize(0)}, "not positive"},
		{[]Option{WithToken("t"), WithRateLimit("tasks", 0, 1)}, "positive"},
		{[]Option{WithToken("t"), WithRateLimit("task", 90, time.Minute)}, `unknown endpoint family "task"`},
		{[]Option{WithToken("t"), WithBaseURL("https://api.lobstr.io")}, "https://api.lobstr.io/v1"},
		{[]Option{WithToken("t"), WithBaseURL("https://api.lobstr.io/")}, "version path such as /v1"},
		{[]Option{WithToken("t"), WithBaseURL("https://api.lobstr.io/api")}, "version path such as /v1"},
		{[]Option{WithToken("t"), WithBaseURL("https://api.lobstr.io/v1/tasks")}, "version path such as /v1"},
		{[]Option{WithToken("t"), WithRetryBackoff(2, 1)}, "base <= max"},
		{[]Option{WithToken("t"), WithTimeout(-1)}, "negative"},
		{[]Option{WithToken("t"), WithMaxRetryWait(-1)}, "negative"},
	}
	for _, c := range cases {
		if _, err := NewClient(c.opts...); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("err = %v, want one saying %q", err, c.want)
		}
	}
	for _, u := range []string{"http://127.0.0.1:8080/v1", "http://localhost/v1/", "http://[::1]:1/v1", "https://api.example.test/v1", "https://proxy.example.test/lobstr/v2"} {
		c, err := NewClient(WithToken("t"), WithBaseURL(u))
		if err != nil {
			t.Errorf("%s: %v", u, err)
		} else if !strings.HasSuffix(c.base, "/v1/") && !strings.HasSuffix(c.base, "/v2/") {
			t.Errorf("%s: base %q", u, c.base)
		}
	}
	if _, err := NewClient(WithToken("t"), WithBaseURL("http://api.example.test/v1"), WithInsecureHTTP()); err != nil {
		t.Errorf("WithInsecureHTTP: %v", err)
	}
}

func TestTokenNeverPrinted(t *testing.T) {
	const secret = "s3cr3t-t0k3n-value"
	c, err := NewClient(WithToken(secret), WithBaseURL("http://127.0.0.1:1/v1"), WithMaxRetries(0))
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{fmt.Sprint(c), fmt.Sprintf("%v %+v %#v %s", c, c, c, c), fmt.Sprintf("%+v %#v %v", c.cred, c.cred, struct{ C *credential }{c.cred})} {
		if strings.Contains(s, secret) {
			t.Fatalf("token printed: %s", s)
		}
	}
	// Errors of a failed request do not carry it either.
	_, err = c.Tasks.Get(t.Context(), "c5e29d2aba8b77cdc56391e7405302de")
	if err == nil || strings.Contains(fmt.Sprintf("%v %+v %#v", err, err, err), secret) {
		t.Fatalf("err = %v", err)
	}
	var e error = errors.Unwrap(err)
	for e != nil {
		if strings.Contains(fmt.Sprintf("%+v", e), secret) {
			t.Fatalf("wrapped error prints the token: %+v", e)
		}
		e = errors.Unwrap(e)
	}
}

func TestRedirectToPlainHTTPRefused(t *testing.T) {
	req := func(u string) *http.Request {
		r, err := http.NewRequest("GET", u, nil)
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	via := []*http.Request{req("https://api.example.test/v1/tasks")}
	if err := checkRedirect(req("http://api.example.test/v1/tasks"), via); err == nil || !strings.Contains(err.Error(), "in clear") {
		t.Fatalf("redirect to plain http: %v", err)
	}
	for _, ok := range []string{"https://other.example.test/v1/tasks", "http://127.0.0.1:8080/v1/tasks", "http://localhost/v1"} {
		if err := checkRedirect(req(ok), via); err != nil {
			t.Errorf("redirect to %s: %v", ok, err)
		}
	}
	if err := checkRedirect(req("https://api.example.test/"), make([]*http.Request, 10)); err == nil {
		t.Fatal("an 11th redirect was followed")
	}
	c, err := NewClient(WithToken("t"))
	if err != nil || c.hc.CheckRedirect == nil {
		t.Fatalf("the default HTTP client has no redirect check: %v", err)
	}
}
