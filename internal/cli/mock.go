package cli

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math"
	"math/rand/v2"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	flag "github.com/spf13/pflag"

	"github.com/lobstr-go/lobstr/api/apitest"
	"github.com/lobstr-go/lobstr/gen/models"
	"github.com/lobstr-go/lobstr/internal/drift"
	"github.com/lobstr-go/lobstr/internal/refdocs"
	"github.com/lobstr-go/lobstr/types"
)

// The demo tasks `lobstr mock` adds to the documented examples, in squid demoSquid. Each
// starts pending and begins its life at its first Get Task, so `lobstr task wait` always
// has something to watch: DemoTask completes about 8 seconds after it is first asked for.
const (
	demoSquid     = "demo"
	demoTask      = "de000000000000000000000000000001" // completes in 8s, 120 results
	demoSlowTask  = "de000000000000000000000000000002" // completes in 30s, 600 results
	demoFailsTask = "de000000000000000000000000000003" // fails after 6s
)

// demoTasks are the demo tasks and their lifecycles.
var demoTasks = []struct {
	hash string
	url  string
	life apitest.Lifecycle
	note string
}{
	{demoTask, "https://www.example.com/demo/quick", apitest.Lifecycle{Duration: 8 * time.Second, Results: 120}, "completes 8s"},
	{demoSlowTask, "https://www.example.com/demo/slow", apitest.Lifecycle{Duration: 30 * time.Second, Results: 600}, "completes 30s"},
	{demoFailsTask, "https://www.example.com/demo/broken", apitest.Lifecycle{Duration: 6 * time.Second, Results: 40, End: "failed"}, "fails 6s"},
}

// mockOptions are the flags of `lobstr mock`.
type mockOptions struct {
	addr       string
	token      string
	noValidate bool
	quiet      bool
	duration   time.Duration
	rateLimit  string // N/DURATION
	latency    time.Duration
	failRate   string // 0.1 or 10%
	seed       uint64
	proxy      string // upstream base URL: forward instead of faking
	record     string // directory for the proxy's fixtures
	demoPolls  int    // hidden, for tests: the demo tasks end at this Get Task instead of in time
}

// parseRate reads --rate-limit N/DURATION: 90/1m, 10/2s.
func parseRate(s string) (n int, window time.Duration, err error) {
	num, dur, ok := strings.Cut(s, "/")
	if !ok {
		return 0, 0, fmt.Errorf("--rate-limit %q: want N/DURATION, e.g. 90/1m", s)
	}
	n, err = strconv.Atoi(strings.TrimSpace(num))
	if err != nil || n < 1 {
		return 0, 0, fmt.Errorf("--rate-limit %q: N must be a whole number of requests, 1 or more", s)
	}
	window, err = time.ParseDuration(strings.TrimSpace(dur))
	if err != nil || window < time.Second || window%time.Second != 0 {
		return 0, 0, fmt.Errorf("--rate-limit %q: DURATION must be whole seconds, 1s or more (e.g. 2s, 1m)", s)
	}
	return n, window, nil
}

// parseShare reads --fail-rate: a share from 0 to 1 (0.1) or a percentage (10%).
func parseShare(s string) (float64, error) {
	t := strings.TrimSpace(s)
	scale := 1.0
	if p, ok := strings.CutSuffix(t, "%"); ok {
		t, scale = p, 100
	}
	v, err := strconv.ParseFloat(t, 64)
	if err != nil || math.IsNaN(v) || v < 0 || v/scale > 1 {
		return 0, fmt.Errorf("--fail-rate %q: want a share from 0 to 1 (0.1) or a percentage (10%%)", s)
	}
	return v / scale, nil
}

func (o *mockOptions) flags(fs *flag.FlagSet) {
	fs.StringVar(&o.addr, "addr", "127.0.0.1:8080", "listen on `ADDR`, host:port (port 0 picks a free one)")
	fs.StringVar(&o.token, "token", "", "accept only API key `T` (default: any non-empty key)")
	fs.BoolVar(&o.noValidate, "no-validate", false, "do not check requests and responses against the spec")
	fs.BoolVar(&o.quiet, "quiet", false, "do not log each request")
	fs.DurationVar(&o.duration, "duration", 10*time.Second, "tasks added through the API complete after `D` (0: never)")
	fs.StringVar(&o.rateLimit, "rate-limit", "", "enforce `N/D` requests a window, e.g. 10/2s (429 beyond)")
	fs.DurationVar(&o.latency, "latency", 0, "delay every answer by `D`")
	fs.StringVar(&o.failRate, "fail-rate", "", "answer a share `P` of requests 500 or 503 (0.1 or 10%)")
	fs.Uint64Var(&o.seed, "seed", 0, "seed `N` of --fail-rate, to repeat a run (default: random)")
	fs.StringVar(&o.proxy, "proxy", "", "forward to the API at `URL` and report drift")
	fs.StringVar(&o.record, "record", "", "with --proxy: save answers as fixtures in `DIR`")
	// Hidden: the tests' way to watch a demo task's whole life without waiting seconds of
	// real time for it (a lifecycle of polls, apitest.Lifecycle.Polls, is the same however
	// loaded the machine).
	fs.IntVar(&o.demoPolls, "demo-polls", 0, "the demo tasks end at their `N`th Get Task, not after a time")
	_ = fs.MarkHidden("demo-polls")
}

const mockUsage = `Usage: lobstr mock [--addr 127.0.0.1:8080] [--token T] [--rate-limit N/D]
                   [--latency D] [--fail-rate P] [--seed N] [--no-validate]
       lobstr mock --proxy URL [--record DIR] [--addr 127.0.0.1:8080]

Serve a fake of the whole lobstr.io API under /v1 (package api/apitest): user
and balance, crawlers (the catalogue's), squids, tasks and uploads, runs and
their exports, results, accounts and their syncs, delivery. Every call of the
CLI works against it: point it there with the export line printed at start.
Seeded with the documented examples: squid ` + apitest.SeedSquid + ` and its two
tasks, task ` + apitest.SeedTaskHash + ` answering exactly the documented
Get Task body, and upload ` + apitest.SeedUploadID + `.
Squid "` + demoSquid + `" holds demo tasks that start at their first Get Task:
  ` + demoTask + `  completes after 8s
  ` + demoSlowTask + `  completes after 30s
  ` + demoFailsTask + `  fails after 6s
Requests and responses are checked against the OpenAPI document; violations are
logged on stderr, with one line per request. SIGINT or SIGTERM stops the server.
For trouble: --rate-limit enforces a limit with honest X-RateLimit headers and
429 + Retry-After beyond it (on /v1/results, its documented 2 requests a second
whatever N/D says), --latency slows every answer, --fail-rate answers
a share of requests 500 or 503 (Retry-After: 1), drawn from --seed.
/docs is the document's reference (Swagger UI): "Try it out" calls this server.
With --proxy URL, each request goes, with the caller's token, to the API at URL,
and its answer comes back unchanged; every drift from the document (an unknown
field, a wrong type, an undocumented status or error shape) is reported once on
stderr and listed at GET /_lobstr/violations. --record DIR saves each distinct
answer as a fixture file (operation, status, kept headers, body; no token).

Examples:
  lobstr mock --addr 127.0.0.1:8080 --rate-limit 10/2s --fail-rate 5% --seed 1 &
  LOBSTR_TOKEN=demo LOBSTR_BASE_URL=http://127.0.0.1:8080/v1 \
    lobstr task wait ` + demoTask + `
`

func (c *cli) mock(ctx context.Context, args []string) int {
	fs := flag.NewFlagSet("lobstr mock", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.Usage = func() {}
	var o mockOptions
	o.flags(fs)
	rest, err := parse(fs, args, true)
	if err != nil {
		return c.flagError(err, "mock", func(w io.Writer) { printMockUsage(w, fs) })
	}
	var limit int
	var window time.Duration
	var share float64
	switch {
	case len(rest) > 0:
		return c.usageError("mock", fmt.Sprintf("too many arguments: %q", rest))
	case o.duration < 0:
		return c.usageError("mock", "--duration must not be negative")
	case o.latency < 0:
		return c.usageError("mock", "--latency must not be negative")
	case o.demoPolls < 0:
		return c.usageError("mock", "--demo-polls must not be negative")
	}
	if o.rateLimit != "" {
		if limit, window, err = parseRate(o.rateLimit); err != nil {
			return c.usageError("mock", err.Error())
		}
	}
	if o.failRate != "" {
		if share, err = parseShare(o.failRate); err != nil {
			return c.usageError("mock", err.Error())
		}
	}
	seedSet := false
	fs.Visit(func(f *flag.Flag) { seedSet = seedSet || f.Name == "seed" })
	if !seedSet {
		o.seed = rand.Uint64()
	}
	o.quiet = o.quiet || c.quiet

	errw := &lockedWriter{w: c.stderr}
	log := slog.New(slog.NewTextHandler(errw, nil))
	reqLog := log
	if o.quiet {
		reqLog = slog.New(slog.DiscardHandler)
	}
	opts := []apitest.Option{
		apitest.WithValidation(!o.noValidate),
		apitest.WithLogger(reqLog),
		apitest.WithViolationHandler(func(v apitest.Violation) {
			log.Warn("spec violation", "error", v.Error())
		}),
	}
	if o.token != "" {
		opts = append(opts, apitest.WithToken(o.token))
	}
	if o.duration > 0 {
		opts = append(opts, apitest.WithLifecycle(apitest.Lifecycle{Duration: o.duration, Results: 50}))
	}
	fake := apitest.New(opts...)
	if limit > 0 {
		fake.EnforceRateLimit(limit, window)
		// /v1/results has a window of its own, its documented 2 a second: enforced too.
		fake.EnforceFamilyRateLimit(apitest.FamilyResults, apitest.ResultsRateLimit, apitest.ResultsRateWindow)
	}
	fake.SetLatency(o.latency)
	fake.SetFailRate(share, o.seed)
	h := seedDemo(fake, o.demoPolls)
	if o.record != "" && o.proxy == "" {
		return c.usageError("mock", "--record needs --proxy")
	}
	if o.proxy != "" {
		if h, err = driftProxy(o, log); err != nil {
			return c.usageError("mock", "--proxy: "+err.Error())
		}
	}
	h = refdocs.Mount(h)

	ln, err := net.Listen("tcp", o.addr)
	if err != nil {
		msg := err.Error()
		if errors.Is(err, syscall.EADDRINUSE) {
			msg = "something already listens there; stop it or pick another --addr"
		}
		return c.errorLine(exitFail, "network", fmt.Sprintf("mock: cannot listen on %s: %s", o.addr, msg), 0, "")
	}
	srv := fake.HTTPServer(o.addr) // the fake's timeouts and header limit
	srv.Handler, srv.ErrorLog = h, slog.NewLogLogger(log.Handler(), slog.LevelWarn)
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()

	fmt.Fprintf(errw, "lobstr mock: seeded squid %s (tasks of the List Tasks example), task %s, upload %s\n",
		apitest.SeedSquid, apitest.SeedTaskHash, apitest.SeedUploadID)
	for _, d := range demoTasks {
		if o.demoPolls > 0 {
			fmt.Fprintf(errw, "lobstr mock: demo task %s in squid %s %s at its Get Task %d\n", d.hash, demoSquid, strings.Fields(d.note)[0], o.demoPolls)
			continue
		}
		fmt.Fprintf(errw, "lobstr mock: demo task %s in squid %s %s after its first Get Task\n", d.hash, demoSquid, d.note)
	}
	if o.noValidate {
		fmt.Fprintln(errw, "lobstr mock: validation against the OpenAPI document is off")
	}
	if limit > 0 {
		fmt.Fprintf(errw, "lobstr mock: rate limit enforced: %d requests per %v\n", limit, window)
	}
	if o.latency > 0 {
		fmt.Fprintf(errw, "lobstr mock: every answer delayed %v\n", o.latency)
	}
	if share > 0 {
		fmt.Fprintf(errw, "lobstr mock: failing %g%% of requests with 500 or 503, seed %d (repeat with --seed %d)\n", share*100, o.seed, o.seed)
	}
	if o.proxy != "" {
		fmt.Fprintf(errw, "lobstr mock: proxy to %s; drift at http://%s%s\n", o.proxy, displayAddr(ln.Addr()), drift.ViolationsPath)
	}
	fmt.Fprintf(errw, "lobstr mock: reference at http://%s%s/\n", displayAddr(ln.Addr()), refdocs.Prefix)
	// Any token that is not empty is accepted, unless --token says which; that one is
	// never printed (logs are kept and shared).
	token, note := "demo", ""
	if o.token != "" {
		token, note = "...", "   # the token given with --token"
	}
	fmt.Fprintf(errw, "lobstr mock: to point lobstr (or the SDK) at it:\n  export LOBSTR_BASE_URL=http://%s/v1 LOBSTR_TOKEN=%s%s\n", displayAddr(ln.Addr()), token, note)
	fmt.Fprintf(errw, "lobstr mock listening on http://%s/v1\n", displayAddr(ln.Addr()))

	select {
	case err := <-served:
		fmt.Fprintln(errw, "lobstr mock:", err)
		return exitFail
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		srv.Close()
	}
	<-served
	fmt.Fprintln(errw, "lobstr mock: stopped")
	return exitOK
}

func printMockUsage(w io.Writer, fs *flag.FlagSet) {
	fmt.Fprint(w, mockUsage)
	fmt.Fprintln(w, "\nFlags:")
	var all []*flag.Flag
	fs.VisitAll(func(f *flag.Flag) {
		if !f.Hidden {
			all = append(all, f)
		}
	})
	printFlags(w, all)
}

// driftProxy is the handler of --proxy: each new drift is a warning on stderr.
func driftProxy(o mockOptions, log *slog.Logger) (http.Handler, error) {
	cfg := drift.Config{Upstream: o.proxy, Report: func(v drift.Violation) {
		log.Warn(v.String())
	}}
	if o.record != "" {
		rec, err := drift.NewRecorder(o.record, func(err error) { log.Warn("recording a fixture", "error", err) })
		if err != nil {
			return nil, err
		}
		cfg.Recorder = rec
	}
	return drift.New(cfg)
}

// displayAddr is the address to print in a URL: a wildcard host shows as localhost.
func displayAddr(a net.Addr) string {
	host, port, err := net.SplitHostPort(a.String())
	if err != nil {
		return a.String()
	}
	if ip := net.ParseIP(host); ip != nil && ip.IsUnspecified() {
		host = "localhost"
	}
	return net.JoinHostPort(host, port)
}

// seedDemo adds the demo tasks to fake, pending, and returns a handler that starts each
// one's lifecycle at its first Get Task. With polls above 0, each ends at that Get Task
// (counting from the first), not after its time.
func seedDemo(fake *apitest.Fake, polls int) http.Handler {
	created := demoTimestamp(time.Now())
	start := map[string]apitest.Lifecycle{}
	fake.AddSquid(demoSquid)
	for _, d := range demoTasks {
		fake.PutTask(demoSquid, models.Task{
			HashValue: d.hash,
			CreatedAt: created,
			IsActive:  true,
			Module:    types.ModuleString(apitest.SeedModule),
			Object:    "task",
			Params:    models.Params{"url": d.url},
			Status:    models.TaskStatus{Status: models.Pending, Errors: json.RawMessage("null")},
		})
		life := d.life
		if polls > 0 {
			life.Polls, life.Duration = polls, 0
		}
		start[d.hash] = life
	}
	var mu sync.Mutex
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodGet {
			if hash, ok := strings.CutPrefix(r.URL.Path, "/v1/tasks/"); ok {
				mu.Lock()
				life, ok := start[hash]
				delete(start, hash)
				mu.Unlock()
				if ok {
					fake.SetLifecycle(hash, life)
				}
			}
		}
		fake.ServeHTTP(w, r)
	})
}

// demoTimestamp is t as the API writes it: UTC, microseconds, no zone.
func demoTimestamp(t time.Time) types.Timestamp {
	ts, err := types.ParseTimestamp(t.UTC().Format("2006-01-02T15:04:05.000000"))
	if err != nil {
		return types.NewTimestamp(t.UTC())
	}
	return ts
}

// lockedWriter serialises writes, so log lines of concurrent requests never interleave
// with each other or with the startup lines.
type lockedWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

// shellQuote quotes s for a POSIX shell when it holds anything but letters, digits and
// -_.:/@%+=,.
func shellQuote(s string) string {
	safe := s != ""
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("-_.:/@%+=,", r)) {
			safe = false
			break
		}
	}
	if safe {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
