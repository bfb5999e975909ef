package api_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/lobstr-go/lobstr/api"
	"github.com/lobstr-go/lobstr/openapi"
)

// docFixture returns a documented body, from the document's embedded copy.
func docFixture(t testing.TB, name string) []byte {
	t.Helper()
	b, err := openapi.Fixture("docs/" + name)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// route is one answer of a docServer: a documented body, verbatim, with a status.
type route struct {
	method, path string // path "/v1/squids/*" matches any one more segment
	status       int
	fixture      string
}

// sentRequest is a request a docServer received.
type sentRequest struct {
	method, path, query string
	body                []byte
}

// docServer answers each request with the documented body of the first route matching it
// (404 otherwise), and records the requests.
type docServer struct {
	url  string
	mu   sync.Mutex
	sent []sentRequest
}

func newDocServer(t *testing.T, routes ...route) (*docServer, *api.Client) {
	t.Helper()
	d := &docServer{}
	bodies := make([][]byte, len(routes))
	for i, r := range routes {
		bodies[i] = docFixture(t, r.fixture)
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		d.mu.Lock()
		d.sent = append(d.sent, sentRequest{r.Method, r.URL.Path, r.URL.RawQuery, b})
		d.mu.Unlock()
		for i, rt := range routes {
			if rt.method != r.Method {
				continue
			}
			if matchPath(rt.path, r.URL.Path) {
				w.Header().Set("Content-Type", "application/json")
				w.WriteHeader(rt.status)
				w.Write(bodies[i])
				return
			}
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(404)
		w.Write([]byte(`{"detail": "Not found."}`))
	}))
	t.Cleanup(srv.Close)
	d.url = srv.URL + "/v1"
	c, err := api.NewClient(api.WithBaseURL(d.url), api.WithToken("doc-token"), api.WithoutPacing(), api.WithMaxRetries(0))
	if err != nil {
		t.Fatal(err)
	}
	return d, c
}

// matchPath reports whether path matches pattern, where a segment "*" matches any one.
func matchPath(pattern, path string) bool {
	ps, xs := strings.Split(pattern, "/"), strings.Split(path, "/")
	if len(ps) != len(xs) {
		return false
	}
	for i := range ps {
		if ps[i] != "*" && ps[i] != xs[i] {
			return false
		}
	}
	return true
}

func (d *docServer) requests() []sentRequest {
	d.mu.Lock()
	defer d.mu.Unlock()
	return append([]sentRequest(nil), d.sent...)
}

// sameAsDoc fails unless v marshals to the documented body's JSON value.
func sameAsDoc(t *testing.T, what string, v any, fixture string) {
	t.Helper()
	out, err := json.Marshal(v)
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
	if !jsonEqual(t, out, docFixture(t, fixture)) {
		t.Errorf("%s re-encoded differs from %s:\n%s", what, fixture, out)
	}
}

func TestUserDocumentedBodies(t *testing.T) {
	for _, fx := range []string{"user-me.200.json", "authentication.200.json"} {
		_, c := newDocServer(t, route{"GET", "/v1/me", 200, fx})
		u, err := c.User.Me(t.Context())
		if err != nil {
			t.Fatalf("%s: %v", fx, err)
		}
		if u.Email != "user@example.com" || u.FirstName != "John" {
			t.Errorf("%s: %+v", fx, u)
		}
		sameAsDoc(t, "Me", u, fx)
	}
	_, c := newDocServer(t, route{"GET", "/v1/user/balance", 200, "get-balance.200.json"})
	b, err := c.User.Balance(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if b.Available != 10000 || b.Consumed != 1550 || api.RemainingCredits(b) != 8450 || b.TotalAvailableSlots != 20 {
		t.Errorf("balance %+v", b)
	}
	sameAsDoc(t, "Balance", b, "get-balance.200.json")
}

func TestCrawlersDocumentedBodies(t *testing.T) {
	const twitter = "6c5227261fbbd3430f926d409f4c44bf"
	const gmaps = "4734d096159ef05210e0e1677e8be823"
	d, c := newDocServer(t,
		route{"GET", "/v1/crawlers", 200, "list-crawlers.200.json"},
		route{"GET", "/v1/crawlers/" + gmaps + "/params", 200, "get-crawler-parameters.200.json"},
		route{"GET", "/v1/crawlers/" + gmaps + "/attributes", 200, "get-crawler-attributes.200.json"},
		route{"GET", "/v1/crawlers/*", 200, "get-crawler-details.200.json"},
	)
	page, err := c.Crawlers.ListPage(t.Context(), api.ListCrawlersOptions{Page: 1, Limit: 50})
	if err != nil {
		t.Fatal(err)
	}
	if len(page.Data) != 3 || page.Data[0].Id != twitter || page.Data[1].Account == nil || page.Data[1].Account.Type != "facebook-sync" {
		t.Errorf("page %+v", page)
	}
	sameAsDoc(t, "ListPage", page, "list-crawlers.200.json")

	// The documented page announces 53 crawlers on 2 pages but holds 3 and names no next
	// page: List says so instead of returning a short catalogue.
	_, err = c.Crawlers.List(t.Context())
	var inc *api.IncompleteError
	if !errors.As(err, &inc) || inc.Seen != 3 || inc.Announced != 53 {
		t.Errorf("List over the documented page: %v", err)
	}

	cr, err := c.Crawlers.Get(t.Context(), gmaps)
	if err != nil {
		t.Fatal(err)
	}
	if cr.Slug != "google-maps-search-export" || len(cr.Input) != 5 || len(cr.Result) != 26 || cr.Account != nil {
		t.Errorf("details %+v", cr)
	}
	if p, err := cr.CreditsPerRow.Current(); err != nil || p != 2 {
		t.Errorf("credits per row %v %v", p, err)
	}
	sameAsDoc(t, "Get", cr, "get-crawler-details.200.json")

	// By slug: the list gives the id, then the details are asked by id.
	n := len(d.requests())
	if _, err := c.Crawlers.Get(t.Context(), "Twitter-Profile-Scraper"); err != nil {
		t.Fatal(err)
	}
	reqs := d.requests()[n:]
	if len(reqs) != 2 || reqs[0].path != "/v1/crawlers" || !strings.Contains(reqs[0].query, "limit=100") || reqs[1].path != "/v1/crawlers/"+twitter {
		t.Errorf("by slug: %+v", reqs)
	}

	params, err := c.Crawlers.Params(t.Context(), gmaps)
	if err != nil {
		t.Fatal(err)
	}
	if params.Task["url"].Regex == nil || len(params.Squid.Functions) != 3 || len(params.Squid.AdditionalProperties["language"].Allowed) != 10 {
		t.Errorf("params %+v", params)
	}
	sameAsDoc(t, "Params", params, "get-crawler-parameters.200.json")

	attrs, err := c.Crawlers.Attributes(t.Context(), gmaps)
	if err != nil {
		t.Fatal(err)
	}
	if len(attrs) != 9 || attrs[0].Name != "match_filters" || string(attrs[0].Example) != "false" || attrs[7].IsMain {
		t.Errorf("attributes %+v", attrs)
	}
	sameAsDoc(t, "Attributes", api.CrawlerAttributeList{Data: attrs}, "get-crawler-attributes.200.json")
}

func TestSquidsDocumentedBodies(t *testing.T) {
	const listed = "e86b29c032024b66aff529e1d43c2bd7"  // the squid of Create and List Squids
	const details = "c106a44a98044ef18acc59986ae10967" // the squid of Get Squid Details
	const gmaps = "4734d096159ef05210e0e1677e8be823"
	d, c := newDocServer(t,
		route{"GET", "/v1/squids", 200, "list-squids.200.json"},
		route{"POST", "/v1/squids", 200, "create-squid.200.json"},
		route{"POST", "/v1/squids/*/empty", 200, "empty-squid.200.json"},
		route{"GET", "/v1/squids/*", 200, "get-squid-details.200.json"},
		route{"POST", "/v1/squids/*", 201, "update-squid.200.json"},
		route{"DELETE", "/v1/squids/*", 200, "delete-squid.200.json"},
	)
	page, err := c.Squids.List(t.Context(), api.ListSquidsOptions{Name: "google", Limit: 10})
	if err != nil {
		t.Fatal(err)
	}
	if len(page.Data) != 1 || page.Data[0].Id != listed || page.TotalResults != 34 || page.Next == nil {
		t.Errorf("page %+v", page)
	}
	sameAsDoc(t, "List", page, "list-squids.200.json")
	if q, _ := url.ParseQuery(d.requests()[0].query); q.Get("name") != "google" || q.Get("limit") != "10" || len(q) != 2 {
		t.Errorf("List query %q", d.requests()[0].query)
	}
	// The documented page is one squid of 34 on a page of 10 that names a next page: a walk
	// cannot trust it, and says so.
	var all []api.Squid
	var walkErr error
	for sq, err := range c.Squids.All(t.Context(), api.ListSquidsOptions{}) {
		if err != nil {
			walkErr = err
			break
		}
		all = append(all, sq)
	}
	var inc *api.IncompleteError
	if len(all) != 1 || !errors.As(walkErr, &inc) || inc.Seen != 1 || inc.Announced != 34 {
		t.Errorf("All over the documented page: %d squids, %v", len(all), walkErr)
	}

	sq, err := c.Squids.Get(t.Context(), details)
	if err != nil {
		t.Fatal(err)
	}
	if sq.Name != "my-cool-squid" || !sq.IsReady || sq.NotificationsParams == nil || !sq.S3Fields.IsPresent() {
		t.Errorf("squid %+v", sq)
	}
	sameAsDoc(t, "Get", sq, "get-squid-details.200.json")

	// Create: Create Squid's answer names the squid, which is then read back.
	var raw [][]byte
	cctx := api.CaptureBody(t.Context(), func(_ int, b []byte) { raw = append(raw, b) })
	n := len(d.requests())
	sq, err = c.Squids.Create(cctx, gmaps, "My Google Maps Scraper")
	if err != nil {
		t.Fatal(err)
	}
	reqs := d.requests()[n:]
	if len(reqs) != 2 || reqs[0].method != "POST" || !jsonEqual(t, reqs[0].body, []byte(`{"crawler": "`+gmaps+`", "name": "My Google Maps Scraper"}`)) ||
		reqs[1].path != "/v1/squids/"+listed {
		t.Errorf("Create sent %+v", reqs)
	}
	if len(raw) != 2 || !bytes.Equal(raw[0], docFixture(t, "create-squid.200.json")) {
		t.Errorf("Create's answers %q", raw)
	}
	sameAsDoc(t, "Create", sq, "get-squid-details.200.json")

	// Update: only what was set is sent; the echo is checked, then the squid read back.
	raw = nil
	n = len(d.requests())
	sq, err = c.Squids.Update(cctx, details, api.SquidUpdate{
		Name:        api.Ptr("Updated Squid Name"),
		Concurrency: api.Ptr(2),
		IsActive:    api.Ptr(true),
		Params: &api.SquidParams{"max_results": 150, "functions": map[string]any{"extract_emails_from_website": true,
			"collect_business_details": true, "fetch_business_images": false}, "ratings": "4.0+", "country": "United States",
			"language": "English (United States)"},
		RunNotify: api.NullableOf(api.RunNotifyOnSuccess),
	})
	if err != nil {
		t.Fatal(err)
	}
	reqs = d.requests()[n:]
	documentedRequest := `{"name": "Updated Squid Name", "concurrency": 2, "is_active": true, "params": {"max_results": 150,
		"functions": {"extract_emails_from_website": true, "collect_business_details": true, "fetch_business_images": false},
		"ratings": "4.0+", "country": "United States", "language": "English (United States)"}, "run_notify": "on_success"}`
	if len(reqs) != 2 || reqs[0].path != "/v1/squids/"+details || !jsonEqual(t, reqs[0].body, []byte(documentedRequest)) {
		t.Errorf("Update sent %+v", reqs)
	}
	if len(raw) != 2 || !bytes.Equal(raw[0], docFixture(t, "update-squid.200.json")) || sq.Id != details {
		t.Errorf("Update's answers %q", raw)
	}

	// Nulls are sent as null, and nothing else.
	n = len(d.requests())
	if _, err := c.Squids.Update(t.Context(), details, api.SquidUpdate{RunNotify: api.Null[api.RunNotify](), Accounts: api.Null[[]string]()}); err != nil {
		t.Fatal(err)
	}
	if body := d.requests()[n].body; !jsonEqual(t, body, []byte(`{"run_notify": null, "accounts": null}`)) {
		t.Errorf("nulls sent as %s", body)
	}

	e, err := c.Squids.Empty(t.Context(), "388d6d5e98134294ac612ec9f99dc5b1", api.TaskKindURL)
	if err != nil {
		t.Fatal(err)
	}
	sameAsDoc(t, "Empty", e, "empty-squid.200.json")
	n = len(d.requests())
	e, err = c.Squids.Empty(t.Context(), "388d6d5e98134294ac612ec9f99dc5b1")
	reqs = d.requests()[n:]
	if err != nil || e.DeletedCount != 2 || !e.Emptied || len(reqs) != 2 || string(reqs[0].body) != `{"type":"url"}` || string(reqs[1].body) != `{"type":"params"}` {
		t.Errorf("Empty of both kinds: %+v %v, sent %+v", e, err, reqs)
	}

	del, err := c.Squids.Delete(t.Context(), "5b071952127e47d2adc8d684ff24dbd2")
	if err != nil {
		t.Fatal(err)
	}
	if !del.Deleted || del.Id != "5b071952127e47d2adc8d684ff24dbd2" {
		t.Errorf("deleted %+v", del)
	}
	sameAsDoc(t, "Delete", del, "delete-squid.200.json")
}

// The echoes and Create Squid's answer decode into their own models, every documented
// field with a home, and encode back to the documented JSON.
func TestSquidAnswerModelsRoundTrip(t *testing.T) {
	for name, v := range map[string]any{
		"create-squid.200.json":          &api.CreatedSquid{},
		"update-squid.200.json":          &api.UpdatedSquid{},
		"link-account-to-squid.200.json": &api.UpdatedSquid{},
		"get-squid-details.200.json":     &api.Squid{},
		"list-squids.200.json":           &api.SquidPage{},
		"list-crawlers.200.json":         &api.CrawlerPage{},
		"get-crawler-details.200.json":   &api.Crawler{},
		"get-balance.200.json":           &api.Balance{},
		"user-me.200.json":               &api.User{},
	} {
		dec := json.NewDecoder(bytes.NewReader(docFixture(t, name)))
		dec.DisallowUnknownFields()
		if err := dec.Decode(v); err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		sameAsDoc(t, name, v, name)
	}
}

// A squid's id is refused before any request only when it cannot be one; the document
// imposes no format, so the documentation's own non-hex example is taken.
func TestSquidIDs(t *testing.T) {
	d, c := newDocServer(t, route{"GET", "/v1/squids/*", 200, "get-squid-details.200.json"})
	if _, err := c.Squids.Get(t.Context(), "a1b2c3d4e5f6g7h8i9j0"); err != nil {
		t.Errorf("the documented example id: %v", err)
	}
	for _, bad := range []string{"", "a1b2 c3", "a1b2\n", "\x00"} {
		_, err := c.Squids.Get(t.Context(), bad)
		if err == nil || !strings.Contains(err.Error(), "Squids.Get: id: ") {
			t.Errorf("%q: %v", bad, err)
		}
	}
	if n := len(d.requests()); n != 1 {
		t.Errorf("%d requests; want 1", n)
	}
}
