package apitest

import (
	"strings"
	"testing"
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
	all := decode[map[string]any](t, get(t, srv, "/v1/crawlers"))
	if all["total_results"] != 4.0 || all["next"] != nil {
		t.Errorf("crawlers: %v", all)
	}
	slugs := ""
	for _, c := range all["data"].([]any) {
		slugs += c.(map[string]any)["slug"].(string) + " "
	}
	if !strings.Contains(slugs, SeedCrawlerSlug) || !strings.Contains(slugs, "twitter-profile-scraper") {
		t.Errorf("crawler slugs %s", slugs)
	}
	p2 := decode[map[string]any](t, get(t, srv, "/v1/crawlers?page=2&limit=3"))
	if p2["total_pages"] != 2.0 || len(p2["data"].([]any)) != 1 || p2["previous"] == nil || p2["result_from"] != 4.0 {
		t.Errorf("page 2 of 3: %v", p2)
	}

	c := decode[map[string]any](t, get(t, srv, "/v1/crawlers/"+SeedCrawlerID))
	if c["name"] != SeedCrawlerName || c["slug"] != SeedCrawlerSlug || len(c["input"].([]any)) != 5 || len(c["result"].([]any)) != 26 {
		t.Errorf("seed crawler: %v", c)
	}
	expect(t, "params", get(t, srv, "/v1/crawlers/"+SeedCrawlerID+"/params"), 200, string(fixture("docs/get-crawler-parameters.200.json")))
	expect(t, "attributes", get(t, srv, "/v1/crawlers/"+SeedCrawlerID+"/attributes"), 200, string(fixture("docs/get-crawler-attributes.200.json")))
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
		{"params": map[string]any{"max_results": 500}},
		{"params": map[string]any{"max_results": "many"}},
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
	if after["concurrency"] != 2.0 || params["ratings"] != "4.0+" || params["country"] != "United States" ||
		params["max_results"] != 200.0 || params["functions"].(map[string]any)["collect_business_details"] != true {
		t.Errorf("squid after update: %v", after)
	}
	if after["name"] != before["name"] || after["is_active"] != true {
		t.Errorf("fields not sent changed: %v", after)
	}

	// Concurrency is capped by the crawler's max_concurrency (10 for Sales Navigator).
	sales := decode[map[string]any](t, postJSON(t, srv, "/v1/squids", map[string]any{"crawler": "a1d243d3824a1ac773414416eb80362d"}))
	expect(t, "concurrency over the crawler's", postJSON(t, srv, "/v1/squids/"+sales["id"].(string), map[string]any{"concurrency": 15}), 400, "")

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
