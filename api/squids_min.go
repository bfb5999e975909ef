package api

// This file holds the least of the Squids service that `lobstr go` and the tests of runs
// need (Create, List, All, Update). It is to be merged with (and replaced by) the full
// Squids service.

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"iter"
	"net/http"
	"strings"

	"github.com/lobstr-go/lobstr/gen"
	"github.com/lobstr-go/lobstr/gen/models"
)

type (
	// Squid is a user's scraping project: one crawler, its settings and its tasks.
	Squid = models.Squid
	// SquidPage is one page of List Squids.
	SquidPage = models.SquidPage
	// SquidUpdate is the body of Update Squid: only the fields set change.
	SquidUpdate = models.SquidUpdate
	// SquidParams are a squid's settings for its crawler (max_results, country, functions, …).
	SquidParams = models.SquidParams
)

// Create makes a squid on a crawler, given by id or slug (Create Squid), named name (the
// API names it after the crawler when name is empty). Its params must still be saved once
// (Update) before it can run. Not retried.
func (s *SquidsService) Create(ctx context.Context, crawler, name string) (*Squid, error) {
	c := s.client
	const op = "Squids.Create"
	crawler = strings.TrimSpace(crawler)
	if crawler == "" {
		return nil, argError(op, "crawler", "empty; give a crawler id or slug")
	}
	if !ValidHash(crawler) {
		cr, err := c.Crawlers.Get(ctx, crawler)
		if err != nil {
			return nil, err
		}
		crawler = cr.Id
	}
	req := models.CreateSquidRequest{Crawler: crawler}
	if name != "" {
		req.Name = &name
	}
	body, err := json.Marshal(req)
	if err != nil {
		return nil, fmt.Errorf("api: %s: encoding the request: %w", op, err)
	}
	return send(ctx, c, request{op: op, build: func(base string) (*http.Request, error) {
		return gen.NewCreateSquidRequestWithBody(base, "application/json", bytes.NewReader(body))
	}}, "a squid (no id)", func(sq *Squid) bool { return sq.Id != "" })
}

// ListSquidsOptions selects a page of the account's squids.
type ListSquidsOptions struct {
	Name  string // only squids whose name contains this, case-insensitively
	Page  int    // 1-based; 0 means the first page
	Limit int    // 1..100; 0 means the server's default
}

// List returns one page of the account's squids (List Squids).
func (s *SquidsService) List(ctx context.Context, opts ListSquidsOptions) (*SquidPage, error) {
	c := s.client
	const op = "Squids.List"
	page, limit, err := pageArgs(op, opts.Page, opts.Limit)
	if err != nil {
		return nil, err
	}
	params := &models.ListSquidsParams{Page: page, Limit: limit}
	if opts.Name != "" {
		name := opts.Name
		params.Name = &name
	}
	return send(ctx, c, request{op: op, retryable: true, build: func(base string) (*http.Request, error) {
		return gen.NewListSquidsRequest(base, params)
	}}, "a page of squids (no data)", func(p *SquidPage) bool { return p.Data != nil })
}

// All walks the account's squids page after page, lazily, with the contract of Tasks.All.
func (s *SquidsService) All(ctx context.Context, opts ListSquidsOptions) iter.Seq2[Squid, error] {
	c := s.client
	fetch := func(ctx context.Context, page int) (*listPage[Squid], error) {
		o := opts
		o.Page = page
		p, err := c.Squids.List(ctx, o)
		if err != nil {
			return nil, err
		}
		return &listPage[Squid]{items: p.Data, page: p.Page, limit: p.Limit, totalResults: p.TotalResults,
			totalPages: p.TotalPages, hasNext: p.Next != nil}, nil
	}
	return walkPages(ctx, "Squids.All", opts.Page, opts.Limit, fetch, func(sq Squid) string { return sq.Id })
}

// Update changes a squid's settings (Update Squid): only the fields set in u are sent. The
// API answers with the settings it took, not the whole squid: the returned Squid holds
// those and the id. Retried like a read, since sending the same settings twice is harmless.
func (s *SquidsService) Update(ctx context.Context, id string, u SquidUpdate) (*Squid, error) {
	c := s.client
	const op = "Squids.Update"
	if strings.TrimSpace(id) == "" {
		return nil, argError(op, "id", "empty; a squid id is required")
	}
	body, err := json.Marshal(u)
	if err != nil {
		return nil, argError(op, "u", "cannot be encoded as JSON: %v", err)
	}
	sq, err := send(ctx, c, request{op: op, retryable: true, build: func(base string) (*http.Request, error) {
		return gen.NewUpdateSquidRequestWithBody(base, id, "application/json", bytes.NewReader(body))
	}}, "an updated squid", func(*Squid) bool { return true })
	if err != nil {
		return nil, err
	}
	sq.Id = id
	return sq, nil
}

type (
	// EmptiedSquid is what Empty Squid did: how many tasks it deleted.
	EmptiedSquid = models.EmptiedSquid
	// DeletedSquid is what Delete Squid did.
	DeletedSquid = models.DeletedSquid
)

// Empty deletes every task of a squid built from a URL (Empty Squid, type url), as the
// official SDK does by default. Retried: emptying twice is harmless.
func (s *SquidsService) Empty(ctx context.Context, id string) (*EmptiedSquid, error) {
	c := s.client
	const op = "Squids.Empty"
	if strings.TrimSpace(id) == "" {
		return nil, argError(op, "id", "empty; a squid id is required")
	}
	body := []byte(`{"type":"url"}`)
	return send(ctx, c, request{op: op, retryable: true, build: func(base string) (*http.Request, error) {
		return gen.NewEmptySquidRequestWithBody(base, id, "application/json", bytes.NewReader(body))
	}}, "an emptied squid", func(*EmptiedSquid) bool { return true })
}

// Delete deletes a squid with its tasks and runs (Delete Squid). Not retried.
func (s *SquidsService) Delete(ctx context.Context, id string) (*DeletedSquid, error) {
	c := s.client
	const op = "Squids.Delete"
	if strings.TrimSpace(id) == "" {
		return nil, argError(op, "id", "empty; a squid id is required")
	}
	return send(ctx, c, request{op: op, build: func(base string) (*http.Request, error) {
		return gen.NewDeleteSquidRequest(base, id)
	}}, "a deleted squid", func(*DeletedSquid) bool { return true })
}
