package apitest

import (
	"strings"
	"testing"
)

// The docs of the Google Maps Leads Scraper say its old function names collect_contacts,
// images and details are still accepted but deprecated: Update Squid takes them and saves
// them under the new names; when a body sends both spellings the new name wins; a name
// that is neither is still refused, naming it.
func TestDeprecatedFunctionNamesAccepted(t *testing.T) {
	srv := NewServer(t)
	squid := newSquid(t, srv, "old names", 0)
	functions := func() map[string]any {
		t.Helper()
		r := get(t, srv, "/v1/squids/"+squid)
		if r.status != 200 {
			t.Fatalf("get squid: %d %s", r.status, r.body)
		}
		fns, _ := decode[map[string]any](t, r)["params"].(map[string]any)["functions"].(map[string]any)
		return fns
	}
	update := func(fns map[string]any) response {
		t.Helper()
		return postJSON(t, srv, "/v1/squids/"+squid, map[string]any{"params": map[string]any{"functions": fns}})
	}

	if r := update(map[string]any{"collect_contacts": false, "images": true, "details": true}); r.status != 200 {
		t.Fatalf("old names: %d %s", r.status, r.body)
	}
	fns := functions()
	if fns["extract_emails_from_website"] != false || fns["fetch_business_images"] != true || fns["collect_business_details"] != true {
		t.Errorf("after the old names: functions %v", fns)
	}
	for _, old := range []string{"collect_contacts", "images", "details"} {
		if _, kept := fns[old]; kept {
			t.Errorf("the old name %s is kept beside the new one: %v", old, fns)
		}
	}

	if r := update(map[string]any{"images": false, "fetch_business_images": true}); r.status != 200 {
		t.Fatalf("both names: %d %s", r.status, r.body)
	}
	if fns := functions(); fns["fetch_business_images"] != true {
		t.Errorf("both spellings sent, the new one true: functions %v", fns)
	}

	r := update(map[string]any{"contacts": true})
	if r.status != 400 || !strings.Contains(string(r.body), "contacts") {
		t.Errorf("an unknown function: %d %s; want 400 naming it", r.status, r.body)
	}
}
