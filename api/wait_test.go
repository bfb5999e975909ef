package api_test

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/url"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/lobstr-go/lobstr/api"
	"github.com/lobstr-go/lobstr/api/apitest"
)

// switchProxy forwards TCP connections from a fixed loopback port to a target, and can be
// taken down (listener closed, every connection cut, so connecting is refused) and brought
// back up on the same port.
type switchProxy struct {
	t      *testing.T
	addr   string // host:port it listens on
	target string

	mu    sync.Mutex
	ln    net.Listener
	conns map[net.Conn]struct{}
	dials atomic.Int64 // connections accepted
}

func newSwitchProxy(t *testing.T, target string) *switchProxy {
	p := &switchProxy{t: t, target: target, conns: map[net.Conn]struct{}{}}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p.addr = ln.Addr().String()
	p.serve(ln)
	t.Cleanup(p.down)
	return p
}

func (p *switchProxy) serve(ln net.Listener) {
	p.mu.Lock()
	p.ln = ln
	p.mu.Unlock()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			p.dials.Add(1)
			up, err := net.Dial("tcp", p.target)
			if err != nil {
				c.Close()
				continue
			}
			p.mu.Lock()
			p.conns[c], p.conns[up] = struct{}{}, struct{}{}
			p.mu.Unlock()
			go func() { io.Copy(up, c); up.Close() }()
			go func() { io.Copy(c, up); c.Close() }()
		}
	}()
}

// down closes the listener and cuts every connection.
func (p *switchProxy) down() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.ln != nil {
		p.ln.Close()
		p.ln = nil
	}
	for c := range p.conns {
		c.Close()
	}
	clear(p.conns)
}

// up listens again on the same port.
func (p *switchProxy) up() {
	var ln net.Listener
	var err error
	for range 50 { // the port may take a moment to be free again
		if ln, err = net.Listen("tcp", p.addr); err == nil {
			p.serve(ln)
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
	p.t.Errorf("listening again on %s: %v", p.addr, err)
}

// A wait that sees the server down (connections refused) finishes normally once it is back:
// the polls go on through the outage instead of ending with the network's error. The outage
// is driven by the wait's own events, not a wall-clock time: the server goes down after the
// third poll and comes back only once the client has reported 2*DefaultMaxRetries+1 retries
// after network errors, that is once at least two whole polls (each with its retries) have
// failed and the wait has polled again. (It was down for 5 s of the wall clock.)
func TestWaitSurvivesOutage(t *testing.T) {
	srv := apitest.NewServer(t)
	u, _ := url.Parse(srv.URL)
	proxy := newSwitchProxy(t, u.Host)
	const retriesDown = 2*api.DefaultMaxRetries + 1
	var retries, retriesWhileDown atomic.Int64
	var isDown, wasDown, cameBack atomic.Bool
	c, err := api.NewClient(api.WithBaseURL("http://"+proxy.addr+"/v1"), api.WithToken(srv.Token),
		api.WithRetryBackoff(10*time.Millisecond, 100*time.Millisecond),
		api.OnWait(func(family string, d time.Duration, why string) {
			if why != "retry after network error" {
				return
			}
			retries.Add(1)
			if isDown.Load() && retriesWhileDown.Add(1) == retriesDown {
				// The retry about to be made goes to the server back up.
				proxy.up()
				isDown.Store(false)
				cameBack.Store(true)
			}
		}))
	if err != nil {
		t.Fatal(err)
	}
	srv.SetLifecycle(apitest.SeedTaskHash, apitest.Lifecycle{Polls: 12, Results: 7})
	var polls, pollsAfterUp atomic.Int64
	ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
	defer cancel()
	task, err := c.Tasks.Wait(ctx, apitest.SeedTaskHash, api.WithPollInterval(5*time.Millisecond), api.WithMaxPollInterval(20*time.Millisecond),
		api.OnTaskProgress(func(*api.Task) {
			if cameBack.Load() {
				pollsAfterUp.Add(1)
			}
			if polls.Add(1) == 3 {
				proxy.down()
				isDown.Store(true)
				wasDown.Store(true)
			}
		}))
	if err != nil {
		t.Fatalf("Tasks.Wait across an outage: %v", err)
	}
	if !task.Status.IsDone || task.Status.TotalResults != 7 {
		t.Fatalf("task status %+v; want done with 7 results", task.Status)
	}
	if !wasDown.Load() || !cameBack.Load() || retriesWhileDown.Load() < retriesDown || pollsAfterUp.Load() == 0 {
		t.Fatalf("the outage did not happen during the wait (down %v, back %v, %d retries after network errors while down, %d polls after)",
			wasDown.Load(), cameBack.Load(), retriesWhileDown.Load(), pollsAfterUp.Load())
	}
	t.Logf("%d polls, %d after the server came back; %d retries after network errors reported, %d while it was down", polls.Load(), pollsAfterUp.Load(), retries.Load(), retriesWhileDown.Load())
}

// A wait polls through 5xx and 429 answers (more than the client's own retries), and ends at
// once on an answer no retry can fix. It runs in a synctest bubble (see api.InProcTransport):
// the 429's Retry-After, the polls' intervals and the contexts' deadlines are on the
// bubble's clock, so "at once" is what the client decided, whatever the machine's load.
func TestWaitPollsThroughServerErrors(t *testing.T) {
	synctest.Test(t, waitPollsThroughServerErrors)
}

func waitPollsThroughServerErrors(t *testing.T) {
	srv, baseURL, token, rt := bubbleFake(t)
	c, err := api.NewClient(api.WithBaseURL(baseURL), api.WithToken(token), api.WithHTTPClient(&http.Client{Transport: rt}), api.WithRetryBackoff(time.Millisecond, 5*time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	path := "/v1/tasks/" + apitest.SeedTaskHash
	fault := func(code int, hdr ...string) apitest.Fault {
		f := apitest.Fault{Status: code, Body: []byte(`{"detail": "not now"}`), Header: http.Header{}}
		for i := 0; i+1 < len(hdr); i += 2 {
			f.Header.Set(hdr[i], hdr[i+1])
		}
		return f
	}
	srv.Script(http.MethodGet, path, fault(503), fault(503), fault(503), fault(502), fault(500), fault(504),
		fault(429, "Retry-After", "1"), fault(503), fault(503))
	srv.SetLifecycle(apitest.SeedTaskHash, apitest.Lifecycle{Polls: 2})
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	t0 := time.Now()
	task, err := c.Tasks.Wait(ctx, apitest.SeedTaskHash, api.WithPollInterval(10*time.Millisecond))
	if err != nil || !task.Status.IsDone {
		t.Fatalf("Tasks.Wait through 9 server errors: %v", err)
	}

	t.Logf("through errors: %v", time.Since(t0))
	// 404 and 401 end the wait at once.
	for _, code := range []int{http.StatusNotFound, http.StatusUnauthorized, http.StatusForbidden, http.StatusBadRequest} {
		srv.SetLifecycle(apitest.SeedTaskHash, apitest.Lifecycle{Polls: 3})
		srv.Script(http.MethodGet, path, fault(code))
		start := time.Now()
		_, err := c.Tasks.Wait(ctx, apitest.SeedTaskHash, api.WithPollInterval(10*time.Millisecond))
		var e *api.Error
		if !errors.As(err, &e) || e.StatusCode != code || time.Since(start) > 5*time.Second {
			t.Fatalf("Tasks.Wait meeting %d: %v after %v; want the %d at once", code, err, time.Since(start), code)
		}
	}

	// The context ending during an outage says so, with the last failure; a deadline that
	// the next poll would pass gives the last failure at once.
	srv.SetLifecycle(apitest.SeedTaskHash, apitest.Lifecycle{Polls: 100})
	faults := make([]apitest.Fault, 200)
	for i := range faults {
		faults[i] = fault(503)
	}
	srv.Script(http.MethodGet, path, faults...)
	cancelled, cancel2 := context.WithCancel(ctx)
	time.AfterFunc(300*time.Millisecond, cancel2)
	_, err = c.Tasks.Wait(cancelled, apitest.SeedTaskHash, api.WithPollInterval(10*time.Millisecond))
	var e *api.Error
	if !errors.Is(err, context.Canceled) || !errors.As(err, &e) || e.StatusCode != 503 {
		t.Fatalf("Tasks.Wait cancelled during 503s: %v", err)
	}
	short, cancel3 := context.WithTimeout(ctx, 300*time.Millisecond)
	defer cancel3()
	start := time.Now()
	_, err = c.Tasks.Wait(short, apitest.SeedTaskHash, api.WithPollInterval(10*time.Millisecond))
	if !errors.As(err, &e) || e.StatusCode != 503 || time.Since(start) > 2*time.Second {
		t.Fatalf("Tasks.Wait with a deadline during 503s: %v after %v", err, time.Since(start))
	}
}
