package drift

import (
	"context"
	"io"
)

// maxChecking bounds the bytes of answers a Proxy holds at once to check them: an answer
// waits (unread, so the upstream waits too) until its size fits. It is maxResponseBody, so
// that the largest answer checked can always go through alone.
const maxChecking = maxResponseBody

// budgetUnit is the grain of a budget: an answer takes its size in units, rounded up.
const budgetUnit = 64 << 10

// budget is a count of bytes that answers take before they are read and give back once
// forwarded. Takers queue one at a time, so two large answers cannot each hold half.
type budget struct {
	turn  chan struct{} // held by the one taker gathering units
	units chan struct{} // one token per budgetUnit taken
}

func newBudget(bytes int) *budget {
	return &budget{turn: make(chan struct{}, 1), units: make(chan struct{}, bytes/budgetUnit)}
}

// take takes n bytes (at least one unit, at most the whole budget), waiting for them
// until ctx ends. It returns the units taken, for give.
func (b *budget) take(ctx context.Context, n int64) (int, error) {
	units := int(min((n+budgetUnit-1)/budgetUnit, int64(cap(b.units))))
	units = max(units, 1)
	select {
	case b.turn <- struct{}{}:
	case <-ctx.Done():
		return 0, ctx.Err()
	}
	defer func() { <-b.turn }()
	for i := range units {
		select {
		case b.units <- struct{}{}:
		case <-ctx.Done():
			b.give(i)
			return 0, ctx.Err()
		}
	}
	return units, nil
}

// give gives back units taken.
func (b *budget) give(units int) {
	for range units {
		<-b.units
	}
}

// givingBody is an answer's body that gives its units back when closed, once.
type givingBody struct {
	io.Reader
	b     *budget
	units int
}

func (g *givingBody) Close() error {
	if g.units > 0 {
		g.b.give(g.units)
		g.units = 0
		g.Reader = nil
	}
	return nil
}
