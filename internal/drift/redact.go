package drift

import "github.com/lobstr-go/lobstr/internal/redact"

// The proxy redacts the caller's token from fixtures and violations in every form a
// server's echo of it can take (JSON escapes, base64, URL encoding), as the client does:
// package internal/redact finds them; the proxy replaces each by REDACTED.

// redactForms returns b with every form of each secret replaced by REDACTED. A secret under
// redact.MinLen is left alone. b itself is returned when it holds none.
func redactForms(b []byte, secrets ...string) []byte {
	return redact.Bytes(b, redacted, secrets...)
}

// redactFormsString is redactForms for a string.
func redactFormsString(s string, secrets ...string) string {
	return redact.String(s, redacted, secrets...)
}
