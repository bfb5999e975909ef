package api

import (
	"bytes"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"
)

// A 429 or 503 whose body is over the cap is still the 429 or 503, its body cut at the cap.
func TestErrorOverBodyCapKeepsStatus(t *testing.T) {
	huge := `{"error": "Rate limit exceeded", "type": "RateLimitExceeded", "code": 429, "pad": "` + strings.Repeat("p", 10<<20) + `"}`
	for _, tc := range []struct {
		name    string
		code    int
		maxBody int64 // WithMaxBodySize; 0 for the default
		chunked bool  // no Content-Length
	}{
		{"429 over the default cap", 429, 0, false},
		{"429 over a small cap, chunked", 429, 1 << 10, true},
		{"503 over the default cap, chunked", 503, 0, true},
		{"503 over a small cap", 503, 1 << 10, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Retry-After", "7")
				if !tc.chunked {
					w.Header().Set("Content-Length", strconv.Itoa(len(huge)))
				}
				w.WriteHeader(tc.code)
				io.WriteString(w, huge)
			}))
			t.Cleanup(srv.Close)
			opts := []Option{WithToken("tok"), WithBaseURL(srv.URL + "/v1"), WithoutPacing(), WithMaxRetries(0)}
			if tc.maxBody > 0 {
				opts = append(opts, WithMaxBodySize(tc.maxBody))
			}
			c := mustClient(t, opts...)
			_, err := c.Tasks.Get(t.Context(), seedHash)
			var e *Error
			if !errors.As(err, &e) || e.StatusCode != tc.code || e.RetryAfter != 7*time.Second {
				t.Fatalf("err = %v; want the %d with its Retry-After", err, tc.code)
			}
			if IsRateLimited(err) != (tc.code == 429) {
				t.Fatalf("IsRateLimited = %v for a %d", IsRateLimited(err), tc.code)
			}
			want := int64(maxErrorBody)
			if tc.maxBody > 0 {
				want = min(want, tc.maxBody)
			}
			if int64(len(e.Body)) != want || !bytes.HasPrefix([]byte(huge), e.Body) {
				t.Fatalf("Body is %d bytes; want the first %d", len(e.Body), want)
			}
			if e.Message == "" {
				t.Fatal("empty Message")
			}
		})
	}
	// A success body over the cap is still an error, not a truncated answer.
	srv := httptest.NewServer(status(200, huge))
	t.Cleanup(srv.Close)
	c := mustClient(t, WithToken("tok"), WithBaseURL(srv.URL+"/v1"), WithoutPacing(), WithMaxRetries(0))
	if _, err := c.Tasks.Get(t.Context(), seedHash); err == nil || !strings.Contains(err.Error(), "exceeds") {
		t.Fatalf("200 over the cap: err = %v", err)
	}
}

// allocated returns the bytes allocated while f ran.
func allocated(f func()) uint64 {
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	f()
	runtime.ReadMemStats(&after)
	return after.TotalAlloc - before.TotalAlloc
}

// A body that announces a large Content-Length is not allocated ahead of its bytes: a 2-byte
// body announced as almost the whole cap costs kilobytes, not megabytes.
func TestAnnouncedLengthNotAllocated(t *testing.T) {
	const announced = DefaultMaxBodySize - 1
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Length", strconv.Itoa(announced))
		w.WriteHeader(200)
		io.WriteString(w, "{}") // then the handler returns: the connection is closed short
	}))
	t.Cleanup(srv.Close)
	c := mustClient(t, WithToken("tok"), WithBaseURL(srv.URL+"/v1"), WithoutPacing(), WithMaxRetries(2), WithRetryBackoff(time.Millisecond, time.Millisecond))
	var err error
	n := allocated(func() { _, err = c.Tasks.Get(t.Context(), seedHash) })
	if err == nil || !errors.Is(err, io.ErrUnexpectedEOF) {
		t.Fatalf("err = %v; want a body cut short", err)
	}
	// 3 attempts: before, 3 × 8 MiB. The bound leaves room for the test server in the same
	// process and the runtime.
	t.Logf("3 attempts at a 2-byte body announced as %d bytes allocated %d KiB", announced, n>>10)
	if n > 2<<20 {
		t.Fatalf("allocated %d bytes for 3 two-byte bodies", n)
	}

	// readCapped alone: tight.
	n = allocated(func() {
		_, err = readCapped(strings.NewReader("{}"), 1<<30, 1<<31, false)
	})
	if err != io.ErrUnexpectedEOF || n > 128<<10 {
		t.Fatalf("readCapped of 2 bytes announced as 1 GiB: %v, %d bytes allocated", err, n)
	}
}

// oneByteReader hands out its data a byte at a time, as a slow network does.
type oneByteReader struct{ r io.Reader }

func (o oneByteReader) Read(p []byte) (int, error) {
	if len(p) > 1 {
		p = p[:1]
	}
	return o.r.Read(p)
}

func TestReadCapped(t *testing.T) {
	data := strings.Repeat("0123456789", 30_000) // 300,000 bytes: past the first buffer
	n := int64(len(data))
	for _, tc := range []struct {
		name      string
		body      string
		size, max int64
		prefix    bool
		want      string
		err       error
	}{
		{"exact, announced", data, n, 1 << 20, false, data, nil},
		{"exact, unknown", data, -1, 1 << 20, false, data, nil},
		{"empty, announced", "", 0, 10, false, "", nil},
		{"empty, unknown", "", -1, 10, false, "", nil},
		{"at the cap", data, -1, n, false, data, nil},
		{"over the cap, unknown", data, -1, n - 1, false, "", errBodyTooLarge},
		{"over the cap, announced", data, n, n - 1, false, "", errBodyTooLarge},
		{"over the cap, prefix kept", data, -1, 1000, true, data[:1000], errBodyTooLarge},
		{"announced over the cap, prefix kept", data, n, 1000, true, data[:1000], errBodyTooLarge},
		{"short of the announced", data[:10], 20, 100, false, "", io.ErrUnexpectedEOF},
		{"more than announced", data[:30], 20, 100, false, data[:30], nil},
		{"more than announced, over the cap", data[:300], 20, 100, false, "", errBodyTooLarge},
	} {
		for _, slow := range []bool{false, true} {
			var r io.Reader = strings.NewReader(tc.body)
			if slow {
				r = oneByteReader{r}
			}
			got, err := readCapped(r, tc.size, tc.max, tc.prefix)
			if err != tc.err || string(got) != tc.want {
				t.Errorf("%s (slow %v): %d bytes, %v; want %d, %v", tc.name, slow, len(got), err, len(tc.want), tc.err)
			}
		}
	}
	// A read error is returned as it is.
	if _, err := readCapped(io.MultiReader(strings.NewReader("ab"), &failingReader{}), -1, 10, false); err == nil || err.Error() != "disk on fire" {
		t.Errorf("read error: %v", err)
	}
}
