package apitest

import (
	"context"
	"encoding/json"
	"net/http"
	"strconv"
)

// jsonAnswer is an operation's answer written from the fake's own JSON (a documented body,
// or a map the fake built), not through a generated model: what the fake sends does not
// depend on how the models round-trip, and the validator still checks it against the
// document. It implements the Visit method of each operation it answers.
type jsonAnswer struct {
	status int
	body   any // JSON bytes ([]byte, json.RawMessage) as they are, else encoded
	q      quota
}

// answer is a JSON answer of status with body and the request's rate-limit headers.
func answer(ctx context.Context, status int, body any) jsonAnswer {
	return jsonAnswer{status: status, body: body, q: exchangeFrom(ctx).quota}
}

func (a jsonAnswer) visit(w http.ResponseWriter) error {
	var b []byte
	switch x := a.body.(type) {
	case []byte:
		b = x
	case json.RawMessage:
		b = x
	default:
		var err error
		if b, err = json.Marshal(x); err != nil {
			return err
		}
		b = append(b, '\n')
	}
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("X-RateLimit-Limit", strconv.Itoa(a.q.limit))
	h.Set("X-RateLimit-Remaining", strconv.Itoa(a.q.left))
	h.Set("X-RateLimit-Reset", strconv.FormatInt(a.q.reset, 10))
	w.WriteHeader(a.status)
	_, err := w.Write(b)
	return err
}

func (a jsonAnswer) VisitGetMeResponse(w http.ResponseWriter) error                { return a.visit(w) }
func (a jsonAnswer) VisitGetBalanceResponse(w http.ResponseWriter) error           { return a.visit(w) }
func (a jsonAnswer) VisitListCrawlersResponse(w http.ResponseWriter) error         { return a.visit(w) }
func (a jsonAnswer) VisitGetCrawlerResponse(w http.ResponseWriter) error           { return a.visit(w) }
func (a jsonAnswer) VisitGetCrawlerParamsResponse(w http.ResponseWriter) error     { return a.visit(w) }
func (a jsonAnswer) VisitGetCrawlerAttributesResponse(w http.ResponseWriter) error { return a.visit(w) }
func (a jsonAnswer) VisitListSquidsResponse(w http.ResponseWriter) error           { return a.visit(w) }
func (a jsonAnswer) VisitCreateSquidResponse(w http.ResponseWriter) error          { return a.visit(w) }
func (a jsonAnswer) VisitGetSquidResponse(w http.ResponseWriter) error             { return a.visit(w) }
func (a jsonAnswer) VisitUpdateSquidResponse(w http.ResponseWriter) error          { return a.visit(w) }
func (a jsonAnswer) VisitListRunsResponse(w http.ResponseWriter) error             { return a.visit(w) }
func (a jsonAnswer) VisitStartRunResponse(w http.ResponseWriter) error             { return a.visit(w) }
func (a jsonAnswer) VisitGetRunResponse(w http.ResponseWriter) error               { return a.visit(w) }
func (a jsonAnswer) VisitGetRunStatsResponse(w http.ResponseWriter) error          { return a.visit(w) }
func (a jsonAnswer) VisitGetRunCreditsResponse(w http.ResponseWriter) error        { return a.visit(w) }
func (a jsonAnswer) VisitAbortRunResponse(w http.ResponseWriter) error             { return a.visit(w) }
func (a jsonAnswer) VisitListRunTasksResponse(w http.ResponseWriter) error         { return a.visit(w) }
func (a jsonAnswer) VisitListResultsResponse(w http.ResponseWriter) error          { return a.visit(w) }
