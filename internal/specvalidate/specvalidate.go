// Package specvalidate is an HTTP middleware that checks every request and every response
// of a handler against an OpenAPI 3 document, with kin-openapi.
//
// A request that breaks the document is answered at once with 400 and the documented
// general error body, {"detail": "<what is wrong>"}, and never reaches the handler. A
// response that breaks the document (undocumented status, wrong content type, a body or a
// declared header that does not match its schema) is still delivered as the handler wrote
// it. Both are reported to a callback as a Violation.
//
// A request body is read by the middleware only as far as the body allows: put an
// http.MaxBytesReader in front of it to bound what a request may send. A request whose body
// goes past that limit is answered 413 with the general error shape, {"detail": "The request
// body is larger than N bytes."}, checked against the document, and never reaches the
// handler. JSON bodies are read whole into memory (kin-openapi decodes them), so without
// such a limit a request can make the middleware hold any amount of memory.
//
// Requests are matched to operations by path, on any host: the path must start with the
// path of the document's first server (/v1 for https://api.lobstr.io/v1). Security
// requirements are not checked: the handler checks tokens itself, before this middleware.
//
// A response body found valid is remembered (by a hash of its bytes, with the operation,
// status and content type), so an answer repeated, as when a client polls a task, is not
// decoded and checked again; its headers are checked unless each of them, and their names
// together, were in a valid answer of the same operation and status. Routes, and requests
// without a body found valid, are remembered too (see memo.go): only what passed is
// remembered, so what breaks the document is reported every time.
//
// Multipart bodies are not handed to kin-openapi, whose decoder would hold the whole body
// (file parts included) in memory at least twice. The middleware reads them itself, as a
// stream: it checks each field that is not a file against its schema and the form against
// the list of required fields, checks the declared content types of file parts but not
// their content, and keeps a copy of the body for the handler, in memory up to 1 MiB and in
// a temporary file beyond.
package specvalidate

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"hash/maphash"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"net/url"
	"strconv"
	"sync"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/legacy"

	"github.com/lobstr-go/lobstr/openapi"
)

// Kind says which side of an exchange broke the document.
type Kind string

// The kinds of Violation.
const (
	Request  Kind = "request"  // the client sent something the document does not allow
	Response Kind = "response" // the handler answered something the document does not allow
)

// Violation is one request or response that does not match the document.
type Violation struct {
	Kind   Kind
	Method string // the request's method
	Path   string // the request's path, without the query
	Status int    // the status of the response (Response); 0 for a Request violation
	Err    error  // what is wrong
}

// Error describes the violation in one line.
func (v Violation) Error() string {
	if v.Kind == Response {
		return fmt.Sprintf("response %d to %s %s breaks the OpenAPI document: %v", v.Status, v.Method, v.Path, v.Err)
	}
	return fmt.Sprintf("request %s %s breaks the OpenAPI document: %v", v.Method, v.Path, v.Err)
}

// Unwrap returns Err.
func (v Violation) Unwrap() error { return v.Err }

// ErrNoOperation is wrapped by the Err of a Request violation whose method and path match no
// operation of the document. Such a request is passed to the handler unchanged, for it to
// answer (404 or 405), and its response is not checked.
var ErrNoOperation = errors.New("no operation of the document matches the method and path")

// Validator checks requests and responses against one document. It holds no per-request
// state: one Validator serves any number of handlers concurrently.
type Validator struct {
	router routers.Router
	server *url.URL // scheme and host of the document's first server, nil without servers

	// unsecured maps each operation to a copy without security requirements. The handler
	// checks tokens itself; kin-openapi would read the whole request body into memory to
	// hand it to an authentication function, even one that accepts everything.
	unsecured map[*openapi3.Operation]*openapi3.Operation

	// valid remembers response bodies found valid, so that the same answer (a task polled
	// again and again, the same page) is not decoded and checked again.
	seed  maphash.Seed
	mu    sync.Mutex
	valid map[bodyKey]struct{}

	// What else was found valid (see memo.go): routes, requests without a body, and the
	// headers of answers.
	routesMu     sync.RWMutex
	routes       map[routeKey]routeEntry
	headerParams map[*openapi3.Operation][]string // per operation: see headerParamNames
	requests     memo[requestKey]
	headerSets   memo[headerSetKey]
	headers      memo[headerKey]
}

// bodyKey identifies a response body checked against an operation's answer for a status.
type bodyKey struct {
	op     *openapi3.Operation
	status int
	ctype  string
	size   int
	sum    uint64
}

// maxRemembered bounds Validator.valid; it is emptied when full.
const maxRemembered = 4096

// New returns a Validator for doc, which must be valid (see openapi.Load) and must not be
// modified afterwards.
func New(doc *openapi3.T) (*Validator, error) {
	router, err := legacy.NewRouter(doc)
	if err != nil {
		return nil, fmt.Errorf("specvalidate: %w", err)
	}
	v := &Validator{
		router:    router,
		unsecured: map[*openapi3.Operation]*openapi3.Operation{},
		seed:      maphash.MakeSeed(),
		valid:     map[bodyKey]struct{}{},
	}
	v.headerParams = headerParamNames(doc)
	noSecurity := openapi3.NewSecurityRequirements()
	for _, item := range doc.Paths.Map() {
		for _, op := range item.Operations() {
			cp := *op
			cp.Security = noSecurity
			v.unsecured[op] = &cp
		}
	}
	if len(doc.Servers) > 0 {
		u, err := url.Parse(doc.Servers[0].URL)
		if err != nil {
			return nil, fmt.Errorf("specvalidate: server URL: %w", err)
		}
		v.server = &url.URL{Scheme: u.Scheme, Host: u.Host}
	}
	return v, nil
}

func init() {
	// The document allows text/html error pages (from proxies, on 5XX); kin-openapi has no
	// decoder for them. Read them as plain text, unless the program registered another.
	if openapi3filter.RegisteredBodyDecoder("text/html") == nil {
		openapi3filter.RegisterBodyDecoder("text/html", openapi3filter.PlainBodyDecoder)
	}
}

var defaultValidator = sync.OnceValues(func() (*Validator, error) {
	doc, err := openapi.Load()
	if err != nil {
		return nil, err
	}
	return New(doc)
})

// Default returns the Validator of the module's own document (package openapi), made once.
func Default() (*Validator, error) { return defaultValidator() }

// Handler returns next wrapped in the validation. report, when not nil, is called once per
// violation, before the response is sent. A nil *Validator returns next itself: that is how
// validation is turned off.
func (v *Validator) Handler(next http.Handler, report func(Violation)) http.Handler {
	if v == nil {
		return next
	}
	if report == nil {
		report = func(Violation) {}
	}
	return &middleware{v: v, next: next, report: report}
}

type middleware struct {
	v      *Validator
	next   http.Handler
	report func(Violation)
}

// options of kin-openapi: the request must reach the handler as the client sent it (no
// defaults written into it), and error messages are one line (no schema dumps).
var (
	requestOptions = &openapi3filter.Options{
		SkipSettingDefaults:     true,
		SchemaValidationOptions: []openapi3.SchemaValidationOption{openapi3.DisableSchemaErrorDetails()},
	}
	multipartRequestOptions = &openapi3filter.Options{
		SkipSettingDefaults:     true,
		ExcludeRequestBody:      true,
		SchemaValidationOptions: []openapi3.SchemaValidationOption{openapi3.DisableSchemaErrorDetails()},
	}
	responseOptions = &openapi3filter.Options{
		IncludeResponseStatus:   true,
		SchemaValidationOptions: []openapi3.SchemaValidationOption{openapi3.DisableSchemaErrorDetails()},
	}
	knownBodyOptions = &openapi3filter.Options{ // status and headers only
		IncludeResponseStatus:   true,
		ExcludeResponseBody:     true,
		SchemaValidationOptions: []openapi3.SchemaValidationOption{openapi3.DisableSchemaErrorDetails()},
	}
)

func (m *middleware) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	route, pathParams, err := m.v.route(r)
	if err != nil {
		m.report(Violation{Kind: Request, Method: r.Method, Path: r.URL.Path, Err: fmt.Errorf("%w (%v)", ErrNoOperation, err)})
		m.next.ServeHTTP(w, r)
		return
	}
	input := &openapi3filter.RequestValidationInput{Request: r, PathParams: pathParams, Route: route, Options: requestOptions}

	var form *openapi3.MediaType
	if rb := route.Operation.RequestBody; rb != nil && rb.Value != nil {
		if mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); mt == "multipart/form-data" {
			form = rb.Value.Content.Get(mt)
		}
		if form != nil {
			input.Options = multipartRequestOptions
		}
	}
	reqKey, plain := m.v.requestKeyOf(r, route.Operation)
	if !plain || !m.v.requests.has(reqKey) {
		err = openapi3filter.ValidateRequest(r.Context(), input)
		if err == nil && plain {
			m.v.requests.add(reqKey)
		}
	}
	if err == nil && form != nil {
		var body *spool
		body, err = checkMultipart(r, form)
		if body != nil {
			defer body.Close()
		}
	}
	if tooLarge := (*http.MaxBytesError)(nil); errors.As(err, &tooLarge) {
		m.refuseTooLarge(w, input, tooLarge.Limit)
		return
	}
	if err != nil {
		m.report(Violation{Kind: Request, Method: r.Method, Path: r.URL.Path, Err: err})
		writeDetail(w, http.StatusBadRequest, err.Error())
		return
	}

	rec := &recorder{header: w.Header(), status: http.StatusOK}
	if b, ok := recorderBuffers.Get().(*bytes.Buffer); ok {
		rec.body = b
	} else {
		rec.body = new(bytes.Buffer)
	}
	defer recycle(rec.body)
	m.next.ServeHTTP(rec, r)
	body := rec.body.Bytes()
	key := bodyKey{op: route.Operation, status: rec.status, ctype: rec.header.Get("Content-Type"), size: len(body), sum: maphash.Bytes(m.v.seed, body)}
	knownBody := m.v.knownValid(key)
	set, headers := m.v.headerKeys(route.Operation, rec.status, rec.header)
	if !knownBody || !m.v.knownValidHeaders(set, headers) {
		opts := responseOptions
		if knownBody {
			opts = knownBodyOptions
		}
		if err := openapi3filter.ValidateResponse(r.Context(), &openapi3filter.ResponseValidationInput{
			RequestValidationInput: input,
			Status:                 rec.status,
			Header:                 rec.header,
			Body:                   io.NopCloser(bytes.NewReader(body)),
			Options:                opts,
		}); err != nil {
			m.report(Violation{Kind: Response, Method: r.Method, Path: r.URL.Path, Status: rec.status, Err: err})
		} else {
			m.v.rememberValid(key)
			m.v.rememberValidHeaders(set, headers)
		}
	}
	w.WriteHeader(rec.status)
	_, _ = w.Write(body)
}

// recorderBuffers holds the bodies of recorders done with, for the next responses.
var recorderBuffers sync.Pool

// recycle gives b back to recorderBuffers, unless it grew past 64 KiB.
func recycle(b *bytes.Buffer) {
	if b.Cap() > 64<<10 {
		return
	}
	b.Reset()
	recorderBuffers.Put(b)
}

// refuseTooLarge answers 413 to a request whose body went past the limit of an
// http.MaxBytesReader in front of the middleware, with the general error shape, and checks
// that answer against the document like any other. The client broke no rule of the
// document, so it is not a request violation.
func (m *middleware) refuseTooLarge(w http.ResponseWriter, input *openapi3filter.RequestValidationInput, limit int64) {
	body := detailJSON(fmt.Sprintf("The request body is larger than %d bytes.", limit))
	w.Header().Set("Content-Type", "application/json")
	w.Header().Del("Content-Length")
	r := input.Request
	if err := openapi3filter.ValidateResponse(r.Context(), &openapi3filter.ResponseValidationInput{
		RequestValidationInput: input,
		Status:                 http.StatusRequestEntityTooLarge,
		Header:                 w.Header(),
		Body:                   io.NopCloser(bytes.NewReader(body)),
		Options:                responseOptions,
	}); err != nil {
		m.report(Violation{Kind: Response, Method: r.Method, Path: r.URL.Path, Status: http.StatusRequestEntityTooLarge, Err: err})
	}
	w.WriteHeader(http.StatusRequestEntityTooLarge)
	_, _ = w.Write(body)
}

// CheckResponse checks a response that was not written through Handler, such as the
// answer of a layer in front of it (a token check, a rate limit), against the operation r
// matches: its status, its declared headers (header is what will be sent) and its body. It
// returns nil when the response matches the document, an error wrapping ErrNoOperation
// when r matches no operation, and otherwise what is wrong. r's body is not read.
func (v *Validator) CheckResponse(r *http.Request, status int, header http.Header, body []byte) error {
	route, pathParams, err := v.route(r)
	if err != nil {
		return fmt.Errorf("%w (%v)", ErrNoOperation, err)
	}
	return openapi3filter.ValidateResponse(r.Context(), &openapi3filter.ResponseValidationInput{
		RequestValidationInput: &openapi3filter.RequestValidationInput{Request: r, PathParams: pathParams, Route: route, Options: requestOptions},
		Status:                 status,
		Header:                 header,
		Body:                   io.NopCloser(bytes.NewReader(body)),
		Options:                responseOptions,
	})
}

func (v *Validator) knownValid(k bodyKey) bool {
	v.mu.Lock()
	defer v.mu.Unlock()
	_, ok := v.valid[k]
	return ok
}

func (v *Validator) rememberValid(k bodyKey) {
	v.mu.Lock()
	defer v.mu.Unlock()
	if len(v.valid) >= maxRemembered {
		clear(v.valid)
	}
	v.valid[k] = struct{}{}
}

// findRoute matches r to an operation. The router matches the document's server URL, so the
// request's URL is put on that server's scheme and host first: any host serves the paths.
func (v *Validator) findRoute(r *http.Request) (*routers.Route, map[string]string, error) {
	u := *r.URL
	u.RawQuery, u.Fragment, u.User = "", "", nil
	if v.server != nil {
		u.Scheme, u.Host = v.server.Scheme, v.server.Host
	}
	return v.router.FindRoute(&http.Request{Method: r.Method, URL: &u})
}

// recorder holds a response until it has been checked. It writes headers straight into the
// real ResponseWriter's map, which nothing sends before WriteHeader.
type recorder struct {
	header      http.Header
	status      int
	wroteHeader bool
	body        *bytes.Buffer
}

func (rec *recorder) Header() http.Header { return rec.header }

func (rec *recorder) WriteHeader(status int) {
	if rec.wroteHeader || status < 200 { // informational answers are not recorded
		return
	}
	rec.status, rec.wroteHeader = status, true
}

func (rec *recorder) Write(p []byte) (int, error) {
	rec.wroteHeader = true
	return rec.body.Write(p)
}

// writeDetail answers with the general error shape of the document, {"detail": "..."}.
func writeDetail(w http.ResponseWriter, status int, detail string) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Del("Content-Length")
	w.WriteHeader(status)
	_, _ = w.Write(detailJSON(detail))
}

// detailJSON is the general error shape of the document, {"detail": "..."}, with a newline.
func detailJSON(detail string) []byte {
	b, _ := json.Marshal(struct {
		Detail string `json:"detail"`
	}{detail})
	return append(b, '\n')
}

// maxField bounds the size of a multipart field that is not a file.
const maxField = 64 << 10

// checkMultipart reads r's multipart body as a stream, checks it against the form's schema
// and encodings, and puts a copy of it back into r.Body. The caller closes the copy after
// the handler has run.
func checkMultipart(r *http.Request, form *openapi3.MediaType) (*spool, error) {
	_, params, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil || params["boundary"] == "" {
		return nil, errors.New("request body has an error: multipart/form-data without a boundary")
	}
	if form.Schema == nil || form.Schema.Value == nil {
		return nil, nil
	}
	schema := form.Schema.Value
	body := &spool{}
	tee := io.TeeReader(r.Body, body)
	mr := multipart.NewReader(tee, params["boundary"])
	fields := map[string]any{}
	fail := func(format string, args ...any) (*spool, error) {
		body.Close()
		return nil, fmt.Errorf("request body has an error: "+format, args...)
	}
	for {
		part, err := mr.NextPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			return fail("malformed multipart body: %w", err)
		}
		name := part.FormName()
		if name == "" {
			part.Close()
			continue
		}
		if _, dup := fields[name]; dup {
			return fail("field %q is given twice", name)
		}
		prop := schema.Properties[name]
		if prop != nil && prop.Value != nil && prop.Value.Type.Is("string") && prop.Value.Format == "binary" {
			if ct := part.Header.Get("Content-Type"); ct != "" && !form.Encoding[name].AllowsContentType(ct) {
				return fail("field %q has content type %q, want one of %q", name, ct, form.Encoding[name].ContentType)
			}
			if _, err := io.Copy(io.Discard, part); err != nil {
				return fail("reading field %q: %w", name, err)
			}
			fields[name] = "" // its content is not checked
			continue
		}
		raw, err := io.ReadAll(io.LimitReader(part, maxField+1))
		if err != nil {
			return fail("reading field %q: %w", name, err)
		}
		if len(raw) > maxField {
			return fail("field %q is longer than %d bytes", name, maxField)
		}
		fields[name] = formValue(string(raw), prop)
	}
	if _, err := io.Copy(io.Discard, tee); err != nil { // the epilogue, if any
		return fail("reading the body: %w", err)
	}
	if err := schema.VisitJSON(fields, openapi3.VisitAsRequest(), openapi3.DisableSchemaErrorDetails()); err != nil {
		return fail("doesn't match the form's schema: %v", err)
	}
	rc, err := body.reader()
	if err != nil {
		return fail("%v", err)
	}
	r.Body = rc
	return body, nil
}

// formValue turns the text of a form field into the JSON value its schema expects, when it
// can; the schema check reports the rest.
func formValue(s string, prop *openapi3.SchemaRef) any {
	if prop == nil || prop.Value == nil {
		return s
	}
	switch t := prop.Value.Type; {
	case t.Is("integer"), t.Is("number"):
		if f, err := strconv.ParseFloat(s, 64); err == nil {
			return f
		}
	case t.Is("boolean"):
		if b, err := strconv.ParseBool(s); err == nil {
			return b
		}
	}
	return s
}
