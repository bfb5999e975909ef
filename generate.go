// Package lobstr is the Go SDK for lobstr.io's API: crawlers, squids, tasks, runs, results,
// accounts and delivery.
//
// The hand-written OpenAPI 3 document in openapi/ is the single source of truth: go generate
// turns it into the models of package gen/models and the client and server interfaces of
// package gen; package api
// is the client people import; package api/apitest is a fake lobstr.io server for tests; and
// cmd/lobstr is the command-line tool.
//
// Regenerate after changing the document:
//
//	go generate ./...
package lobstr

//go:generate go tool oapi-codegen -config openapi/oapi-codegen-models.yaml openapi/openapi.yaml
//go:generate go tool oapi-codegen -config openapi/oapi-codegen.yaml openapi/openapi.yaml
//go:generate go run ./internal/crawlergen
