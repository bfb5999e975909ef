// Package api is the client of lobstr.io's Tasks API.
//
// The models are the types generated from the OpenAPI document (package gen), re-exported
// here by alias; this package adds what a generated client does not have: token
// resolution, one typed Error for every error shape the API answers with, retries with
// backoff that honour Retry-After, client-side pacing under the documented rate limits,
// lazy pagination, batching, streamed uploads, and waiting for tasks and uploads to finish.
//
// A Client is safe for concurrent use. Every method takes a context first and honours it.
//
//	c, err := api.NewClient() // token from LOBSTR_TOKEN or the official CLI's config file
//	if err != nil { ... }
//	task, err := c.Tasks.Get(ctx, "c5e29d2aba8b77cdc56391e7405302de")
//	if api.IsNotFound(err) { ... }
//
// Importing this package compiles neither kin-openapi nor a YAML library.
package api
