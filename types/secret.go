package types

import "fmt"

// Secret is a credential the API takes and answers back: an S3 secret key, an SFTP password.
// It holds the value as a plain string (string(s) is the value; JSON encodes and decodes it
// as the string it is), but prints as [redacted] with every fmt verb and flag (%v, %+v,
// %#v, %s, %q, %x, …), so a model printed whole, as in a log line or an error, shows no
// secret. The empty Secret prints as "".
type Secret string

// redacted is what a Secret prints as.
const redacted = "[redacted]"

// String hides the secret.
func (s Secret) String() string {
	if s == "" {
		return ""
	}
	return redacted
}

// GoString hides the secret.
func (s Secret) GoString() string { return "types.Secret(" + s.String() + ")" }

// Format prints String for every verb.
func (s Secret) Format(f fmt.State, _ rune) { fmt.Fprint(f, s.String()) }
