package api

import (
	"context"
	"fmt"
	"sync"
	"time"
)

// pacer spaces the requests of one endpoint family so that a busy program stays under the
// rate limit instead of discovering it through 429s.
//
// Requests are spaced evenly at the configured rate (limit per window) with a 2% margin,
// which absorbs scheduling jitter at window boundaries. On top of that the pacer follows
// the server: when X-RateLimit-Remaining reaches 0 it holds every request until
// X-RateLimit-Reset, and after a 429 it holds them for the Retry-After the server asked for.
// A nil pacer does nothing.
type pacer struct {
	interval time.Duration

	mu      sync.Mutex
	next    time.Time // the earliest moment the next request may be sent
	until   time.Time // no request before this moment (from the server)
	limited *Error    // the 429 that set until, if one did
}

func newPacer(limit int, window time.Duration) *pacer {
	iv := window / time.Duration(limit)
	iv += iv / 50
	return &pacer{interval: iv}
}

// wait blocks until the caller may send a request, or ctx ends. When the server has asked
// for a pause longer than maxWait, or longer than ctx allows, it returns at once: the 429
// *Error that asked for it (RetryAfter updated to what is left), or ctx's error.
func (p *pacer) wait(ctx context.Context, maxWait time.Duration) error {
	if p == nil {
		return ctx.Err()
	}
	p.mu.Lock()
	now := time.Now()
	if held := p.until.Sub(now); held > 0 && (p.limited != nil && held > maxWait || !deadlineAllows(ctx, held)) {
		var err error
		if p.limited != nil {
			e := *p.limited
			e.RetryAfter = held.Round(time.Second)
			err = &e
		} else {
			err = fmt.Errorf("waiting %v for the rate-limit window to reset would pass the context's deadline: %w", held.Round(time.Millisecond), context.DeadlineExceeded)
		}
		p.mu.Unlock()
		return err
	}
	slot := now
	if p.next.After(slot) {
		slot = p.next
	}
	if p.until.After(slot) {
		slot = p.until
	}
	p.next = slot.Add(p.interval)
	p.mu.Unlock()
	d := slot.Sub(now)
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// observe takes the rate-limit headers of a response into account.
func (p *pacer) observe(rl RateLimit) {
	if p == nil || rl.Remaining > 0 || rl.Reset.IsZero() {
		return
	}
	p.hold(rl.Reset, nil)
}

// backOff holds requests for the Retry-After of a 429.
func (p *pacer) backOff(e *Error) {
	if p == nil || e.RetryAfter <= 0 {
		return
	}
	p.hold(time.Now().Add(e.RetryAfter), e)
}

func (p *pacer) hold(t time.Time, e *Error) {
	if max := time.Now().Add(24 * time.Hour); t.After(max) {
		t = max // a clock far off must not stop the client for longer
	}
	p.mu.Lock()
	if t.After(p.until) {
		p.until = t
		p.limited = e
	}
	p.mu.Unlock()
}

func deadlineAllows(ctx context.Context, d time.Duration) bool {
	dl, ok := ctx.Deadline()
	return !ok || time.Until(dl) >= d
}
