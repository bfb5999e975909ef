// Package redislimit shares one rate budget between every process that uses one lobstr.io
// token, through Redis.
//
// lobstr.io limits requests per account (per token), not per process: ten workers with one
// token, each with its own api.Client, each pacing itself, together send ten times what the
// account allows, and learn the limit through 429s. A Limiter keeps the budget of each
// endpoint family of each token in Redis, where every process sees it:
//
//	rdb := redis.NewClient(&redis.Options{Addr: "localhost:6379"})
//	lim, err := redislimit.New(rdb, redislimit.Options{})
//	if err != nil {
//		return err
//	}
//	c, err := api.NewClient(api.WithLimiter(lim))
//
// The budget follows the server's X-RateLimit-Limit, -Remaining and -Reset headers as the
// in-process pacer does (see api.WithRateLimit), and what one process learns from an answer
// (the limit, the window's end and length, what remains, a 429's Retry-After) every process
// uses: a window's budget is granted once, whichever processes ask. Times are Redis's clock
// (TIME), so the processes' clocks need not agree; a state that is not one the Limiter
// writes (another type under the key, numbers that are not finite or out of range) is
// reset to a fresh one; no request waits longer than its client's WithMaxRetryWait. The
// state lives under Options.Prefix, then api.TokenKey of the token (a hash: never the token
// itself), then the family: "lobstr:ratelimit:<key>:tasks". Scripts update it atomically
// (see scripts.go).
//
// When Redis cannot be reached, or does not answer within Options.Timeout (100ms unless
// set), the Limiter paces in this process only (api.NewPacer), says so once through
// Options.Logger, checks Redis again every Options.ProbeInterval in the background, and
// shares the budget again once it answers; no request waits on a dead Redis for longer than
// Options.Timeout.
package redislimit

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/lobstr-go/lobstr/api"
	"github.com/redis/go-redis/v9"
)

// Client is the part of a go-redis client the Limiter uses: *redis.Client,
// *redis.ClusterClient and *redis.Ring have it.
type Client interface {
	redis.Scripter
	Ping(ctx context.Context) *redis.StatusCmd
}

// Defaults of Options.
const (
	DefaultPrefix        = "lobstr:ratelimit"
	DefaultTimeout       = 100 * time.Millisecond
	DefaultProbeInterval = time.Second
)

// maxPoll is the longest a waiting request sleeps before it asks Redis again: what another
// process learns (an earlier reset, a fresh state after Redis restarted) reaches it soon.
const maxPoll = 500 * time.Millisecond

// probePoll is how often a request asks again while the family is probing: the first
// answer, in whichever process, tells the window.
const probePoll = 25 * time.Millisecond

// Options configures a Limiter. The zero value is usable.
type Options struct {
	// Prefix starts every key the Limiter writes; DefaultPrefix unless set.
	Prefix string
	// Rates are the budgets the families start from, until the server's headers tell
	// theirs (and the in-process fallback's); api.DefaultRates unless set. A family
	// missing from it starts from its default.
	Rates map[string]api.Rate
	// Timeout bounds each Redis call; DefaultTimeout unless set. Past it, the request is
	// paced in this process.
	Timeout time.Duration
	// ProbeInterval is how often Redis is checked while it is unreachable;
	// DefaultProbeInterval unless set.
	ProbeInterval time.Duration
	// Logger is told when Redis becomes unreachable (a warning, once per outage) and when
	// it is back; slog.Default() unless set.
	Logger *slog.Logger
	// OnWait, when set, is told when a request must wait for the rate limit, as
	// api.OnWait describes (family, how long, why).
	OnWait func(family string, d time.Duration, why string)
}

// Limiter is an api.Limiter whose budget lives in Redis. Make it with New; it is safe for
// concurrent use, and one Limiter may serve clients of several tokens.
type Limiter struct {
	rdb      Client
	prefix   string
	rates    map[string]api.Rate
	timeout  time.Duration
	probeInt time.Duration
	log      *slog.Logger
	onWait   func(string, time.Duration, string)
	fallback api.Limiter
	keys     sync.Map // key → *keyState

	mu       sync.Mutex
	down     bool
	downCtx  context.Context    // canceled when Redis is back
	back     context.CancelFunc // cancels downCtx
	closed   bool
	closeCtx context.Context
	closeFn  context.CancelFunc

	stats struct {
		granted, fallbackGranted, failures, outages atomic.Int64
		longestFailure, longestAnswer               atomic.Int64 // ns
	}
}

// New returns a Limiter on rdb, configured by opts. It does not contact Redis: a Redis that
// is down when the first request comes is a fallback like any other.
func New(rdb Client, opts Options) (*Limiter, error) {
	if rdb == nil {
		return nil, errors.New("redislimit: New: the Redis client is nil")
	}
	if opts.Timeout < 0 || opts.ProbeInterval < 0 {
		return nil, fmt.Errorf("redislimit: New: want a positive Timeout and ProbeInterval, got %v and %v", opts.Timeout, opts.ProbeInterval)
	}
	rates := api.DefaultRates()
	for name, r := range opts.Rates {
		rates[name] = r
	}
	fb, err := api.NewPacer(opts.Rates, opts.OnWait)
	if err != nil {
		return nil, fmt.Errorf("redislimit: New: Options.Rates: %w", err)
	}
	l := &Limiter{
		rdb: rdb, prefix: opts.Prefix, rates: rates, timeout: opts.Timeout, probeInt: opts.ProbeInterval,
		log: opts.Logger, onWait: opts.OnWait, fallback: fb,
	}
	if l.prefix == "" {
		l.prefix = DefaultPrefix
	}
	if l.timeout == 0 {
		l.timeout = DefaultTimeout
	}
	if l.probeInt == 0 {
		l.probeInt = DefaultProbeInterval
	}
	if l.log == nil {
		l.log = slog.Default()
	}
	l.closeCtx, l.closeFn = context.WithCancel(context.Background())
	return l, nil
}

// Close stops the background check of an unreachable Redis; the Limiter then paces in
// this process only while Redis stays unreachable. It does not close the Redis client.
func (l *Limiter) Close() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.closed = true
	l.closeFn()
	return nil
}

// Stats counts what a Limiter did.
type Stats struct {
	Granted         int64         // requests granted through Redis
	FallbackGranted int64         // requests granted in this process while Redis was unreachable
	Failures        int64         // Redis calls that failed or timed out
	Outages         int64         // times Redis became unreachable
	LongestFailure  time.Duration // the longest a failed Redis call held a request
	LongestAnswer   time.Duration // the longest a Redis call took that succeeded: a Timeout must be longer
	Reachable       bool          // whether Redis is in use now
}

// Stats returns what the Limiter did so far.
func (l *Limiter) Stats() Stats {
	l.mu.Lock()
	down := l.down
	l.mu.Unlock()
	return Stats{
		Granted:         l.stats.granted.Load(),
		FallbackGranted: l.stats.fallbackGranted.Load(),
		Failures:        l.stats.failures.Load(),
		Outages:         l.stats.outages.Load(),
		LongestFailure:  time.Duration(l.stats.longestFailure.Load()),
		LongestAnswer:   time.Duration(l.stats.longestAnswer.Load()),
		Reachable:       !down,
	}
}

// Acquire implements api.Limiter: it waits until the shared budget of req's family of
// req's account allows one more request.
func (l *Limiter) Acquire(ctx context.Context, req api.LimitRequest) (api.Permit, error) {
	if req.Key == "" {
		return nil, errors.New("redislimit: the request names no account (LimitRequest.Key, api.TokenKey of the token)")
	}
	family := req.Family
	rate, ok := l.rates[family]
	if !ok {
		family = api.FamilyOther
		rate = l.rates[family]
	}
	key := l.prefix + ":" + req.Key + ":" + family
	reported := false
	for {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		if downCtx := l.downSince(); downCtx != nil {
			p, err, retry := l.acquireHere(ctx, downCtx, req)
			if retry {
				continue // Redis is back
			}
			return p, err
		}
		// While Redis said the window is spent, the requests of this process wait here
		// instead of asking it again and again.
		ksv, _ := l.keys.LoadOrStore(key, new(keyState))
		ks := ksv.(*keyState)
		if wait := time.Until(time.UnixMilli(ks.spent.Load())); wait > 0 && wait <= req.MaxWait {
			if dl, ok := ctx.Deadline(); !ok || time.Until(dl) >= wait {
				if !sleep(ctx, min(wait, maxPoll)) {
					return nil, ctx.Err()
				}
				continue
			}
		}
		res, err := l.call(ctx, func(cctx context.Context) ([]int64, error) {
			sent := time.Now()
			v, err := acquireScript.Run(cctx, l.rdb, []string{key}, stateArgs(sent, rate, interval(rate))...).Int64Slice()
			if err == nil && len(v) == 4 {
				ks.clock.sample(sent, time.Now(), v[3])
			}
			return v, err
		})
		if err != nil {
			if ctx.Err() != nil {
				return nil, ctx.Err()
			}
			l.markDown(err)
			continue
		}
		if len(res) != 4 {
			l.markDown(fmt.Errorf("the acquire script answered %d values, want 4", len(res)))
			continue
		}
		if res[0] == 1 {
			l.stats.granted.Add(1)
			return &permit{l: l, key: key, ks: ks, rate: rate, epoch: res[1], counted: res[2]}, nil
		}
		wait, why := time.Duration(res[1])*time.Millisecond, res[2]
		if why == 2 {
			ks.spent.Store(time.Now().Add(wait).UnixMilli())
		}
		switch why {
		case 1:
			if wait > req.MaxWait {
				return nil, &api.Error{
					StatusCode: 429, Type: "RateLimitExceeded", RetryAfter: wait.Round(time.Second),
					Message: fmt.Sprintf("the %s rate limit is held for %v by a 429's Retry-After (shared through Redis), longer than the client waits (WithMaxRetryWait %v)", family, wait.Round(time.Millisecond), req.MaxWait),
				}
			}
		case 2:
			if wait > req.MaxWait {
				return nil, fmt.Errorf("the %s rate-limit window resets in %v, longer than the client waits (WithMaxRetryWait %v)", family, wait.Round(time.Millisecond), req.MaxWait)
			}
		default:
			if wait > req.MaxWait {
				return nil, fmt.Errorf("the %s requests are spaced %v apart, longer than the client waits (WithMaxRetryWait %v)", family, wait.Round(time.Millisecond), req.MaxWait)
			}
		}
		if dl, ok := ctx.Deadline(); ok && time.Until(dl) < wait {
			return nil, fmt.Errorf("waiting %v for the %s rate limit would pass the context's deadline: %w", wait.Round(time.Millisecond), family, context.DeadlineExceeded)
		}
		nap := min(wait, maxPoll)
		if why == 3 {
			nap = min(wait, probePoll)
		} else if !reported && l.onWait != nil {
			reported = true
			reason := "rate limit"
			if why == 1 {
				reason = "429 Retry-After"
			}
			l.onWait(family, wait, reason)
		}
		if !sleep(ctx, nap) {
			return nil, ctx.Err()
		}
	}
}

// sleep waits for d (at least a millisecond), and reports false when ctx ends first.
func sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(max(d, time.Millisecond))
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}

// acquireHere acquires from the in-process pacer while Redis is unreachable. A request still
// waiting when Redis is back gives up its place and asks Redis (retry true), so that no
// process spends a window's budget on its own once the processes share it again.
func (l *Limiter) acquireHere(ctx, downCtx context.Context, req api.LimitRequest) (_ api.Permit, _ error, retry bool) {
	fctx, cancel := context.WithCancel(ctx)
	defer cancel()
	stop := context.AfterFunc(downCtx, cancel)
	defer stop()
	p, err := l.fallback.Acquire(fctx, req)
	if err != nil && ctx.Err() == nil && downCtx.Err() != nil {
		return nil, nil, true
	}
	if err == nil {
		l.stats.fallbackGranted.Add(1)
	}
	return p, err, false
}

// call runs fn with Timeout, and returns when fn does or when Timeout has passed, whatever
// the Redis client does with a context's deadline. The caller's deadline does not shorten
// the call: a call cut short by the caller's context returns the context's error, and does
// not count as Redis failing.
func (l *Limiter) call(ctx context.Context, fn func(context.Context) ([]int64, error)) ([]int64, error) {
	cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), l.timeout)
	defer cancel()
	type result struct {
		v   []int64
		err error
	}
	done := make(chan result, 1)
	start := time.Now()
	go func() {
		v, err := fn(cctx)
		done <- result{v, err}
	}()
	var r result
	select {
	case r = <-done:
	case <-ctx.Done():
		return nil, ctx.Err()
	case <-cctx.Done():
		r.err = fmt.Errorf("no answer within %v (Options.Timeout): %w", l.timeout, cctx.Err())
	}
	longest := &l.stats.longestAnswer
	if r.err != nil {
		l.stats.failures.Add(1)
		longest = &l.stats.longestFailure
	}
	d := int64(time.Since(start))
	for {
		old := longest.Load()
		if d <= old || longest.CompareAndSwap(old, d) {
			break
		}
	}
	return r.v, r.err
}

// downSince returns a context that ends when Redis is back, while Redis is unreachable;
// nil while it is in use.
func (l *Limiter) downSince() context.Context {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.down {
		return l.downCtx
	}
	return nil
}

// markDown switches to in-process pacing after err, says so once, and starts checking
// Redis in the background.
func (l *Limiter) markDown(err error) {
	l.mu.Lock()
	if l.down {
		l.mu.Unlock()
		return
	}
	l.down = true
	l.downCtx, l.back = context.WithCancel(context.Background())
	closed := l.closed
	l.mu.Unlock()
	l.stats.outages.Add(1)
	l.log.Warn("redislimit: Redis is unreachable: pacing in this process only until it answers again", "err", err)
	if !closed {
		go l.probe()
	}
}

// probe checks Redis every ProbeInterval until it answers, then shares the budget again.
func (l *Limiter) probe() {
	t := time.NewTicker(l.probeInt)
	defer t.Stop()
	for {
		select {
		case <-l.closeCtx.Done():
			return
		case <-t.C:
		}
		_, err := l.call(l.closeCtx, func(cctx context.Context) ([]int64, error) {
			return nil, l.rdb.Ping(cctx).Err()
		})
		if err != nil {
			continue
		}
		l.mu.Lock()
		l.down = false
		l.back()
		l.mu.Unlock()
		l.log.Info("redislimit: Redis answers again: the rate budget is shared again")
		return
	}
}

// keyState is what a Limiter keeps of one state in Redis (one family of one account).
type keyState struct {
	spent atomic.Int64 // Unix ms until which Redis said the window is spent
	clock redisClock   // the offset of the clock of the Redis that holds it
}

// redisClock estimates how far the clock of a Redis (TIME, which the scripts return) is
// ahead of this process's, from the scripts' answers: Redis read its clock between the
// call's start and its answer, so the midpoint's offset errs by at most half the round
// trip. The estimate of the quickest round trip is kept, its error growing by a
// millisecond a second (clocks drift, or are stepped) until a quicker answer replaces it.
//
// A reset placed on Redis's clock as Redis's now plus the time to it from the process's now
// is late by however long the call took to reach Redis: on a loaded machine, more than the
// 500ms by which the release script tells one window's reset from another's (issue 23). The
// release script takes the earlier of the two, each the latest the reset may be: it errs
// by the lesser of that call's delay and the estimate's error.
type redisClock struct {
	mu     sync.Mutex
	known  bool
	offset int64     // ms: Redis's clock minus this process's
	errMs  int64     // ms: the bound of the estimate's error when it was made
	at     time.Time // when it was made
}

// sample takes the answer of a script call sent at sent, answered at received, that read
// Redis's clock at redisNow (Unix ms).
func (c *redisClock) sample(sent, received time.Time, redisNow int64) {
	rtt := received.Sub(sent)
	errMs := (rtt.Milliseconds()+1)/2 + 2 // + 2: TIME and UnixMilli are truncated to the ms
	offset := redisNow - sent.Add(rtt/2).UnixMilli()
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.known || errMs <= c.errMs+received.Sub(c.at).Milliseconds()/1000 {
		c.known, c.offset, c.errMs, c.at = true, offset, errMs, received
	}
}

// toRedis returns t on Redis's clock, in Unix ms, at the latest it may be: a reset placed
// early would end a window on Redis's clock before the server ends it, and grant the next
// window's budget to requests the server counts in this one; placed late by the error, a
// few ms, it only holds them that long. Before any answer (never for a permit's key: its
// acquire answered), the clocks are taken to agree.
func (c *redisClock) toRedis(t time.Time) int64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.known {
		return t.UnixMilli()
	}
	return t.UnixMilli() + c.offset + c.errMs + time.Since(c.at).Milliseconds()/1000
}

// permit is a request granted through Redis.
type permit struct {
	l        *Limiter
	key      string
	ks       *keyState
	rate     api.Rate
	epoch    int64
	counted  int64
	released atomic.Bool
}

// Release implements api.Permit: the answer's rate headers, its 429 and whether it was sent
// at all go to the shared state. While Redis is unreachable it is dropped: the state is
// learnt again from the next answers.
func (p *permit) Release(o api.Outcome) {
	if p.released.Swap(true) || p.l.downSince() != nil {
		return
	}
	var hasRate, limit, remaining, hasReset, limited, retryAfter int64
	var reset time.Time // on this machine's clock
	if o.Rate != nil {
		hasRate, limit, remaining = 1, int64(o.Rate.Limit), int64(o.Rate.Remaining)
		if !o.Rate.Reset.IsZero() {
			reset, hasReset = o.Rate.Reset.Add(-o.Skew), 1
		}
	}
	if o.Limited != nil {
		limited, retryAfter = 1, o.Limited.RetryAfter.Milliseconds()
	}
	_, err := p.l.call(context.Background(), func(cctx context.Context) ([]int64, error) {
		sent := time.Now()
		// The reset on Redis's clock, twice, each at the latest it may be (see redisClock):
		// by the measured offset, and as the time from now (+2ms: the two clocks' readings
		// are truncated to the ms), which the script adds to its TIME. The script takes the
		// earlier.
		var resetAt, resetIn int64
		if hasReset == 1 {
			resetAt, resetIn = p.ks.clock.toRedis(reset), reset.Sub(sent).Milliseconds()+2
		}
		args := append(stateArgs(sent, p.rate, 0)[:4], p.epoch, p.counted, b2i(o.Sent), b2i(o.Answered), hasRate, limit, remaining, resetAt, limited, retryAfter, hasReset, resetIn)
		redisNow, err := releaseScript.Run(cctx, p.l.rdb, []string{p.key}, args...).Int64()
		if err == nil {
			p.ks.clock.sample(sent, time.Now(), redisNow)
		}
		return nil, err
	})
	if err != nil {
		p.l.markDown(err)
	}
}

// stateArgs are the arguments every script takes first: now, the configured limit and
// window, the state's time to live, and the spacing interval.
func stateArgs(now time.Time, r api.Rate, iv time.Duration) []any {
	ttl := max(8*r.Window, 2*time.Minute)
	return []any{now.UnixMilli(), r.Limit, r.Window.Milliseconds(), ttl.Milliseconds(), max(iv.Milliseconds(), 1)}
}

// interval spaces requests at the configured rate, with a 2% margin, as the in-process
// pacer does before the server's headers are known.
func interval(r api.Rate) time.Duration {
	iv := r.Window / time.Duration(max(r.Limit, 1))
	return iv + iv/50
}

func b2i(b bool) int64 {
	if b {
		return 1
	}
	return 0
}
