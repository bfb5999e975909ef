package api

import (
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"time"
)

// Version is the version of this SDK, sent in the default User-Agent.
const Version = "0.1.0"

// DefaultBaseURL is the public lobstr.io API.
const DefaultBaseURL = "https://api.lobstr.io/v1"

// Defaults of the options of NewClient.
const (
	DefaultTimeout      = 30 * time.Second // per request, as lobstr's official SDK
	DefaultMaxRetries   = 2
	DefaultMaxBodySize  = 8 << 20 // bytes of a response body
	DefaultAddBatchSize = 500     // tasks per Add Tasks request
)

// Client talks to lobstr.io's Tasks API. Make one with NewClient and share it: it is safe
// for concurrent use, and sharing it lets it pace all requests under one rate limit.
type Client struct {
	// The services, one per resource of the API.
	User     *UserService     // the token's account: profile and balance
	Crawlers *CrawlersService // the catalogue of ready-made scrapers
	Squids   *SquidsService   // a user's projects on one crawler
	Tasks    *TasksService    // a squid's inputs, task files and waits
	Runs     *RunsService     // executions of a squid and their export files
	Results  *ResultsService  // the rows a run scraped
	Accounts *AccountsService // platform accounts whose cookies crawlers use
	Delivery *DeliveryService // where a squid's exports go

	base      string // base URL with a trailing slash, as the generated request builders want
	cred      *credential
	hc        *http.Client
	userAgent []string // the User-Agent header's value; nil for none
	timeout   time.Duration
	retry     retryPolicy
	maxBody   int64
	batchSize int
	basePath  string        // the base URL's path, "/v1": a request's family follows it
	hashReqs  *hashRequests // builds Get Task, Get Run, Get Run Stats requests; nil: the generated builders
	limiter   Limiter       // nil with WithoutPacing
	tokenKey  string        // TokenKey of the token, for the limiter
	onWait    func(family string, d time.Duration, why string)

	mu   sync.Mutex
	rate RateLimit // of the last response

	syncs syncSecrets // the cookies of the syncs this client started, to redact their echoes
}

// credential holds the token behind a pointer, so that printing a Client with %v or %+v
// shows an address and never the token.
type credential struct {
	values []string // the Authorization header's value, shared read-only by every request

	once sync.Once
	red  *Redactor // of the token, made once (see redactor); nil when too short
}

// String hides the token.
func (*credential) String() string { return "Token [redacted]" }

// GoString hides the token.
func (*credential) GoString() string { return "Token [redacted]" }

// String describes the client without its token.
func (c *Client) String() string { return "api.Client(" + c.base + ")" }

// GoString describes the client without its token.
func (c *Client) GoString() string { return c.String() }

// Option configures a Client.
type Option func(*config) error

type config struct {
	token        string
	baseURL      string
	hc           *http.Client
	userAgent    string
	maxRetries   int
	timeout      time.Duration
	maxBody      int64
	batchSize    int
	insecure     bool
	retryBase    time.Duration
	retryMax     time.Duration
	maxRetryWait time.Duration
	rates        map[string]rateSpec
	noPacing     bool
	limiter      Limiter
	onWait       func(family string, d time.Duration, why string)
}

// WithToken sets the API key. Without it the client uses LOBSTR_TOKEN, else the token of
// the official CLI's config file ($XDG_CONFIG_HOME/lobstr/config.toml, else
// ~/.config/lobstr/config.toml, table [auth], key token).
func WithToken(token string) Option {
	return func(c *config) error {
		if strings.TrimSpace(token) == "" {
			return errors.New("api: WithToken: the token is empty")
		}
		c.token = strings.TrimSpace(token)
		return nil
	}
}

// WithBaseURL sets the API's base URL, DefaultBaseURL unless set; use it to point the client
// at a fake (apitest.NewServer's URL) or a proxy. Plain http is refused for any host but
// loopback unless WithInsecureHTTP is given too, so the token never crosses a network in
// clear.
func WithBaseURL(u string) Option {
	return func(c *config) error {
		c.baseURL = u
		return nil
	}
}

// WithInsecureHTTP allows a plain-http base URL on a host other than loopback. The token then
// travels unencrypted: use it only on a network you trust.
func WithInsecureHTTP() Option {
	return func(c *config) error {
		c.insecure = true
		return nil
	}
}

// WithHTTPClient sets the HTTP client the requests go through. Unless set, the client uses
// its own, on a copy of http.DefaultTransport that keeps more idle connections to the API,
// so that many goroutines sharing a Client reuse connections instead of opening new ones.
func WithHTTPClient(hc *http.Client) Option {
	return func(c *config) error {
		if hc == nil {
			return errors.New("api: WithHTTPClient: the client is nil")
		}
		c.hc = hc
		return nil
	}
}

// WithUserAgent sets the User-Agent header; "lobstr-go/<Version>" unless set.
func WithUserAgent(ua string) Option {
	return func(c *config) error {
		if strings.ContainsAny(ua, "\r\n") {
			return errors.New("api: WithUserAgent: the user agent contains a line break")
		}
		c.userAgent = ua
		return nil
	}
}

// WithMaxRetries sets how many times a failed request is retried (DefaultMaxRetries unless
// set); 0 disables retries. See Client for what is retried.
func WithMaxRetries(n int) Option {
	return func(c *config) error {
		if n < 0 {
			return fmt.Errorf("api: WithMaxRetries: %d is negative", n)
		}
		c.maxRetries = n
		return nil
	}
}

// WithRetryBackoff sets the backoff between retries: the first wait is drawn from [0, base),
// each next one from a range twice as wide, never wider than max (full jitter). The
// defaults are 500ms and 30s.
func WithRetryBackoff(base, max time.Duration) Option {
	return func(c *config) error {
		if base <= 0 || max < base {
			return fmt.Errorf("api: WithRetryBackoff: want 0 < base <= max, got %v and %v", base, max)
		}
		c.retryBase, c.retryMax = base, max
		return nil
	}
}

// WithMaxRetryWait caps how long the client waits on the server's word before sending (60s
// unless set): a Retry-After before a retry, and the reset of a spent rate-limit window. A
// 429 or 503 that asks for a longer wait is returned at once as an *Error with RetryAfter
// set, so the caller can decide; a request that would wait longer for a window's
// X-RateLimit-Reset fails at once with an error that says so. A Retry-After over an hour
// (Inf, 1e12, …) is not believed: it is treated as absent (the request is retried with the
// ordinary backoff, and its RetryAfter is 0). An X-RateLimit-Reset further ahead than a few
// windows (or an hour) is not believed either: a reset in milliseconds, or from a server
// whose clock is off, never holds the client. A server clock that is off by more than 2s
// (its Date header says how far) is allowed for.
func WithMaxRetryWait(d time.Duration) Option {
	return func(c *config) error {
		if d < 0 {
			return fmt.Errorf("api: WithMaxRetryWait: %v is negative", d)
		}
		c.maxRetryWait = d
		return nil
	}
}

// WithTimeout sets the time limit of one request, body included (DefaultTimeout unless set);
// 0 means no limit but the context's.
func WithTimeout(d time.Duration) Option {
	return func(c *config) error {
		if d < 0 {
			return fmt.Errorf("api: WithTimeout: %v is negative", d)
		}
		c.timeout = d
		return nil
	}
}

// WithMaxBodySize caps the size of a response body in bytes (DefaultMaxBodySize unless
// set). A larger body is an error, not an out-of-memory.
func WithMaxBodySize(n int64) Option {
	return func(c *config) error {
		if n <= 0 {
			return fmt.Errorf("api: WithMaxBodySize: %d is not positive", n)
		}
		c.maxBody = n
		return nil
	}
}

// WithAddBatchSize sets how many tasks Tasks.Add sends in one request (DefaultAddBatchSize
// unless set); larger lists are split and the results merged.
func WithAddBatchSize(n int) Option {
	return func(c *config) error {
		if n <= 0 {
			return fmt.Errorf("api: WithAddBatchSize: %d is not positive", n)
		}
		c.batchSize = n
		return nil
	}
}

// WithRateLimit sets the budget an endpoint family starts from: limit requests per window.
// family is one of FamilySquids, FamilyTasks, FamilyRuntasks, FamilyRuns, FamilyResults and
// FamilyOther. The defaults are the documented limits (squids 120 a minute, tasks 90,
// runtasks 90, runs 120, results 2 a second) and 60 a minute for the other endpoints.
//
// It is only where the client starts: once the server's X-RateLimit-Limit, -Remaining and
// -Reset headers have told a family's budget and window, the client follows them. It
// matters for a server that sends no such headers (requests are then spaced at this rate),
// and for the length of a window until two resets have shown it.
func WithRateLimit(family string, limit int, window time.Duration) Option {
	return func(c *config) error {
		if _, ok := defaultRates()[family]; !ok {
			return fmt.Errorf("api: WithRateLimit: unknown endpoint family %q; want squids, tasks, runtasks, runs, results or other", family)
		}
		if limit <= 0 || window <= 0 {
			return fmt.Errorf("api: WithRateLimit: want a positive limit and window, got %d per %v", limit, window)
		}
		if c.rates == nil {
			c.rates = defaultRates()
		}
		c.rates[family] = rateSpec{limit, window}
		return nil
	}
}

// WithoutPacing turns client-side pacing off: requests go out as fast as the caller makes
// them, and a rate limit is met only through 429 answers (which are still retried).
func WithoutPacing() Option {
	return func(c *config) error {
		c.noPacing = true
		return nil
	}
}

// WithLimiter sets the Limiter that paces the client's requests, in place of the
// in-process pacer (NewPacer) it uses by default: for instance one whose budget several
// processes share (package api/redislimit). WithRateLimit and OnWait then concern only the
// default pacer: the given Limiter has its own settings. It cannot be combined with
// WithoutPacing.
func WithLimiter(l Limiter) Option {
	return func(c *config) error {
		if l == nil {
			return errors.New("api: WithLimiter: the limiter is nil")
		}
		c.limiter = l
		return nil
	}
}

// OnWait sets a function the client calls when it holds a request back on its own: for the
// rate limit (a spent window, a 429's Retry-After) or before a retry. family is the endpoint
// family ("tasks", "squids", "runs", "runtasks", "results", or "other"), d how long the
// request will wait (for a queued request, an estimate from its place in the queue), and
// why a short reason in words: "rate limit" (a spent window, or spacing), "429 Retry-After"
// (a hold), "retry after 503", "retry after 429", "retry after network error". The short
// wait of a family's first requests for the first answer's headers is not reported.
// It is called before the wait, from the goroutine of the request, so it must be quick; a
// command-line tool uses it to say "waiting 41s for the rate limit" instead of going silent.
func OnWait(fn func(family string, d time.Duration, why string)) Option {
	return func(c *config) error {
		c.onWait = fn
		return nil
	}
}

// NewClient returns a client configured by opts. It fails when no token can be found, or
// when an option is invalid; the error says which.
func NewClient(opts ...Option) (*Client, error) {
	cfg := config{
		baseURL:      DefaultBaseURL,
		userAgent:    "lobstr-go/" + Version,
		maxRetries:   DefaultMaxRetries,
		timeout:      DefaultTimeout,
		maxBody:      DefaultMaxBodySize,
		batchSize:    DefaultAddBatchSize,
		retryBase:    500 * time.Millisecond,
		retryMax:     30 * time.Second,
		maxRetryWait: time.Minute,
	}
	for _, o := range opts {
		if o == nil {
			continue
		}
		if err := o(&cfg); err != nil {
			return nil, err
		}
	}
	base, err := checkBaseURL(cfg.baseURL, cfg.insecure)
	if err != nil {
		return nil, err
	}
	token := cfg.token
	if token == "" {
		if token, err = tokenFromEnvironment(); err != nil {
			return nil, err
		}
	}
	if err := checkToken(token); err != nil {
		return nil, err
	}
	hc := cfg.hc
	if hc == nil {
		hc = defaultHTTPClient()
	}
	c := &Client{
		base:    base,
		cred:    &credential{values: []string{"Token " + token}},
		hc:      hc,
		timeout: cfg.timeout,
		retry: retryPolicy{
			max: cfg.maxRetries, base: cfg.retryBase, cap: cfg.retryMax, maxWait: cfg.maxRetryWait,
		},
		maxBody:   cfg.maxBody,
		batchSize: cfg.batchSize,
	}
	if cfg.userAgent != "" {
		c.userAgent = []string{cfg.userAgent}
	}
	c.User = &UserService{client: c}
	c.Crawlers = &CrawlersService{client: c}
	c.Squids = &SquidsService{client: c}
	c.Tasks = &TasksService{client: c}
	c.Runs = &RunsService{client: c}
	c.Results = &ResultsService{client: c}
	c.Accounts = &AccountsService{client: c}
	c.Delivery = &DeliveryService{client: c}
	c.basePath = strings.TrimSuffix(mustPath(base), "/")
	c.hashReqs = newHashRequests(base)
	c.onWait = cfg.onWait
	c.tokenKey = TokenKey(token)
	switch {
	case cfg.limiter != nil && cfg.noPacing:
		return nil, errors.New("api: WithLimiter and WithoutPacing contradict each other: give one")
	case cfg.limiter != nil:
		c.limiter = cfg.limiter
	case !cfg.noPacing:
		rates := cfg.rates
		if rates == nil {
			rates = defaultRates()
		}
		c.limiter = newPacer(rates, cfg.onWait)
	}
	return c, nil
}

// defaultHTTPClient is the HTTP client of a Client made without WithHTTPClient.
func defaultHTTPClient() *http.Client {
	t, ok := http.DefaultTransport.(*http.Transport)
	if !ok {
		return http.DefaultClient
	}
	t = t.Clone()
	t.MaxIdleConnsPerHost = 32
	return &http.Client{Transport: t, CheckRedirect: checkRedirect}
}

// checkRedirect refuses a redirect to plain http on a host other than loopback: Go's client
// keeps the Authorization header on a redirect to the same host, whatever the scheme, and
// the token must never travel in clear. Like Go's default, it stops after 10 redirects.
func checkRedirect(req *http.Request, via []*http.Request) error {
	if len(via) >= 10 {
		return errors.New("stopped after 10 redirects")
	}
	if req.URL.Scheme != "https" && !isLoopback(req.URL.Hostname()) {
		return fmt.Errorf("refusing a redirect to %s://%s: plain http would send the token in clear", req.URL.Scheme, req.URL.Host)
	}
	return nil
}

// checkBaseURL validates a base URL and returns it with one trailing slash.
func checkBaseURL(raw string, insecure bool) (string, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return "", fmt.Errorf("api: base URL %q: %w", raw, err)
	}
	if u.Host == "" || (u.Scheme != "https" && u.Scheme != "http") {
		return "", fmt.Errorf("api: base URL %q: want an absolute http or https URL", raw)
	}
	if u.User != nil {
		return "", fmt.Errorf("api: base URL %q: must not hold credentials", u.Redacted())
	}
	if u.RawQuery != "" || u.Fragment != "" {
		return "", fmt.Errorf("api: base URL %q: must not have a query or fragment", raw)
	}
	if !versionPath.MatchString(strings.TrimRight(u.Path, "/")) {
		return "", fmt.Errorf("api: base URL %q: want the API's versioned root, ending in a version path such as /v1 (%s)", raw, DefaultBaseURL)
	}
	if u.Scheme == "http" && !insecure && !isLoopback(u.Hostname()) {
		return "", fmt.Errorf("api: base URL %q: plain http to a host other than loopback would send the token in clear; use https, or WithInsecureHTTP to opt in", raw)
	}
	return strings.TrimRight(u.String(), "/") + "/", nil
}

// versionPath is the end of a base URL's path: the API's version.
var versionPath = regexp.MustCompile(`/v[0-9]+$`)

// mustPath returns the path of a URL checkBaseURL accepted.
func mustPath(base string) string {
	u, err := url.Parse(base)
	if err != nil {
		return ""
	}
	return u.Path
}

func isLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") || strings.HasSuffix(strings.ToLower(host), ".localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// RateLimit is what the server said of the rate limit in its last response.
type RateLimit struct {
	Limit     int       // requests allowed per window (X-RateLimit-Limit)
	Remaining int       // requests left in the window (X-RateLimit-Remaining)
	Reset     time.Time // when the window resets (X-RateLimit-Reset); zero when not sent
}

// RateLimit returns the rate-limit information of the last response that carried any;
// the zero value before that.
func (c *Client) RateLimit() RateLimit {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.rate
}

// ErrNoToken is wrapped by the error of NewClient when no API token is found: none given
// with WithToken, LOBSTR_TOKEN unset, and no usable token in the official CLI's config file
// (see ConfigPath).
var ErrNoToken = errors.New("no API token")

// tokenFromEnvironment finds the token as the official SDK does: LOBSTR_TOKEN, then the
// official CLI's config file.
func tokenFromEnvironment() (string, error) {
	if t := strings.TrimSpace(os.Getenv("LOBSTR_TOKEN")); t != "" {
		return t, nil
	}
	path, err := ConfigPath()
	if err != nil {
		return "", fmt.Errorf("api: %w: set LOBSTR_TOKEN (%v)", ErrNoToken, err)
	}
	data, err := readConfig(path)
	if errors.Is(err, os.ErrNotExist) {
		return "", fmt.Errorf("api: %w: set LOBSTR_TOKEN, or save one in %s (the official CLI's `lobstr config set-token` does that)", ErrNoToken, path)
	}
	if err != nil {
		return "", fmt.Errorf("api: %w: reading the config file: %w", ErrNoToken, err)
	}
	tok, err := parseConfigToken(data)
	if err != nil {
		return "", fmt.Errorf("api: %w: config file %s: %w", ErrNoToken, path, err)
	}
	return tok, nil
}

// maxConfigSize caps what is read of the config file: a few lines of TOML.
const maxConfigSize = 1 << 20

// readConfig reads the config file: a regular file only (a FIFO would block, /dev/zero
// never ends), at most maxConfigSize bytes. The error names the file.
func readConfig(path string) ([]byte, error) {
	f, err := os.OpenFile(path, os.O_RDONLY|syscall.O_NONBLOCK, 0)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if !st.Mode().IsRegular() {
		return nil, fmt.Errorf("config file %s is not a regular file (%s)", path, st.Mode().Type())
	}
	data, err := io.ReadAll(io.LimitReader(f, maxConfigSize+1))
	if err != nil {
		return nil, err
	}
	if len(data) > maxConfigSize {
		return nil, fmt.Errorf("config file %s is larger than %d bytes", path, maxConfigSize)
	}
	return data, nil
}

// ConfigPath returns where the official CLI keeps its config file:
// $XDG_CONFIG_HOME/lobstr/config.toml, else ~/.config/lobstr/config.toml.
func ConfigPath() (string, error) {
	if x := os.Getenv("XDG_CONFIG_HOME"); x != "" {
		return x + string(os.PathSeparator) + "lobstr" + string(os.PathSeparator) + "config.toml", nil
	}
	home, err := os.UserHomeDir()
	if err != nil {
		return "", fmt.Errorf("cannot find the home directory: %w", err)
	}
	return home + string(os.PathSeparator) + ".config" + string(os.PathSeparator) + "lobstr" + string(os.PathSeparator) + "config.toml", nil
}
