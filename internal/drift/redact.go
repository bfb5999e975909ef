package drift

import "github.com/lobstr-go/lobstr/api"

// The proxy redacts the caller's token from fixtures and violations in every form a
// server's echo of it can take (JSON escapes, base64, URL encoding), as the client does:
// package api's redaction (api.Redact) finds them; the proxy replaces each by REDACTED.

// redactForms returns b with every form of each secret replaced by REDACTED. A secret under
// api.MinRedactLen is left alone. b itself is returned when it holds none.
func redactForms(b []byte, secrets ...string) []byte {
	return api.Redact(b, redacted, secrets...)
}

// redactFormsString is redactForms for a string.
func redactFormsString(s string, secrets ...string) string {
	return api.RedactString(s, redacted, secrets...)
}
