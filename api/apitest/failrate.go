package apitest

import (
	"math/rand/v2"
	"net/http"
	"strconv"
)

// failRate answers a share of requests with a server error, for clients that must cope
// with an unreliable API (`lobstr mock --fail-rate`).
type failRate struct {
	p   float64
	rnd *rand.Rand
}

// SetFailRate answers a share p (0 to 1) of the requests with 500 or 503 (half each; a 503
// carries Retry-After: 1), drawn from a random source seeded with seed, so a run with the
// same seed and the same requests fails the same ones. 0 turns it off. Scripted faults
// (Script) come first; a failed request counts in the rate-limit window.
func (f *Fake) SetFailRate(p float64, seed uint64) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if p <= 0 {
		f.fail = failRate{}
		return
	}
	f.fail = failRate{p: min(p, 1), rnd: rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))}
}

// randomFault draws whether the next request fails; f.mu must be held.
func (f *Fake) randomFault() (Fault, bool) {
	if f.fail.p <= 0 || f.fail.rnd.Float64() >= f.fail.p {
		return Fault{}, false
	}
	if f.fail.rnd.IntN(2) == 0 {
		return Fault{Status: http.StatusInternalServerError,
			Body: []byte(`{"detail": "Internal server error (simulated: fail rate)"}` + "\n")}, true
	}
	h := http.Header{}
	h.Set("Retry-After", strconv.Itoa(1))
	return Fault{Status: http.StatusServiceUnavailable, Header: h,
		Body: []byte(`{"detail": "Service unavailable (simulated: fail rate)"}` + "\n")}, true
}
