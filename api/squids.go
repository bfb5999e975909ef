package api

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"iter"
	"net/http"
	"slices"
	"strings"

	"github.com/lobstr-go/lobstr/gen"
	"github.com/lobstr-go/lobstr/gen/models"
	"github.com/lobstr-go/lobstr/types"
)

// checkSquid refuses what cannot be a squid id. The document imposes no format on squid
// ids (the documentation's examples are not all hexadecimal: a1b2c3d4e5f6g7h8i9j0), only
// that one is not empty; blanks and control characters cannot be part of one either.
func checkSquid(op, arg, id string) error {
	if id == "" {
		return argError(op, arg, "empty; a squid id is required")
	}
	for _, r := range id {
		if r <= ' ' || r == 0x7f {
			return argError(op, arg, "%q holds a blank or a control character; not a squid id", clip(id, 40))
		}
	}
	return nil
}

// ListSquidsOptions selects a page of the account's squids.
type ListSquidsOptions struct {
	Name  string // only the squids whose name contains it, compared case-insensitively; "" for all
	Page  int    // 1-based; 0 means the first page
	Limit int    // 1..100; 0 means the server's default
}

func (o ListSquidsOptions) params(op string) (*models.ListSquidsParams, error) {
	p := &models.ListSquidsParams{}
	if o.Name != "" {
		p.Name = &o.Name
	}
	if o.Page < 0 {
		return nil, argError(op, "Page", "%d; want 1 or more (0 for the first page)", o.Page)
	}
	if o.Page > 0 {
		p.Page = &o.Page
	}
	if o.Limit < 0 || o.Limit > MaxPageSize {
		return nil, argError(op, "Limit", "%d; want 1 to %d (0 for the server's default)", o.Limit, MaxPageSize)
	}
	if o.Limit > 0 {
		p.Limit = &o.Limit
	}
	return p, nil
}

// SquidNotReadyHelp says what to do about a squid that cannot run, for messages: the
// documented quirk that a new squid runs only once its params were saved.
const SquidNotReadyHelp = "a squid runs only once its params were saved with Update Squid, even when every one is optional " +
	"(c.Squids.Update(ctx, id, api.SquidUpdate{Params: &api.SquidParams{...}}), or Squids.Create with api.SaveParams), " +
	"and it has active tasks; then start the run again"

// IsSquidNotReady reports whether err is (or wraps) the API's refusal to run a squid that is
// not ready (type SquidNotReady): its params were never saved with Update Squid (a squid
// made by Create Squid must save them once, even when every one is optional), it has no
// tasks, or it is deactivated. SquidNotReadyHelp says what to do.
func IsSquidNotReady(err error) bool {
	var e *Error
	if !errors.As(err, &e) {
		return false
	}
	if strings.EqualFold(e.Type, "SquidNotReady") {
		return true
	}
	return e.StatusCode == http.StatusBadRequest && strings.Contains(strings.ToLower(e.Message), "not ready")
}

// CreateSquidOption changes what Squids.Create does beyond Create Squid.
type CreateSquidOption func(*createSquid)

type createSquid struct {
	save   bool
	params SquidParams
}

// SaveParams makes Squids.Create save the new squid's params at once (Update Squid), so
// that it can run as soon as it has tasks: a squid made by Create Squid cannot run until its
// params were saved once, even when every one is optional. p is merged key by key over the
// crawler's defaults the squid starts with; nil or empty saves those defaults as they are.
func SaveParams(p SquidParams) CreateSquidOption {
	return func(o *createSquid) { o.save, o.params = true, p }
}

// Create makes a squid on a crawler (Create Squid, POST /v1/squids) and returns it as Get
// Squid Details shows it (a second request: Create Squid's answer has fewer fields).
// crawler is a crawler id or a slug such as google-maps-leads-scraper (a slug costs a walk
// of the catalogue, as Crawlers.Get); name "" lets the server name it "<crawler name> (N)".
//
// A new squid starts with the crawler's default params but cannot run yet: the API
// refuses to start it (IsSquidNotReady) until its params were saved once with
// Squids.Update, even when every one is optional. Pass SaveParams to do that here, or
// save them before the first run. IsReady says whether a squid can run (params saved and
// active tasks).
//
// Create is not retried (a retry could make two squids). When a request after Create
// Squid fails, Create returns the squid as Create Squid answered it (Id set) together with
// the error.
func (s *SquidsService) Create(ctx context.Context, crawler, name string, opts ...CreateSquidOption) (*Squid, error) {
	const op = "Squids.Create"
	var o createSquid
	for _, opt := range opts {
		if opt != nil {
			opt(&o)
		}
	}
	if name != "" && strings.TrimSpace(name) == "" {
		return nil, argError(op, "name", "blank; give a name, or \"\" to let the server choose one")
	}
	id, err := s.client.Crawlers.resolve(ctx, op, "crawler", crawler)
	if err != nil {
		return nil, err
	}
	body := models.CreateSquidRequest{Crawler: id}
	if name != "" {
		body.Name = &name
	}
	created, err := send(ctx, s.client, request{op: op, build: func(base string) (*http.Request, error) {
		return gen.NewCreateSquidRequest(base, body)
	}}, "a created squid (no id)", func(c *CreatedSquid) bool { return c.Id != "" })
	if err != nil {
		return nil, err
	}
	partial := squidFromCreated(created)
	if o.save {
		p := SquidParams{}
		for k, v := range created.Params {
			p[k] = v
		}
		for k, v := range o.params {
			p[k] = v
		}
		if _, err := s.update(ctx, op, created.Id, SquidUpdate{Params: &p}); err != nil {
			return partial, fmt.Errorf("api: %s: squid %s was created, but saving its params failed: %w", op, created.Id, err)
		}
	}
	sq, err := s.Get(ctx, created.Id)
	if err != nil {
		return partial, fmt.Errorf("api: %s: squid %s was created, but reading it back failed: %w", op, created.Id, err)
	}
	return sq, nil
}

// squidFromCreated is a squid with the fields Create Squid answered.
func squidFromCreated(c *CreatedSquid) *Squid {
	tc := c.ToComplete
	return &Squid{Id: c.Id, Name: c.Name, Crawler: c.Crawler, Concurrency: c.Concurrency, CreatedAt: c.CreatedAt,
		IsActive: c.IsActive, Params: c.Params, Schedule: c.Schedule, ToComplete: &tc}
}

// Get returns a squid with its settings and last run (Get Squid Details, GET
// /v1/squids/{id}). An unknown id is an *Error for which IsNotFound is true. Retried on
// network errors, 429 and 5xx.
func (s *SquidsService) Get(ctx context.Context, id string) (*Squid, error) {
	const op = "Squids.Get"
	if err := checkSquid(op, "id", id); err != nil {
		return nil, err
	}
	return send(ctx, s.client, request{op: op, retryable: true, build: func(base string) (*http.Request, error) {
		return gen.NewGetSquidRequest(base, id)
	}}, "a squid (no id)", func(sq *Squid) bool { return sq.Id != "" })
}

// List returns one page of the account's squids (List Squids, GET /v1/squids), filtered by
// name when opts.Name is set. Use Squids.All to walk every page.
func (s *SquidsService) List(ctx context.Context, opts ListSquidsOptions) (*SquidPage, error) {
	const op = "Squids.List"
	params, err := opts.params(op)
	if err != nil {
		return nil, err
	}
	return send(ctx, s.client, request{op: op, retryable: true, build: func(base string) (*http.Request, error) {
		return gen.NewListSquidsRequest(base, params)
	}}, "a page of squids (no data)", func(p *SquidPage) bool { return p.Data != nil })
}

// All walks every squid (of those whose name contains opts.Name), page after page from
// opts.Page, fetching each page only when the consumer reaches it: lazy, no request after
// a break, an error yielded once (with a zero Squid) and the end. It keeps the contract of
// Tasks.All: it always ends, never yields a squid twice, and ends with an *IncompleteError
// when it saw fewer squids than the server counted.
//
//	for sq, err := range c.Squids.All(ctx, api.ListSquidsOptions{Limit: 100}) {
//		if err != nil { return err }
//		fmt.Println(sq.Id, sq.Name)
//	}
func (s *SquidsService) All(ctx context.Context, opts ListSquidsOptions) iter.Seq2[Squid, error] {
	fetch := func(ctx context.Context, page int) (*listPage[Squid], error) {
		o := opts
		o.Page = page
		p, err := s.List(ctx, o)
		if err != nil {
			return nil, err
		}
		return &listPage[Squid]{items: p.Data, page: p.Page, limit: p.Limit, totalResults: p.TotalResults,
			totalPages: p.TotalPages, hasNext: p.Next != nil}, nil
	}
	return walkPages(ctx, "Squids.All", opts.Page, opts.Limit, fetch, func(sq Squid) string { return sq.Id })
}

// Update changes a squid's settings (Update Squid, POST /v1/squids/{id}) and returns the
// squid as Get Squid Details shows it afterwards (a second request: Update Squid echoes
// only the settings sent, as the official SDK also does).
//
// Only the fields of u that are set are sent; the others keep their value on the server:
// a nil pointer is left out, and so is an absent types.Nullable, while Null sends null.
//
//	c.Squids.Update(ctx, id, api.SquidUpdate{
//		Name:        api.Ptr("Restaurants in Marseille"),
//		Concurrency: api.Ptr(2),
//		Params:      &api.SquidParams{"max_results": 100, "functions": map[string]any{"extract_emails_from_website": true}},
//		RunNotify:   api.NullableOf(api.RunNotifyOnError), // api.Null[api.RunNotify]() for never
//	})
//
// Params are merged key by key over the squid's; saving them once is what makes a new
// squid able to run (see Create). Accounts replaces the whole list of linked accounts
// (empty or null unlinks every one). An update with nothing set, an empty name, a
// concurrency outside 1..20, an unknown run_notify or an empty account hash is refused
// before any request. Retried like a read: sending the same settings twice is harmless.
// If Update Squid succeeds and the read after it fails, the error says the squid was
// updated.
func (s *SquidsService) Update(ctx context.Context, id string, u SquidUpdate) (*Squid, error) {
	const op = "Squids.Update"
	if _, err := s.update(ctx, op, id, u); err != nil {
		return nil, err
	}
	sq, err := s.Get(ctx, id)
	if err != nil {
		return nil, fmt.Errorf("api: %s: squid %s was updated, but reading it back failed: %w", op, id, err)
	}
	return sq, nil
}

// update sends Update Squid and returns its echo.
func (s *SquidsService) update(ctx context.Context, op, id string, u SquidUpdate) (*UpdatedSquid, error) {
	if err := checkSquid(op, "id", id); err != nil {
		return nil, err
	}
	if err := checkUpdate(op, u); err != nil {
		return nil, err
	}
	body, err := json.Marshal(u)
	if err != nil {
		return nil, argError(op, "update", "cannot be encoded as JSON: %v", err)
	}
	return send(ctx, s.client, request{op: op, retryable: true, build: func(base string) (*http.Request, error) {
		return gen.NewUpdateSquidRequestWithBody(base, id, "application/json", bytes.NewReader(body))
	}}, "an updated squid", func(*UpdatedSquid) bool { return true })
}

// checkUpdate refuses an update the API would refuse, naming the field.
func checkUpdate(op string, u SquidUpdate) error {
	if u.Name == nil && u.IsActive == nil && u.Concurrency == nil && u.ToComplete == nil && u.ExportUniqueResults == nil &&
		u.NoLineBreaks == nil && u.CronExpression == nil && u.Timezone == nil && u.Params == nil &&
		!u.RunNotify.IsPresent() && !u.Accounts.IsPresent() {
		return argError(op, "update", "nothing set; set at least one field (Name, Concurrency, Params, …)")
	}
	if u.Name != nil && strings.TrimSpace(*u.Name) == "" {
		return argError(op, "Name", "blank; a squid needs a name")
	}
	if u.Concurrency != nil && (*u.Concurrency < 1 || *u.Concurrency > 20) {
		return argError(op, "Concurrency", "%d; want 1 to 20 (the crawler and the plan may cap it lower)", *u.Concurrency)
	}
	if rn, ok := u.RunNotify.Get(); ok && !rn.Valid() {
		return argError(op, "RunNotify", "%q; want %q, %q, or Null for never", clip(string(rn), 40), RunNotifyOnSuccess, RunNotifyOnError)
	}
	if u.CronExpression != nil && strings.TrimSpace(*u.CronExpression) == "" {
		return argError(op, "CronExpression", "blank; want a cron expression such as \"0 10 * * *\"")
	}
	if u.Timezone != nil && strings.TrimSpace(*u.Timezone) == "" {
		return argError(op, "Timezone", "blank; want an IANA time zone such as \"Europe/Paris\"")
	}
	accounts, _ := u.Accounts.Get()
	for i, a := range accounts {
		if strings.TrimSpace(a) == "" {
			return argError(op, fmt.Sprintf("Accounts[%d]", i), "empty; want an account hash")
		}
	}
	return nil
}

// Empty deletes a squid's tasks, and their results (Empty Squid, POST
// /v1/squids/{id}/empty); its settings, integrations and schedule stay. The API empties one
// kind of task at a time: kinds says which (TaskKindURL, TaskKindParams); none means both,
// one request each, their counts added. Irreversible: stop an active run first. Retried
// like a read. When the second request fails, Empty returns what the first did together
// with the error.
func (s *SquidsService) Empty(ctx context.Context, id string, kinds ...TaskKind) (*EmptiedSquid, error) {
	const op = "Squids.Empty"
	if err := checkSquid(op, "id", id); err != nil {
		return nil, err
	}
	if len(kinds) == 0 {
		kinds = []TaskKind{TaskKindURL, TaskKindParams}
	}
	var seen []TaskKind
	for i, k := range kinds {
		if k != TaskKindURL && k != TaskKindParams {
			return nil, argError(op, fmt.Sprintf("kinds[%d]", i), "%q; want %q or %q", clip(string(k), 40), TaskKindURL, TaskKindParams)
		}
		if !slices.Contains(seen, k) {
			seen = append(seen, k)
		}
	}
	var total *EmptiedSquid
	for _, k := range seen {
		body := models.EmptySquidRequest{Type: k}
		e, err := send(ctx, s.client, request{op: op, retryable: true, build: func(base string) (*http.Request, error) {
			return gen.NewEmptySquidRequest(base, id, body)
		}}, "an emptied squid (no id)", func(e *EmptiedSquid) bool { return e.Id != "" })
		if err != nil {
			return total, err
		}
		if total == nil {
			total = e
			continue
		}
		total.DeletedCount += e.DeletedCount
		total.Emptied = total.Emptied && e.Emptied
	}
	return total, nil
}

// Delete deletes a squid with its tasks, results, runs and settings (Delete Squid, DELETE
// /v1/squids/{id}); an active run is stopped first and its partial results are lost.
// Irreversible. An unknown id is an *Error for which IsNotFound is true; a retried delete
// whose first attempt went through therefore also ends in IsNotFound.
func (s *SquidsService) Delete(ctx context.Context, id string) (*DeletedSquid, error) {
	const op = "Squids.Delete"
	if err := checkSquid(op, "id", id); err != nil {
		return nil, err
	}
	return send(ctx, s.client, request{op: op, retryable: true, build: func(base string) (*http.Request, error) {
		return gen.NewDeleteSquidRequest(base, id)
	}}, "a deleted squid (no id)", func(d *DeletedSquid) bool { return d.Id != "" })
}

// Ptr returns a pointer to v, for the optional fields of request models such as
// SquidUpdate: api.SquidUpdate{Name: api.Ptr("Restaurants"), Concurrency: api.Ptr(2)}.
func Ptr[T any](v T) *T { return &v }

// NullableOf is a value for an optional field that may also be null (SquidUpdate's
// RunNotify and Accounts): set to v. The zero types.Nullable leaves the field out.
func NullableOf[T any](v T) types.Nullable[T] { return types.NullableOf(v) }

// Null is null for an optional field that may be null: SquidUpdate{RunNotify:
// api.Null[api.RunNotify]()} turns run emails off, SquidUpdate{Accounts: api.Null[[]string]()}
// unlinks every account.
func Null[T any]() types.Nullable[T] { return types.Null[T]() }
