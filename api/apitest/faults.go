package apitest

import (
	"net/http"
	"net/http/httptest"
	"strconv"
	"time"
)

// Fault replaces or disturbs the answer to one request.
type Fault struct {
	Status  int           // when not 0, answer this status with Body and Header instead of the API's answer
	Body    []byte        // the body of a Status answer (Content-Type application/json unless Header sets one)
	Header  http.Header   // headers of a Status answer, over the rate-limit headers it carries like any answer
	Delay   time.Duration // wait this long first (the request's context can end the wait)
	CutBody bool          // send the headers and half the body (of the Status answer, else of the API's), then close the connection
	Drop    bool          // close the connection without answering
}

// takesOver reports whether the fault replaces the normal answer (a Delay alone does not).
func (ft Fault) takesOver() bool { return ft.Status != 0 || ft.CutBody || ft.Drop }

// Script queues faults for the next requests to METHOD PATH (path as /v1/..., without the
// query): the first such request gets faults[0], the next faults[1], and so on; requests
// after the last fault are served normally. Scripting again appends to the queue.
//
// Scripted answers are not checked against the document: they are meant to break it.
// Drop and CutBody abort the handler with http.ErrAbortHandler, which an http.Server (and
// so NewServer and `lobstr mock`) turns into a closed connection. Note that Go's
// http.Transport sends an idempotent request (GET, DELETE) again by itself when a reused
// connection closes before any answer: a Drop may then be seen only as a retry.
func (f *Fake) Script(method, path string, faults ...Fault) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.scripts == nil {
		f.scripts = map[string][]Fault{}
	}
	key := method + " " + path
	f.scripts[key] = append(f.scripts[key], faults...)
}

// nextFault takes the next scripted fault of a request. f.mu is held.
func (f *Fake) nextFault(method, path string) (Fault, bool) {
	key := method + " " + path
	q := f.scripts[key]
	if len(q) == 0 {
		return Fault{}, false
	}
	if len(q) == 1 {
		delete(f.scripts, key)
	} else {
		f.scripts[key] = q[1:]
	}
	return q[0], true
}

// SetLatency delays every answer by d (0 turns it off).
func (f *Fake) SetLatency(d time.Duration) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.latency = d
}

// EnforceRateLimit allows limit requests per window (a minute when window is 0; tests
// shrink it): the rate-limit headers count against limit, and a request over it is
// answered 429 with Retry-After (seconds until the window resets, rounded up) and the
// documented rate-limit body. The count starts afresh. It is the shared window of every
// family without one of its own: not /v1/results, which counts in its documented window of
// 2 requests a second (EnforceFamilyRateLimit enforces that one).
func (f *Fake) EnforceRateLimit(limit int, window time.Duration) {
	if window <= 0 {
		window = time.Minute
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.rate = rateWindow{limit: limit, window: window, enforce: true}
}

// serveFault answers a request as its fault says.
func (f *Fake) serveFault(w http.ResponseWriter, r *http.Request, ft Fault, api http.Handler) {
	if ft.Drop {
		panic(http.ErrAbortHandler)
	}
	status, header, body := ft.Status, ft.Header.Clone(), ft.Body
	if status == 0 { // CutBody of the normal answer
		rec := httptest.NewRecorder()
		f.serveAPI(rec, r, api)
		status, header, body = rec.Code, rec.Header(), rec.Body.Bytes()
	} else { // the request counts in the window, and the answer says so; the fault's headers win
		setRateHeaders(w.Header(), f.takeQuota(r.URL.Path))
	}
	for k, v := range header {
		w.Header()[k] = v
	}
	if len(body) > 0 && w.Header().Get("Content-Type") == "" {
		w.Header().Set("Content-Type", "application/json")
	}
	if !ft.CutBody {
		w.WriteHeader(status)
		_, _ = w.Write(body)
		return
	}
	w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(status)
	_, _ = w.Write(body[:len(body)/2])
	_ = http.NewResponseController(w).Flush()
	panic(http.ErrAbortHandler)
}
