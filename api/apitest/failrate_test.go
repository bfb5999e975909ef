package apitest

import (
	"net/http"
	"net/http/httptest"
	"slices"
	"testing"
)

// TestFailRate checks SetFailRate: about the share asked fails, 500 or 503 (with
// Retry-After), the same requests fail for the same seed, and 0 turns it off.
func TestFailRate(t *testing.T) {
	statuses := func(seed uint64, p float64) []int {
		f := New(WithToken("tok"))
		f.SetFailRate(p, seed)
		var got []int
		for range 400 {
			req := httptest.NewRequest("GET", "/v1/tasks/"+SeedTaskHash, nil)
			req.Header.Set("Authorization", "Token tok")
			rec := httptest.NewRecorder()
			f.ServeHTTP(rec, req)
			if rec.Code == http.StatusServiceUnavailable && rec.Header().Get("Retry-After") != "1" {
				t.Fatalf("a 503 without Retry-After: %v", rec.Header())
			}
			got = append(got, rec.Code)
		}
		return got
	}
	a, b := statuses(7, 0.25), statuses(7, 0.25)
	if !slices.Equal(a, b) {
		t.Error("the same seed failed different requests")
	}
	count := map[int]int{}
	for _, s := range a {
		count[s]++
	}
	failed := count[500] + count[503]
	// 400 draws at 0.25: 100 expected; 60..140 is more than 4 standard deviations wide.
	if failed < 60 || failed > 140 || count[500] == 0 || count[503] == 0 || count[200] != 400-failed {
		t.Errorf("statuses %v", count)
	}
	if c := statuses(8, 0.25); slices.Equal(a, c) {
		t.Error("another seed failed the same requests")
	}
	for _, s := range statuses(7, 0) {
		if s != 200 {
			t.Fatalf("fail rate 0: status %d", s)
		}
	}
}
