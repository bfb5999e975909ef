package api

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"net/url"
	"strings"
	"testing"
)

const (
	redactorToken = "tok/en+Zq8-long"
	redactorMark  = "[gone]"
)

// Every form a server's echo of the token may take is replaced by the mark, alone and amid
// other text, and nothing of the token is left; RedactString agrees with the Redactor.
func TestRedactorEveryForm(t *testing.T) {
	var escaped, upper, someEscaped, twice strings.Builder
	for i, r := range redactorToken {
		fmt.Fprintf(&escaped, `\u%04x`, r)
		fmt.Fprintf(&upper, `\u%04X`, r)
		fmt.Fprintf(&twice, `\\u%04x`, r)
		if i%3 == 0 {
			fmt.Fprintf(&someEscaped, `\u%04x`, r)
		} else {
			someEscaped.WriteRune(r)
		}
	}
	var percent strings.Builder
	for _, c := range []byte(redactorToken) {
		fmt.Fprintf(&percent, "%%%02x", c)
	}
	forms := map[string]string{
		"raw":              redactorToken,
		"json slash":       strings.ReplaceAll(redactorToken, "/", `\/`),
		"json twice":       strings.ReplaceAll(redactorToken, "/", `\\/`),
		"unicode":          escaped.String(),
		"unicode upper":    upper.String(),
		"unicode twice":    twice.String(),
		"some unicode":     someEscaped.String(),
		"std64":            base64.StdEncoding.EncodeToString([]byte(redactorToken)),
		"rawstd64":         base64.RawStdEncoding.EncodeToString([]byte(redactorToken)),
		"url64":            base64.URLEncoding.EncodeToString([]byte(redactorToken)),
		"rawurl64":         base64.RawURLEncoding.EncodeToString([]byte(redactorToken)),
		"basic":            base64.StdEncoding.EncodeToString([]byte("user:" + redactorToken)),
		"inside url64":     base64.RawURLEncoding.EncodeToString([]byte("Token " + redactorToken)),
		"inside skip 2":    base64.StdEncoding.EncodeToString([]byte("xy" + redactorToken + "z")),
		"query escaped":    url.QueryEscape(redactorToken),
		"path escaped":     url.PathEscape(redactorToken),
		"percent all":      percent.String(),
		"percent upper":    strings.ToUpper(percent.String()),
		"partly percented": strings.Replace(redactorToken, "Z", "%5a", 1),
	}
	r := NewRedactor(redactorToken, redactorMark)
	for name, form := range forms {
		for _, text := range []string{form, "<" + form + ">", `{"echo": "` + form + `", "n": 1}`} {
			got := r.String(text)
			if !strings.Contains(got, redactorMark) {
				t.Errorf("%s: %q gives %q, without %s", name, text, got, redactorMark)
			}
			if strings.Contains(got, form) || strings.Contains(got, redactorToken) || strings.Contains(got, redactorToken[2:len(redactorToken)-2]) {
				t.Errorf("%s: %q gives %q, which still holds the form or the token", name, text, got)
			}
			if s := RedactString(text, redactorMark, redactorToken); s != got {
				t.Errorf("%s: RedactString(%q) = %q, the Redactor gives %q", name, text, s, got)
			}
		}
	}
}

// A secret with a space, query-escaped with '+', and one above U+FFFF, escaped as a
// surrogate pair (with one or two backslashes) or percent-encoded.
func TestRedactorSpacesAndSurrogates(t *testing.T) {
	for _, tc := range []struct{ secret, text string }{
		{"tok en 42", "a=tok+en+42&b"},
		{"tok en 42", "a=tok%20en+42&b"},
		{" tok en", "a=+tok+en&b"},
		{"ab😀cd", `"ab\ud83d\ude00cd"`},
		{"ab😀cd", `"ab\\ud83d\\ude00cd"`},
		{"ab😀cd", `"ab\uD83D\uDE00cd"`},
		{"ab😀cd", `"ab%F0%9F%98%80cd"`},
		{`a"b\c`, `"a\"b\\c"`},
		{`a"b\c`, `"a\\\"b\\\\c"`},
	} {
		if got := RedactString(tc.text, redactorMark, tc.secret); strings.Count(got, redactorMark) != 1 {
			t.Errorf("%q in %q: %q, want one %s", tc.secret, tc.text, got, redactorMark)
		}
	}
	// A half of a pair, or mixed backslashes, is not the secret.
	for _, text := range []string{`"ab\ud83dcd"`, `"ab\ud83d\\ude00cd"`, `"ab\ud83d\u0041cd"`} {
		if got := RedactString(text, redactorMark, "ab😀cd"); got != text {
			t.Errorf("%q: %q, want it unchanged", text, got)
		}
	}
}

// A text that does not hold the secret comes back as it is, the very slice; a secret under
// MinRedactLen is left alone; a nil Redactor redacts nothing.
func TestRedactorNothingToRedact(t *testing.T) {
	r := NewRedactor(redactorToken, redactorMark)
	for _, text := range []string{"", "nothing here", `a \u0074 b %41 + c`, redactorToken[:len(redactorToken)-1], "tok/e%6E", `tok\/en+Zq8-lon`} {
		b := []byte(text + "!")[:len(text)]
		got := r.Bytes(b)
		if string(got) != text || len(b) > 0 && &got[0] != &b[0] {
			t.Errorf("Redactor.Bytes(%q) = %q, a copy or a change", text, got)
		}
		if got := Redact(b, redactorMark, redactorToken); string(got) != text || len(b) > 0 && &got[0] != &b[0] {
			t.Errorf("Redact(%q, token) = %q, a copy or a change", text, got)
		}
	}
	if NewRedactor("abc", redactorMark) != nil {
		t.Error("NewRedactor of a secret under MinRedactLen is not nil")
	}
	if got := RedactString("abc abc", redactorMark, "abc", "", "a"); got != "abc abc" {
		t.Errorf("a secret under MinRedactLen redacted: %q", got)
	}
	var nilR *Redactor
	if got := nilR.String("tok/en+Zq8-long"); got != "tok/en+Zq8-long" {
		t.Errorf("a nil Redactor redacted: %q", got)
	}
	if got := RedactString("abcd abcd", redactorMark, "abcd"); got != redactorMark+" "+redactorMark {
		t.Errorf("a secret of MinRedactLen: %q", got)
	}
}

// Redactor.Bytes never writes into the slice it is given, even when it redacts.
func TestRedactorInputUnchanged(t *testing.T) {
	text := `{"a": "` + redactorToken + `", "b": "\u0074ok/en+Zq8-long", "c": "tok%2Fen%2BZq8-long"}`
	b := []byte(text)
	got := NewRedactor(redactorToken, redactorMark).Bytes(b)
	if string(b) != text {
		t.Fatalf("the input became %q", b)
	}
	if strings.Count(string(got), redactorMark) != 3 {
		t.Fatalf("got %q, want three %s", got, redactorMark)
	}
}

// Several secrets: each is redacted in every form.
func TestRedactSeveralSecrets(t *testing.T) {
	text := "a=cookie-one&b=" + base64.StdEncoding.EncodeToString([]byte("cookie-two")) + "&c=cookie%2Dthree"
	got := RedactString(text, redactorMark, "cookie-one", "cookie-two", "cookie-three")
	if want := "a=" + redactorMark + "&b=" + redactorMark + "&c=" + redactorMark; got != want {
		t.Fatalf("got %q, want %q", got, want)
	}
}

// Printing a Redactor, with any verb, shows no form of its secret.
func TestRedactorPrintsNoSecret(t *testing.T) {
	r := NewRedactor(redactorToken, redactorMark)
	for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q", "%x", "%d"} {
		for _, v := range []any{r, *r, []*Redactor{r}, struct{ R Redactor }{*r}} {
			got := fmt.Sprintf(verb, v)
			if RedactString(got, redactorMark, redactorToken) != got || !strings.Contains(got, "api.Redactor([redacted])") {
				t.Errorf("Sprintf(%s, %T) = %q", verb, v, got)
			}
		}
	}
	var nilR *Redactor
	if got := fmt.Sprint(nilR); got != "<nil>" {
		t.Errorf("Sprint of a nil Redactor = %q", got)
	}
}

// FuzzRedactor: no redacted text holds the secret or any form of it (redacting it again
// changes nothing); a text the redaction changes shows the mark; the Redactor and
// RedactString agree, whatever the mark.
func FuzzRedactor(f *testing.F) {
	f.Add("s3cret-token", "error: s3cret-token here")
	f.Add("ted]abc", "[redacted]abc ted]abc")
	f.Add("ACTEDabc", "REDACTEDabc ACTEDabc")
	f.Add("aaaa", "aaaaaaaaa")
	f.Add("a<b>&/c", `{"x": "a\u003cb\u003e\u0026/c", "y": "a\u003cb\u003e\u0026\/c"}`)
	// issue 20: \u escapes, base64 and URL encoding of the token
	f.Add("tok/en+Zq8", `{"x": "\u0074\u006F\u006b/en+Zq8", "y": "dG9rL2VuK1pxOA==", "z": "tok%2Fen%2bZq8"}`)
	f.Add("tok/en+Zq8-long", `Basic dXNlcjp0b2svZW4rWnE4LWxvbmc=; eHl0b2svZW4rWnE4LWxvbmc`)
	f.Add("ab😀cd", `"ab\ud83d\ude00cd" "ab\\ud83d\\ude00cd" "ab%F0%9F%98%80cd"`)
	f.Add("tok en+Zq8", "tok+en+Zq8 and tok%20en%2BZq8")
	f.Fuzz(func(t *testing.T, secret, text string) {
		if len(secret) < MinRedactLen {
			return
		}
		for _, mark := range []string{"[redacted]", "REDACTED"} {
			r := NewRedactor(secret, mark)
			s := r.String(text)
			if strings.Contains(s, secret) {
				t.Fatalf("String(%q) = %q", text, s)
			}
			if s != text && !strings.Contains(s, mark) {
				t.Fatalf("String(%q) changed the text without redacting: %q", text, s)
			}
			if again := r.String(s); again != s {
				t.Fatalf("String(%q) = %q still holds a form of the secret: %q", text, s, again)
			}
			if got := RedactString(text, mark, secret); got != s {
				t.Fatalf("RedactString(%q) = %q, the Redactor gives %q", text, got, s)
			}
		}
	})
}

// FuzzRedactorSkipsOnlyWhatCannotMatch: the Redactor, which looks for escaped forms only in a
// text holding an escape character, redacts exactly as the full scan does.
func FuzzRedactorSkipsOnlyWhatCannotMatch(f *testing.F) {
	f.Add("s3cret-token", "error: s3cret-token here")
	f.Add("tok en+Zq8", "tok+en+Zq8 and tok%20en%2BZq8")
	f.Add("tok/en+Zq8", `{"x": "\u0074\u006F\u006b/en+Zq8", "y": "dG9rL2VuK1pxOA==", "z": "tok%2Fen%2bZq8"}`)
	f.Add("ab😀cd", `"ab\ud83d\ude00cd" "ab\\ud83d\\ude00cd" "ab%F0%9F%98%80cd"`)
	f.Fuzz(func(t *testing.T, secret, text string) {
		if len(secret) < MinRedactLen {
			return
		}
		r := NewRedactor(secret, redactorMark)
		got := r.Bytes([]byte(text))
		want := []byte(text)
		for _, form := range r.forms {
			want = replace(want, form, r.mark)
		}
		want = escaped(want, secret, r.mark)
		if !bytes.Equal(got, want) {
			t.Fatalf("Bytes(%q) of %q = %q, the full scan gives %q", text, secret, got, want)
		}
	})
}
