package api_test

import (
	"os/exec"
	"strings"
	"testing"
)

// Importing the client compiles neither kin-openapi nor a YAML library: they belong to the
// fake and the document's tests. It imports no package of internal/ (internal packages may
// import api, never the reverse): the redaction it shares with the drift proxy is its own
// (redact.go).
func TestClientStaysLight(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps", "github.com/lobstr-go/lobstr/api").CombinedOutput()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, out)
	}
	deps := strings.Fields(string(out))
	if len(deps) < 10 {
		t.Fatalf("go list -deps printed too little to be right: %q", out)
	}
	for _, d := range deps {
		l := strings.ToLower(d)
		if strings.Contains(l, "kin-openapi") || strings.Contains(l, "yaml") || strings.Contains(l, "redis") || strings.Contains(l, "lobstr/openapi") || strings.Contains(l, "lobstr/internal") {
			t.Errorf("package api depends on %s", d)
		}
	}
	if !strings.Contains(string(out), "github.com/lobstr-go/lobstr/gen\n") {
		t.Fatalf("package api does not depend on gen: %q", out)
	}
}
