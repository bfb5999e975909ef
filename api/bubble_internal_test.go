package api

import (
	"net/http"
	"net/http/httptest"
	"testing"
	"time"
)

// inprocTransport serves requests with a handler in the same process, without a network:
// for a test in a testing/synctest bubble, where the fake's windows and the client's pacer,
// backoff and timers read the bubble's clock, which moves only when every goroutine of the
// bubble waits. A test there measures the client's waits, never how busy the machine is.
// The external tests use it too, as InProcTransport.
type inprocTransport struct{ h http.Handler }

// InProcTransport is inprocTransport for the external tests (package api_test), which
// share this test binary: handler serves every request.
func InProcTransport(handler http.Handler) http.RoundTripper { return inprocTransport{handler} }

// RoundTrip hands req to the handler as a server would and returns what it wrote.
func (t inprocTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	r := req.Clone(req.Context())
	if r.Body == nil {
		r.Body = http.NoBody
	}
	r.RequestURI = req.URL.RequestURI()
	r.RemoteAddr = "127.0.0.1:40000"
	if r.Host == "" {
		r.Host = req.URL.Host
	}
	rec := httptest.NewRecorder()
	t.h.ServeHTTP(rec, r)
	res := rec.Result()
	res.Request = req
	return res, nil
}

// bubbleBase is the base URL of a client served by inprocTransport.
const bubbleBase = "http://127.0.0.1/v1"

// newScriptedBubble is newScripted for a test in a synctest bubble: the scripted server is
// served through inprocTransport, and the client's base URL is bubbleBase.
func newScriptedBubble(t *testing.T, steps ...http.HandlerFunc) (*scripted, *Client, http.RoundTripper) {
	t.Helper()
	s := &scripted{steps: steps}
	rt := inprocTransport{s}
	c, err := NewClient(WithToken("tok"), WithBaseURL(bubbleBase), WithHTTPClient(&http.Client{Transport: rt}),
		WithRetryBackoff(time.Millisecond, 5*time.Millisecond), WithoutPacing())
	if err != nil {
		t.Fatal(err)
	}
	return s, c, rt
}
