package apitest

import (
	"context"
	"net/url"

	"github.com/lobstr-go/lobstr/gen"
	"github.com/lobstr-go/lobstr/gen/models"
)

// GetMe answers the documented profile, whatever the token.
func (s *server) GetMe(ctx context.Context, _ gen.GetMeRequestObject) (gen.GetMeResponseObject, error) {
	var me models.User
	mustDecode("docs/user-me.200.json", &me)
	resp := gen.GetMe200JSONResponse{Body: me}
	resp.Headers.XRateLimitLimit, resp.Headers.XRateLimitRemaining, resp.Headers.XRateLimitReset = rateHeaders(ctx)
	return resp, nil
}

// GetBalance answers the documented balance, whatever the token.
func (s *server) GetBalance(ctx context.Context, _ gen.GetBalanceRequestObject) (gen.GetBalanceResponseObject, error) {
	var b models.Balance
	mustDecode("docs/get-balance.200.json", &b)
	resp := gen.GetBalance200JSONResponse{Body: b}
	resp.Headers.XRateLimitLimit, resp.Headers.XRateLimitRemaining, resp.Headers.XRateLimitReset = rateHeaders(ctx)
	return resp, nil
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
		data = append(data, c.summary())
	}
	body, err := render[models.CrawlerPage](pg.envelope(ctx, "/crawlers", url.Values{}, "limit", data))
	if err != nil {
		return nil, err
	}
	resp := gen.ListCrawlers200JSONResponse{Body: body}
	resp.Headers.XRateLimitLimit, resp.Headers.XRateLimitRemaining, resp.Headers.XRateLimitReset = rateHeaders(ctx)
	return resp, nil
}

// GetCrawler shows a crawler by its hash (the document takes no slug).
func (s *server) GetCrawler(ctx context.Context, req gen.GetCrawlerRequestObject) (gen.GetCrawlerResponseObject, error) {
	c, ok := catalogue().byID[req.CrawlerHash]
	if !ok {
		return gen.GetCrawler404JSONResponse{NotFoundJSONResponse: notFoundBody(ctx, errCrawlerNotFound)}, nil
	}
	body, err := render[models.Crawler](c.details)
	if err != nil {
		return nil, err
	}
	resp := gen.GetCrawler200JSONResponse{Body: body}
	resp.Headers.XRateLimitLimit, resp.Headers.XRateLimitRemaining, resp.Headers.XRateLimitReset = rateHeaders(ctx)
	return resp, nil
}

// GetCrawlerParams shows a crawler's task and squid parameters.
func (s *server) GetCrawlerParams(ctx context.Context, req gen.GetCrawlerParamsRequestObject) (gen.GetCrawlerParamsResponseObject, error) {
	c, ok := catalogue().byID[req.CrawlerHash]
	if !ok {
		return gen.GetCrawlerParams404JSONResponse{NotFoundJSONResponse: notFoundBody(ctx, errCrawlerNotFound)}, nil
	}
	body, err := render[models.CrawlerParams](c.params)
	if err != nil {
		return nil, err
	}
	resp := gen.GetCrawlerParams200JSONResponse{Body: body}
	resp.Headers.XRateLimitLimit, resp.Headers.XRateLimitRemaining, resp.Headers.XRateLimitReset = rateHeaders(ctx)
	return resp, nil
}

// GetCrawlerAttributes shows a crawler's result columns; it needs no token.
func (s *server) GetCrawlerAttributes(ctx context.Context, req gen.GetCrawlerAttributesRequestObject) (gen.GetCrawlerAttributesResponseObject, error) {
	c, ok := catalogue().byID[req.CrawlerHash]
	if !ok {
		return gen.GetCrawlerAttributes404JSONResponse{NotFoundJSONResponse: notFoundBody(ctx, errCrawlerNotFound)}, nil
	}
	body, err := render[models.CrawlerAttributeList](map[string]any{"data": c.attrs})
	if err != nil {
		return nil, err
	}
	resp := gen.GetCrawlerAttributes200JSONResponse{Body: body}
	resp.Headers.XRateLimitLimit, resp.Headers.XRateLimitRemaining, resp.Headers.XRateLimitReset = rateHeaders(ctx)
	return resp, nil
}
