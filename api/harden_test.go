package api

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"net/http"
	"net/http/httptest"
	"net/url"
	"runtime"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/lobstr-go/lobstr/gen/models"
	"github.com/lobstr-go/lobstr/types"
)

// lyingPager answers every list request of any endpoint with the same full page of limit
// items (or 100) and announces 2^40 pages, always naming a next page: a walk that trusts it
// never ends.
type lyingPager struct {
	requests atomic.Int64
}

func (s *lyingPager) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	n := s.requests.Add(1)
	page, _ := strconv.Atoi(r.URL.Query().Get("page"))
	if page == 0 {
		page = 1
	}
	limit, _ := strconv.Atoi(r.URL.Query().Get("limit"))
	if limit == 0 {
		limit = 100
	}
	data := make([]map[string]any, limit)
	for i := range data {
		data[i] = map[string]any{"id": fmt.Sprintf("%032x", i)}
	}
	const pages = 1 << 40
	b, _ := json.Marshal(map[string]any{
		"total_results": pages * limit, "total_pages": pages, "limit": limit, "page": page,
		"data": data, "next": "https://api.example/v1/x?page=" + strconv.Itoa(page+1), "previous": nil,
	})
	if n > 50 {
		// A walk still going after 50 requests has not noticed: stop it with a 400, so the
		// test ends whatever the client does.
		w.WriteHeader(http.StatusBadRequest)
		w.Write([]byte(`{"error": "lying pager: too many requests"}`))
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.Write(b)
}

// collect walks seq to its end and returns the items yielded and the errors.
func collect[T any](seq func(func(T, error) bool)) (items int, errs []error) {
	for _, err := range seq {
		if err != nil {
			errs = append(errs, err)
			continue
		}
		items++
	}
	return items, errs
}

// Issue 20, item 1: a server that answers every page with the same full page and announces
// 2^40 pages kept every All walking until its context ended. A page that yields no unseen
// item now ends the walk with an error wrapping ErrRepeatedPage, on the second request.
func TestAllEndsOnARepeatedPage(t *testing.T) {
	walks := map[string]func(c *Client, ctx context.Context) (int, []error){
		"Tasks.All": func(c *Client, ctx context.Context) (int, []error) {
			return collect(c.Tasks.All(ctx, ListTasksOptions{Squid: "s", Limit: 10}))
		},
		"Squids.All": func(c *Client, ctx context.Context) (int, []error) {
			return collect(c.Squids.All(ctx, ListSquidsOptions{Limit: 10}))
		},
		"Runs.All": func(c *Client, ctx context.Context) (int, []error) {
			return collect(c.Runs.All(ctx, ListRunsOptions{Squid: "s", Limit: 10}))
		},
		"Runs.AllTasks": func(c *Client, ctx context.Context) (int, []error) {
			return collect(c.Runs.AllTasks(ctx, ListRunTasksOptions{Run: fmt.Sprintf("%032x", 7), Limit: 10}))
		},
		"Results.All": func(c *Client, ctx context.Context) (int, []error) {
			return collect(c.Results.All(ctx, ResultsOptions{Squid: "s", Limit: 10}))
		},
		"Accounts.All": func(c *Client, ctx context.Context) (int, []error) {
			return collect(c.Accounts.All(ctx, ListAccountsOptions{Limit: 10}))
		},
		"Crawlers.List": func(c *Client, ctx context.Context) (int, []error) {
			l, err := c.Crawlers.List(ctx)
			if err != nil {
				return len(l), []error{err}
			}
			return len(l), nil
		},
		"Accounts.Types": func(c *Client, ctx context.Context) (int, []error) {
			l, err := c.Accounts.Types(ctx)
			if err != nil {
				return len(l), []error{err}
			}
			return len(l), nil
		},
	}
	for name, w := range walks {
		t.Run(name, func(t *testing.T) {
			s := &lyingPager{}
			srv := httptest.NewServer(s)
			defer srv.Close()
			c := mustClient(t, WithToken("tok-lying"), WithBaseURL(srv.URL+"/v1"), WithoutPacing(), WithMaxRetries(0))
			items, errs := w(c, t.Context())
			n := s.requests.Load()
			switch name {
			case "Crawlers.List":
				// 2^40 pages is past any catalogue: refused at the first answer.
				if n != 1 || len(errs) != 1 || !errors.Is(errs[0], ErrCatalogTooLarge) {
					t.Fatalf("%d requests, errors %v; want 1 and ErrCatalogTooLarge", n, errs)
				}
				return
			case "Accounts.Types":
				// Types returns the types listed when the walk ends short (the documented
				// answer counts more than it lists).
				if n != 2 || len(errs) != 0 || items != 100 {
					t.Fatalf("%d requests, %d types, errors %v; want 2, 100, none", n, items, errs)
				}
				return
			}
			if n != 2 {
				t.Errorf("%d requests; want 2 (the second page holds only items seen before)", n)
			}
			if len(errs) != 1 || !errors.Is(errs[0], ErrRepeatedPage) {
				t.Fatalf("errors %v; want one wrapping ErrRepeatedPage", errs)
			}
			var ie *IncompleteError
			if !errors.As(errs[0], &ie) || ie.Announced <= ie.Seen || !strings.Contains(errs[0].Error(), "seen before") {
				t.Errorf("%v (%+v); want an *IncompleteError saying the page holds items seen before", errs[0], ie)
			}
		})
	}
}

// A repeated page ends the walk even when the server's count is met: the error is not an
// *IncompleteError then, but still wraps ErrRepeatedPage.
func TestAllRepeatedPageWithCountMet(t *testing.T) {
	s := &pageServer{answer: func(n, page, limit int) map[string]any {
		p := envelope(ids(limit), 1, limit)
		p["page"], p["total_results"], p["total_pages"] = page, limit, 1<<40
		p["next"] = "https://api.example/v1/tasks?page=" + strconv.Itoa(page+1)
		if n >= 50 {
			p["page"] = page + 1 // a walk that has not noticed: end it (ErrInconsistentPage)
		}
		return p
	}}
	got, errs := walk(t, s, 1, 10)
	if len(got) != 10 || s.count() != 2 {
		t.Fatalf("%d tasks in %d requests; want 10 in 2", len(got), s.count())
	}
	var ie *IncompleteError
	if len(errs) != 1 || !errors.Is(errs[0], ErrRepeatedPage) || errors.As(errs[0], &ie) {
		t.Fatalf("errors %v; want one wrapping ErrRepeatedPage, not an *IncompleteError", errs)
	}
}

// heapMiB is the live heap after a collection, in MiB.
func heapMiB() float64 {
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return float64(m.HeapAlloc) / (1 << 20)
}

// Issue 20, item 2: Results.All kept every id it had seen, so rows with 40 KB ids grew the
// heap by ~3.9 MiB a page. The walk now keeps a fixed-size hash of each id: from page 3 to
// page 10 of 100 such rows the heap stays flat (under 4 MiB), where the old walk grew by
// ~27 MiB. The walk stops (failing the test) as soon as the growth passes 64 MiB, so a
// regression cannot exhaust the machine. (It was 40 pages of 80 KB ids, measured from page
// 10: 320 MB of JSON, three minutes under -race on a loaded machine, for the same proof.)
func TestResultsAllMemoryBoundedWithHugeIDs(t *testing.T) {
	if testing.Short() {
		t.Skip("10 pages of 4 MB")
	}
	const pages, rows, idLen, from = 10, 100, 40_000, 3
	pad := strings.Repeat("x", idLen-16)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		page, _ := strconv.Atoi(r.URL.Query().Get("page"))
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprintf(w, `{"total_results": %d, "total_pages": %d, "limit": %d, "page": %d, "previous": null, "next": `, pages*rows, pages, rows, page)
		if page < pages {
			fmt.Fprintf(w, `"https://api.example/v1/results?page=%d"`, page+1)
		} else {
			w.Write([]byte("null"))
		}
		w.Write([]byte(`, "data": [`))
		for i := range rows {
			if i > 0 {
				w.Write([]byte(","))
			}
			fmt.Fprintf(w, `{"id": "%08d%08d%s", "name": "n"}`, page, i, pad)
		}
		w.Write([]byte("]}"))
	}))
	defer srv.Close()
	c := mustClient(t, WithToken("tok-heap"), WithBaseURL(srv.URL+"/v1"), WithoutPacing(), WithMaxRetries(0))
	before := heapMiB()
	n, growth, atFrom := 0, 0.0, 0.0
	for _, err := range c.Results.All(t.Context(), ResultsOptions{Squid: "s"}) {
		if err != nil {
			t.Fatal(err)
		}
		n++
		if n%rows == 0 {
			growth = heapMiB() - before
			if n == from*rows {
				atFrom = growth
			}
			if growth > 64 {
				t.Fatalf("heap grew %.1f MiB after %d pages of %d rows with %d-byte ids; want it bounded", growth, n/rows, rows, idLen)
			}
		}
	}
	t.Logf("heap growth after %d pages of %d rows with %d-byte ids: %.2f MiB (%.2f MiB after %d pages; the page being read is live)", n/rows, rows, idLen, growth, atFrom, from)
	if n != pages*rows {
		t.Fatalf("%d rows; want %d", n, pages*rows)
	}
	if growth-atFrom > 4 {
		t.Fatalf("heap grew %.1f MiB from page %d to page %d; want it flat (under 4 MiB)", growth-atFrom, from, pages)
	}
}

// The set of ids seen is capped: past seenCap distinct items, the walk goes on, still
// telling apart the items of the pages it remembers and ending on a repeated page.
func TestWalkSeenSetCapped(t *testing.T) {
	const size = 10
	pages := seenCap/size + 5
	fetches := 0
	fetch := func(ctx context.Context, page int) (*listPage[string], error) {
		fetches++
		p := &listPage[string]{page: page, limit: size, totalResults: pages * size, totalPages: pages, hasNext: true}
		for i := range size {
			p.items = append(p.items, strconv.Itoa((page-1)*size+i))
		}
		if page > pages-2 {
			// the last two pages repeat the one before them
			p.items = nil
			for i := range size {
				p.items = append(p.items, strconv.Itoa((pages-3)*size+i))
			}
		}
		return p, nil
	}
	n := 0
	var walkErr error
	for _, err := range walkPages(t.Context(), "Cap", 1, size, fetch, func(s string) string { return s }) {
		if err != nil {
			walkErr = err
			continue
		}
		n++
	}
	if n != (pages-2)*size || fetches != pages-1 || !errors.Is(walkErr, ErrRepeatedPage) {
		t.Fatalf("%d items in %d fetches, error %v; want %d items, %d fetches, ErrRepeatedPage", n, fetches, walkErr, (pages-2)*size, pages-1)
	}
}

// Issue 20, item 2: Crawlers.List against a server announcing 2^40 pages of new crawlers
// grew without bound (~1 GiB). A catalogue announced or found past MaxCatalogSize crawlers
// is refused with ErrCatalogTooLarge.
func TestCrawlersListRefusesAHugeCatalogue(t *testing.T) {
	for _, announce := range []bool{true, false} {
		t.Run(fmt.Sprintf("announced=%v", announce), func(t *testing.T) {
			var requests atomic.Int64
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				k := requests.Add(1)
				if k > 1000 {
					w.WriteHeader(http.StatusBadRequest)
					return
				}
				page, _ := strconv.Atoi(r.URL.Query().Get("page"))
				limit, _ := strconv.Atoi(r.URL.Query().Get("limit"))
				total, pages, n := 1<<40*limit, 1<<40, limit
				if !announce {
					// a plausible count, and ten times the page size asked in each page
					total, pages, n = MaxCatalogSize, MaxCatalogSize/limit, 10*limit
				}
				data := make([]map[string]any, n)
				for i := range data {
					data[i] = map[string]any{"id": fmt.Sprintf("%032x", (page-1)*n+i), "slug": "c" + strconv.Itoa((page-1)*n+i)}
				}
				b, _ := json.Marshal(map[string]any{"total_results": total, "total_pages": pages, "limit": limit, "page": page,
					"data": data, "next": "https://api.example/v1/crawlers?page=" + strconv.Itoa(page+1), "previous": nil})
				w.Header().Set("Content-Type", "application/json")
				w.Write(b)
			}))
			defer srv.Close()
			c := mustClient(t, WithToken("tok-catalogue"), WithBaseURL(srv.URL+"/v1"), WithoutPacing(), WithMaxRetries(0))
			l, err := c.Crawlers.List(t.Context())
			if !errors.Is(err, ErrCatalogTooLarge) || l != nil {
				t.Fatalf("%d crawlers, error %v; want none and ErrCatalogTooLarge", len(l), err)
			}
			want := int64(1)
			if !announce {
				want = MaxCatalogSize/(10*MaxPageSize) + 1
			}
			if n := requests.Load(); n != want {
				t.Errorf("%d requests; want %d", n, want)
			}
			requests.Store(0)
			if _, err := c.Crawlers.Get(t.Context(), "no-such-slug"); !errors.Is(err, ErrCatalogTooLarge) || requests.Load() != want {
				t.Errorf("Crawlers.Get by slug: %v; want ErrCatalogTooLarge", err)
			}
		})
	}
}

// Issue 20, item 3: Runs.Wait reported Percent 500 and -70 for percent_done "-40" with 50 of
// 10 tasks done, and for "NaN". Percent stays within 0–100 and TasksDone within 0–Tasks.
func TestProgressClamped(t *testing.T) {
	cases := []struct {
		percent      string
		done, tasks  int
		results      int
		wantPercent  float64
		wantDone     int
		wantTasks    int
		wantResults  int
		isDone       bool
		eta          string
		wantFiniteET bool
	}{
		{"-40", 50, 10, 3, 100, 10, 10, 3, false, "", false},
		{"NaN", -7, 10, -5, 0, 0, 10, 0, false, "", false},
		{"nan%", 3, 10, 0, 30, 3, 10, 0, false, "", false},
		{"Inf", 5, 10, 0, 50, 5, 10, 0, false, "inf", false},
		{"-Inf", 5, 10, 0, 50, 5, 10, 0, false, "", false},
		{"1e308", 5, 10, 0, 100, 5, 10, 0, false, "", false},
		{"40", 5, -10, 0, 40, 0, 0, 0, false, "", false},
		{"", 5, 0, 0, 0, 0, 0, 0, false, "", false},
		{"12.5%", 1, 8, 0, 12.5, 1, 8, 0, false, "0:01:30", true},
		{"NaN", 1, 8, 0, 100, 1, 8, 0, true, "", false},
	}
	for _, tc := range cases {
		st := &RunStats{PercentDone: tc.percent, TotalTasksDone: tc.done, TotalTasks: tc.tasks, ResultsDone: tc.results, IsDone: tc.isDone, Eta: tc.eta}
		p := progressOf("r", st)
		if p.Percent != tc.wantPercent || p.TasksDone != tc.wantDone || p.Tasks != tc.wantTasks || p.Results != tc.wantResults {
			t.Errorf("percent_done %q, %d of %d tasks, %d results: Percent %v, %d of %d tasks, %d results; want %v, %d of %d, %d",
				tc.percent, tc.done, tc.tasks, tc.results, p.Percent, p.TasksDone, p.Tasks, p.Results, tc.wantPercent, tc.wantDone, tc.wantTasks, tc.wantResults)
		}
		if math.IsNaN(p.ETASeconds) || math.IsInf(p.ETASeconds, 0) || (p.ETASeconds >= 0) != tc.wantFiniteET {
			t.Errorf("eta %q: ETASeconds %v", tc.eta, p.ETASeconds)
		}
	}
}

// echoForms are the forms of secret a server's echo may take: JSON \u escapes (every
// character, or a few), base64 (standard and URL alphabets, with and without padding, alone
// or inside a longer encoded text at each alignment), URL encoding (query and path escaping,
// upper and lower case hex).
func echoForms(secret string) map[string]string {
	uAll := ""
	for _, r := range secret {
		uAll += fmt.Sprintf(`\u%04x`, r)
	}
	uSome := ""
	for i, r := range secret {
		if i%3 == 0 {
			uSome += fmt.Sprintf(`\u%04X`, r)
		} else {
			uSome += string(r)
		}
	}
	forms := map[string]string{
		`\u all`:  uAll,
		`\u some`: uSome,
		"query":   url.QueryEscape(secret),
		"path":    url.PathEscape(secret),
		"all hex": func() string {
			s := ""
			for i := 0; i < len(secret); i++ {
				s += fmt.Sprintf("%%%02x", secret[i])
			}
			return s
		}(),
	}
	for name, enc := range map[string]*base64.Encoding{"std": base64.StdEncoding, "raw std": base64.RawStdEncoding, "url": base64.URLEncoding, "raw url": base64.RawURLEncoding} {
		forms["base64 "+name] = enc.EncodeToString([]byte(secret))
		forms["base64 "+name+" after 1 byte"] = enc.EncodeToString([]byte("x" + secret + "-and-more"))
		forms["base64 "+name+" after 2 bytes"] = enc.EncodeToString([]byte("xy" + secret))
		forms["base64 "+name+" basic auth"] = enc.EncodeToString([]byte("user:" + secret))
	}
	return forms
}

// leaks reports what of secret, in any of its forms, s still holds.
func leaks(s, secret string, forms map[string]string) []string {
	var out []string
	if strings.Contains(s, secret) {
		out = append(out, "as is")
	}
	for name, f := range forms {
		if strings.Contains(s, f) {
			out = append(out, name)
		}
	}
	return out
}

// Issue 20, item 4: the token echoed \u-escaped, in base64 or URL-encoded in an error body
// stayed in err.Error(), Message and Body. Every form is now redacted.
func TestTokenRedactedInEveryEncoding(t *testing.T) {
	const token = "tok/en+Zq8-ECHOED~secret_4fK2x.9?&="
	for name, form := range echoForms(token) {
		t.Run(name, func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "application/json")
				w.WriteHeader(http.StatusBadRequest)
				fmt.Fprintf(w, `{"error": "bad token %s", "param": "%s", "echo": {"authorization": "%s"}}`, form, form, form)
			}))
			defer srv.Close()
			c := mustClient(t, WithToken(token), WithBaseURL(srv.URL+"/v1"), WithoutPacing(), WithMaxRetries(0))
			_, err := c.Tasks.Get(t.Context(), taskID(1))
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("%v; want an *Error", err)
			}
			for what, s := range map[string]string{"Error()": err.Error(), "Message": e.Message, "Param": e.Param, "Body": string(e.Body), "%+v": fmt.Sprintf("%+v", err), "%#v": fmt.Sprintf("%#v", e)} {
				if l := leaks(s, token, map[string]string{name: form}); len(l) > 0 {
					t.Errorf("%s holds the token (%v): %s", what, l, s)
				}
			}
			if !strings.Contains(e.Message, "[redacted]") {
				t.Errorf("Message %q; want [redacted] in place of the token", e.Message)
			}
		})
	}
}

// Issue 20, item 4: a cookie sent with Accounts.Sync, echoed in a failed sync's status_text
// (as is, \u-escaped, in base64, URL-encoded), was in WaitSync's error. The client redacts
// the cookies of the syncs it started from what it returns about them.
func TestSyncCookiesRedactedFromWaitSync(t *testing.T) {
	const cookie = "AQEDAR-li_at+cookie/VALUE-8fK2"
	syncID := taskID(42)
	for name, form := range echoForms(cookie) {
		t.Run(name, func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "application/json")
				if r.Method == http.MethodPost {
					fmt.Fprintf(w, `{"id": "%s", "object": "synchronize", "status_code": 100, "status_text": "created"}`, syncID)
					return
				}
				fmt.Fprintf(w, `{"id": "%s", "object": "synchronize", "status_code": 401, "status_text": "cookie li_at=%s refused"}`, syncID, form)
			}))
			defer srv.Close()
			c := mustClient(t, WithToken("tok-sync"), WithBaseURL(srv.URL+"/v1"), WithoutPacing(), WithMaxRetries(0))
			task, err := c.Accounts.Sync(t.Context(), "linkedin-sync", Cookies{"li_at": cookie})
			if err != nil {
				t.Fatal(err)
			}
			done, err := c.Accounts.WaitSync(t.Context(), string(task.Id), WithPollInterval(time.Millisecond))
			var sf *SyncFailedError
			if !errors.As(err, &sf) || done == nil {
				t.Fatalf("%v; want a *SyncFailedError", err)
			}
			for what, s := range map[string]string{"Error()": err.Error(), "%+v": fmt.Sprintf("%+v", sf.Task), "task": done.StatusText} {
				if l := leaks(s, cookie, map[string]string{name: form}); len(l) > 0 {
					t.Errorf("%s holds the cookie (%v): %s", what, l, s)
				}
			}
			if !strings.Contains(err.Error(), "[redacted]") {
				t.Errorf("%v; want [redacted] in place of the cookie", err)
			}
		})
	}
}

// Issue 20, item 4: an S3 secret key and an SFTP password answered back showed in %+v of the
// squid (its s3_fields and ftp_fields) and of the generated models. They are types.Secret
// now: printed [redacted], encoded as sent.
func TestAnsweredSecretsPrintRedacted(t *testing.T) {
	const key, pass = "wJalrXUtnFEMI-K7MDENG-bPxRfiCYEXAMPLEKEY", "hunter2-sftp-PASSWORD"
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprintf(w, `{"id": "abc", "name": "n", "s3_fields": {"bucket": "b", "is_active": true, "aws_secret_key": "%s"}, "ftp_fields": {"host": "h", "is_active": true, "password": "%s"}}`, key, pass)
	}))
	defer srv.Close()
	c := mustClient(t, WithToken("tok-squid"), WithBaseURL(srv.URL+"/v1"), WithoutPacing(), WithMaxRetries(0))
	sq, err := c.Squids.Get(t.Context(), "abc")
	if err != nil {
		t.Fatal(err)
	}
	s3 := models.S3Settings{Bucket: "b", AwsSecretKey: Ptr(types.Secret(key))}
	ftp := models.SFTPSettingsResult{Host: "h", Password: types.Secret(pass)}
	for _, verb := range []string{"%v", "%+v", "%#v"} {
		for _, v := range []any{sq, s3, ftp} {
			if out := fmt.Sprintf(verb, v); strings.Contains(out, key) || strings.Contains(out, pass) {
				t.Errorf("%s of %T shows a secret: %s", verb, v, out)
			}
		}
	}
	b, err := json.Marshal(sq)
	if err != nil || !strings.Contains(string(b), key) || !strings.Contains(string(b), pass) {
		t.Fatalf("the squid's JSON %s (%v); want the values as sent", b, err)
	}
}
