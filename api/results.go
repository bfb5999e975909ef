package api

import (
	"context"
	"encoding/json"
	"fmt"
	"iter"
	"net/http"
	"strings"

	"github.com/lobstr-go/lobstr/gen"
	"github.com/lobstr-go/lobstr/gen/models"
)

// ResultsOptions selects scraped rows: every row of a squid (across its runs) or of one run,
// optionally narrowed to one task. Give Squid or Run, not both.
type ResultsOptions struct {
	Squid string // every row of this squid
	Run   string // the rows of this run (its hash)
	Task  string // only the rows of this task (its hash); optional
	Page  int    // 1-based; 0 means the first page
	Limit int    // rows a page, 1..100; 0 means the server's default (50) for List, 100 for All
}

func (o ResultsOptions) params(op string) (*models.ListResultsParams, error) {
	squid, run := strings.TrimSpace(o.Squid), strings.TrimSpace(o.Run)
	switch {
	case squid == "" && run == "":
		return nil, argError(op, "Squid, Run", "both empty; give a squid or a run")
	case squid != "" && run != "":
		return nil, argError(op, "Squid, Run", "both given; give a squid or a run, not both")
	}
	p := &models.ListResultsParams{}
	if squid != "" {
		p.Squid = &squid
	}
	if run != "" {
		if err := checkHash(op, "Run", run); err != nil {
			return nil, err
		}
		p.Run = &run
	}
	if o.Task != "" {
		if err := checkHash(op, "Task", o.Task); err != nil {
			return nil, err
		}
		task := o.Task
		p.Task = &task
	}
	page, limit, err := pageArgs(op, o.Page, o.Limit)
	if err != nil {
		return nil, err
	}
	// The documentation names the page size limit or page_size, by revision: both are sent.
	p.Page, p.Limit, p.PageSize = page, limit, limit
	return p, nil
}

// List returns one page of scraped rows (Get Results). The results family has its own rate
// limit, 2 requests a second, which the client keeps. Use Results.All to walk every page.
func (s *ResultsService) List(ctx context.Context, opts ResultsOptions) (*ResultPage, error) {
	c := s.client
	const op = "Results.List"
	params, err := opts.params(op)
	if err != nil {
		return nil, err
	}
	return send(ctx, c, request{op: op, retryable: true, build: func(base string) (*http.Request, error) {
		return gen.NewListResultsRequest(base, params)
	}}, "a page of results (no data)", func(p *ResultPage) bool { return p.Data != nil })
}

// All walks every row of a squid or a run, page after page at the largest page size (100
// unless opts.Limit says otherwise), lazily, with the contract of Tasks.All: no request
// after a break, no row twice (rows are told apart by their id), an *IncompleteError when
// it saw fewer rows than announced (its Warning holds the server's note when a free plan's
// export cap cut the data), an error yielded once. Its requests keep the results family's
// limit of 2 a second: 10,000 rows take 100 requests and about 50 s.
func (s *ResultsService) All(ctx context.Context, opts ResultsOptions) iter.Seq2[Result, error] {
	c := s.client
	if opts.Limit == 0 {
		opts.Limit = MaxPageSize
	}
	fetch := func(ctx context.Context, page int) (*listPage[Result], error) {
		o := opts
		o.Page = page
		p, err := c.Results.List(ctx, o)
		if err != nil {
			return nil, err
		}
		lp := &listPage[Result]{items: p.Data, page: p.Page, limit: p.Limit, totalResults: p.TotalResults,
			totalPages: p.TotalPages, hasNext: p.Next != nil}
		if p.Warning != nil {
			lp.warning = *p.Warning
		}
		return lp, nil
	}
	return walkPages(ctx, "Results.All", opts.Page, opts.Limit, fetch, ResultID)
}

// ResultID returns a row's id as text: the string, or the number's digits for the older
// rows whose id is a number; "" when the row has none.
func ResultID(r Result) string {
	raw, ok := r["id"]
	if !ok {
		return ""
	}
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return s
	}
	t := strings.TrimSpace(string(raw))
	if t == "null" {
		return ""
	}
	return t
}

// DecodeResult decodes a row into the caller's own type T (a struct with json tags, or a
// map): the columns T names are filled, the others ignored. A column whose JSON does not fit
// T's field is an error naming the row.
func DecodeResult[T any](r Result) (T, error) {
	var v T
	b, err := json.Marshal(r)
	if err != nil {
		return v, fmt.Errorf("api: DecodeResult: row %s: %w", clip(ResultID(r), 40), err)
	}
	if err := json.Unmarshal(b, &v); err != nil {
		return v, fmt.Errorf("api: DecodeResult: row %s into %T: %w", clip(ResultID(r), 40), v, err)
	}
	return v, nil
}

// ResultsAs turns a sequence of rows (Results.All) into a sequence of the caller's own
// type, each row decoded with DecodeResult. An error of the sequence is passed on; a row
// that does not decode is yielded as an error and the sequence goes on.
//
//	type Lead struct {
//		Name  string  `json:"name"`
//		Score float64 `json:"score"`
//	}
//	for lead, err := range api.ResultsAs[Lead](c.Results.All(ctx, api.ResultsOptions{Run: run})) { … }
func ResultsAs[T any](seq iter.Seq2[Result, error]) iter.Seq2[T, error] {
	return func(yield func(T, error) bool) {
		for r, err := range seq {
			var v T
			if err == nil {
				v, err = DecodeResult[T](r)
			}
			if !yield(v, err) {
				return
			}
		}
	}
}
