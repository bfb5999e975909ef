package api_test

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/lobstr-go/lobstr/api/apitest"
)

// handlerTransport serves requests with a handler in the same process, without a network:
// in a testing/synctest bubble, where the fake's windows and the client's pacer both read
// the bubble's clock, which moves only when every goroutine waits. A test of pacing then
// counts the requests of each window of that clock: what it measures is the pacer's
// decisions, never how busy the machine is.
type handlerTransport struct{ h http.Handler }

// RoundTrip hands req to the handler as a server would (a body, a RequestURI, a remote
// address) and returns what the handler wrote.
func (t handlerTransport) RoundTrip(req *http.Request) (*http.Response, error) {
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

// bubbleFake is a fake for a test in a synctest bubble: served through handlerTransport,
// every violation of the document failing t. It returns the fake, the base URL and token
// to give the client, and the transport.
func bubbleFake(t *testing.T, opts ...apitest.Option) (f *apitest.Fake, baseURL, token string, rt http.RoundTripper) {
	t.Helper()
	const tok = "bubble-token"
	all := append([]apitest.Option{apitest.WithToken(tok), apitest.WithViolationHandler(func(v apitest.Violation) { t.Errorf("apitest: %v", v) })}, opts...)
	f = apitest.New(all...)
	return f, "http://127.0.0.1/v1", tok, handlerTransport{f}
}
