package cli

import (
	"errors"
	"fmt"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/lobstr-go/lobstr/api"
)

// base is the API's base URL: --base-url, else $LOBSTR_BASE_URL, else the public API.
func (c *cli) base() string {
	if c.baseURL != "" {
		return c.baseURL
	}
	if b := strings.TrimSpace(c.env("LOBSTR_BASE_URL")); b != "" {
		return b
	}
	return api.DefaultBaseURL
}

// token is the token given on the command line or in the environment ("" when the config
// file is to be read), used to make the client and to redact messages.
func (c *cli) token() string {
	if t := strings.TrimSpace(c.tokenFlag); t != "" {
		return t
	}
	return strings.TrimSpace(c.env("LOBSTR_TOKEN"))
}

// client makes the API client every command uses: base URL, token (--token, else
// LOBSTR_TOKEN, else the config file), --insecure-http, --verbose, and visible waits.
// When done is true the error has been reported and code is the exit status.
func (c *cli) client() (cl *api.Client, code int, done bool) {
	opts := []api.Option{
		api.WithBaseURL(c.base()),
		api.WithUserAgent("lobstr-go-cli/" + api.Version),
		api.OnWait(c.onWait),
	}
	if t := c.token(); t != "" {
		opts = append(opts, api.WithToken(t))
	}
	if c.insecure {
		opts = append(opts, api.WithInsecureHTTP())
	}
	if c.verbose {
		opts = append(opts, api.WithHTTPClient(c.verboseHTTPClient()))
	}
	cl, err := api.NewClient(opts...)
	if err != nil {
		if errors.Is(err, api.ErrNoToken) {
			msg := "no API token: pass --token, set LOBSTR_TOKEN, or save one with 'lobstr config set-token TOKEN'"
			if _, detail, ok := strings.Cut(err.Error(), "config file "); ok && strings.Contains(err.Error(), ": "+"config file ") {
				// A config file that is there but unreadable: say where and why (the
				// parser never quotes the token), and how to mend it.
				msg = "no API token: config file " + detail + "; mend it, or save a token with 'lobstr config set-token TOKEN'"
			}
			return nil, c.errorLine(exitUsage, "config", msg, 0, ""), true
		}
		msg := strings.TrimPrefix(err.Error(), "api: ")
		msg = strings.Replace(msg, "use https, or WithInsecureHTTP to opt in", "use https, or --insecure-http to opt in", 1)
		msg = strings.Replace(msg, "base URL", "--base-url", 1)
		return nil, c.errorLine(exitUsage, "config", msg, 0, ""), true
	}
	return cl, exitOK, false
}

// verboseHTTPClient is an HTTP client that prints each request and its status on stderr.
// It refuses, as the SDK's own client does, a redirect to plain http off loopback.
func (c *cli) verboseHTTPClient() *http.Client {
	base := http.DefaultTransport.(*http.Transport).Clone()
	base.MaxIdleConnsPerHost = 32
	return &http.Client{
		Transport: &verboseTransport{next: base, c: c},
		CheckRedirect: func(req *http.Request, via []*http.Request) error {
			if len(via) >= 10 {
				return errors.New("stopped after 10 redirects")
			}
			if req.URL.Scheme != "https" && !c.insecure && !loopback(req.URL.Hostname()) {
				return fmt.Errorf("refusing a redirect to %s://%s: plain http would send the token in clear", req.URL.Scheme, req.URL.Host)
			}
			return nil
		},
	}
}

func loopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// verboseTransport prints `> METHOD URL` and `< STATUS (DURATION)` lines on stderr. It
// never prints a header, so the token never shows; the URL is redacted all the same.
type verboseTransport struct {
	next http.RoundTripper
	c    *cli
}

// RoundTrip sends req through the next transport and prints what happened.
func (t *verboseTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	u := *req.URL
	u.User = nil
	start := time.Now()
	res, err := t.next.RoundTrip(req)
	took := time.Since(start).Round(time.Millisecond)
	line := fmt.Sprintf("%s %s", req.Method, u.String())
	if err != nil {
		msg, _ := t.c.describe(err)
		line += " -> failed after " + took.String() + ": " + msg
	} else {
		line += fmt.Sprintf(" -> %s (%v)", res.Status, took)
		if rem := res.Header.Get("X-RateLimit-Remaining"); rem != "" {
			line += ", rate limit " + rem + " left"
		}
	}
	t.c.aroundProgress(func() { fmt.Fprintln(t.c.stderr, "lobstr: "+redact(clean(line), t.c.token())) })
	return res, err
}
