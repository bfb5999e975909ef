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
// Secrets. The token never appears in an error, a log line or a %v of the client; nor do the
// secrets a call sends (Cookies, Secret): each is replaced by [redacted] in the errors the
// client returns, echoed bodies included, in every form an echo can take (as sent,
// JSON-escaped or \u-escaped, in base64 with either alphabet and with or without padding,
// URL-encoded). The secret fields of answers (an S3 secret key, an SFTP password) are
// types.Secret or Secret, which print as [redacted] with every fmt verb and encode to JSON as
// sent; the status text of a sync this client started has its cookies redacted. Every other
// value of a successful answer is the user's data and is returned as the server sent it,
// whatever it holds (only the token is redacted from success bodies too).
//
// Importing this package compiles neither kin-openapi nor a YAML library.
package api
