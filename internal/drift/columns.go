package drift

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/lobstr-go/lobstr/catalog"
)

// The bounds of what the column watch keeps in memory.
const (
	// maxLearned is how many squids, runs and crawlers each of its maps holds; past that
	// the oldest entries are forgotten (and looked up again when needed).
	maxLearned = 4096
	// maxColumnsPerCrawler is how many unknown columns of one crawler are reported; past
	// that, one more violation says that there are more, and the rest are not reported.
	maxColumnsPerCrawler = 64
	// maxCrawlers is how many crawlers the watch tracks reports for.
	maxCrawlers = 1024
	// lookupTimeout bounds a lookup of a squid, a run or a crawler through the upstream.
	lookupTimeout = 10 * time.Second
	// maxLookupBody bounds the answer to a lookup.
	maxLookupBody = 1 << 20
)

// columnWatch checks the rows of Get Results against the catalogue: each key of a row that
// is neither a property the document declares for every row (id, object, squid, run,
// scraping_time) nor a column the catalogue documents for the crawler of the row's squid
// is an unknown column, reported once per crawler and column.
//
// To know a row's crawler it learns, from the answers it sees, which crawler each squid
// runs (List Squids, Get Squid, Create Squid), which squid each run belongs to (Start
// Run, List Runs, Get Run, Abort Run) and each crawler's slug (List Crawlers, Get Crawler
// Details); what it has not seen it looks up through the upstream, once, with the
// caller's token (Get Squid, Get Run, Get Crawler Details). Its memory is bounded.
type columnWatch struct {
	rowProps map[string]bool // the properties the document declares for every row
	lookup   func(ctx context.Context, auth, path string) (map[string]any, error)
	byID     func(string) *catalog.Crawler // the catalogue: catalog.ByID
	bySlug   func(string) *catalog.Crawler // and catalog.BySlug

	mu       sync.Mutex
	squids   *boundedMap // squid id -> crawler id ("" when a lookup failed)
	runs     *boundedMap // run id -> squid id ("" when a lookup failed)
	slugs    *boundedMap // crawler id -> slug ("" when a lookup failed)
	reported map[string]map[string]bool
}

// newColumnWatch returns a watch whose row properties are those op (Get Results) declares
// for the items of data, and which looks up what it has not seen with lookup.
func newColumnWatch(op *openapi3.Operation, lookup func(ctx context.Context, auth, path string) (map[string]any, error)) *columnWatch {
	w := &columnWatch{
		rowProps: map[string]bool{},
		lookup:   lookup,
		byID:     catalog.ByID,
		bySlug:   catalog.BySlug,
		squids:   newBoundedMap(maxLearned),
		runs:     newBoundedMap(maxLearned),
		slugs:    newBoundedMap(maxLearned),
		reported: map[string]map[string]bool{},
	}
	if op == nil {
		return w
	}
	if _, resp := responseKey(op.Responses, http.StatusOK); resp != nil {
		if mt := resp.Content.Get("application/json"); mt != nil && mt.Schema != nil && mt.Schema.Value != nil {
			if data := mt.Schema.Value.Properties["data"]; data != nil && data.Value != nil && data.Value.Items != nil && data.Value.Items.Value != nil {
				view := objectView{props: map[string][]*openapi3.Schema{}}
				view.collect(data.Value.Items.Value)
				for name := range view.props {
					w.rowProps[name] = true
				}
			}
		}
	}
	return w
}

// learn takes what an answer of operation tells: squids' crawlers, runs' squids,
// crawlers' slugs. params are the request's path parameters.
func (w *columnWatch) learn(operation string, params map[string]string, status int, body []byte) {
	if status < 200 || status > 299 {
		return
	}
	var kind string
	switch operation {
	case "listSquids", "getSquid", "createSquid":
		kind = "squid"
	case "listRuns", "getRun", "startRun", "abortRun":
		kind = "run"
	case "listCrawlers", "getCrawler":
		kind = "crawler"
	default:
		return
	}
	v, err := decodeJSON(body)
	if err != nil {
		return
	}
	obj, _ := v.(map[string]any)
	if obj == nil {
		return
	}
	items := []any{obj}
	if data, ok := obj["data"].([]any); ok && strings.HasPrefix(operation, "list") {
		items = data
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	for _, it := range items {
		o, _ := it.(map[string]any)
		if o == nil {
			continue
		}
		id, _ := o["id"].(string)
		switch kind {
		case "squid":
			if id == "" {
				id = params["squid_hash"]
			}
			if crawler, _ := o["crawler"].(string); id != "" && crawler != "" {
				w.squids.put(id, crawler)
			}
		case "run":
			if id == "" {
				id = params["run_hash"]
			}
			if squid, _ := o["squid"].(string); id != "" && squid != "" {
				w.runs.put(id, squid)
			}
		case "crawler":
			if id == "" {
				id = params["crawler_hash"]
			}
			if slug, _ := o["slug"].(string); id != "" && slug != "" {
				w.slugs.put(id, slug)
			}
		}
	}
}

// check returns the findings of an answer of Get Results: one per unknown column (by
// crawler), and one per squid whose crawler the catalogue does not know. query is the
// request's query; auth its Authorization, for the lookups.
func (w *columnWatch) check(ctx context.Context, query url.Values, auth string, body []byte) []finding {
	v, err := decodeJSON(body)
	if err != nil {
		return nil
	}
	page, _ := v.(map[string]any)
	rows, _ := page["data"].([]any)
	if len(rows) == 0 {
		return nil
	}
	var out []finding
	crawlers := map[string]*catalog.Crawler{} // squid -> crawler, for this answer
	unknown := map[string]string{}            // squid -> crawler id or slug the catalogue lacks
	seen := map[string]bool{}                 // slug \x00 column, for this answer
	for i, r := range rows {
		row, _ := r.(map[string]any)
		if row == nil {
			continue
		}
		squid, _ := row["squid"].(string)
		if squid == "" {
			squid = query.Get("squid")
		}
		if squid == "" {
			run, _ := row["run"].(string)
			if run == "" {
				run = query.Get("run")
			}
			squid = w.squidOfRun(ctx, auth, run)
		}
		if squid == "" {
			continue
		}
		cr, known := crawlers[squid]
		if !known {
			var what string
			cr, what = w.crawlerOfSquid(ctx, auth, squid)
			crawlers[squid] = cr
			if cr == nil && what != "" {
				unknown[squid] = what
			}
		}
		if cr == nil {
			continue
		}
		names := make([]string, 0, len(row))
		for name := range row {
			if !w.rowProps[name] && cr.Column(name) == nil && !seen[cr.Slug+"\x00"+name] {
				names = append(names, name)
			}
		}
		sort.Strings(names)
		for _, name := range names {
			seen[cr.Slug+"\x00"+name] = true
			if f, ok := w.unknownColumn(cr, name, i); ok {
				out = append(out, f)
			}
		}
	}
	squids := make([]string, 0, len(unknown))
	for s := range unknown {
		squids = append(squids, s)
	}
	sort.Strings(squids)
	for _, squid := range squids {
		what := unknown[squid]
		if !w.track(what, "") {
			continue
		}
		out = append(out, finding{in: InResponseBody, path: []string{"data"}, dedup: "/data", crawler: what, kind: UnknownCrawler,
			message: fmt.Sprintf("the crawler %s of squid %s is not in the catalogue: its columns cannot be checked", what, squid)})
	}
	return out
}

// unknownColumn is the finding of an unknown column of crawler cr, first seen in row i;
// false when the column was reported before, or past the crawler's bound.
func (w *columnWatch) unknownColumn(cr *catalog.Crawler, name string, i int) (finding, bool) {
	w.mu.Lock()
	cols := w.reported[cr.Slug]
	if cols == nil {
		if len(w.reported) >= maxCrawlers {
			w.mu.Unlock()
			return finding{}, false
		}
		cols = map[string]bool{}
		w.reported[cr.Slug] = cols
	}
	known, overflow := cols[name], false
	switch {
	case known:
	case len(cols) < maxColumnsPerCrawler:
		cols[name] = true
	case !cols["\x00more"]:
		cols["\x00more"] = true
		overflow = true
	default:
		w.mu.Unlock()
		return finding{}, false
	}
	w.mu.Unlock()
	path := []string{"data", strconv.Itoa(i), name}
	if overflow {
		return finding{in: InResponseBody, path: path[:2], dedup: "/data/*", crawler: cr.Slug, kind: UnknownColumn,
			message: fmt.Sprintf("more than %d columns of %s are not in the catalogue; the others are not reported", maxColumnsPerCrawler, cr.Slug)}, true
	}
	return finding{in: InResponseBody, path: path, dedup: "/data/*/" + name, crawler: cr.Slug, kind: UnknownColumn,
		message: fmt.Sprintf("column %q is not among the %d columns the catalogue documents for %s", name, len(cr.Columns), cr.Slug)}, true
}

// track says whether an unknown crawler may still be reported (the bound not reached).
func (w *columnWatch) track(crawler, column string) bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	cols := w.reported[crawler]
	if cols == nil {
		if len(w.reported) >= maxCrawlers {
			return false
		}
		cols = map[string]bool{}
		w.reported[crawler] = cols
	}
	cols[column] = true
	return true
}

// squidOfRun is the squid of a run: learned, else looked up (Get Run); "" when unknown.
func (w *columnWatch) squidOfRun(ctx context.Context, auth, run string) string {
	if run == "" {
		return ""
	}
	w.mu.Lock()
	squid, ok := w.runs.get(run)
	w.mu.Unlock()
	if ok {
		return squid
	}
	obj, err := w.lookup(ctx, auth, "/runs/"+url.PathEscape(run))
	squid, _ = obj["squid"].(string)
	if err != nil && ctx.Err() != nil {
		return "" // the caller went away: not a failed lookup, try again next time
	}
	w.mu.Lock()
	w.runs.put(run, squid)
	w.mu.Unlock()
	return squid
}

// crawlerOfSquid is the catalogue's crawler of a squid. When it is nil, what is the
// crawler the catalogue does not know (its slug, else its id), or "" when the squid's
// crawler could not be learned.
func (w *columnWatch) crawlerOfSquid(ctx context.Context, auth, squid string) (cr *catalog.Crawler, what string) {
	w.mu.Lock()
	id, ok := w.squids.get(squid)
	w.mu.Unlock()
	if !ok {
		obj, err := w.lookup(ctx, auth, "/squids/"+url.PathEscape(squid))
		if err != nil && ctx.Err() != nil {
			return nil, ""
		}
		id, _ = obj["crawler"].(string)
		w.mu.Lock()
		w.squids.put(squid, id)
		w.mu.Unlock()
	}
	if id == "" {
		return nil, ""
	}
	if cr := w.byID(id); cr != nil {
		return cr, ""
	}
	// The catalogue derives the id of a crawler whose id the docs do not show: find it
	// by its slug.
	w.mu.Lock()
	slug, ok := w.slugs.get(id)
	w.mu.Unlock()
	if !ok {
		obj, err := w.lookup(ctx, auth, "/crawlers/"+url.PathEscape(id))
		if err != nil && ctx.Err() != nil {
			return nil, ""
		}
		slug, _ = obj["slug"].(string)
		w.mu.Lock()
		w.slugs.put(id, slug)
		w.mu.Unlock()
	}
	if slug == "" {
		return nil, id
	}
	if cr := w.bySlug(slug); cr != nil {
		return cr, ""
	}
	return nil, slug
}

// upstreamLookup returns a lookup that GETs base+path with the caller's Authorization
// through rt, and decodes a 2xx JSON object.
func upstreamLookup(base *url.URL, rt http.RoundTripper) func(ctx context.Context, auth, path string) (map[string]any, error) {
	if rt == nil {
		rt = http.DefaultTransport
	}
	client := &http.Client{Transport: rt, Timeout: lookupTimeout,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	return func(ctx context.Context, auth, path string) (map[string]any, error) {
		u := *base
		u.Path = base.Path + path
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
		if err != nil {
			return nil, err
		}
		if auth != "" {
			req.Header.Set("Authorization", auth)
		}
		req.Header.Set("Accept", "application/json")
		resp, err := client.Do(req)
		if err != nil {
			return nil, err
		}
		defer resp.Body.Close()
		b, err := io.ReadAll(io.LimitReader(resp.Body, maxLookupBody))
		if err != nil {
			return nil, err
		}
		if resp.StatusCode < 200 || resp.StatusCode > 299 {
			return nil, fmt.Errorf("GET %s: status %d", path, resp.StatusCode)
		}
		var obj map[string]any
		if err := json.Unmarshal(b, &obj); err != nil {
			return nil, fmt.Errorf("GET %s: %w", path, err)
		}
		return obj, nil
	}
}

// boundedMap is a map of at most n entries that forgets the oldest first. It is not safe
// for concurrent use.
type boundedMap struct {
	n     int
	m     map[string]string
	order []string // keys, oldest first
}

func newBoundedMap(n int) *boundedMap {
	return &boundedMap{n: n, m: map[string]string{}}
}

func (b *boundedMap) get(k string) (string, bool) {
	v, ok := b.m[k]
	return v, ok
}

func (b *boundedMap) put(k, v string) {
	if _, ok := b.m[k]; ok {
		b.m[k] = v
		return
	}
	for len(b.m) >= b.n && len(b.order) > 0 {
		delete(b.m, b.order[0])
		b.order = b.order[1:]
	}
	b.m[k] = v
	b.order = append(b.order, k)
	if cap(b.order) > 4*b.n { // let go of the array's forgotten head
		b.order = append([]string(nil), b.order...)
	}
}
