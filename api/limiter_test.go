package api_test

import (
	"context"
	"errors"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/lobstr-go/lobstr/api"
	"github.com/lobstr-go/lobstr/api/apitest"
)

// recordingLimiter grants every request and records what it was asked and told.
type recordingLimiter struct {
	mu       sync.Mutex
	asked    []api.LimitRequest
	outcomes []api.Outcome
	refuse   error
}

func (l *recordingLimiter) Acquire(_ context.Context, req api.LimitRequest) (api.Permit, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.asked = append(l.asked, req)
	if l.refuse != nil {
		return nil, l.refuse
	}
	return recordingPermit{l}, nil
}

type recordingPermit struct{ l *recordingLimiter }

func (p recordingPermit) Release(o api.Outcome) {
	p.l.mu.Lock()
	defer p.l.mu.Unlock()
	p.l.outcomes = append(p.l.outcomes, o)
}

func TestWithLimiterIsAskedAndTold(t *testing.T) {
	srv := apitest.NewServer(t)
	srv.EnforceRateLimit(1, time.Minute)
	lim := &recordingLimiter{}
	c, err := api.NewClient(api.WithBaseURL(srv.URL), api.WithToken(srv.Token), api.WithLimiter(lim), api.WithMaxRetries(0))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Tasks.Get(t.Context(), apitest.SeedTaskHash); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Tasks.Get(t.Context(), apitest.SeedTaskHash); !api.IsRateLimited(err) {
		t.Fatalf("second request over a limit of 1: %v", err)
	}
	lim.mu.Lock()
	defer lim.mu.Unlock()
	if len(lim.asked) != 2 || len(lim.outcomes) != 2 {
		t.Fatalf("asked %d times, told %d times; want 2 and 2", len(lim.asked), len(lim.outcomes))
	}
	want := api.LimitRequest{Key: api.TokenKey(srv.Token), Family: api.FamilyTasks, MaxWait: time.Minute}
	if lim.asked[0] != want {
		t.Errorf("asked %+v, want %+v", lim.asked[0], want)
	}
	ok, limited := lim.outcomes[0], lim.outcomes[1]
	if !ok.Sent || !ok.Answered || ok.Rate == nil || ok.Rate.Limit != 1 || ok.Rate.Remaining != 0 || ok.Rate.Reset.IsZero() || ok.Limited != nil {
		t.Errorf("outcome of a 200: %+v (rate %+v)", ok, ok.Rate)
	}
	if !limited.Sent || !limited.Answered || limited.Limited == nil || limited.Limited.StatusCode != 429 || limited.Limited.RetryAfter <= 0 {
		t.Errorf("outcome of a 429: %+v", limited)
	}
}

func TestWithLimiterRefusal(t *testing.T) {
	srv := apitest.NewServer(t)
	lim := &recordingLimiter{refuse: errors.New("no budget today")}
	c, err := api.NewClient(api.WithBaseURL(srv.URL), api.WithToken(srv.Token), api.WithLimiter(lim))
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.Tasks.Get(t.Context(), apitest.SeedTaskHash)
	if err == nil || !strings.Contains(err.Error(), "no budget today") {
		t.Fatalf("a limiter's refusal: %v", err)
	}
	if n := srv.Requests("GET /v1/tasks/" + apitest.SeedTaskHash); n != 0 {
		t.Fatalf("%d requests sent despite the refusal", n)
	}
}

func TestWithLimiterOptionErrors(t *testing.T) {
	if _, err := api.NewClient(api.WithToken("t"), api.WithLimiter(nil)); err == nil || !strings.Contains(err.Error(), "nil") {
		t.Errorf("WithLimiter(nil): %v", err)
	}
	if _, err := api.NewClient(api.WithToken("t"), api.WithLimiter(&recordingLimiter{}), api.WithoutPacing()); err == nil || !strings.Contains(err.Error(), "WithoutPacing") {
		t.Errorf("WithLimiter with WithoutPacing: %v", err)
	}
	if _, err := api.NewPacer(map[string]api.Rate{"bogus": {1, time.Second}}, nil); err == nil || !strings.Contains(err.Error(), `"bogus"`) {
		t.Errorf("NewPacer, unknown family: %v", err)
	}
	if _, err := api.NewPacer(map[string]api.Rate{api.FamilyTasks: {0, time.Second}}, nil); err == nil || !strings.Contains(err.Error(), "tasks") {
		t.Errorf("NewPacer, zero limit: %v", err)
	}
}

func TestTokenKey(t *testing.T) {
	const token = "3f0c1e9a7b2d4c6e8f1a3b5c7d9e0f2a4b6c8d0e"
	k := api.TokenKey(token)
	if !regexp.MustCompile(`^[0-9a-f]{32}$`).MatchString(k) {
		t.Fatalf("TokenKey = %q, want 32 hex digits", k)
	}
	if k != api.TokenKey(token) || k == api.TokenKey(token+"x") {
		t.Fatal("TokenKey is not a function of the token alone")
	}
	if strings.Contains(token, k) || strings.Contains(k, token[:8]) {
		t.Fatal("TokenKey shows the token")
	}
}

// NewPacer's limiter paces each account apart, and follows the server's headers as the
// client's own pacer does: a spent window holds the next request of that account only.
func TestNewPacerKeepsAccountsApart(t *testing.T) {
	lim, err := api.NewPacer(map[string]api.Rate{api.FamilyTasks: {5, time.Minute}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	ctx := t.Context()
	reset := time.Now().Add(time.Minute).Truncate(time.Second)
	a := api.LimitRequest{Key: "a", Family: api.FamilyTasks, MaxWait: time.Second}
	p, err := lim.Acquire(ctx, a)
	if err != nil {
		t.Fatal(err)
	}
	p.Release(api.Outcome{Sent: true, Answered: true, Rate: &api.RateLimit{Limit: 5, Remaining: 0, Reset: reset}})
	if _, err := lim.Acquire(ctx, a); err == nil || !strings.Contains(err.Error(), "WithMaxRetryWait") {
		t.Fatalf("account a, window spent, reset a minute away, MaxWait 1s: %v", err)
	}
	b := a
	b.Key = "b"
	p, err = lim.Acquire(ctx, b)
	if err != nil {
		t.Fatalf("account b is not held by a's window: %v", err)
	}
	p.Release(api.Outcome{})
}
