package specvalidate

import (
	"hash/maphash"
	"maps"
	"net/http"
	"strconv"
	"sync"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/routers"
)

// What the Validator remembers between requests, so that a request or an answer it has
// checked already costs a few map lookups instead of kin-openapi's decoding, and never less
// checking: only what passed is remembered, keyed by everything its check read, so what it
// has not seen is checked in full, and what breaks the document is reported every time.
//
//   - routes: the operation and path parameters of a method and path (the router's answer
//     depends on nothing else: the host is the document's server, the query is dropped);
//   - requests without a body: valid for the operation, method, path, query and the
//     values of the header and cookie parameters the operation declares (nothing else of a
//     request without a body is checked once security requirements are gone);
//   - response headers: kin-openapi checks each declared header on its own (present when
//     required, its value against its schema), so an answer whose header names were seen
//     together in a valid answer of the same operation and status, and each of whose header
//     values was in one, is valid as to its headers.

// maxMemo bounds each of the Validator's memories: one is emptied when it is full.
const maxMemo = 4096

// memo is a bounded set of keys found valid, safe for concurrent use.
type memo[K comparable] struct {
	mu sync.Mutex
	m  map[K]struct{}
}

func (m *memo[K]) has(k K) bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	_, ok := m.m[k]
	return ok
}

func (m *memo[K]) add(k K) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.m == nil || len(m.m) >= maxMemo {
		m.m = map[K]struct{}{}
	}
	m.m[k] = struct{}{}
}

// routeKey is what the router matches on.
type routeKey struct{ method, path string }

// routeEntry is a route found: the unsecured operation's route and its path parameters
// (copied for each request, which may change them).
type routeEntry struct {
	route  *routers.Route
	params map[string]string
}

// route matches r to an operation of the document: the returned route's Operation is the
// copy without security requirements. It remembers what the router found.
func (v *Validator) route(r *http.Request) (*routers.Route, map[string]string, error) {
	k := routeKey{r.Method, r.URL.Path}
	v.routesMu.RLock()
	e, ok := v.routes[k]
	v.routesMu.RUnlock()
	if ok {
		return e.route, maps.Clone(e.params), nil
	}
	route, params, err := v.findRoute(r)
	if err != nil {
		return nil, nil, err
	}
	unsecured := *route
	unsecured.Operation = v.unsecured[route.Operation]
	e = routeEntry{route: &unsecured, params: maps.Clone(params)}
	v.routesMu.Lock()
	if v.routes == nil || len(v.routes) >= maxMemo {
		v.routes = map[routeKey]routeEntry{}
	}
	v.routes[k] = e
	v.routesMu.Unlock()
	return e.route, params, nil
}

// requestKey identifies a request without a body checked against an operation.
type requestKey struct {
	op                  *openapi3.Operation
	method, path, query string
	params              string // the declared header and cookie parameters' values
}

// requestKeyOf returns the key of r, a request for op; false when r has a body (or may
// have one), which is checked every time.
func (v *Validator) requestKeyOf(r *http.Request, op *openapi3.Operation) (requestKey, bool) {
	if r.ContentLength != 0 || (r.Body != nil && r.Body != http.NoBody) || r.Header.Get("Content-Type") != "" {
		return requestKey{}, false
	}
	k := requestKey{op: op, method: r.Method, path: r.URL.Path, query: r.URL.RawQuery}
	if names := v.headerParams[op]; len(names) > 0 {
		var b []byte
		for _, n := range names {
			vals := r.Header.Values(n)
			b = strconv.AppendInt(b, int64(len(vals)), 10)
			for _, val := range vals {
				b = append(b, ',')
				b = strconv.AppendInt(b, int64(len(val)), 10)
				b = append(b, ':')
				b = append(b, val...)
			}
			b = append(b, ';')
		}
		k.params = string(b)
	}
	return k, true
}

// headerParamNames lists, per operation, the headers its header and cookie parameters are
// read from (a cookie parameter: the Cookie header), the operation's own and its path's.
func headerParamNames(doc *openapi3.T) map[*openapi3.Operation][]string {
	out := map[*openapi3.Operation][]string{}
	for _, item := range doc.Paths.Map() {
		for _, op := range item.Operations() {
			var names []string
			for _, params := range []openapi3.Parameters{item.Parameters, op.Parameters} {
				for _, p := range params {
					if p == nil || p.Value == nil {
						continue
					}
					switch p.Value.In {
					case openapi3.ParameterInHeader:
						names = append(names, http.CanonicalHeaderKey(p.Value.Name))
					case openapi3.ParameterInCookie:
						names = append(names, "Cookie")
					}
				}
			}
			out[op] = names
		}
	}
	return out
}

// headerSetKey identifies the names of an answer's headers, for an operation and status.
type headerSetKey struct {
	op     *openapi3.Operation
	status int
	names  uint64 // the names' hashes, combined whatever their order
	count  int
}

// headerKey identifies one header's values in an answer of an operation, with a status.
type headerKey struct {
	op     *openapi3.Operation
	status int
	name   string
	values string // the value, or with n > 1 each value after its length
	n      int    // how many values
}

// headerKeys returns the keys of h's names and of each of its headers.
func (v *Validator) headerKeys(op *openapi3.Operation, status int, h http.Header) (headerSetKey, []headerKey) {
	set := headerSetKey{op: op, status: status, count: len(h)}
	keys := make([]headerKey, 0, len(h))
	for name, vals := range h {
		set.names ^= maphash.String(v.seed, name)
		k := headerKey{op: op, status: status, name: name, n: len(vals)}
		if len(vals) == 1 {
			k.values = vals[0]
		} else {
			var b []byte
			for _, val := range vals {
				b = strconv.AppendInt(b, int64(len(val)), 10)
				b = append(b, ':')
				b = append(b, val...)
			}
			k.values = string(b)
		}
		keys = append(keys, k)
	}
	return set, keys
}

// knownValidHeaders reports whether every header of an answer, and their names together,
// were in answers found valid.
func (v *Validator) knownValidHeaders(set headerSetKey, keys []headerKey) bool {
	if !v.headerSets.has(set) {
		return false
	}
	v.headers.mu.Lock()
	defer v.headers.mu.Unlock()
	for _, k := range keys {
		if _, ok := v.headers.m[k]; !ok {
			return false
		}
	}
	return true
}

// rememberValidHeaders notes the headers of an answer found valid.
func (v *Validator) rememberValidHeaders(set headerSetKey, keys []headerKey) {
	v.headerSets.add(set)
	for _, k := range keys {
		v.headers.add(k)
	}
}
