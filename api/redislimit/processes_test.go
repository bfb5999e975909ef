package redislimit_test

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/lobstr-go/lobstr/api"
	"github.com/lobstr-go/lobstr/api/apitest"
	"github.com/lobstr-go/lobstr/api/redislimit"
	"github.com/redis/go-redis/v9"
)

// The acceptance runs: several OS processes (this test binary again, in worker mode), each
// with its own api.Client and many goroutines, one token, against a fake that enforces
// 90 requests per 5s window with honest X-RateLimit headers.
const (
	runLimit      = 90
	runWindow     = 5 * time.Second // a whole number of seconds: the fake's windows are the clock's
	runProcs      = 8
	runGoroutines = 16
	runWindows    = 3 // the run lasts 15s: three whole windows of the fake
	// The Redis calls' timeout in the runs: above what a Redis call takes on a machine
	// loaded by the race detector and 8 processes (up to 700ms seen on a busy 2-core
	// machine; the default, 100ms, is for a Redis nearby on a machine that is not
	// overloaded: TestFrozenRedisFallsBackWithinTheTimeout holds it).
	redisTimeout  = 2 * time.Second
	probeInterval = 250 * time.Millisecond
)

// workerEnv selects worker mode: its value is the worker's JSON config.
const workerEnv = "LOBSTR_REDISLIMIT_WORKER"

func TestMain(m *testing.M) {
	if cfg := os.Getenv(workerEnv); cfg != "" {
		os.Exit(worker(cfg))
	}
	os.Exit(m.Run())
}

// workerConfig is what the parent test tells a worker process.
type workerConfig struct {
	BaseURL    string
	Token      string
	RedisAddr  string // "" for in-process pacing only
	Goroutines int
}

// runTimes is what the parent tells the workers once every one is ready (has printed
// workerReady): when their goroutines start and stop sending, in Unix ms.
type runTimes struct{ Start, End int64 }

// workerReady is the line a worker prints once its client is made and its Redis
// connections are open; it then reads its runTimes on stdin.
const workerReady = "READY"

// workerReport is what a worker prints on its last line.
type workerReport struct {
	OK, Limited, Failed int
	FailedSample        string
	Stats               redislimit.Stats
	Warnings, Infos     int
	FirstWarning        string
}

// worker is a process of the acceptance runs: Goroutines goroutines send Get Task through one
// Client from Start to End, and the process reports what it saw.
func worker(raw string) int {
	var cfg workerConfig
	if err := json.Unmarshal([]byte(raw), &cfg); err != nil {
		fmt.Fprintln(os.Stderr, "worker config:", err)
		return 2
	}
	opts := []api.Option{api.WithBaseURL(cfg.BaseURL), api.WithToken(cfg.Token)}
	var lim *redislimit.Limiter
	logs := &logCounter{}
	if cfg.RedisAddr != "" {
		rdb := redis.NewClient(&redis.Options{Addr: cfg.RedisAddr, PoolSize: 2 * cfg.Goroutines, ContextTimeoutEnabled: true})
		defer rdb.Close()
		// Connections ready before the run, as a long-running worker's are.
		var wg sync.WaitGroup
		for range cfg.Goroutines {
			wg.Go(func() { rdb.Ping(context.Background()) })
		}
		wg.Wait()
		var err error
		lim, err = redislimit.New(rdb, redislimit.Options{Timeout: redisTimeout, ProbeInterval: probeInterval, Logger: slog.New(logs)})
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 2
		}
		defer lim.Close()
		opts = append(opts, api.WithLimiter(lim))
	}
	c, err := api.NewClient(opts...)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 2
	}
	fmt.Println(workerReady)
	var times runTimes
	if err := json.NewDecoder(os.Stdin).Decode(&times); err != nil {
		fmt.Fprintln(os.Stderr, "worker times:", err)
		return 2
	}
	time.Sleep(time.Until(time.UnixMilli(times.Start)))
	ctx, cancel := context.WithDeadline(context.Background(), time.UnixMilli(times.End))
	defer cancel()
	var ok, limited, failed atomic.Int64
	var sample atomic.Value
	var wg sync.WaitGroup
	for range cfg.Goroutines {
		wg.Go(func() {
			for ctx.Err() == nil {
				_, err := c.Tasks.Get(ctx, apitest.SeedTaskHash)
				switch {
				case err == nil:
					ok.Add(1)
				case ctx.Err() != nil || errors.Is(err, context.DeadlineExceeded):
					// the run is over, or a wait would outlast it
				case api.IsRateLimited(err):
					limited.Add(1)
				default:
					failed.Add(1)
					sample.CompareAndSwap(nil, err.Error())
				}
			}
		})
	}
	wg.Wait()
	rep := workerReport{OK: int(ok.Load()), Limited: int(limited.Load()), Failed: int(failed.Load())}
	if s, _ := sample.Load().(string); s != "" {
		rep.FailedSample = s
	}
	if lim != nil {
		rep.Stats = lim.Stats()
		rep.Warnings, rep.Infos = logs.counts()
		if rep.Warnings > 0 {
			rep.FirstWarning = logs.warns[0]
		}
	}
	b, _ := json.Marshal(rep)
	fmt.Printf("\nREPORT %s\n", b)
	return 0
}

// countingFake is the fake of a run, counting its answers by status and by the fake's
// window they arrived in.
type countingFake struct {
	URL   string
	Token string

	mu         sync.Mutex
	ok         map[int64]int // answers 200, by window (Unix ms / window)
	limited    map[int64]int // answers 429, by window
	other      map[int]int   // any other status
	violations []string
}

func newCountingFake(t *testing.T) *countingFake {
	t.Helper()
	b := make([]byte, 20)
	rand.Read(b)
	cf := &countingFake{Token: hex.EncodeToString(b), ok: map[int64]int{}, limited: map[int64]int{}, other: map[int]int{}}
	fake := apitest.New(apitest.WithToken(cf.Token), apitest.WithViolationHandler(func(v apitest.Violation) {
		cf.mu.Lock()
		defer cf.mu.Unlock()
		cf.violations = append(cf.violations, fmt.Sprint(v))
	}))
	fake.EnforceRateLimit(runLimit, runWindow)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		at := time.Now().UnixMilli() / runWindow.Milliseconds()
		rec := &statusRecorder{ResponseWriter: w, status: http.StatusOK}
		fake.ServeHTTP(rec, r)
		cf.mu.Lock()
		defer cf.mu.Unlock()
		switch rec.status {
		case http.StatusOK:
			cf.ok[at]++
		case http.StatusTooManyRequests:
			cf.limited[at]++
		default:
			cf.other[rec.status]++
		}
	}))
	t.Cleanup(srv.Close)
	cf.URL = srv.URL + "/v1"
	return cf
}

type statusRecorder struct {
	http.ResponseWriter
	status int
}

func (r *statusRecorder) WriteHeader(status int) {
	r.status = status
	r.ResponseWriter.WriteHeader(status)
}

// runResult is what a run saw: the fake's counts in each of its windows, and the workers'
// reports.
type runResult struct {
	ok, limited         []int // by window of the run
	lateOK, lateLimited int   // answered after the run's last window (sent just before its end)
	reports             []workerReport
}

// totals returns the requests made in the run's windows, and every 429.
func (r runResult) totals() (ok, limited int) {
	limited = r.lateLimited
	for i := range r.ok {
		ok += r.ok[i]
		limited += r.limited[i]
	}
	return ok, limited
}

// run starts procs worker processes against a new counting fake, waits until each is
// ready, has them send from the start of the fake's next window for runWindows windows,
// calls during (if not nil) with the start, and returns the counts. redisAddr "" runs them
// with in-process pacing only.
func run(t *testing.T, redisAddr string, during func(start time.Time)) runResult {
	t.Helper()
	fake := newCountingFake(t)
	cfg, _ := json.Marshal(workerConfig{BaseURL: fake.URL, Token: fake.Token, RedisAddr: redisAddr, Goroutines: runGoroutines})
	type proc struct {
		cmd    *exec.Cmd
		stdin  io.WriteCloser
		stdout bytes.Buffer // all it printed, once read is closed
		read   chan struct{}
		stderr bytes.Buffer
	}
	procs := make([]*proc, runProcs)
	ready := make(chan int, runProcs)
	for i := range procs {
		p := &proc{cmd: exec.Command(os.Args[0], "-test.run=^$"), read: make(chan struct{})}
		p.cmd.Env = append(os.Environ(), workerEnv+"="+string(cfg))
		p.cmd.Stderr = &p.stderr
		out, err := p.cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		if p.stdin, err = p.cmd.StdinPipe(); err != nil {
			t.Fatal(err)
		}
		if err := p.cmd.Start(); err != nil {
			t.Fatal(err)
		}
		procs[i] = p
		t.Cleanup(func() {
			if p.cmd.ProcessState == nil {
				p.cmd.Process.Kill()
				p.cmd.Wait()
			}
		})
		go func() {
			defer close(p.read)
			sc := bufio.NewScanner(out)
			for sc.Scan() {
				if sc.Text() == workerReady {
					ready <- i
				}
				p.stdout.WriteString(sc.Text() + "\n")
			}
		}()
	}
	// Every process ready (started, its client made, its Redis connections open: a loaded
	// machine may take seconds), the run starts on the fake's next window's edge, at least
	// 300ms ahead: time for the processes to read it.
	timeout := time.After(time.Minute)
	for range procs {
		select {
		case <-ready:
		case <-timeout:
			t.Fatal("the worker processes are not all ready after a minute")
		}
	}
	start := time.Now().Add(300 * time.Millisecond).Truncate(runWindow).Add(runWindow)
	end := start.Add(runWindows * runWindow)
	times, _ := json.Marshal(runTimes{Start: start.UnixMilli(), End: end.UnixMilli()})
	for _, p := range procs {
		if _, err := p.stdin.Write(append(times, '\n')); err != nil {
			t.Fatal(err)
		}
	}
	if during != nil {
		during(start)
	}
	var res runResult
	for i, p := range procs {
		<-p.read // Wait closes the pipe: read all first
		if err := p.cmd.Wait(); err != nil {
			t.Fatalf("worker %d: %v\n%s", i, err, p.stderr.String())
		}
		var rep workerReport
		sc := bufio.NewScanner(&p.stdout)
		found := false
		for sc.Scan() {
			if line, ok := strings.CutPrefix(sc.Text(), "REPORT "); ok {
				found = json.Unmarshal([]byte(line), &rep) == nil
			}
		}
		if !found {
			t.Fatalf("worker %d printed no report:\n%s\n%s", i, p.stdout.String(), p.stderr.String())
		}
		if rep.Failed > 0 {
			t.Errorf("worker %d: %d requests failed otherwise than by a 429, e.g. %s", i, rep.Failed, rep.FailedSample)
		}
		res.reports = append(res.reports, rep)
	}
	fake.mu.Lock()
	defer fake.mu.Unlock()
	if len(fake.violations) > 0 {
		t.Errorf("%d violations of the document, e.g. %s", len(fake.violations), fake.violations[0])
	}
	if len(fake.other) > 0 {
		t.Errorf("answers other than 200 and 429: %v", fake.other)
	}
	first := start.UnixMilli() / runWindow.Milliseconds()
	res.ok, res.limited = make([]int, runWindows), make([]int, runWindows)
	for i := range runWindows {
		res.ok[i], res.limited[i] = fake.ok[first+int64(i)], fake.limited[first+int64(i)]
	}
	for w, n := range fake.ok {
		if w < first || w >= first+runWindows {
			res.lateOK += n
		}
	}
	for w, n := range fake.limited {
		if w < first || w >= first+runWindows {
			res.lateLimited += n
		}
	}
	return res
}

// 8 processes × 16 goroutines, one token, sharing one budget through Redis: no 429, and at
// least 90% of what the server allows is made.
func TestProcessesShareOneBudget(t *testing.T) {
	t.Parallel()
	rs := startRedis(t)
	res := run(t, rs.Addr(), nil)
	ok, limited := res.totals()
	allowed := runLimit * runWindows
	t.Logf("Redis, %d processes × %d goroutines, %d per %v for %v: %d made of %d allowed (%.1f%%), %d answered 429; per window: made %v, 429 %v; %d answered after the last window",
		runProcs, runGoroutines, runLimit, runWindow, runWindows*runWindow, ok, allowed, 100*float64(ok)/float64(allowed), limited, res.ok, res.limited, res.lateOK+res.lateLimited)
	if limited != 0 {
		t.Errorf("%d answers 429 with the budget shared through Redis; want 0", limited)
	}
	if 10*ok < 9*allowed {
		t.Errorf("%d requests made of %d allowed: under 90%%", ok, allowed)
	}
	var slowest time.Duration
	for _, r := range res.reports {
		slowest = max(slowest, r.Stats.LongestAnswer)
	}
	t.Logf("the slowest Redis call that succeeded took %v (timeout %v)", slowest, redisTimeout)
	for i, r := range res.reports {
		if r.Stats.FallbackGranted != 0 || r.Stats.Outages != 0 || r.Warnings != 0 {
			t.Errorf("worker %d fell back to in-process pacing with Redis up: %+v: %s", i, r.Stats, r.FirstWarning)
		}
	}
}

// The same run with in-process pacing only, for comparison: each process paces itself, and
// together they overrun the account's budget.
func TestProcessesPacedApartOverrun(t *testing.T) {
	t.Parallel()
	res := run(t, "", nil)
	ok, limited := res.totals()
	t.Logf("in-process pacing only, %d processes × %d goroutines, %d per %v for %v: %d made of %d allowed, %d answered 429; per window: made %v, 429 %v; %d answered after the last window",
		runProcs, runGoroutines, runLimit, runWindow, runWindows*runWindow, ok, runLimit*runWindows, limited, res.ok, res.limited, res.lateOK+res.lateLimited)
	if limited == 0 {
		t.Error("8 processes pacing themselves apart met no 429: the run does not show what sharing the budget prevents")
	}
}

// Redis killed in the middle of the run, and started again on its port some seconds later:
// the processes keep working, paced in-process; a dead Redis holds no request longer than
// the timeout; each says so once; and once Redis is back, they share the budget again:
// no 429 in the windows after its return.
//
// It runs before the two parallel runs, alone: Redis calls slowed by a busy machine would
// blur the outage's figures.
func TestProcessesSurviveARedisOutage(t *testing.T) {
	rs := startRedis(t)
	var killedAt, backAt time.Duration // into the run
	res := run(t, rs.Addr(), func(start time.Time) {
		// Down from 2s into the first window to 1.5s into the second: the second window
		// starts while Redis is down, and the processes have 3.5s (Redis's restart took up
		// to 1.4s on a loaded machine; then a probe every 250ms) to find it back before
		// the third.
		time.Sleep(time.Until(start.Add(2 * time.Second)))
		rs.kill()
		killedAt = time.Since(start)
		time.Sleep(time.Until(start.Add(runWindow + 1500*time.Millisecond)))
		rs.start()
		backAt = time.Since(start)
	})
	ok, limited := res.totals()
	var fallback, granted int64
	var longest time.Duration
	for i, r := range res.reports {
		fallback += r.Stats.FallbackGranted
		granted += r.Stats.Granted
		longest = max(longest, r.Stats.LongestFailure)
		if r.Stats.Outages != 1 || r.Warnings != 1 || r.Infos != 1 || !r.Stats.Reachable {
			t.Errorf("worker %d: %d outages, %d warnings, %d notes of Redis's return, reachable at the end %v; want 1, 1, 1, true", i, r.Stats.Outages, r.Warnings, r.Infos, r.Stats.Reachable)
		}
		if r.Stats.FallbackGranted == 0 {
			t.Errorf("worker %d made no request while Redis was down", i)
		}
	}
	t.Logf("Redis down from %v to %v into the run (windows of %v): %d made, %d answered 429 (%d after the last window); per window: made %v, 429 %v; %d requests granted through Redis, %d in-process; a dead Redis held a request at most %v (timeout %v)",
		killedAt.Round(time.Millisecond), backAt.Round(time.Millisecond), runWindow, ok, limited, res.lateLimited, res.ok, res.limited, granted, fallback, longest, redisTimeout)
	if res.ok[1] == 0 {
		t.Error("no request was answered in the window that began while Redis was down")
	}
	if longest > 10*redisTimeout {
		t.Errorf("a dead Redis held a request %v; the timeout is %v", longest, redisTimeout)
	}
	if res.limited[0] != 0 {
		t.Errorf("%d answers 429 in the first window, before the outage", res.limited[0])
	}
	if res.limited[2] != 0 {
		t.Errorf("%d answers 429 in the window after Redis came back; want 0", res.limited[2])
	}
	if 10*res.ok[2] < 9*runLimit {
		t.Errorf("%d requests made in the window after Redis came back, of %d allowed: under 90%%", res.ok[2], runLimit)
	}
}
