package api

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"sync"
	"time"
)

// Limiter decides when a request may be sent, so that a program stays under the server's
// rate limit instead of learning it through 429s. The client asks it before every attempt
// (each retry included) and tells it what became of the attempt.
//
// The default, made by NewClient unless WithLimiter or WithoutPacing is given, is the
// in-process pacer of NewPacer: it paces the requests of one process. Several processes that
// share one token share one budget on the server; they need a Limiter whose state they all
// see, such as package api/redislimit's.
//
// A Limiter must be safe for concurrent use.
type Limiter interface {
	// Acquire blocks until a request may be sent, and returns the Permit the caller must
	// release once the request is over. It fails at once when the wait the server imposes
	// (a spent window, a 429's Retry-After) is longer than req.MaxWait, or when the wait
	// would outlast ctx's deadline (the error then wraps context.DeadlineExceeded); it
	// fails with ctx's error when ctx ends first. An error that is an *Error (a 429 the
	// limiter remembers) is returned to the caller as it is.
	Acquire(ctx context.Context, req LimitRequest) (Permit, error)
}

// LimitRequest is what the client asks a Limiter for: one request of an endpoint family on
// an account.
type LimitRequest struct {
	// Key names the account whose budget the request spends: TokenKey of the client's
	// token, never the token itself. A limiter shared by clients of several tokens keeps
	// their budgets apart by it.
	Key string
	// Family is the request's endpoint family: FamilySquids, FamilyTasks,
	// FamilyRuntasks, FamilyRuns, FamilyResults or FamilyOther.
	Family string
	// MaxWait is the longest the caller waits on the server's word (WithMaxRetryWait).
	MaxWait time.Duration
}

// Permit is one granted request.
type Permit interface {
	// Release ends the request with what became of it; call it exactly once.
	Release(Outcome)
}

// Outcome is what became of a granted request, as a Limiter needs to know it.
type Outcome struct {
	// Sent: the request left, so the server may have counted it. A request given up before
	// it was sent (its context ended) spent nothing.
	Sent bool
	// Answered: an HTTP answer came back, whatever its status.
	Answered bool
	// Rate holds the answer's X-RateLimit-Limit, -Remaining and -Reset (Reset zero when it
	// was not sent); nil when the answer had none, or there was no answer.
	Rate *RateLimit
	// Skew is how far the server's clock (its Date header) is ahead of this machine's,
	// when it is more than 2s off; 0 otherwise. Rate.Reset is on the server's clock:
	// Rate.Reset.Add(-Skew) is when the window resets on this machine's.
	Skew time.Duration
	// Limited is the answer when it was a 429, nil otherwise. Its RetryAfter is the
	// server's Retry-After (0 when absent, or over an hour and so not believed).
	Limited *Error
}

// TokenKey returns the key a Limiter knows an account by: the first 16 bytes of the token's
// SHA-256, in hex. It identifies the token without revealing it, so it may be stored (in a
// shared store) and logged.
func TokenKey(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:16])
}

// Rate is a budget: Limit requests per Window.
type Rate struct {
	Limit  int
	Window time.Duration
}

// DefaultRates returns the documented limits each endpoint family starts from (squids 120
// a minute, tasks 90, runtasks 90, runs 120, results 2 a second), and 60 a minute for the
// other endpoints: a new map on each call, keyed by family.
func DefaultRates() map[string]Rate {
	m := make(map[string]Rate)
	for name, r := range defaultRates() {
		m[name] = Rate{r.limit, r.window}
	}
	return m
}

// NewPacer returns the in-process Limiter, the one a Client uses by default: each endpoint
// family of each account (LimitRequest.Key) is paced on its own, starting from rates (nil
// for DefaultRates; a family missing from it starts from its default) and then following
// the server's X-RateLimit-* headers, as WithRateLimit describes. onWait, when not nil,
// is told of every hold as OnWait describes. It paces the requests of this process only:
// package api/redislimit shares one budget between processes, and uses this pacer when
// its store cannot be reached.
func NewPacer(rates map[string]Rate, onWait func(family string, d time.Duration, why string)) (Limiter, error) {
	specs := defaultRates()
	for name, r := range rates {
		if _, ok := specs[name]; !ok {
			return nil, fmt.Errorf("api: NewPacer: unknown endpoint family %q; want squids, tasks, runtasks, runs, results or other", name)
		}
		if r.Limit <= 0 || r.Window <= 0 {
			return nil, fmt.Errorf("api: NewPacer: want a positive limit and window for %s, got %d per %v", name, r.Limit, r.Window)
		}
		specs[name] = rateSpec{r.Limit, r.Window}
	}
	return &keyedPacer{rates: specs, onWait: onWait, byKey: map[string]*pacer{}}, nil
}

// keyedPacer is NewPacer's limiter: one pacer per account key.
type keyedPacer struct {
	rates  map[string]rateSpec
	onWait func(string, time.Duration, string)

	mu    sync.Mutex
	byKey map[string]*pacer
}

// Acquire implements Limiter.
func (k *keyedPacer) Acquire(ctx context.Context, req LimitRequest) (Permit, error) {
	k.mu.Lock()
	p := k.byKey[req.Key]
	if p == nil {
		p = newPacer(k.rates, k.onWait)
		k.byKey[req.Key] = p
	}
	k.mu.Unlock()
	return p.Acquire(ctx, req)
}
