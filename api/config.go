package api

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
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

func checkRest(rest string) error {
	rest = strings.TrimSpace(rest)
	if rest != "" && rest[0] != '#' {
		return fmt.Errorf("unexpected %q after the string", rest)
	}
	return nil
}
