// Package mcpserver is lobstr for AI agents: an MCP server (the official Go SDK,
// github.com/modelcontextprotocol/go-sdk) whose tools drive lobstr through this module's
// client, so an agent (Claude, Cursor, any MCP client) gets the client's pacing per endpoint
// family, retries, waits that survive outages and the crawler catalogue.
//
// The tools keep the names, arguments and meaning of lobstr's own hosted MCP server
// (lobstrio/lobstr-mcp), so prompts written for one work with the other:
//
//	discovery   search_scrapers, get_scraper_details, list_my_scrapers, get_my_scraper
//	building    create_squid, add_tasks, update_scraper, estimate_run, run_scraper,
//	            attach_account, empty_scraper, deactivate_scraper
//	runs        get_run, wait_for_run, list_runs, get_results, get_results_url, abort_run
//	account     list_accounts, get_account, check_credits, whoami
//
// search_scrapers and get_scraper_details read the built-in catalogue (package catalog), not
// the network. The safeguards:
//
//   - run_scraper estimates the credits of the whole run from the catalogue (price per row and
//     the price of each function switched on, times max_results, times the tasks): an upper
//     bound, said as such. Above [Options.ConfirmAbove] credits, or when no bound can be
//     known, it starts nothing and answers needs_confirmation; the agent calls again with
//     confirm=true.
//   - A squid's saved tasks are never replaced unless replace_tasks=true is passed; then they
//     are read first and put back if a later step fails.
//   - wait_for_run waits at most 50 seconds and then answers status "still_running".
//   - get_results caps the rows and the bytes of each answer and says how to page.
//   - Every failure is a tool error (an IsError result) that says what to do next; nothing
//     a tool is given makes the server stop. No token, cookie or password is ever in an
//     answer or in the log.
//
// The command `lobstr mcp` wires it in a few lines:
//
//	srv := mcpserver.New(client, mcpserver.Options{ConfirmAbove: confirmAbove, Logger: logger})
//	if httpAddr == "" {
//		return mcpserver.ServeStdio(ctx, srv)
//	}
//	return mcpserver.ListenAndServe(ctx, srv, mcpserver.HTTPOptions{
//		Addr: httpAddr, AllowRemote: allowRemote, BearerToken: bearer, LobstrToken: token,
//	})
//
// with these flags, besides the global --token, --base-url (LOBSTR_TOKEN, LOBSTR_BASE_URL, the
// config file, as every command):
//
//	--http ADDR              serve streamable HTTP on ADDR instead of stdio (loopback only
//	                         unless --allow-remote)
//	--allow-remote           accept a non-loopback ADDR; then --bearer-token is required
//	--bearer-token TOKEN     the token HTTP clients must send as "Authorization: Bearer TOKEN"
//	                         (else LOBSTR_MCP_BEARER_TOKEN); never the lobstr token
//	--confirm-above CREDITS  the estimate above which run_scraper asks for confirm=true
//	                         (default 100)
package mcpserver
