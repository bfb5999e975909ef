package api_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/lobstr-go/lobstr/api"
	"github.com/lobstr-go/lobstr/api/apitest"
	"github.com/lobstr-go/lobstr/catalog"
)

// bodyRecorder is a transport that keeps the bodies of the requests it sends.
type bodyRecorder struct {
	next http.RoundTripper
	mu   sync.Mutex
	sent []string // "METHOD /path body"
}

func (b *bodyRecorder) RoundTrip(r *http.Request) (*http.Response, error) {
	var body []byte
	if r.Body != nil {
		body, _ = io.ReadAll(r.Body)
		r.Body.Close()
		r.Body = io.NopCloser(bytes.NewReader(body))
	}
	b.mu.Lock()
	b.sent = append(b.sent, r.Method+" "+r.URL.Path+" "+string(body))
	b.mu.Unlock()
	return b.next.RoundTrip(r)
}

func (b *bodyRecorder) log() []string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]string(nil), b.sent...)
}

// recordingClient is a client on the fake whose requests, bodies included, are recorded.
func recordingClient(t *testing.T) (*apitest.Server, *api.Client, *bodyRecorder) {
	t.Helper()
	srv := apitest.NewServer(t)
	rec := &bodyRecorder{next: srv.Client().Transport}
	c, err := api.NewClient(api.WithBaseURL(srv.URL), api.WithToken(srv.Token), api.WithHTTPClient(&http.Client{Transport: rec}), api.WithoutPacing())
	if err != nil {
		t.Fatal(err)
	}
	return srv, c, rec
}

func TestUserAgainstFake(t *testing.T) {
	_, c := fakeClient(t, nil)
	u, err := c.User.Me(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if !jsonEqual(t, mustJSON(t, u), docFixture(t, "user-me.200.json")) {
		t.Errorf("me: %s", mustJSON(t, u))
	}
	b, err := c.User.Balance(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if !jsonEqual(t, mustJSON(t, b), docFixture(t, "get-balance.200.json")) || api.RemainingCredits(b) != b.Available-b.Consumed {
		t.Errorf("balance: %s", mustJSON(t, b))
	}
	srv := apitest.NewServer(t, apitest.WithToken("right"))
	bad, _ := api.NewClient(api.WithBaseURL(srv.URL), api.WithToken("wrong"), api.WithoutPacing())
	if _, err := bad.User.Me(t.Context()); !api.IsUnauthorized(err) {
		t.Errorf("wrong token: %v", err)
	}
}

func TestCrawlersAgainstFake(t *testing.T) {
	srv, c := fakeClient(t, nil)
	all, err := c.Crawlers.List(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	var slugs []string
	for _, cr := range all {
		slugs = append(slugs, cr.Slug)
	}
	if len(all) != len(catalog.All()) || !strings.Contains(strings.Join(slugs, " "), apitest.SeedCrawlerSlug) {
		t.Errorf("catalogue: %q", slugs)
	}
	if n := srv.Requests("GET /v1/crawlers"); n != 1 {
		t.Errorf("List made %d requests; want 1 (100 a page)", n)
	}

	byID, err := c.Crawlers.Get(t.Context(), apitest.SeedCrawlerID)
	if err != nil {
		t.Fatal(err)
	}
	bySlug, err := c.Crawlers.Get(t.Context(), apitest.SeedCrawlerSlug)
	if err != nil {
		t.Fatal(err)
	}
	if byID.Name != apitest.SeedCrawlerName || len(byID.Input) == 0 || !jsonEqual(t, mustJSON(t, byID), mustJSON(t, bySlug)) {
		t.Errorf("by id %s\nby slug %s", mustJSON(t, byID), mustJSON(t, bySlug))
	}
	if n := srv.Requests("GET /v1/crawlers/" + apitest.SeedCrawlerID); n != 2 {
		t.Errorf("details asked %d times; want 2", n)
	}

	_, err = c.Crawlers.Get(t.Context(), "no-such-scraper")
	if !errors.Is(err, api.ErrCrawlerNotFound) || !strings.Contains(err.Error(), `"no-such-scraper"`) {
		t.Errorf("unknown slug: %v", err)
	}
	if _, err := c.Crawlers.Get(t.Context(), strings.Repeat("0", 32)); !api.IsNotFound(err) {
		t.Errorf("unknown id: %v", err)
	}

	params, err := c.Crawlers.Params(t.Context(), apitest.SeedCrawlerID)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := params.Task["url"]; !ok || len(params.Squid.Functions) == 0 || len(params.Squid.AdditionalProperties) == 0 {
		t.Errorf("params %s", mustJSON(t, params))
	}
	attrs, err := c.Crawlers.Attributes(t.Context(), apitest.SeedCrawlerID)
	if err != nil {
		t.Fatal(err)
	}
	if len(attrs) == 0 || attrs[0].Name == "" {
		t.Errorf("attributes %s", mustJSON(t, attrs))
	}

	// Arguments that cannot be right are refused before any request, naming themselves.
	before := srv.Requests("")
	for _, tc := range []struct {
		call func() error
		want string
	}{
		{func() error { _, err := c.Crawlers.Params(t.Context(), apitest.SeedCrawlerSlug); return err }, "Crawlers.Params: id: \"google-maps-leads-scraper\" is a slug"},
		{func() error {
			_, err := c.Crawlers.Attributes(t.Context(), "4734D096159EF05210E0E1677E8BE823")
			return err
		}, "Crawlers.Attributes: id: "},
		{func() error { _, err := c.Crawlers.Params(t.Context(), ""); return err }, "Crawlers.Params: id: empty"},
		{func() error { _, err := c.Crawlers.Get(t.Context(), "not a slug!"); return err }, "Crawlers.Get: idOrSlug: \"not a slug!\" is neither"},
		{func() error { _, err := c.Crawlers.Get(t.Context(), ""); return err }, "Crawlers.Get: idOrSlug: empty"},
		{func() error {
			_, err := c.Crawlers.ListPage(t.Context(), api.ListCrawlersOptions{Limit: 101})
			return err
		}, "Crawlers.ListPage: Limit: 101"},
	} {
		if err := tc.call(); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("got %v; want %q", err, tc.want)
		}
	}
	if n := srv.Requests("") - before; n != 0 {
		t.Errorf("refused arguments made %d requests", n)
	}
}

// startRun asks the fake to start a run of squid, with plain net/http (the Runs service is
// not the subject here), and returns the answer as an error when it is not 2xx.
func startRun(t *testing.T, srv *apitest.Server, squid string) error {
	t.Helper()
	req, _ := http.NewRequest("POST", srv.URL+"/runs", strings.NewReader(`{"squid": "`+squid+`"}`))
	req.Header.Set("Authorization", "Token "+srv.Token)
	req.Header.Set("Content-Type", "application/json")
	res, err := srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	if res.StatusCode/100 == 2 {
		return nil
	}
	return api.ParseError(res.StatusCode, res.Header, body)
}

// The whole life of a squid, against the fake: every request and answer is validated
// against the document by the fake.
func TestSquidLifecycleAgainstFake(t *testing.T) {
	srv, c, rec := recordingClient(t)
	ctx := t.Context()
	sq, err := c.Squids.Create(ctx, apitest.SeedCrawlerSlug, "Restaurants")
	if err != nil {
		t.Fatal(err)
	}
	if sq.Name != "Restaurants" || sq.Crawler != apitest.SeedCrawlerID || sq.CrawlerName != apitest.SeedCrawlerName || sq.IsReady || sq.Params["ratings"] != "Any rating" {
		t.Errorf("created %s", mustJSON(t, sq))
	}
	if _, err := c.Tasks.Add(ctx, sq.Id, []api.Params{{"url": "https://www.google.com/maps/search/restaurant/@43.29,5.36,14z"}}); err != nil {
		t.Fatal(err)
	}
	// The documented quirk: params never saved, the run is refused, and the error says why.
	err = startRun(t, srv, sq.Id)
	if !api.IsSquidNotReady(err) {
		t.Fatalf("run of a squid whose params were never saved: %v", err)
	}
	if api.IsSquidNotReady(errors.New("not ready")) || api.IsSquidNotReady(nil) || api.IsSquidNotReady(&api.Error{StatusCode: 404, Message: "Squid not found"}) {
		t.Error("IsSquidNotReady is true of other errors")
	}

	// Update sends what was set, and nothing else.
	n := len(rec.log())
	sq, err = c.Squids.Update(ctx, sq.Id, api.SquidUpdate{
		Concurrency: api.Ptr(2),
		Params:      &api.SquidParams{"max_results": 100, "functions": map[string]any{"collect_business_details": true}},
		RunNotify:   api.NullableOf(api.RunNotifyOnError),
	})
	if err != nil {
		t.Fatal(err)
	}
	sent := rec.log()[n:]
	wantBody := `{"concurrency":2,"params":{"functions":{"collect_business_details":true},"max_results":100},"run_notify":"on_error"}`
	if len(sent) != 2 || sent[0] != "POST /v1/squids/"+sq.Id+" "+wantBody || !strings.HasPrefix(sent[1], "GET /v1/squids/"+sq.Id) {
		t.Errorf("Update sent %q", sent)
	}
	fns, _ := sq.Params["functions"].(map[string]any)
	if sq.Concurrency != 2 || sq.Params["max_results"] != 100.0 || sq.Params["ratings"] != "Any rating" || fns["collect_business_details"] != true ||
		sq.NotificationsParams == nil || !sq.IsReady || sq.Name != "Restaurants" {
		t.Errorf("after Update %s", mustJSON(t, sq))
	}
	if err := startRun(t, srv, sq.Id); err != nil {
		t.Errorf("run once the params were saved: %v", err)
	}

	sq, err = c.Squids.Update(ctx, sq.Id, api.SquidUpdate{RunNotify: api.Null[api.RunNotify](), Name: api.Ptr("Renamed")})
	if err != nil {
		t.Fatal(err)
	}
	if sq.NotificationsParams.RunNotify != nil || sq.Name != "Renamed" {
		t.Errorf("run_notify null: %s", mustJSON(t, sq))
	}

	got, err := c.Squids.Get(ctx, sq.Id)
	if err != nil || got.Id != sq.Id {
		t.Fatalf("Get: %v", err)
	}

	// Empty both kinds: two requests, the counts added.
	if _, err := c.Tasks.Add(ctx, sq.Id, []api.Params{{"url": "https://www.google.com/maps/search/bar/@43.29,5.36,14z"},
		{"city": "Marseille", "country": "France", "category": "restaurant"}}); err != nil {
		t.Fatal(err)
	}
	e, err := c.Squids.Empty(ctx, sq.Id)
	if err != nil || e.DeletedCount != 3 || !e.Emptied || e.Id != sq.Id {
		t.Errorf("Empty: %+v %v", e, err)
	}
	if n := srv.Requests("POST /v1/squids/" + sq.Id + "/empty"); n != 2 {
		t.Errorf("Empty made %d requests; want 2", n)
	}
	if left := srv.Tasks(sq.Id); len(left) != 0 {
		t.Errorf("tasks left %v", left)
	}

	d, err := c.Squids.Delete(ctx, sq.Id)
	if err != nil || !d.Deleted || d.Id != sq.Id {
		t.Fatalf("Delete: %+v %v", d, err)
	}
	if _, err := c.Squids.Get(ctx, sq.Id); !api.IsNotFound(err) {
		t.Errorf("Get after Delete: %v", err)
	}
	if _, err := c.Squids.Delete(ctx, sq.Id); !api.IsNotFound(err) {
		t.Errorf("Delete after Delete: %v", err)
	}
	if _, err := c.Squids.Update(ctx, sq.Id, api.SquidUpdate{Name: api.Ptr("x")}); !api.IsNotFound(err) {
		t.Errorf("Update after Delete: %v", err)
	}
	if _, err := c.Squids.Empty(ctx, sq.Id, api.TaskKindURL); !api.IsNotFound(err) {
		t.Errorf("Empty after Delete: %v", err)
	}
}

func TestCreateSaveParams(t *testing.T) {
	srv, c := fakeClient(t, nil)
	sq, err := c.Squids.Create(t.Context(), apitest.SeedCrawlerID, "", api.SaveParams(api.SquidParams{"max_results": nil}))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(sq.Name, apitest.SeedCrawlerName+" (") || sq.Params["max_results"] != nil || sq.Params["ratings"] != "Any rating" {
		t.Errorf("created %s", mustJSON(t, sq))
	}
	if n := srv.Requests("POST /v1/squids/" + sq.Id); n != 1 {
		t.Errorf("params saved %d times", n)
	}
	if _, err := c.Tasks.Add(t.Context(), sq.Id, []api.Params{{"url": "https://www.google.com/maps/search/cafe/@43.29,5.36,14z"}}); err != nil {
		t.Fatal(err)
	}
	if err := startRun(t, srv, sq.Id); err != nil {
		t.Errorf("a squid made with SaveParams does not run: %v", err)
	}

	_, err = c.Squids.Create(t.Context(), "nope-not-a-crawler", "x")
	if !errors.Is(err, api.ErrCrawlerNotFound) {
		t.Errorf("unknown slug: %v", err)
	}
	if _, err := c.Squids.Create(t.Context(), strings.Repeat("1", 32), "x"); !api.IsNotFound(err) {
		t.Errorf("unknown crawler id: %v", err)
	}
}

// When the read after Create Squid fails, the squid made is returned with the error.
func TestCreateReadBackFails(t *testing.T) {
	d, c := newDocServer(t, route{"POST", "/v1/squids", 200, "create-squid.200.json"})
	sq, err := c.Squids.Create(t.Context(), "4734d096159ef05210e0e1677e8be823", "")
	if sq == nil || sq.Id != "e86b29c032024b66aff529e1d43c2bd7" || sq.Name != "My Google Maps Scraper" || !api.IsNotFound(err) ||
		!strings.Contains(err.Error(), "squid e86b29c032024b66aff529e1d43c2bd7 was created, but reading it back failed") {
		t.Errorf("%+v %v", sq, err)
	}
	if reqs := d.requests(); len(reqs) != 2 || string(reqs[0].body) != `{"crawler":"4734d096159ef05210e0e1677e8be823"}` {
		t.Errorf("sent %+v", reqs)
	}
}

func TestSquidsListAndAllAgainstFake(t *testing.T) {
	srv, c := fakeClient(t, nil)
	for i := range 23 {
		if _, err := c.Squids.Create(t.Context(), apitest.SeedCrawlerID, fmt.Sprintf("Walk %02d", i)); err != nil {
			t.Fatal(err)
		}
	}
	page, err := c.Squids.List(t.Context(), api.ListSquidsOptions{Name: "WALK", Limit: 10, Page: 3})
	if err != nil {
		t.Fatal(err)
	}
	if page.TotalResults != 23 || page.TotalPages != 3 || len(page.Data) != 3 || page.Data[0].Name != "Walk 20" {
		t.Errorf("page 3: %s", mustJSON(t, page))
	}
	before := srv.Requests("GET /v1/squids")
	var names []string
	for sq, err := range c.Squids.All(t.Context(), api.ListSquidsOptions{Name: "walk", Limit: 10}) {
		if err != nil {
			t.Fatal(err)
		}
		names = append(names, sq.Name)
	}
	if len(names) != 23 || names[22] != "Walk 22" || srv.Requests("GET /v1/squids")-before != 3 {
		t.Errorf("All: %d squids in %d requests", len(names), srv.Requests("GET /v1/squids")-before)
	}
	before = srv.Requests("GET /v1/squids")
	for range c.Squids.All(t.Context(), api.ListSquidsOptions{Name: "walk", Limit: 10}) {
		break
	}
	if n := srv.Requests("GET /v1/squids") - before; n != 1 {
		t.Errorf("a break after the first squid made %d requests", n)
	}
	// An error is yielded once, and ends the walk.
	srv.Script("GET", "/v1/squids", apitest.Fault{Status: 401, Body: []byte(`{"detail": "Invalid token."}`)})
	errs := 0
	for _, err := range c.Squids.All(t.Context(), api.ListSquidsOptions{}) {
		if err != nil {
			errs++
			if !api.IsUnauthorized(err) {
				t.Errorf("walk error %v", err)
			}
		}
	}
	if errs != 1 {
		t.Errorf("%d errors yielded", errs)
	}
}

func TestSquidArgumentsRefused(t *testing.T) {
	srv, c := fakeClient(t, nil)
	ctx := t.Context()
	for _, tc := range []struct {
		call func() error
		want string
	}{
		{func() error { _, err := c.Squids.Get(ctx, ""); return err }, "Squids.Get: id: empty"},
		{func() error { _, err := c.Squids.Delete(ctx, "two words"); return err }, "Squids.Delete: id: \"two words\" holds a blank"},
		{func() error { _, err := c.Squids.Create(ctx, apitest.SeedCrawlerID, "   "); return err }, "Squids.Create: name: blank"},
		{func() error { _, err := c.Squids.Create(ctx, "", "x"); return err }, "Squids.Create: crawler: empty"},
		{func() error { _, err := c.Squids.Update(ctx, apitest.SeedSquid, api.SquidUpdate{}); return err }, "Squids.Update: update: nothing set"},
		{func() error {
			_, err := c.Squids.Update(ctx, apitest.SeedSquid, api.SquidUpdate{Concurrency: api.Ptr(0)})
			return err
		}, "Squids.Update: Concurrency: 0; want 1 to 20"},
		{func() error {
			_, err := c.Squids.Update(ctx, apitest.SeedSquid, api.SquidUpdate{Concurrency: api.Ptr(21)})
			return err
		}, "Squids.Update: Concurrency: 21"},
		{func() error {
			_, err := c.Squids.Update(ctx, apitest.SeedSquid, api.SquidUpdate{Name: api.Ptr(" ")})
			return err
		}, "Squids.Update: Name: blank"},
		{func() error {
			_, err := c.Squids.Update(ctx, apitest.SeedSquid, api.SquidUpdate{RunNotify: api.NullableOf(api.RunNotify("always"))})
			return err
		}, "Squids.Update: RunNotify: \"always\""},
		{func() error {
			_, err := c.Squids.Update(ctx, apitest.SeedSquid, api.SquidUpdate{Accounts: api.NullableOf([]string{"a", ""})})
			return err
		}, "Squids.Update: Accounts[1]: empty"},
		{func() error { _, err := c.Squids.Empty(ctx, apitest.SeedSquid, "all"); return err }, "Squids.Empty: kinds[0]: \"all\""},
		{func() error { _, err := c.Squids.List(ctx, api.ListSquidsOptions{Limit: 101}); return err }, "Squids.List: Limit: 101"},
		{func() error { _, err := c.Squids.List(ctx, api.ListSquidsOptions{Page: -1}); return err }, "Squids.List: Page: -1"},
	} {
		if err := tc.call(); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("got %v; want %q", err, tc.want)
		}
	}
	if n := srv.Requests(""); n != 0 {
		t.Errorf("refused arguments made %d requests", n)
	}
}

// Update Squid that succeeds followed by a failing read says the squid was updated.
func TestUpdateReadBackFails(t *testing.T) {
	srv, c := fakeClient(t, nil)
	srv.Script("GET", "/v1/squids/"+apitest.SeedSquid, apitest.Fault{Status: 400, Body: []byte(`{"detail": "Bad request."}`)})
	_, err := c.Squids.Update(context.Background(), apitest.SeedSquid, api.SquidUpdate{Name: api.Ptr("New name")})
	var e *api.Error
	if !errors.As(err, &e) || e.StatusCode != 400 || !strings.Contains(err.Error(), "was updated, but reading it back failed") {
		t.Errorf("%v", err)
	}
	sq, err := c.Squids.Get(t.Context(), apitest.SeedSquid)
	if err != nil || sq.Name != "New name" {
		t.Errorf("the update did not take: %v %v", sq, err)
	}
}
