package api

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"time"

	"github.com/lobstr-go/lobstr/gen"
	"github.com/lobstr-go/lobstr/gen/models"
)

// DownloadOption configures Runs.DownloadURL and Runs.Download.
type DownloadOption func(*downloadConfig)

type downloadConfig struct {
	format       FileFormat
	fields, omit []string
	stall        time.Duration
	stallSet     bool
}

// WithFormat chooses the export file's format: FormatCSV (the API's default), FormatJSON,
// FormatJSONL or FormatXLSX (later documentation; big XLSX files may be refused).
func WithFormat(f FileFormat) DownloadOption { return func(c *downloadConfig) { c.format = f } }

// WithFields keeps only these columns in the export file.
func WithFields(columns ...string) DownloadOption {
	return func(c *downloadConfig) { c.fields = append(c.fields, columns...) }
}

// WithOmit leaves these columns out of the export file (ignored by the API when WithFields
// is given too).
func WithOmit(columns ...string) DownloadOption {
	return func(c *downloadConfig) { c.omit = append(c.omit, columns...) }
}

// WithStallTimeout bounds how long Runs.Download waits for the next bytes of the file (the
// answer's headers, then each read): a stream that stops for that long is cut with an error.
// There is no limit on the whole transfer, which may last as long as the file needs, within
// ctx. The client's WithTimeout unless set; 0 means no limit but ctx.
func WithStallTimeout(d time.Duration) DownloadOption {
	return func(c *downloadConfig) { c.stall, c.stallSet = max(d, 0), true }
}

func newDownloadConfig(c *Client, opts []DownloadOption) downloadConfig {
	cfg := downloadConfig{}
	for _, o := range opts {
		if o != nil {
			o(&cfg)
		}
	}
	if !cfg.stallSet {
		cfg.stall = c.timeout
	}
	return cfg
}

// params checks the options and returns them as Download Run's query.
func (cfg downloadConfig) params(op string) (*models.GetRunDownloadParams, error) {
	p := &models.GetRunDownloadParams{}
	if cfg.format != "" {
		if !cfg.format.Valid() {
			return nil, argError(op, "WithFormat", "%q; want csv, json, jsonl or xlsx", clip(string(cfg.format), 40))
		}
		f := cfg.format
		p.FileFormat = &f
	}
	list := func(name string, cols []string) (*string, error) {
		if len(cols) == 0 {
			return nil, nil
		}
		for i, col := range cols {
			if strings.TrimSpace(col) == "" || strings.Contains(col, ",") {
				return nil, argError(op, name, "column %d %q: want a column name, without commas", i, clip(col, 40))
			}
		}
		s := strings.Join(cols, ",")
		return &s, nil
	}
	var err error
	if p.Fields, err = list("WithFields", cfg.fields); err != nil {
		return nil, err
	}
	if p.Omit, err = list("WithOmit", cfg.omit); err != nil {
		return nil, err
	}
	return p, nil
}

// DownloadURL returns the signed, short-lived URL of a run's export file (Download Run),
// once the export is done (Run.ExportDone; Runs.Wait waits for it). Before that it is an
// *Error for which IsNotFound is true. Fetch the URL without the API's Authorization header
// (Runs.Download does).
func (s *RunsService) DownloadURL(ctx context.Context, hash string, opts ...DownloadOption) (string, error) {
	return s.downloadURL(ctx, "Runs.DownloadURL", hash, newDownloadConfig(s.client, opts))
}

func (s *RunsService) downloadURL(ctx context.Context, op, hash string, cfg downloadConfig) (string, error) {
	c := s.client
	if err := checkHash(op, "hash", hash); err != nil {
		return "", err
	}
	params, err := cfg.params(op)
	if err != nil {
		return "", err
	}
	d, err := send(ctx, c, request{op: op, retryable: true, build: func(base string) (*http.Request, error) {
		return gen.NewGetRunDownloadRequest(base, hash, params)
	}}, "a download link (no s3 URL; the file may still be processing: try again later)", func(d *RunDownload) bool { return d.S3 != "" })
	if err != nil {
		return "", err
	}
	return d.S3, nil
}

// ErrIncompleteDownload is wrapped by the error of Runs.Download when the file ended before
// the length its host announced, or the connection broke off: what was written is not the
// whole file.
var ErrIncompleteDownload = errors.New("incomplete download")

// FileError is an answer of the file host other than 200 (an expired or refused signed URL,
// a missing file). Code and Message come from its S3-style XML body when it has one.
type FileError struct {
	StatusCode int    // the HTTP status
	Code       string // "AccessDenied", "NoSuchKey", … ("" when the body had none)
	Message    string // the host's message, or the status text
	Host       string // the file host (the URL's signature is never shown)
}

// Error says what the file host answered.
func (e *FileError) Error() string {
	s := fmt.Sprintf("api: Runs.Download: the file host %s answered %d", e.Host, e.StatusCode)
	if e.Code != "" {
		s += " " + e.Code
	}
	return s + ": " + e.Message
}

// Download streams a run's export file into w and returns the bytes written. It gets the
// signed URL (Download Run; the run's export must be done) and fetches it in a request of
// its own, which never carries the API's token, on a client that drops any Authorization
// header on a redirect. It holds no more of the file than a 32 KiB buffer, whatever its size.
//
// A URL refused 403 (expired before it was used) is asked for again once. A body that ends
// short of its Content-Length, or a connection that breaks, is an error wrapping
// ErrIncompleteDownload, never a silent truncation: the bytes written so far are counted in
// the result, and w must be thrown away. A stream that stalls for the stall timeout
// (WithStallTimeout; the client's WithTimeout by default) is cut; the whole transfer has no
// time limit but ctx. Any other answer of the file host is a *FileError.
func (s *RunsService) Download(ctx context.Context, hash string, w io.Writer, opts ...DownloadOption) (int64, error) {
	const op = "Runs.Download"
	if w == nil {
		return 0, argError(op, "w", "nil; give a writer for the file")
	}
	if ctx == nil {
		return 0, fmt.Errorf("api: %s: nil context", op)
	}
	cfg := newDownloadConfig(s.client, opts)
	for attempt := 0; ; attempt++ {
		link, err := s.downloadURL(ctx, op, hash, cfg)
		if err != nil {
			return 0, err
		}
		n, err := s.client.fetchFile(ctx, link, w, cfg.stall)
		var fe *FileError
		if attempt == 0 && n == 0 && errors.As(err, &fe) && fe.StatusCode == http.StatusForbidden {
			continue // expired (or refused) before a byte: a new URL, once
		}
		return n, err
	}
}

// errStalled is the cause of a download cut because no bytes came for the stall timeout.
var errStalled = errors.New("stalled")

// fetchFile GETs a signed file URL without the API's token and copies its body into w.
func (c *Client) fetchFile(ctx context.Context, link string, w io.Writer, stall time.Duration) (int64, error) {
	const op = "Runs.Download"
	u, err := url.Parse(link)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return 0, fmt.Errorf("api: %s: the API gave a download link that is not an http(s) URL", op)
	}
	host := u.Host
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	var watchdog *time.Timer
	if stall > 0 {
		watchdog = time.AfterFunc(stall, func() { cancel(errStalled) })
		defer watchdog.Stop()
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, link, nil)
	if err != nil {
		return 0, fmt.Errorf("api: %s: building the request to %s: %w", op, host, err)
	}
	if c.userAgent != nil {
		req.Header["User-Agent"] = c.userAgent
	}
	// Never an Authorization header: not here, not on a redirect.
	fc := &http.Client{Transport: c.hc.Transport, CheckRedirect: fileRedirect, Jar: nil}
	res, err := fc.Do(req)
	if err != nil {
		return 0, fetchError(ctx, op, host, stall, stripURL(err))
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		body, _ := io.ReadAll(io.LimitReader(res.Body, 4<<10))
		return 0, parseFileError(res.StatusCode, host, body)
	}
	var body io.Reader = res.Body
	if watchdog != nil {
		body = &stallReader{r: res.Body, t: watchdog, d: stall}
	}
	buf := make([]byte, 32<<10)
	n, err := io.CopyBuffer(onlyWriter{w}, body, buf)
	if err != nil {
		var we *writeError
		if errors.As(err, &we) {
			return n, fmt.Errorf("api: %s: writing the file after %d bytes: %w", op, n, we.err)
		}
		return n, fetchError(ctx, op, host, stall, fmt.Errorf("after %d bytes: %w: %w", n, ErrIncompleteDownload, err))
	}
	if res.ContentLength >= 0 && n != res.ContentLength {
		return n, fmt.Errorf("api: %s: %s sent %d of the %d bytes it announced: %w", op, host, n, res.ContentLength, ErrIncompleteDownload)
	}
	return n, nil
}

// fetchError names the cause of a failed file transfer: a stall, the context, or the network.
func fetchError(ctx context.Context, op, host string, stall time.Duration, err error) error {
	if errors.Is(context.Cause(ctx), errStalled) {
		return fmt.Errorf("api: %s: %s: no bytes for %v (WithStallTimeout): %w", op, host, stall, err)
	}
	return fmt.Errorf("api: %s: %s: %w", op, host, err)
}

// stripURL drops the URL (and its signature) from a transport error, keeping its cause.
func stripURL(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err
	}
	return err
}

// fileRedirect follows a file host's redirect without any Authorization header, and at most
// 10 of them.
func fileRedirect(req *http.Request, via []*http.Request) error {
	if len(via) >= 10 {
		return errors.New("stopped after 10 redirects")
	}
	req.Header.Del("Authorization")
	req.Header.Del("Cookie")
	return nil
}

var s3Field = regexp.MustCompile(`<(Code|Message)>([^<]{0,300})</`)

// parseFileError makes a *FileError of a file host's answer.
func parseFileError(status int, host string, body []byte) *FileError {
	e := &FileError{StatusCode: status, Host: host}
	for _, m := range s3Field.FindAllSubmatch(body, -1) {
		switch string(m[1]) {
		case "Code":
			e.Code = strings.TrimSpace(string(m[2]))
		case "Message":
			e.Message = strings.TrimSpace(string(m[2]))
		}
	}
	if e.Message == "" {
		e.Message = http.StatusText(status)
		if e.Message == "" {
			e.Message = "no message"
		}
	}
	e.Message = clip(e.Message, 200)
	return e
}

// stallReader pushes the watchdog back at every read that brings bytes.
type stallReader struct {
	r io.Reader
	t *time.Timer
	d time.Duration
}

// Read reads from the body and resets the stall timer when bytes came.
func (s *stallReader) Read(p []byte) (int, error) {
	n, err := s.r.Read(p)
	if n > 0 {
		s.t.Reset(s.d)
	}
	return n, err
}

// onlyWriter hides w's ReadFrom, so that the copy goes through the stall reader, and tells
// a write's failure apart from a read's.
type onlyWriter struct{ w io.Writer }

type writeError struct{ err error }

func (e *writeError) Error() string { return e.err.Error() }
func (e *writeError) Unwrap() error { return e.err }

// Write writes to w, marking a failure as the writer's.
func (o onlyWriter) Write(p []byte) (int, error) {
	n, err := o.w.Write(p)
	if err != nil {
		return n, &writeError{err}
	}
	return n, nil
}
