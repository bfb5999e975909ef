package api

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
)

// taskID is the id of item i of a scripted list.
func taskID(i int) string { return fmt.Sprintf("%032x", i) }

// pageServer is a List Tasks server whose answers a test scripts: answer gets the page and
// limit asked (and how many requests came before) and returns the envelope to send.
type pageServer struct {
	mu       sync.Mutex
	requests int
	answer   func(n, page, limit int) map[string]any
}

func (s *pageServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	page, _ := strconv.Atoi(r.URL.Query().Get("page"))
	limit, _ := strconv.Atoi(r.URL.Query().Get("limit"))
	s.mu.Lock() // held while answering: a script may change its list between requests
	n := s.requests
	s.requests++
	b, _ := json.Marshal(s.answer(n, page, limit))
	s.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	w.Write(b)
}

func (s *pageServer) count() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.requests
}

// envelope is a List Tasks page holding items ids[from:to] of a list of len(ids), as an
// honest server numbers it.
func envelope(ids []string, page, limit int) map[string]any {
	from := min((page-1)*limit, len(ids))
	to := min(from+limit, len(ids))
	data := make([]map[string]any, 0, to-from)
	for _, id := range ids[from:to] {
		data = append(data, map[string]any{"id": id, "created_at": "2025-03-05T09:24:49.581177", "is_active": true, "params": map[string]any{"url": "https://example.com/" + id}})
	}
	var next any
	if to < len(ids) {
		next = "https://api.example/v1/tasks?page=" + strconv.Itoa(page+1)
	}
	return map[string]any{
		"total_results": len(ids), "limit": limit, "page": page,
		"total_pages": (len(ids) + limit - 1) / limit,
		"data":        data, "next": next, "previous": nil,
	}
}

func ids(n int) []string {
	l := make([]string, n)
	for i := range l {
		l[i] = taskID(i)
	}
	return l
}

// walk runs Tasks.All against s to its end and returns the ids yielded and the errors.
func walk(t *testing.T, s *pageServer, start, limit int) (got []string, errs []error) {
	t.Helper()
	srv := httptest.NewServer(s)
	t.Cleanup(srv.Close)
	c, err := NewClient(WithToken("tok"), WithBaseURL(srv.URL+"/v1"), WithoutPacing(), WithMaxRetries(0))
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for task, err := range c.Tasks.All(t.Context(), ListTasksOptions{Squid: "s", Page: start, Limit: limit}) {
		if err != nil {
			errs = append(errs, err)
			continue
		}
		if len(errs) > 0 {
			t.Fatalf("task %s yielded after the error %v", task.Id, errs[0])
		}
		if seen[task.Id] {
			t.Fatalf("task %s yielded twice", task.Id)
		}
		seen[task.Id] = true
		got = append(got, task.Id)
		if len(got) > 1_000_000 {
			t.Fatal("the walk does not end")
		}
	}
	if len(errs) > 1 {
		t.Fatalf("%d errors yielded; want one at most: %v", len(errs), errs)
	}
	return got, errs
}

func wantIncomplete(t *testing.T, errs []error, seen, announced int, changed bool) *IncompleteError {
	t.Helper()
	var ie *IncompleteError
	if len(errs) != 1 || !errors.As(errs[0], &ie) {
		t.Fatalf("errors %v; want one *IncompleteError", errs)
	}
	if ie.Seen != seen || ie.Announced != announced || ie.Changed != changed || ie.Op != "Tasks.All" {
		t.Fatalf("%+v; want Seen %d, Announced %d, Changed %v", ie, seen, announced, changed)
	}
	return ie
}

func TestAllTasksHonestServer(t *testing.T) {
	list := ids(250)
	s := &pageServer{answer: func(_, page, limit int) map[string]any { return envelope(list, page, limit) }}
	got, errs := walk(t, s, 0, 100)
	if len(errs) != 0 || len(got) != 250 || s.count() != 3 {
		t.Fatalf("%d tasks, errors %v, %d requests; want 250, none, 3", len(got), errs, s.count())
	}
	for i, id := range got {
		if id != list[i] {
			t.Fatalf("item %d is %s; want %s", i, id, list[i])
		}
	}
	// From page 2: the 150 tasks from there on, and no shortfall.
	s = &pageServer{answer: func(_, page, limit int) map[string]any { return envelope(list, page, limit) }}
	if got, errs := walk(t, s, 2, 100); len(errs) != 0 || len(got) != 150 || got[0] != list[100] {
		t.Fatalf("from page 2: %d tasks, errors %v", len(got), errs)
	}
	// An empty list: no task, no error, one request.
	s = &pageServer{answer: func(_, page, limit int) map[string]any { return envelope(nil, page, limit) }}
	if got, errs := walk(t, s, 0, 100); len(errs) != 0 || len(got) != 0 || s.count() != 1 {
		t.Fatalf("empty list: %d tasks, errors %v, %d requests", len(got), errs, s.count())
	}
}

// A server that ignores `page` (the case: page 1 with `next` set, whatever was asked)
// no longer makes the walk loop: the second answer is for the wrong page.
func TestAllTasksServerIgnoresPage(t *testing.T) {
	list := ids(100_000)
	s := &pageServer{answer: func(_, _, limit int) map[string]any { return envelope(list, 1, limit) }}
	got, errs := walk(t, s, 0, 100)
	if len(got) != 100 || s.count() != 2 {
		t.Fatalf("%d tasks in %d requests; want page 1's 100 in 2", len(got), s.count())
	}
	if len(errs) != 1 || !errors.Is(errs[0], ErrInconsistentPage) {
		t.Fatalf("errors %v; want one wrapping ErrInconsistentPage", errs)
	}
	if want := "asked for page 2, the server answered page 1"; !strings.Contains(errs[0].Error(), want) {
		t.Fatalf("error %q does not say %q", errs[0], want)
	}
}

// A server that numbers its answers as asked but sends page 1's tasks every time: nothing is
// yielded twice, the walk stops at the first page that holds only tasks seen before (issue
// 20: it went on to the last page announced), and says it saw fewer tasks than announced.
func TestAllTasksServerRepeatsItems(t *testing.T) {
	list := ids(1000)
	s := &pageServer{answer: func(_, page, limit int) map[string]any {
		p := envelope(list, 1, limit)
		p["page"] = page
		return p
	}}
	got, errs := walk(t, s, 0, 100)
	if len(got) != 100 || s.count() != 2 {
		t.Fatalf("%d tasks in %d requests; want 100 distinct in 2", len(got), s.count())
	}
	if ie := wantIncomplete(t, errs, 100, 1000, false); !errors.Is(ie, ErrRepeatedPage) || ie.Reason != "page 2 holds only items seen before" {
		t.Fatalf("%+v; want Err ErrRepeatedPage, the reason naming page 2", ie)
	}
}

// A server that invents new tasks on every page and always names a next page: the walk ends
// on the last page the first answer announced.
func TestAllTasksEndlessNext(t *testing.T) {
	s := &pageServer{answer: func(n, page, limit int) map[string]any {
		p := envelope(ids((page+1)*limit), page, limit) // always one page more
		p["total_results"], p["total_pages"] = 250, 3
		return p
	}}
	got, errs := walk(t, s, 0, 100)
	if len(errs) != 0 || len(got) != 300 || s.count() != 3 {
		t.Fatalf("%d tasks, errors %v, %d requests; want 300, none, 3", len(got), errs, s.count())
	}
	// A first answer that announces fewer pages than its count needs: the count wins.
	s = &pageServer{answer: func(n, page, limit int) map[string]any {
		p := envelope(ids(250), page, limit)
		p["total_pages"] = 1
		return p
	}}
	if got, errs := walk(t, s, 0, 100); len(errs) != 0 || len(got) != 250 || s.count() != 3 {
		t.Fatalf("total_pages 1 for 250 tasks: %d tasks, errors %v, %d requests", len(got), errs, s.count())
	}
}

func TestAllTasksEndsShortWithIncompleteError(t *testing.T) {
	list := ids(250)
	cases := []struct {
		name     string
		edit     func(p map[string]any, page int)
		seen     int
		requests int
		reason   string
	}{
		{"early next null", func(p map[string]any, page int) {
			if page == 2 {
				p["next"] = nil
			}
		}, 200, 2, "page 2 has no next page"},
		{"empty page", func(p map[string]any, page int) {
			if page == 2 {
				p["data"] = []any{}
			}
		}, 100, 2, "page 2 is empty"},
		{"short page with next", func(p map[string]any, page int) {
			if page == 2 {
				p["data"] = p["data"].([]map[string]any)[:40]
			}
		}, 140, 2, "page 2 holds 40 items, not 100"},
		{"first page empty", func(p map[string]any, page int) { p["data"] = []any{} }, 0, 1, "page 1 is empty"},
		{"plan cap", func(p map[string]any, page int) {
			if page == 2 {
				p["next"], p["warning"] = nil, "Free plan: results are limited"
			}
		}, 200, 2, "page 2 has no next page"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s := &pageServer{answer: func(_, page, limit int) map[string]any {
				p := envelope(list, page, limit)
				tc.edit(p, page)
				return p
			}}
			got, errs := walk(t, s, 0, 100)
			ie := wantIncomplete(t, errs, tc.seen, 250, false)
			if len(got) != tc.seen || s.count() != tc.requests || !strings.Contains(ie.Reason, tc.reason) {
				t.Fatalf("%d tasks in %d requests, reason %q; want %d in %d, %q", len(got), s.count(), ie.Reason, tc.seen, tc.requests, tc.reason)
			}
			if msg := ie.Error(); !strings.Contains(msg, fmt.Sprintf("saw %d of the 250", tc.seen)) {
				t.Fatalf("message %q", msg)
			}
			if tc.name == "plan cap" && (ie.Warning == "" || !strings.Contains(ie.Error(), "Free plan")) {
				t.Fatalf("the server's warning is lost: %+v", ie)
			}
		})
	}
	// From page 2, the announced count is what lies from there on: 150.
	s := &pageServer{answer: func(_, page, limit int) map[string]any {
		p := envelope(list, page, limit)
		p["next"] = nil
		return p
	}}
	_, errs := walk(t, s, 2, 100)
	wantIncomplete(t, errs, 100, 150, false)
}

func TestAllTasksItemWithoutID(t *testing.T) {
	s := &pageServer{answer: func(_, page, limit int) map[string]any {
		p := envelope(ids(3), page, limit)
		p["data"].([]map[string]any)[1]["id"] = ""
		return p
	}}
	got, errs := walk(t, s, 0, 100)
	if len(got) != 1 || len(errs) != 1 || !errors.Is(errs[0], ErrInconsistentPage) || !strings.Contains(errs[0].Error(), "item 1 has no id") {
		t.Fatalf("%d tasks, errors %v", len(got), errs)
	}
}

// The documented behaviour of a walk over a list that changes under it.
func TestAllTasksListChangesDuringWalk(t *testing.T) {
	t.Run("deleted before the current page", func(t *testing.T) {
		// Task 5 is deleted once page 1 has been read: task 100 moves onto page 1 and is
		// missed, with nothing to show it (the count went down by one, and so did what was seen).
		list := ids(250)
		s := &pageServer{answer: func(n, page, limit int) map[string]any {
			if n == 1 {
				list = append(list[:5:5], list[6:]...)
			}
			return envelope(list, page, limit)
		}}
		got, errs := walk(t, s, 0, 100)
		if len(errs) != 0 || len(got) != 249 || slices.Contains(got, taskID(100)) || !slices.Contains(got, taskID(5)) {
			t.Fatalf("%d tasks, errors %v", len(got), errs)
		}
	})
	t.Run("added before the current page", func(t *testing.T) {
		// Three tasks are added in front once page 1 has been read: tasks 97 to 99 move onto
		// page 2 and are skipped there, and the three new ones are not seen: a shortfall.
		list := ids(250)
		s := &pageServer{answer: func(n, page, limit int) map[string]any {
			if n == 1 {
				list = append([]string{taskID(1000), taskID(1001), taskID(1002)}, list...)
			}
			return envelope(list, page, limit)
		}}
		got, errs := walk(t, s, 0, 100)
		if len(got) != 250 {
			t.Fatalf("%d tasks; want the 250 there were, each once", len(got))
		}
		ie := wantIncomplete(t, errs, 250, 253, true)
		if !strings.Contains(ie.Error(), "the list changed during the walk") {
			t.Fatalf("message %q", ie.Error())
		}
	})
	t.Run("added at the end", func(t *testing.T) {
		list := ids(250)
		s := &pageServer{answer: func(n, page, limit int) map[string]any {
			if n == 1 {
				list = append(list, taskID(1000))
			}
			return envelope(list, page, limit)
		}}
		got, errs := walk(t, s, 0, 100)
		if len(errs) != 0 || len(got) != 251 || got[250] != taskID(1000) {
			t.Fatalf("%d tasks, errors %v", len(got), errs)
		}
	})
}
