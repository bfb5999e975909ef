package mcpserver

import (
	"context"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"strings"
	"sync"
	"time"

	"github.com/google/jsonschema-go/jsonschema"
	"github.com/lobstr-go/lobstr/api"
	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// Defaults of Options.
const (
	// DefaultConfirmAbove is the estimate, in credits, above which run_scraper asks for
	// confirm=true.
	DefaultConfirmAbove = 100
	// DefaultMaxAnswerBytes caps the JSON of one get_results answer.
	DefaultMaxAnswerBytes = 24 << 10
	// MaxWait is the longest wait_for_run waits in one call, whatever it is asked.
	MaxWait = 50 * time.Second
)

// Options tune the server. The zero value is usable.
type Options struct {
	// ConfirmAbove is the estimated cost, in credits, above which run_scraper starts nothing
	// without confirm=true; 0 means DefaultConfirmAbove. A negative value asks for every run.
	ConfirmAbove float64
	// MaxAnswerBytes caps the JSON of one get_results answer; 0 means DefaultMaxAnswerBytes.
	MaxAnswerBytes int
	// PollInterval is the first interval of wait_for_run's polls; 0 keeps the client's
	// default (3 s, suited to the real API). Tests against the fake make it short.
	PollInterval time.Duration
	// Logger receives a line per tool call (tool, duration, outcome), never an argument's
	// value; nil logs nothing.
	Logger *slog.Logger
	// Version is the server's version, as initialize and whoami report it; "" means "dev".
	Version string
}

// server holds what the tools share.
type server struct {
	c    *api.Client
	opts Options
	log  *slog.Logger

	mu   sync.Mutex
	runs map[string]string // run_scraper's idempotency keys: key -> run id
}

// New returns the MCP server of lobstr's tools on the client c.
func New(c *api.Client, opts Options) *mcp.Server {
	if opts.ConfirmAbove == 0 {
		opts.ConfirmAbove = DefaultConfirmAbove
	}
	if opts.MaxAnswerBytes <= 0 {
		opts.MaxAnswerBytes = DefaultMaxAnswerBytes
	}
	if opts.Version == "" {
		opts.Version = "dev"
	}
	logger := opts.Logger
	if logger == nil {
		logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	s := &server{c: c, opts: opts, log: logger, runs: map[string]string{}}
	srv := mcp.NewServer(&mcp.Implementation{Name: "lobstr", Title: "lobstr.io", Version: opts.Version}, &mcp.ServerOptions{
		Instructions: "lobstr.io scraping. A crawler (scraper template) is found with search_scrapers and " +
			"described by get_scraper_details; a squid is the user's configured instance of one, holding " +
			"tasks (input rows); a run executes every task of a squid and spends credits. The usual job: " +
			"search_scrapers -> get_scraper_details -> run_scraper -> wait_for_run -> get_results.",
		Logger: logger,
	})
	s.addDiscoveryTools(srv)
	s.addBuildTools(srv)
	s.addRunTools(srv)
	s.addAccountTools(srv)
	return srv
}

// addTool registers a tool whose handler logs its call and turns a panic into a tool error.
func addTool[In, Out any](s *server, srv *mcp.Server, name, desc string, h func(context.Context, In) (Out, error)) {
	mcp.AddTool(srv, &mcp.Tool{Name: name, Description: desc, OutputSchema: outputSchema[Out]()}, func(ctx context.Context, _ *mcp.CallToolRequest, in In) (res *mcp.CallToolResult, out Out, err error) {
		start := time.Now()
		defer func() {
			if p := recover(); p != nil {
				var zero Out
				out, err = zero, fmt.Errorf("%s failed unexpectedly (%v); nothing more is known: check the state with the get_ tools before retrying", name, p)
			}
			s.log.Info("tool call", "tool", name, "duration", time.Since(start).Round(time.Millisecond), "error", err != nil)
		}()
		out, err = h(ctx, in)
		return nil, out, err
	})
}

// outputSchema is the schema the SDK would infer for Out, with every schema that accepts
// anything (an `any` field, which the SDK writes as the boolean schema true) given a
// description instead: the TypeScript SDK's clients, the MCP Inspector among them, refuse a
// whole tool list over a property whose schema is a boolean.
func outputSchema[Out any]() *jsonschema.Schema {
	s, err := jsonschema.For[Out](nil)
	if err != nil {
		panic(fmt.Sprintf("mcpserver: the output schema of %T: %v", *new(Out), err))
	}
	var fill func(*jsonschema.Schema)
	fill = func(s *jsonschema.Schema) {
		if s == nil {
			return
		}
		if b, _ := json.Marshal(s); string(b) == "true" {
			s.Description = "any JSON value"
			return
		}
		for _, p := range s.Properties {
			fill(p)
		}
		for _, d := range s.Defs {
			fill(d)
		}
		fill(s.Items)
		fill(s.AdditionalProperties)
	}
	fill(s)
	return s
}

// toolError is a tool's failure: what went wrong and what to do next. err's text comes
// from the client, which never holds the token or a secret.
func toolError(err error, next string) error {
	msg := err.Error()
	switch {
	case api.IsUnauthorized(err):
		next = "the lobstr token was refused: set a valid one (LOBSTR_TOKEN or `lobstr config set-token`) and restart the server"
	case api.IsRateLimited(err):
		next = "lobstr's rate limit is spent: wait a minute and call again"
	case errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled):
		next = "the call was cut short before lobstr answered; " + next
	}
	if next == "" {
		return errors.New(msg)
	}
	return fmt.Errorf("%s. Next: %s", msg, next)
}

// badArg is a tool error for an argument that cannot work.
func badArg(format string, args ...any) error { return fmt.Errorf(format, args...) }

// ServeStdio serves srv on the process's standard input and output until ctx ends or the
// client hangs up.
func ServeStdio(ctx context.Context, srv *mcp.Server) error {
	err := srv.Run(ctx, &mcp.StdioTransport{})
	if err != nil && (errors.Is(err, context.Canceled) || errors.Is(err, io.EOF)) {
		return nil
	}
	return err
}

// HTTPOptions are the rules of the streamable HTTP transport.
type HTTPOptions struct {
	// Addr is the address to listen on, host:port. Its host must be a loopback address
	// (127.0.0.1, ::1, localhost) unless AllowRemote.
	Addr string
	// AllowRemote accepts a non-loopback Addr, and clients from other hosts; BearerToken is
	// then required.
	AllowRemote bool
	// BearerToken, when set, is the token every request must send as
	// "Authorization: Bearer TOKEN". It is the server's own, never the lobstr token.
	BearerToken string
	// LobstrToken is the lobstr token the client uses, given only so that Check can refuse
	// it as BearerToken; it is never sent or shown.
	LobstrToken string
}

// Check says whether the options can be served: a loopback Addr, or AllowRemote with a
// BearerToken of its own.
func (o HTTPOptions) Check() error {
	if o.Addr == "" {
		return errors.New("mcp http: no address: give --http HOST:PORT, such as 127.0.0.1:8765")
	}
	host, _, err := net.SplitHostPort(o.Addr)
	if err != nil {
		return fmt.Errorf("mcp http: address %q: %v (want HOST:PORT, such as 127.0.0.1:8765)", o.Addr, err)
	}
	if o.BearerToken != "" && o.LobstrToken != "" && o.BearerToken == o.LobstrToken {
		return errors.New("mcp http: the bearer token is the lobstr token: choose a token of its own, so the lobstr token never travels to the MCP server's clients")
	}
	if isLoopbackHost(host) {
		return nil
	}
	if !o.AllowRemote {
		return fmt.Errorf("mcp http: %q is not a loopback address: anyone who reaches it could spend your credits; listen on 127.0.0.1, or pass --allow-remote with --bearer-token", o.Addr)
	}
	if o.BearerToken == "" {
		return errors.New("mcp http: --allow-remote needs a bearer token of the server's own (--bearer-token or LOBSTR_MCP_BEARER_TOKEN)")
	}
	return nil
}

// isLoopbackHost says whether host (no port) is a loopback name or address. An empty host
// (all interfaces) is not.
func isLoopbackHost(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	a, err := netip.ParseAddr(strings.Trim(host, "[]"))
	return err == nil && a.IsLoopback()
}

// HTTPHandler serves srv as streamable HTTP under the rules of o: without AllowRemote a
// request from another host is refused (403); with a BearerToken a request without it is
// refused (401). Check the options with o.Check before listening.
func HTTPHandler(srv *mcp.Server, o HTTPOptions) http.Handler {
	h := mcp.NewStreamableHTTPHandler(func(*http.Request) *mcp.Server { return srv }, nil)
	want := "Bearer " + o.BearerToken
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !o.AllowRemote {
			host, _, err := net.SplitHostPort(r.RemoteAddr)
			if err != nil || !isLoopbackHost(host) {
				http.Error(w, "this MCP server accepts loopback clients only", http.StatusForbidden)
				return
			}
		}
		if o.BearerToken != "" && !constantTimeEqual(r.Header.Get("Authorization"), want) {
			w.Header().Set("WWW-Authenticate", `Bearer realm="lobstr-mcp"`)
			http.Error(w, "missing or wrong bearer token", http.StatusUnauthorized)
			return
		}
		h.ServeHTTP(w, r)
	})
}

// constantTimeEqual compares a and b in a time that does not depend on where they differ.
func constantTimeEqual(a, b string) bool {
	return subtle.ConstantTimeCompare([]byte(a), []byte(b)) == 1
}

// ListenAndServe checks o, listens on o.Addr and serves srv as streamable HTTP until ctx
// ends.
func ListenAndServe(ctx context.Context, srv *mcp.Server, o HTTPOptions) error {
	if err := o.Check(); err != nil {
		return err
	}
	ln, err := net.Listen("tcp", o.Addr)
	if err != nil {
		return fmt.Errorf("mcp http: %w", err)
	}
	hs := &http.Server{Handler: HTTPHandler(srv, o), ReadHeaderTimeout: 10 * time.Second}
	done := make(chan error, 1)
	go func() { done <- hs.Serve(ln) }()
	select {
	case err := <-done:
		return err
	case <-ctx.Done():
		sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = hs.Shutdown(sctx)
		return nil
	}
}
