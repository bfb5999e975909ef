package api

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"
)

func TestFamilyOf(t *testing.T) {
	for rel, want := range map[string]string{
		"tasks":                  "tasks",
		"/tasks":                 "tasks",
		"tasks/" + seedHash:      "tasks",
		"tasks/upload/abc":       "tasks",
		"squids":                 "squids",
		"squids/x/empty":         "squids",
		"runtasks":               "runtasks",
		"runs":                   "runs",
		"runs/r1/stats":          "runs",
		"results":                "results",
		"squid/estimate":         "other",
		"me":                     "other",
		"":                       "other",
		"tasksx":                 "other",
		"TASKS":                  "other",
		"accounts/cookies":       "other",
		"delivery/test-webhook/": "other",
	} {
		if got := familyOf(rel); got != want {
			t.Errorf("familyOf(%q) = %q, want %q", rel, got, want)
		}
	}
	// The client takes the family from the path after its base URL's version path.
	c, err := NewClient(WithToken("t"), WithBaseURL("https://proxy.example.test/lobstr/v1"))
	if err != nil {
		t.Fatal(err)
	}
	if got := familyOf(strings.TrimPrefix("/lobstr/v1/runs/r1", c.basePath)); got != "runs" {
		t.Errorf("behind a proxy path: %q", got)
	}
}

// testFamily is a family starting from limit per window.
func testFamily(limit int, window time.Duration) *family {
	return newFamily("tasks", rateSpec{limit, window})
}

// answer is an outcome with rate headers.
func answer(limit, remaining int, reset time.Time) Outcome {
	return Outcome{Sent: true, Answered: true, Rate: &RateLimit{Limit: limit, Remaining: remaining, Reset: reset}}
}

// acquireWithin acquires from f in a goroutine and reports on the channel when it is granted.
func acquireAsync(ctx context.Context, f *family, maxWait time.Duration) <-chan Permit {
	ch := make(chan Permit, 1)
	go func() {
		p, err := f.acquire(ctx, maxWait, nil)
		if err != nil {
			close(ch)
			return
		}
		ch <- p
	}()
	return ch
}

// A family probes with one request until an answer tells the budget, then spends it at once
// and queues the rest for the window's reset. The pacer tests run in a synctest bubble: the
// pacer's timers and time.Now are the bubble's clock, which moves only when every goroutine
// waits, so each "at once" and "at the reset" is what the pacer decided, exactly, on a
// loaded machine as on an idle one.
func TestPacerProbesThenFollowsTheWindow(t *testing.T) {
	synctest.Test(t, pacerProbesThenFollowsTheWindow)
}

func pacerProbesThenFollowsTheWindow(t *testing.T) {
	ctx := t.Context()
	f := testFamily(90, time.Minute) // the configured pace: one every 680ms
	first, err := f.acquire(ctx, time.Minute, nil)
	if err != nil {
		t.Fatal(err)
	}
	// Before any answer, a second request waits for the first one's answer.
	second := acquireAsync(ctx, f, time.Minute)
	select {
	case <-second:
		t.Fatal("a second request went before the first answer told the budget")
	case <-time.After(100 * time.Millisecond):
	}
	// The answer: 5 per window, 4 left, the window resets in about a second.
	reset := time.Now().Add(time.Second).Truncate(time.Second).Add(time.Second)
	first.Release(answer(5, 4, reset))
	var held []Permit
	select {
	case p := <-second:
		held = append(held, p)
	case <-time.After(time.Second):
		t.Fatal("the answer did not release the waiting request")
	}
	for range 3 { // the rest of the budget goes at once
		start := time.Now()
		p, err := f.acquire(ctx, time.Minute, nil)
		if err != nil || time.Since(start) > 100*time.Millisecond {
			t.Fatalf("a request within the budget: %v after %v", err, time.Since(start))
		}
		held = append(held, p)
	}
	// The window is spent: 5 queued requests all go at its reset, not spaced at the
	// configured pace.
	var wg sync.WaitGroup
	var at [5]time.Time
	for i := range at {
		wg.Go(func() {
			p, err := f.acquire(ctx, time.Minute, nil)
			if err != nil {
				t.Error(err)
				return
			}
			at[i] = time.Now()
			p.Release(answer(5, 4, reset.Add(time.Second)))
		})
	}
	for _, p := range held {
		p.Release(answer(5, 0, reset))
	}
	wg.Wait()
	for i, a := range at {
		if a.Before(reset) || a.After(reset.Add(500*time.Millisecond)) {
			t.Errorf("queued request %d went %v after the reset; want at the reset", i, a.Sub(reset))
		}
	}
	// Two resets a second apart taught the window's length.
	f.mu.Lock()
	window, learnt, end := f.window, f.learnt, f.end
	f.mu.Unlock()
	if window != time.Second || !learnt || !end.Equal(reset.Add(time.Second)) {
		t.Fatalf("window %v (learnt %v), end %v; want 1s, learnt, %v", window, learnt, end, reset.Add(time.Second))
	}
}

// Without rate headers, a family spaces its requests at the configured pace (in a bubble).
func TestPacerSpacesWithoutHeaders(t *testing.T) { synctest.Test(t, pacerSpacesWithoutHeaders) }

func pacerSpacesWithoutHeaders(t *testing.T) {
	f := testFamily(10, time.Second) // one every 102ms
	start := time.Now()
	for range 4 {
		p, err := f.acquire(t.Context(), time.Minute, nil)
		if err != nil {
			t.Fatal(err)
		}
		p.Release(Outcome{Sent: true, Answered: true}) // no rate headers
	}
	if d := time.Since(start); d < 300*time.Millisecond {
		t.Fatalf("4 requests at 10/s without rate headers took %v; want at least 300ms", d)
	}
}

// A 429's Retry-After holds a family: past the caller's wait it is returned at once, a short
// one is waited out, an absurd one holds nothing (in a bubble).
func TestPacerHolds(t *testing.T) { synctest.Test(t, pacerHolds) }

func pacerHolds(t *testing.T) {
	ctx := t.Context()
	limited := func(ra time.Duration) Outcome {
		return Outcome{Sent: true, Answered: true, Limited: &Error{StatusCode: 429, Message: "slow", RetryAfter: ra}}
	}
	// A hold longer than the caller waits returns the 429 at once, RetryAfter what is left.
	f := testFamily(10, time.Second)
	p, _ := f.acquire(ctx, time.Minute, nil)
	p.Release(limited(time.Hour))
	start := time.Now()
	_, err := f.acquire(ctx, time.Minute, nil)
	var got *Error
	if !errors.As(err, &got) || got.RetryAfter < 59*time.Minute || time.Since(start) > 100*time.Millisecond {
		t.Fatalf("held pacer: %v after %v", err, time.Since(start))
	}
	// A short hold is waited out, and reported.
	f = testFamily(1000, time.Second)
	p, _ = f.acquire(ctx, time.Minute, nil)
	p.Release(limited(300 * time.Millisecond))
	var reported time.Duration
	var why string
	start = time.Now()
	p, err = f.acquire(ctx, time.Minute, func(family string, d time.Duration, w string) { reported, why = d, w })
	if err != nil || time.Since(start) < 250*time.Millisecond {
		t.Fatalf("a 300ms Retry-After: %v after %v", err, time.Since(start))
	}
	p.Release(Outcome{})
	if reported < 200*time.Millisecond || reported > 300*time.Millisecond || why != "429 Retry-After" {
		t.Fatalf("OnWait told %v %q; want about 300ms, 429 Retry-After", reported, why)
	}
	// An absurd Retry-After holds nothing.
	for _, ra := range []time.Duration{time.Hour + time.Second, 1e9 * time.Second} {
		f = testFamily(1000, time.Second)
		p, _ = f.acquire(ctx, time.Minute, nil)
		p.Release(limited(ra))
		start = time.Now()
		if p, err = f.acquire(ctx, time.Minute, nil); err != nil || time.Since(start) > 100*time.Millisecond {
			t.Fatalf("after Retry-After %v: %v after %v; want no hold", ra, err, time.Since(start))
		}
		p.Release(Outcome{})
	}
	// A wait past the context's deadline is refused at once.
	f = testFamily(1000, time.Second)
	p, _ = f.acquire(ctx, time.Minute, nil)
	p.Release(answer(90, 0, time.Now().Add(3*time.Second)))
	short, cancel := context.WithTimeout(ctx, 100*time.Millisecond)
	defer cancel()
	start = time.Now()
	if _, err := f.acquire(short, time.Minute, nil); !errors.Is(err, context.DeadlineExceeded) || time.Since(start) > 50*time.Millisecond {
		t.Fatalf("acquire past the deadline: %v after %v", err, time.Since(start))
	}
	// A request that gives up while queued leaves the queue; the next one is not held by it.
	gone, cancelGone := context.WithCancel(ctx)
	ch := acquireAsync(gone, f, time.Minute)
	time.Sleep(20 * time.Millisecond)
	cancelGone()
	if _, ok := <-ch; ok {
		t.Fatal("a cancelled request was granted")
	}
	f.mu.Lock()
	queued := len(f.queue)
	f.mu.Unlock()
	if queued != 0 {
		t.Fatalf("%d requests still queued after the only one gave up", queued)
	}
}

// The reset a server sends is believed only within a few windows (never past an hour), and
// the wait for a believed reset is bounded by the client's maximum wait (in a bubble).
func TestPacerResetBounds(t *testing.T) { synctest.Test(t, pacerResetBounds) }

func pacerResetBounds(t *testing.T) {
	ctx := t.Context()
	now := time.Now()
	for name, reset := range map[string]time.Time{
		"ten years ahead":                     now.AddDate(10, 0, 0),
		"in milliseconds":                     time.Unix(now.UnixMilli(), 0),
		"two hours ahead":                     now.Add(2 * time.Hour),
		"a minute window, five minutes ahead": now.Add(5 * time.Minute),
	} {
		f := testFamily(90, time.Minute)
		p, _ := f.acquire(ctx, time.Minute, nil)
		p.Release(answer(90, 0, reset))
		start := time.Now()
		p, err := f.acquire(ctx, 2*time.Second, nil)
		if err != nil || time.Since(start) > 100*time.Millisecond {
			t.Fatalf("%s: %v after %v; want the reset not believed", name, err, time.Since(start))
		}
		p.Release(Outcome{})
	}
	// Believable (three minutes, windows of a minute) but longer than the client waits.
	f := testFamily(90, time.Minute)
	p, _ := f.acquire(ctx, time.Minute, nil)
	p.Release(answer(90, 0, now.Add(3*time.Minute)))
	start := time.Now()
	_, err := f.acquire(ctx, 2*time.Second, nil)
	if err == nil || !strings.Contains(err.Error(), "WithMaxRetryWait") || time.Since(start) > 100*time.Millisecond {
		t.Fatalf("a reset beyond the maximum wait: %v after %v", err, time.Since(start))
	}
	// A server clock an hour ahead (its Date says so): its reset, a second after its now, is a
	// second away.
	f = testFamily(90, time.Minute)
	p, _ = f.acquire(ctx, time.Minute, nil)
	h := http.Header{"Date": {time.Now().Add(time.Hour).UTC().Format(http.TimeFormat)}}
	o := answer(90, 0, time.Now().Add(time.Hour+1500*time.Millisecond).Truncate(time.Second))
	o.Skew = serverSkew(h, time.Now(), time.Now())
	p.Release(o)
	start = time.Now()
	if p, err = f.acquire(ctx, 5*time.Second, nil); err != nil || time.Since(start) < 100*time.Millisecond || time.Since(start) > 3*time.Second {
		t.Fatalf("skewed clock: %v after %v; want the reset about a second away", err, time.Since(start))
	}
	p.Release(Outcome{})
	if s := serverSkew(http.Header{"Date": {time.Now().UTC().Format(http.TimeFormat)}}, time.Now(), time.Now()); s != 0 {
		t.Fatalf("a Date within a second is skew %v", s)
	}
	// An answer that took 10 s to come (a loaded machine): its Date is 10 s old, which is
	// latency, not a clock 10 s behind.
	sent := time.Now().Add(-10 * time.Second)
	if s := serverSkew(http.Header{"Date": {sent.UTC().Format(http.TimeFormat)}}, sent, time.Now()); s != 0 {
		t.Fatalf("a slow answer is skew %v; want 0", s)
	}
	// A Date before the request was sent is a clock behind.
	if s := serverSkew(http.Header{"Date": {time.Now().Add(-time.Hour).UTC().Format(http.TimeFormat)}}, time.Now(), time.Now()); s > -59*time.Minute {
		t.Fatalf("a Date an hour before the request is skew %v; want about -1h", s)
	}
}

// A client whose server sends a reset implausibly far ahead, or a reset it will not wait
// for, or an absurd Retry-After, answers within its maximum wait.
//
// Each case runs in a synctest bubble, its server in the process (inprocTransport): the
// pacer's and the backoff's waits are on the bubble's clock, so "within the maximum wait"
// measures what the client decided to wait, not how busy the machine was.
func TestFarFutureResetAndAbsurdRetryAfter(t *testing.T) {
	const maxWait = 2 * time.Second
	within := func(t *testing.T, what string, fn func() error) error {
		t.Helper()
		done := make(chan error, 1)
		start := time.Now()
		go func() { done <- fn() }()
		select {
		case err := <-done:
			if d := time.Since(start); d > maxWait {
				t.Fatalf("%s took %v; want within %v", what, d, maxWait)
			}
			return err
		case <-time.After(maxWait + 3*time.Second):
			t.Fatalf("%s still blocked after %v", what, maxWait+3*time.Second)
		}
		return nil
	}
	for name, reset := range map[string]func() string{
		"seconds, ten years ahead": func() string { return strconv.FormatInt(time.Now().AddDate(10, 0, 0).Unix(), 10) },
		"milliseconds":             func() string { return strconv.FormatInt(time.Now().UnixMilli(), 10) },
		"three minutes (believed)": func() string { return strconv.FormatInt(time.Now().Add(3*time.Minute).Unix(), 10) },
	} {
		t.Run("reset "+name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				var n atomic.Int32
				srv := inprocTransport{http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
					n.Add(1)
					w.Header().Set("X-RateLimit-Limit", "90")
					w.Header().Set("X-RateLimit-Remaining", "0")
					w.Header().Set("X-RateLimit-Reset", reset())
					w.Write(fixture(t, "get-task.200.json"))
				})}
				c, _ := NewClient(WithToken("t"), WithBaseURL(bubbleBase), WithHTTPClient(&http.Client{Transport: srv}), WithMaxRetryWait(maxWait))
				for i := range 3 {
					err := within(t, "Tasks.Get", func() error { _, err := c.Tasks.Get(t.Context(), seedHash); return err })
					switch {
					case i == 0 && err != nil:
						t.Fatal(err)
					case strings.HasPrefix(name, "three") && i > 0:
						if err == nil || !strings.Contains(err.Error(), "WithMaxRetryWait") {
							t.Fatalf("call %d: %v; want refused at once: the reset is beyond the maximum wait", i, err)
						}
					case err != nil:
						t.Fatalf("call %d: %v; want the reset not believed", i, err)
					}
				}
				if got, want := n.Load(), int32(3); strings.HasPrefix(name, "three") {
					want = 1
					if got != want {
						t.Fatalf("%d requests; want %d: the calls past the first were refused before sending", got, want)
					}
				} else if got != want {
					t.Fatalf("%d requests; want %d", got, want)
				}
			})
		})
	}
	for _, ra := range []string{"Inf", "1e12", "+Inf", "86401"} {
		t.Run("Retry-After "+ra, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				limited := status(429, string(fixture(t, "error.ratelimit.429.json")), "Retry-After", ra)
				s, c, rt := newScriptedBubble(t, limited, status(200, string(fixture(t, "get-task.200.json"))))
				c2, _ := NewClient(WithToken("tok"), WithBaseURL(c.base), WithHTTPClient(&http.Client{Transport: rt}), WithMaxRetryWait(maxWait), WithRetryBackoff(10*time.Millisecond, 100*time.Millisecond))
				// Not believed: retried with the ordinary backoff.
				if err := within(t, "Tasks.Get", func() error { _, err := c2.Tasks.Get(t.Context(), seedHash); return err }); err != nil || s.n.Load() != 2 {
					t.Fatalf("after Retry-After %s: %v with %d requests; want success on the retry", ra, err, s.n.Load())
				}
				// A server that keeps saying it: the 429 comes back (RetryAfter 0), and the client is
				// not locked: each call asks the server again.
				s.steps = []http.HandlerFunc{limited}
				s.n.Store(0)
				c3, _ := NewClient(WithToken("tok"), WithBaseURL(c.base), WithHTTPClient(&http.Client{Transport: rt}), WithMaxRetryWait(maxWait), WithRetryBackoff(10*time.Millisecond, 100*time.Millisecond), WithMaxRetries(0))
				for i := range 3 {
					err := within(t, "Tasks.Get", func() error { _, err := c3.Tasks.Get(t.Context(), seedHash); return err })
					var e *Error
					if !errors.As(err, &e) || e.StatusCode != 429 || e.RetryAfter != 0 || s.n.Load() != int32(i+1) {
						t.Fatalf("call %d: %v after %d requests; want a 429 from the server, RetryAfter 0", i, err, s.n.Load())
					}
				}
			})
		})
	}
}
