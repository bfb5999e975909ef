package specvalidate

import (
	"fmt"
	"net/http"

	"github.com/getkin/kin-openapi/routers"
)

// Route matches r to an operation of the document, on any host, as the middleware does:
// the returned route's Operation is a copy without security requirements (tokens are not
// this package's business), with the path parameters found. It is for callers that check
// an exchange themselves, such as a proxy that must forward whatever the client sent. The
// error wraps ErrNoOperation when no operation matches.
func (v *Validator) Route(r *http.Request) (*routers.Route, map[string]string, error) {
	route, params, err := v.route(r)
	if err != nil {
		return nil, nil, fmt.Errorf("%w (%v)", ErrNoOperation, err)
	}
	cp := *route // the caller's own
	return &cp, params, nil
}
