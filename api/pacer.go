package api

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"time"
)

// The endpoint families lobstr.io limits separately (its rate-limit page), and the family
// of every other endpoint. A family's name is the first path segment after the version.
const (
	FamilySquids   = "squids"   // /v1/squids…, 120 requests a minute
	FamilyTasks    = "tasks"    // /v1/tasks…, 90 requests a minute
	FamilyRuntasks = "runtasks" // /v1/runtasks…, 90 requests a minute
	FamilyRuns     = "runs"     // /v1/runs…, 120 requests a minute
	FamilyResults  = "results"  // /v1/results…, 2 requests a second
	FamilyOther    = "other"    // every other endpoint: 60 requests a minute until the server says
)

// rateSpec is a budget: limit requests per window.
type rateSpec struct {
	limit  int
	window time.Duration
}

// defaultRates are the documented limits each family starts from. "other" has no documented
// figure: 60 a minute is below every documented per-minute limit, so an endpoint of unknown
// limit is not hammered while the client has not heard the server's headers yet (a server
// that sends them is followed at once, whatever this figure).
func defaultRates() map[string]rateSpec {
	return map[string]rateSpec{
		FamilySquids:   {120, time.Minute},
		FamilyTasks:    {90, time.Minute},
		FamilyRuntasks: {90, time.Minute},
		FamilyRuns:     {120, time.Minute},
		FamilyResults:  {2, time.Second},
		FamilyOther:    {60, time.Minute},
	}
}

// familyOf returns the endpoint family of a request path given relative to the base URL's
// version path: "tasks/c5e2…" and "/tasks" are "tasks", "runs/r1/stats" is "runs",
// "squid/estimate" and "me" are "other".
func familyOf(rel string) string {
	seg, _, _ := strings.Cut(strings.TrimLeft(rel, "/"), "/")
	switch seg {
	case FamilySquids, FamilyTasks, FamilyRuntasks, FamilyRuns, FamilyResults:
		return seg
	}
	return FamilyOther
}

// Bounds on what the client believes of a server's timing headers.
const (
	// maxBelievedRetryAfter: a longer Retry-After (Inf, 1e12, …) is not believed and is
	// treated as absent: the request is retried with the ordinary backoff, and nothing is held.
	maxBelievedRetryAfter = time.Hour
	// maxBelievedReset: an X-RateLimit-Reset further ahead than this is never believed,
	// whatever the window; within it, no more than resetWindows windows ahead (a reset in
	// milliseconds, or from a clock far off, is ignored).
	maxBelievedReset = time.Hour
	resetWindows     = 4
	// minSkew: the server's clock (Date) is trusted to be off only by more than this;
	// Date has whole seconds, so a smaller difference is rounding.
	minSkew = 2 * time.Second
)

// serverSkew returns how far the server's clock (its Date header) is off ours, judged from
// the moments the request was sent and its answer came in: the server wrote Date between
// the two, so only a Date outside [sent, received], by more than minSkew (Date has whole
// seconds), shows a skewed clock. A slow answer (a loaded machine, a long queue) is latency,
// never skew. It returns 0 when the header is missing or unreadable.
func serverSkew(h http.Header, sent, received time.Time) time.Duration {
	d, err := http.ParseTime(h.Get("Date"))
	if err != nil {
		return 0
	}
	if s := d.Sub(received); s > minSkew {
		return s // the server's clock is ahead
	}
	if s := d.Sub(sent); s < -minSkew {
		return s // the server's clock is behind
	}
	return 0
}

// pacer is the in-process limiter: one family state per endpoint family, each following
// what the server's X-RateLimit headers say.
type pacer struct {
	families map[string]*family // fixed at construction
	onWait   func(family string, d time.Duration, why string)
}

func newPacer(rates map[string]rateSpec, onWait func(string, time.Duration, string)) *pacer {
	p := &pacer{families: make(map[string]*family, len(rates)), onWait: onWait}
	for name, r := range rates {
		p.families[name] = newFamily(name, r)
	}
	return p
}

// Acquire implements Limiter: the pacer paces one account, whatever req.Key.
func (p *pacer) Acquire(ctx context.Context, req LimitRequest) (Permit, error) {
	f := p.families[req.Family]
	if f == nil {
		f = p.families[FamilyOther]
	}
	return f.acquire(ctx, req.MaxWait, p.onWait)
}

// family paces the requests of one endpoint family, so that a busy program stays under the
// server's limit instead of discovering it through 429s, and uses nearly all of it:
//
//   - Probe. Before any answer has told the family's state, one request goes at a time (or,
//     should its answer be slow, at the configured pace): its answer tells the budget.
//   - Windows. Once an answer carries X-RateLimit-Limit, -Remaining and a believable -Reset,
//     the family knows its window: requests go at once while the window has budget, and
//     wait, in order, for its reset once it is spent. At the reset the new window's budget is
//     the server's X-RateLimit-Limit, and the queued requests go at once, up to that budget.
//     The window's length is learnt from successive resets (the smallest step between two),
//     so the end of a window no answer has confirmed yet is extrapolated right; every answer
//     corrects it.
//   - Spacing. When answers carry no rate headers, requests are spaced evenly at the
//     configured rate, limit per window, with a 2% margin.
//   - Hold. A 429 with a (believable) Retry-After holds the family for that long.
//
// Budget accounting: a window's budget is the server's limit, lowered when an answer says
// fewer remain than this client's own requests explain (another client on the same token).
// A request counts against the window it was sent in and, while unanswered at a reset,
// against the next one too (the server may count it there); its answer's X-RateLimit-Reset
// settles which.
type family struct {
	name string
	conf rateSpec

	mu         sync.Mutex
	limit      int           // budget of a fresh window: configured, then X-RateLimit-Limit
	window     time.Duration // length of a window: configured, then learnt
	learnt     bool          // window was learnt from two resets
	lastReset  time.Time     // the latest distinct reset seen, to learn window
	known      bool          // the current window (end, budget) comes from the server
	headerless bool          // answers came without rate headers: space at the configured rate
	interval   time.Duration // spacing at the configured rate
	next       time.Time     // the earliest spaced request (probing or headerless)

	epoch     int       // the current window's number
	end       time.Time // when the current window ends
	confirmed bool      // end was said by the server, not extrapolated
	budget    int       // requests this client may make in the current window
	answered  int       // answers counted in the current window
	charged   int       // unanswered requests that may count in the current window
	inflight  map[*ticket]struct{}

	until   time.Time // hold: no request before this (a 429's Retry-After)
	limited *Error    // the 429 that set until

	queue    []*waiter
	timer    *time.Timer
	timerAt  time.Time
	timerGen int
}

type ticket struct {
	f     *family
	epoch int // the window it was granted in
	spill int // a later window it may be counted in (it was unanswered at that reset); -1 none
}

type waiter struct {
	ready chan struct{} // closed when granted
	t     *ticket
}

func newFamily(name string, r rateSpec) *family {
	iv := r.window / time.Duration(r.limit)
	iv += iv / 50
	return &family{name: name, conf: r, limit: r.limit, window: r.window, interval: iv, inflight: map[*ticket]struct{}{}}
}

func (f *family) acquire(ctx context.Context, maxWait time.Duration, onWait func(string, time.Duration, string)) (Permit, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	f.mu.Lock()
	now := time.Now()
	if held := f.until.Sub(now); held > 0 && (held > maxWait || !deadlineAllows(ctx, held)) {
		err := f.heldError(held, maxWait)
		f.mu.Unlock()
		return nil, err
	}
	if len(f.queue) == 0 {
		if ok, _ := f.canGo(now); ok {
			t := f.grant(now)
			f.mu.Unlock()
			return t, nil
		}
	}
	// The request must wait.
	imposed, est, why := f.estimate(now, len(f.queue))
	if imposed > maxWait {
		f.mu.Unlock()
		return nil, fmt.Errorf("the %s rate-limit window resets in %v, longer than the client waits (WithMaxRetryWait %v)", f.name, imposed.Round(time.Millisecond), maxWait)
	}
	if !deadlineAllows(ctx, est) {
		f.mu.Unlock()
		return nil, fmt.Errorf("waiting %v for the %s rate limit would pass the context's deadline: %w", est.Round(time.Millisecond), f.name, context.DeadlineExceeded)
	}
	w := &waiter{ready: make(chan struct{})}
	f.queue = append(f.queue, w)
	f.dispatch(now)
	f.mu.Unlock()
	if onWait != nil && est > 0 {
		onWait(f.name, est, why)
	}
	select {
	case <-w.ready:
		return w.t, nil
	case <-ctx.Done():
		f.mu.Lock()
		if w.t != nil { // granted meanwhile: give it back unused
			f.settle(w.t, Outcome{}, time.Now())
		} else {
			for i, q := range f.queue {
				if q == w {
					f.queue = append(f.queue[:i], f.queue[i+1:]...)
					break
				}
			}
		}
		f.dispatch(time.Now())
		f.mu.Unlock()
		return nil, ctx.Err()
	}
}

// heldError is the error of a request refused during a hold of the given length.
func (f *family) heldError(held, maxWait time.Duration) error {
	if f.limited != nil && held > maxWait {
		e := *f.limited
		e.RetryAfter = held.Round(time.Second)
		return &e
	}
	return fmt.Errorf("waiting %v for the %s rate limit would pass the context's deadline: %w", held.Round(time.Millisecond), f.name, context.DeadlineExceeded)
}

// canGo reports whether a request may be sent at now; when not, wake is when to look again
// (zero: when an answer comes).
func (f *family) canGo(now time.Time) (ok bool, wake time.Time) {
	if now.Before(f.until) {
		return false, f.until
	}
	if !f.known {
		// Probing: one request at a time, or the configured pace should an answer be slow;
		// without rate headers, the configured pace only.
		if (len(f.inflight) == 0 && !f.headerless) || !now.Before(f.next) {
			return true, time.Time{}
		}
		return false, f.next
	}
	if !now.Before(f.end) {
		f.roll(now)
		if !f.known {
			return f.canGo(now)
		}
	}
	if f.budget-f.answered-f.charged > 0 {
		return true, time.Time{}
	}
	return false, f.end
}

// grant lets one request go at now.
func (f *family) grant(now time.Time) *ticket {
	t := &ticket{f: f, epoch: f.epoch, spill: -1}
	f.inflight[t] = struct{}{}
	if f.known {
		f.charged++
	} else {
		f.next = later(now, f.next).Add(f.interval)
	}
	return t
}

// roll moves to the window after the one that ended: extrapolated from the learnt length
// when the reset is just past (the queued requests go now, up to the new budget), else
// unknown again (the next request probes).
func (f *family) roll(now time.Time) {
	f.epoch++
	f.answered, f.confirmed = 0, false
	if now.Sub(f.end) >= f.window {
		f.known = false
		return
	}
	f.end = f.end.Add(f.window)
	f.budget = f.limit
	f.chargeInflight()
}

// chargeInflight counts every unanswered request against the current window too.
func (f *family) chargeInflight() {
	for t := range f.inflight {
		t.spill = f.epoch
	}
	f.charged = len(f.inflight)
}

// estimate returns, for a request at position k of the queue, how long of its wait the server
// imposes (the hold, or the time to the reset of a spent window), and how long it will wait
// in all, with the reason.
func (f *family) estimate(now time.Time, k int) (imposed, total time.Duration, why string) {
	switch {
	case now.Before(f.until):
		imposed = f.until.Sub(now)
		return imposed, imposed, "429 Retry-After"
	case f.known:
		credit := max(f.budget-f.answered-f.charged, 0)
		imposed = max(f.end.Sub(now), 0)
		return imposed, imposed + time.Duration(max(k-credit, 0)/max(f.limit, 1))*f.window, "rate limit"
	case f.headerless:
		return 0, max(f.next.Sub(now), 0) + time.Duration(k)*f.interval, "rate limit"
	}
	return 0, 0, "" // probing: the first answer comes soon
}

// dispatch grants queued requests in order while they may go, and sets a timer for when the
// next may.
func (f *family) dispatch(now time.Time) {
	for len(f.queue) > 0 {
		ok, wake := f.canGo(now)
		if !ok {
			f.arm(now, wake)
			return
		}
		w := f.queue[0]
		f.queue[0] = nil
		f.queue = f.queue[1:]
		w.t = f.grant(now)
		close(w.ready)
	}
}

// arm sets the timer that dispatches at wake (no timer for a zero wake: an answer will).
func (f *family) arm(now, wake time.Time) {
	if wake.IsZero() || (f.timer != nil && f.timerAt.Equal(wake)) {
		return
	}
	if f.timer != nil {
		f.timer.Stop()
	}
	f.timerGen++
	gen := f.timerGen
	f.timerAt = wake
	f.timer = time.AfterFunc(max(wake.Sub(now), 0), func() {
		f.mu.Lock()
		defer f.mu.Unlock()
		if f.timerGen == gen {
			f.timer = nil
		}
		f.dispatch(time.Now())
	})
}

// Release implements Permit.
func (t *ticket) Release(o Outcome) {
	f := t.f
	f.mu.Lock()
	defer f.mu.Unlock()
	now := time.Now()
	f.settle(t, o, now)
	f.dispatch(now)
}

// settle takes what became of t into account.
func (f *family) settle(t *ticket, o Outcome, now time.Time) {
	if _, ok := f.inflight[t]; !ok {
		return
	}
	delete(f.inflight, t)
	inCur := f.known && (t.epoch == f.epoch || t.spill == f.epoch)
	if inCur {
		f.charged--
	}
	defer func() {
		if o.Limited != nil {
			f.backOff(o.Limited, now)
		}
	}()
	if !o.Sent {
		return // never left: nothing to count
	}
	countHere := func() {
		if inCur {
			f.answered++ // it may have counted in this window: assume it did
		}
	}
	rl := o.Rate
	if !o.Answered || rl == nil || rl.Reset.IsZero() {
		if o.Answered && rl == nil && !f.known {
			f.headerless = true
		}
		countHere()
		return
	}
	f.headerless = false
	reset := rl.Reset.Add(-o.Skew)
	ahead := reset.Sub(now)
	if ahead > f.believable() {
		countHere() // a reset implausibly far ahead: not believed
		return
	}
	if ahead <= 0 {
		return // counted in a window that has ended
	}
	f.learn(reset)
	if rl.Limit > 0 {
		f.limit = rl.Limit
	}
	switch {
	case !f.known, reset.Sub(f.end) > time.Second/2 && f.confirmed:
		// The first news of the family, or the server is in a later window than the one
		// this client thought current: start that window.
		f.known, f.epoch = true, f.epoch+1
		f.end, f.confirmed, f.budget, f.answered = reset, true, f.limit, 0
		f.chargeInflight()
	case reset.Sub(f.end).Abs() <= time.Second/2 || !f.confirmed:
		// The current window; an extrapolated end is corrected by the server's.
		f.end, f.confirmed = reset, true
	default:
		return // an earlier window than the current one
	}
	f.answered++
	f.budget = min(f.budget, f.limit, rl.Remaining+f.answered+f.charged)
}

// believable is how far ahead a reset may lie and still be believed: a few windows, and
// never more than maxBelievedReset.
func (f *family) believable() time.Duration {
	return min(maxBelievedReset, max(resetWindows*f.window, resetWindows*f.conf.window, time.Minute))
}

// learn takes the window's length from successive resets: the smallest step between two.
func (f *family) learn(reset time.Time) {
	if f.lastReset.IsZero() {
		f.lastReset = reset
		return
	}
	d := reset.Sub(f.lastReset)
	if d < time.Second/2 {
		return // the same window, or an earlier one
	}
	if !f.learnt || d < f.window {
		f.window, f.learnt = d, true
	}
	f.lastReset = reset
}

// backOff takes a 429 into account: a believable Retry-After holds the family for that long
// (after which the window's headers rule again); without one, the window is spent.
func (f *family) backOff(e *Error, now time.Time) {
	if e.RetryAfter <= 0 || e.RetryAfter > maxBelievedRetryAfter {
		if f.known {
			f.budget = min(f.budget, f.answered+f.charged)
		}
		return
	}
	if t := now.Add(e.RetryAfter); t.After(f.until) {
		f.until, f.limited = t, e
	}
}

func later(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}

func deadlineAllows(ctx context.Context, d time.Duration) bool {
	dl, ok := ctx.Deadline()
	return !ok || time.Until(dl) >= d
}
