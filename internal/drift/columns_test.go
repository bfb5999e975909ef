package drift

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/lobstr-go/lobstr/catalog"
)

const (
	squidLooked  = "11111111111111111111111111111111" // known to the proxy only by a lookup (Get Squid)
	squidListed  = "22222222222222222222222222222222" // learned from List Squids
	squidAliased = "33333333333333333333333333333333" // a crawler id the catalogue lacks, whose slug it has
	squidForeign = "44444444444444444444444444444444" // a crawler the catalogue does not know at all
	runOfListed  = "55555555555555555555555555555555" // a run of squidListed, learned by a lookup (Get Run)
	aliasID      = "abababababababababababababababab"
	foreignID    = "cdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcd"
	newColumn    = "zz_not_documented"
)

// resultsUpstream is a lobstr API whose Get Results rows carry columns the catalogue does
// not document; it answers Get Squid, Get Run, Get Crawler Details and List Squids for the
// proxy's lookups, and counts them.
type resultsUpstream struct {
	t       *testing.T
	crawler *catalog.Crawler // the crawler of squidLooked, squidListed and squidAliased
	mu      sync.Mutex
	lookups []string
}

func (u *resultsUpstream) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Header.Get("Authorization") != "Token "+secret {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusUnauthorized)
		w.Write([]byte(`{"detail":"Invalid token."}`))
		return
	}
	row := func(squid, run string, extra map[string]any) map[string]any {
		m := map[string]any{"id": "b4af52b85c45661828d61980c167054b", "object": "result", "run": run,
			"scraping_time": "2025-02-10T14:31:05.487Z"}
		if squid != "" {
			m["squid"] = squid
		}
		for _, c := range u.crawler.Columns {
			if _, base := m[c.Name]; base || c.Name == "squid" {
				continue // the document's own properties of a row, set above
			}
			m[c.Name] = json.RawMessage(c.Example)
			if len(c.Example) == 0 {
				m[c.Name] = nil
			}
		}
		for k, v := range extra {
			m[k] = v
		}
		return m
	}
	page := func(rows ...map[string]any) map[string]any {
		return map[string]any{"total_results": len(rows), "limit": 50, "page": 1, "total_pages": 1,
			"result_from": 1, "result_to": len(rows), "data": rows, "next": nil, "previous": nil}
	}
	var body any
	path := strings.TrimPrefix(r.URL.Path, upstreamAt)
	q := r.URL.Query()
	switch {
	case path == "/results" && q.Get("squid") == squidLooked:
		body = page(row(squidLooked, runOfListed, map[string]any{newColumn: 1}), row(squidLooked, runOfListed, map[string]any{newColumn: 2}))
	case path == "/results" && q.Get("squid") == squidAliased:
		body = page(row(squidAliased, runOfListed, map[string]any{newColumn: 3, "zz_also_new": true}))
	case path == "/results" && q.Get("squid") == squidForeign:
		body = page(row(squidForeign, runOfListed, map[string]any{"anything": "x"}))
	case path == "/results" && q.Get("run") == runOfListed:
		// Rows without their squid: the proxy knows the run's squid by a lookup.
		body = page(row("", runOfListed, map[string]any{newColumn: 4, "zz_third": "x"}))
	case path == "/squids":
		sq := fixture(u.t, "docs/list-squids.200.json")
		item := sq["data"].([]any)[0].(map[string]any)
		item["id"], item["crawler"] = squidListed, u.crawler.ID
		body = sq
	default:
		u.mu.Lock()
		u.lookups = append(u.lookups, path)
		u.mu.Unlock()
		switch path {
		case "/squids/" + squidLooked:
			body = map[string]any{"id": squidLooked, "crawler": u.crawler.ID}
		case "/squids/" + squidAliased:
			body = map[string]any{"id": squidAliased, "crawler": aliasID}
		case "/squids/" + squidForeign:
			body = map[string]any{"id": squidForeign, "crawler": foreignID}
		case "/crawlers/" + aliasID:
			body = map[string]any{"id": aliasID, "slug": u.crawler.Slug}
		case "/crawlers/" + foreignID:
			body = map[string]any{"id": foreignID, "slug": "brand-new-scraper"}
		case "/runs/" + runOfListed:
			body = map[string]any{"id": runOfListed, "squid": squidListed}
		default:
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusNotFound)
			w.Write([]byte(`{"detail":"Not found."}`))
			return
		}
	}
	b, err := json.Marshal(body)
	if err != nil {
		u.t.Error(err)
	}
	w.Header().Set("Content-Type", "application/json")
	w.Write(b)
}

func TestProxyReportsResultColumnsTheCatalogueLacks(t *testing.T) {
	cr := catalog.BySlug("google-maps-leads-scraper")
	if cr == nil || len(cr.Columns) == 0 {
		t.Fatal("the catalogue lacks google-maps-leads-scraper or its columns")
	}
	up := &resultsUpstream{t: t, crawler: cr}
	upstream := httptest.NewServer(up)
	defer upstream.Close()
	var mu sync.Mutex
	var reported []Violation
	p, err := New(Config{Upstream: upstream.URL + upstreamAt, Report: func(v Violation) {
		mu.Lock()
		reported = append(reported, v)
		mu.Unlock()
	}})
	if err != nil {
		t.Fatal(err)
	}
	proxy := httptest.NewServer(p)
	defer proxy.Close()
	get := func(path string) {
		t.Helper()
		req, _ := http.NewRequest("GET", proxy.URL+path, nil)
		req.Header.Set("Authorization", "Token "+secret)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 {
			t.Fatalf("GET %s: %d %s", path, resp.StatusCode, b)
		}
	}
	get("/v1/squids?limit=10")                           // learns squidListed's crawler
	get("/v1/results?squid=" + squidLooked)              // looks squidLooked up: newColumn reported
	get("/v1/results?squid=" + squidLooked)              // nothing new, nothing looked up again
	get("/v1/results?run=" + runOfListed)                // looks the run up; zz_third reported
	get("/v1/results?squid=" + squidAliased + "&page=1") // by the slug: zz_also_new reported
	get("/v1/results?squid=" + squidForeign)             // a crawler the catalogue lacks

	mu.Lock()
	var got []string
	for _, v := range reported {
		got = append(got, fmt.Sprintf("%s %s %s %s %s", v.Operation, v.Kind, v.Crawler, v.Pointer, v.Path))
		if v.Message == "" || !strings.Contains(v.Message, v.Crawler) {
			t.Errorf("the message does not name the crawler: %+v", v)
		}
	}
	mu.Unlock()
	want := []string{
		"listResults unknown-column " + cr.Slug + " /data/0/" + newColumn + " /v1/results",
		"listResults unknown-column " + cr.Slug + " /data/0/zz_third /v1/results",
		"listResults unknown-column " + cr.Slug + " /data/0/zz_also_new /v1/results",
		"listResults unknown-crawler brand-new-scraper /data /v1/results",
	}
	if !slices.Equal(got, want) {
		t.Errorf("reported:\n  %s\nwant:\n  %s", strings.Join(got, "\n  "), strings.Join(want, "\n  "))
	}
	for _, v := range p.Violations() {
		if v.Kind == UnknownColumn && strings.HasSuffix(v.Pointer, "/"+newColumn) && v.Count != 4 {
			t.Errorf("%s was in 4 answers, counted %d", newColumn, v.Count)
		}
	}
	// Each squid, run and crawler the proxy did not see was looked up once; squidListed,
	// learned from List Squids, never.
	up.mu.Lock()
	lookups := slices.Clone(up.lookups)
	up.mu.Unlock()
	slices.Sort(lookups)
	wantLookups := []string{"/crawlers/" + aliasID, "/crawlers/" + foreignID, "/runs/" + runOfListed,
		"/squids/" + squidLooked, "/squids/" + squidAliased, "/squids/" + squidForeign}
	slices.Sort(wantLookups)
	if !slices.Equal(lookups, wantLookups) {
		t.Errorf("lookups through the upstream:\n  %s\nwant:\n  %s", strings.Join(lookups, "\n  "), strings.Join(wantLookups, "\n  "))
	}

	// The violations endpoint carries the crawler.
	resp, err := http.Get(proxy.URL + ViolationsPath)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var listed []map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&listed); err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, v := range listed {
		if v["kind"] == string(UnknownColumn) {
			n++
			if v["crawler"] != cr.Slug {
				t.Errorf("%s lists an unknown column without its crawler: %v", ViolationsPath, v)
			}
		}
	}
	if n != 3 {
		t.Errorf("%s lists %d unknown columns, want 3", ViolationsPath, n)
	}
}

// testCatalogue is two crawlers, for the watch's unit tests.
var testCatalogue = []*catalog.Crawler{
	{Slug: "alpha-scraper", ID: strings.Repeat("a", 32), Columns: []catalog.Column{{Name: "name"}}},
	{Slug: "beta-scraper", ID: strings.Repeat("b", 32), Columns: []catalog.Column{{Name: "title"}}},
}

func testWatch(lookup func(ctx context.Context, auth, path string) (map[string]any, error)) *columnWatch {
	w := newColumnWatch(nil, lookup)
	w.rowProps = map[string]bool{"id": true, "object": true, "squid": true, "run": true}
	w.byID = func(id string) *catalog.Crawler {
		for _, c := range testCatalogue {
			if c.ID == id {
				return c
			}
		}
		return nil
	}
	w.bySlug = func(string) *catalog.Crawler { return nil }
	return w
}

func rowsBody(t *testing.T, rows ...map[string]any) []byte {
	b, err := json.Marshal(map[string]any{"data": rows})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func columnsOf(fs []finding) []string {
	var out []string
	for _, f := range fs {
		out = append(out, f.crawler+" "+pointer(f.path)+" "+string(f.kind))
	}
	return out
}

func TestColumnWatchOncePerCrawler(t *testing.T) {
	w := testWatch(func(context.Context, string, string) (map[string]any, error) {
		return nil, errors.New("no lookups in this test")
	})
	w.learn("listSquids", nil, 200, []byte(`{"data":[{"id":"s1","crawler":"`+testCatalogue[0].ID+`"},{"id":"s2","crawler":"`+testCatalogue[1].ID+`"}]}`))
	body := rowsBody(t,
		map[string]any{"id": "1", "object": "result", "squid": "s1", "name": "x", "extra": 1},
		map[string]any{"id": "2", "object": "result", "squid": "s1", "name": "y", "extra": 2},
		map[string]any{"id": "3", "object": "result", "squid": "s2", "title": "z", "extra": 3, "name": "n"},
	)
	got := columnsOf(w.check(context.Background(), nil, "", body))
	want := []string{"alpha-scraper /data/0/extra unknown-column", "beta-scraper /data/2/extra unknown-column", "beta-scraper /data/2/name unknown-column"}
	if !slices.Equal(got, want) {
		t.Errorf("findings %q, want %q", got, want)
	}
	// A row whose squid is unknown and cannot be looked up is not checked; nor a body
	// that is not a page of rows.
	if fs := w.check(context.Background(), url.Values{"squid": {"s9"}}, "", rowsBody(t, map[string]any{"id": "4", "extra": 1})); len(fs) != 0 {
		t.Errorf("a squid that cannot be learned: %q", columnsOf(fs))
	}
	for _, bad := range []string{`[]`, `{"data":{}}`, `not json`, `{"data":[1,null,"x"]}`} {
		if fs := w.check(context.Background(), nil, "", []byte(bad)); len(fs) != 0 {
			t.Errorf("%s: %q", bad, columnsOf(fs))
		}
	}
}

func TestColumnWatchBounded(t *testing.T) {
	lookups := 0
	w := testWatch(func(_ context.Context, auth, path string) (map[string]any, error) {
		lookups++
		if auth != "Token t" {
			t.Errorf("lookup of %s with %q, want the caller's Authorization", path, auth)
		}
		return map[string]any{"crawler": testCatalogue[0].ID}, nil
	})
	// More unknown columns than reported: the first maxColumnsPerCrawler, then one saying
	// there are more, then nothing.
	row := map[string]any{"id": "1", "object": "result", "squid": "s1"}
	for i := range maxColumnsPerCrawler + 10 {
		row[fmt.Sprintf("c%03d", i)] = i
	}
	fs := w.check(context.Background(), nil, "Token t", rowsBody(t, row))
	if len(fs) != maxColumnsPerCrawler+1 || fs[len(fs)-1].dedup != "/data/*" || !strings.Contains(fs[len(fs)-1].message, "more than 64") {
		t.Fatalf("%d findings, want %d and a last one saying there are more: %q", len(fs), maxColumnsPerCrawler+1, columnsOf(fs[len(fs)-2:]))
	}
	row["c999"] = true
	if fs := w.check(context.Background(), nil, "Token t", rowsBody(t, row)); len(fs) != maxColumnsPerCrawler {
		t.Errorf("past the bound: %d findings, want the %d already reported (counted) and no new one", len(fs), maxColumnsPerCrawler)
	}
	if lookups != 1 {
		t.Errorf("%d lookups of one squid, want 1", lookups)
	}
	// The squids learned are bounded: the oldest go first, and are looked up again.
	for i := range maxLearned + 5 {
		w.learn("getSquid", map[string]string{"squid_hash": fmt.Sprint("sq", i)}, 200, []byte(`{"crawler":"`+testCatalogue[1].ID+`"}`))
	}
	if n := len(w.squids.m); n != maxLearned || len(w.squids.order) != maxLearned {
		t.Errorf("%d squids kept (order %d), want %d", n, len(w.squids.order), maxLearned)
	}
	if _, ok := w.squids.get("sq0"); ok {
		t.Error("the oldest squid was not forgotten")
	}
	if c, ok := w.squids.get(fmt.Sprint("sq", maxLearned+4)); !ok || c != testCatalogue[1].ID {
		t.Errorf("the newest squid: %q %v", c, ok)
	}
	// Errors and other operations teach nothing.
	w.learn("getSquid", map[string]string{"squid_hash": "sq-err"}, 404, []byte(`{"crawler":"x"}`))
	w.learn("getTask", map[string]string{"squid_hash": "sq-task"}, 200, []byte(`{"crawler":"x"}`))
	for _, s := range []string{"sq-err", "sq-task"} {
		if _, ok := w.squids.get(s); ok {
			t.Errorf("%s learned", s)
		}
	}
}

// FuzzColumnWatch feeds any answer of Get Results to the column watch: it must not panic,
// and each finding must name its crawler and say what it is.
func FuzzColumnWatch(f *testing.F) {
	f.Add([]byte(`{"data":[{"id":"1","object":"result","squid":"s1","name":"x","extra":1}]}`), "s1", "")
	f.Add([]byte(`{"data":[{"run":"r1","title":"t","x":null},{"squid":7},[],null]}`), "", "r1")
	f.Add([]byte(`{"data":{}}`), "s2", "r2")
	f.Fuzz(func(t *testing.T, body []byte, squid, run string) {
		w := testWatch(func(_ context.Context, _, path string) (map[string]any, error) {
			switch {
			case strings.HasPrefix(path, "/squids/s1"):
				return map[string]any{"crawler": testCatalogue[0].ID}, nil
			case strings.HasPrefix(path, "/runs/"):
				return map[string]any{"squid": "s1"}, nil
			case strings.HasPrefix(path, "/squids/"):
				return map[string]any{"crawler": "unknown-crawler-id"}, nil
			}
			return nil, errors.New("not found")
		})
		for _, f := range w.check(context.Background(), url.Values{"squid": {squid}, "run": {run}}, "", body) {
			if f.crawler == "" || f.message == "" || (f.kind != UnknownColumn && f.kind != UnknownCrawler) || f.dedup == "" {
				t.Fatalf("incomplete finding %+v", f)
			}
		}
	})
}
