// Command demo serves lobstr's MCP tools on stdio, on the token LOBSTR_TOKEN and the base URL
// LOBSTR_BASE_URL (the public API when unset), until `lobstr mcp` wires package mcpserver
// into the command line. Against the fake:
//
//	go run ./cmd/lobstr mock --addr 127.0.0.1:18123 --token t0k &
//	LOBSTR_BASE_URL=http://127.0.0.1:18123/v1 LOBSTR_TOKEN=t0k go run ./internal/mcpserver/internal/demo
//
// LOBSTR_MCP_CONFIRM_ABOVE sets the confirmation threshold in credits; the log goes to
// stderr.
package main

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"strconv"

	"github.com/lobstr-go/lobstr/api"
	"github.com/lobstr-go/lobstr/internal/mcpserver"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "demo:", err)
		os.Exit(1)
	}
}

func run() error {
	var opts []api.Option
	if u := os.Getenv("LOBSTR_BASE_URL"); u != "" {
		opts = append(opts, api.WithBaseURL(u))
	}
	c, err := api.NewClient(opts...)
	if err != nil {
		return err
	}
	o := mcpserver.Options{Logger: slog.New(slog.NewTextHandler(os.Stderr, nil)), Version: "demo"}
	if v := os.Getenv("LOBSTR_MCP_CONFIRM_ABOVE"); v != "" {
		if o.ConfirmAbove, err = strconv.ParseFloat(v, 64); err != nil {
			return fmt.Errorf("LOBSTR_MCP_CONFIRM_ABOVE %q: not a number of credits", v)
		}
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	return mcpserver.ServeStdio(ctx, mcpserver.New(c, o))
}
