package apitest

import (
	"context"
	"encoding/json"
	"math"
	"net/http"
	"net/url"
	"time"

	"github.com/lobstr-go/lobstr/gen"
)

// GetMe answers the documented profile, whatever the token.
func (s *server) GetMe(ctx context.Context, _ gen.GetMeRequestObject) (gen.GetMeResponseObject, error) {
	return answer(ctx, http.StatusOK, fixture("docs/user-me.200.json")), nil
}

// GetBalance answers the documented balance, whatever the token, with the credits of the
// runs started on this fake added to consumed (lobstr updates the balance as runs collect):
// a fresh fake answers the documented body as it is.
func (s *server) GetBalance(ctx context.Context, _ gen.GetBalanceRequestObject) (gen.GetBalanceResponseObject, error) {
	spent := s.f.creditsSpent(time.Now())
	if spent == 0 {
		return answer(ctx, http.StatusOK, fixture("docs/get-balance.200.json")), nil
	}
	var body map[string]any
	if err := json.Unmarshal(fixture("docs/get-balance.200.json"), &body); err != nil {
		return nil, err
	}
	consumed, _ := body["consumed"].(float64)
	body["consumed"] = math.Round((consumed+spent)*10000) / 10000
	return answer(ctx, http.StatusOK, body), nil
}

// ListCrawlers pages through the catalogue.
func (s *server) ListCrawlers(ctx context.Context, req gen.ListCrawlersRequestObject) (gen.ListCrawlersResponseObject, error) {
	limit, number, problem := pageParams(req.Params.Page, req.Params.Limit, defaultLimit)
	if problem != "" {
		return gen.ListCrawlers400JSONResponse{BadRequestJSONResponse: badRequestBody(ctx, detailError(problem))}, nil
	}
	cat := catalogue()
	pg := paginate(len(cat.order), limit, number)
	data := []any{}
	for _, c := range cat.order[pg.first:pg.last] {
		data = append(data, c.summary)
	}
	return answer(ctx, http.StatusOK, pg.envelope(ctx, "/crawlers", url.Values{}, "limit", data)), nil
}

// GetCrawler shows a crawler by its hash (the document takes no slug).
func (s *server) GetCrawler(ctx context.Context, req gen.GetCrawlerRequestObject) (gen.GetCrawlerResponseObject, error) {
	c, ok := catalogue().byID[req.CrawlerHash]
	if !ok {
		return gen.GetCrawler404JSONResponse{NotFoundJSONResponse: notFoundBody(ctx, errCrawlerNotFound)}, nil
	}
	return answer(ctx, http.StatusOK, c.details), nil
}

// GetCrawlerParams shows a crawler's task and squid parameters.
func (s *server) GetCrawlerParams(ctx context.Context, req gen.GetCrawlerParamsRequestObject) (gen.GetCrawlerParamsResponseObject, error) {
	c, ok := catalogue().byID[req.CrawlerHash]
	if !ok {
		return gen.GetCrawlerParams404JSONResponse{NotFoundJSONResponse: notFoundBody(ctx, errCrawlerNotFound)}, nil
	}
	return answer(ctx, http.StatusOK, c.params), nil
}

// GetCrawlerAttributes shows a crawler's result columns; it needs no token.
func (s *server) GetCrawlerAttributes(ctx context.Context, req gen.GetCrawlerAttributesRequestObject) (gen.GetCrawlerAttributesResponseObject, error) {
	c, ok := catalogue().byID[req.CrawlerHash]
	if !ok {
		return gen.GetCrawlerAttributes404JSONResponse{NotFoundJSONResponse: notFoundBody(ctx, errCrawlerNotFound)}, nil
	}
	return answer(ctx, http.StatusOK, map[string]any{"data": c.attrs}), nil
}
