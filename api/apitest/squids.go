package apitest

import (
	"context"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/lobstr-go/lobstr/gen"
	"github.com/lobstr-go/lobstr/gen/models"
)

// squidSettings are a squid's settings and history, beside its tasks.
type squidSettings struct {
	id, name     string
	crawler      *crawler
	createdAt    string // as the API writes it
	createdVia   any    // "api", or nil for a documented squid made in the dashboard
	concurrency  int
	params       map[string]any
	paramsSaved  bool // Update Squid was sent params once: the squid can run
	isActive     bool
	toComplete   bool
	exportUnique bool
	noLineBreaks bool
	runNotify    any   // "on_success", "on_error" or nil
	accounts     []any // linked account hashes
	schedule     any   // nil, or the cron expression and time zone
	runs         []string
}

func newSettings(id, name string, c *crawler, at time.Time) squidSettings {
	return squidSettings{
		id: id, name: name, crawler: c, createdAt: at.UTC().Format(time.RFC3339),
		concurrency: 1, params: maps.Clone(c.defaults), isActive: true, accounts: []any{},
	}
}

// The documented squids the fake starts with, besides SeedSquid.
const (
	SeedDetailsSquid = "c106a44a98044ef18acc59986ae10967" // the squid of Get Squid Details' example
	SeedListedSquid  = "e86b29c032024b66aff529e1d43c2bd7" // the squid of List Squids' and Create Squid's examples
	SeedRunsSquid    = "b6c56d18cb0046949461ba9ca278e8ad" // the squid of List Runs' example, with its two runs
	SeedRunSquid     = "e445405ef4ab41208ef7d29b92a1a9dd" // the squid of Get Run's example (SeedRunHash)
)

// seedSquids adds the documented squids; f.mu is held (or f is not shared yet).
func (f *Fake) seedSquids() {
	sq := f.addSquid(SeedSquid)
	sq.name = "Documented tasks"
	var details, listed map[string]any
	mustDecode("docs/get-squid-details.200.json", &details)
	var page struct {
		Data []map[string]any `json:"data"`
	}
	mustDecode("docs/list-squids.200.json", &page)
	listed = page.Data[0]
	for _, doc := range []map[string]any{details, listed} {
		sq := f.addSquid(doc["id"].(string))
		sq.name = doc["name"].(string)
		sq.createdAt = doc["created_at"].(string)
		sq.concurrency = int(doc["concurrency"].(float64))
		sq.params = doc["params"].(map[string]any)
		// Its documented runs (total_runs, last_run_status, …) are seeded by seedRuns.
		if v, ok := doc["no_line_breaks"].(bool); ok {
			sq.noLineBreaks = v
		}
		if v, ok := doc["export_unique_results"].(bool); ok {
			sq.exportUnique = v
		}
	}
	for id, name := range map[string]string{
		SeedRunsSquid:                      "Documented runs",
		SeedRunSquid:                       "Documented run",
		"388d6d5e98134294ac612ec9f99dc5b1": "Documented empty squid",
		"5b071952127e47d2adc8d684ff24dbd2": "Documented deleted squid",
	} {
		f.addSquid(id).name = name
	}
}

// Documented and fake-specific error bodies of the squid and crawler operations.
var (
	errSquidPathNotFound = errorObject("Squid not found", "not_found_error", "squid_hash")
	errCrawlerNotFound   = errorObject("Crawler not found", "not_found_error", "crawler_hash")
	errCreateNoCrawler   = errorObject("Crawler not found", "not_found_error", "crawler")
)

// errorObject is the {"error": {"message", "type", "param"}} shape of the run, result and
// task examples.
func errorObject(msg, typ, param string) models.Error {
	return errorBody([]byte(jsonText(map[string]any{"error": map[string]any{"message": msg, "type": typ, "param": param}})))
}

// errorsEnvelope is the {"errors": {"message", "type", "code"}} shape the errors page gives
// the named error types (SquidNotReady, …).
func errorsEnvelope(msg, typ string, code int) models.Error {
	return errorBody([]byte(jsonText(map[string]any{"errors": map[string]any{"message": msg, "type": typ, "code": code}})))
}

// page is one page of a list: its size, number, and the slice [first, last) of the items.
type page struct {
	limit, page, total, pages, first, last int
}

// paginate pages total items; a page past the end is empty (its offset is never computed,
// so no page number overflows).
func paginate(total, limit, number int) page {
	p := page{limit: limit, page: number, total: total, pages: (total + limit - 1) / limit}
	if number <= p.pages {
		p.first = (number - 1) * limit
		p.last = min(p.first+limit, total)
	}
	return p
}

// envelope is the pagination envelope of p around data, with next and previous links on
// the request's host: path and query, with page and the page size (named sizeName) set.
func (p page) envelope(ctx context.Context, path string, q url.Values, sizeName string, data any) map[string]any {
	from, to := 0, 0
	if p.last > p.first {
		from, to = p.first+1, p.last
	}
	link := func(n int) any {
		q := maps.Clone(q)
		if q == nil {
			q = url.Values{}
		}
		q.Set("page", strconv.Itoa(n))
		q.Set(sizeName, strconv.Itoa(p.limit))
		return exchangeFrom(ctx).base + basePath + path + "?" + q.Encode()
	}
	var next, prev any
	if p.page < p.pages {
		next = link(p.page + 1)
	}
	if p.page > 1 && p.pages > 0 {
		prev = link(min(p.page-1, p.pages))
	}
	return map[string]any{"total_results": p.total, "limit": p.limit, "page": p.page, "total_pages": p.pages,
		"result_from": from, "result_to": to, "data": data, "next": next, "previous": prev}
}

// pageParams reads page and a page size (default def), checking their ranges as the
// document does (for a fake with validation off).
func pageParams(pageNo, size *int, def int) (limit, number int, problem string) {
	limit, number = def, 1
	if size != nil {
		limit = *size
	}
	if pageNo != nil {
		number = *pageNo
	}
	if limit < 1 || limit > maxLimit {
		return 0, 0, "limit must be between 1 and 100."
	}
	if number < 1 {
		return 0, 0, "page must be 1 or more."
	}
	return limit, number, ""
}

// squidView is a squid as Get Squid Details (full) or List Squids shows it. f.mu is held.
func (f *Fake) squidView(sq *squid, full bool, now time.Time) map[string]any {
	hasTasks := slices.ContainsFunc(sq.order, func(h string) bool { return f.tasks[h].task.IsActive })
	m := map[string]any{
		"id": sq.id, "created_at": sq.createdAt, "created_via": sq.createdVia, "name": sq.name,
		"is_ready": sq.paramsSaved && hasTasks && sq.isActive, "is_active": sq.isActive,
		"deactivation_reason": nil, "concurrency": sq.concurrency, "params": sq.params,
		"crawler": sq.crawler.id, "crawler_name": sq.crawler.name,
		"last_run_status": nil, "total_runs": len(sq.runs), "last_run_at": nil, "next_launch_at": nil,
		"is_public": sq.crawler.details["is_public"],
	}
	if !sq.isActive {
		m["deactivation_reason"] = "Deactivated with Update Squid (is_active false)."
	}
	last := map[string]any{"last_run": nil, "last_run_done_reason": nil, "last_run_is_done": nil}
	if n := len(sq.runs); n > 0 {
		r := f.runs[sq.runs[n-1]]
		r.advance(now, false)
		m["last_run_status"] = strings.ToUpper(r.status)
		m["last_run_at"] = r.createdAt
		last = map[string]any{"last_run": r.id, "last_run_done_reason": r.doneReason, "last_run_is_done": r.isDone()}
	}
	if !full {
		return m
	}
	maps.Copy(m, last)
	m["download_url"] = nil
	m["email"] = "user@example.com"
	m["schedule"] = sq.schedule
	m["schedule_time"] = nil
	if sched, ok := sq.schedule.(map[string]any); ok {
		m["schedule_time"] = "cron " + sched["cron_expression"].(string)
	}
	m["no_line_breaks"] = sq.noLineBreaks
	m["export_runs"] = true
	m["export_unique_results"] = sq.exportUnique
	m["notifications"] = true
	m["notifications_params"] = map[string]any{"run_notify": sq.runNotify}
	m["to_complete"] = sq.toComplete
	m["accounts"] = sq.accounts
	f.deliveryView(sq.id, m) // delivery.go: the channels configured, else null
	if icon, ok := sq.crawler.details["icon"]; ok {
		m["icon"] = icon
	}
	return m
}

// ListSquids pages through the squids, in the order they were made, filtered by name.
func (s *server) ListSquids(ctx context.Context, req gen.ListSquidsRequestObject) (gen.ListSquidsResponseObject, error) {
	p := req.Params
	limit, number, problem := pageParams(p.Page, p.Limit, defaultLimit)
	if problem != "" {
		return gen.ListSquids400JSONResponse{BadRequestJSONResponse: badRequestBody(ctx, detailError(problem))}, nil
	}
	f := s.f
	f.mu.Lock()
	now := time.Now()
	var matched []*squid
	for _, id := range f.squidOrder {
		sq := f.squids[id]
		if p.Name == nil || strings.Contains(strings.ToLower(sq.name), strings.ToLower(*p.Name)) {
			matched = append(matched, sq)
		}
	}
	pg := paginate(len(matched), limit, number)
	data := []any{}
	for _, sq := range matched[pg.first:pg.last] {
		data = append(data, f.squidView(sq, false, now))
	}
	f.mu.Unlock()
	q := url.Values{}
	if p.Name != nil {
		q.Set("name", *p.Name)
	}
	return answer(ctx, http.StatusOK, pg.envelope(ctx, "/squids", q, "limit", data)), nil
}

// CreateSquid makes a squid on a crawler of the catalogue. Its params are the crawler's
// defaults, not yet saved: it cannot run until Update Squid sends params once.
func (s *server) CreateSquid(ctx context.Context, req gen.CreateSquidRequestObject) (gen.CreateSquidResponseObject, error) {
	body := req.Body
	if body == nil || body.Crawler == "" {
		return gen.CreateSquid400JSONResponse{BadRequestJSONResponse: badRequestBody(ctx, errorObject("A required parameter crawler is missing.", "validation_error", "crawler"))}, nil
	}
	if body.Name != nil && strings.TrimSpace(*body.Name) == "" {
		return gen.CreateSquid400JSONResponse{BadRequestJSONResponse: badRequestBody(ctx, errorObject("name must not be empty.", "validation_error", "name"))}, nil
	}
	c, ok := catalogue().byID[body.Crawler]
	if !ok {
		return gen.CreateSquid404JSONResponse{NotFoundJSONResponse: notFoundBody(ctx, errCreateNoCrawler)}, nil
	}
	f := s.f
	f.mu.Lock()
	name := ""
	if body.Name != nil {
		name = *body.Name
	} else {
		n := 1
		for _, id := range f.squidOrder {
			if f.squids[id].crawler == c {
				n++
			}
		}
		name = c.name + " (" + strconv.Itoa(n) + ")"
	}
	id := newHash()
	sq := &squid{module: c.id, keys: map[string]string{}, squidSettings: newSettings(id, name, c, time.Now())}
	sq.createdVia = "api"
	f.squids[id] = sq
	f.squidOrder = append(f.squidOrder, id)
	view := map[string]any{
		"id": id, "account": []any{}, "concurrency": sq.concurrency, "crawler": c.id, "created_at": sq.createdAt,
		"is_active": sq.isActive, "name": sq.name, "params": maps.Clone(sq.params), "schedule": nil, "to_complete": false,
	}
	f.mu.Unlock()
	return answer(ctx, http.StatusOK, view), nil
}

// GetSquid shows a squid with its settings and last run.
func (s *server) GetSquid(ctx context.Context, req gen.GetSquidRequestObject) (gen.GetSquidResponseObject, error) {
	f := s.f
	f.mu.Lock()
	sq, ok := f.squids[req.SquidHash]
	var view map[string]any
	if ok {
		view = f.squidView(sq, true, time.Now())
	}
	f.mu.Unlock()
	if !ok {
		return gen.GetSquid404JSONResponse{NotFoundJSONResponse: notFoundBody(ctx, errSquidPathNotFound)}, nil
	}
	return answer(ctx, http.StatusOK, view), nil
}

// UpdateSquid changes the settings sent, and only those; params are checked against the
// crawler's and merged key by key (functions too, a deprecated function name under the
// function's name), and count as saved from then on.
func (s *server) UpdateSquid(ctx context.Context, req gen.UpdateSquidRequestObject) (gen.UpdateSquidResponseObject, error) {
	bad := func(msg, param string) (gen.UpdateSquidResponseObject, error) {
		return gen.UpdateSquid400JSONResponse{BadRequestJSONResponse: badRequestBody(ctx, errorObject(msg, "validation_error", param))}, nil
	}
	u := req.Body
	if u == nil {
		return bad("The body must be a JSON object of the settings to change.", "body")
	}
	f := s.f
	f.mu.Lock()
	defer f.mu.Unlock()
	sq, ok := f.squids[req.SquidHash]
	if !ok {
		return gen.UpdateSquid404JSONResponse{NotFoundJSONResponse: notFoundBody(ctx, errSquidPathNotFound)}, nil
	}
	if u.Name != nil && strings.TrimSpace(*u.Name) == "" {
		return bad("name must not be empty.", "name")
	}
	maxConc := 20
	if mc, ok := sq.crawler.details["max_concurrency"].(float64); ok {
		maxConc = min(maxConc, int(mc))
	}
	if u.Concurrency != nil && (*u.Concurrency < 1 || *u.Concurrency > maxConc) {
		return bad("concurrency must be between 1 and "+strconv.Itoa(maxConc)+" for this crawler.", "concurrency")
	}
	if rn, ok := u.RunNotify.Get(); ok && rn != models.RunNotifyOnSuccess && rn != models.RunNotifyOnError {
		return bad(`run_notify must be "on_success", "on_error" or null.`, "run_notify")
	}
	if u.Params != nil {
		if param, problem := sq.crawler.checkParams(*u.Params); problem != "" {
			return bad(problem, param)
		}
	}
	echo := map[string]any{}
	if u.Name != nil {
		sq.name = *u.Name
	}
	if u.Concurrency != nil {
		sq.concurrency = *u.Concurrency
		echo["concurrency"] = sq.concurrency
	}
	if u.IsActive != nil {
		sq.isActive = *u.IsActive
	}
	if u.ToComplete != nil {
		sq.toComplete = *u.ToComplete
	}
	if u.ExportUniqueResults != nil {
		sq.exportUnique = *u.ExportUniqueResults
	}
	if u.NoLineBreaks != nil {
		sq.noLineBreaks = *u.NoLineBreaks
	}
	if u.RunNotify.IsPresent() { // null: never notify
		sq.runNotify = nil
		if rn, ok := u.RunNotify.Get(); ok {
			sq.runNotify = string(rn)
		}
		echo["run_notify"] = sq.runNotify
	}
	if u.CronExpression != nil || u.Timezone != nil {
		sched, _ := sq.schedule.(map[string]any)
		if sched == nil {
			sched = map[string]any{"cron_expression": "", "timezone": "UTC"}
		}
		if u.CronExpression != nil {
			sched["cron_expression"] = *u.CronExpression
		}
		if u.Timezone != nil {
			sched["timezone"] = *u.Timezone
		}
		sq.schedule = sched
	}
	if u.Accounts.IsPresent() { // null or []: unlink every account
		sq.accounts = []any{}
		accounts, _ := u.Accounts.Get()
		for _, a := range accounts {
			sq.accounts = append(sq.accounts, a)
		}
		echo["accounts"] = sq.accounts
	}
	if u.Params != nil {
		merged := maps.Clone(sq.params)
		for k, v := range *u.Params {
			if k == "functions" {
				fns, _ := merged["functions"].(map[string]any)
				fns = maps.Clone(fns)
				if fns == nil {
					fns = map[string]any{}
				}
				// A deprecated name counts as the function's name; should a body send both,
				// the name wins.
				sent := v.(map[string]any)
				for fn, on := range sent {
					if name := sq.crawler.functionName(fn); name != fn {
						if _, both := sent[name]; !both {
							fns[name] = on
						}
					}
				}
				for fn, on := range sent {
					if sq.crawler.functionName(fn) == fn {
						fns[fn] = on
					}
				}
				merged["functions"] = fns
				continue
			}
			merged[k] = v
		}
		sq.params = merged
		sq.paramsSaved = true
		echo["params"] = merged
	}
	echo["name"] = sq.name
	echo["is_active"] = sq.isActive
	echo["no_line_breaks"] = sq.noLineBreaks
	echo["to_complete"] = sq.toComplete
	echo["export_unique_results"] = sq.exportUnique
	return answer(ctx, http.StatusOK, echo), nil
}

// DeleteSquid removes a squid with its tasks and its runs (an active run with it).
func (s *server) DeleteSquid(ctx context.Context, req gen.DeleteSquidRequestObject) (gen.DeleteSquidResponseObject, error) {
	f := s.f
	f.mu.Lock()
	sq, ok := f.squids[req.SquidHash]
	if ok {
		for _, h := range slices.Clone(sq.order) {
			f.removeTask(h)
		}
		for _, r := range sq.runs {
			delete(f.runs, r)
		}
		delete(f.squids, sq.id)
		f.squidOrder = slices.DeleteFunc(f.squidOrder, func(id string) bool { return id == sq.id })
		for id, u := range f.uploads {
			if u.squid == sq.id {
				delete(f.uploads, id)
			}
		}
	}
	f.mu.Unlock()
	if !ok {
		return gen.DeleteSquid404JSONResponse{NotFoundJSONResponse: notFoundBody(ctx, errSquidPathNotFound)}, nil
	}
	resp := gen.DeleteSquid200JSONResponse{Body: models.DeletedSquid{Id: req.SquidHash, Object: "squid", Deleted: true}}
	resp.Headers.XRateLimitLimit, resp.Headers.XRateLimitRemaining, resp.Headers.XRateLimitReset = rateHeaders(ctx)
	return resp, nil
}

// EmptySquid deletes a squid's tasks of one kind: url (those with a url parameter) or
// params (the others). Runs already made keep their results.
func (s *server) EmptySquid(ctx context.Context, req gen.EmptySquidRequestObject) (gen.EmptySquidResponseObject, error) {
	if req.Body == nil || (req.Body.Type != models.TaskKindURL && req.Body.Type != models.TaskKindParams) {
		return gen.EmptySquid400JSONResponse{BadRequestJSONResponse: badRequestBody(ctx,
			errorObject(`type must be "url" or "params".`, "validation_error", "type"))}, nil
	}
	f := s.f
	f.mu.Lock()
	sq, ok := f.squids[req.SquidHash]
	deleted := 0
	if ok {
		for _, h := range slices.Clone(sq.order) {
			_, isURL := f.tasks[h].listed().Params["url"]
			if isURL == (req.Body.Type == models.TaskKindURL) {
				f.removeTask(h)
				deleted++
			}
		}
	}
	f.mu.Unlock()
	if !ok {
		return gen.EmptySquid404JSONResponse{NotFoundJSONResponse: notFoundBody(ctx, errSquidPathNotFound)}, nil
	}
	resp := gen.EmptySquid200JSONResponse{Body: models.EmptiedSquid{Id: req.SquidHash, Object: "squid", Emptied: true, DeletedCount: deleted}}
	resp.Headers.XRateLimitLimit, resp.Headers.XRateLimitRemaining, resp.Headers.XRateLimitReset = rateHeaders(ctx)
	return resp, nil
}
