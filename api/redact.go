package api

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"unicode/utf8"
)

// The client redacts a secret (the token, cookie values, delivery secrets) from what it
// returns in every form a server's echo of it can take; the same redaction is exported, for
// a caller who wants a secret out of its own logs too (see Redactor), and for the drift
// proxy (internal/drift).

// MinRedactLen is the length in bytes under which a secret is not redacted: replacing every
// occurrence of one to three characters would garble every text, and a token that short is
// no secret.
const MinRedactLen = 4

// Redactor removes one secret (an API token, a cookie's value, a password) from a text, in
// every form a server's echo of it, or a log line, can take: as is, JSON-escaped (once,
// twice, with \u escapes mixed in), in base64 (standard and URL alphabets, with and without
// padding, alone or inside a longer text such as a Basic Authorization header), URL-encoded,
// or query-escaped. Each occurrence is replaced by a mark the caller chooses.
//
// It computes the secret's literal forms once, in NewRedactor: make one per secret and keep
// it, for a secret redacted often (the token of a client, in every log line). Its methods
// are safe for concurrent use; a nil *Redactor redacts nothing.
type Redactor struct {
	secret string
	mark   []byte
	forms  [][]byte // secretForms(secret), longest first
	space  bool     // the secret holds a space, which query escaping spells '+'
}

// NewRedactor returns the Redactor of secret, which replaces each of its occurrences by mark
// (for example "[redacted]"). It returns nil, which redacts nothing, when secret is shorter
// than MinRedactLen.
func NewRedactor(secret, mark string) *Redactor {
	if len(secret) < MinRedactLen {
		return nil
	}
	r := &Redactor{secret: secret, mark: []byte(mark), space: strings.ContainsRune(secret, ' ')}
	for _, f := range secretForms(secret) {
		if f != "" {
			r.forms = append(r.forms, []byte(f))
		}
	}
	return r
}

// Bytes returns b with every form of the secret replaced by the mark: the literal forms (as
// is, JSON-escaped, base64), then the secret spelled with escapes mixed in (\u escapes,
// percent-encoding, '+' for a space). It returns b itself (no copy) when b holds none, and
// never changes b's bytes.
//
// Once no literal form is left, an occurrence can only be one with an escape in it: without
// any escape character in b ('\\', '%', and '+' for a secret with a space), the escaped
// forms need no scan.
func (r *Redactor) Bytes(b []byte) []byte {
	if r == nil {
		return b
	}
	for _, f := range r.forms {
		b = replace(b, f, r.mark)
	}
	if bytes.IndexByte(b, '\\') >= 0 || bytes.IndexByte(b, '%') >= 0 || r.space && bytes.IndexByte(b, '+') >= 0 {
		b = escaped(b, r.secret, r.mark)
	}
	return b
}

// String is Bytes for a string: s itself when it holds no form of the secret.
func (r *Redactor) String(s string) string {
	if r == nil {
		return s
	}
	if b := r.Bytes([]byte(s)); string(b) != s {
		return string(b)
	}
	return s
}

// Format prints the Redactor without its secret, for every verb and flag: fmt would print
// its fields otherwise, the secret among them.
func (r Redactor) Format(f fmt.State, _ rune) { fmt.Fprint(f, "api.Redactor("+redactedText+")") }

// Redact returns b with every form of each secret replaced by mark, as a Redactor of each
// does; a secret shorter than MinRedactLen is left alone. It returns b itself when b holds
// none, and never changes b's bytes. For a secret redacted often, a Redactor computes its
// forms once instead of on every call.
func Redact(b []byte, mark string, secrets ...string) []byte {
	for _, s := range secrets {
		b = NewRedactor(s, mark).Bytes(b)
	}
	return b
}

// RedactString is Redact for a string: s itself when it holds no form of any secret.
func RedactString(s, mark string, secrets ...string) string {
	b := Redact([]byte(s), mark, secrets...)
	if string(b) == s {
		return s
	}
	return string(b)
}

// secretForms lists the literal texts a server's echo of secret may hold, longest first: the
// secret as is, JSON-escaped once (with and without "\/") and twice, and in base64
// (standard and URL alphabets, with and without padding). A secret encoded in base64 inside
// a longer text (an Authorization header's "Basic user:secret") does not encode alone: its
// 4-character groups depend on where it starts. For each of the three alignments, the groups
// made of the secret's bytes only are listed when they are at least 8 characters: replacing
// them leaves at most the two bytes at each end of the secret, mixed with their neighbours.
func secretForms(secret string) []string {
	once := jsonEscape(secret)
	forms := []string{secret, once, strings.ReplaceAll(once, "/", `\/`), jsonEscape(once)}
	b := []byte(secret)
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding} {
		forms = append(forms, enc.EncodeToString(b))
	}
	for skip := range 3 {
		if skip >= len(b) {
			break
		}
		whole := (len(b) - skip) / 3 * 3
		if whole < 6 {
			continue
		}
		core := b[skip : skip+whole]
		forms = append(forms, base64.RawStdEncoding.EncodeToString(core), base64.RawURLEncoding.EncodeToString(core))
	}
	slices.SortFunc(forms, func(a, b string) int { return len(b) - len(a) })
	return slices.Compact(forms)
}

// jsonEscape is s as encoding/json writes it inside quotes.
func jsonEscape(s string) string {
	b, _ := json.Marshal(s)
	return string(b[1 : len(b)-1])
}

// replace replaces every f in b by mark; b itself when it holds none. A secret that overlaps
// the mark can form again around it: it is cut out then, until none is left (each pass
// shortens b, so this ends).
func replace(b, f, mark []byte) []byte {
	if len(f) == 0 || !bytes.Contains(b, f) {
		return b
	}
	b = bytes.ReplaceAll(b, f, mark)
	for bytes.Contains(b, f) {
		b = bytes.ReplaceAll(b, f, nil)
	}
	return b
}

// escaped returns b with mark in place of every occurrence of secret in which any of its
// characters may be escaped: as a JSON \uXXXX escape (either case, a surrogate pair above
// U+FFFF, one or two backslashes: JSON quoted in JSON), a JSON short escape (\/, \", \\),
// URL percent-encoding of its UTF-8 bytes (either case), or '+' for a space (query
// escaping). It returns b itself when b holds none, or when secret is empty or not UTF-8.
// It scans all of b; Redactor.Bytes skips the scan where it cannot match.
func escaped(b []byte, secret string, mark []byte) []byte {
	if secret == "" || !utf8.ValidString(secret) {
		return b
	}
	first, _ := utf8.DecodeRuneInString(secret)
	starts := string(secret[0]) + `%\`
	if first == ' ' {
		starts += "+"
	}
	var out []byte // nil until a match
	done := 0      // b[:done] is in out
	for i := 0; i < len(b); {
		j := bytes.IndexAny(b[i:], starts)
		if j < 0 {
			break
		}
		i += j
		if n := matchEscaped(b[i:], secret); n > 0 {
			out = append(out, b[done:i]...)
			out = append(out, mark...)
			i += n
			done = i
			continue
		}
		i++
	}
	if out == nil {
		return b
	}
	return append(out, b[done:]...)
}

// matchEscaped returns the length of the occurrence of secret, spelled as escaped allows, at
// the start of b; 0 when there is none.
func matchEscaped(b []byte, secret string) int {
	p := 0
	for _, r := range secret {
		n := matchRune(b[p:], r)
		if n == 0 {
			return 0
		}
		p += n
	}
	return p
}

// matchRune returns the length of r at the start of b, as is or escaped; 0 when b does not
// start with it.
func matchRune(b []byte, r rune) int {
	var enc [utf8.UTFMax]byte
	lit := enc[:utf8.EncodeRune(enc[:], r)]
	if bytes.HasPrefix(b, lit) {
		return len(lit)
	}
	if len(b) == 0 {
		return 0
	}
	switch b[0] {
	case '+':
		if r == ' ' {
			return 1
		}
	case '%':
		p := 0
		for _, c := range lit {
			if len(b) < p+3 || b[p] != '%' {
				return 0
			}
			v, ok := hexByte(b[p+1], b[p+2])
			if !ok || v != c {
				return 0
			}
			p += 3
		}
		return p
	case '\\':
		slashes := 1
		if len(b) > 1 && b[1] == '\\' {
			slashes = 2
		}
		rest := b[slashes:]
		if len(rest) > 0 && (rest[0] == '/' && r == '/' || rest[0] == '"' && r == '"') {
			return slashes + 1
		}
		if slashes == 2 && r == '\\' {
			return 2
		}
		u, n := unicodeEscape(rest)
		if n == 0 {
			return 0
		}
		if u == r {
			return slashes + n
		}
		if u >= 0xD800 && u < 0xDC00 && r > 0xFFFF {
			// a surrogate pair: the low half follows, with as many backslashes
			low := rest[n:]
			if len(low) < slashes || !bytes.Equal(low[:slashes], b[:slashes]) {
				return 0
			}
			l, m := unicodeEscape(low[slashes:])
			if m == 0 || l < 0xDC00 || l > 0xDFFF {
				return 0
			}
			if (u-0xD800)<<10|(l-0xDC00)+0x10000 == r {
				return slashes + n + slashes + m
			}
		}
	}
	return 0
}

// unicodeEscape reads "uXXXX" at the start of b (the backslashes before it read already):
// the code unit and 5, or 0, 0.
func unicodeEscape(b []byte) (rune, int) {
	if len(b) < 5 || b[0] != 'u' {
		return 0, 0
	}
	hi, ok1 := hexByte(b[1], b[2])
	lo, ok2 := hexByte(b[3], b[4])
	if !ok1 || !ok2 {
		return 0, 0
	}
	return rune(hi)<<8 | rune(lo), 5
}

// hexByte reads two hexadecimal digits, either case.
func hexByte(a, b byte) (byte, bool) {
	x, ok1 := hexDigit(a)
	y, ok2 := hexDigit(b)
	return x<<4 | y, ok1 && ok2
}

// hexDigit reads one hexadecimal digit, either case.
func hexDigit(c byte) (byte, bool) {
	switch {
	case c >= '0' && c <= '9':
		return c - '0', true
	case c >= 'a' && c <= 'f':
		return c - 'a' + 10, true
	case c >= 'A' && c <= 'F':
		return c - 'A' + 10, true
	}
	return 0, false
}
