package apitest

import (
	"encoding/json"
	"math"
	"testing"
)

// The balance counts the credits of the runs started on the fake: a fresh fake answers the
// documented body; after a run of 25 tasks, consumed has grown by what Get Run Credits
// says the run cost, and nothing else of the body moved.
func TestBalanceCountsRunCredits(t *testing.T) {
	srv := NewServer(t, WithRunLifecycle(RunLifecycle{Polls: 2}))
	doc := string(fixture("docs/get-balance.200.json"))
	expect(t, "fresh balance", get(t, srv, "/v1/user/balance"), 200, doc)

	squid := newSquid(t, srv, "leads", 25)
	id := startRun(t, srv, squid)["id"].(string)
	for range 3 {
		if r := get(t, srv, "/v1/runs/"+id); r.status != 200 {
			t.Fatalf("get run: %d %s", r.status, r.body)
		}
	}
	cr := get(t, srv, "/v1/runs/"+id+"/credits")
	if cr.status != 200 {
		t.Fatalf("run credits: %d %s", cr.status, cr.body)
	}
	total := decode[map[string]any](t, cr)["total_credits"].(float64)
	if total <= 0 {
		t.Fatalf("the run cost %v credits; want a finished run that cost some", total)
	}

	var want, got map[string]any
	if err := json.Unmarshal([]byte(doc), &want); err != nil {
		t.Fatal(err)
	}
	r := get(t, srv, "/v1/user/balance")
	if r.status != 200 {
		t.Fatalf("balance: %d %s", r.status, r.body)
	}
	got = decode[map[string]any](t, r)
	consumed := got["consumed"].(float64)
	if wantConsumed := want["consumed"].(float64) + total; math.Abs(consumed-wantConsumed) > 1e-6 {
		t.Errorf("consumed %v after a run of %v credits; want %v", consumed, total, wantConsumed)
	}
	delete(got, "consumed")
	delete(want, "consumed")
	gb, _ := json.Marshal(got)
	wb, _ := json.Marshal(want)
	if string(gb) != string(wb) {
		t.Errorf("the rest of the balance moved:\n %s\nwant\n %s", gb, wb)
	}
}
