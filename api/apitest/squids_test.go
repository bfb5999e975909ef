package apitest

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/lobstr-go/lobstr/catalog"
)

func TestUserAndBalance(t *testing.T) {
	srv := NewServer(t)
	expect(t, "me", get(t, srv, "/v1/me"), 200, string(fixture("docs/user-me.200.json")))
	expect(t, "balance", get(t, srv, "/v1/user/balance"), 200, string(fixture("docs/get-balance.200.json")))
	if r := callAs(t, srv, "", "GET", "/v1/me", nil, ""); r.status != 401 {
		t.Errorf("me without a token: %d", r.status)
	}
}

func TestCrawlers(t *testing.T) {
	srv := NewServer(t)
	n := len(catalog.All())
	all := decode[map[string]any](t, get(t, srv, "/v1/crawlers"))
	pages := (n + 49) / 50
	if all["total_results"] != float64(n) || all["total_pages"] != float64(pages) || all["limit"] != 50.0 ||
		len(all["data"].([]any)) != min(n, 50) || (all["next"] != nil) != (pages > 1) {
		t.Errorf("crawlers: %d in the catalogue, page 1 %v", n, all)
	}
	// Every crawler of the catalogue, in order, across the pages, with the documented fields.
	var listed []string
	for p := 1; p <= pages; p++ {
		page := decode[map[string]any](t, get(t, srv, fmt.Sprintf("/v1/crawlers?page=%d", p)))
		for _, x := range page["data"].([]any) {
			c := x.(map[string]any)
			listed = append(listed, c["slug"].(string))
			for _, k := range []string{"id", "object", "account", "name", "slug", "icon", "is_public", "is_available",
				"is_premium", "has_issues", "max_concurrency", "credits_per_row"} {
				if _, ok := c[k]; !ok {
					t.Errorf("crawler %v without %s", c["slug"], k)
				}
			}
			cat := catalog.BySlug(c["slug"].(string))
			if cat == nil || c["id"] != cat.ID || c["name"] != cat.Name || c["credits_per_row"] != cat.CreditsPerRow {
				t.Errorf("crawler %v is not the catalogue's", c)
				continue
			}
			acct, _ := c["account"].(map[string]any)
			if (acct != nil) != (cat.Account != nil) || acct != nil && (acct["type"] != cat.Account.Type || acct["baseurl"] != cat.Account.BaseURL ||
				len(acct["cookies"].([]any)) != len(cat.Account.Cookies) || acct["icon"] == "") {
				t.Errorf("crawler %s: account %v, the catalogue's %+v", cat.Slug, c["account"], cat.Account)
			}
		}
	}
	var want []string
	for _, c := range catalog.All() {
		want = append(want, c.Slug)
	}
	if strings.Join(listed, " ") != strings.Join(want, " ") || !slices.Contains(listed, SeedCrawlerSlug) {
		t.Errorf("crawlers listed\n%v\nwant\n%v", listed, want)
	}
	if n > 1 {
		p2 := decode[map[string]any](t, get(t, srv, fmt.Sprintf("/v1/crawlers?page=2&limit=%d", n-1)))
		if p2["total_pages"] != 2.0 || len(p2["data"].([]any)) != 1 || p2["previous"] == nil || p2["next"] != nil || p2["result_from"] != float64(n) {
			t.Errorf("page 2 of %d crawlers at %d a page: %v", n, n-1, p2)
		}
	}

	// The seed crawler, as the catalogue has it. (The docs' bodies of Get Crawler Details,
	// Parameters and Attributes illustrate another version of the Google Maps crawler; the
	// fake now answers the catalogue's, checked crawler by crawler in catalog_test.go.)
	seed := catalog.ByID(SeedCrawlerID)
	c := decode[map[string]any](t, get(t, srv, "/v1/crawlers/"+SeedCrawlerID))
	if seed == nil || c["name"] != SeedCrawlerName || c["slug"] != SeedCrawlerSlug ||
		len(c["input"].([]any)) != len(seed.TaskKeys)+len(seed.Params)+len(seed.Functions) || len(c["result"].([]any)) != len(seed.Columns) {
		t.Errorf("seed crawler: %v", c)
	}
	// Attributes need no token; a wrong one is ignored.
	for _, auth := range []string{"", "Token wrong"} {
		if r := callAs(t, srv, auth, "GET", "/v1/crawlers/"+SeedCrawlerID+"/attributes", nil, ""); r.status != 200 {
			t.Errorf("attributes with %q: %d %s", auth, r.status, r.body)
		}
	}
	if r := callAs(t, srv, "", "GET", "/v1/crawlers/"+SeedCrawlerID+"/params", nil, ""); r.status != 401 {
		t.Errorf("params without a token: %d", r.status)
	}
	unknown := strings.Repeat("0", 32)
	for _, path := range []string{"", "/params", "/attributes"} {
		expect(t, "unknown crawler"+path, get(t, srv, "/v1/crawlers/"+unknown+path), 404,
			`{"error": {"message": "Crawler not found", "type": "not_found_error", "param": "crawler_hash"}}`)
	}
	// The document takes no slug (the client maps a slug to its hash by listing): a request
	// with one breaks it.
	var seen collector
	strict := NewServer(t, WithViolationHandler(seen.add))
	if r := get(t, strict, "/v1/crawlers/"+SeedCrawlerSlug); r.status != 400 || len(seen.all()) != 1 || seen.all()[0].Kind != RequestViolation {
		t.Errorf("crawler by slug: %d %s, violations %v", r.status, r.body, seen.all())
	}
	// The crawlers of the list have details, parameters and columns too.
	for _, x := range all["data"].([]any) {
		id := x.(map[string]any)["id"].(string)
		for _, path := range []string{"", "/params", "/attributes"} {
			if r := get(t, srv, "/v1/crawlers/"+id+path); r.status != 200 {
				t.Errorf("%s%s: %d %s", id, path, r.status, r.body)
			}
		}
	}
}

func TestSquidLifecycle(t *testing.T) {
	srv := NewServer(t)
	expect(t, "unknown crawler", postJSON(t, srv, "/v1/squids", map[string]any{"crawler": strings.Repeat("1", 32)}), 404,
		`{"error": {"message": "Crawler not found", "type": "not_found_error", "param": "crawler"}}`)
	expect(t, "empty name", postJSON(t, srv, "/v1/squids", map[string]any{"crawler": SeedCrawlerID, "name": " "}), 400, "")

	r := postJSON(t, srv, "/v1/squids", map[string]any{"crawler": SeedCrawlerID, "name": "My Google Maps Scraper"})
	created := decode[map[string]any](t, r)
	id := created["id"].(string)
	want := decode[map[string]any](t, response{body: fixture("docs/create-squid.200.json")})
	// The documented body, but for params: a new squid's params are the crawler's
	// documented defaults (the docs' example shows an older version of the crawler's).
	seed := catalog.ByID(SeedCrawlerID)
	defaults := map[string]any{}
	for _, p := range seed.Params {
		if p.Default != nil {
			defaults[p.Name] = decode[any](t, response{body: p.Default})
		}
	}
	fns := map[string]any{}
	for _, fn := range seed.Functions {
		fns[fn.Name] = fn.Default
	}
	defaults["functions"] = fns
	want["params"] = defaults
	for _, k := range []string{"id", "created_at"} {
		delete(created, k)
		delete(want, k)
	}
	if !jsonEqual(t, mustJSON(t, created), mustJSON(t, want)) {
		t.Errorf("created squid\n%s\nwant (id and created_at aside)\n%s", mustJSON(t, created), mustJSON(t, want))
	}
	auto := decode[map[string]any](t, postJSON(t, srv, "/v1/squids", map[string]any{"crawler": SeedCrawlerID}))
	// Named after the crawler and how many squids it has (the seed squids are on it too).
	if name := auto["name"].(string); !strings.HasPrefix(name, SeedCrawlerName+" (") || !strings.HasSuffix(name, ")") {
		t.Errorf("automatic name %v", name)
	}

	// Update changes only what is sent, and checks params against the crawler's.
	before := decode[map[string]any](t, get(t, srv, "/v1/squids/"+id))
	if before["is_ready"] != false || before["created_via"] != "api" || before["last_run"] != nil || before["total_runs"] != 0.0 {
		t.Errorf("new squid: %v", before)
	}
	for _, bad := range []map[string]any{
		{"params": map[string]any{"ratings": "5 stars"}},
		{"params": map[string]any{"max_results": 2.5}},
		{"params": map[string]any{"max_results": "many"}},
		{"params": map[string]any{"skip_closed": "yes"}},
		{"params": map[string]any{"max_result": 10}},
		{"params": map[string]any{"functions": map[string]any{"no_such_function": true}}},
		{"params": map[string]any{"functions": map[string]any{"fetch_business_images": "yes"}}},
		{"name": "   "},
	} {
		r := postJSON(t, srv, "/v1/squids/"+id, bad)
		expect(t, "bad update "+string(mustJSON(t, bad)), r, 400, "")
		if e := decode[map[string]map[string]any](t, r)["error"]; e["type"] != "validation_error" || e["param"] == "" {
			t.Errorf("bad update body %s", r.body)
		}
	}
	r = postJSON(t, srv, "/v1/squids/"+id, map[string]any{"concurrency": 2, "params": map[string]any{
		"ratings": "4.0+", "functions": map[string]any{"collect_business_details": true}}})
	if r.status != 200 {
		t.Fatalf("update: %d %s", r.status, r.body)
	}
	echo := decode[map[string]any](t, r)
	if echo["concurrency"] != 2.0 || echo["name"] != "My Google Maps Scraper" {
		t.Errorf("update echo %v", echo)
	}
	after := decode[map[string]any](t, get(t, srv, "/v1/squids/"+id))
	params := after["params"].(map[string]any)
	if after["concurrency"] != 2.0 || params["ratings"] != "4.0+" || params["functions"].(map[string]any)["collect_business_details"] != true {
		t.Errorf("squid after update: %v", after)
	}
	// What was not sent keeps its default (functions merged key by key).
	for k, v := range defaults {
		if k == "ratings" || k == "functions" {
			continue
		}
		if !jsonEqual(t, mustJSON(t, params[k]), mustJSON(t, v)) {
			t.Errorf("params.%s after update: %v, want its default %v", k, params[k], v)
		}
	}
	for fn, on := range fns {
		if got := params["functions"].(map[string]any)[fn]; fn != "collect_business_details" && got != on {
			t.Errorf("params.functions.%s after update: %v, want %v", fn, got, on)
		}
	}
	if after["name"] != before["name"] || after["is_active"] != true {
		t.Errorf("fields not sent changed: %v", after)
	}

	// Concurrency is capped by the crawler's max_concurrency (10 for Sales Navigator).
	sales := catalog.BySlug("sales-navigator-leads-scraper")
	if sales == nil || sales.MaxConcurrency >= 20 {
		t.Fatalf("the catalogue's Sales Navigator Leads Scraper: %+v", sales)
	}
	salesSquid := decode[map[string]any](t, postJSON(t, srv, "/v1/squids", map[string]any{"crawler": sales.ID}))
	expect(t, "concurrency over the crawler's", postJSON(t, srv, "/v1/squids/"+salesSquid["id"].(string), map[string]any{"concurrency": sales.MaxConcurrency + 1}), 400, "")
	expect(t, "concurrency at the crawler's", postJSON(t, srv, "/v1/squids/"+salesSquid["id"].(string), map[string]any{"concurrency": sales.MaxConcurrency}), 200, "")

	// Listing filters by name, case-insensitively, and pages.
	list := decode[map[string]any](t, get(t, srv, "/v1/squids?name=GOOGLE+maps+SCRAPER"))
	if list["total_results"] != 2.0 { // this one and the documented one
		t.Errorf("name filter: %v", list)
	}
	p := decode[map[string]any](t, get(t, srv, "/v1/squids?limit=2&page=2"))
	if len(p["data"].([]any)) != 2 || p["next"] == nil || p["previous"] == nil {
		t.Errorf("page 2 of squids: %v", p)
	}

	// Tasks are bound to squids that exist.
	expect(t, "tasks of no squid", postJSON(t, srv, "/v1/tasks", map[string]any{"squid": "nosuchsquid",
		"tasks": []map[string]any{{"url": "https://example.com"}}}), 404, "")
	r = postJSON(t, srv, "/v1/tasks", map[string]any{"squid": id, "tasks": []map[string]any{
		{"url": "https://www.google.com/maps/search/a"}, {"url": "https://www.google.com/maps/search/b"},
		{"city": "Marseille", "country": "France", "category": "restaurant"}}})
	added := decode[map[string]any](t, r)["tasks"].([]any)
	if sq := decode[map[string]any](t, get(t, srv, "/v1/squids/"+id)); sq["is_ready"] != true {
		t.Errorf("squid with saved params and tasks is not ready")
	}
	expect(t, "empty url", postJSON(t, srv, "/v1/squids/"+id+"/empty", map[string]any{"type": "url"}), 200,
		`{"id": "`+id+`", "object": "squid", "emptied": true, "deleted_count": 2}`)
	if left := srv.Tasks(id); len(left) != 1 || left[0].Params["city"] != "Marseille" {
		t.Errorf("tasks left %v", left)
	}

	// Delete removes the squid, its tasks and its runs.
	run := startRun(t, srv, id)["id"].(string)
	expect(t, "delete", call(t, srv, "DELETE", "/v1/squids/"+id, nil, ""), 200,
		`{"id": "`+id+`", "object": "squid", "deleted": true}`)
	if r := get(t, srv, "/v1/tasks/"+added[2].(map[string]any)["id"].(string)); r.status != 404 {
		t.Errorf("task of a deleted squid: %d", r.status)
	}
	if r := get(t, srv, "/v1/runs/"+run); r.status != 404 {
		t.Errorf("run of a deleted squid: %d", r.status)
	}
	notFound := `{"error": {"message": "Squid not found", "type": "not_found_error", "param": "squid_hash"}}`
	expect(t, "get deleted", get(t, srv, "/v1/squids/"+id), 404, notFound)
	expect(t, "update deleted", postJSON(t, srv, "/v1/squids/"+id, map[string]any{"name": "x"}), 404, notFound)
	expect(t, "empty deleted", postJSON(t, srv, "/v1/squids/"+id+"/empty", map[string]any{"type": "url"}), 404, notFound)
	expect(t, "delete deleted", call(t, srv, "DELETE", "/v1/squids/"+id, nil, ""), 404, notFound)
}

func TestSeedSquids(t *testing.T) {
	srv := NewServer(t)
	for _, id := range []string{SeedSquid, SeedDetailsSquid, SeedListedSquid, SeedRunsSquid, SeedRunSquid} {
		if r := get(t, srv, "/v1/squids/"+id); r.status != 200 {
			t.Errorf("seed squid %s: %d %s", id, r.status, r.body)
		}
	}
	d := decode[map[string]any](t, get(t, srv, "/v1/squids/"+SeedDetailsSquid))
	want := decode[map[string]any](t, response{body: fixture("docs/get-squid-details.200.json")})
	for _, k := range []string{"name", "created_at", "params", "last_run", "last_run_status", "total_runs", "last_run_at", "crawler"} {
		if !jsonEqual(t, mustJSON(t, d[k]), mustJSON(t, want[k])) {
			t.Errorf("seed squid %s: %v, documented %v", k, d[k], want[k])
		}
	}
	l := decode[map[string]any](t, get(t, srv, "/v1/squids/"+SeedRunsSquid))
	if l["total_runs"] != 2.0 || l["last_run"] != "381cfbb47e474782857ddc035298b6f3" {
		t.Errorf("seed runs squid: %v", l)
	}
	// The seed squid holds the documented tasks and can run them.
	if r := postJSON(t, srv, "/v1/runs", map[string]any{"squid": SeedSquid}); r.status != 200 {
		t.Errorf("run of the seed squid: %d %s", r.status, r.body)
	}
	// AddSquid (lobstr mock's demo squid) makes a squid ready to run.
	srv.AddSquid("demo")
	if r := get(t, srv, "/v1/squids/demo"); r.status != 200 || decode[map[string]any](t, r)["crawler"] != SeedCrawlerID {
		t.Errorf("added squid: %d %s", r.status, r.body)
	}
}
