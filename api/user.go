package api

import (
	"context"
	"net/http"

	"github.com/lobstr-go/lobstr/gen"
)

// Me returns the profile of the token's owner (Get User Profile, GET /v1/me). It is also
// the cheapest way to check that a token works: a bad one is an *Error for which
// IsUnauthorized is true. Retried on network errors, 429 and 5xx.
func (s *UserService) Me(ctx context.Context) (*User, error) {
	return send(ctx, s.client, request{op: "User.Me", retryable: true, build: func(base string) (*http.Request, error) {
		return gen.NewGetMeRequest(base)
	}}, "a user profile (no email)", func(u *User) bool { return u.Email != "" })
}

// Balance returns the active plan's credits and concurrency slots (Get Balance, GET
// /v1/user/balance). Available is the period's whole allowance, not what is left: the
// credits left are Available - Consumed (RemainingCredits). Retried on network errors, 429
// and 5xx.
func (s *UserService) Balance(ctx context.Context) (*Balance, error) {
	return send(ctx, s.client, request{op: "User.Balance", retryable: true, build: func(base string) (*http.Request, error) {
		return gen.NewGetBalanceRequest(base)
	}}, "a balance (no object)", func(b *Balance) bool { return b.Object != "" || b.Id != "" })
}

// RemainingCredits is what a balance leaves to spend in the current period: Available -
// Consumed (Available is the whole allowance, not what is left).
func RemainingCredits(b *Balance) float64 {
	if b == nil {
		return 0
	}
	return b.Available - b.Consumed
}
