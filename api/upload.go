package api

import (
	"context"
	"errors"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/textproto"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"

	"github.com/lobstr-go/lobstr/gen"
)

// uploadContentType returns the content type of an upload's file part, from its name.
func uploadContentType(filename string) (string, error) {
	switch strings.ToLower(filepath.Ext(filename)) {
	case ".csv":
		return "text/csv", nil
	case ".tsv":
		return "text/tab-separated-values", nil
	}
	return "", fmt.Errorf("%q: want a name ending in .csv or .tsv (lobstr reads CSV and TSV files)", filename)
}

// Upload uploads a CSV or TSV file of tasks into a squid (Upload Tasks). The header
// row names the task keys. filename decides the content type (.csv or .tsv); the contents
// are read from r and streamed as multipart, never held whole in memory. The file is
// processed asynchronously: follow it with Tasks.UploadStatus or Tasks.WaitUpload.
//
// An upload is never retried, since its body cannot be sent twice; a failure to read r
// ends the request with an error that says so. When the connection breaks after the body
// was sent, the server may have taken the upload all the same; uploading the file again is
// safe, since the server counts rows already in the squid as duplicates.
//
// The request ends when ctx ends or the client's timeout (WithTimeout) passes, whatever r
// does: r is read by a goroutine of its own and fed to the request through a pipe, which is
// closed when the request ends. A Read of r that blocks (a pipe, stdin, a network stream) may
// therefore still be running when Tasks.Upload returns; r is not read again after it, and
// closing r (when it can be) ends that goroutine.
func (s *TasksService) Upload(ctx context.Context, squid, filename string, r io.Reader) (*Upload, error) {
	c := s.client
	const op = "Tasks.Upload"
	if squid == "" {
		return nil, argError(op, "squid", "empty; a squid id is required")
	}
	if filename == "" {
		return nil, argError(op, "filename", "empty; give the file's name, ending in .csv or .tsv")
	}
	ctype, err := uploadContentType(filename)
	if err != nil {
		return nil, argError(op, "filename", "%v", err)
	}
	if r == nil {
		return nil, argError(op, "r", "nil reader")
	}
	var readErr atomic.Pointer[uploadReadError] // set by the writer goroutine when r fails
	u, err := send(ctx, c, request{op: op, build: func(base string) (*http.Request, error) {
		pr, pw := io.Pipe()
		mw := multipart.NewWriter(pw)
		req, err := gen.NewUploadTasksRequestWithBody(base, mw.FormDataContentType(), pr)
		if err != nil {
			return nil, err
		}
		go func() {
			err := writeUploadForm(mw, squid, filename, ctype, r)
			var re *uploadReadError
			if errors.As(err, &re) {
				re.name = filepath.Base(filename)
				readErr.Store(re)
			}
			pw.CloseWithError(err)
		}()
		// The transport closes pr when it is done with the body, which ends the goroutine.
		return req, nil
	}}, "an upload (no id)", uploadComplete)
	if re := readErr.Load(); err != nil && re != nil && !errors.As(err, new(*Error)) {
		return nil, c.cred.redactError(fmt.Errorf("api: %s: %w", op, re))
	}
	return u, err
}

func uploadComplete(u *Upload) bool { return u.Id != "" }

type uploadReadError struct {
	name string
	err  error
}

// Error names the file and the read error.
func (e *uploadReadError) Error() string { return fmt.Sprintf("reading %s: %v", e.name, e.err) }

// Unwrap returns the read error.
func (e *uploadReadError) Unwrap() error { return e.err }

func writeUploadForm(mw *multipart.Writer, squid, filename, ctype string, r io.Reader) error {
	if err := mw.WriteField("squid", squid); err != nil {
		return err
	}
	h := make(textproto.MIMEHeader)
	h.Set("Content-Disposition", fmt.Sprintf(`form-data; name="file"; filename=%q`, filepath.Base(filename)))
	h.Set("Content-Type", ctype)
	part, err := mw.CreatePart(h)
	if err != nil {
		return err
	}
	if _, err := io.Copy(part, readerOnly{r}); err != nil {
		var re *uploadReadError
		if errors.As(err, &re) {
			return re
		}
		return err
	}
	return mw.Close()
}

// readerOnly hides any WriterTo of the source, so that its read errors are told apart
// from the pipe's write errors.
type readerOnly struct{ r io.Reader }

// Read reads from the source, marking its errors as read errors.
func (r readerOnly) Read(p []byte) (int, error) {
	n, err := r.r.Read(p)
	if err != nil && err != io.EOF {
		err = &uploadReadError{name: "the file", err: err}
	}
	return n, err
}

// UploadFile uploads the CSV or TSV file at path into a squid: Tasks.Upload with the
// file opened for you. A missing or unreadable file is an error that names it.
func (s *TasksService) UploadFile(ctx context.Context, squid, path string) (*Upload, error) {
	c := s.client
	const op = "Tasks.UploadFile"
	if _, err := uploadContentType(path); err != nil {
		return nil, argError(op, "path", "%v", err)
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("api: %s: %w", op, err)
	}
	defer f.Close()
	if st, err := f.Stat(); err != nil {
		return nil, fmt.Errorf("api: %s: %w", op, err)
	} else if st.IsDir() {
		return nil, argError(op, "path", "%q is a directory", path)
	}
	return c.Tasks.Upload(ctx, squid, path, f)
}

// UploadStatus reports how far the processing of an upload has got (Check Upload Status):
// State is PENDING or PROGRESS while it works (the server answers 202), SUCCESS or FAILURE
// once it has finished; Meta holds the row counts once known.
func (s *TasksService) UploadStatus(ctx context.Context, id string) (*Upload, error) {
	c := s.client
	const op = "Tasks.UploadStatus"
	if err := checkHash(op, "id", id); err != nil {
		return nil, err
	}
	return send(ctx, c, request{op: op, retryable: true, build: func(base string) (*http.Request, error) {
		return gen.NewGetUploadRequest(base, id)
	}}, "an upload (no id)", uploadComplete)
}
