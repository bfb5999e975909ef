package api_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"sync"
	"testing"

	"github.com/lobstr-go/lobstr/api"
	"github.com/lobstr-go/lobstr/api/apitest"
)

// bubbleFake is a fake for a test in a synctest bubble: served through api.InProcTransport,
// every violation of the document failing t. It returns the fake, the base URL and token
// to give the client, and the transport.
func bubbleFake(t *testing.T, opts ...apitest.Option) (f *apitest.Fake, baseURL, token string, rt http.RoundTripper) {
	t.Helper()
	const tok = "bubble-token"
	all := append([]apitest.Option{apitest.WithToken(tok), apitest.WithViolationHandler(func(v apitest.Violation) { t.Errorf("apitest: %v", v) })}, opts...)
	f = apitest.New(all...)
	return f, "http://127.0.0.1/v1", tok, api.InProcTransport(f)
}

// streamTransport serves requests with in-process handlers, chosen by the request's host, as
// api.InProcTransport does, but streams each answer through a pipe: the response returns at the
// handler's first write (or WriteHeader, or Flush), and the body is read as the handler writes
// it. It is for a synctest bubble where what is tested is the pace of a body (a stalled or a
// slow stream): the handler's sleeps and the client's watchdog are then on the bubble's
// clock. When the request's context ends, the body ends with its error, and the handler's
// request context is done, as a server's would be.
type streamTransport map[string]http.Handler

// RoundTrip starts the handler of req's host in a goroutine and returns its answer once it
// has begun.
func (st streamTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	h, ok := st[req.URL.Host]
	if !ok {
		return nil, fmt.Errorf("streamTransport: no handler for host %q", req.URL.Host)
	}
	r := req.Clone(req.Context())
	if r.Body == nil {
		r.Body = http.NoBody
	}
	r.RequestURI = req.URL.RequestURI()
	r.RemoteAddr = "127.0.0.1:40000"
	if r.Host == "" {
		r.Host = req.URL.Host
	}
	pr, pw := io.Pipe()
	w := &streamWriter{header: http.Header{}, pw: pw, ready: make(chan struct{})}
	stop := context.AfterFunc(req.Context(), func() { pr.CloseWithError(context.Cause(req.Context())) })
	go func() {
		defer stop()
		h.ServeHTTP(w, r)
		w.WriteHeader(http.StatusOK) // no-op when the handler wrote
		// A handler that ended because the request's context did (a client gone) ended no
		// answer: the reader gets the context's error, as from a transport, never an EOF.
		if err := context.Cause(req.Context()); err != nil {
			pw.CloseWithError(err)
			return
		}
		pw.Close()
	}()
	select {
	case <-w.ready:
	case <-req.Context().Done():
		pr.CloseWithError(req.Context().Err())
		return nil, req.Context().Err()
	}
	res := &http.Response{
		Status: fmt.Sprintf("%d %s", w.code, http.StatusText(w.code)), StatusCode: w.code,
		Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1,
		Header: w.sent, Body: pr, ContentLength: -1, Request: req,
	}
	if n, err := strconv.ParseInt(w.sent.Get("Content-Length"), 10, 64); err == nil {
		res.ContentLength = n
	}
	return res, nil
}

// streamWriter is the http.ResponseWriter of streamTransport: its body goes to a pipe.
type streamWriter struct {
	header http.Header
	sent   http.Header // the header when the answer began
	code   int
	once   sync.Once
	pw     *io.PipeWriter
	ready  chan struct{} // closed when the answer begins
}

func (w *streamWriter) Header() http.Header { return w.header }

// WriteHeader begins the answer with code; later calls do nothing.
func (w *streamWriter) WriteHeader(code int) {
	w.once.Do(func() {
		w.code, w.sent = code, w.header.Clone()
		close(w.ready)
	})
}

// Write begins the answer (200) if needed and writes b to the body, waiting for the reader.
func (w *streamWriter) Write(b []byte) (int, error) {
	w.WriteHeader(http.StatusOK)
	return w.pw.Write(b)
}

// Flush begins the answer (200) if needed; the body is unbuffered.
func (w *streamWriter) Flush() { w.WriteHeader(http.StatusOK) }
