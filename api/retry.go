package api

import (
	"errors"
	"math/rand/v2"
	"net/http"
	"strconv"
	"time"
)

// retryPolicy decides whether and when a failed attempt is tried again.
//
// Retried: network errors (no answer, or an answer cut short), 429, 500, 502, 503 and 504,
// for requests marked retryable. Never retried: any other status (400, 401, 403, 404, …),
// a body over the size cap, and an upload, whose streamed body cannot be sent twice.
type retryPolicy struct {
	max     int           // retries after the first attempt
	base    time.Duration // backoff of the first retry
	cap     time.Duration // the largest backoff
	maxWait time.Duration // the longest Retry-After honoured
}

// decide returns how long to wait before retrying after err on the given attempt (0-based),
// and whether to retry at all.
func (p retryPolicy) decide(err error, attempt int) (time.Duration, bool) {
	var apiErr *Error
	if errors.As(err, &apiErr) {
		switch apiErr.StatusCode {
		case http.StatusTooManyRequests, http.StatusInternalServerError, http.StatusBadGateway,
			http.StatusServiceUnavailable, http.StatusGatewayTimeout:
		default:
			return 0, false
		}
		if apiErr.RetryAfter > 0 {
			if apiErr.RetryAfter > p.maxWait {
				return 0, false // longer than we wait: the caller gets the 429 with RetryAfter now
			}
			return apiErr.RetryAfter, true
		}
		return p.backoff(attempt), true
	}
	var te *transportError
	if errors.As(err, &te) {
		return p.backoff(attempt), true
	}
	return 0, false
}

// retryReason says in words why a request is about to be retried, for OnWait.
func retryReason(err error) string {
	var apiErr *Error
	if errors.As(err, &apiErr) {
		return "retry after " + strconv.Itoa(apiErr.StatusCode)
	}
	return "retry after network error"
}

// backoff is exponential backoff with full jitter: a uniform draw from
// [0, min(cap, base·2^attempt)).
func (p retryPolicy) backoff(attempt int) time.Duration {
	d := p.base
	for i := 0; i < attempt && d < p.cap; i++ {
		d *= 2
	}
	if d > p.cap {
		d = p.cap
	}
	if d <= 0 {
		return 0
	}
	return rand.N(d)
}
