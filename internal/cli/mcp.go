package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/lobstr-go/lobstr/api"
	"github.com/lobstr-go/lobstr/internal/mcpserver"
)

const mcpUsage = `Usage: lobstr mcp [--http ADDR [--allow-remote --bearer-token TOKEN]] [--confirm-above CREDITS]

Serve lobstr to AI agents (Claude, Cursor, any MCP client): an MCP server whose
22 tools (search_scrapers, get_scraper_details, run_scraper, wait_for_run,
get_results, check_credits, ...) keep the names and meaning of lobstr's own MCP
server, on your token and through this client (pacing, retries, waits that
survive outages, the crawler catalogue). It speaks MCP on stdin and stdout,
or streamable HTTP with --http. The token and base URL come as for every
command (--token, $LOBSTR_TOKEN, the config file; --base-url,
$LOBSTR_BASE_URL), so it runs against 'lobstr mock' as well as the API.

A run whose estimated cost is above --confirm-above credits starts only when
the agent calls run_scraper again with confirm=true.

Example:
  lobstr mcp
  lobstr mcp --http 127.0.0.1:8765
`

func init() {
	addGroup(group{"mcp", nil, "tools", "lobstr for AI agents: an MCP server", nil,
		(*cli).mcpCmd, func(c *cli, ctx context.Context, _ []string) int { return c.mcpCmd(ctx, []string{"--help"}) }})
}

// mcpCmd serves internal/mcpserver on stdio, or on streamable HTTP with --http.
func (c *cli) mcpCmd(ctx context.Context, args []string) int {
	fs := c.flagSet("lobstr mcp")
	httpAddr := fs.String("http", "", "serve streamable HTTP on `ADDR` instead of stdio (loopback only unless --allow-remote)")
	allowRemote := fs.Bool("allow-remote", false, "accept a non-loopback --http address; then --bearer-token is required")
	bearer := fs.String("bearer-token", os.Getenv("LOBSTR_MCP_BEARER_TOKEN"),
		"the `TOKEN` HTTP clients must send as \"Authorization: Bearer TOKEN\" (default $LOBSTR_MCP_BEARER_TOKEN); never the lobstr token")
	confirm := fs.Float64("confirm-above", mcpserver.DefaultConfirmAbove,
		"the estimated `CREDITS` above which run_scraper asks for confirm=true (negative: ask for every run)")
	if _, code, done := c.parseCommand(fs, args, mcpUsage, 0, 0); done {
		return code
	}
	if *confirm == 0 {
		return c.usageError("mcp", "--confirm-above must not be 0: give a number of credits, or a negative number to ask for every run")
	}
	cl, code, done := c.client()
	if done {
		return code
	}
	logger := slog.New(slog.NewTextHandler(c.stderr, nil))
	if c.quiet {
		logger = nil
	}
	srv := mcpserver.New(cl, mcpserver.Options{ConfirmAbove: *confirm, Logger: logger, Version: api.Version})
	if *httpAddr == "" {
		// The command's own stdin and stdout (os.Stdin and os.Stdout when run as a program).
		t := &mcp.IOTransport{Reader: io.NopCloser(c.stdin), Writer: nopWriteCloser{c.stdout}}
		if err := srv.Run(ctx, t); err != nil && ctx.Err() == nil && !errors.Is(err, io.EOF) {
			return c.errorLine(exitFail, "mcp", "lobstr mcp: "+err.Error(), 0, "")
		}
		if ctx.Err() != nil {
			return exitInterrupted
		}
		return exitOK
	}
	o := mcpserver.HTTPOptions{Addr: *httpAddr, AllowRemote: *allowRemote, BearerToken: *bearer, LobstrToken: c.token()}
	if err := o.Check(); err != nil {
		return c.usageError("mcp", err.Error())
	}
	if !c.quiet {
		fmt.Fprintf(c.stderr, "lobstr mcp: serving MCP (streamable HTTP) on http://%s/\n", *httpAddr)
	}
	if err := mcpserver.ListenAndServe(ctx, srv, o); err != nil && !errors.Is(err, context.Canceled) && ctx.Err() == nil {
		return c.errorLine(exitFail, "mcp", "lobstr mcp: "+err.Error(), 0, "")
	}
	if ctx.Err() != nil {
		return exitInterrupted
	}
	return exitOK
}

// nopWriteCloser is a writer the MCP transport may close without closing stdout.
type nopWriteCloser struct{ io.Writer }

func (nopWriteCloser) Close() error { return nil }
