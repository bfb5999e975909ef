package mcpserver

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/lobstr-go/lobstr/api"
	"github.com/lobstr-go/lobstr/api/apitest"
	"github.com/modelcontextprotocol/go-sdk/mcp"
)

func TestHTTPOptionsCheck(t *testing.T) {
	cases := []struct {
		o    HTTPOptions
		want string // "" for no error, else a part of it
	}{
		{HTTPOptions{Addr: "127.0.0.1:8765"}, ""},
		{HTTPOptions{Addr: "localhost:8765"}, ""},
		{HTTPOptions{Addr: "[::1]:8765"}, ""},
		{HTTPOptions{Addr: "127.0.0.2:0", BearerToken: "b"}, ""},
		{HTTPOptions{Addr: ""}, "no address"},
		{HTTPOptions{Addr: "8765"}, "want HOST:PORT"},
		{HTTPOptions{Addr: ":8765"}, "not a loopback address"},
		{HTTPOptions{Addr: "0.0.0.0:8765"}, "--allow-remote"},
		{HTTPOptions{Addr: "192.0.2.7:8765", BearerToken: "b"}, "not a loopback address"},
		{HTTPOptions{Addr: "0.0.0.0:8765", AllowRemote: true}, "bearer token"},
		{HTTPOptions{Addr: "0.0.0.0:8765", AllowRemote: true, BearerToken: "b"}, ""},
		{HTTPOptions{Addr: "0.0.0.0:8765", AllowRemote: true, BearerToken: "same", LobstrToken: "same"}, "is the lobstr token"},
		{HTTPOptions{Addr: "127.0.0.1:8765", BearerToken: "same", LobstrToken: "same"}, "is the lobstr token"},
	}
	for _, c := range cases {
		err := c.o.Check()
		switch {
		case c.want == "" && err != nil:
			t.Errorf("%+v: %v", c.o, err)
		case c.want != "" && (err == nil || !strings.Contains(err.Error(), c.want)):
			t.Errorf("%+v: error %v, want one with %q", c.o, err, c.want)
		}
		if err != nil && strings.Contains(err.Error(), "same") {
			t.Errorf("the error shows a token: %v", err)
		}
	}
}

func TestListenAndServeRefusesRemote(t *testing.T) {
	err := ListenAndServe(context.Background(), mcp.NewServer(&mcp.Implementation{Name: "x", Version: "0"}, nil), HTTPOptions{Addr: "0.0.0.0:0"})
	if err == nil || !strings.Contains(err.Error(), "loopback") {
		t.Fatalf("ListenAndServe on 0.0.0.0 without --allow-remote: %v", err)
	}
}

// bearerTransport adds a bearer token to every request.
type bearerTransport struct{ token string }

func (b bearerTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	r.Header.Set("Authorization", "Bearer "+b.token)
	return http.DefaultTransport.RoundTrip(r)
}

func TestHTTPHandler(t *testing.T) {
	fake := apitest.NewServer(t)
	c, err := api.NewClient(api.WithBaseURL(fake.URL), api.WithToken(fake.Token), api.WithoutPacing())
	if err != nil {
		t.Fatal(err)
	}
	srv := New(c, Options{})
	const bearer = "mcp-bearer-1"
	hs := httptest.NewServer(HTTPHandler(srv, HTTPOptions{BearerToken: bearer}))
	defer hs.Close()

	// Without the bearer token, or with the lobstr one, nothing is served.
	for _, auth := range []string{"", "Bearer wrong", "Bearer " + fake.Token, "Token " + bearer} {
		req, _ := http.NewRequest("POST", hs.URL, strings.NewReader(`{"jsonrpc":"2.0","id":1,"method":"tools/list"}`))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Accept", "application/json, text/event-stream")
		if auth != "" {
			req.Header.Set("Authorization", auth)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusUnauthorized {
			t.Errorf("Authorization %q: status %d, want 401", auth, resp.StatusCode)
		}
	}

	// With it, an MCP client lists the tools and calls one.
	ctx := context.Background()
	tr := &mcp.StreamableClientTransport{Endpoint: hs.URL, HTTPClient: &http.Client{Transport: bearerTransport{bearer}}}
	cs, err := mcp.NewClient(&mcp.Implementation{Name: "t", Version: "0"}, nil).Connect(ctx, tr, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer cs.Close()
	tools, err := cs.ListTools(ctx, nil)
	if err != nil || len(tools.Tools) != len(allTools) {
		t.Fatalf("tools over HTTP: %v, %d", err, len(tools.Tools))
	}
	res, err := cs.CallTool(ctx, &mcp.CallToolParams{Name: "check_credits", Arguments: map[string]any{}})
	if err != nil || res.IsError {
		t.Fatalf("check_credits over HTTP: %v %+v", err, res)
	}
}

func TestHTTPHandlerRemoteClients(t *testing.T) {
	srv := mcp.NewServer(&mcp.Implementation{Name: "x", Version: "0"}, nil)
	serve := func(o HTTPOptions, remote, auth string) int {
		req := httptest.NewRequest("POST", "/", strings.NewReader(`{}`))
		req.RemoteAddr = remote
		if auth != "" {
			req.Header.Set("Authorization", auth)
		}
		w := httptest.NewRecorder()
		HTTPHandler(srv, o).ServeHTTP(w, req)
		return w.Code
	}
	if got := serve(HTTPOptions{}, "192.0.2.1:4000", ""); got != http.StatusForbidden {
		t.Errorf("a remote client without AllowRemote: %d, want 403", got)
	}
	if got := serve(HTTPOptions{BearerToken: "b"}, "192.0.2.1:4000", "Bearer b"); got != http.StatusForbidden {
		t.Errorf("a remote client with the token but without AllowRemote: %d, want 403", got)
	}
	if got := serve(HTTPOptions{AllowRemote: true, BearerToken: "b"}, "192.0.2.1:4000", ""); got != http.StatusUnauthorized {
		t.Errorf("a remote client without the token: %d, want 401", got)
	}
	if got := serve(HTTPOptions{AllowRemote: true, BearerToken: "b"}, "192.0.2.1:4000", "Bearer b"); got == http.StatusUnauthorized || got == http.StatusForbidden {
		t.Errorf("a remote client with the token: %d", got)
	}
	if got := serve(HTTPOptions{}, "127.0.0.1:4000", ""); got == http.StatusUnauthorized || got == http.StatusForbidden {
		t.Errorf("a loopback client without a bearer rule: %d", got)
	}
}
