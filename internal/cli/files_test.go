//go:build unix

package cli

import (
	"io"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/lobstr-go/lobstr/api/apitest"
)

const csvHeader = "id,object,squid,run,"

// TestOutputThroughSpecialFiles checks that -o and PATH write through a symbolic link, a
// FIFO and a device instead of replacing them with a regular file (issue 20, item 9).
func TestOutputThroughSpecialFiles(t *testing.T) {
	srv := apitest.NewServer(t, apitest.WithToken(testToken))
	inv := invocation{env: envFor(srv.URL, srv.Token)}
	dir := t.TempDir()

	// A link to a regular file: the file gets the export, the link stays a link.
	real := filepath.Join(dir, "real.csv")
	if err := os.WriteFile(real, []byte("old\n"), 0o640); err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(dir, "link.csv")
	if err := os.Symlink("real.csv", link); err != nil {
		t.Fatal(err)
	}
	if r := inv.run(t, "run", "download", apitest.SeedRunHash, "-o", link); r.code != 0 {
		t.Fatalf("download to a link: %d %s", r.code, r.stderr)
	}
	if li, err := os.Lstat(link); err != nil || li.Mode()&os.ModeSymlink == 0 {
		t.Errorf("the link was replaced: %v %v", li.Mode(), err)
	}
	if b, _ := os.ReadFile(real); !strings.HasPrefix(string(b), csvHeader) {
		t.Errorf("the linked file holds %.40q", b)
	}
	if st, _ := os.Stat(real); st.Mode().Perm() != 0o640 {
		t.Errorf("the replaced file's mode is %v, want its own 0640", st.Mode().Perm())
	}

	// A FIFO: a reader gets the export, the FIFO stays a FIFO.
	fifo := filepath.Join(dir, "pipe")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	got := make(chan string, 1)
	go func() {
		f, err := os.Open(fifo)
		if err != nil {
			got <- err.Error()
			return
		}
		defer f.Close()
		b, _ := io.ReadAll(f)
		got <- string(b)
	}()
	if r := inv.run(t, "run", "download", apitest.SeedRunHash, fifo); r.code != 0 {
		t.Fatalf("download to a FIFO: %d %s", r.code, r.stderr)
	}
	if s := <-got; !strings.HasPrefix(s, csvHeader) {
		t.Errorf("the FIFO's reader got %.40q", s)
	}
	if st, err := os.Lstat(fifo); err != nil || st.Mode()&os.ModeNamedPipe == 0 {
		t.Errorf("the FIFO was replaced: %v %v", st.Mode(), err)
	}

	// A device: written to, kept (as root, renaming over /dev/null would replace it).
	if r := inv.run(t, "results", "get", "--run", apitest.SeedRunHash, "-o", os.DevNull, "--format", "csv"); r.code != 0 {
		t.Fatalf("results to %s: %d %s", os.DevNull, r.code, r.stderr)
	}
	if st, err := os.Lstat(os.DevNull); err != nil || st.Mode()&os.ModeCharDevice == 0 {
		t.Fatalf("%s is no longer a device: %v %v", os.DevNull, st.Mode(), err)
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 3 {
		t.Errorf("files left in the folder: %v", entries)
	}
}

// TestOutputUmask checks that a new file gets 0666 minus the umask (issue 20, item 9), and
// that run download writes results.csv when no PATH is given.
func TestOutputUmask(t *testing.T) {
	srv := apitest.NewServer(t, apitest.WithToken(testToken))
	inv := invocation{env: envFor(srv.URL, srv.Token)}
	dir := t.TempDir()
	t.Chdir(dir)
	for _, tc := range []struct {
		umask int
		want  os.FileMode
	}{{0o022, 0o644}, {0o077, 0o600}, {0o002, 0o664}} {
		old := syscall.Umask(tc.umask)
		r := inv.run(t, "run", "download", apitest.SeedRunHash)
		syscall.Umask(old)
		if r.code != 0 {
			t.Fatalf("download: %d %s", r.code, r.stderr)
		}
		st, err := os.Stat(filepath.Join(dir, "results.csv"))
		if err != nil {
			t.Fatal(err)
		}
		if st.Mode().Perm() != tc.want {
			t.Errorf("umask %03o: results.csv is %v, want %v", tc.umask, st.Mode().Perm(), tc.want)
		}
		os.Remove("results.csv")
	}
	r := inv.run(t, "run", "download", apitest.SeedRunHash, "-o", "-")
	if r.code != 0 || !strings.HasPrefix(r.stdout, csvHeader) {
		t.Errorf("-o -: exit %d, stdout %.40q", r.code, r.stdout)
	}
	if r := inv.run(t, "run", "download", apitest.SeedRunHash, "a.csv", "-o", "b.csv"); r.code != exitUsage {
		t.Errorf("PATH and -o: exit %d %s", r.code, r.stderr)
	}
	if r := inv.run(t, "run", "download", apitest.SeedRunHash, dir); r.code != exitFail || !strings.Contains(r.stderr, "is a directory") {
		t.Errorf("a directory: exit %d %s", r.code, r.stderr)
	}
}

// TestConfigSpecialFiles checks that a config file that is not a regular file is refused
// at once, naming the file, instead of blocking (a FIFO) or reading without end
// (/dev/zero) (issue 20, item 10), and that an oversized one is refused too.
func TestConfigSpecialFiles(t *testing.T) {
	dir := t.TempDir()
	t.Setenv("XDG_CONFIG_HOME", dir)
	path := filepath.Join(dir, "lobstr", "config.toml")
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		t.Fatal(err)
	}
	env := map[string]string{"LOBSTR_BASE_URL": "http://127.0.0.1:1/v1"}
	check := func(what, want string) {
		t.Helper()
		for _, args := range [][]string{{"config", "show"}, {"whoami"}, {"squid", "show", "@x"}} {
			r := invocation{env: env}.run(t, args...)
			if r.code == 0 || !strings.Contains(r.stderr, path) || !strings.Contains(r.stderr, want) {
				t.Errorf("%s, %q: exit %d, stderr %q; want the path and %q", what, args, r.code, r.stderr, want)
			}
		}
		os.Remove(path)
	}
	if err := os.Symlink("/dev/zero", path); err != nil {
		t.Fatal(err)
	}
	check("a link to /dev/zero", "not a regular file")
	if err := syscall.Mkfifo(path, 0o600); err != nil {
		t.Fatal(err)
	}
	check("a FIFO", "not a regular file")
	big := strings.Repeat("# a comment line of a config file that is far too long\n", 2*(1<<20)/50)
	if err := os.WriteFile(path, []byte(big), 0o600); err != nil {
		t.Fatal(err)
	}
	check("a file of 2 MiB", "than")
}
