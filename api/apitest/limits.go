package apitest

import (
	"net/http"
	"time"
)

// The fake's limits, so that a runaway or hostile client cannot make a test, or `lobstr
// mock`, hold memory or connections without bound. lobstr.io documents none of these
// numbers; each is far above what a legitimate client of the documented API sends.
const (
	// MaxJSONBody bounds the body of a request other than an upload (Add Tasks' JSON), in
	// bytes: 500 tasks, the client's batch, of 8 KiB each. A longer body is answered 413
	// {"detail": "The request body is larger than 4194304 bytes."} (the document's
	// PayloadTooLarge answer) after reading no more than that.
	MaxJSONBody = 4 << 20

	// MaxUploadBody bounds the multipart form of an Upload Tasks request, file included, in
	// bytes. A longer form is answered 413 like a long JSON body.
	MaxUploadBody = 32 << 20

	// MaxUploadRows bounds the rows of an uploaded file after its header line, blank lines
	// aside. A file with more is answered 413 {"detail": "The file has more than 100000
	// rows."}. The fake holds the distinct rows of an upload until it is finished, so this
	// bounds that memory as MaxUploadBody bounds the file's.
	MaxUploadRows = 100_000

	// MaxCountedPaths bounds the distinct "METHOD /path" pairs that Requests counts one by
	// one: requests to a pair first seen after that many count only in the total, as do
	// requests whose path is longer than MaxLoggedBytes.
	MaxCountedPaths = 10_000

	// MaxLoggedBytes is how much of a request's path, and of its query, RequestLog keeps.
	MaxLoggedBytes = 512
)

// The settings of the http.Server that HTTPServer returns (what `lobstr mock` serves on)
// and of NewServer's server. A request's headers must arrive within ReadHeaderTimeout and
// the whole request, body included, within ReadTimeout, after which the connection is
// closed (and the context of a request still being answered is cancelled); an idle
// keep-alive connection is closed after IdleTimeout. There is no write timeout, so that
// SetLatency and scripted delays work as long as they are shorter than ReadTimeout.
const (
	ReadHeaderTimeout = 10 * time.Second
	ReadTimeout       = 30 * time.Second
	IdleTimeout       = 60 * time.Second
	MaxHeaderBytes    = 64 << 10 // request line and headers, in bytes: 431 beyond
)

// HTTPServer returns an http.Server that serves f on addr with the fake's timeouts and
// limits (ReadHeaderTimeout, ReadTimeout, IdleTimeout, MaxHeaderBytes). Its Handler may be
// replaced by one that wraps f.
func (f *Fake) HTTPServer(addr string) *http.Server {
	s := &http.Server{Addr: addr, Handler: f}
	configure(s)
	return s
}

// configure sets the fake's timeouts and limits on s.
func configure(s *http.Server) {
	s.ReadHeaderTimeout = ReadHeaderTimeout
	s.ReadTimeout = ReadTimeout
	s.IdleTimeout = IdleTimeout
	s.MaxHeaderBytes = MaxHeaderBytes
}

// limitBody bounds the body of r: MaxUploadBody for Upload Tasks, else MaxJSONBody. Past
// the bound, reads fail with an *http.MaxBytesError and the server closes the connection
// after the answer.
func limitBody(w http.ResponseWriter, r *http.Request) {
	if r.Body == nil || r.Body == http.NoBody {
		return
	}
	limit := int64(MaxJSONBody)
	if r.Method == http.MethodPost && r.URL.Path == basePath+"/tasks/upload" {
		limit = MaxUploadBody
	}
	r.Body = http.MaxBytesReader(w, r.Body, limit)
}
