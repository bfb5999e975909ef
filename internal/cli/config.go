package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"unicode/utf8"

	"github.com/lobstr-go/lobstr/api"
)

// The official CLI's config file (api.ConfigPath), TOML, shared by both tools:
//
//	[auth]
//	token = "..."
//
//	[aliases]
//	reviews = "a1b2c3d4e5f6g7h8i9j0"
//
// tomlDoc edits it line by line, so what this tool does not know (other tables, comments,
// keys) stays as it was.
type tomlDoc struct {
	lines []string
}

// tomlEntry is one `key = value` line: its table, key, and value when it is a string.
type tomlEntry struct {
	table, key string
	line       int
	value      string
	isString   bool
	raw        string // the value's text as written
}

// parseTOML reads a config file. It understands the subset of TOML such files use
// (comments, [table] headers, key = value lines with string values) and says which line
// it cannot read.
func parseTOML(data []byte) (*tomlDoc, []tomlEntry, error) {
	if !utf8.Valid(data) {
		return nil, nil, errors.New("not UTF-8 text")
	}
	text := strings.TrimPrefix(string(data), "\ufeff")
	doc := &tomlDoc{}
	if text != "" {
		doc.lines = strings.Split(strings.TrimSuffix(strings.ReplaceAll(text, "\r\n", "\n"), "\n"), "\n")
	}
	var entries []tomlEntry
	table := ""
	for n, line := range doc.lines {
		t := strings.TrimSpace(line)
		if t == "" || t[0] == '#' {
			continue
		}
		if t[0] == '[' {
			name, err := tomlHeader(t)
			if err != nil {
				return nil, nil, fmt.Errorf("line %d: %v", n+1, err)
			}
			table = name
			continue
		}
		k, v, ok := strings.Cut(t, "=")
		if t[0] == '"' || t[0] == '\'' {
			if end := closingQuote(t); end > 0 {
				k, v, ok = t[:end+1], "", false
				if rest := strings.TrimSpace(t[end+1:]); strings.HasPrefix(rest, "=") {
					v, ok = rest[1:], true
				}
			}
		}
		if !ok {
			return nil, nil, fmt.Errorf("line %d: want key = value", n+1)
		}
		key := strings.TrimSpace(k)
		if len(key) >= 2 && (key[0] == '"' || key[0] == '\'') {
			s, err := tomlString(key)
			if err != nil {
				return nil, nil, fmt.Errorf("line %d: key: %v", n+1, err)
			}
			key = s
		}
		e := tomlEntry{table: table, key: key, line: n, raw: strings.TrimSpace(v)}
		if s, err := tomlString(e.raw); err == nil {
			e.value, e.isString = s, true
		} else if e.raw != "" && (e.raw[0] == '"' || e.raw[0] == '\'') {
			return nil, nil, fmt.Errorf("line %d: %s: %v", n+1, key, err)
		}
		entries = append(entries, e)
	}
	return doc, entries, nil
}

// set sets key in table to the string value: the line is replaced when the key is there,
// else added at the end of the table, which is added at the end of the file when missing.
func (d *tomlDoc) set(entries []tomlEntry, table, key, value string) {
	line := tomlKey(key) + " = " + tomlQuote(value)
	for _, e := range entries {
		if e.table == table && e.key == key {
			d.lines[e.line] = line
			return
		}
	}
	// The end of the table: after its last non-blank line.
	in, at := false, -1
	for n, l := range d.lines {
		t := strings.TrimSpace(l)
		if strings.HasPrefix(t, "[") {
			name, _ := tomlHeader(t)
			in = name == table
			if in {
				at = n
			}
			continue
		}
		if in && t != "" {
			at = n
		}
	}
	if at >= 0 {
		d.lines = append(d.lines[:at+1], append([]string{line}, d.lines[at+1:]...)...)
		return
	}
	if len(d.lines) > 0 && strings.TrimSpace(d.lines[len(d.lines)-1]) != "" {
		d.lines = append(d.lines, "")
	}
	d.lines = append(d.lines, "["+tomlKey(table)+"]", line)
}

// bytes is the file's text.
func (d *tomlDoc) bytes() []byte {
	return []byte(strings.Join(d.lines, "\n") + "\n")
}

// tomlHeader reads the table name of a `[name]` or `["quoted name"]` line.
func tomlHeader(t string) (string, error) {
	inner := strings.TrimSpace(strings.TrimPrefix(t, "["))
	end := strings.IndexByte(inner, ']')
	if inner != "" && (inner[0] == '"' || inner[0] == '\'') {
		i := closingQuote(inner)
		if i < 0 {
			return "", errors.New("unterminated table name")
		}
		name, err := tomlString(inner[:i+1])
		if err != nil {
			return "", err
		}
		rest := strings.TrimSpace(inner[i+1:])
		if !strings.HasPrefix(rest, "]") || tomlRest(rest[1:]) != nil {
			return "", errors.New("want ] after the table name")
		}
		return name, nil
	}
	if end < 0 {
		return "", errors.New("unclosed table header")
	}
	if tomlRest(inner[end+1:]) != nil {
		return "", errors.New("unexpected text after the table header")
	}
	return strings.TrimSpace(inner[:end]), nil
}

// closingQuote returns the index of the quote that closes the string s starts with,
// honouring escapes in basic strings; -1 when there is none.
func closingQuote(s string) int {
	q := s[0]
	for i := 1; i < len(s); i++ {
		if q == '"' && s[i] == '\\' {
			i++
			continue
		}
		if s[i] == q {
			return i
		}
	}
	return -1
}

// tomlKey writes a key bare when TOML allows it, else quoted.
func tomlKey(k string) string {
	if k != "" && strings.Trim(k, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-") == "" {
		return k
	}
	return tomlQuote(k)
}

// tomlQuote writes s as a TOML basic string.
func tomlQuote(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for _, r := range s {
		switch {
		case r == '"' || r == '\\':
			b.WriteByte('\\')
			b.WriteRune(r)
		case r < 0x20 || r == 0x7f:
			fmt.Fprintf(&b, "\\u%04X", r)
		default:
			b.WriteRune(r)
		}
	}
	b.WriteByte('"')
	return b.String()
}

// tomlString decodes a TOML basic or literal string at the start of v, ignoring a
// trailing comment.
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
		return v[1 : 1+end], tomlRest(v[2+end:])
	case '"':
		var b strings.Builder
		for i := 1; i < len(v); i++ {
			switch c := v[i]; c {
			case '"':
				return b.String(), tomlRest(v[i+1:])
			case '\\':
				if i+1 >= len(v) {
					return "", errors.New("unterminated string")
				}
				i++
				switch e := v[i]; e {
				case '"', '\\':
					b.WriteByte(e)
				case 'n':
					b.WriteByte('\n')
				case 't':
					b.WriteByte('\t')
				case 'r':
					b.WriteByte('\r')
				case 'b':
					b.WriteByte('\b')
				case 'f':
					b.WriteByte('\f')
				case 'e':
					b.WriteByte(0x1b)
				case 'u', 'U':
					n := 4
					if e == 'U' {
						n = 8
					}
					if i+n >= len(v) {
						return "", errors.New("short unicode escape")
					}
					code, err := strconv.ParseUint(v[i+1:i+1+n], 16, 32)
					if err != nil || !utf8.ValidRune(rune(code)) {
						return "", fmt.Errorf("bad unicode escape \\%c%s", e, v[i+1:i+1+n])
					}
					b.WriteRune(rune(code))
					i += n
				default:
					return "", fmt.Errorf("bad escape \\%c", e)
				}
			default:
				b.WriteByte(c)
			}
		}
		return "", errors.New("unterminated string")
	}
	return "", errors.New("want a quoted string")
}

func tomlRest(rest string) error {
	rest = strings.TrimSpace(rest)
	if rest != "" && rest[0] != '#' {
		return fmt.Errorf("unexpected %q after the string", truncate(rest, 20))
	}
	return nil
}

// -- reading and writing the file -------------------------------------------------------------

// configFile is the config file as read: its path, its lines and entries.
type configFile struct {
	path    string
	doc     *tomlDoc
	entries []tomlEntry
}

// loadConfig reads the config file; a missing file is an empty one.
func loadConfig() (*configFile, error) {
	path, err := api.ConfigPath()
	if err != nil {
		return nil, err
	}
	data, err := readConfigFile(path)
	if errors.Is(err, os.ErrNotExist) {
		data, err = nil, nil
	}
	if err != nil {
		return nil, err
	}
	doc, entries, err := parseTOML(data)
	if err != nil {
		return nil, fmt.Errorf("config file %s: %w", path, err)
	}
	return &configFile{path: path, doc: doc, entries: entries}, nil
}

// get returns the string value of key in table.
func (f *configFile) get(table, key string) (string, bool) {
	for _, e := range f.entries {
		if e.table == table && e.key == key && e.isString {
			return e.value, true
		}
	}
	return "", false
}

// table returns the string keys of a table, sorted.
func (f *configFile) table(table string) map[string]string {
	m := map[string]string{}
	for _, e := range f.entries {
		if e.table == table && e.isString {
			m[e.key] = e.value
		}
	}
	return m
}

// set sets key in table and writes the file: mode 0600, atomically (a temporary file in
// the same directory, renamed over it), so a crash never leaves half a file.
func (f *configFile) set(table, key, value string) error {
	f.doc.set(f.entries, table, key, value)
	dir := filepath.Dir(f.path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	tmp, err := os.CreateTemp(dir, ".config.toml.*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name()) // a no-op once renamed
	if err := tmp.Chmod(0o600); err != nil {
		tmp.Close()
		return err
	}
	if _, err := tmp.Write(f.doc.bytes()); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), f.path)
}

// maskToken shows enough of a token to recognise it, never the whole.
func maskToken(t string) string {
	if t == "" {
		return "(not set)"
	}
	r := []rune(t)
	if len(r) < 12 {
		return strings.Repeat("*", 4) + " (" + strconv.Itoa(len(r)) + " characters)"
	}
	return string(r[:4]) + "…" + " (" + strconv.Itoa(len(r)) + " characters)"
}

// -- lobstr config ----------------------------------------------------------------------------

const configUsage = `Usage: lobstr config COMMAND [ARGUMENTS]

Read and write the config file the official lobstr CLI uses too
($XDG_CONFIG_HOME/lobstr/config.toml, else ~/.config/lobstr/config.toml):

  set-token TOKEN     save the API token ([auth] token)
  show                print the file's path, the token masked, and the aliases
  set-alias NAME SQUID  let @NAME stand for a squid ([aliases] NAME)

The file is written with mode 0600, atomically; what else it holds is kept.

Examples:
  lobstr config set-token "$(cat token.txt)"
  lobstr config set-alias reviews a1b2c3d4e5f6g7h8i9j0
  lobstr task ls @reviews
`

var configCommands = map[string]func(c *cli, ctx context.Context, args []string) int{
	"set-token": (*cli).configSetToken,
	"show":      (*cli).configShow,
	"set-alias": (*cli).configSetAlias,
}

// config dispatches `lobstr config VERB`.
func (c *cli) config(ctx context.Context, args []string) int {
	fs := c.flagSet("lobstr config")
	rest, err := parse(fs, args, false)
	if err != nil {
		return c.flagError(err, "config", func(w io.Writer) { fmt.Fprint(w, configUsage) })
	}
	if len(rest) == 0 {
		return c.usageError("config", "missing command: set-token, show or set-alias")
	}
	cmd, ok := configCommands[rest[0]]
	if !ok {
		return c.usageError("config", fmt.Sprintf("unknown command %q: want set-token, show or set-alias", rest[0]))
	}
	c.cmd = "config " + rest[0]
	return cmd(c, ctx, rest[1:])
}

func (c *cli) configHelp(ctx context.Context, args []string) int {
	if len(args) > 0 {
		if cmd, ok := configCommands[args[0]]; ok {
			return cmd(c, ctx, []string{"--help"})
		}
		return c.usageError("config", fmt.Sprintf("unknown command %q: want set-token, show or set-alias", args[0]))
	}
	fmt.Fprint(c.stdout, configUsage)
	return exitOK
}

// configArgs parses the flags and arguments of a config command: exactly n arguments.
func (c *cli) configArgs(args []string, n int, usage string) ([]string, int, bool) {
	fs := c.flagSet("lobstr " + c.cmd)
	rest, err := parse(fs, args, true)
	if err != nil {
		return nil, c.flagError(err, c.cmd, func(w io.Writer) { printCommandUsage(w, usage, fs) }), true
	}
	if len(rest) != n {
		return nil, c.usageError(c.cmd, fmt.Sprintf("want %d argument(s), got %d", n, len(rest))), true
	}
	return rest, 0, false
}

const setTokenUsage = `Usage: lobstr config set-token TOKEN

Save the API token in the config file ([auth] token), mode 0600.

Example:
  lobstr config set-token "$(cat token.txt)"
`

func (c *cli) configSetToken(_ context.Context, args []string) int {
	rest, code, done := c.configArgs(args, 1, setTokenUsage)
	if done {
		return code
	}
	tok := strings.TrimSpace(rest[0])
	if tok == "" || strings.ContainsAny(tok, " \t\r\n") {
		return c.usageError(c.cmd, "TOKEN is empty or holds white space")
	}
	f, err := loadConfig()
	if err != nil {
		return c.errorLine(exitUsage, "config", err.Error(), 0, "")
	}
	if err := f.set("auth", "token", tok); err != nil {
		return c.errorLine(exitFail, "file", fmt.Sprintf("cannot write %s: %s", f.path, plainError(err)), 0, "")
	}
	if c.json {
		return c.encodeJSON(map[string]string{"path": f.path, "token": maskToken(tok)})
	}
	fmt.Fprintf(c.stdout, "token %s saved to %s\n", maskToken(tok), f.path)
	return exitOK
}

const setAliasUsage = `Usage: lobstr config set-alias NAME SQUID

Let @NAME stand for a squid wherever one is taken ([aliases] NAME in the
config file). NAME is letters, digits, - and _.

Example:
  lobstr config set-alias reviews a1b2c3d4e5f6g7h8i9j0
`

func (c *cli) configSetAlias(_ context.Context, args []string) int {
	rest, code, done := c.configArgs(args, 2, setAliasUsage)
	if done {
		return code
	}
	name, squid := strings.TrimPrefix(rest[0], "@"), strings.TrimSpace(rest[1])
	if name == "" || strings.Trim(name, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-") != "" {
		return c.usageError(c.cmd, fmt.Sprintf("alias name %q: want letters, digits, - and _", truncate(name, 40)))
	}
	if squid == "" || strings.HasPrefix(squid, "@") || strings.ContainsAny(squid, " \t\r\n/") {
		return c.usageError(c.cmd, fmt.Sprintf("SQUID %q: want a squid id", truncate(squid, 40)))
	}
	f, err := loadConfig()
	if err != nil {
		return c.errorLine(exitUsage, "config", err.Error(), 0, "")
	}
	if err := f.set("aliases", name, squid); err != nil {
		return c.errorLine(exitFail, "file", fmt.Sprintf("cannot write %s: %s", f.path, plainError(err)), 0, "")
	}
	if c.json {
		return c.encodeJSON(map[string]string{"alias": "@" + name, "squid": squid})
	}
	fmt.Fprintf(c.stdout, "@%s -> %s\n", name, squid)
	return exitOK
}

const configShowUsage = `Usage: lobstr config show

Print the config file's path, the token in use (masked: never whole) and where
it comes from, the base URL, and the aliases.

Example:
  lobstr config show
`

func (c *cli) configShow(_ context.Context, args []string) int {
	if _, code, done := c.configArgs(args, 0, configShowUsage); done {
		return code
	}
	f, err := loadConfig()
	if err != nil {
		return c.errorLine(exitUsage, "config", err.Error(), 0, "")
	}
	tok, from := "", "none"
	switch fileTok, ok := f.get("auth", "token"); {
	case strings.TrimSpace(c.tokenFlag) != "":
		tok, from = c.token(), "--token"
	case strings.TrimSpace(c.env("LOBSTR_TOKEN")) != "":
		tok, from = c.token(), "LOBSTR_TOKEN"
	case ok:
		tok, from = fileTok, "config file"
	}
	aliases := f.table("aliases")
	if c.json {
		return c.encodeJSON(map[string]any{"path": f.path, "token": maskToken(tok), "token_from": from,
			"base_url": c.base(), "aliases": aliases})
	}
	var v kvView
	v.id("config file", f.path)
	if tok == "" {
		v.add("token", "none: 'lobstr config set-token TOKEN' saves one (or set LOBSTR_TOKEN)")
	} else {
		v.add("token", maskToken(tok)+", from "+from)
	}
	v.id("base URL", c.base())
	names := make([]string, 0, len(aliases))
	for n := range aliases {
		names = append(names, n)
	}
	sort.Strings(names)
	if len(names) == 0 {
		v.add("aliases", "none")
	}
	for i, n := range names {
		key := ""
		if i == 0 {
			key = "aliases"
		}
		v.id(key, "@"+n+" -> "+aliases[n])
	}
	v.render(c.stdout, c.out, false)
	return exitOK
}

// maxConfigSize is the largest config file read: a config file is a few lines.
const maxConfigSize = 1 << 20

// readConfigFile reads the config file at path: a regular file (a link to one is
// followed) of at most maxConfigSize bytes. Anything else (a FIFO, which would block, a
// device such as /dev/zero, which never ends, a directory) is refused with an error
// naming the file and what it is, without reading it.
func readConfigFile(path string) ([]byte, error) {
	// O_NONBLOCK: opening a FIFO with no writer must not block; it is refused below.
	f, err := os.OpenFile(path, os.O_RDONLY|syscall.O_NONBLOCK, 0)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if !st.Mode().IsRegular() {
		return nil, fmt.Errorf("config file %s is %s, not a regular file: remove it, or point XDG_CONFIG_HOME elsewhere", path, fileKind(st.Mode()))
	}
	if st.Size() > maxConfigSize {
		return nil, fmt.Errorf("config file %s is %s, more than the %s a config file may be", path, byteSize(st.Size()), byteSize(maxConfigSize))
	}
	data, err := io.ReadAll(io.LimitReader(f, maxConfigSize+1))
	if err != nil {
		return nil, fmt.Errorf("config file %s: %w", path, err)
	}
	if len(data) > maxConfigSize {
		return nil, fmt.Errorf("config file %s is more than the %s a config file may be", path, byteSize(maxConfigSize))
	}
	return data, nil
}

// fileKind names what a file that is not a regular file is.
func fileKind(m os.FileMode) string {
	switch {
	case m.IsDir():
		return "a directory"
	case m&os.ModeNamedPipe != 0:
		return "a FIFO"
	case m&os.ModeCharDevice != 0:
		return "a character device"
	case m&os.ModeDevice != 0:
		return "a device"
	case m&os.ModeSocket != 0:
		return "a socket"
	}
	return "a special file"
}
