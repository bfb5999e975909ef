package googlemapsleads_test

import (
	"context"
	"fmt"
	"log"
	"net/http/httptest"
	"time"

	"github.com/lobstr-go/lobstr/api"
	"github.com/lobstr-go/lobstr/api/apitest"
	"github.com/lobstr-go/lobstr/crawlers/googlemapsleads"
)

// A whole job with the typed package, against the fake: a squid of the crawler, its
// settings, two tasks, a run, and its rows as Results.
func Example() {
	srv := httptest.NewServer(apitest.New(apitest.WithRunLifecycle(apitest.RunLifecycle{Polls: 3})))
	defer srv.Close()
	ctx := context.Background()
	c, err := api.NewClient(api.WithBaseURL(srv.URL+"/v1"), api.WithToken("my-api-key"), api.WithoutPacing())
	if err != nil {
		log.Fatal(err)
	}

	settings := googlemapsleads.Settings{
		Ratings:    googlemapsleads.Ratings40Plus, // a typed constant of the allowed values
		MaxResults: 3,
		SkipClosed: api.Ptr(true),
		Functions:  googlemapsleads.Functions{ExtractEmailsFromWebsite: api.Ptr(true)},
	}
	squid, err := c.Squids.Create(ctx, googlemapsleads.Slug, "Restaurants in Marseille",
		api.SaveParams(settings.SquidParams()))
	if err != nil {
		log.Fatal(err)
	}
	tasks := []api.Params{
		googlemapsleads.Task{URL: "https://www.google.com/maps/search/restaurant/@43.2928346,5.3662584,14z"}.Params(),
		googlemapsleads.Task{City: "Marseille 13001", Category: "bakery"}.Params(),
	}
	if _, err := c.Tasks.Add(ctx, squid.Id, tasks); err != nil {
		log.Fatal(err)
	}
	run, err := c.Runs.Start(ctx, squid.Id)
	if err != nil {
		log.Fatal(err)
	}
	run, err = c.Runs.Wait(ctx, run.Id, api.WithPollInterval(10*time.Millisecond)) // the default suits the real API
	if err != nil {
		log.Fatal(err)
	}
	n := 0
	for lead, err := range api.ResultsAs[googlemapsleads.Result](c.Results.All(ctx, api.ResultsOptions{Run: run.Id})) {
		if err != nil {
			log.Fatal(err)
		}
		n++
		fmt.Printf("%s: named %t, rated %t, on the map %t, columns the catalogue does not know: %d\n",
			lead.Object, lead.Name != "", lead.Score > 0, lead.Lat != 0 && lead.Lng != 0, len(lead.Extra))
	}
	fmt.Println(n, "leads")
	// Output:
	// result: named true, rated true, on the map true, columns the catalogue does not know: 0
	// result: named true, rated true, on the map true, columns the catalogue does not know: 0
	// result: named true, rated true, on the map true, columns the catalogue does not know: 0
	// result: named true, rated true, on the map true, columns the catalogue does not know: 0
	// result: named true, rated true, on the map true, columns the catalogue does not know: 0
	// result: named true, rated true, on the map true, columns the catalogue does not know: 0
	// 6 leads
}
