package cli

import (
	"encoding/json"
	"strings"
	"testing"
)

func TestWhoami(t *testing.T) {
	url, token := newServer(t)
	inv := invocation{env: envFor(url, token)}
	r := inv.run(t, "whoami")
	for _, want := range []string{"name     John Doe\n", "email    user@example.com\n", "plan     Professional\n",
		"credits  8450 left of 10000 (1550 consumed)\n", "slots    3 of 20 in use\n"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("whoami lacks %q:\n%s", want, r.stdout)
		}
	}
	if r.code != 0 || r.stderr != "" {
		t.Errorf("exit %d, stderr %q", r.code, r.stderr)
	}
	// --json: the two answers as the server sent them.
	r = inv.run(t, "--json", "whoami")
	var doc struct {
		User, Balance json.RawMessage
	}
	if err := json.Unmarshal([]byte(r.stdout), &doc); err != nil || r.code != 0 {
		t.Fatalf("whoami --json: %v, exit %d, %q", err, r.code, r.stdout)
	}
	_, me := rawGet(t, url+"/me", token)
	_, bal := rawGet(t, url+"/user/balance", token)
	if !jsonEqual(t, doc.User, me) || !jsonEqual(t, doc.Balance, bal) {
		t.Errorf("whoami --json %s", r.stdout)
	}
	// A bad token: one line, exit 1, what to do.
	r = invocation{env: envFor(url, "wrong")}.run(t, "whoami")
	if r.code != 1 || r.stdout != "" {
		t.Errorf("wrong token: exit %d, %q", r.code, r.stdout)
	}
	oneLine(t, r.stderr, `^lobstr: GET /v1/me: 401 .*check the token`)
	if r := inv.run(t, "whoami", "extra"); r.code != exitUsage {
		t.Errorf("whoami extra: exit %d", r.code)
	}
}

func TestGoldenWhoami(t *testing.T) {
	url, token := newServer(t)
	goldenWidths(t, "widths-whoami", invocation{env: envFor(url, token)}, nil, "whoami")
}

func TestUnpaid(t *testing.T) {
	for raw, want := range map[string]bool{`true`: true, `false`: false, `{}`: false, `{"status": true, "created_on": 1777545119}`: true, `null`: false} {
		if got := unpaid(json.RawMessage(raw)); got != want {
			t.Errorf("unpaid(%s) = %v", raw, got)
		}
	}
}
