package api

import (
	"bytes"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// parseConfigToken reads `token` from table [auth] of the official CLI's TOML config file.
// It understands the subset of TOML such a file uses: comments, [table] headers, and
// key = "basic string" | 'literal string' lines; anything else in [auth] is ignored.
func parseConfigToken(data []byte) (string, error) {
	table := ""
	for n, line := range strings.Split(string(data), "\n") {
		line = strings.TrimSpace(strings.TrimSuffix(line, "\r"))
		if line == "" || line[0] == '#' {
			continue
		}
		if line[0] == '[' {
			end := strings.IndexByte(line, ']')
			if end < 0 {
				return "", fmt.Errorf("line %d: unclosed table header", n+1)
			}
			table = strings.Trim(strings.TrimSpace(line[1:end]), `"`)
			continue
		}
		if table != "auth" {
			continue
		}
		key, val, ok := strings.Cut(line, "=")
		if !ok || strings.Trim(strings.TrimSpace(key), `"'`) != "token" {
			continue
		}
		s, err := tomlString(strings.TrimSpace(val))
		if err != nil {
			return "", fmt.Errorf("line %d: token: %w", n+1, err)
		}
		if strings.TrimSpace(s) == "" {
			return "", fmt.Errorf("line %d: token is empty", n+1)
		}
		return strings.TrimSpace(s), nil
	}
	return "", errors.New("no token in table [auth]")
}

// tomlString decodes a TOML basic or literal string at the start of v, ignoring a trailing
// comment.
func tomlString(v string) (string, error) {
	if v == "" {
		return "", errors.New("no value")
	}
	switch v[0] {
	case '\'':
		end := strings.IndexByte(v[1:], '\'')
		if end < 0 {
			return "", errors.New("unterminated string")
		}
		return v[1 : 1+end], checkRest(v[2+end:])
	case '"':
		for i := 1; i < len(v); i++ {
			switch v[i] {
			case '\\':
				i++
			case '"':
				s, err := strconv.Unquote(v[:i+1])
				if err != nil {
					return "", fmt.Errorf("bad string: %w", err)
				}
				return s, checkRest(v[i+1:])
			}
		}
		return "", errors.New("unterminated string")
	}
	return "", errors.New("want a quoted string")
}

// checkRest refuses anything but a comment after the token's string. The error does not
// quote the text: on a malformed token line it may be part of the token.
func checkRest(rest string) error {
	rest = strings.TrimSpace(rest)
	if rest != "" && rest[0] != '#' {
		return fmt.Errorf("unexpected text (%d bytes) after the string; only a # comment may follow", len(rest))
	}
	return nil
}

// checkToken refuses a token that cannot travel in an Authorization header, before any
// request is made: white space, a control character (C0, DEL, C1), another character that is
// not printable, or bytes that are not UTF-8. The error names the problem and where it is,
// never the token.
func checkToken(token string) error {
	const where = "check WithToken, LOBSTR_TOKEN or the config file"
	if !utf8.ValidString(token) {
		return fmt.Errorf("api: the token is not valid UTF-8; %s", where)
	}
	for i, r := range token {
		switch {
		case unicode.IsSpace(r):
			return fmt.Errorf("api: the token contains white space (%U at byte %d); %s", r, i, where)
		case unicode.IsControl(r):
			return fmt.Errorf("api: the token contains a control character (%U at byte %d); %s", r, i, where)
		case !unicode.IsPrint(r):
			return fmt.Errorf("api: the token contains a character that is not printable (%U at byte %d); %s", r, i, where)
		}
	}
	return nil
}

// redactedText replaces the token in what the client returns or prints.
const redactedText = "[redacted]"

// secret returns the token of the credential ("" when it is too short to redact).
func (c *credential) secret() string {
	if c == nil || len(c.values) == 0 {
		return ""
	}
	t := strings.TrimPrefix(c.values[0], "Token ")
	if len(t) < MinRedactLen {
		return ""
	}
	return t
}

// redactBytes returns b with every occurrence of the token, in every form an echo can take
// (see redactForms), replaced by [redacted]: a server that echoes the token gives it back to
// no one. b itself is returned (no copy) when it holds none.
func (c *credential) redactBytes(b []byte) []byte {
	return c.redactor().Bytes(b) // a nil Redactor (no token to redact) returns b
}

// redactor returns the redactor of the token, made on first use; nil when the token is too
// short to redact.
func (c *credential) redactor() *Redactor {
	if c == nil {
		return nil
	}
	c.once.Do(func() {
		if tok := c.secret(); tok != "" {
			c.red = NewRedactor(tok, redactedText) // its forms computed once, for every call
		}
	})
	return c.red
}

// trimPartialSecret cuts from the end of a truncated body the start of a token the cut went
// through, which redactBytes cannot recognise.
func (c *credential) trimPartialSecret(b []byte) []byte {
	tok := c.secret()
	if tok == "" {
		return b
	}
	for n := min(len(tok)-1, len(b)); n > 0; n-- {
		if bytes.HasSuffix(b, []byte(tok[:n])) {
			return b[:len(b)-n]
		}
	}
	return b
}

// redactString returns s with every occurrence of the token, in every form, replaced by
// [redacted].
func (c *credential) redactString(s string) string {
	return c.redactor().String(s) // a nil Redactor (no token to redact) returns s
}

// redactError makes err safe to return: an *Error in it has the token replaced in every
// field, and an error whose text still holds the token is wrapped in one that prints it
// redacted (errors.Is and errors.As still see through it; errors.Unwrap does not).
func (c *credential) redactError(err error) error {
	if err == nil || c.secret() == "" {
		return err
	}
	var e *Error
	if errors.As(err, &e) {
		e.Message, e.Type, e.Param = c.redactString(e.Message), c.redactString(e.Type), c.redactString(e.Param)
		e.Method, e.Path = c.redactString(e.Method), c.redactString(e.Path)
		e.Body = c.redactBytes(e.Body)
	}
	if msg := err.Error(); c.redactString(msg) != msg {
		return &redactedError{msg: c.redactString(msg), err: err}
	}
	return err
}

// redactedError is an error whose text held the token, printed with it redacted.
type redactedError struct {
	msg string
	err error
}

// Error is the wrapped error's text, the token redacted.
func (e *redactedError) Error() string { return e.msg }

// Is reports whether the wrapped error matches target.
func (e *redactedError) Is(target error) bool { return errors.Is(e.err, target) }

// As finds the first error of the wrapped chain that matches target.
func (e *redactedError) As(target any) bool { return errors.As(e.err, target) }

// GoString prints the redacted text, never the wrapped error's fields.
func (e *redactedError) GoString() string { return "api.redactedError(" + strconv.Quote(e.msg) + ")" }
