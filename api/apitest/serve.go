package apitest

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"path"
	"strconv"
	"strings"
	"time"

	"github.com/lobstr-go/lobstr/internal/specvalidate"
)

// RecordedRequest is one request the fake received.
type RecordedRequest struct {
	Method string
	Path   string // without the query; its first MaxLoggedBytes bytes
	Query  string // the raw query; its first MaxLoggedBytes bytes
	Time   time.Time
}

// Requests counts the requests received for "METHOD /path" (the path without its query,
// e.g. "GET /v1/tasks/c5e29d2aba8b77cdc56391e7405302de"), or all requests when
// methodAndPath is empty. Every request counts: refused, faulted and rate-limited ones too.
// Pairs are counted one by one for the first MaxCountedPaths distinct pairs, and for paths
// of at most MaxLoggedBytes; requests to others count only in the total.
func (f *Fake) Requests(methodAndPath string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	if methodAndPath == "" {
		return f.total
	}
	return f.counts[methodAndPath]
}

// maxLogged bounds RequestLog, for a fake that serves for long (lobstr mock).
const maxLogged = 10000

// RequestLog returns the requests received so far, oldest first: the last 10000.
func (f *Fake) RequestLog() []RecordedRequest {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.total <= maxLogged {
		return append([]RecordedRequest(nil), f.requests...)
	}
	oldest := f.total % maxLogged // the ring's next slot holds the oldest request
	return append(append([]RecordedRequest(nil), f.requests[oldest:]...), f.requests[:oldest]...)
}

// record notes a request. f.mu is held.
func (f *Fake) record(method, path, query string, at time.Time) {
	if f.counts == nil {
		f.counts = map[string]int{}
	}
	if len(method)+len(path) <= MaxLoggedBytes {
		key := method + " " + path // a new string: it does not keep the request's alive
		if _, ok := f.counts[key]; ok || len(f.counts) < MaxCountedPaths {
			f.counts[key]++
		}
	}
	r := RecordedRequest{Method: truncate(method), Path: truncate(path), Query: truncate(query), Time: at}
	if len(f.requests) < maxLogged {
		f.requests = append(f.requests, r)
	} else {
		f.requests[f.total%maxLogged] = r // a ring, once full
	}
	f.total++
}

// truncate returns the first MaxLoggedBytes bytes of s, as a copy that does not keep s's
// memory alive.
func truncate(s string) string {
	if len(s) > MaxLoggedBytes {
		s = s[:MaxLoggedBytes]
	}
	return strings.Clone(s)
}

// exchange is what the outer layers learned about a request, for the handlers.
type exchange struct {
	base string // scheme://host of the request, for absolute links
	quota
}

type exchangeKey struct{}

func exchangeFrom(ctx context.Context) *exchange {
	if ex, ok := ctx.Value(exchangeKey{}).(*exchange); ok {
		return ex
	}
	return &exchange{base: "http://localhost", quota: quota{limit: DefaultRateLimit, left: DefaultRateLimit}}
}

// serve runs the layers in front of the API: logging, recording, faults and latency, rate
// limit, then the token check, then api (validation and the operations).
func (f *Fake) serve(w http.ResponseWriter, r *http.Request, api http.Handler) {
	start := time.Now()
	limitBody(w, r)
	sw := &statusWriter{ResponseWriter: w}
	if f.logger != nil {
		defer func() {
			f.logger.LogAttrs(r.Context(), slog.LevelInfo, "request",
				slog.String("method", r.Method), slog.String("path", r.URL.Path),
				slog.Int("status", sw.status), slog.Duration("duration", time.Since(start)))
		}()
	}

	f.mu.Lock()
	f.record(r.Method, r.URL.Path, r.URL.RawQuery, start)
	fault, faulted := f.nextFault(r.Method, r.URL.Path)
	if !faulted {
		fault, faulted = f.randomFault() // failrate.go
	}
	latency := f.latency
	f.mu.Unlock()

	if !sleep(r.Context(), latency) {
		return
	}
	if faulted {
		if !sleep(r.Context(), fault.Delay) {
			return
		}
		if fault.takesOver() {
			f.serveFault(sw, r, fault, api)
			return
		}
	}
	f.serveAPI(sw, r, api)
}

// serveAPI is the fake without faults: rate limit, token, then the API.
func (f *Fake) serveAPI(w http.ResponseWriter, r *http.Request, api http.Handler) {
	ex := &exchange{base: "http://" + r.Host}
	if r.TLS != nil {
		ex.base = "https://" + r.Host
	}
	ex.quota = f.takeQuota(r.URL.Path)

	// The rate-limit headers of every answer: the operations' generated Visit methods write
	// them again from the same quota (see rateHeaders), the other answers keep these.
	h := w.Header()
	setRateHeaders(h, ex.quota)
	if ex.retryAfter > 0 {
		h.Set("Retry-After", strconv.Itoa(ex.retryAfter))
		f.answer(w, r, http.StatusTooManyRequests, fixtureRateLimit)
		return
	}
	if body := f.checkToken(r.Header.Get("Authorization")); body != nil && !public(r) {
		h.Set("WWW-Authenticate", "Token")
		f.answer(w, r, http.StatusUnauthorized, body)
		return
	}
	if !cleanPath(r.URL.Path) {
		// http.ServeMux would redirect to the cleaned path with an HTML page; the API answers
		// JSON, and no operation has a path with "//", "." or "..", or ending in "/". No
		// operation answers it either, so the answer is not checked against one (the
		// validator's router takes "/v1/squids/" for List Squids, which lists no 404).
		writeJSON(w, http.StatusNotFound, detail("Not found."))
		return
	}
	leave, ok := f.enterRead(w, r) // limits.go: MaxConcurrentReads
	if !ok {
		return
	}
	defer leave()
	api.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), exchangeKey{}, ex)))
}

// public reports whether r is to an operation that needs no token (Get Crawler
// Attributes): a token sent anyway, even a wrong one, is ignored.
func public(r *http.Request) bool {
	rest, ok := strings.CutPrefix(r.URL.Path, basePath+"/crawlers/")
	if !ok || r.Method != http.MethodGet {
		return false
	}
	hash, tail, _ := strings.Cut(rest, "/")
	return hash != "" && tail == "attributes"
}

// cleanPath reports whether p is a path of the API as the document writes them: absolute,
// without empty, "." or ".." segments, a trailing "/" (an empty last segment) included. The
// validator's router would take "/v1/squids/" for Get Squid of an empty hash and answer
// 400 "value is required but missing"; no operation's path ends in "/".
func cleanPath(p string) bool {
	if p == "" || p[0] != '/' {
		return false
	}
	return path.Clean(p) == p && (p == "/" || p[len(p)-1] != '/')
}

// takeQuota counts a request to path in its rate-limit window: its family's own window
// when EnforceFamilyRateLimit gave it one, else the shared one.
func (f *Fake) takeQuota(path string) quota {
	f.mu.Lock()
	defer f.mu.Unlock()
	if w, ok := f.families[FamilyOf(path)]; ok {
		return w.take(time.Now())
	}
	return f.rate.take(time.Now())
}

// The canonical forms of the rate-limit headers' names, to set them without
// canonicalizing on every request.
var (
	headerRateLimit     = http.CanonicalHeaderKey("X-RateLimit-Limit")
	headerRateRemaining = http.CanonicalHeaderKey("X-RateLimit-Remaining")
	headerRateReset     = http.CanonicalHeaderKey("X-RateLimit-Reset")
)

// setRateHeaders sets the rate-limit headers of q.
func setRateHeaders(h http.Header, q quota) {
	h[headerRateLimit] = []string{strconv.Itoa(q.limit)}
	h[headerRateRemaining] = []string{strconv.Itoa(q.left)}
	h[headerRateReset] = []string{strconv.FormatInt(q.reset, 10)}
}

// answer writes a JSON answer of the layers in front of the API (rate limit, token check),
// checked against the document like the API's own answers when validation is on.
func (f *Fake) answer(w http.ResponseWriter, r *http.Request, status int, body []byte) {
	w.Header().Set("Content-Type", "application/json")
	if f.validator != nil {
		err := f.validator.CheckResponse(r, status, w.Header(), body)
		if err != nil && !errors.Is(err, specvalidate.ErrNoOperation) {
			f.report(Violation{Kind: ResponseViolation, Method: r.Method, Path: r.URL.Path, Status: status, Err: err})
		}
	}
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

// The 401 answers' bodies.
var (
	bodyNoCredentials = []byte(`{"detail":"Authentication credentials were not provided."}` + "\n")
	bodyInvalidToken  = []byte(`{"detail":"Invalid token."}` + "\n")
)

// checkToken returns the body of the 401 answer to the Authorization header, or nil when
// it passes.
func (f *Fake) checkToken(header string) []byte {
	key, ok := strings.CutPrefix(header, "Token ")
	if !ok || key == "" {
		return bodyNoCredentials
	}
	if f.token != "" && key != f.token {
		return bodyInvalidToken
	}
	return nil
}

// sleep waits d, or until ctx is done; it reports whether the whole wait passed.
func sleep(ctx context.Context, d time.Duration) bool {
	if d <= 0 {
		return true
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}

// statusWriter remembers the status written, for the log line.
type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(status int) {
	if w.status == 0 {
		w.status = status
	}
	w.ResponseWriter.WriteHeader(status)
}

func (w *statusWriter) Write(p []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.ResponseWriter.Write(p)
}

// Unwrap gives http.ResponseController the underlying writer (to flush).
func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// detailBody is the general error shape: {"detail": "..."}.
type detailBody struct {
	Detail string `json:"detail"`
}

func detail(msg string) detailBody { return detailBody{Detail: msg} }

// writeJSON answers with v as JSON.
func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		status, b = http.StatusInternalServerError, []byte(`{"detail":"The fake could not encode its answer."}`)
	}
	writeRaw(w, status, append(b, '\n'))
}

// writeRaw answers with a JSON body as it is.
func writeRaw(w http.ResponseWriter, status int, body []byte) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

// notFound answers a request that no operation takes: 405 when the path has operations
// with other methods, else 404.
func notFound(mux *http.ServeMux, w http.ResponseWriter, r *http.Request) {
	var allowed []string
	for _, m := range []string{http.MethodGet, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete} {
		if m == r.Method {
			continue
		}
		probe := &http.Request{Method: m, URL: r.URL, Host: r.Host, Header: http.Header{}}
		if _, pattern := mux.Handler(probe); pattern != "" && pattern != "/" {
			allowed = append(allowed, m)
		}
	}
	if len(allowed) > 0 {
		w.Header().Set("Allow", strings.Join(allowed, ", "))
		writeJSON(w, http.StatusMethodNotAllowed, detail(`Method "`+r.Method+`" not allowed.`))
		return
	}
	writeJSON(w, http.StatusNotFound, detail("Not found."))
}
