package api

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// request is one API call: how to build its HTTP request (again for each attempt) and
// whether it may be retried.
type request struct {
	op        string // the operation, for error messages: "Tasks.Get"
	build     func(base string) (*http.Request, error)
	retryable bool // the request can be sent again safely (idempotent, or de-duplicated by the server)
}

// response is a successful answer: status, headers and the whole (capped) body.
type response struct {
	status int
	header http.Header
	body   []byte
}

// do sends r with pacing and retries and returns the 2xx answer, or an error: *Error for
// any other status, or a transport error wrapped with the operation's name.
func (c *Client) do(ctx context.Context, r request) (response, error) {
	if ctx == nil {
		return response{}, fmt.Errorf("api: %s: nil context", r.op)
	}
	for attempt := 0; ; attempt++ {
		resp, family, err := c.attempt(ctx, r)
		if err == nil {
			return resp, nil
		}
		if !r.retryable || attempt >= c.retry.max {
			return response{}, err
		}
		wait, retry := c.retry.decide(err, attempt)
		if !retry {
			return response{}, err
		}
		if ctx.Err() != nil {
			return response{}, stoppedRetrying(ctx, r.op, err)
		}
		if dl, ok := ctx.Deadline(); ok && time.Until(dl) < wait {
			return response{}, err // the context would end before the retry: give the caller the answer now
		}
		if c.onWait != nil {
			c.onWait(family, wait, retryReason(err))
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return response{}, stoppedRetrying(ctx, r.op, err)
		case <-t.C:
		}
	}
}

// stoppedRetrying is the error of a call whose context ended when err would have been
// retried. Both stay visible: errors.Is(err, context.Canceled) and errors.As(err, **Error).
func stoppedRetrying(ctx context.Context, op string, err error) error {
	if errors.Is(err, ctx.Err()) {
		return err // the failure was the context ending
	}
	return fmt.Errorf("api: %s: %w before a retry of: %w", op, ctx.Err(), err)
}

// attempt sends r once, when the limiter grants it, and tells the limiter what became of it.
// It returns the request's endpoint family too.
func (c *Client) attempt(ctx context.Context, r request) (_ response, family string, _ error) {
	req, err := r.build(c.base)
	if err != nil {
		return response{}, FamilyOther, fmt.Errorf("api: %s: building the request: %w", r.op, err)
	}
	family = familyOf(strings.TrimPrefix(req.URL.Path, c.basePath))
	var out Outcome // for the limiter
	if c.limiter != nil {
		p, err := c.limiter.Acquire(ctx, LimitRequest{Key: c.tokenKey, Family: family, MaxWait: c.retry.maxWait})
		if err != nil {
			if req.Body != nil {
				req.Body.Close() // never sent
			}
			var e *Error
			if errors.As(err, &e) {
				return response{}, family, e
			}
			return response{}, family, fmt.Errorf("api: %s: %w", r.op, err)
		}
		defer func() { p.Release(out) }()
	}
	resp, err := c.send(ctx, r, req, &out)
	return resp, family, err
}

// send sends req, the request of r, and reads its answer, noting in out what the limiter
// needs.
func (c *Client) send(ctx context.Context, r request, req *http.Request, out *Outcome) (response, error) {
	if dl, ok := ctx.Deadline(); c.timeout > 0 && (!ok || time.Until(dl) > c.timeout) {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, c.timeout)
		defer cancel()
	}
	req = req.WithContext(ctx)
	if req.Body != nil {
		// The transport waits for a body's Read before it gives up on a request; a body that
		// blocks (an upload from a pipe) would hold the request past its context. Closing the
		// body when the context ends unblocks it (see Tasks.Upload).
		body := req.Body
		stop := context.AfterFunc(ctx, func() {
			if p, ok := body.(interface{ CloseWithError(error) error }); ok {
				p.CloseWithError(ctx.Err()) // the transport's error then says why
				return
			}
			body.Close()
		})
		defer stop()
	}
	// The header values are shared read-only slices: no allocation per request.
	req.Header["Authorization"] = c.cred.values
	req.Header["Accept"] = acceptJSON
	if c.userAgent != nil {
		req.Header["User-Agent"] = c.userAgent
	}
	out.Sent = true
	sentAt := time.Now()
	res, err := c.hc.Do(req)
	if err != nil {
		if ce := ctx.Err(); ce != nil && !errors.Is(err, ce) {
			err = fmt.Errorf("%w: %w", ce, err) // the body failed because the context ended
		}
		return response{}, &transportError{op: r.op, method: req.Method, path: req.URL.Path, err: err}
	}
	defer res.Body.Close()
	out.Answered = true
	out.Rate, out.Skew = c.noteRate(res.Header), serverSkew(res.Header, sentAt, time.Now())
	failed := res.StatusCode < 200 || res.StatusCode > 299
	limit := c.maxBody
	if failed {
		limit = min(limit, maxErrorBody) // all of an error body an *Error keeps
	}
	body, err := readCapped(res.Body, res.ContentLength, limit, failed)
	truncated := failed && errors.Is(err, errBodyTooLarge)
	if truncated {
		err = nil // an error answer keeps its status, its body cut at the cap
	}
	if err != nil {
		if errors.Is(err, errBodyTooLarge) {
			return response{}, fmt.Errorf("api: %s: %s %s: %d response body exceeds %d bytes (WithMaxBodySize)", r.op, req.Method, req.URL.Path, res.StatusCode, c.maxBody)
		}
		return response{}, &transportError{op: r.op, method: req.Method, path: req.URL.Path, err: fmt.Errorf("reading the %d response body: %w", res.StatusCode, err)}
	}
	body = c.cred.redactBytes(body) // a server that echoes the token gives it back to no one
	if truncated {
		body = c.cred.trimPartialSecret(body)
	}
	if failed {
		e := ParseError(res.StatusCode, res.Header, body)
		e.Method, e.Path = req.Method, req.URL.Path
		c.cred.redactError(e)
		if e.RetryAfter > maxBelievedRetryAfter {
			e.RetryAfter = 0 // not believed (see WithMaxRetryWait)
		}
		if res.StatusCode == http.StatusTooManyRequests {
			out.Limited = e
		}
		return response{}, e
	}
	captureBody(ctx, res.StatusCode, body) // raw.go: CaptureBody
	return response{status: res.StatusCode, header: res.Header, body: body}, nil
}

var acceptJSON = []string{"application/json"}

var errBodyTooLarge = errors.New("body too large")

// readCapped reads all of r, failing with errBodyTooLarge when it holds more than limit bytes
// (with the first limit bytes beside the error when keepPrefix is set, nil otherwise). size is
// the announced length (-1 when unknown): a body that ends before it is io.ErrUnexpectedEOF,
// one announced over limit is refused before a read unless keepPrefix is set. The buffer grows
// as bytes arrive: an announced length is never allocated ahead of the bytes themselves
// beyond 64 KiB.
func readCapped(r io.Reader, size, limit int64, keepPrefix bool) ([]byte, error) {
	if size > limit && !keepPrefix {
		return nil, errBodyTooLarge
	}
	initial := int64(512)
	if size >= 0 {
		initial = min(size, 64<<10) + 1 // +1: room to read the end without growing
	}
	// The buffer never grows past limit+1 bytes, which bounds every read.
	b := make([]byte, 0, min(initial, limit+1))
	for int64(len(b)) <= limit {
		if len(b) == cap(b) {
			nb := make([]byte, len(b), min(max(2*int64(cap(b)), 512), limit+1))
			copy(nb, b)
			b = nb
		}
		n, err := r.Read(b[len(b):cap(b)])
		b = b[:len(b)+n]
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, err
		}
	}
	if int64(len(b)) > limit {
		if keepPrefix {
			return b[:limit], errBodyTooLarge
		}
		return nil, errBodyTooLarge
	}
	if size >= 0 && int64(len(b)) < size {
		return nil, io.ErrUnexpectedEOF
	}
	return b, nil
}

// transportError is a request that got no HTTP answer, or an answer that broke off.
type transportError struct {
	op, method, path string
	err              error
}

// Error says which call failed and why.
func (e *transportError) Error() string {
	return fmt.Sprintf("api: %s: %s %s: %v", e.op, e.method, e.path, e.err)
}

// Unwrap returns the network's error.
func (e *transportError) Unwrap() error { return e.err }

// noteRate records the rate-limit headers of a response, and returns them (nil when the
// response had none).
func (c *Client) noteRate(h http.Header) *RateLimit {
	// The keys in canonical form: Header.Get then finds them without a copy.
	lim, err1 := strconv.Atoi(h.Get("X-Ratelimit-Limit"))
	rem, err2 := strconv.Atoi(h.Get("X-Ratelimit-Remaining"))
	if err1 != nil || err2 != nil {
		return nil
	}
	rl := RateLimit{Limit: lim, Remaining: rem}
	if reset, err := strconv.ParseInt(h.Get("X-Ratelimit-Reset"), 10, 64); err == nil && reset > 0 {
		rl.Reset = time.Unix(reset, 0)
	}
	c.mu.Lock()
	c.rate = rl
	c.mu.Unlock()
	return &rl
}

// send makes the call r and decodes its 2xx body into a new T. A body that decodes but
// lacks what every T has (complete reports that) is an error naming what it is not, so a
// caller never gets a zero value in place of an answer.
func send[T any](ctx context.Context, c *Client, r request, what string, complete func(*T) bool) (*T, error) {
	resp, err := c.do(ctx, r)
	if err != nil {
		return nil, c.cred.redactError(err)
	}
	v := new(T)
	if err := decode(r.op, resp, v); err != nil {
		return nil, c.cred.redactError(err)
	}
	if !complete(v) {
		return nil, fmt.Errorf("api: %s: the %d response is not %s", r.op, resp.status, what)
	}
	return v, nil
}

// decode unmarshals a success body into v, naming the operation on failure: a malformed or
// truncated body is an error, never a zero value.
func decode(op string, resp response, v any) error {
	if len(resp.body) == 0 {
		return fmt.Errorf("api: %s: the %d response has an empty body", op, resp.status)
	}
	if err := json.Unmarshal(resp.body, v); err != nil {
		return fmt.Errorf("api: %s: the %d response is not the documented JSON: %w", op, resp.status, err)
	}
	return nil
}
