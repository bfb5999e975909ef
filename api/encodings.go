package api

// The client redacts a secret (the token, cookie values, delivery secrets) from what it
// returns in every form a server's echo of it can take: as sent, JSON-escaped (once, twice,
// with \u escapes mixed in), in base64 (alone or inside a longer text), URL-encoded. A
// Redactor (redact.go) finds them; the client replaces each by [redacted].

// redactForms returns b with every form of each secret replaced by [redacted]. A secret
// under MinRedactLen is left alone. b itself is returned when it holds none.
func redactForms(b []byte, secrets ...string) []byte {
	return Redact(b, redactedText, secrets...)
}

// redactFormsString is redactForms for a string.
func redactFormsString(s string, secrets ...string) string {
	return RedactString(s, redactedText, secrets...)
}
