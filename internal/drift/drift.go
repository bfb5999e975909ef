// Package drift watches the real lobstr.io API for drift from the OpenAPI document: a
// proxy (`lobstr mock --proxy URL`) forwards each request, with the caller's token, to an
// upstream and answers with the upstream's answer unchanged, while it checks both the
// request and the answer against the document and reports each way they differ once.
//
// What counts as drift, by Kind:
//
//   - unknown-field: a property the document does not declare. For this purpose the
//     document's object schemas are closed: an object schema with declared properties and
//     no additionalProperties admits no other property (OpenAPI itself would allow them).
//     A free-form object (no properties declared, or additionalProperties set) is open.
//   - wrong-type: a value of another JSON type than the schema's, or null where the schema
//     is not nullable; a header whose text is not of its schema's type.
//   - missing-required: a required property (or a required header) absent.
//   - undocumented-status: a status the operation's responses do not list (neither the
//     status, nor its class such as 5XX, nor default).
//   - undocumented-error-shape: an error answer (4xx, 5xx) whose body matches none of the
//     documented error shapes.
//   - undocumented-content-type: a body of a content type the response does not list.
//   - invalid-value: any other broken rule (enum, pattern, minimum, one of several schemas).
//   - malformed-body: a JSON body that does not parse.
//   - unknown-operation: a request that matches no operation of the document (it is
//     forwarded all the same: it may be an endpoint the document lacks).
//   - unknown-column: a key of a row of Get Results that the crawler catalogue (package
//     catalog) does not document for the crawler of the row's squid, nor the document for
//     every row; reported once per crawler and column, with the crawler's slug.
//   - unknown-crawler: rows of a squid whose crawler the catalogue does not know at all
//     (their columns cannot be checked); reported once per crawler.
//
// To know a row's crawler the proxy learns which crawler each squid runs, and which squid
// each run belongs to, from the answers it forwards (List Squids, Get Squid, Create Squid;
// Start Run, List Runs, Get Run, Abort Run; List Crawlers, Get Crawler Details); what it
// has not seen, it looks up once through the upstream with the caller's token (Get Squid,
// Get Run, Get Crawler Details). What it learns is bounded in memory.
//
// A violation is identified by its operation, the response it was checked against (the
// document's key: "200", "5XX"; the status itself when undocumented), where it is (In), its
// JSON pointer and its kind; array indices do not count, so /data/0/x and /data/7/x are
// the same drift. Each is reported once, when first seen; later sightings only count.
//
// Violations are kept in groups of the same operation, response, place, kind and pointer
// pattern (the pointer with its last token, such as an unknown property's name, taken as
// any): a group keeps its first MaxPerGroup violations, and counts the distinct ones past
// them in the Dropped of its first violation, without reporting them. An answer with 50
// random unknown properties each time thus adds to one count. At most MaxViolations are
// kept in all; Monitor.Dropped counts those past it.
package drift

import (
	"errors"
	"fmt"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"sync"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
)

// Kind is what sort of drift a Violation is.
type Kind string

// The kinds of drift; see the package documentation.
const (
	UnknownField            Kind = "unknown-field"
	WrongType               Kind = "wrong-type"
	MissingRequired         Kind = "missing-required"
	UndocumentedStatus      Kind = "undocumented-status"
	UndocumentedErrorShape  Kind = "undocumented-error-shape"
	UndocumentedContentType Kind = "undocumented-content-type"
	InvalidValue            Kind = "invalid-value"
	MalformedBody           Kind = "malformed-body"
	UnknownOperation        Kind = "unknown-operation"
	UnknownColumn           Kind = "unknown-column"
	UnknownCrawler          Kind = "unknown-crawler"
)

// Where a violation is, the In of a Violation.
const (
	InRequestPath    = "request-path"
	InRequestQuery   = "request-query"
	InRequestHeader  = "request-header"
	InRequestBody    = "request-body"
	InResponseStatus = "response-status"
	InResponseHeader = "response-header"
	InResponseBody   = "response-body"
)

// Violation is one way an exchange with the upstream differs from the document.
type Violation struct {
	// Operation is the document's operationId, or "METHOD /path" for a request that
	// matches no operation.
	Operation string `json:"operation"`
	// Response is the document's response the answer was checked against ("200", "5XX",
	// "default"), or the status itself when the document lists none for it; empty for a
	// request violation.
	Response string `json:"response,omitempty"`
	// In says where: request-path, request-query, request-header, request-body,
	// response-status, response-header or response-body.
	In string `json:"in"`
	// Pointer is a JSON pointer (RFC 6901) into the body ("" is the whole body), or
	// "/NAME" for a header or a parameter.
	Pointer string `json:"pointer"`
	Kind    Kind   `json:"kind"`
	// Crawler is the slug of the crawler (its id when its slug is unknown) whose rows
	// showed an unknown-column or unknown-crawler violation; empty for other kinds.
	Crawler string `json:"crawler,omitempty"`
	// Message says what is wrong, in one line.
	Message string `json:"message"`
	// Method, Path and Status are those of the first exchange that showed the violation.
	Method string `json:"method"`
	Path   string `json:"path"`
	Status int    `json:"status,omitempty"`
	// Count is how many exchanges have shown it so far.
	Count int `json:"count"`
	// Dropped, on the first violation of a group (see the package documentation), counts
	// the distinct violations of the group seen past its first MaxPerGroup, neither kept
	// nor reported.
	Dropped int `json:"dropped,omitempty"`
}

// The caps on what a Monitor keeps.
const (
	// MaxPerGroup is how many distinct violations a group keeps.
	MaxPerGroup = 10
	// MaxViolations is how many distinct violations a Monitor keeps in all.
	MaxViolations = 1000
)

// String is the violation in one line, as the proxy writes it on stderr.
func (v Violation) String() string {
	where := v.In
	if v.Response != "" {
		where = v.Response + " " + where
	}
	return fmt.Sprintf("drift: %s %s %s %q: %s (%s %s)", v.Kind, v.Operation, where, v.Pointer, v.Message, v.Method, v.Path)
}

// key identifies a violation for deduplication.
type key struct {
	operation, response, in, pointer, crawler string
	kind                                      Kind
}

// finding is a violation before it is identified and counted.
type finding struct {
	in      string
	path    []string // the JSON pointer's tokens
	dedup   string   // the pointer with array indices replaced, for the key
	crawler string   // the crawler, for unknown-column and unknown-crawler
	kind    Kind
	message string
}

// group identifies violations alike but for the last token of their pointer.
type group struct {
	operation, response, in, pattern, crawler string
	kind                                      Kind
}

// groupState is what a Monitor knows of a group.
type groupState struct {
	first int // index in list of its first violation
	kept  int // its violations in list
}

// Monitor collects violations and reports each new one once, within its caps
// (MaxPerGroup, MaxViolations). Its methods are safe for concurrent use.
type Monitor struct {
	report func(Violation)

	mu      sync.Mutex
	seen    map[key]int // index in list
	groups  map[group]*groupState
	list    []Violation
	dropped int // distinct violations past MaxViolations
}

// NewMonitor returns a Monitor that calls report (when not nil) once for each new
// violation, at the moment it is first seen.
func NewMonitor(report func(Violation)) *Monitor {
	return &Monitor{report: report, seen: map[key]int{}, groups: map[group]*groupState{}}
}

// Dropped is how many distinct violations were seen past MaxViolations, neither kept nor
// reported (those past MaxPerGroup count in their group's Dropped instead).
func (m *Monitor) Dropped() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.dropped
}

// patternOf is a deduplicated pointer with its last token taken as any.
func patternOf(dedup string) string {
	i := strings.LastIndexByte(dedup, '/')
	if i < 0 {
		return dedup
	}
	return dedup[:i] + "/*"
}

// Violations returns every violation seen so far, in the order first seen.
func (m *Monitor) Violations() []Violation {
	m.mu.Lock()
	defer m.mu.Unlock()
	return append([]Violation(nil), m.list...)
}

// add records findings of one exchange and reports the new ones.
func (m *Monitor) add(operation, response, method, path string, status int, fs []finding) {
	var fresh []Violation
	m.mu.Lock()
	for _, f := range fs {
		k := key{operation, response, f.in, f.dedup, f.crawler, f.kind}
		if i, ok := m.seen[k]; ok {
			m.list[i].Count++
			continue
		}
		g := group{operation, response, f.in, patternOf(f.dedup), f.crawler, f.kind}
		gs := m.groups[g]
		if gs != nil && gs.kept >= MaxPerGroup {
			m.list[gs.first].Dropped++
			continue
		}
		if len(m.list) >= MaxViolations {
			m.dropped++
			continue
		}
		if gs == nil {
			gs = &groupState{first: len(m.list)}
			m.groups[g] = gs
		}
		gs.kept++
		v := Violation{
			Operation: operation, Response: response, In: f.in, Pointer: pointer(f.path),
			Kind: f.kind, Crawler: f.crawler, Message: f.message, Method: method, Path: path, Status: status, Count: 1,
		}
		m.seen[k] = len(m.list)
		m.list = append(m.list, v)
		fresh = append(fresh, v)
	}
	m.mu.Unlock()
	if m.report != nil {
		for _, v := range fresh {
			m.report(v)
		}
	}
}

// pointer writes tokens as a JSON pointer.
func pointer(tokens []string) string {
	var b strings.Builder
	for _, t := range tokens {
		b.WriteByte('/')
		b.WriteString(strings.NewReplacer("~", "~0", "/", "~1").Replace(t))
	}
	return b.String()
}

// dedupPointer is the pointer of tokens into value with array indices replaced by "*".
func dedupPointer(value any, tokens []string) string {
	out := make([]string, len(tokens))
	cur := value
	for i, t := range tokens {
		out[i] = t
		switch c := cur.(type) {
		case []any:
			out[i] = "*"
			if n, err := strconv.Atoi(t); err == nil && n >= 0 && n < len(c) {
				cur = c[n]
			} else {
				cur = nil
			}
		case map[string]any:
			cur = c[t]
		default:
			cur = nil
		}
	}
	return pointer(out)
}

// responseKey is the key of the document's response for status ("200", "5XX",
// "default"), or "" when none fits.
func responseKey(responses *openapi3.Responses, status int) (string, *openapi3.Response) {
	for _, k := range []string{strconv.Itoa(status), fmt.Sprintf("%dXX", status/100), "default"} {
		if ref := responses.Value(k); ref != nil && ref.Value != nil {
			return k, ref.Value
		}
	}
	return "", nil
}

// schemaFindings turns what kin-openapi found wrong with value into findings located in
// in. errorAnswer says the value is the body of an error answer, whose root matching no
// schema is an undocumented error shape.
func schemaFindings(in string, value any, err error, errorAnswer bool) []finding {
	var out []finding
	var walk func(error)
	walk = func(err error) {
		var multi openapi3.MultiError
		if errors.As(err, &multi) {
			for _, e := range multi {
				walk(e)
			}
			return
		}
		var se *openapi3.SchemaError
		if !errors.As(err, &se) {
			out = append(out, finding{in: in, kind: InvalidValue, message: err.Error()})
			return
		}
		path := se.JSONPointer()
		kind := InvalidValue
		switch se.SchemaField {
		case "type", "nullable":
			kind = WrongType
		case "required":
			kind = MissingRequired
		case "additionalProperties":
			kind = UnknownField
		case "anyOf", "oneOf":
			if errorAnswer && len(path) == 0 {
				kind = UndocumentedErrorShape
			}
		}
		msg := se.Reason
		if msg == "" {
			msg = se.Error()
		}
		out = append(out, finding{in: in, path: path, dedup: dedupPointer(value, path), kind: kind, message: msg})
	}
	walk(err)
	return out
}

// checkResponse checks an answer against operation op of the document.
func checkResponse(op *openapi3.Operation, status int, header http.Header, body []byte) (string, []finding) {
	rkey, resp := responseKey(op.Responses, status)
	if resp == nil {
		return strconv.Itoa(status), []finding{{in: InResponseStatus, kind: UndocumentedStatus,
			message: fmt.Sprintf("status %d is not among the operation's responses", status)}}
	}
	var out []finding
	names := make([]string, 0, len(resp.Headers))
	for name := range resp.Headers {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		out = append(out, checkHeader(name, resp.Headers[name], header)...)
	}
	if len(resp.Content) == 0 {
		return rkey, out
	}
	ctype := header.Get("Content-Type")
	mt := resp.Content.Get(ctype)
	if mt == nil {
		return rkey, append(out, finding{in: InResponseHeader, path: []string{"Content-Type"}, dedup: "/Content-Type",
			kind: UndocumentedContentType, message: fmt.Sprintf("content type %q is not documented for this response", ctype)})
	}
	if mt.Schema == nil || mt.Schema.Value == nil {
		return rkey, out
	}
	schema := mt.Schema.Value
	var value any
	if isJSON(ctype) {
		var err error
		if value, err = decodeJSON(body); err != nil {
			return rkey, append(out, finding{in: InResponseBody, kind: MalformedBody, message: "the body is not JSON: " + err.Error()})
		}
	} else {
		value = string(body)
	}
	if err := schema.VisitJSON(value, openapi3.MultiErrors(), openapi3.VisitAsResponse()); err != nil {
		out = append(out, schemaFindings(InResponseBody, value, err, status >= 400)...)
	}
	for _, f := range unknownFields(InResponseBody, schema, value, nil) {
		f.dedup = dedupPointer(value, f.path)
		out = append(out, f)
	}
	return rkey, out
}

// checkHeader checks one documented header of an answer.
func checkHeader(name string, ref *openapi3.HeaderRef, header http.Header) []finding {
	if ref == nil || ref.Value == nil {
		return nil
	}
	h := ref.Value
	values, found := header[http.CanonicalHeaderKey(name)]
	at := func(kind Kind, msg string) []finding {
		return []finding{{in: InResponseHeader, path: []string{name}, dedup: "/" + name, kind: kind, message: msg}}
	}
	if !found {
		if h.Required {
			return at(MissingRequired, fmt.Sprintf("the required header %s is missing", name))
		}
		return nil
	}
	if h.Schema == nil || h.Schema.Value == nil {
		return nil
	}
	s := h.Schema.Value
	text := values[0]
	var value any = text
	switch {
	case s.Type.Is("integer"), s.Type.Is("number"):
		f, err := strconv.ParseFloat(strings.TrimSpace(text), 64)
		if err != nil || (s.Type.Is("integer") && f != float64(int64(f))) {
			return at(WrongType, fmt.Sprintf("header %s is not %s %s", name, article(s.Type.Slice()[0]), s.Type.Slice()[0]))
		}
		value = f
	case s.Type.Is("boolean"):
		b, err := strconv.ParseBool(strings.TrimSpace(text))
		if err != nil {
			return at(WrongType, fmt.Sprintf("header %s is not a boolean", name))
		}
		value = b
	}
	if err := s.VisitJSON(value, openapi3.MultiErrors()); err != nil {
		fs := schemaFindings(InResponseHeader, value, err, false)
		for i := range fs {
			fs[i].path, fs[i].dedup = []string{name}, "/"+name
		}
		return fs
	}
	return nil
}

func article(word string) string {
	if strings.ContainsAny(word[:1], "aeiou") {
		return "an"
	}
	return "a"
}

// requestFindings turns what openapi3filter.ValidateRequest found into findings.
func requestFindings(r *http.Request, body any, err error) []finding {
	var out []finding
	var walk func(error)
	walk = func(err error) {
		var multi openapi3.MultiError
		if errors.As(err, &multi) {
			for _, e := range multi {
				walk(e)
			}
			return
		}
		var re *openapi3filter.RequestError
		if !errors.As(err, &re) {
			out = append(out, finding{in: InRequestBody, kind: InvalidValue, message: err.Error()})
			return
		}
		if p := re.Parameter; p != nil {
			in := map[string]string{"path": InRequestPath, "query": InRequestQuery, "header": InRequestHeader}[p.In]
			if in == "" {
				in = "request-" + p.In
			}
			kind := InvalidValue
			var se *openapi3.SchemaError
			var pe *openapi3filter.ParseError
			switch {
			case errors.As(re.Err, &pe):
				kind = WrongType
			case re.Err == nil && strings.Contains(re.Reason, "required"):
				kind = MissingRequired
			case errors.As(re.Err, &se) && (se.SchemaField == "type" || se.SchemaField == "nullable"):
				kind = WrongType
			case errors.Is(re.Err, openapi3filter.ErrInvalidRequired):
				kind = MissingRequired
			}
			msg := re.Reason
			if re.Err != nil {
				msg = strings.TrimPrefix(msg+": "+errMessage(re.Err), ": ")
			}
			out = append(out, finding{in: in, path: []string{p.Name}, dedup: "/" + p.Name, kind: kind, message: msg})
			return
		}
		if re.Err == nil {
			out = append(out, finding{in: InRequestBody, kind: MissingRequired, message: re.Reason})
			return
		}
		var inner openapi3.MultiError
		var se *openapi3.SchemaError
		if errors.As(re.Err, &inner) || errors.As(re.Err, &se) {
			out = append(out, schemaFindings(InRequestBody, body, re.Err, false)...)
			return
		}
		out = append(out, finding{in: InRequestBody, kind: MalformedBody, message: re.Error()})
	}
	walk(err)
	return out
}

// errMessage is err's message, without kin-openapi's schema dumps.
func errMessage(err error) string {
	var se *openapi3.SchemaError
	if errors.As(err, &se) && se.Reason != "" {
		return se.Reason
	}
	return err.Error()
}

// isJSON says whether a content type is JSON (application/json, application/problem+json).
func isJSON(ctype string) bool {
	mt, _, _ := strings.Cut(ctype, ";")
	mt = strings.ToLower(strings.TrimSpace(mt))
	return mt == "application/json" || strings.HasSuffix(mt, "+json")
}
