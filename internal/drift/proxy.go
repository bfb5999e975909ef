package drift

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"strconv"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"

	"github.com/lobstr-go/lobstr/internal/specvalidate"
	"github.com/lobstr-go/lobstr/openapi"
)

// ViolationsPath is where a Proxy answers GET with the violations seen so far, as a JSON
// array of Violation, and in the header X-Lobstr-Dropped how many were dropped past
// MaxViolations.
const ViolationsPath = "/_lobstr/violations"

// Limits of the bodies the proxy reads to check them.
const (
	maxRequestBody  = 32 << 20
	maxResponseBody = 64 << 20
)

// Config configures a Proxy.
type Config struct {
	// Upstream is the base URL the document's server stands for, such as
	// https://api.lobstr.io/v1: a request for /v1/tasks goes to Upstream + /tasks. It must be
	// https, or http on a loopback host: the caller's token travels to it.
	Upstream string
	// Report, when not nil, is called once for each new violation.
	Report func(Violation)
	// Recorder, when not nil, saves each distinct answer as a fixture.
	Recorder *Recorder
	// Transport carries the requests to the upstream; nil means http.DefaultTransport.
	Transport http.RoundTripper
}

// Proxy forwards requests to the upstream, answers with the upstream's answers unchanged,
// and checks both against the document. It never changes an answer because of a
// violation: it reports it.
type Proxy struct {
	monitor   *Monitor
	validator *specvalidate.Validator
	base      *url.URL // the upstream
	prefix    string   // the path of the document's server, /v1
	rp        *httputil.ReverseProxy
	recorder  *Recorder
	columns   *columnWatch
	bounds    bounds
	checking  *budget // the answers held to be checked (bounds.body)
	probing   *budget // the first bytes of answers of unknown length (bounds.probing)
}

// New returns a Proxy for cfg.
func New(cfg Config) (*Proxy, error) {
	return newProxy(cfg, defaultBounds)
}

// newProxy returns a Proxy for cfg that holds answers within b.
func newProxy(cfg Config, b bounds) (*Proxy, error) {
	base, err := parseUpstream(cfg.Upstream)
	if err != nil {
		return nil, err
	}
	doc, err := openapi.Load()
	if err != nil {
		return nil, err
	}
	v, err := specvalidate.Default()
	if err != nil {
		return nil, err
	}
	prefix := ""
	if len(doc.Servers) > 0 {
		if u, err := url.Parse(doc.Servers[0].URL); err == nil {
			prefix = strings.TrimSuffix(u.Path, "/")
		}
	}
	p := &Proxy{monitor: NewMonitor(cfg.Report), validator: v, base: base, prefix: prefix, recorder: cfg.Recorder, bounds: b, checking: newBudget(int(b.body)), probing: newBudget(b.probing),
		columns: newColumnWatch(operation(doc, "listResults"), upstreamLookup(base, cfg.Transport))}
	p.rp = &httputil.ReverseProxy{
		Rewrite:        p.rewrite,
		Transport:      cfg.Transport,
		ModifyResponse: p.modifyResponse,
		ErrorHandler:   p.upstreamError,
	}
	return p, nil
}

// operation is the document's operation of an operationId, or nil.
func operation(doc *openapi3.T, id string) *openapi3.Operation {
	for _, item := range doc.Paths.Map() {
		for _, op := range item.Operations() {
			if op.OperationID == id {
				return op
			}
		}
	}
	return nil
}

// parseUpstream checks the --proxy URL.
func parseUpstream(s string) (*url.URL, error) {
	u, err := url.Parse(s)
	if err != nil || u.Host == "" || (u.Scheme != "https" && u.Scheme != "http") {
		return nil, fmt.Errorf("upstream %q: want an absolute http(s) URL such as https://api.lobstr.io/v1", s)
	}
	if u.User != nil {
		return nil, fmt.Errorf("upstream %s: want a base URL without credentials (the caller's token is forwarded)", u.Redacted())
	}
	if u.RawQuery != "" || u.Fragment != "" {
		return nil, fmt.Errorf("upstream %q: want a base URL without query or fragment", s)
	}
	if u.Scheme == "http" && !isLoopback(u.Hostname()) {
		return nil, fmt.Errorf("upstream %q: plain http off loopback would send the token in clear; use https", s)
	}
	u.Path = strings.TrimSuffix(u.Path, "/")
	u.RawPath = ""
	return u, nil
}

func isLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// Violations returns the violations seen so far, in the order first seen.
func (p *Proxy) Violations() []Violation { return p.monitor.Violations() }

// exchangeKey carries what ModifyResponse needs from ServeHTTP.
type exchangeKey struct{}

type exchange struct {
	route     *openapi3.Operation
	operation string
	method    string
	path      string
	secrets   []string
	params    map[string]string // the path parameters
	query     url.Values
	auth      string // the caller's Authorization, for the lookups of the column watch
}

// ServeHTTP forwards r, or answers GET ViolationsPath itself.
func (p *Proxy) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path == ViolationsPath {
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			w.Header().Set("Allow", "GET, HEAD")
			writeDetail(w, http.StatusMethodNotAllowed, fmt.Sprintf("Method %q not allowed.", r.Method))
			return
		}
		list := p.Violations()
		if list == nil {
			list = []Violation{}
		}
		b, _ := json.MarshalIndent(list, "", "  ")
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Cache-Control", "no-store")
		w.Header().Set("X-Lobstr-Dropped", strconv.Itoa(p.monitor.Dropped()))
		_, _ = w.Write(append(b, '\n'))
		return
	}
	if r.URL.Path != p.prefix && !strings.HasPrefix(r.URL.Path, p.prefix+"/") {
		writeDetail(w, http.StatusNotFound, fmt.Sprintf("Not found: the proxy forwards %s/... only.", p.prefix))
		return
	}
	ex := &exchange{method: r.Method, secrets: secretsOf(r.Header.Get("Authorization")), query: r.URL.Query(),
		auth: r.Header.Get("Authorization")}
	ex.path = scrub(r.URL.Path, ex.secrets)
	if r.Body != nil {
		r.Body = http.MaxBytesReader(w, r.Body, maxRequestBody)
	}
	route, params, err := p.validator.Route(r)
	if err != nil {
		ex.operation = r.Method + " " + ex.path
		p.monitor.add(ex.operation, "", r.Method, ex.path, 0, []finding{{in: InRequestPath, kind: UnknownOperation,
			message: "no operation of the document matches the method and path"}})
	} else {
		ex.route, ex.operation, ex.params = route.Operation, route.Operation.OperationID, params
		fs, err := checkRequest(r, route.Operation, func(in *openapi3filter.RequestValidationInput) error {
			in.Route, in.PathParams = route, params
			return openapi3filter.ValidateRequest(r.Context(), in)
		})
		if tooLarge := (*http.MaxBytesError)(nil); errors.As(err, &tooLarge) {
			writeDetail(w, http.StatusRequestEntityTooLarge, fmt.Sprintf("The request body is larger than %d bytes.", tooLarge.Limit))
			return
		}
		p.monitor.add(ex.operation, "", r.Method, ex.path, 0, scrubFindings(fs, ex.secrets))
	}
	p.rp.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), exchangeKey{}, ex)))
}

// checkRequest checks r against op. A JSON body is read whole (and put back); a
// multipart body (an upload) is forwarded as a stream and its fields are not checked.
func checkRequest(r *http.Request, op *openapi3.Operation, validate func(*openapi3filter.RequestValidationInput) error) ([]finding, error) {
	opts := &openapi3filter.Options{SkipSettingDefaults: true, MultiError: true,
		SchemaValidationOptions: []openapi3.SchemaValidationOption{openapi3.DisableSchemaErrorDetails()}}
	var body any
	mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	switch {
	case mt == "multipart/form-data":
		opts.ExcludeRequestBody = true
	case r.Body != nil && r.Body != http.NoBody:
		raw, err := io.ReadAll(r.Body)
		if err != nil {
			return nil, err
		}
		r.Body = io.NopCloser(bytes.NewReader(raw))
		if isJSON(mt) {
			body, _ = decodeJSON(raw)
		}
	}
	in := &openapi3filter.RequestValidationInput{Request: r, Options: opts}
	err := validate(in)
	if err == nil {
		return nil, nil
	}
	return requestFindings(r, body, err), nil
}

// rewrite points the outgoing request at the upstream. Only what the client sent goes
// on: no X-Forwarded-For. Accept-Encoding is dropped so that the transport asks for gzip
// itself and hands back the body decoded, to be checked.
func (p *Proxy) rewrite(pr *httputil.ProxyRequest) {
	rest := strings.TrimPrefix(pr.In.URL.Path, p.prefix)
	out := pr.Out.URL
	out.Scheme, out.Host = p.base.Scheme, p.base.Host
	out.Path, out.RawPath = p.base.Path+rest, ""
	out.RawQuery = pr.In.URL.RawQuery
	pr.Out.Host = ""
	pr.Out.Header.Del("Accept-Encoding")
}

// modifyResponse reads the upstream's answer, checks it, records it, and hands it on
// unchanged.
func (p *Proxy) modifyResponse(resp *http.Response) error {
	ex, _ := resp.Request.Context().Value(exchangeKey{}).(*exchange)
	if ex == nil {
		return nil
	}
	// The answer is held whole to be checked: it takes its size from a budget first
	// (budget.go), and gives it back once forwarded.
	body, held, units, err := readBounded(resp.Request.Context(), resp.Body, resp.ContentLength, p.bounds.body, p.bounds.probe, p.checking, p.probing)
	resp.Body.Close()
	if err != nil {
		return fmt.Errorf("reading the upstream's answer: %w", err)
	}
	if int64(len(body)) > p.bounds.body {
		held.give(units)
		return fmt.Errorf("the upstream's answer is larger than %d bytes", p.bounds.body)
	}
	resp.Body = &givingBody{Reader: bytes.NewReader(body), b: held, units: units}
	resp.ContentLength = int64(len(body))
	resp.Header.Set("Content-Length", strconv.Itoa(len(body)))
	if ex.route != nil && ex.method != http.MethodHead {
		rkey, fs := checkResponse(ex.route, resp.StatusCode, resp.Header, body)
		p.monitor.add(ex.operation, rkey, ex.method, ex.path, resp.StatusCode, scrubFindings(fs, ex.secrets))
		p.columns.learn(ex.operation, ex.params, resp.StatusCode, body)
		if ex.operation == "listResults" && resp.StatusCode == http.StatusOK && isJSON(resp.Header.Get("Content-Type")) {
			fs := p.columns.check(resp.Request.Context(), ex.query, ex.auth, body)
			p.monitor.add(ex.operation, rkey, ex.method, ex.path, resp.StatusCode, scrubFindings(fs, ex.secrets))
		}
	}
	if p.recorder != nil {
		if err := p.recorder.record(ex, resp.StatusCode, resp.Header, body); err != nil {
			p.recorder.fail(err)
		}
	}
	return nil
}

// upstreamError answers 502 when the upstream cannot be reached or its answer read.
func (p *Proxy) upstreamError(w http.ResponseWriter, r *http.Request, err error) {
	if errors.Is(err, context.Canceled) {
		return
	}
	writeDetail(w, http.StatusBadGateway, "lobstr mock --proxy: no answer from the upstream: "+scrub(err.Error(), secretsOf(r.Header.Get("Authorization"))))
}

// writeDetail answers with the general error shape, {"detail": "..."}.
func writeDetail(w http.ResponseWriter, status int, detail string) {
	b, _ := json.Marshal(map[string]string{"detail": detail})
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(append(b, '\n'))
}

// secretsOf is what must never be stored or printed of an Authorization value: the value
// and the key in it.
func secretsOf(authorization string) []string {
	v := strings.TrimSpace(authorization)
	if v == "" {
		return nil
	}
	out := []string{v}
	if _, key, ok := strings.Cut(v, " "); ok && strings.TrimSpace(key) != "" {
		out = append(out, strings.TrimSpace(key))
	}
	return out
}

// redacted replaces a secret wherever it appears.
const redacted = "REDACTED"

// scrub removes every secret from s, in every form an echo can take: as is, JSON-escaped
// (\u escapes mixed in), in base64 (standard and URL alphabets) or URL-encoded.
func scrub(s string, secrets []string) string {
	return redactFormsString(s, secrets...)
}

func scrubFindings(fs []finding, secrets []string) []finding {
	for i := range fs {
		fs[i].message = scrub(fs[i].message, secrets)
		fs[i].dedup = scrub(fs[i].dedup, secrets)
		for j := range fs[i].path {
			fs[i].path[j] = scrub(fs[i].path[j], secrets)
		}
	}
	return fs
}
