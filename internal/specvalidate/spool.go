package specvalidate

import (
	"bytes"
	"io"
	"os"
)

// spoolMemory is how much of a body a spool keeps in memory before it moves to a file.
const spoolMemory = 1 << 20

// spool keeps a copy of a body being read: in memory while small, in a temporary file
// beyond spoolMemory. Close removes the file.
type spool struct {
	mem  bytes.Buffer
	file *os.File
	err  error
}

// Write appends p to the copy.
func (s *spool) Write(p []byte) (int, error) {
	if s.err != nil {
		return 0, s.err
	}
	if s.file == nil && s.mem.Len()+len(p) <= spoolMemory {
		return s.mem.Write(p)
	}
	if s.file == nil {
		f, err := os.CreateTemp("", "specvalidate-body-*")
		if err != nil {
			s.err = err
			return 0, err
		}
		s.file = f
		if _, err := s.mem.WriteTo(f); err != nil {
			s.err = err
			return 0, err
		}
	}
	n, err := s.file.Write(p)
	if err != nil {
		s.err = err
	}
	return n, err
}

// reader returns the copy from its start, to be read once.
func (s *spool) reader() (io.ReadCloser, error) {
	if s.err != nil {
		return nil, s.err
	}
	if s.file == nil {
		return io.NopCloser(bytes.NewReader(s.mem.Bytes())), nil
	}
	if _, err := s.file.Seek(0, io.SeekStart); err != nil {
		return nil, err
	}
	return io.NopCloser(s.file), nil // Close of the spool closes and removes the file
}

// Close drops the copy.
func (s *spool) Close() error {
	s.mem = bytes.Buffer{}
	if s.file == nil {
		return nil
	}
	name := s.file.Name()
	err := s.file.Close()
	if rmErr := os.Remove(name); err == nil {
		err = rmErr
	}
	s.file = nil
	return err
}
