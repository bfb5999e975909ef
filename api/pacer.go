package api

import (
	"context"
	"fmt"
	"sync"
	"time"
)

// pacer keeps the requests of one endpoint family under the rate limit, so that a busy
// program stays under it instead of discovering it through 429s, while a program that
// makes a few requests is not slowed down for nothing.
//
// It works from what the server says when it can, and from the configured limit when it
// cannot:
//
//   - Credit. While the server's last X-RateLimit-Remaining (less the requests this client
//     has reserved or has in flight since) is above zero and its window has not reset,
//     a request goes at once.
//   - Hold. When that credit is spent, requests wait for X-RateLimit-Reset; after a 429 they
//     wait for its Retry-After.
//   - Spacing. Otherwise (no rate information yet, or the window has reset and no answer
//     has told the new count) requests are spaced evenly at the configured rate, limit per
//     window, with a 2% margin that absorbs scheduling jitter at window boundaries.
//
// A nil pacer does nothing.
type pacer struct {
	interval time.Duration

	mu       sync.Mutex
	next     time.Time // the earliest moment the next spaced request may be sent
	until    time.Time // no request before this moment (a 429's Retry-After)
	limited  *Error    // the 429 that set until
	reserved int       // requests granted and not yet answered
	credit   int       // requests the server still allows in its window, less reserved ones
	window   time.Time // when the server's window resets; credit is void after it
}

func newPacer(limit int, window time.Duration) *pacer {
	iv := window / time.Duration(limit)
	iv += iv / 50
	return &pacer{interval: iv}
}

// acquire blocks until the caller may send a request, or ctx ends; the caller must call
// release once the answer (or the failure) is in. When the server has asked for a pause
// longer than maxWait, or longer than ctx allows, acquire returns at once: the 429 *Error
// that asked for it (RetryAfter updated to what is left), or an error wrapping
// context.DeadlineExceeded.
func (p *pacer) acquire(ctx context.Context, maxWait time.Duration) error {
	if p == nil {
		return ctx.Err()
	}
	p.mu.Lock()
	now := time.Now()
	if held := p.until.Sub(now); held > 0 && (held > maxWait || !deadlineAllows(ctx, held)) {
		err := p.heldError(held)
		p.mu.Unlock()
		return err
	}
	var slot time.Time
	switch {
	case p.until.After(now):
		slot = later(p.until, p.next)
		p.next = slot.Add(p.interval)
	case now.Before(p.window) && p.credit > 0:
		p.credit--
		slot = now
	case now.Before(p.window):
		// The server's window is spent: wait for its reset, spaced from there.
		slot = later(p.window, p.next)
		p.next = slot.Add(p.interval)
		if !deadlineAllows(ctx, slot.Sub(now)) {
			p.mu.Unlock()
			return fmt.Errorf("waiting %v for the rate-limit window to reset would pass the context's deadline: %w", slot.Sub(now).Round(time.Millisecond), context.DeadlineExceeded)
		}
	default:
		slot = later(now, p.next)
		p.next = slot.Add(p.interval)
	}
	p.reserved++
	p.mu.Unlock()
	if d := slot.Sub(now); d > 0 {
		t := time.NewTimer(d)
		defer t.Stop()
		select {
		case <-ctx.Done():
			p.release(nil)
			return ctx.Err()
		case <-t.C:
		}
	}
	if err := ctx.Err(); err != nil {
		p.release(nil)
		return err
	}
	return nil
}

// heldError is the error of a request refused during a hold of the given length.
func (p *pacer) heldError(held time.Duration) error {
	if p.limited != nil {
		e := *p.limited
		e.RetryAfter = held.Round(time.Second)
		return &e
	}
	return fmt.Errorf("waiting %v for the rate limit would pass the context's deadline: %w", held.Round(time.Millisecond), context.DeadlineExceeded)
}

// release ends a request granted by acquire, with the rate information of its answer when
// the answer had any.
func (p *pacer) release(rl *RateLimit) {
	if p == nil {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.reserved--
	if rl == nil || rl.Reset.IsZero() || !rl.Reset.After(time.Now()) {
		return
	}
	credit := max(rl.Remaining-p.reserved, 0)
	switch {
	case rl.Reset.After(p.window.Add(time.Second)) || rl.Reset.Before(p.window.Add(-time.Second)):
		// A new window (resets move by at least a second between windows).
		p.window, p.credit = rl.Reset, credit
	default:
		// The same window: answers may come back out of order; trust the lowest count.
		p.credit = min(p.credit, credit)
	}
}

// backOff holds requests for the Retry-After of a 429.
func (p *pacer) backOff(e *Error) {
	if p == nil {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.credit = 0
	if e.RetryAfter <= 0 {
		return
	}
	t := time.Now().Add(min(e.RetryAfter, 24*time.Hour))
	if t.After(p.until) {
		p.until, p.limited = t, e
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
