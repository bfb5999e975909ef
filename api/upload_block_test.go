package api

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"
)

// blockingReader blocks in Read until release is closed, like a pipe nobody writes to.
type blockingReader struct {
	release chan struct{}
	sent    bool
}

func (b *blockingReader) Read(p []byte) (int, error) {
	if !b.sent {
		b.sent = true
		return copy(p, "url\n"), nil
	}
	<-b.release
	return 0, io.EOF
}

func TestUploadBlockedReaderEndsAtDeadline(t *testing.T) {
	for _, tc := range []struct {
		name    string
		timeout time.Duration // WithTimeout
		ctxTime time.Duration // the context's deadline; 0 for none
	}{
		{"context deadline", time.Minute, 200 * time.Millisecond},
		{"client timeout", 200 * time.Millisecond, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				io.Copy(io.Discard, r.Body) // reads until the client gives up
			}))
			t.Cleanup(srv.Close)
			c, err := NewClient(WithToken("tok"), WithBaseURL(srv.URL+"/v1"), WithoutPacing(), WithTimeout(tc.timeout))
			if err != nil {
				t.Fatal(err)
			}
			r := &blockingReader{release: make(chan struct{})}
			// The reader blocks for 10s: a client that waits for it fails the bound below
			// instead of hanging the test.
			release := time.AfterFunc(10*time.Second, func() { close(r.release) })
			defer func() {
				if release.Stop() {
					close(r.release)
				}
			}()
			ctx := t.Context()
			if tc.ctxTime > 0 {
				var cancel context.CancelFunc
				ctx, cancel = context.WithTimeout(ctx, tc.ctxTime)
				defer cancel()
			}
			start := time.Now()
			_, err = c.Tasks.Upload(ctx, "squid", "tasks.csv", r)
			took := time.Since(start)
			if !errors.Is(err, context.DeadlineExceeded) {
				t.Errorf("err = %v; want one wrapping context.DeadlineExceeded", err)
			}
			// 200ms deadline; a generous bound that a noisy machine still meets, far below the
			// reader's 10s block.
			if took > 3*time.Second {
				t.Errorf("Tasks.Upload returned after %v with a 200ms deadline", took)
			}
		})
	}
}

// A server that answers before it has read the body (a refused token) ends the upload at once,
// while the reader still blocks.
func TestUploadBlockedReaderEarlyAnswer(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Connection", "close") // else Go's server reads the rest of the body before answering
		w.WriteHeader(http.StatusUnauthorized)
		io.WriteString(w, `{"detail": "Invalid token."}`)
	}))
	t.Cleanup(srv.Close)
	c, err := NewClient(WithToken("tok"), WithBaseURL(srv.URL+"/v1"), WithoutPacing(), WithTimeout(time.Minute))
	if err != nil {
		t.Fatal(err)
	}
	r := &blockingReader{release: make(chan struct{})}
	defer close(r.release)
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	start := time.Now()
	_, err = c.Tasks.Upload(ctx, "squid", "tasks.csv", r)
	if !IsUnauthorized(err) {
		t.Errorf("err = %v; want the 401", err)
	}
	if took := time.Since(start); took > 10*time.Second {
		t.Errorf("Tasks.Upload returned after %v; want the 401 at once", took)
	}
}
