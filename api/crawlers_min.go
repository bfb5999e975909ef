package api

// This file holds the least of the Crawlers service that `lobstr go` and the tests of runs
// need. It is to be merged with (and replaced by) the full Crawlers service.

import (
	"context"
	"errors"
	"net/http"
	"strings"

	"github.com/lobstr-go/lobstr/gen"
	"github.com/lobstr-go/lobstr/gen/models"
)

// Crawler is one of lobstr's ready-made scrapers.
type Crawler = models.Crawler

// Get returns a crawler by its id (Get Crawler Details) or by its slug (such as
// google-maps-leads-scraper), which the API does not take: a slug is looked up in List
// Crawlers, page after page, then its details are fetched by id. An unknown slug is an
// *Error for which IsNotFound is true.
func (s *CrawlersService) Get(ctx context.Context, idOrSlug string) (*Crawler, error) {
	c := s.client
	const op = "Crawlers.Get"
	idOrSlug = strings.TrimSpace(idOrSlug)
	if idOrSlug == "" {
		return nil, argError(op, "idOrSlug", "empty; give a crawler id or slug")
	}
	id := idOrSlug
	if !ValidHash(idOrSlug) {
		found := ""
		fetch := func(ctx context.Context, page int) (*listPage[Crawler], error) {
			limit := MaxPageSize
			p, err := send(ctx, c, request{op: op, retryable: true, build: func(base string) (*http.Request, error) {
				return gen.NewListCrawlersRequest(base, &models.ListCrawlersParams{Page: &page, Limit: &limit})
			}}, "a page of crawlers (no data)", func(p *models.CrawlerPage) bool { return p.Data != nil })
			if err != nil {
				return nil, err
			}
			return &listPage[Crawler]{items: p.Data, page: p.Page, limit: p.Limit, totalResults: p.TotalResults,
				totalPages: p.TotalPages, hasNext: p.Next != nil}, nil
		}
		for cr, err := range walkPages(ctx, op, 1, MaxPageSize, fetch, func(c Crawler) string { return c.Id }) {
			if err != nil {
				var inc *IncompleteError
				if errors.As(err, &inc) {
					break // a catalogue that moved: what was seen is all there is to search
				}
				return nil, err
			}
			if strings.EqualFold(cr.Slug, idOrSlug) {
				found = cr.Id
				break
			}
		}
		if found == "" {
			return nil, &Error{StatusCode: http.StatusNotFound, Type: "not_found_error",
				Message: "no crawler has the slug " + clip(idOrSlug, 60) + " (lobstr crawlers ls lists them)", Param: "crawler"}
		}
		id = found
	}
	return send(ctx, c, request{op: op, retryable: true, build: func(base string) (*http.Request, error) {
		return gen.NewGetCrawlerRequest(base, id)
	}}, "a crawler (no id)", func(cr *Crawler) bool { return cr.Id != "" })
}
