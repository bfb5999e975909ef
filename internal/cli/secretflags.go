package cli

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
)

// maxSecretFile caps what a secret file (or stdin) may hold.
const maxSecretFile = 1 << 20

// readSecretSource reads a secret from a file, or from stdin when path is "-": the way to
// give a secret without putting it on the command line, where other users of the machine
// can read it in the process list. One trailing newline is dropped. Errors name the file,
// never its content.
func (c *cli) readSecretSource(flagName, path string) (string, error) {
	var r io.Reader
	if path == "-" {
		r = c.stdin
	} else {
		f, err := os.Open(path)
		if err != nil {
			var pe *os.PathError
			if errors.As(err, &pe) {
				return "", fmt.Errorf("--%s: cannot read %s: %v", flagName, path, pe.Err)
			}
			return "", fmt.Errorf("--%s: cannot read %s", flagName, path)
		}
		defer f.Close()
		r = f
	}
	b, err := io.ReadAll(io.LimitReader(r, maxSecretFile+1))
	if err != nil {
		return "", fmt.Errorf("--%s: reading %s failed", flagName, sourceName(path))
	}
	if len(b) > maxSecretFile {
		return "", fmt.Errorf("--%s: %s holds more than %d bytes", flagName, sourceName(path), maxSecretFile)
	}
	s := strings.TrimSuffix(strings.TrimSuffix(string(b), "\n"), "\r")
	if s == "" {
		return "", fmt.Errorf("--%s: %s is empty", flagName, sourceName(path))
	}
	return s, nil
}

func sourceName(path string) string {
	if path == "-" {
		return "stdin"
	}
	return path
}

// parseCookies reads cookies as a JSON object of strings ({"li_at": "...", ...}) or as
// lines of NAME=VALUE (blank lines and lines starting with # skipped). Errors name a line
// or a cookie, never a value.
func parseCookies(text, where string) (map[string]string, error) {
	out := map[string]string{}
	trimmed := strings.TrimSpace(text)
	if strings.HasPrefix(trimmed, "{") {
		dec := json.NewDecoder(strings.NewReader(trimmed))
		var m map[string]any
		if err := dec.Decode(&m); err != nil {
			return nil, fmt.Errorf("%s: not a JSON object of cookie names and values", where)
		}
		for k, v := range m {
			s, ok := v.(string)
			if !ok {
				return nil, fmt.Errorf("%s: cookie %q is not a string", where, truncate(k, 40))
			}
			out[k] = s
		}
		return out, nil
	}
	for i, line := range strings.Split(trimmed, "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		k, v, ok := strings.Cut(line, "=")
		if !ok || strings.TrimSpace(k) == "" {
			return nil, fmt.Errorf("%s: line %d is not NAME=VALUE", where, i+1)
		}
		out[strings.TrimSpace(k)] = v
	}
	return out, nil
}

// redactAll hides each secret (as given and JSON-escaped, once or twice) in b.
func redactAll(b []byte, secrets ...string) []byte {
	for _, s := range secrets {
		if len(s) < 4 {
			continue
		}
		j, _ := json.Marshal(s)
		once := string(j[1 : len(j)-1])
		j2, _ := json.Marshal(once)
		for _, f := range []string{string(j2[1 : len(j2)-1]), once, s} {
			b = bytes.ReplaceAll(b, []byte(f), []byte("[redacted]"))
		}
	}
	return b
}
