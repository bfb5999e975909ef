package apitest

import "time"

// rateWindow counts requests in fixed windows (one minute unless EnforceRateLimit scales
// it), as lobstr.io's rate-limit headers describe them. A window of a whole number of
// seconds is aligned to the clock, as a server's per-minute buckets are, so that
// X-RateLimit-Reset (whole Unix seconds) tells its end exactly; a window of any other
// length starts with the first request after the previous one ended, which keeps tests
// that count requests in one window deterministic.
type rateWindow struct {
	limit   int
	window  time.Duration
	enforce bool
	start   time.Time // of the current window
	count   int       // requests in the current window
}

// quota is what one request learns from the window.
type quota struct {
	limit      int
	left       int   // requests left in the window after this one
	reset      int64 // Unix seconds when the window resets (rounded up)
	retryAfter int   // seconds to wait, rounded up, when the request is over an enforced limit; else 0
}

// take counts a request made at now.
func (rw *rateWindow) take(now time.Time) quota {
	if rw.start.IsZero() || !now.Before(rw.start.Add(rw.window)) {
		rw.start, rw.count = now, 0
		if rw.window%time.Second == 0 {
			rw.start = now.Truncate(rw.window)
		}
	}
	rw.count++
	end := rw.start.Add(rw.window)
	q := quota{limit: rw.limit, left: max(rw.limit-rw.count, 0), reset: ceilSeconds(end)}
	if rw.enforce && rw.count > rw.limit {
		q.retryAfter = max(int((end.Sub(now)+time.Second-1)/time.Second), 1)
	}
	return q
}

// ceilSeconds returns t in Unix seconds, rounded up.
func ceilSeconds(t time.Time) int64 {
	s := t.Unix()
	if t.Nanosecond() > 0 {
		s++
	}
	return s
}
