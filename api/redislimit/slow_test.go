package redislimit_test

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/lobstr-go/lobstr/api/redislimit"
	"github.com/redis/go-redis/v9"
)

// slowScripter delays the script calls that delay selects before sending them to Redis, as a
// loaded machine delays them: the call waits in the process (scheduling, a busy connection
// pool, the Redis server's queue) between the time.Now() it was given and Redis's TIME.
type slowScripter struct {
	*redis.Client
	delay func(args []any) time.Duration
}

func (s *slowScripter) EvalSha(ctx context.Context, sha string, keys []string, args ...any) *redis.Cmd {
	time.Sleep(s.delay(args))
	return s.Client.EvalSha(ctx, sha, keys, args...)
}

func (s *slowScripter) Eval(ctx context.Context, script string, keys []string, args ...any) *redis.Cmd {
	time.Sleep(s.delay(args))
	return s.Client.Eval(ctx, script, keys, args...)
}

// Issue 22: a window's reset, told by an answer whose Release reached Redis late (1.5s
// after the answer, as on a loaded machine), is the server's reset on Redis's clock, not
// 1.5s later: the next answers of that window are taken for answers of that window, their
// requests stay counted, and the window grants its budget once. Before, the late Release
// put the window's end 1.5s late, every later answer of the window (reset more than 500ms
// earlier) was taken for one of an earlier window and uncounted, and a fifth request went
// in a window of four: a 429. The same holds when the late call is the first acquire, the
// first measure of Redis's clock (placed by that measure alone, the first reset was 1.5s
// late).
func TestLateReleaseKeepsTheWindow(t *testing.T) {
	const late = 1500 * time.Millisecond
	// The two cases wait side by side (t.Run from goroutines, as in TestCorruptStateIsReset).
	var wg sync.WaitGroup
	defer wg.Wait()
	for _, tc := range []struct {
		name    string
		acquire bool // the first acquire is late; else the first Release
	}{{"first Release late", false}, {"first acquire late", true}} {
		wg.Go(func() {
			t.Run(tc.name, func(t *testing.T) {
				rs := startRedis(t)
				var acquires, releases int
				slow := &slowScripter{Client: rs.client(), delay: func(args []any) time.Duration {
					n := &releases
					if len(args) <= 5 {
						n = &acquires
					}
					*n++
					if *n == 1 && (n == &acquires) == tc.acquire {
						return late
					}
					return 0
				}}
				l, err := redislimit.New(slow, redislimit.Options{Timeout: 4 * late})
				if err != nil {
					t.Fatal(err)
				}
				defer l.Close()
				reset := time.Now().Add(time.Minute).Truncate(time.Second)
				for i := range 4 {
					p := mustAcquire(t, l, tasksReq(time.Minute))
					p.Release(answered(4, 3-i, reset))
				}
				if _, err := l.Acquire(t.Context(), tasksReq(100*time.Millisecond)); err == nil || !strings.Contains(err.Error(), "window resets in") {
					t.Fatalf("a fifth request in a window of 4, one call %v late: %v; want a refusal (the window is spent)", late, err)
				}
				if s := l.Stats(); s.Granted != 4 || s.Failures != 0 {
					t.Fatalf("stats: %+v", s)
				}
			})
		})
	}
}
