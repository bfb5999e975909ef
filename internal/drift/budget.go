package drift

import (
	"bytes"
	"context"
	"io"
)

// maxChecking bounds the bytes of answers a Proxy holds at once to check them: an answer
// waits (unread, so the upstream waits too) until its size fits. It is maxResponseBody, so
// that the largest answer checked can always go through alone.
const maxChecking = maxResponseBody

// An answer of unknown length (chunked, or gzip the transport decoded) is first read up to
// probeSize under a budget of its own, maxProbing; only a longer one then takes all of
// maxResponseBody from the checking budget. A probe waits for the checking budget, whose
// holders wait for nothing, so the two cannot block each other for good.
const (
	probeSize  = 1 << 20
	maxProbing = 16 << 20
)

// bounds are the limits of the answers a Proxy holds to check them: defaultBounds, or in a
// test the same scaled down.
type bounds struct {
	body    int64 // the largest answer checked, and the checking budget (maxResponseBody)
	probe   int64 // what is read first of an answer of unknown length (probeSize)
	probing int   // the budget of those first reads (maxProbing)
}

// defaultBounds are the bounds of a Proxy made by New.
var defaultBounds = bounds{body: maxChecking, probe: probeSize, probing: maxProbing}

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

// readBounded reads an answer's body whole, at most limit bytes (one more tells it is
// longer), under the budgets: size when known (ContentLength, else -1); of unknown size,
// probe bytes first. It returns the body, the budget it holds and its units, to give back
// once the body is forwarded.
func readBounded(ctx context.Context, body io.Reader, size, limit, probe int64, checking, probing *budget) ([]byte, *budget, int, error) {
	if size >= 0 {
		units, err := checking.take(ctx, min(size, limit))
		if err != nil {
			return nil, nil, 0, err
		}
		var buf bytes.Buffer // sized once: io.ReadAll would double its way up
		buf.Grow(int(min(size, limit)) + bytes.MinRead)
		if _, err := buf.ReadFrom(io.LimitReader(body, limit+1)); err != nil {
			checking.give(units)
			return nil, nil, 0, err
		}
		return buf.Bytes(), checking, units, nil
	}
	punits, err := probing.take(ctx, probe)
	if err != nil {
		return nil, nil, 0, err
	}
	first, err := io.ReadAll(io.LimitReader(body, probe+1))
	if err != nil {
		probing.give(punits)
		return nil, nil, 0, err
	}
	if int64(len(first)) <= probe {
		return first, probing, punits, nil
	}
	units, err := checking.take(ctx, limit)
	probing.give(punits) // what was read is within limit, which checking now covers
	if err != nil {
		return nil, nil, 0, err
	}
	rest, err := io.ReadAll(io.LimitReader(body, limit+1-int64(len(first))))
	if err != nil {
		checking.give(units)
		return nil, nil, 0, err
	}
	return append(first, rest...), checking, units, nil
}
