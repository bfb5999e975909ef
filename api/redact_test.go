package api

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"unicode"
	"unicode/utf8"
)

const echoedToken = "Zq8-echoed-secret-4fK2x"

// tokenSources makes a client with the token from each of its sources, pointed at base.
func tokenSources(t *testing.T, token, base string) map[string]func(t *testing.T) *Client {
	return map[string]func(t *testing.T) *Client{
		"WithToken": func(t *testing.T) *Client {
			t.Setenv("LOBSTR_TOKEN", "")
			t.Setenv("XDG_CONFIG_HOME", t.TempDir())
			return mustClient(t, WithToken(token), WithBaseURL(base+"/v1"), WithoutPacing(), WithMaxRetries(0))
		},
		"LOBSTR_TOKEN": func(t *testing.T) *Client {
			t.Setenv("LOBSTR_TOKEN", token)
			t.Setenv("XDG_CONFIG_HOME", t.TempDir())
			return mustClient(t, WithBaseURL(base+"/v1"), WithoutPacing(), WithMaxRetries(0))
		},
		"config file": func(t *testing.T) *Client {
			t.Setenv("LOBSTR_TOKEN", "")
			writeConfig(t, "[auth]\ntoken = \""+token+"\"\n")
			return mustClient(t, WithBaseURL(base+"/v1"), WithoutPacing(), WithMaxRetries(0))
		},
	}
}

func mustClient(t *testing.T, opts ...Option) *Client {
	t.Helper()
	c, err := NewClient(opts...)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// writeConfig points XDG_CONFIG_HOME at a new directory holding a config file with content.
func writeConfig(t *testing.T, content string) {
	t.Helper()
	dir := t.TempDir()
	t.Setenv("XDG_CONFIG_HOME", dir)
	if err := os.MkdirAll(filepath.Join(dir, "lobstr"), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "lobstr", "config.toml"), []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
}

// noSecret fails when any printed form of v, or of an error chain, holds secret.
func noSecret(t *testing.T, what string, secret string, v any) {
	t.Helper()
	for _, verb := range []string{"%v", "%+v", "%#v", "%s"} {
		if s := fmt.Sprintf(verb, v); strings.Contains(s, secret) {
			t.Errorf("%s: %s prints the token: %s", what, verb, s)
		}
	}
	if err, ok := v.(error); ok {
		for e := errors.Unwrap(err); e != nil; e = errors.Unwrap(e) {
			noSecret(t, what+" (unwrapped)", secret, e)
		}
		var ae *Error
		if errors.As(err, &ae) {
			if strings.Contains(string(ae.Body), secret) || strings.Contains(ae.Message+ae.Type+ae.Param, secret) {
				t.Errorf("%s: the *Error holds the token: %+v %q", what, ae, ae.Body)
			}
		}
	}
}

// The echoes a server may send back, by status: every documented error shape, an HTML page,
// plain text, the token JSON-escaped, and a success body.
func echoBodies(token string) []struct {
	status int
	body   string
} {
	escaped := ""
	for _, r := range token {
		escaped += fmt.Sprintf(`\u%04x`, r)
	}
	return []struct {
		status int
		body   string
	}{
		{401, `{"detail": "Invalid token ` + token + `."}`},
		{404, `{"error": {"message": "no task for ` + token + `", "type": "` + token + `", "param": "` + token + `"}}`},
		{429, `{"error": "Rate limit exceeded for ` + token + `", "type": "RateLimitExceeded", "code": 429}`},
		{400, `{"errors": {"message": "bad key ` + token + `", "type": "auth", "code": 400}}`},
		{400, `{"squid": ["` + token + ` is not a squid"]}`},
		{502, `<html><head><title>Bad gateway for Token ` + token + `</title></head></html>`},
		{500, `internal error: Authorization: Token ` + token},
		{403, `{"detail": "forbidden: ` + escaped + `"}`},
	}
}

func TestEchoedTokenRedactedFromErrors(t *testing.T) {
	var body atomic.Pointer[string]
	var status atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(int(status.Load()))
		io.WriteString(w, *body.Load())
	}))
	t.Cleanup(srv.Close)
	for source, mk := range tokenSources(t, echoedToken, srv.URL+"/v1") {
		t.Run(source, func(t *testing.T) {
			c := mk(t)
			if got := c.cred.values[0]; got != "Token "+echoedToken {
				t.Fatalf("the client's token is %q; the test needs %s's", got, source)
			}
			for _, b := range echoBodies(echoedToken) {
				body.Store(&b.body)
				status.Store(int32(b.status))
				_, err := c.Tasks.Get(t.Context(), seedHash)
				var ae *Error
				if !errors.As(err, &ae) || ae.StatusCode != b.status {
					t.Fatalf("body %q: err = %v; want the %d", b.body, err, b.status)
				}
				if !strings.Contains(err.Error()+string(ae.Body), redactedText) {
					t.Errorf("body %q: no %s in %q / %q", b.body, redactedText, err, ae.Body)
				}
				noSecret(t, fmt.Sprintf("%d %s", b.status, b.body), echoedToken, err)
			}
			// A success body that quotes the token: the task the client returns does not.
			ok := strings.Replace(string(fixture(t, "get-task.200.json")), `"https://`, `"https://example.com/?key=`+echoedToken+`&u=`, 1)
			if !strings.Contains(ok, echoedToken) {
				t.Fatal("the fixture has no URL to put the token in")
			}
			body.Store(&ok)
			status.Store(200)
			task, err := c.Tasks.Get(t.Context(), seedHash)
			if err != nil {
				t.Fatal(err)
			}
			noSecret(t, "task", echoedToken, task)
		})
	}
}

// A 429 whose body is over the cap, with the token across the cut: no part of the token
// before the cut is kept either.
func TestEchoedTokenCutByTheBodyCap(t *testing.T) {
	prefix := strings.Repeat("x", maxErrorBody-8)
	srv := httptest.NewServer(status(429, prefix+echoedToken+strings.Repeat("y", 1000)))
	t.Cleanup(srv.Close)
	c := mustClient(t, WithToken(echoedToken), WithBaseURL(srv.URL+"/v1"), WithoutPacing(), WithMaxRetries(0))
	_, err := c.Tasks.Get(t.Context(), seedHash)
	var ae *Error
	if !errors.As(err, &ae) || ae.StatusCode != 429 {
		t.Fatalf("err = %v", err)
	}
	if strings.Contains(string(ae.Body), echoedToken[:8]) || !strings.HasPrefix(string(ae.Body), prefix) {
		t.Fatalf("Body ends %q", ae.Body[max(0, len(ae.Body)-40):])
	}
}

// An error of any other kind whose text holds the token prints it redacted, and still
// answers errors.Is and errors.As.
func TestRedactErrorWrapsOtherErrors(t *testing.T) {
	c := mustClient(t, WithToken(echoedToken))
	inner := &transportError{op: "Tasks.Get", method: "GET", path: "/x", err: fmt.Errorf("echo %s: %w", echoedToken, io.ErrUnexpectedEOF)}
	err := c.cred.redactError(fmt.Errorf("api: %w", inner))
	noSecret(t, "wrapped", echoedToken, err)
	if !strings.Contains(err.Error(), "echo "+redactedText) {
		t.Fatalf("err = %v", err)
	}
	var te *transportError
	if !errors.Is(err, io.ErrUnexpectedEOF) || !errors.As(err, &te) {
		t.Fatalf("errors.Is/As lost through the redaction: %v", err)
	}
	// An error without the token is returned as it is.
	plain := errors.New("nothing secret")
	if got := c.cred.redactError(plain); got != plain {
		t.Fatalf("redactError(%v) = %#v", plain, got)
	}
}

// A malformed token line of the config file: the error names the line and the problem and
// quotes none of the token.
func TestConfigErrorsDoNotQuoteTheToken(t *testing.T) {
	for _, line := range []string{
		`token = "` + echoedToken + `"` + echoedToken,
		`token = "` + echoedToken + `" ` + echoedToken,
		`token = '` + echoedToken + `' x` + echoedToken,
		`token = ` + echoedToken,
		`token = "` + echoedToken,
		`token = '` + echoedToken,
		`token = "` + echoedToken + `\q"`,
	} {
		t.Setenv("LOBSTR_TOKEN", "")
		writeConfig(t, "[auth]\n"+line+"\n")
		_, err := NewClient()
		if !errors.Is(err, ErrNoToken) || !strings.Contains(err.Error(), "line 2") {
			t.Errorf("%s: err = %v; want one naming line 2", line, err)
			continue
		}
		noSecret(t, line, echoedToken[:12], err)
	}
}

func TestTokenWithControlCharactersRefused(t *testing.T) {
	var requests atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { requests.Add(1) }))
	t.Cleanup(srv.Close)
	cases := map[string]struct{ token, want string }{
		"NUL":           {"abc\x00def-secret", "control character (U+0000 at byte 3)"},
		"DEL":           {"abc\x7fdef-secret", "control character (U+007F at byte 3)"},
		"ESC":           {"\x1babcdef-secret", "control character (U+001B at byte 0)"},
		"C1":            {"abc\u0090def-secret", "control character (U+0090 at byte 3)"},
		"zero width":    {"abc\u200bdef-secret", "not printable (U+200B at byte 3)"},
		"bidi override": {"abc\u202edef-secret", "not printable (U+202E at byte 3)"},
		"not UTF-8":     {"abc\xffdef-secret", "not valid UTF-8"},
		"tab":           {"abc\tdef-secret", "white space (U+0009 at byte 3)"},
		"NBSP":          {"abc\u00a0def-secret", "white space (U+00A0 at byte 3)"},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			t.Setenv("LOBSTR_TOKEN", "")
			t.Setenv("XDG_CONFIG_HOME", t.TempDir())
			_, err := NewClient(WithToken(tc.token), WithBaseURL(srv.URL+"/v1"))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("WithToken: err = %v; want one saying %q", err, tc.want)
			}
			noSecret(t, name, "def-secret", err)
			if strings.Contains(tc.token, "\x00") {
				return // no environment variable can hold a NUL; the config file case below does
			}
			// The same from the environment.
			t.Setenv("LOBSTR_TOKEN", tc.token)
			if _, err := NewClient(WithBaseURL(srv.URL + "/v1")); err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("LOBSTR_TOKEN: err = %v; want one saying %q", err, tc.want)
			}
		})
	}
	// From the config file, where a basic string can spell a NUL.
	t.Setenv("LOBSTR_TOKEN", "")
	writeConfig(t, "[auth]\ntoken = \"abc\\u0000def-secret\"\n")
	if _, err := NewClient(WithBaseURL(srv.URL + "/v1")); err == nil || !strings.Contains(err.Error(), "control character (U+0000 at byte 3)") {
		t.Fatalf("config file: err = %v", err)
	}
	if n := requests.Load(); n != 0 {
		t.Fatalf("%d requests made; want none", n)
	}
	// A printable token of any script is taken.
	if _, err := NewClient(WithToken("clé-ключ-鍵-0123"), WithBaseURL(srv.URL+"/v1")); err != nil {
		t.Fatalf("printable non-ASCII token refused: %v", err)
	}
}

// FuzzCheckToken: a token checkToken accepts is valid UTF-8 with no C0 control, DEL, C1
// control or white space; one holding any of them is refused; the error never quotes it.
func FuzzCheckToken(f *testing.F) {
	for _, s := range []string{"abc123", "a\x00b", "a\x7f", "\u0085x", "é", "\xff\xfe", "a b", "x\u200by"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, tok string) {
		err := checkToken(tok)
		bad := !utf8.ValidString(tok) || strings.ContainsFunc(tok, func(r rune) bool {
			return r < 0x20 || (r >= 0x7f && r <= 0x9f) || unicode.IsSpace(r)
		})
		if bad && err == nil {
			t.Fatalf("checkToken(%q) accepted it", tok)
		}
		if err == nil && strings.ContainsFunc(tok, func(r rune) bool { return !unicode.IsPrint(r) }) {
			t.Fatalf("checkToken(%q) accepted a character that is not printable", tok)
		}
		if err != nil && len(tok) >= 4 && strings.Contains(err.Error(), tok) {
			t.Fatalf("the error quotes the token: %v", err)
		}
	})
}
