package redislimit_test

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/lobstr-go/lobstr/api"
	"github.com/lobstr-go/lobstr/api/apitest"
	"github.com/lobstr-go/lobstr/api/redislimit"
)

// statusFake is a fake that enforces limit requests per window with honest headers and
// counts its answers by status.
type statusFake struct {
	URL string
	mu  sync.Mutex
	n   map[int]int
}

func newStatusFake(t *testing.T, token string, limit int, window time.Duration) *statusFake {
	t.Helper()
	fake := apitest.New(apitest.WithToken(token))
	fake.EnforceRateLimit(limit, window)
	sf := &statusFake{n: map[int]int{}}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rec := &statusRecorder{ResponseWriter: w, status: http.StatusOK}
		fake.ServeHTTP(rec, r)
		sf.mu.Lock()
		sf.n[rec.status]++
		sf.mu.Unlock()
	}))
	t.Cleanup(srv.Close)
	sf.URL = srv.URL + "/v1"
	return sf
}

func (f *statusFake) count(status int) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.n[status]
}

// Issue 20, item 7: a state in Redis that is not a sane one (another program's string under
// the key, NaN or infinite numbers, a budget of a billion in a window that ends in eleven
// days, a spacing time ten minutes ahead as a process with a fast clock leaves it) was kept:
// WRONGTYPE made every call fail (an outage a second, the state never repaired), the others
// caused 429s or held every process past WithMaxRetryWait. The scripts now reset such a
// state: each case sends 12 requests to a fake allowing 4 per 2s, and sees no 429, no Redis
// failure, every request granted, and a sane hash with a time to live left under the key.
// (A stray 429 seen under load was a Release that reached Redis late: issue 23, see
// TestLateReleaseKeepsTheWindow.)
func TestCorruptStateIsReset(t *testing.T) {
	const token = "4d2b8f6a1c3e5d7f9b0a2c4e6f8d1b3a5c7e9f0d"
	const requests, limit, window = 12, 4, 2 * time.Second
	rs := startRedis(t)
	rdb := rs.client()
	ms := func(d time.Duration) string { return strconv.FormatInt(time.Now().Add(d).UnixMilli(), 10) }
	cases := []struct {
		name    string
		corrupt func(ctx context.Context, key string) error
	}{
		{"WRONGTYPE string", func(ctx context.Context, key string) error {
			return rdb.Set(ctx, key, "not a hash", 0).Err()
		}},
		{"WRONGTYPE list", func(ctx context.Context, key string) error {
			rdb.Del(ctx, key)
			return rdb.RPush(ctx, key, "a", "b").Err()
		}},
		{"end=nan bud=inf", func(ctx context.Context, key string) error {
			return rdb.HSet(ctx, key, "kn", "1", "end", "nan", "bud", "inf", "used", "0").Err()
		}},
		{"bud=1e9, end in 11 days", func(ctx context.Context, key string) error {
			return rdb.HSet(ctx, key, "kn", "1", "cf", "1", "end", ms(1e9*time.Millisecond), "bud", "1e9", "used", "0", "lim", "1e9").Err()
		}},
		{"nx 10 minutes ahead (a fast clock)", func(ctx context.Context, key string) error {
			return rdb.HSet(ctx, key, "kn", "0", "hl", "1", "pc", "1", "nx", ms(10*time.Minute)).Err()
		}},
		{"until=inf, win=-5, lim=abc", func(ctx context.Context, key string) error {
			return rdb.HSet(ctx, key, "until", "inf", "win", "-5", "lim", "abc").Err()
		}},
	}
	// The cases run side by side, each under its own prefix (its own key) in the one Redis,
	// each with its own fake: each waits mostly for its fake's windows. (Not t.Parallel:
	// -parallel, GOMAXPROCS by default, would run two at a time on a 2-core machine.)
	var wg sync.WaitGroup
	defer wg.Wait()
	for i, tc := range cases {
		wg.Go(func() {
			t.Run(tc.name, func(t *testing.T) {
				prefix := fmt.Sprintf("corrupt%d", i)
				key := prefix + ":" + api.TokenKey(token) + ":" + api.FamilyTasks
				corrupt := tc.corrupt
				name := tc.name
				fake := newStatusFake(t, token, limit, window)
				logs := &logCounter{}
				lim, err := redislimit.New(rdb, redislimit.Options{Prefix: prefix, Timeout: 2 * time.Second, Logger: slog.New(logs)})
				if err != nil {
					t.Fatal(err)
				}
				defer lim.Close()
				c, err := api.NewClient(api.WithToken(token), api.WithBaseURL(fake.URL), api.WithLimiter(lim),
					api.WithMaxRetries(0), api.WithMaxRetryWait(3*time.Second))
				if err != nil {
					t.Fatal(err)
				}
				// A first request makes the state; then it is corrupted.
				if _, err := c.Tasks.Get(t.Context(), apitest.SeedTaskHash); err != nil {
					t.Fatal(err)
				}
				if err := corrupt(t.Context(), key); err != nil {
					t.Fatal(err)
				}
				var failed []string
				for i := range requests - 1 {
					ctx, cancel := context.WithTimeout(t.Context(), 15*time.Second)
					_, err := c.Tasks.Get(ctx, apitest.SeedTaskHash)
					cancel()
					if err != nil {
						failed = append(failed, fmt.Sprintf("request %d: %v", i+2, err))
						if len(failed) == 3 {
							break // enough to tell; a wait to the context's end each is slow
						}
					}
				}
				st := lim.Stats()
				n429 := fake.count(http.StatusTooManyRequests)
				t.Logf("%s: %d × 429, %d × 200, %d failed, Redis failures %d, outages %d", name, n429, fake.count(http.StatusOK), len(failed), st.Failures, st.Outages)
				if n429 != 0 || len(failed) != 0 || st.Failures != 0 || st.Outages != 0 || st.FallbackGranted != 0 {
					t.Errorf("%d × 429, failures %v, stats %+v; want every request granted through Redis, no 429", n429, failed, st)
				}
				if typ := rdb.Type(t.Context(), key).Val(); typ != "hash" {
					t.Errorf("the key holds a %s; want a hash", typ)
				}
				if ttl := rdb.PTTL(t.Context(), key).Val(); ttl <= 0 {
					t.Errorf("the key's time to live: %v; want one", ttl)
				}
				h := rdb.HGetAll(t.Context(), key).Val()
				for _, f := range []string{"end", "bud", "nx", "until", "lim", "win"} {
					if v, err := strconv.ParseFloat(h[f], 64); err != nil || v != v || v > 1e14 || v < 0 {
						t.Errorf("after the run, %s = %q", f, h[f])
					}
				}
			})
		})
	}
}

// Issue 20, item 7: a request never waits past its MaxWait (WithMaxRetryWait), whatever the
// reason: spacing at a configured rate of 1 per 10 minutes, with answers that carry no rate
// headers, refuses the second request at once instead of polling until the context ends.
func TestSpacingWaitBoundedByMaxWait(t *testing.T) {
	rs := startRedis(t)
	l := newLimiter(t, rs, redislimit.Options{Rates: map[string]api.Rate{api.FamilyTasks: {Limit: 1, Window: 10 * time.Minute}}})
	p := mustAcquire(t, l, tasksReq(time.Second))
	p.Release(api.Outcome{Sent: true, Answered: true}) // no rate headers: spaced at the configured rate
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	_, err := l.Acquire(ctx, tasksReq(time.Second))
	if err == nil || ctx.Err() != nil || !strings.Contains(err.Error(), "WithMaxRetryWait") {
		t.Fatalf("a request spaced 10 minutes after the last, MaxWait 1s: %v (context: %v); want a refusal naming WithMaxRetryWait", err, ctx.Err())
	}
}
