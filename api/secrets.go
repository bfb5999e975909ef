package api

import (
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync"
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
// every form a server's echo can take (see redactForms): as sent, JSON-escaped (once, twice,
// with \u escapes), in base64, URL-encoded. The error is wrapped, as for the token (see
// credential.redactError), when its text still held one. A secret under 4 characters is not
// redacted (no secret is that short; replacing it would garble every message).
func redactSecrets(err error, secrets []string) error {
	if err == nil {
		return nil
	}
	secrets = slices.DeleteFunc(slices.Clone(secrets), func(s string) bool { return len(s) < MinRedactLen })
	if len(secrets) == 0 {
		return err
	}
	redact := func(s string) string { return redactFormsString(s, secrets...) }
	var e *Error
	if errors.As(err, &e) {
		e.Message, e.Type, e.Param = redact(e.Message), redact(e.Type), redact(e.Param)
		e.Path = redact(e.Path)
		e.Body = redactForms(e.Body, secrets...)
	}
	if msg := err.Error(); redact(msg) != msg {
		return &redactedError{msg: redact(msg), err: err}
	}
	return err
}

// cookieValues lists the values of cookies, for redactSecrets.
func cookieValues(c Cookies) []string {
	return slices.Collect(maps.Values(c))
}

// maxSyncSecrets is how many synchronizations a client remembers the cookies of.
const maxSyncSecrets = 64

// syncSecrets remembers the cookie values of the last synchronizations a client started
// (Accounts.Sync, Accounts.Refresh), by sync id, so that Accounts.SyncStatus and WaitSync
// redact them from a status_text or an error that echoes them.
type syncSecrets struct {
	mu    sync.Mutex
	byID  map[string][]string
	order []string // ids, oldest first
}

// remember records the cookie values sent for the sync id, forgetting the oldest past
// maxSyncSecrets.
func (s *syncSecrets) remember(id string, values []string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.byID == nil {
		s.byID = make(map[string][]string)
	}
	if _, ok := s.byID[id]; !ok {
		s.order = append(s.order, id)
	}
	s.byID[id] = values
	for len(s.order) > maxSyncSecrets {
		delete(s.byID, s.order[0])
		s.order = s.order[1:]
	}
}

// of returns the cookie values sent for the sync id; nil when unknown.
func (s *syncSecrets) of(id string) []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.byID[id]
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
