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

	// MaxTaskBytes bounds one task's params, as JSON: a task of Add Tasks over it is answered
	// 413 {"detail": "Task N is larger than 8192 bytes as JSON."} and the batch adds
	// nothing; a row of an uploaded file over it counts as invalid. A page of List Tasks
	// (100 tasks at most) therefore stays under a megabyte.
	MaxTaskBytes = 8 << 10

	// MaxStoredBytes bounds what the fake stores of tasks in all: each task's params as
	// JSON plus TaskOverhead. Add Tasks that would store more is answered 413 {"detail":
	// "The fake stores at most 67108864 bytes of tasks: delete tasks or squids first."} and
	// adds nothing; an upload that would is finished in state FAILURE, meta null, and
	// inserts nothing. Deleting tasks or squids gives the room back.
	MaxStoredBytes = 64 << 20

	// TaskOverhead is what a task counts against MaxStoredBytes besides its params: its
	// record, its hash and its entries in the fake's indexes.
	TaskOverhead = 512

	// MaxConcurrentReads bounds the GET requests of the API that one fake works on at once
	// (the operation, the check of its answer against the document and the answer's
	// write): a page of List Tasks is up to a megabyte, and checking it costs several, so
	// 100 concurrent lists would hold hundreds of megabytes. Others wait for their turn as
	// long as their client does; a client that does not read its answer holds its turn at
	// most WriteTimeout. The file host's downloads, streamed, do not count.
	MaxConcurrentReads = 8

	// WriteTimeout bounds the write of a GET answer of the API (see MaxConcurrentReads).
	WriteTimeout = 30 * time.Second

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

// enterRead waits for a turn for a GET request of the API, with the write deadline
// WriteTimeout, and returns what ends it; ok is false when the request's context ended
// first. Other requests pass at once.
func (f *Fake) enterRead(w http.ResponseWriter, r *http.Request) (leave func(), ok bool) {
	readGate := f.readGate()
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		return func() {}, true
	}
	select {
	case readGate <- struct{}{}:
	case <-r.Context().Done():
		return nil, false
	}
	rc := http.NewResponseController(w)
	_ = rc.SetWriteDeadline(time.Now().Add(WriteTimeout)) // not supported by a recorder: no bound needed there
	return func() {
		_ = rc.SetWriteDeadline(time.Time{}) // the connection may serve other requests
		<-readGate
	}, true
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

// readGate admits MaxConcurrentReads GET requests of the API at once, for one fake: the
// fakes of a process (tests in parallel) do not wait for each other.
func (f *Fake) readGate() chan struct{} {
	f.gateOnce.Do(func() { f.gate = make(chan struct{}, MaxConcurrentReads) })
	return f.gate
}
