// Package apitest is a fake lobstr.io API for tests: for this module's and for its users'.
// It keeps the account, the crawler catalogue, squids, tasks, uploads, runs and their
// results in memory, answers as the documentation says, serves the runs' export files at
// signed URLs, and checks every request and every response against the module's OpenAPI
// document.
//
// In a test, NewServer starts the fake on loopback and stops it when the test ends; a
// request or response that breaks the document fails the test:
//
//	srv := apitest.NewServer(t)
//	c, _ := api.NewClient(api.WithBaseURL(srv.URL), api.WithToken(srv.Token))
//
// New returns the same fake as a plain http.Handler, which is what `lobstr mock` serves.
//
// # What it does
//
// Every request needs `Authorization: Token <key>`: any non-empty key, or only the one given
// to WithToken. Without it the answer is 401 {"detail": "Authentication credentials were not
// provided."}; with another key, 401 {"detail": "Invalid token."}. Then, with validation on
// (the default), a request that breaks the document is answered 400 {"detail": "..."}.
//
// The fake starts seeded with the documented examples: squid SeedSquid holds the two tasks
// of List Tasks' example, in that order; Get Task of SeedTaskHash answers exactly the
// documented Get Task body (List Tasks shows that task as its own example does); and upload
// SeedUploadID has finished (SUCCESS, 8 rows inserted).
//
//   - List Tasks pages through a squid's tasks in the order they were added. limit is 1..100
//     (default 50), page counts from 1 (default 1). result_from and result_to (1-based) are
//     present when the page holds tasks and absent when it is empty. next and previous are
//     absolute URLs on the request's host (squid, type when given, page and limit), or null.
//     A page past the end, however far (any page up to the largest int), is empty, with next
//     null and previous pointing at the last page.
//     type=params shows the same fields as type=url.
//   - Add Tasks refuses an empty batch or an empty task object (400, the documented body),
//     counts a task whose params are already in the squid, or earlier in the same batch, in
//     duplicated_count without adding it, and gives each new task a random hash, created_at
//     now (UTC, without zone, microseconds), and the squid's crawler hash as module. A new
//     task is pending (see WithLifecycle and SetLifecycle to move it along).
//   - Delete Task removes the task for good; a second delete is a 404.
//   - A request body longer than MaxJSONBody (an upload form: MaxUploadBody) is answered
//     413 {"detail": "The request body is larger than N bytes."}, after reading no more
//     than N bytes; so is a file of more than MaxUploadRows rows.
//   - A task whose params pass MaxTaskBytes as JSON is answered 413 {"detail": "Task N is
//     larger than 8192 bytes as JSON."} (an uploaded row: invalid), and the fake stores at
//     most MaxStoredBytes of tasks in all: past it, Add Tasks is answered 413 and an upload
//     ends in FAILURE, until tasks or squids are deleted. A batch refused adds nothing.
//   - A path with an empty, "." or ".." segment is a 404 {"detail": "Not found."}, where
//     http.ServeMux would redirect to the cleaned path.
//   - Upload Tasks reads the multipart form as a stream (files up to MaxUploadBody): the file is
//     TSV when its name ends in .tsv, CSV when it ends in .csv, else TSV when its content type
//     says so or when its header line holds a tab, else CSV. The header row names the task
//     keys. Blank lines are skipped; a row whose column count differs from the header's, or
//     whose fields are all empty, is invalid; a row whose params are already in the squid
//     or earlier in the file is a duplicate; valid counts the rows that make a task,
//     duplicates included. A file that is not UTF-8 or has no usable header row (none, an
//     empty or a repeated column name) ends in state FAILURE with meta null: uploads are
//     processed asynchronously, so the fake reports a bad encoding there, not as a 400.
//   - Check Upload Status answers 202 PENDING, then 202 PROGRESS, then 200 SUCCESS (or
//     FAILURE) with the counts, one step per check; the rows are inserted at the SUCCESS step.
//   - An unknown task or upload is a 404 with the documented body; an unknown squid is 404
//     {"error": {"message": "Squid not found", "type": "not_found_error", "param": "squid"}}.
//   - Every response carries X-RateLimit-Limit (90), X-RateLimit-Remaining and
//     X-RateLimit-Reset over a one-minute window, errors and scripted faults included;
//     EnforceRateLimit makes the limit bite. The answers of /v1/results describe the
//     results family's documented window instead, 2 requests a second (not enforced until
//     EnforceFamilyRateLimit). The 401 and 429 answers are checked against
//     the document like the others.
//
// # User, crawlers, squids, runs and results
//
//   - Get User Profile and Get Balance answer the documented bodies, whatever the token;
//     the balance's consumed grows by the credits of the runs started on the fake, as Get
//     Run Credits counts them.
//   - The crawlers are those of lobstr's documented catalogue (package catalog), the Google
//     Maps Leads Scraper (SeedCrawlerID, SeedCrawlerSlug) among them. List Crawlers pages
//     them like List Tasks (50 a page by default), each with its account type when it needs
//     one; Get Crawler Details, Parameters and Attributes show every documented task key,
//     squid setting (type, default, allowed values), function and result column. A crawler
//     is named by its hash only (the document takes no slug). Get Crawler Attributes needs
//     no token.
//   - The squids of the documented examples exist (SeedSquid, SeedDetailsSquid,
//     SeedListedSquid, SeedRunsSquid, SeedRunSquid, and those of Empty and Delete Squid).
//     Create Squid needs a crawler of the catalogue (else 404) and starts from its default
//     params; List Squids pages and filters by name; Update Squid changes only what is sent,
//     checks params against the crawler's (documented keys only, JSON types, allowed
//     values, functions; 400 validation_error naming params.KEY), merges them key by key
//     and answers the documented echo; Empty Squid deletes the url or params tasks; Delete
//     Squid takes its tasks and runs with it. Tasks can be added only to a squid that
//     exists, and only tasks its crawler takes: Add Tasks and Upload refuse a key the
//     crawler does not take, a value of another JSON type, or a task that completes no
//     group of required keys, with Add Tasks' documented 400 (param tasks, the message
//     naming the task and what is wrong), and store nothing of the batch or file.
//   - The documented quirk: a squid made with Create Squid cannot run until Update Squid
//     was sent params once (even {"params": {}}): Start Run answers 400 {"errors":
//     {"type": "SquidNotReady", ...}} with a message that says what to do. Squids made by
//     AddSquid and the seeds are ready. is_ready says it (params saved and active tasks).
//   - Start Run takes the squid's active tasks; a squid has one active run at a time (a
//     second start is the documented 400), and a squid without an active task is refused
//     400 {"errors": {"type": "NoTasksPresent", ...}} (the errors page's type). The run moves along its RunLifecycle
//     (WithRunLifecycle, SetRunLifecycle; by default DefaultRunDuration): pending, running
//     (tasks done one after another), paused when asked, uploading, done with
//     export_done. Get Run Stats counts tasks, rows, percent_done and eta honestly. Abort
//     Run ends it: uploading with done_reason aborted, then aborted with a partial export.
//     Get Run Tasks reports each task's outcome; List Runs pages newest first; Get Run
//     Credits splits the credits between the scraping and the functions switched on.
//     SeedRunHash is Get Run's documented run (done, 40 rows).
//   - Every task of a run produces rows (at most the squid's or the task's max_results, when
//     set) with every documented column of the crawler, each value of the column's
//     documented JSON type, drawn from its documented example and varied from row to row,
//     made from the run, the task and the row's position: deterministic, never held in
//     memory. A run of a crawler that needs an account, on a squid that links none, ends
//     at once with status error and done_reason no_accounts, as documented. Get Results pages
//     the rows of a squid or a run (one of them, else the documented 400), optionally of one
//     task, at limit or page_size rows a page (at most 100), and shows exactly the rows and
//     values of the export file.
//   - Download Run answers, once the export is done, a URL on the fake's own host outside
//     /v1: /files/{run}.{csv,json,jsonl}?expires=...&sig=..., an HMAC of the run, format,
//     expiry and columns, valid for DefaultDownloadExpiry (SetDownloadExpiry). The file host
//     refuses 403 a request with an Authorization header, a bad signature or an expired URL
//     (an S3-like XML body), and streams the file row by row (CSV with a header row, JSON,
//     JSONL): a run of millions of rows (RunLifecycle.Rows) downloads in constant memory.
//     FileRequests counts its requests, and those that carried a token.
//   - EnforceFamilyRateLimit gives one endpoint family (FamilyResults, …) an enforced
//     window of its own, with honest X-RateLimit headers, while the others keep the shared
//     one.
//
// # Accounts, delivery and chains
//
//   - The accounts of the documented examples exist (SeedAccount, SeedLimitsAccount and
//     those of List Accounts), with the documented account types. List Accounts pages them;
//     Get Account Details answers one inside the list envelope, as documented, with the
//     squids that link it (Update Squid's accounts). Sync Account needs a known type and
//     every cookie it marks required (else the documented 400); with account, the account
//     must exist (404) and be of that type (400). A sync answers 100 created, then each
//     Check Sync Status moves it on: 120 synchronizing (SetSyncPolls times, 1 by default),
//     then 200 synchronized, the account made or refreshed, or 401 cookies_invalid when a
//     cookie's value is FailingCookie. Update Account Limits takes limits of the account's
//     type, 0 to the type's max. Delete Account removes it (the documented 404 after).
//   - Configure Delivery stores one channel on a squid (exactly one block; the documented
//     flags default as the official SDK's); Get Squid Details then shows it, without its
//     S3 keys or SFTP login and password. Delivery returns what is stored. The test routes
//     never reach out: an address with an @, a Google Sheets URL, an S3 bucket with both
//     keys or none, an SFTP login with a password and an absolute directory, and an http(s)
//     URL whose host does not end in .invalid pass.
//   - A squid has at most one chain (409, documented), to a crawler of the catalogue, at
//     most 3 squids deep (422); Get Squid Chain answers null without one. The chain
//     triggers when a run of its squid has ended done: the target squid is made then
//     (without tasks), and target_cluster names it.
//
// Faults (Script, SetLatency, EnforceRateLimit, EnforceFamilyRateLimit; Script works on
// the file host's paths too), task lifecycles (SetLifecycle) and run lifecycles
// (SetRunLifecycle) let tests drive a client through errors, slowness, rate limits,
// long-running tasks and runs.
//
// A Fake is safe for concurrent use.
package apitest

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/lobstr-go/lobstr/gen"
	"github.com/lobstr-go/lobstr/internal/specvalidate"
)

// The documented examples the fake starts with.
const (
	SeedSquid    = "a1b2c3d4e5f6g7h8i9j0"             // the squid of the documented examples
	SeedTaskHash = "c5e29d2aba8b77cdc56391e7405302de" // the task of the documented Get Task body
	SeedUploadID = "427a7bfc54cf4ce483d83ba23425164b" // the documented finished upload
)

// SeedModule is the crawler hash of SeedSquid, and the module of the tasks added to it.
const SeedModule = "4734d096159ef05210e0e1677e8be823"

// DefaultRateLimit is the documented rate limit of the /v1/tasks endpoints, per minute.
const DefaultRateLimit = 90

// basePath is where the fake serves the API: the path of the document's server URL.
const basePath = "/v1"

// Violation is a request or response that breaks the OpenAPI document: its Kind
// (RequestViolation or ResponseViolation), the request's Method and Path, the Status of a
// response, and Err, what is wrong. Its Error method says all that in one line.
type Violation = specvalidate.Violation

// ViolationKind tells a request violation from a response violation.
type ViolationKind = specvalidate.Kind

// The kinds of Violation.
const (
	RequestViolation  = specvalidate.Request  // the client sent something the document does not allow
	ResponseViolation = specvalidate.Response // the fake answered something the document does not allow
)

// Option configures a Fake.
type Option func(*Fake)

// WithToken makes the fake accept only this API key. Without it, any non-empty key passes.
func WithToken(token string) Option { return func(f *Fake) { f.token = token } }

// WithValidation turns the checking of requests and responses against the OpenAPI document
// on (the default) or off.
func WithValidation(on bool) Option { return func(f *Fake) { f.validate = on } }

// WithViolationHandler sets what happens to each violation of the document. New's default
// drops them (invalid requests are still answered 400); NewServer's default fails the test.
func WithViolationHandler(h func(Violation)) Option { return func(f *Fake) { f.onViolation = h } }

// WithLogger logs one line per request: method, path, status and duration. Tokens are
// never logged.
func WithLogger(l *slog.Logger) Option { return func(f *Fake) { f.logger = l } }

// WithLifecycle gives every task added through the API (Add Tasks, Upload Tasks) this
// lifecycle, as SetLifecycle would. Without it they stay pending.
func WithLifecycle(l Lifecycle) Option { return func(f *Fake) { f.defaultLife = &l } }

// Fake is the fake lobstr.io API: an http.Handler serving /v1/..., with its state.
type Fake struct {
	gateOnce    sync.Once
	gate        chan struct{} // readGate: the GET requests worked on at once
	token       string
	validate    bool
	onViolation func(Violation)
	logger      *slog.Logger
	defaultLife *Lifecycle
	handler     http.Handler
	validator   *specvalidate.Validator // nil with validation off

	// respHook, when set (by tests of this package), replaces the response of an operation.
	respHook func(operationID string, response any) any

	mu         sync.Mutex
	squids     map[string]*squid
	squidOrder []string // squid ids, in the order they were made
	runs       map[string]*runRecord
	runLife    RunLifecycle
	families   map[string]*rateWindow // families.go: EnforceFamilyRateLimit
	secret     [32]byte               // signs the file URLs
	expiry     time.Duration          // of the file URLs (files.go)
	expirySet  bool
	files      FileStats
	tasks      map[string]*taskRecord
	stored     int // bytes of tasks counted against MaxStoredBytes (state.go)
	storeCap   int // what stored may reach; 0: MaxStoredBytes (tests of this package lower it)
	uploads    map[string]*upload
	requests   []RecordedRequest // the last maxLogged, a ring once full
	counts     map[string]int    // "METHOD /path" → requests
	total      int
	rate       rateWindow
	latency    time.Duration
	scripts    map[string][]Fault
	fail       failRate  // failrate.go: SetFailRate
	extra      moreState // accounts.go: accounts, syncs, deliveries and chains
}

// New returns a fake seeded with the documented examples.
func New(opts ...Option) *Fake {
	f := &Fake{validate: true}
	for _, o := range opts {
		o(f)
	}
	f.rate = rateWindow{limit: DefaultRateLimit, window: time.Minute}
	f.families = defaultFamilies()
	_, _ = rand.Read(f.secret[:])
	f.seed()
	f.handler = f.buildHandler()
	return f
}

// ServeHTTP serves the API under /v1.
func (f *Fake) ServeHTTP(w http.ResponseWriter, r *http.Request) { f.handler.ServeHTTP(w, r) }

func (f *Fake) buildHandler() http.Handler {
	mux := http.NewServeMux()
	strict := gen.NewStrictHandlerWithOptions(&server{f: f}, []gen.StrictMiddlewareFunc{f.hookMiddleware},
		gen.StrictHTTPServerOptions{
			RequestErrorHandlerFunc: func(w http.ResponseWriter, r *http.Request, err error) {
				if tooLarge := (*http.MaxBytesError)(nil); errors.As(err, &tooLarge) {
					writeJSON(w, http.StatusRequestEntityTooLarge, tooLargeBody(tooLarge.Limit))
					return
				}
				writeJSON(w, http.StatusBadRequest, detail(err.Error()))
			},
			ResponseErrorHandlerFunc: func(w http.ResponseWriter, r *http.Request, err error) {
				writeJSON(w, http.StatusInternalServerError, detail("The fake failed: "+err.Error()))
			},
		})
	gen.HandlerWithOptions(strict, gen.StdHTTPServerOptions{
		BaseURL:    basePath,
		BaseRouter: mux,
		ErrorHandlerFunc: func(w http.ResponseWriter, r *http.Request, err error) {
			writeJSON(w, http.StatusBadRequest, detail(err.Error()))
		},
	})
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) { notFound(mux, w, r) })
	files := http.HandlerFunc(f.serveFile)

	var api http.Handler = mux
	if f.validate {
		v, err := specvalidate.Default()
		if err != nil {
			// The document is embedded and tested: this is a broken build, not a runtime condition.
			panic(fmt.Sprintf("apitest: the OpenAPI document does not load: %v", err))
		}
		f.validator = v
		api = v.Handler(mux, f.report)
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasPrefix(r.URL.Path, filesPath) {
			files.ServeHTTP(w, r) // the file host: no token, no document
			return
		}
		f.serve(w, r, api)
	})
}

func (f *Fake) report(v Violation) {
	if f.onViolation != nil {
		f.onViolation(v)
	}
}

// hookMiddleware lets tests of this package replace a response.
func (f *Fake) hookMiddleware(next gen.StrictHandlerFunc, operationID string) gen.StrictHandlerFunc {
	return func(ctx context.Context, w http.ResponseWriter, r *http.Request, request any) (any, error) {
		resp, err := next(ctx, w, r, request)
		if hook := f.respHook; hook != nil && err == nil {
			resp = hook(operationID, resp)
		}
		return resp, err
	}
}

// Server is a Fake served on loopback for the length of a test.
type Server struct {
	*Fake
	URL   string // the API's base URL, ending in /v1: http://127.0.0.1:PORT/v1
	Token string // an API key the fake accepts

	srv *httptest.Server
}

// NewServer starts a Fake on a loopback port and closes it when the test ends. Unless
// WithViolationHandler says otherwise, every violation of the OpenAPI document, by a
// request or by a response, fails t.
func NewServer(t testing.TB, opts ...Option) *Server {
	t.Helper()
	all := append([]Option{WithViolationHandler(func(v Violation) { t.Errorf("apitest: %v", v) })}, opts...)
	f := New(all...)
	token := f.token
	if token == "" {
		token = "apitest-token"
	}
	hs := httptest.NewUnstartedServer(f)
	configure(hs.Config)
	hs.Start()
	s := &Server{Fake: f, Token: token, srv: hs}
	s.URL = s.srv.URL + basePath
	t.Cleanup(s.Close)
	return s
}

// Close stops the server, after the requests in flight have been answered. It may be
// called more than once.
func (s *Server) Close() { s.srv.Close() }

// Client returns an http.Client for the server (its Transport is tuned for it).
func (s *Server) Client() *http.Client { return s.srv.Client() }
