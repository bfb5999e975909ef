package api

import (
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
)

// Cookies are the browser cookies of a platform account, by name (li_at, JSESSIONID, …),
// for Accounts.Sync and Accounts.Refresh. They are secrets, like the API token: printing
// Cookies with any fmt verb shows the names only, each value [redacted]; the client never
// quotes a value in an error, and redacts the values from error bodies a server echoes.
// JSON encoding (the request body) holds the values.
type Cookies map[string]string

// String shows the cookies' names, never their values.
func (c Cookies) String() string {
	names := slices.Sorted(maps.Keys(c))
	parts := make([]string, len(names))
	for i, n := range names {
		parts[i] = n + ":" + redactedText
	}
	return "Cookies{" + strings.Join(parts, " ") + "}"
}

// GoString shows the cookies' names, never their values.
func (c Cookies) GoString() string { return "api." + c.String() }

// Format prints String for every verb, so no verb or flag shows a value.
func (c Cookies) Format(f fmt.State, _ rune) { fmt.Fprint(f, c.String()) }

// Secret is a credential given to or answered by the delivery routes: an S3 secret key, an
// SFTP password. Printing it with any fmt verb shows [redacted]; string(s) is the value.
// JSON encoding holds the value.
type Secret string

// String hides the secret.
func (s Secret) String() string {
	if s == "" {
		return ""
	}
	return redactedText
}

// GoString hides the secret.
func (s Secret) GoString() string { return "api.Secret(" + s.String() + ")" }

// Format prints String for every verb.
func (s Secret) Format(f fmt.State, _ rune) { fmt.Fprint(f, s.String()) }

// redactSecrets makes err safe to return after a call that sent secrets: each of them is
// replaced by [redacted] in an *Error's fields and raw body, and in the error's text, in
// every form a server's echo can take: as sent, JSON-escaped (as in the request body), and
// JSON-escaped twice (a request body quoted in a JSON string). The error is wrapped, as for
// the token (see credential.redactError), when its text still held one. A secret under 4
// characters is not redacted (no secret is that short; replacing it would garble every
// message).
func redactSecrets(err error, secrets []string) error {
	if err == nil {
		return nil
	}
	var forms []string
	for _, s := range secrets {
		if len(s) < minRedactLen {
			continue
		}
		forms = append(forms, s)
		once := jsonEscape(s)
		forms = append(forms, once, strings.ReplaceAll(once, "/", `\/`), jsonEscape(once))
	}
	if len(forms) == 0 {
		return err
	}
	// Longest first: a form that contains another is replaced whole.
	slices.SortFunc(forms, func(a, b string) int { return len(b) - len(a) })
	forms = slices.Compact(forms)
	redact := func(s string) string {
		for _, f := range forms {
			s = string(replaceSecret([]byte(s), f))
		}
		return s
	}
	var e *Error
	if errors.As(err, &e) {
		e.Message, e.Type, e.Param = redact(e.Message), redact(e.Type), redact(e.Param)
		e.Path = redact(e.Path)
		for _, f := range forms {
			e.Body = replaceSecret(e.Body, f)
		}
	}
	if msg := err.Error(); redact(msg) != msg {
		return &redactedError{msg: redact(msg), err: err}
	}
	return err
}

// jsonEscape is s as it stands inside a JSON string written by encoding/json.
func jsonEscape(s string) string {
	b, _ := json.Marshal(s)
	return string(b[1 : len(b)-1])
}

// cookieValues lists the values of cookies, for redactSecrets.
func cookieValues(c Cookies) []string {
	return slices.Collect(maps.Values(c))
}

// SyncFailedError is the end of Accounts.WaitSync on a synchronization that failed: its
// status_code is 400 or more (the cookies were refused, most likely expired). Task is the
// last answer.
type SyncFailedError struct {
	Task *SyncTask
}

// Error says which synchronization failed and how.
func (e *SyncFailedError) Error() string {
	return fmt.Sprintf("api: Accounts.WaitSync: synchronization %s failed: status_code %d (%s)", e.Task.Id, e.Task.StatusCode, clip(e.Task.StatusText, 80))
}

// IsSyncFailed reports whether err is, or wraps, a *SyncFailedError.
func IsSyncFailed(err error) bool {
	var e *SyncFailedError
	return errors.As(err, &e)
}
