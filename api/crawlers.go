package api

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"net/http"
	"strings"

	"github.com/lobstr-go/lobstr/gen"
	"github.com/lobstr-go/lobstr/gen/models"
)

// ErrCrawlerNotFound is wrapped by the error of Crawlers.Get and Squids.Create when no
// crawler of the catalogue has the slug given. (An unknown crawler id is the API's 404: an
// *Error for which IsNotFound is true.)
var ErrCrawlerNotFound = errors.New("no such crawler")

// MaxCatalogSize is the most crawlers Crawlers.List (and Crawlers.Get, looking a slug up)
// accepts in the catalogue: lobstr.io lists about a hundred. A server that announces more
// (or more than MaxCatalogSize/10 pages), or sends more, is refused with an error wrapping
// ErrCatalogTooLarge, so that a broken or hostile server cannot make the client hold an
// endless list.
const MaxCatalogSize = 10_000

// ErrCatalogTooLarge is wrapped by the error of Crawlers.List and Crawlers.Get when the
// catalogue is past MaxCatalogSize crawlers.
var ErrCatalogTooLarge = errors.New("the crawler catalogue is past any plausible size")

// ValidSlug reports whether s can be a crawler slug, such as google-maps-leads-scraper:
// letters, digits, '-' and '_', at most 200 characters.
func ValidSlug(s string) bool {
	if s == "" || len(s) > 200 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
			return false
		}
	}
	return true
}

// checkCrawlerID refuses what cannot be a crawler id (32 lowercase hexadecimal
// characters); a slug gets a hint.
func checkCrawlerID(op, arg, s string) error {
	if ValidHash(s) {
		return nil
	}
	if s != "" && ValidSlug(s) && !ValidHash(strings.ToLower(s)) {
		return argError(op, arg, "%q is a slug, not a crawler id (32 lowercase hexadecimal characters); Crawlers.Get resolves a slug", clip(s, 40))
	}
	return checkHash(op, arg, s)
}

// List returns every crawler of the catalogue (List Crawlers, GET /v1/crawlers), page
// after page, 100 a request. A catalogue that changes during the walk may end it with an
// *IncompleteError, as Tasks.All does; List then returns no crawlers. A catalogue past
// MaxCatalogSize crawlers is an error wrapping ErrCatalogTooLarge.
func (s *CrawlersService) List(ctx context.Context) ([]Crawler, error) {
	var all []Crawler
	for cr, err := range s.all(ctx, "Crawlers.List") {
		if err != nil {
			return nil, err
		}
		all = append(all, cr)
	}
	return all, nil
}

// ListCrawlersOptions selects a page of the catalogue.
type ListCrawlersOptions struct {
	Page  int // 1-based; 0 means the first page
	Limit int // 1..100; 0 means the server's default (50)
}

// ListPage returns one page of the catalogue (List Crawlers, GET /v1/crawlers), as the
// server sent it. Crawlers.List walks every page.
func (s *CrawlersService) ListPage(ctx context.Context, opts ListCrawlersOptions) (*CrawlerPage, error) {
	return s.listPage(ctx, "Crawlers.ListPage", opts)
}

func (s *CrawlersService) listPage(ctx context.Context, op string, opts ListCrawlersOptions) (*CrawlerPage, error) {
	p := &models.ListCrawlersParams{}
	if opts.Page < 0 {
		return nil, argError(op, "Page", "%d; want 1 or more (0 for the first page)", opts.Page)
	}
	if opts.Page > 0 {
		p.Page = &opts.Page
	}
	if opts.Limit < 0 || opts.Limit > MaxPageSize {
		return nil, argError(op, "Limit", "%d; want 1 to %d (0 for the server's default)", opts.Limit, MaxPageSize)
	}
	if opts.Limit > 0 {
		p.Limit = &opts.Limit
	}
	return send(ctx, s.client, request{op: op, retryable: true, build: func(base string) (*http.Request, error) {
		return gen.NewListCrawlersRequest(base, p)
	}}, "a page of crawlers (no data)", func(p *CrawlerPage) bool { return p.Data != nil })
}

// all walks the catalogue (see walkPages).
func (s *CrawlersService) all(ctx context.Context, op string) iter.Seq2[Crawler, error] {
	limit := MaxPageSize
	fetch := func(ctx context.Context, page int) (*listPage[Crawler], error) {
		cp, err := s.listPage(ctx, op, ListCrawlersOptions{Page: page, Limit: limit})
		if err != nil {
			return nil, err
		}
		if cp.TotalResults > MaxCatalogSize || cp.TotalPages > MaxCatalogSize/10 {
			return nil, fmt.Errorf("api: %s: the server announces %d crawlers in %d pages, past %d: %w", op, cp.TotalResults, cp.TotalPages, MaxCatalogSize, ErrCatalogTooLarge)
		}
		return &listPage[Crawler]{items: cp.Data, page: cp.Page, limit: cp.Limit, totalResults: cp.TotalResults,
			totalPages: cp.TotalPages, hasNext: cp.Next != nil}, nil
	}
	return func(yield func(Crawler, error) bool) {
		n := 0
		for cr, err := range walkPages(ctx, op, 1, limit, fetch, func(cr Crawler) string { return cr.Id }) {
			if err == nil {
				if n++; n > MaxCatalogSize {
					yield(Crawler{}, fmt.Errorf("api: %s: the server sent more than %d crawlers: %w", op, MaxCatalogSize, ErrCatalogTooLarge))
					return
				}
			}
			if !yield(cr, err) {
				return
			}
		}
	}
}

// Get returns a crawler's details (Get Crawler Details, GET /v1/crawlers/{id}): its
// inputs, result columns, prices and limits. idOrSlug is a crawler id (32 lowercase
// hexadecimal characters) or a slug such as google-maps-leads-scraper. The API takes only
// an id, so a slug costs a walk of the catalogue first (Crawlers.List, one request for up
// to 100 crawlers) to find its id; no crawler with that slug is an error wrapping
// ErrCrawlerNotFound. An unknown id is an *Error for which IsNotFound is true. Anything
// else is refused before any request.
func (s *CrawlersService) Get(ctx context.Context, idOrSlug string) (*Crawler, error) {
	const op = "Crawlers.Get"
	id, err := s.resolve(ctx, op, "idOrSlug", idOrSlug)
	if err != nil {
		return nil, err
	}
	return send(ctx, s.client, request{op: op, retryable: true, build: func(base string) (*http.Request, error) {
		return gen.NewGetCrawlerRequest(base, id)
	}}, "a crawler (no id)", func(cr *Crawler) bool { return cr.Id != "" })
}

// resolve turns a crawler id or slug into an id: an id as it is, a slug by walking the
// catalogue (compared case-insensitively).
func (s *CrawlersService) resolve(ctx context.Context, op, arg, idOrSlug string) (string, error) {
	if ValidHash(idOrSlug) {
		return idOrSlug, nil
	}
	if idOrSlug == "" {
		return "", argError(op, arg, "empty; want a crawler id (32 lowercase hexadecimal characters) or a slug")
	}
	if !ValidSlug(idOrSlug) {
		return "", argError(op, arg, "%q is neither a crawler id (32 lowercase hexadecimal characters) nor a slug (letters, digits and -)", clip(idOrSlug, 40))
	}
	n := 0
	for cr, err := range s.all(ctx, op) {
		if err != nil {
			return "", err
		}
		n++
		if strings.EqualFold(cr.Slug, idOrSlug) {
			return cr.Id, nil
		}
	}
	return "", fmt.Errorf("api: %s: %s: no crawler has the slug %q (%d crawlers listed): %w", op, arg, clip(idOrSlug, 40), n, ErrCrawlerNotFound)
}

// Params returns the parameters a crawler accepts (Get Crawler Parameters, GET
// /v1/crawlers/{id}/params): Task holds the keys of each task (Tasks.Add), Squid the
// squid's settings and, under Functions, its paid add-ons (both sent with Squids.Update in
// Params). id is a crawler id; a slug is refused before any request (Crawlers.Get resolves
// one).
func (s *CrawlersService) Params(ctx context.Context, id string) (*CrawlerParams, error) {
	const op = "Crawlers.Params"
	if err := checkCrawlerID(op, "id", id); err != nil {
		return nil, err
	}
	return send(ctx, s.client, request{op: op, retryable: true, build: func(base string) (*http.Request, error) {
		return gen.NewGetCrawlerParamsRequest(base, id)
	}}, "a crawler's parameters (no task)", func(p *CrawlerParams) bool { return p.Task != nil })
}

// Attributes returns the columns of a crawler's results (Get Crawler Attributes, GET
// /v1/crawlers/{id}/attributes): name, type, an example, the function that produces it and
// whether it is always there (IsMain). The endpoint needs no token; the client sends its
// own anyway, which the API accepts. id is a crawler id; a slug is refused before any
// request (Crawlers.Get resolves one).
func (s *CrawlersService) Attributes(ctx context.Context, id string) ([]CrawlerAttribute, error) {
	const op = "Crawlers.Attributes"
	if err := checkCrawlerID(op, "id", id); err != nil {
		return nil, err
	}
	l, err := send(ctx, s.client, request{op: op, retryable: true, build: func(base string) (*http.Request, error) {
		return gen.NewGetCrawlerAttributesRequest(base, id)
	}}, "a list of attributes (no data)", func(l *CrawlerAttributeList) bool { return l.Data != nil })
	if err != nil {
		return nil, err
	}
	return l.Data, nil
}
