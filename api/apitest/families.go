package apitest

import (
	"strings"
	"time"
)

// The endpoint families of lobstr.io's documented rate limits, by the path's first segment
// after /v1. EnforceFamilyRateLimit gives one family a window of its own.
const (
	FamilySquids   = "squids"   // /v1/squids...: 120 requests a minute (documented)
	FamilyTasks    = "tasks"    // /v1/tasks...: 90 a minute (documented)
	FamilyRunTasks = "runtasks" // /v1/runtasks: 90 a minute (documented)
	FamilyRuns     = "runs"     // /v1/runs...: 120 a minute (documented)
	FamilyResults  = "results"  // /v1/results: 2 a second (documented)
	FamilyOther    = "other"    // every other path (no documented number)
)

// FamilyOf returns the rate-limit family of a request path (/v1/runs/..., /v1/results):
// one of the Family constants.
func FamilyOf(path string) string {
	rest, ok := strings.CutPrefix(path, basePath+"/")
	if !ok {
		return FamilyOther
	}
	first, _, _ := strings.Cut(rest, "/")
	switch first {
	case FamilySquids, FamilyTasks, FamilyRunTasks, FamilyRuns, FamilyResults:
		return first
	}
	return FamilyOther
}

// The documented limit of the results family, which the fake's answers to /v1/results
// count against by default: 2 requests a second (reference: Rate limits). Unlike the shared
// window, it is a window of its own from the start, not enforced until
// EnforceFamilyRateLimit says so.
const (
	ResultsRateLimit  = 2
	ResultsRateWindow = time.Second
)

// defaultFamilies returns the families' own windows a fake starts with: the results
// family's documented 2 requests a second, not enforced.
func defaultFamilies() map[string]*rateWindow {
	return map[string]*rateWindow{FamilyResults: {limit: ResultsRateLimit, window: ResultsRateWindow}}
}

// EnforceFamilyRateLimit gives one endpoint family (FamilyResults, FamilyRuns, …; see
// FamilyOf) a window of its own: its requests count there and nowhere else, its answers'
// X-RateLimit headers describe that window, and a request over limit in a window (a minute
// when window is 0) is answered 429 with Retry-After and the documented body. The other
// families keep the shared window of EnforceRateLimit (by default 90 a minute, not
// enforced), except FamilyResults, whose answers always describe a window of its own (by
// default its documented ResultsRateLimit per ResultsRateWindow, not enforced). Calling it
// again for the same family starts its count afresh; a limit below 1 removes the family's
// own window, which for FamilyResults restores the documented one, not enforced.
func (f *Fake) EnforceFamilyRateLimit(family string, limit int, window time.Duration) {
	if window <= 0 {
		window = time.Minute
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.families == nil {
		f.families = defaultFamilies()
	}
	if limit < 1 {
		delete(f.families, family)
		if w, ok := defaultFamilies()[family]; ok {
			f.families[family] = w
		}
		return
	}
	f.families[family] = &rateWindow{limit: limit, window: window, enforce: true}
}
