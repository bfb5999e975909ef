package api_test

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/lobstr-go/lobstr/api"
	"github.com/lobstr-go/lobstr/api/apitest"
)

// bigExportSize is the size of the export of TestDownloadTwoHundredMegabytes.
const bigExportSize = 200 << 20

// newBigFileHost serves a CSV export of size bytes at /export.csv, made of one row repeated
// (no memory per byte served), with its Content-Length, and refuses a request with an
// Authorization header as the file host does.
func newBigFileHost(t testing.TB, size int64) string {
	t.Helper()
	row := []byte("b4af52b85c45661828d61980c167054b,result,b6c56d18cb0046949461ba9ca278e8ad,300e9c5c127d421c90f431478d9a2cfb,1860 Le Palais,\"9 La Canebière Vieux Port, 13001 Marseille, France\",+33491995484,https://www.1860lepalais.fr/,4.4,1220,2025-02-10T14:31:05.487Z\n")
	chunk := make([]byte, 0, 64<<10)
	for len(chunk)+len(row) <= cap(chunk) {
		chunk = append(chunk, row...)
	}
	s := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "" {
			http.Error(w, "no Authorization header here", http.StatusForbidden)
			return
		}
		w.Header().Set("Content-Type", "text/csv")
		w.Header().Set("Content-Length", strconv.FormatInt(size, 10))
		for left := size; left > 0; {
			n := min(left, int64(len(chunk)))
			if _, err := w.Write(chunk[:n]); err != nil {
				return
			}
			left -= n
		}
	})}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go s.Serve(ln)
	t.Cleanup(func() { s.Close() })
	return "http://" + ln.Addr().String() + "/export.csv"
}

// Download of a 200 MB export, in a process of its own: the heap grows by less than 2 MiB
// while it streams. Its throughput and a plain net/http io.Copy's of the same URL are
// logged, one run of each, the Download being the warm-up of the heap's measure (it was a
// warm-up of each then the best of 3 each: 1.2 GB more to copy for numbers only logged;
// the benchmarks below compare them).
func TestDownloadTwoHundredMegabytes(t *testing.T) {
	if os.Getenv("LOBSTR_HEAP_CHILD") != "1" {
		cmd := exec.Command(os.Args[0], "-test.run=^TestDownloadTwoHundredMegabytes$", "-test.v")
		cmd.Env = append(os.Environ(), "LOBSTR_HEAP_CHILD=1")
		out, err := cmd.CombinedOutput()
		for _, line := range strings.Split(string(out), "\n") {
			if strings.Contains(line, "200 MiB download:") {
				t.Log(strings.TrimSpace(line))
			}
		}
		if err != nil || !strings.Contains(string(out), "--- PASS: TestDownloadTwoHundredMegabytes") {
			t.Fatalf("the measuring process failed: %v\n%s", err, out)
		}
		return
	}
	srv, c := fakeClient(t, nil)
	link := newBigFileHost(t, bigExportSize)
	plain := &http.Client{Transport: srv.Client().Transport}
	copyPlain := func() (int64, error) {
		res, err := plain.Get(link)
		if err != nil {
			return 0, err
		}
		defer res.Body.Close()
		return io.Copy(io.Discard, res.Body)
	}
	download := func() (int64, error) {
		pointAt(srv.Fake, apitest.SeedRunHash, link)
		return c.Runs.Download(context.Background(), apitest.SeedRunHash, io.Discard)
	}
	// One Download (the warm-up of the heap's measure) and one plain copy, timed for the log
	// only: the throughput is never asserted (on a shared machine a timed bound flakes);
	// BenchmarkDownload and BenchmarkPlainCopy measure it with -count and benchstat.
	timed := func(f func() (int64, error)) time.Duration {
		start := time.Now()
		if n, err := f(); err != nil || n != bigExportSize {
			t.Fatalf("%d bytes, %v", n, err)
		}
		return time.Since(start)
	}
	tOurs, tPlain := timed(download), timed(copyPlain)
	// Then the heap: measured during one Download, the GC eager.
	growth := func() int64 {
		defer debug.SetGCPercent(debug.SetGCPercent(10))
		runtime.GC()
		var before runtime.MemStats
		runtime.ReadMemStats(&before)
		var peak atomic.Uint64
		stop := make(chan struct{})
		var wg sync.WaitGroup
		wg.Go(func() {
			var ms runtime.MemStats
			for {
				runtime.ReadMemStats(&ms)
				if ms.HeapAlloc > peak.Load() {
					peak.Store(ms.HeapAlloc)
				}
				select {
				case <-stop:
					return
				case <-time.After(5 * time.Millisecond):
				}
			}
		})
		n, err := download()
		close(stop)
		wg.Wait()
		if err != nil || n != bigExportSize {
			t.Fatalf("Download: %d bytes, %v", n, err)
		}
		return int64(peak.Load()) - int64(before.HeapAlloc)
	}()

	mbps := func(d time.Duration) float64 { return float64(bigExportSize) / (1 << 20) / d.Seconds() }
	t.Logf("200 MiB download: peak heap growth %.2f MiB; Runs.Download %.0f MiB/s, plain io.Copy %.0f MiB/s: %.2fx (one of each)",
		float64(growth)/(1<<20), mbps(tOurs), mbps(tPlain), tPlain.Seconds()/tOurs.Seconds())
	if fs := srv.FileRequests(); fs.WithAuthorization != 0 {
		t.Fatalf("file host: %+v", fs)
	}
	if growth >= 2<<20 {
		t.Fatalf("the heap grew by %d bytes during a 200 MiB download; want under 2 MiB", growth)
	}
}

// BenchmarkDownload and BenchmarkPlainCopy fetch the same 32 MiB file, through Runs.Download
// and through a plain net/http io.Copy: compare them with benchstat.
func BenchmarkDownload(b *testing.B) {
	srv := apitest.NewServer(b)
	c, err := api.NewClient(api.WithBaseURL(srv.URL), api.WithToken(srv.Token), api.WithHTTPClient(srv.Client()), api.WithoutPacing())
	if err != nil {
		b.Fatal(err)
	}
	link := newBigFileHost(b, 32<<20)
	b.SetBytes(32 << 20)
	for b.Loop() {
		pointAt(srv.Fake, apitest.SeedRunHash, link)
		if n, err := c.Runs.Download(context.Background(), apitest.SeedRunHash, io.Discard); err != nil || n != 32<<20 {
			b.Fatal(n, err)
		}
	}
}

// BenchmarkPlainCopy is BenchmarkDownload's baseline.
func BenchmarkPlainCopy(b *testing.B) {
	srv := apitest.NewServer(b)
	link := newBigFileHost(b, 32<<20)
	plain := &http.Client{Transport: srv.Client().Transport}
	b.SetBytes(32 << 20)
	for b.Loop() {
		res, err := plain.Get(link)
		if err != nil {
			b.Fatal(err)
		}
		n, err := io.Copy(io.Discard, res.Body)
		res.Body.Close()
		if err != nil || n != 32<<20 {
			b.Fatal(fmt.Sprint(n), err)
		}
	}
}
