package drift

import (
	"net/http"
	"strings"
	"testing"

	"github.com/lobstr-go/lobstr/api"
	"github.com/lobstr-go/lobstr/openapi"
)

// FuzzCheckResponse feeds any answer body to the checks of every operation: they must
// not panic, and each finding must say where and what it is.
func FuzzCheckResponse(f *testing.F) {
	for _, name := range []string{"get-task.200.json", "list-tasks.200.json", "get-task.404.json", "error.ratelimit.429.json"} {
		b, err := openapi.Fixture(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b, 200)
		f.Add(b, 404)
	}
	f.Add([]byte(`{"data":[{"x":1},[],null]}`), 200)
	f.Add([]byte(`[1,`), 500)
	doc, err := openapi.Load()
	if err != nil {
		f.Fatal(err)
	}
	kinds := map[Kind]bool{UnknownField: true, WrongType: true, MissingRequired: true, UndocumentedStatus: true,
		UndocumentedErrorShape: true, UndocumentedContentType: true, InvalidValue: true, MalformedBody: true}
	f.Fuzz(func(t *testing.T, body []byte, status int) {
		if status < 100 || status > 599 {
			return
		}
		header := http.Header{"Content-Type": {"application/json"}, "X-Ratelimit-Remaining": {string(body[:min(len(body), 8)])}}
		for _, item := range doc.Paths.Map() {
			for _, op := range item.Operations() {
				rkey, fs := checkResponse(op, status, header, body)
				if rkey == "" {
					t.Fatalf("%s %d: no response key", op.OperationID, status)
				}
				for _, f := range fs {
					if !kinds[f.kind] || f.in == "" || f.message == "" {
						t.Fatalf("%s %d: incomplete finding %+v", op.OperationID, status, f)
					}
				}
			}
		}
	})
}

// FuzzScrub feeds any text and token to scrub, which redacts fixtures and violations: the
// token is gone from its result, which holds no encoded form of it either, and a text it
// changes shows REDACTED.
func FuzzScrub(f *testing.F) {
	f.Add("s3cret-token", "error: s3cret-token here")
	f.Add("ACTEDabc", "REDACTEDabc ACTEDabc")
	f.Add("aaaa", "aaaaaaaaa")
	f.Add("a<b>&/c", `{"x": "a\u003cb\u003e\u0026/c", "y": "a\u003cb\u003e\u0026\/c"}`)
	// issue 20: \u escapes, base64 and URL encoding of the token
	f.Add("tok/en+Zq8", `{"x": "\u0074\u006F\u006b/en+Zq8", "y": "dG9rL2VuK1pxOA==", "z": "tok%2Fen%2bZq8"}`)
	f.Add("tok/en+Zq8-long", `Basic dXNlcjp0b2svZW4rWnE4LWxvbmc=; eHl0b2svZW4rWnE4LWxvbmc`)
	f.Add("ab😀cd", `"ab\ud83d\ude00cd" "ab\\ud83d\\ude00cd" "ab%F0%9F%98%80cd"`)
	f.Fuzz(func(t *testing.T, tok, text string) {
		if len(tok) < api.MinRedactLen || strings.ContainsAny(tok, " \t\r\n") {
			return
		}
		secrets := secretsOf("Token " + tok)
		s := scrub(text, secrets)
		if strings.Contains(s, tok) {
			t.Fatalf("scrub(%q) = %q", text, s)
		}
		if s != text && !strings.Contains(s, redacted) {
			t.Fatalf("scrub(%q) changed the text without redacting: %q", text, s)
		}
		if redactFormsString(s, tok) != s {
			t.Fatalf("scrub(%q) = %q still holds an encoded form of the token", text, s)
		}
	})
}
