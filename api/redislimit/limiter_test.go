package redislimit_test

import (
	"context"
	"errors"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/lobstr-go/lobstr/api"
	"github.com/lobstr-go/lobstr/api/redislimit"
)

// logCounter is a slog.Handler that counts the records by level.
type logCounter struct {
	mu    sync.Mutex
	warns []string
	infos []string
}

func (h *logCounter) Enabled(context.Context, slog.Level) bool { return true }
func (h *logCounter) WithAttrs([]slog.Attr) slog.Handler       { return h }
func (h *logCounter) WithGroup(string) slog.Handler            { return h }
func (h *logCounter) Handle(_ context.Context, r slog.Record) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	msg := r.Message
	r.Attrs(func(a slog.Attr) bool { msg += " " + a.String(); return true })
	if r.Level >= slog.LevelWarn {
		h.warns = append(h.warns, msg)
	} else {
		h.infos = append(h.infos, msg)
	}
	return nil
}

func (h *logCounter) counts() (warns, infos int) {
	h.mu.Lock()
	defer h.mu.Unlock()
	return len(h.warns), len(h.infos)
}

const testToken = "7c4e1b9a2f6d8e0c3a5b7d9f1e3c5a7b9d0f2e4c"

func newLimiter(t *testing.T, rs *redisServer, opts redislimit.Options) *redislimit.Limiter {
	t.Helper()
	l, err := redislimit.New(rs.client(), opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	return l
}

func tasksReq(maxWait time.Duration) api.LimitRequest {
	return api.LimitRequest{Key: api.TokenKey(testToken), Family: api.FamilyTasks, MaxWait: maxWait}
}

func answered(limit, remaining int, reset time.Time) api.Outcome {
	return api.Outcome{Sent: true, Answered: true, Rate: &api.RateLimit{Limit: limit, Remaining: remaining, Reset: reset}}
}

func mustAcquire(t *testing.T, l api.Limiter, req api.LimitRequest) api.Permit {
	t.Helper()
	p, err := l.Acquire(t.Context(), req)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// What one process learns from an answer, another uses: two Limiters (as two processes) on
// one Redis share the window an answer told, grant its budget once, and hold the rest until
// its reset.
func TestLimitersShareWhatTheyLearn(t *testing.T) {
	rs := startRedis(t)
	a := newLimiter(t, rs, redislimit.Options{})
	b := newLimiter(t, rs, redislimit.Options{})
	reset := time.Now().Add(2500 * time.Millisecond).Truncate(time.Second)
	if time.Until(reset) < time.Second {
		reset = reset.Add(time.Second)
	}
	// The first request probes; its answer says 3 a window, 2 left.
	p := mustAcquire(t, a, tasksReq(time.Minute))
	p.Release(answered(3, 2, reset))
	// Two more, one in each process: the window's budget is spent.
	pa := mustAcquire(t, a, tasksReq(time.Minute))
	pb := mustAcquire(t, b, tasksReq(time.Minute))
	if _, err := b.Acquire(t.Context(), tasksReq(100*time.Millisecond)); err == nil || !strings.Contains(err.Error(), "window resets in") {
		t.Fatalf("a fourth request in a window of 3, MaxWait 100ms: %v", err)
	}
	short, cancel := context.WithTimeout(t.Context(), 200*time.Millisecond)
	defer cancel()
	if _, err := a.Acquire(short, tasksReq(time.Minute)); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("a wait past the context's deadline: %v", err)
	}
	pa.Release(answered(3, 1, reset))
	pb.Release(answered(3, 0, reset))
	// The next request of either process waits for the reset the first answer told.
	p = mustAcquire(t, b, tasksReq(time.Minute))
	if now := time.Now(); now.Before(reset) {
		t.Fatalf("granted at %v, before the window's reset at %v", now.Format(time.StampMilli), reset.Format(time.StampMilli))
	}
	p.Release(answered(3, 2, reset.Add(time.Second)))
	if s := a.Stats(); s.Granted != 2 || s.FallbackGranted != 0 || s.Failures != 0 || !s.Reachable {
		t.Fatalf("stats of a: %+v", s)
	}
}

// A 429's Retry-After holds every process: one told of it refuses at once a request that
// would wait longer than its MaxWait, with the 429 as an *api.Error.
func TestRetryAfterHoldsEveryProcess(t *testing.T) {
	rs := startRedis(t)
	a := newLimiter(t, rs, redislimit.Options{})
	b := newLimiter(t, rs, redislimit.Options{})
	p := mustAcquire(t, a, tasksReq(time.Minute))
	p.Release(api.Outcome{Sent: true, Answered: true, Limited: &api.Error{StatusCode: 429, Message: "slow down", RetryAfter: 30 * time.Second}})
	_, err := b.Acquire(t.Context(), tasksReq(time.Second))
	var e *api.Error
	if !errors.As(err, &e) || !api.IsRateLimited(err) || e.RetryAfter < 29*time.Second || e.RetryAfter > 30*time.Second {
		t.Fatalf("a request during another process's 429 hold: %v", err)
	}
}

// A request that was never sent gives its place back.
func TestUnsentRequestGivesBudgetBack(t *testing.T) {
	rs := startRedis(t)
	l := newLimiter(t, rs, redislimit.Options{})
	reset := time.Now().Add(time.Minute).Truncate(time.Second)
	p := mustAcquire(t, l, tasksReq(time.Minute))
	p.Release(answered(2, 1, reset))
	p = mustAcquire(t, l, tasksReq(time.Second)) // the last of the window
	p.Release(api.Outcome{})                     // given up before it was sent
	p = mustAcquire(t, l, tasksReq(time.Second)) // so this one may go
	if _, err := l.Acquire(t.Context(), tasksReq(time.Second)); err == nil {
		t.Fatal("a third request in a window of 2 was granted")
	}
	p.Release(answered(2, 0, reset))
}

// The state is kept under the prefix, a hash of the token and the family: never the token.
func TestKeysHoldAHashOfTheToken(t *testing.T) {
	rs := startRedis(t)
	l := newLimiter(t, rs, redislimit.Options{Prefix: "test"})
	for _, fam := range []string{api.FamilyTasks, api.FamilyRuns, "no-such-family"} {
		req := tasksReq(time.Minute)
		req.Family = fam
		mustAcquire(t, l, req).Release(answered(90, 89, time.Now().Add(time.Minute)))
	}
	keys, err := rs.client().Keys(t.Context(), "*").Result()
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]bool{"test:" + api.TokenKey(testToken) + ":tasks": true, "test:" + api.TokenKey(testToken) + ":runs": true, "test:" + api.TokenKey(testToken) + ":other": true}
	if len(keys) != len(want) {
		t.Fatalf("keys %q, want %d", keys, len(want))
	}
	for _, k := range keys {
		if !want[k] || strings.Contains(k, testToken) || strings.Contains(k, testToken[:10]) {
			t.Errorf("unexpected key %q", k)
		}
		if ttl := rs.client().PTTL(t.Context(), k).Val(); ttl <= 0 {
			t.Errorf("key %q has no time to live (%v)", k, ttl)
		}
	}
	if _, err := l.Acquire(t.Context(), api.LimitRequest{Family: api.FamilyTasks}); err == nil || !strings.Contains(err.Error(), "Key") {
		t.Errorf("a request without a key: %v", err)
	}
}

func TestNewRefusesBadOptions(t *testing.T) {
	if _, err := redislimit.New(nil, redislimit.Options{}); err == nil || !strings.Contains(err.Error(), "nil") {
		t.Errorf("nil client: %v", err)
	}
	rs := startRedis(t)
	if _, err := redislimit.New(rs.client(), redislimit.Options{Timeout: -time.Second}); err == nil || !strings.Contains(err.Error(), "Timeout") {
		t.Errorf("negative timeout: %v", err)
	}
	if _, err := redislimit.New(rs.client(), redislimit.Options{Rates: map[string]api.Rate{"nope": {Limit: 1, Window: time.Second}}}); err == nil || !strings.Contains(err.Error(), `"nope"`) {
		t.Errorf("unknown family: %v", err)
	}
}

// A Redis that stops answering (frozen: its port open, nothing answered) holds a request no
// longer than Options.Timeout: the request is paced in this process, the outage is logged
// once, and the budget is shared again once Redis answers.
func TestFrozenRedisFallsBackWithinTheTimeout(t *testing.T) {
	rs := startRedis(t)
	logs := &logCounter{}
	const timeout = 100 * time.Millisecond
	l := newLimiter(t, rs, redislimit.Options{Timeout: timeout, ProbeInterval: 50 * time.Millisecond, Logger: slog.New(logs)})
	mustAcquire(t, l, tasksReq(time.Minute)).Release(answered(90, 89, time.Now().Add(time.Minute)))

	rs.freeze()
	var longest time.Duration
	for i := range 5 {
		start := time.Now()
		p, err := l.Acquire(t.Context(), tasksReq(time.Minute))
		if err != nil {
			t.Fatalf("request %d with Redis frozen: %v", i, err)
		}
		longest = max(longest, time.Since(start))
		p.Release(answered(90, 88-i, time.Now().Add(time.Minute)))
	}
	s := l.Stats()
	t.Logf("Redis frozen: 5 requests granted in-process, the longest acquire %v, a failed Redis call held a request at most %v (timeout %v)", longest, s.LongestFailure, timeout)
	if s.Reachable || s.Outages != 1 || s.FallbackGranted != 5 || s.Failures < 1 {
		t.Fatalf("stats with Redis frozen: %+v", s)
	}
	// Generous bounds, ten times the timeout, still far below the Redis client's own
	// timeouts (3s reads, 5s dials).
	if s.LongestFailure > 10*timeout || longest > 10*timeout {
		t.Fatalf("a frozen Redis held a request %v (acquire %v); the timeout is %v", s.LongestFailure, longest, timeout)
	}
	if w, i := logs.counts(); w != 1 || i != 0 {
		t.Fatalf("while Redis is frozen: %d warnings, %d infos; want 1 and 0: %q", w, i, logs.warns)
	}
	if strings.Contains(strings.Join(logs.warns, ""), testToken) {
		t.Fatal("the warning holds the token")
	}

	rs.thaw()
	deadline := time.Now().Add(10 * time.Second)
	for !l.Stats().Reachable {
		if time.Now().After(deadline) {
			t.Fatal("Redis answers again, but the limiter did not go back to it in 10s")
		}
		time.Sleep(20 * time.Millisecond)
	}
	granted := l.Stats().Granted
	mustAcquire(t, l, tasksReq(time.Minute)).Release(answered(90, 80, time.Now().Add(time.Minute)))
	if s := l.Stats(); s.Granted != granted+1 || s.FallbackGranted != 5 {
		t.Fatalf("after Redis is back, the request did not go through it: %+v", s)
	}
	if w, i := logs.counts(); w != 1 || i != 1 {
		t.Fatalf("after the outage: %d warnings, %d infos; want 1 and 1", w, i)
	}
}
