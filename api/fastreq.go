package api

import (
	"net/http"
	"net/url"
	"strings"
)

// hashRequests builds the requests of the operations whose only parameter is a hash in the
// path (Get Task, Get Run, Get Run Stats) without what the generated builders spend on a
// general path: parsing the base URL, resolving a reference, formatting and parsing the URL
// again. The request is the one the generated builder makes (TestHashRequestsAsGenerated
// compares them); a base URL whose path is not made of plain characters only gets none, and
// the caller uses the generated builder.
type hashRequests struct {
	scheme, host string
	prefix       string // the resolved path of the base URL, with its trailing slash: "/v1/"
}

// newHashRequests returns the builder for base (a URL checkBaseURL accepted), or nil when
// its path holds a character that escaping or resolution could change.
func newHashRequests(base string) *hashRequests {
	u, err := url.Parse(base)
	if err != nil {
		return nil
	}
	ref, err := u.Parse("./x") // as the generated builders resolve a path
	if err != nil || ref.RawPath != "" || ref.RawQuery != "" || ref.Fragment != "" || ref.Opaque != "" || !strings.HasSuffix(ref.Path, "/x") {
		return nil
	}
	prefix := strings.TrimSuffix(ref.Path, "x")
	for _, r := range prefix {
		if !plainPathRune(r) {
			return nil
		}
	}
	host := ref.Host
	if strings.LastIndex(host, ":") > strings.LastIndex(host, "]") {
		host = strings.TrimSuffix(host, ":") // an empty port, dropped as http.NewRequest does
	}
	return &hashRequests{scheme: ref.Scheme, host: host, prefix: prefix}
}

// plainPathRune reports whether r stands for itself in a URL's path, escaped by no one.
func plainPathRune(r rune) bool {
	return r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("-._~/", r)
}

// get returns the GET request of the base path followed by dir ("tasks/") and hash, which
// must be a valid hash (ValidHash: plain characters only); nil when h is nil.
func (h *hashRequests) get(dir, hash, suffix string) *http.Request {
	if h == nil {
		return nil
	}
	u := &url.URL{Scheme: h.scheme, Host: h.host, Path: h.prefix + dir + hash + suffix}
	return &http.Request{
		Method:     http.MethodGet,
		URL:        u,
		Proto:      "HTTP/1.1",
		ProtoMajor: 1,
		ProtoMinor: 1,
		Header:     make(http.Header),
		Host:       u.Host,
	}
}
