package api_test

import (
	"context"
	"fmt"
	"log"
	"net/http/httptest"

	"github.com/lobstr-go/lobstr/api"
	"github.com/lobstr-go/lobstr/api/apitest"
)

// A first program, from nothing to a squid ready to run: find a crawler by its slug, see
// what it takes, create a squid on it, save the squid's params (a new squid cannot run
// until they were saved once) and add tasks. It runs here against the fake; with the real
// API, leave out WithBaseURL and WithoutPacing.
func Example_firstProgram() {
	srv := httptest.NewServer(apitest.New())
	defer srv.Close()
	ctx := context.Background()

	c, err := api.NewClient(api.WithBaseURL(srv.URL+"/v1"), api.WithToken("my-api-key"), api.WithoutPacing())
	if err != nil {
		log.Fatal(err)
	}

	// 1. The crawler, by its slug (the API itself takes only ids).
	crawler, err := c.Crawlers.Get(ctx, "google-maps-leads-scraper")
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("crawler:", crawler.Id, crawler.Name)

	// 2. What it takes: task keys, squid settings and paid functions.
	params, err := c.Crawlers.Params(ctx, crawler.Id)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("ratings allowed:", len(params.Squid.AdditionalProperties["ratings"].Allowed))

	// 3. A squid on it.
	squid, err := c.Squids.Create(ctx, crawler.Id, "Restaurants in Marseille")
	if err != nil {
		log.Fatal(err)
	}

	// 4. Its params, saved once: without this the first run is refused (api.IsSquidNotReady).
	squid, err = c.Squids.Update(ctx, squid.Id, api.SquidUpdate{
		Concurrency: api.Ptr(2),
		Params: &api.SquidParams{
			"max_results": 100,
			"ratings":     "4.0+",
			"functions":   map[string]any{"extract_emails_from_website": true},
		},
	})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("squid:", squid.Name, "concurrency", squid.Concurrency, "ratings", squid.Params["ratings"])

	// 5. Tasks.
	added, err := c.Tasks.Add(ctx, squid.Id, []api.Params{
		{"url": "https://www.google.com/maps/search/restaurant/@43.2928346,5.3662584,14z"},
		{"url": "https://www.google.com/maps/search/pizzeria/@43.2928346,5.3662584,14z"},
	})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("tasks added:", len(added.Tasks))

	squid, err = c.Squids.Get(ctx, squid.Id)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("ready to run:", squid.IsReady)
	// Output:
	// crawler: 4734d096159ef05210e0e1677e8be823 Google Maps Leads Scraper
	// ratings allowed: 7
	// squid: Restaurants in Marseille concurrency 2 ratings 4.0+
	// tasks added: 2
	// ready to run: true
}

// A squid made by Create cannot run until its params were saved once; SaveParams saves the
// crawler's defaults (merged with any given) in the same call.
func ExampleSquidsService_Create() {
	srv := httptest.NewServer(apitest.New())
	defer srv.Close()
	c, err := api.NewClient(api.WithBaseURL(srv.URL+"/v1"), api.WithToken("my-api-key"), api.WithoutPacing())
	if err != nil {
		log.Fatal(err)
	}
	squid, err := c.Squids.Create(context.Background(), "google-maps-leads-scraper", "Cafes",
		api.SaveParams(api.SquidParams{"max_results": nil})) // nil: no limit
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(squid.Name, squid.CrawlerName, squid.Params["max_results"], squid.Params["ratings"])
	// Output:
	// Cafes Google Maps Leads Scraper <nil> Any rating
}
