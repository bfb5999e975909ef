package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestConfigCommands checks set-token, set-alias and show against a config file that
// holds more than they know: it is kept, the file is 0600, and the token never shows whole.
func TestConfigCommands(t *testing.T) {
	dir := t.TempDir()
	t.Setenv("XDG_CONFIG_HOME", dir)
	t.Setenv("LOBSTR_TOKEN", "")
	path := filepath.Join(dir, "lobstr", "config.toml")
	os.MkdirAll(filepath.Dir(path), 0o700)
	before := "# written by hand\n[defaults]\nformat = \"csv\"\nlimit = 10\n\n[auth]\ntoken = \"old-token-0000000000\"\n"
	os.WriteFile(path, []byte(before), 0o644)

	inv := invocation{env: map[string]string{}}
	const tok = "new-token-\"quoted\"-0123456789"
	if r := inv.run(t, "config", "set-token", tok); r.code != 0 || strings.Contains(r.stdout, tok) {
		t.Fatalf("set-token: exit %d, %q, %q", r.code, r.stdout, r.stderr)
	}
	if r := inv.run(t, "config", "set-alias", "reviews", seedSquid); r.code != 0 || r.stdout != "@reviews -> "+seedSquid+"\n" {
		t.Fatalf("set-alias: exit %d, %q, %q", r.code, r.stdout, r.stderr)
	}
	got, _ := os.ReadFile(path)
	want := "# written by hand\n[defaults]\nformat = \"csv\"\nlimit = 10\n\n[auth]\ntoken = \"new-token-\\\"quoted\\\"-0123456789\"\n\n[aliases]\nreviews = \"" + seedSquid + "\"\n"
	if string(got) != want {
		t.Errorf("the file:\n%s\nwant\n%s", got, want)
	}
	if st, err := os.Stat(path); err != nil || st.Mode().Perm() != 0o600 {
		t.Errorf("mode %v, %v; want 0600", st.Mode(), err)
	}
	// The SDK reads the token back.
	_, entries, err := parseTOML(got)
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, e := range entries {
		found = found || e.table == "auth" && e.key == "token" && e.value == tok
	}
	if !found {
		t.Errorf("the token does not read back: %+v", entries)
	}
	r := inv.run(t, "config", "show")
	if r.code != 0 || strings.Contains(r.stdout, "quoted") || !strings.Contains(r.stdout, "from config file") || !strings.Contains(r.stdout, "@reviews -> "+seedSquid) {
		t.Errorf("show: exit %d\n%s", r.code, r.stdout)
	}
	r = inv.run(t, "--json", "config", "show")
	if r.code != 0 || strings.Contains(r.stdout, "quoted") || !strings.Contains(r.stdout, `"aliases":{"reviews":"`+seedSquid+`"}`) {
		t.Errorf("show --json: exit %d\n%s", r.code, r.stdout)
	}

	// @reviews stands for the squid; an unknown alias says which are known.
	url, token := newServer(t)
	r = invocation{env: envFor(url, token)}.run(t, "task", "ls", "@reviews")
	if r.code != 0 || !strings.Contains(r.stdout, seedTask) {
		t.Errorf("ls @reviews: exit %d, %q", r.code, r.stderr)
	}
	r = invocation{env: envFor(url, token)}.run(t, "task", "ls", "@nope")
	if r.code != exitUsage || !strings.Contains(r.stderr, "no alias @nope in "+path+" (known: @reviews; or save it with 'lobstr config set-alias nope SQUID')") {
		t.Errorf("ls @nope: exit %d, %q", r.code, r.stderr)
	}

	// Bad arguments.
	for _, args := range [][]string{{"config", "set-alias", "a b", seedSquid}, {"config", "set-alias", "x"}, {"config", "set-token", " "}, {"config", "frob"}, {"config"}} {
		if r := inv.run(t, args...); r.code != exitUsage || strings.Count(r.stderr, "\n") != 1 {
			t.Errorf("%q: exit %d, %q", args, r.code, r.stderr)
		}
	}
	// A file it cannot read is named, and not overwritten.
	os.WriteFile(path, []byte("[auth]\ntoken = \"unterminated\n"), 0o600)
	if r := inv.run(t, "config", "set-alias", "x", "y"); r.code != exitUsage || !strings.Contains(r.stderr, path+": line 2") {
		t.Errorf("broken file: exit %d, %q", r.code, r.stderr)
	}
	if b, _ := os.ReadFile(path); string(b) != "[auth]\ntoken = \"unterminated\n" {
		t.Errorf("a broken file was rewritten: %q", b)
	}
}

// FuzzConfig checks that setting a key in any file that parses keeps it parseable, sets
// the key, and keeps every other string entry as it was.
func FuzzConfig(f *testing.F) {
	f.Add([]byte("[auth]\ntoken = \"abc\"\n[aliases]\nx = 'y'\n"), "aliases", "new-name", "va\"lue\n")
	f.Add([]byte("# c\n[\"a b\"]\n\"k\" = \"\\u00e9\"\n"), "auth", "token", "t")
	f.Add([]byte(""), "auth", "token", "t")
	f.Fuzz(func(t *testing.T, data []byte, table, key, value string) {
		doc, entries, err := parseTOML(data)
		if err != nil || !validText(table) || strings.ContainsAny(table, "[]\"\n\r#'=") || strings.TrimSpace(table) != table || !validText(key) || !validText(value) {
			return
		}
		for _, e := range entries {
			if strings.ContainsAny(e.table, "[]\"'") {
				return // headers with quotes or brackets inside are beyond the subset
			}
		}
		doc.set(entries, table, key, value)
		_, after, err := parseTOML(doc.bytes())
		if err != nil {
			t.Fatalf("unparseable after set(%q, %q, %q): %v\n%s", table, key, value, err, doc.bytes())
		}
		got := map[[2]string]string{}
		for _, e := range after {
			if e.isString {
				got[[2]string{e.table, e.key}] = e.value
			}
		}
		if got[[2]string{table, key}] != value {
			t.Fatalf("set(%q, %q, %q): reads back %q\n%s", table, key, value, got[[2]string{table, key}], doc.bytes())
		}
		for _, e := range entries {
			if e.isString && !(e.table == table && e.key == key) {
				if v, ok := got[[2]string{e.table, e.key}]; ok && v != e.value {
					t.Fatalf("%s.%s changed from %q to %q", e.table, e.key, e.value, v)
				}
			}
		}
	})
}

func validText(s string) bool {
	return s != "" && strings.ToValidUTF8(s, "") == s && !strings.Contains(s, "\x00")
}
