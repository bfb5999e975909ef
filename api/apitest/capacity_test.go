package apitest

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
)

// What the fake stores: a cap on one task (MaxTaskBytes), on all tasks (MaxStoredBytes), and
// List Tasks under load.

// addBody is an Add Tasks body of n distinct tasks of about size bytes each, for squid.
func addBody(t *testing.T, squid, prefix string, n, size int) []byte {
	t.Helper()
	tasks := make([]map[string]any, n)
	for i := range tasks {
		u := "https://www.google.com/maps/search/" + prefix + "-" + strconv.Itoa(i) + "/"
		tasks[i] = map[string]any{"url": u + strings.Repeat("a", max(0, size-len(u)-12))}
	}
	b, err := json.Marshal(map[string]any{"squid": squid, "tasks": tasks})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func postDirect(f *Fake, path string, body []byte) *httptest.ResponseRecorder {
	return serveDirect(f, "POST", path, "application/json", bytes.NewReader(body), int64(len(body)))
}

// A task over MaxTaskBytes, by one long value or by many short keys (2,000 of them: twice
// the cap; the count makes no difference to the check, which is of the task's JSON), is
// refused 413 with the documented general error shape, and its batch adds nothing; a row of
// an upload over it is invalid.
func TestAddTasksRefusesOversizedTask(t *testing.T) {
	var c collector
	f := New(WithViolationHandler(c.add))
	before := len(f.Tasks(SeedSquid))

	long := addBody(t, SeedSquid, "long", 1, MaxTaskBytes+100)
	expectTooLarge(t, "a long task", postDirect(f, "/v1/tasks", long), "Task 1 is larger than 8192 bytes")

	const nkeys = 2_000
	keys := make(map[string]any, nkeys)
	for i := range nkeys {
		keys["k"+strconv.Itoa(i)] = 1
	}
	if b, _ := json.Marshal(keys); len(b) <= MaxTaskBytes || len(b) > 4*MaxTaskBytes {
		t.Fatalf("the task of %d keys is %d bytes as JSON: want past MaxTaskBytes by a small factor", nkeys, len(b))
	}
	many, err := json.Marshal(map[string]any{"squid": SeedSquid, "tasks": []any{map[string]any{"url": "https://example.com/ok"}, keys}})
	if err != nil {
		t.Fatal(err)
	}
	if len(many) > MaxJSONBody {
		t.Fatalf("the body of %d keys is %d bytes, past MaxJSONBody: the test tests nothing", nkeys, len(many))
	}
	expectTooLarge(t, "a task of 2,000 keys", postDirect(f, "/v1/tasks", many), "Task 2 is larger than 8192 bytes")

	if got := len(f.Tasks(SeedSquid)); got != before {
		t.Errorf("the squid holds %d tasks after the refused batches, want %d", got, before)
	}
	// Just under the cap passes.
	if w := postDirect(f, "/v1/tasks", addBody(t, SeedSquid, "fits", 1, MaxTaskBytes-100)); w.Code != http.StatusOK {
		t.Errorf("a task under MaxTaskBytes: status %d, body %.300s", w.Code, w.Body)
	}

	csv := "url\nhttps://example.com/short\nhttps://example.com/" + strings.Repeat("b", MaxTaskBytes) + "\n"
	srv := NewServer(t, WithViolationHandler(c.add))
	ctype, form := uploadForm(t, "tasks.csv", "text/csv", csv, [2]string{"file", ""}, [2]string{"squid", SeedSquid})
	up := decode[map[string]any](t, call(t, srv, "POST", "/v1/tasks/upload", bytes.NewReader(form), ctype))
	id, _ := up["id"].(string)
	var status response
	for range finishedAt {
		status = get(t, srv, "/v1/tasks/upload/"+id)
	}
	expect(t, "the upload with a long row", status, 200, "")
	meta, _ := decode[map[string]any](t, status)["meta"].(map[string]any)
	if meta["invalid"] != 1.0 || meta["inserted"] != 1.0 {
		t.Errorf("upload meta %v, want the long row invalid and the other inserted", meta)
	}
	if vs := c.all(); len(vs) > 0 {
		t.Errorf("violations: %v", vs)
	}
}

// testStoreCap is the store cap of TestAddTasksStoreIsBounded's fake: seven batches of 125
// tasks of 8000 bytes (1 MB each) fit under it and the eighth does not, as fifteen batches
// of the client's 500 fit under MaxStoredBytes and the sixteenth does not, so the test
// proves the same bound without storing 64 MiB from 4 MB bodies
// (TestStoreCapIsMaxStoredBytes checks the default cap itself).
const testStoreCap = 8 << 20

// Add Tasks with 1 MB batches of distinct tasks: the fake stores up to its cap, then
// answers 413 and stores nothing more; the live heap stays near what it stores, and
// deleting tasks gives room back. The fake's cap is lowered to testStoreCap; the test
// stops early if the heap grows past 2.5 times the cap.
func TestAddTasksStoreIsBounded(t *testing.T) {
	if !inChild(t) {
		return
	}
	var c collector
	f := New(WithViolationHandler(c.add))
	f.storeCap = testStoreCap
	const requests, batch, size = 10, 125, 8000
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	start := ms.HeapAlloc
	var peakLive uint64
	var added []string
	firstFull := -1
	for i := range requests {
		body := addBody(t, SeedSquid, "r"+strconv.Itoa(i), batch, size)
		if len(body) > MaxJSONBody {
			t.Fatalf("a batch is %d bytes, past MaxJSONBody", len(body))
		}
		w := postDirect(f, "/v1/tasks", body)
		switch w.Code {
		case http.StatusOK:
			if firstFull >= 0 {
				t.Fatalf("request %d added tasks after request %d was refused for room", i, firstFull)
			}
			var res struct {
				Tasks []struct{ ID string } `json:"tasks"`
			}
			if err := json.Unmarshal(w.Body.Bytes(), &res); err != nil || len(res.Tasks) != batch {
				t.Fatalf("request %d: %d tasks added (%v), want %d", i, len(res.Tasks), err, batch)
			}
			for _, tk := range res.Tasks {
				added = append(added, tk.ID)
			}
		case http.StatusRequestEntityTooLarge:
			expectTooLarge(t, "request "+strconv.Itoa(i), w, "stores at most "+strconv.Itoa(testStoreCap)+" bytes of tasks")
			if firstFull < 0 {
				firstFull = i
			}
		default:
			t.Fatalf("request %d: status %d, body %.300s", i, w.Code, w.Body)
		}
		runtime.GC()
		runtime.ReadMemStats(&ms)
		live := ms.HeapAlloc - min(ms.HeapAlloc, start)
		peakLive = max(peakLive, live)
		if live > testStoreCap*5/2 {
			t.Fatalf("after %d requests the live heap grew by %.1f MiB: stopped", i+1, mib(int64(live)))
		}
	}
	f.mu.Lock()
	stored := f.stored
	f.mu.Unlock()
	t.Logf("heap: %d requests of %d tasks of %d bytes; %d tasks stored (%.1f MiB); first refused: request %d; peak live heap growth %.1f MiB, heap obtained from the OS %.1f MiB, peak RSS %.0f MiB",
		requests, batch, size, len(added), mib(int64(stored)), firstFull, mib(int64(peakLive)), mib(int64(ms.HeapSys)), peakRSS())
	if firstFull < 0 {
		t.Fatalf("no request was refused: %d tasks of %d bytes stored", len(added), size)
	}
	if want := testStoreCap / (batch * (size + TaskOverhead)); firstFull != want || firstFull >= requests-1 {
		t.Errorf("the first refused request is %d, want %d (%d bytes a request under %d), before the last of %d", firstFull, want, batch*(size+TaskOverhead), testStoreCap, requests)
	}
	if stored > testStoreCap {
		t.Errorf("the fake stores %d bytes, past its cap %d", stored, testStoreCap)
	}
	if peakLive > testStoreCap*3/2 {
		t.Errorf("the live heap grew by %.1f MiB, for %.1f MiB stored", mib(int64(peakLive)), mib(int64(stored)))
	}

	// Deleting a batch's worth of tasks makes room for one more batch.
	for _, id := range added[:batch] {
		if w := serveDirect(f, "DELETE", "/v1/tasks/"+id, "", nil, 0); w.Code != http.StatusOK {
			t.Fatalf("delete %s: %d %s", id, w.Code, w.Body)
		}
	}
	if w := postDirect(f, "/v1/tasks", addBody(t, SeedSquid, "again", batch, size)); w.Code != http.StatusOK {
		t.Errorf("after deleting %d tasks: status %d, body %.300s", batch, w.Code, w.Body)
	}
	if vs := c.all(); len(vs) > 0 {
		t.Errorf("violations: %v", vs[0])
	}
}

// A fake's store cap is MaxStoredBytes: with the store filled to a task short of it, that
// task fits exactly, and any task more is refused with the documented 413 naming
// 67108864 bytes; deleting the task gives its room back. (TestAddTasksStoreIsBounded
// fills a lowered cap through the API.)
func TestStoreCapIsMaxStoredBytes(t *testing.T) {
	var c collector
	f := New(WithViolationHandler(c.add))
	if f.maxStored() != MaxStoredBytes || MaxStoredBytes != 64<<20 {
		t.Fatalf("the store cap is %d, MaxStoredBytes %d: want 64 MiB", f.maxStored(), MaxStoredBytes)
	}
	storedNow := func() int {
		f.mu.Lock()
		defer f.mu.Unlock()
		return f.stored
	}
	task := func(name string) []byte { return addBody(t, SeedSquid, name, 1, 1000) }
	added := func(what string, w *httptest.ResponseRecorder) string {
		t.Helper()
		var res struct {
			Tasks []struct{ ID string } `json:"tasks"`
		}
		if w.Code != http.StatusOK || json.Unmarshal(w.Body.Bytes(), &res) != nil || len(res.Tasks) != 1 {
			t.Fatalf("%s: status %d, body %.300s", what, w.Code, w.Body)
		}
		return res.Tasks[0].ID
	}

	// The cost of the task, as the fake counts it.
	before := storedNow()
	id := added("the task", postDirect(f, "/v1/tasks", task("edge")))
	cost := storedNow() - before
	if cost <= TaskOverhead {
		t.Fatalf("the task costs %d bytes, want its params and TaskOverhead", cost)
	}
	if w := serveDirect(f, "DELETE", "/v1/tasks/"+id, "", nil, 0); w.Code != http.StatusOK {
		t.Fatalf("delete: %d %s", w.Code, w.Body)
	}
	if got := storedNow(); got != before {
		t.Fatalf("after the delete the fake stores %d bytes, want %d back", got, before)
	}

	// The store filled to the task's cost short of the cap: the task fits, to the byte.
	f.mu.Lock()
	f.stored = MaxStoredBytes - cost
	f.mu.Unlock()
	added("the task that fills the cap", postDirect(f, "/v1/tasks", task("edge")))
	if got := storedNow(); got != MaxStoredBytes {
		t.Errorf("the fake stores %d bytes, want MaxStoredBytes", got)
	}
	w := postDirect(f, "/v1/tasks", task("past"))
	expectTooLarge(t, "a task past the cap", w, "The fake stores at most 67108864 bytes of tasks: delete tasks or squids first.")
	if got := storedNow(); got != MaxStoredBytes {
		t.Errorf("after the refused task the fake stores %d bytes, want MaxStoredBytes", got)
	}
	if vs := c.all(); len(vs) > 0 {
		t.Errorf("violations: %v", vs[0])
	}
}

// 4×MaxConcurrentReads concurrent List Tasks of a page of the largest tasks the fake takes:
// the heap stays bounded, since MaxConcurrentReads of them are worked on at once (which
// TestReadGate checks by count; 4 rounds through the gate show its queue as well as 100
// lists did, at a third of the cost). A task of 1 MiB (which the fake used to take) is
// refused first.
func TestListTasksBoundedUnderLoad(t *testing.T) {
	if !inChild(t) {
		return
	}
	var c collector
	f := New(WithViolationHandler(c.add))
	f.AddSquid("big")
	huge := addBody(t, "big", "huge", 1, 1<<20)
	if w := postDirect(f, "/v1/tasks", huge); w.Code != http.StatusRequestEntityTooLarge {
		t.Errorf("a task of 1 MiB: status %d, want 413", w.Code)
	}
	if w := postDirect(f, "/v1/tasks", addBody(t, "big", "max", maxLimit, MaxTaskBytes-64)); w.Code != http.StatusOK {
		t.Fatalf("adding %d tasks: status %d, body %.300s", maxLimit, w.Code, w.Body)
	}
	const lists = 4 * MaxConcurrentReads
	codes := make([]int, lists)
	sizes := make([]int, lists)
	use := measureWith(func() {
		var wg sync.WaitGroup
		for i := range lists {
			wg.Go(func() {
				w := serveDirect(f, "GET", "/v1/tasks?squid=big&limit=100", "", nil, 0)
				codes[i], sizes[i] = w.Code, w.Body.Len()
			})
		}
		wg.Wait()
	}, 2_000_000)
	for i := range lists {
		if codes[i] != http.StatusOK || sizes[i] < maxLimit*(MaxTaskBytes-200) {
			t.Fatalf("list %d: status %d, %d bytes", i, codes[i], sizes[i])
		}
	}
	t.Logf("heap: %d concurrent lists of %d bytes: %v; peak RSS of the process %.0f MiB", lists, sizes[0], use, peakRSS())
	if use.peak > 96<<20 {
		t.Errorf("%d concurrent lists: peak heap growth %.1f MiB, want under 96 MiB", lists, mib(use.peak))
	}
	if vs := c.all(); len(vs) > 0 {
		t.Errorf("violations: %v", vs[0])
	}
}

// 3×MaxConcurrentReads concurrent GET requests: exactly MaxConcurrentReads are worked on
// at once, the others wait their turn, and all are answered. It runs in a synctest bubble,
// each request held in its operation until the test lets it go: once every goroutine waits,
// the count of requests inside is what the gate let in, not what the scheduler happened to
// run.
func TestReadGate(t *testing.T) {
	New() // the package's lazily built state (the document, the catalogue), outside the bubble
	synctest.Test(t, func(t *testing.T) {
		f := New(WithViolationHandler(func(v Violation) { t.Errorf("apitest: %v", v) }))
		var mu sync.Mutex
		inside, most, entered := 0, 0, 0
		release := make(chan struct{})
		f.respHook = func(op string, resp any) any {
			mu.Lock()
			inside++
			entered++
			most = max(most, inside)
			mu.Unlock()
			<-release
			mu.Lock()
			inside--
			mu.Unlock()
			return resp
		}
		const requests = 3 * MaxConcurrentReads
		codes := make([]int, requests)
		var wg sync.WaitGroup
		for i := range requests {
			wg.Go(func() { codes[i] = serveDirect(f, "GET", "/v1/tasks?squid="+SeedSquid, "", nil, 0).Code })
		}
		synctest.Wait()
		mu.Lock()
		in, seen := inside, entered
		mu.Unlock()
		if in != MaxConcurrentReads || seen != MaxConcurrentReads {
			t.Errorf("with every request waiting: %d inside the operation (%d entered), want MaxConcurrentReads (%d)", in, seen, MaxConcurrentReads)
		}
		close(release)
		wg.Wait()
		for i, code := range codes {
			if code != http.StatusOK {
				t.Errorf("request %d: status %d", i, code)
			}
		}
		if most != MaxConcurrentReads || entered != requests {
			t.Errorf("at most %d requests inside at once, %d entered; want %d and %d", most, entered, MaxConcurrentReads, requests)
		}
	})
}

// peakRSS is the process's peak resident set (VmHWM) in MiB, for the log; 0 where
// /proc/self/status does not say.
func peakRSS() float64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			kb, _ := strconv.Atoi(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), "kB")))
			return float64(kb) / 1024
		}
	}
	return 0
}
