package openapi_test

import (
	"strings"
	"testing"
)

// exampleAt returns the first example whose place in the document starts with prefix, such
// as "GET /runs/{run_hash} 200 ".
func exampleAt(t *testing.T, prefix string) example {
	t.Helper()
	for _, e := range examples(t, load(t)) {
		if strings.HasPrefix(e.where, prefix) {
			return e
		}
	}
	t.Fatalf("found no example at %q", prefix)
	return example{}
}

// schemaCase changes a copy of a documented body.
type schemaCase struct {
	name   string
	change func(m map[string]any)
}

// checkBodies validates the example at prefix changed by each case: the accepts must
// validate, the breaks must not.
func checkBodies(t *testing.T, prefix string, accepts, breaks []schemaCase) {
	t.Helper()
	e := exampleAt(t, prefix)
	if err := validate(e, e.value); err != nil {
		t.Fatalf("%s: the documented body itself fails: %v", e.where, err)
	}
	for _, c := range accepts {
		m := deepCopy(t, e.value).(map[string]any)
		c.change(m)
		if err := validate(e, m); err != nil {
			t.Errorf("%s with %s does not validate: %v", prefix, c.name, err)
		}
	}
	for _, c := range breaks {
		m := deepCopy(t, e.value).(map[string]any)
		c.change(m)
		if err := validate(e, m); err == nil {
			t.Errorf("%s with %s validates", prefix, c.name)
		}
	}
}

func first(m map[string]any) map[string]any { return m["data"].([]any)[0].(map[string]any) }

func TestUserBodies(t *testing.T) {
	checkBodies(t, "GET /me 200 ", nil, []schemaCase{
		{"no email", func(m map[string]any) { delete(m, "email") }},
		{"login_count a string", func(m map[string]any) { m["login_count"] = "42" }},
		{"plan an object", func(m map[string]any) { m["plan"] = map[string]any{} }},
	})
	checkBodies(t, "GET /user/balance 200 ", []schemaCase{
		{"the later documentation's body", func(m map[string]any) {
			m["has_unpaid_bill"] = map[string]any{}
			m["community_reward_credit"] = 500
			m["community_reward_credit_expires_at"] = nil
			m["export_cap_lifted_until"] = nil
		}},
		{"an unpaid bill", func(m map[string]any) {
			m["has_unpaid_bill"] = map[string]any{"status": true, "created_on": 1777545119}
		}},
		{"fractional credits", func(m map[string]any) { m["consumed"] = 1550.25 }},
		{"rollover expiry set", func(m map[string]any) { m["rollover_credit_expires_at"] = "2025-03-01T00:00:00Z" }},
	}, []schemaCase{
		{"has_unpaid_bill a string", func(m map[string]any) { m["has_unpaid_bill"] = "no" }},
		{"reset_time null", func(m map[string]any) { m["reset_time"] = nil }},
		{"no available", func(m map[string]any) { delete(m, "available") }},
	})
}

func TestCrawlerBodies(t *testing.T) {
	checkBodies(t, "GET /crawlers/{crawler_hash} 200 ", []schemaCase{
		{"the later documentation's fields", func(m map[string]any) {
			m["credits_per_row"] = map[string]any{"legacy": 1, "current": 1}
			m["credits_per_email"] = map[string]any{"legacy": 100, "current": 2}
			m["has_email_verification"] = true
			m["description"] = "Give us your properly built Google Maps Search URL(s)."
			m["help_article"] = nil
			m["rank"] = 1
			m["default_worker_stats"] = map[string]any{"success_ratio": 1, "max_rate_per_worker": 200, "min_rate_per_worker": 100}
			m["email_worker_stats"] = nil
			m["chains"] = []any{map[string]any{
				"title": "Google Maps Reviews Scraper", "subtitle": "Collect all reviews", "target": "googlemapreviews_matrix",
				"target_module_id": "e625ce52e98a6d4d1b53ef36dff7dacb", "field_map": map[string]any{"url": "url"}, "autostart_default": true,
			}}
		}},
		{"a fractional price", func(m map[string]any) { m["credits_per_row"] = 0.5 }},
		{"an account", func(m map[string]any) {
			m["account"] = map[string]any{"type": "linkedin-sync", "baseurl": "https://www.linkedin.com",
				"cookies": []any{map[string]any{"name": "li_at", "required": true}}, "icon": "PHN2Zz4="}
		}},
	}, []schemaCase{
		{"a slug for id", func(m map[string]any) { m["id"] = "google-maps-search-export" }},
		{"credits_per_row a string", func(m map[string]any) { m["credits_per_row"] = "2" }},
		{"credits_per_row without current", func(m map[string]any) { m["credits_per_row"] = map[string]any{"legacy": 1} }},
		{"account a string", func(m map[string]any) { m["account"] = "facebook-sync" }},
		{"input without name", func(m map[string]any) { delete(m["input"].([]any)[0].(map[string]any), "name") }},
		{"no is_available", func(m map[string]any) { delete(m, "is_available") }},
	})
	checkBodies(t, "GET /crawlers 200 ", []schemaCase{
		{"a price object", func(m map[string]any) { first(m)["credits_per_row"] = map[string]any{"current": 3, "legacy": 1} }},
	}, []schemaCase{
		{"no next", func(m map[string]any) { delete(m, "next") }},
		{"a crawler without slug", func(m map[string]any) { delete(first(m), "slug") }},
	})
	checkBodies(t, "GET /crawlers/{crawler_hash}/params 200 ", nil, []schemaCase{
		{"a task parameter without type", func(m map[string]any) {
			delete(m["task"].(map[string]any)["url"].(map[string]any), "type")
		}},
		{"a function without price", func(m map[string]any) {
			f := m["squid"].(map[string]any)["functions"].(map[string]any)
			delete(f["fetch_business_images"].(map[string]any), "credits_per_function")
		}},
		{"no squid", func(m map[string]any) { delete(m, "squid") }},
	})
	checkBodies(t, "GET /crawlers/{crawler_hash}/attributes 200 ", []schemaCase{
		{"an example null", func(m map[string]any) { first(m)["example"] = nil }},
		{"an example object", func(m map[string]any) { first(m)["example"] = map[string]any{"a": 1} }},
	}, []schemaCase{
		{"is_main a string", func(m map[string]any) { first(m)["is_main"] = "true" }},
		{"no data", func(m map[string]any) { delete(m, "data") }},
	})
}

func TestSquidBodies(t *testing.T) {
	checkBodies(t, "GET /squids/{squid_hash} 200 ", []schemaCase{
		{"the later documentation's fields", func(m map[string]any) {
			m["created_via"] = "api"
			m["deactivation_reason"] = nil
		}},
		{"never run", func(m map[string]any) {
			m["last_run_status"], m["last_run_at"], m["last_run"], m["last_run_done_reason"], m["last_run_is_done"] = nil, nil, nil, nil, nil
		}},
		{"delivery never configured", func(m map[string]any) {
			m["google_sheet_fields"], m["ftp_fields"], m["s3_fields"], m["webhook_fields"] = nil, nil, nil, nil
		}},
		{"a cron schedule", func(m map[string]any) { m["schedule"], m["schedule_time"] = "0 10 * * *", "Daily at 10:00 AM" }},
		{"accounts linked", func(m map[string]any) {
			m["accounts"] = []any{map[string]any{"id": "a1d243d3824a1ac773414416eb80362d", "status": "synchronized"}}
		}},
	}, []schemaCase{
		{"no is_ready", func(m map[string]any) { delete(m, "is_ready") }},
		{"created_at null", func(m map[string]any) { m["created_at"] = nil }},
		{"crawler a slug", func(m map[string]any) { m["crawler"] = "google-maps-search-export" }},
		{"last_run not a hash", func(m map[string]any) { m["last_run"] = "last" }},
		{"concurrency a string", func(m map[string]any) { m["concurrency"] = "1" }},
	})
	checkBodies(t, "POST /squids 200 ", nil, []schemaCase{
		{"no id", func(m map[string]any) { delete(m, "id") }},
		{"account an object", func(m map[string]any) { m["account"] = map[string]any{} }},
	})
	checkBodies(t, "POST /squids request ", []schemaCase{
		{"no name", func(m map[string]any) { delete(m, "name") }},
	}, []schemaCase{
		{"a slug for crawler", func(m map[string]any) { m["crawler"] = "google-maps-leads-scraper" }},
		{"no crawler", func(m map[string]any) { delete(m, "crawler") }},
	})
	checkBodies(t, "POST /squids/{squid_hash} request ", []schemaCase{
		{"accounts null", func(m map[string]any) { m["accounts"] = nil }},
		{"accounts empty", func(m map[string]any) { m["accounts"] = []any{} }},
		{"run_notify null", func(m map[string]any) { m["run_notify"] = nil }},
		{"a schedule", func(m map[string]any) { m["cron_expression"], m["timezone"] = "0 10 * * *", "Europe/Paris" }},
	}, []schemaCase{
		{"concurrency 0", func(m map[string]any) { m["concurrency"] = 0 }},
		{"concurrency 21", func(m map[string]any) { m["concurrency"] = 21 }},
		{"run_notify always", func(m map[string]any) { m["run_notify"] = "always" }},
		{"an empty account hash", func(m map[string]any) { m["accounts"] = []any{""} }},
	})
	checkBodies(t, "POST /squids/{squid_hash}/empty request ", []schemaCase{
		{"type params", func(m map[string]any) { m["type"] = "params" }},
	}, []schemaCase{
		{"type all", func(m map[string]any) { m["type"] = "all" }},
		{"no type", func(m map[string]any) { delete(m, "type") }},
	})
}

func TestRunBodies(t *testing.T) {
	checkBodies(t, "GET /runs/{run_hash} 200 ", []schemaCase{
		{"the later documentation's body", func(m map[string]any) {
			delete(m, "is_done")
			delete(m, "email_done")
			delete(m, "email_time")
			m["duration"] = 50.1833
			m["mail_done"], m["mail_time"] = false, nil
		}},
		{"a duration over a day", func(m map[string]any) { m["duration"] = "1 day, 0:00:15.175532" }},
		{"a duration without fraction", func(m map[string]any) { m["duration"] = "0:02:00" }},
		{"upper-case status", func(m map[string]any) { m["status"] = "DONE" }},
		{"running", func(m map[string]any) {
			m["status"], m["ended_at"], m["export_done"], m["export_time"], m["done_reason"] = "running", nil, nil, nil, nil
		}},
	}, []schemaCase{
		{"id not a hash", func(m map[string]any) { m["id"] = "r1" }},
		{"duration a word", func(m map[string]any) { m["duration"] = "fast" }},
		{"duration negative", func(m map[string]any) { m["duration"] = -1 }},
		{"duration minutes over 59", func(m map[string]any) { m["duration"] = "0:60:00" }},
		{"no status", func(m map[string]any) { delete(m, "status") }},
		{"export_done a string", func(m map[string]any) { m["export_done"] = "yes" }},
		{"created_at yesterday", func(m map[string]any) { m["created_at"] = "yesterday" }},
		{"credit_used a string", func(m map[string]any) { m["credit_used"] = "50" }},
	})
	checkBodies(t, "POST /runs 200 ", []schemaCase{
		{"the later documentation's email names", func(m map[string]any) {
			delete(m, "email_done")
			delete(m, "email_time")
			m["mail_done"], m["mail_time"] = nil, nil
		}},
	}, []schemaCase{
		{"no squid", func(m map[string]any) { delete(m, "squid") }},
	})
	checkBodies(t, "GET /runs/{run_hash}/stats 200 ", []schemaCase{
		{"running", func(m map[string]any) {
			m["is_done"], m["ended_at"], m["percent_done"], m["eta"], m["current_task"] = false, nil, "40%", "2 minutes", nil
		}},
	}, []schemaCase{
		{"no is_done", func(m map[string]any) { delete(m, "is_done") }},
		{"started_at a date", func(m map[string]any) { m["started_at"] = "2025-02-10" }},
		{"total_tasks a string", func(m map[string]any) { m["total_tasks"] = "10" }},
	})
	checkBodies(t, "GET /runtasks 200 ", []schemaCase{
		{"a retried task", func(m map[string]any) {
			r := first(m)
			r["status"], r["ended_at"], r["done_reason"], r["user_task"] = "pending", nil, nil, "d30334cd8d21ab16048c5e2e7136a9f1"
		}},
	}, []schemaCase{
		{"status an object", func(m map[string]any) { first(m)["status"] = map[string]any{"status": "aborted"} }},
		{"no task", func(m map[string]any) { delete(first(m), "task") }},
	})
	checkBodies(t, "GET /runs/{run_hash}/credits 200 ", []schemaCase{
		{"fractional credits", func(m map[string]any) { m["total_credits"] = 116.5 }},
		{"a billed filter", func(m map[string]any) {
			m["filter_breakdown"] = []any{map[string]any{"name": "min_rating", "display": "Minimum rating", "rate": 1, "credits": 3}}
		}},
	}, []schemaCase{
		{"a rate not a number", func(m map[string]any) { m["rates"].(map[string]any)["credits_per_row"] = "4" }},
		{"no breakdown", func(m map[string]any) { delete(m, "breakdown") }},
	})
	checkBodies(t, "GET /runs/{run_hash}/download 200 ", nil, []schemaCase{
		{"no s3", func(m map[string]any) { delete(m, "s3") }},
		{"s3 empty", func(m map[string]any) { m["s3"] = "" }},
	})
}

func TestResultBodies(t *testing.T) {
	checkBodies(t, "GET /results 200 ", []schemaCase{
		{"an integer id", func(m map[string]any) { first(m)["id"] = 8542691 }},
		{"any column", func(m map[string]any) { first(m)["reviews"] = []any{map[string]any{"stars": 5}} }},
		{"a free plan's warning", func(m map[string]any) { m["warning"] = "Export limit reached - only 50 results returned." }},
	}, []schemaCase{
		{"a row without id", func(m map[string]any) { delete(first(m), "id") }},
		{"a null id", func(m map[string]any) { first(m)["id"] = nil }},
		{"scraping_time a word", func(m map[string]any) { first(m)["scraping_time"] = "now" }},
		{"no total_pages", func(m map[string]any) { delete(m, "total_pages") }},
	})
}

// validateSchema validates v against the document's component schema name, as a request
// body or as a response body.
func validateSchema(t *testing.T, name string, v any, response bool) error {
	t.Helper()
	s := load(t).Components.Schemas[name]
	if s == nil || s.Value == nil {
		t.Fatalf("the document has no schema %s", name)
	}
	return validate(example{where: name, schema: s, response: response}, v)
}

// TestDocsOfJuly2026 checks what the docs of July 2026 added to the document: the squid's
// slack_fields and chain, the required fields of Link Account to Squid, Refresh Cookies and
// the email channel, and the pagination guide's warning on every list envelope.
func TestDocsOfJuly2026(t *testing.T) {
	checkBodies(t, "GET /squids/{squid_hash} 200 ", []schemaCase{
		{"slack_fields null", func(m map[string]any) { m["slack_fields"] = nil }},
		{"slack_fields off", func(m map[string]any) { m["slack_fields"] = map[string]any{"is_active": false, "channel": "#leads"} }},
		{"chain null", func(m map[string]any) { m["chain"] = nil }},
		{"the changelog's chain", func(m map[string]any) {
			m["chain"] = map[string]any{"target_crawler": "google-maps-reviews-scraper", "field_map": map[string]any{"url": "url"},
				"autostart": true, "cluster_settings": map[string]any{"name": "Reviews", "concurrency": 2}}
		}},
	}, []schemaCase{
		{"slack_fields without is_active", func(m map[string]any) { m["slack_fields"] = map[string]any{} }},
		{"slack_fields a string", func(m map[string]any) { m["slack_fields"] = "on" }},
		{"chain a string", func(m map[string]any) { m["chain"] = "google-maps-reviews-scraper" }},
		{"chain autostart a string", func(m map[string]any) { m["chain"] = map[string]any{"autostart": "yes"} }},
		{"chain field_map a list", func(m map[string]any) { m["chain"] = map[string]any{"field_map": []any{"url"}} }},
	})
	cookies := map[string]any{"auth_token": "a", "ct0": "b"}
	for _, tc := range []struct {
		schema string
		body   map[string]any
		ok     bool
	}{
		{"LinkAccountsRequest", map[string]any{"accounts": []any{"YOUR_ACCOUNT_HASH"}}, true},
		{"LinkAccountsRequest", map[string]any{"accounts": nil}, true},
		{"LinkAccountsRequest", map[string]any{"accounts": []any{}}, true},
		{"LinkAccountsRequest", map[string]any{"name": "x"}, false},
		{"LinkAccountsRequest", map[string]any{"accounts": "YOUR_ACCOUNT_HASH"}, false},
		{"RefreshCookiesRequest", map[string]any{"account": "abfeb440ceccdfab974e8d261836c9d6", "type": "twitter-sync", "cookies": cookies}, true},
		{"RefreshCookiesRequest", map[string]any{"type": "twitter-sync", "cookies": cookies}, false},
		{"RefreshCookiesRequest", map[string]any{"account": "abfeb440ceccdfab974e8d261836c9d6", "cookies": cookies}, false},
		{"SyncAccountRequest", map[string]any{"type": "twitter-sync", "cookies": cookies}, true},
		{"AccountCookiesBody", map[string]any{"type": "twitter-sync", "cookies": cookies}, true},
		{"AccountCookiesBody", map[string]any{"account": "abfeb440ceccdfab974e8d261836c9d6", "type": "twitter-sync", "cookies": cookies}, true},
		{"AccountCookiesBody", map[string]any{"account": "abfeb440ceccdfab974e8d261836c9d6", "cookies": cookies}, false},
		{"UpdateSquidBody", map[string]any{"accounts": []any{"YOUR_ACCOUNT_HASH"}}, true},
		{"UpdateSquidBody", map[string]any{"concurrency": 2}, true},
		{"UpdateSquidBody", map[string]any{"concurrency": 0}, false},
		{"EmailDelivery", map[string]any{"email": "user@example.com", "notifications": false}, true},
		{"EmailDelivery", map[string]any{"email": "user@example.com"}, false},
		{"DeliveryRequest", map[string]any{"email": "user@example.com"}, false},
		{"DeliveryRequest", map[string]any{"email": "user@example.com", "notifications": true}, true},
	} {
		err := validateSchema(t, tc.schema, tc.body, false)
		if tc.ok && err != nil {
			t.Errorf("%s %v does not validate: %v", tc.schema, tc.body, err)
		}
		if !tc.ok && err == nil {
			t.Errorf("%s %v validates", tc.schema, tc.body)
		}
	}
	for _, page := range []string{"TaskPage", "CrawlerPage", "SquidPage", "RunPage", "RunTaskPage", "ResultPage", "AccountPage", "AccountTypePage"} {
		body := map[string]any{"total_results": 500, "limit": 10, "page": 1, "total_pages": 50, "result_from": 1, "result_to": 10,
			"data": []any{}, "next": nil, "previous": nil,
			"warning": "Export limit reached - only 50 results returned. Upgrade to premium to access the full dataset: https://app.lobstr.io/dashboard/pricing."}
		if err := validateSchema(t, page, body, true); err != nil {
			t.Errorf("%s with the pagination guide's warning does not validate: %v", page, err)
		}
		s := load(t).Components.Schemas[page].Value.Properties["warning"]
		if s == nil || s.Value.Type == nil || !s.Value.Type.Is("string") {
			t.Errorf("%s declares no string warning", page)
		}
	}
}
