package cli

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
)

// outputFile is a file the CLI writes (-o FILE, run download RUN PATH): a regular file is
// written whole or not at all, through a temporary file beside it renamed over it; a
// special file (a FIFO, a device such as /dev/null or /dev/stdout) is written in place,
// never replaced; a symbolic link is followed, and the file it names is written, the link
// kept. A new file gets 0666 minus the umask, as any program's; a file replaced keeps its
// permissions.
type outputFile struct {
	path   string   // the file asked for
	target string   // the file written: path, its links followed
	f      *os.File // the temporary file, or the special file itself
	temp   bool     // f is a temporary file, to rename over target
}

// createOutput opens path for writing as outputFile says.
func createOutput(path string) (*outputFile, error) {
	if path == "" {
		return nil, errors.New("the file name is empty")
	}
	target := path
	if resolved, err := filepath.EvalSymlinks(path); err == nil {
		target = resolved
	} else if li, lerr := os.Lstat(path); lerr == nil && li.Mode()&os.ModeSymlink != 0 {
		// A link to a file yet to be made: make the file it names.
		dest, rerr := os.Readlink(path)
		if rerr != nil {
			return nil, rerr
		}
		if !filepath.IsAbs(dest) {
			dest = filepath.Join(filepath.Dir(path), dest)
		}
		target = dest
	}
	st, err := os.Stat(target)
	switch {
	case err == nil && st.IsDir():
		return nil, fmt.Errorf("%s is a directory", path)
	case err == nil && !st.Mode().IsRegular():
		f, err := os.OpenFile(target, os.O_WRONLY, 0)
		if err != nil {
			return nil, err
		}
		return &outputFile{path: path, target: target, f: f}, nil
	case err != nil && !errors.Is(err, os.ErrNotExist):
		return nil, err
	}
	var suffix [6]byte
	if _, err := rand.Read(suffix[:]); err != nil {
		return nil, err
	}
	tmp := filepath.Join(filepath.Dir(target), "."+filepath.Base(target)+"."+hex.EncodeToString(suffix[:])+".part")
	// 0666: the kernel takes the umask off, as for any new file.
	f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o666)
	if err != nil {
		return nil, err
	}
	if st != nil {
		if err := f.Chmod(st.Mode().Perm()); err != nil {
			f.Close()
			os.Remove(tmp)
			return nil, err
		}
	}
	return &outputFile{path: path, target: target, f: f, temp: true}, nil
}

// Write writes to the file.
func (o *outputFile) Write(p []byte) (int, error) { return o.f.Write(p) }

var _ io.Writer = (*outputFile)(nil)

// commit closes the file and, for a regular file, puts it in place.
func (o *outputFile) commit() error {
	if err := o.f.Close(); err != nil {
		o.abort()
		return err
	}
	if !o.temp {
		return nil
	}
	if err := os.Rename(o.f.Name(), o.target); err != nil {
		os.Remove(o.f.Name())
		return err
	}
	return nil
}

// abort closes the file and leaves the target as it was (a special file keeps what was
// written to it).
func (o *outputFile) abort() {
	o.f.Close()
	if o.temp {
		os.Remove(o.f.Name())
	}
}
