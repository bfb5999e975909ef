package types_test

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/lobstr-go/lobstr/types"
)

// A Secret prints as [redacted] with every verb, in a struct and through a pointer, while
// JSON round-trips the value.
func TestSecretPrintsRedacted(t *testing.T) {
	const value = "wJalrXUtnFEMI-K7MDENG-bPxRfiCY"
	s := types.Secret(value)
	type model struct {
		Key  *types.Secret `json:"key"`
		Pass types.Secret  `json:"pass"`
	}
	m := model{Key: &s, Pass: s}
	for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q", "%x", "%X", "%10.3s", "%T %v"} {
		for _, v := range []any{s, &s, m, &m} {
			if out := fmt.Sprintf(verb, v); strings.Contains(out, value) || strings.Contains(out, "774a6c") || strings.Contains(out, "wJal") {
				t.Errorf("%s of %T: %s", verb, v, out)
			}
		}
	}
	if got := fmt.Sprint(s); got != "[redacted]" {
		t.Errorf("Sprint: %q", got)
	}
	if got := fmt.Sprint(types.Secret("")); got != "" {
		t.Errorf("the empty secret prints %q", got)
	}
	b, err := json.Marshal(m)
	if err != nil || string(b) != `{"key":"`+value+`","pass":"`+value+`"}` {
		t.Fatalf("JSON %s, %v", b, err)
	}
	var back model
	if err := json.Unmarshal(b, &back); err != nil || string(*back.Key) != value || string(back.Pass) != value {
		t.Fatalf("decoded %v, %v", back, err)
	}
}
