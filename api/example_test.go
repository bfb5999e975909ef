package api_test

import (
	"context"
	"errors"
	"fmt"
	"log"
	"net/http/httptest"
	"strings"
	"time"

	"github.com/lobstr-go/lobstr/api"
	"github.com/lobstr-go/lobstr/api/apitest"
)

// The examples run against apitest's fake, served on loopback; with the real API, leave out
// WithBaseURL and let the client find the token (WithToken, else LOBSTR_TOKEN, else the
// official CLI's config file).

func ExampleNewClient() {
	srv := httptest.NewServer(apitest.New())
	defer srv.Close()

	c, err := api.NewClient(
		api.WithBaseURL(srv.URL+"/v1"), // the fake; api.DefaultBaseURL unless set
		api.WithToken("my-api-key"),
	)
	if err != nil {
		log.Fatal(err)
	}
	task, err := c.Tasks.Get(context.Background(), "c5e29d2aba8b77cdc56391e7405302de")
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(task.HashValue)
	// A client never shows its token.
	fmt.Println(strings.Contains(fmt.Sprintf("%v %+v %#v", c, c, c), "my-api-key"))
	// Output:
	// c5e29d2aba8b77cdc56391e7405302de
	// false
}

func ExampleTasksService_Get() {
	srv := httptest.NewServer(apitest.New())
	defer srv.Close()
	c, err := api.NewClient(api.WithBaseURL(srv.URL+"/v1"), api.WithToken("my-api-key"))
	if err != nil {
		log.Fatal(err)
	}

	task, err := c.Tasks.Get(context.Background(), "c5e29d2aba8b77cdc56391e7405302de")
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(task.HashValue, task.Status.Status, task.Status.TotalResults)
	// Output:
	// c5e29d2aba8b77cdc56391e7405302de completed 156
}

func ExampleTasksService_All() {
	srv := httptest.NewServer(apitest.New())
	defer srv.Close()
	c, err := api.NewClient(api.WithBaseURL(srv.URL+"/v1"), api.WithToken("my-api-key"),
		api.WithoutPacing()) // the fake needs no pacing; the real API wants it
	if err != nil {
		log.Fatal(err)
	}

	// Limit 1 makes two pages of the squid's two tasks: Tasks.All fetches each in turn.
	for task, err := range c.Tasks.All(context.Background(), api.ListTasksOptions{Squid: "a1b2c3d4e5f6g7h8i9j0", Limit: 1}) {
		if err != nil {
			log.Fatal(err)
		}
		fmt.Println(task.Id, task.Params["url"])
	}
	// Output:
	// 6b9d3afdf4e76df374915a50d7a495c4 https://www.linkedin.com/in/johndoe
	// c5e29d2aba8b77cdc56391e7405302de https://www.linkedin.com/in/janedoe
}

func ExampleTasksService_Add() {
	srv := httptest.NewServer(apitest.New())
	defer srv.Close()
	c, err := api.NewClient(api.WithBaseURL(srv.URL+"/v1"), api.WithToken("my-api-key"), api.WithoutPacing())
	if err != nil {
		log.Fatal(err)
	}
	ctx := context.Background()
	tasks := []api.Params{
		{"url": "https://www.linkedin.com/in/alice"},
		{"url": "https://www.linkedin.com/in/bob"},
	}

	r, err := c.Tasks.Add(ctx, "a1b2c3d4e5f6g7h8i9j0", tasks)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(len(r.Tasks), "added,", r.DuplicatedCount, "duplicates")
	for _, t := range r.Tasks {
		fmt.Println(api.ValidHash(t.Id), t.Params["url"]) // the hashes are new each time
	}

	// The server de-duplicates: sending the same tasks again adds nothing.
	r, err = c.Tasks.Add(ctx, "a1b2c3d4e5f6g7h8i9j0", tasks)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(len(r.Tasks), "added,", r.DuplicatedCount, "duplicates")
	// Output:
	// 2 added, 0 duplicates
	// true https://www.linkedin.com/in/alice
	// true https://www.linkedin.com/in/bob
	// 0 added, 2 duplicates
}

func ExampleTasksService_Delete() {
	srv := httptest.NewServer(apitest.New())
	defer srv.Close()
	c, err := api.NewClient(api.WithBaseURL(srv.URL+"/v1"), api.WithToken("my-api-key"), api.WithoutPacing())
	if err != nil {
		log.Fatal(err)
	}
	ctx := context.Background()

	d, err := c.Tasks.Delete(ctx, "6b9d3afdf4e76df374915a50d7a495c4")
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(d.Id, d.Deleted)

	// Deleting is permanent: the task is gone, and a second delete is a 404.
	_, err = c.Tasks.Delete(ctx, "6b9d3afdf4e76df374915a50d7a495c4")
	fmt.Println(api.IsNotFound(err))
	// Output:
	// 6b9d3afdf4e76df374915a50d7a495c4 true
	// true
}

func ExampleTasksService_Upload() {
	srv := httptest.NewServer(apitest.New())
	defer srv.Close()
	c, err := api.NewClient(api.WithBaseURL(srv.URL+"/v1"), api.WithToken("my-api-key"), api.WithoutPacing())
	if err != nil {
		log.Fatal(err)
	}
	ctx := context.Background()

	// The header row names the task keys; the last row is already in the squid.
	csv := "url\nhttps://www.linkedin.com/in/alice\nhttps://www.linkedin.com/in/bob\nhttps://www.linkedin.com/in/johndoe\n"
	u, err := c.Tasks.Upload(ctx, "a1b2c3d4e5f6g7h8i9j0", "tasks.csv", strings.NewReader(csv))
	if err != nil {
		log.Fatal(err)
	}

	// The file is processed asynchronously: wait until it has been.
	u, err = c.Tasks.WaitUpload(ctx, u.Id, api.WithPollInterval(10*time.Millisecond))
	if err != nil {
		log.Fatal(err)
	}
	meta, ok := u.Meta.Get()
	if !ok {
		log.Fatal("the upload has no counts")
	}
	fmt.Println(*u.State)
	fmt.Printf("valid %d, inserted %d, duplicates %d, invalid %d\n", meta.Valid, meta.Inserted, meta.Duplicates, meta.Invalid)
	// Output:
	// SUCCESS
	// valid 3, inserted 2, duplicates 1, invalid 0
}

func ExampleTasksService_Wait() {
	fake := apitest.New()
	// The task runs for three polls: pending, running, then completed with 156 results.
	fake.SetLifecycle("c5e29d2aba8b77cdc56391e7405302de", apitest.Lifecycle{Polls: 3, Results: 156})
	srv := httptest.NewServer(fake)
	defer srv.Close()
	c, err := api.NewClient(api.WithBaseURL(srv.URL+"/v1"), api.WithToken("my-api-key"), api.WithoutPacing())
	if err != nil {
		log.Fatal(err)
	}

	task, err := c.Tasks.Wait(context.Background(), "c5e29d2aba8b77cdc56391e7405302de",
		api.WithPollInterval(10*time.Millisecond), // the default is a second
		api.OnTaskProgress(func(t *api.Task) {
			fmt.Printf("%s: %d results\n", t.Status.Status, t.Status.TotalResults)
		}))
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("done:", task.Status.Status, *task.Status.DoneReason)
	// Output:
	// pending: 0 results
	// running: 78 results
	// completed: 156 results
	// done: completed completed
}

func ExampleIsNotFound() {
	srv := httptest.NewServer(apitest.New())
	defer srv.Close()
	c, err := api.NewClient(api.WithBaseURL(srv.URL+"/v1"), api.WithToken("my-api-key"))
	if err != nil {
		log.Fatal(err)
	}

	_, err = c.Tasks.Get(context.Background(), "0123456789abcdef0123456789abcdef")
	fmt.Println(api.IsNotFound(err), api.IsUnauthorized(err), api.IsRateLimited(err))
	// Output:
	// true false false
}

func ExampleError() {
	srv := httptest.NewServer(apitest.New())
	defer srv.Close()
	c, err := api.NewClient(api.WithBaseURL(srv.URL+"/v1"), api.WithToken("my-api-key"))
	if err != nil {
		log.Fatal(err)
	}

	_, err = c.Tasks.Get(context.Background(), "0123456789abcdef0123456789abcdef")
	var e *api.Error
	if errors.As(err, &e) {
		fmt.Println(e.StatusCode)
		fmt.Println(e.Type)
		fmt.Println(e.Message)
		fmt.Println(e.Param)
	}
	fmt.Println(err)
	// Output:
	// 404
	// not_found_error
	// Task not found
	// task_hash
	// lobstr: GET /v1/tasks/0123456789abcdef0123456789abcdef: 404 Not Found (not_found_error): Task not found [param task_hash]
}
