package api_test

import (
	"encoding/base64"
	"fmt"

	"github.com/lobstr-go/lobstr/api"
)

// A program that logs what a server answered keeps its token out of its logs: a Redactor
// finds the token as is, JSON-escaped, URL-encoded or in base64 (inside a longer text, the
// few base64 characters the token shares with its neighbours are left: "dXNlcjpa" is
// "user:" and a part of the token's first byte).
func ExampleNewRedactor() {
	token := "Zq8-secret-4fK2x" // os.Getenv("LOBSTR_TOKEN") in a real program
	r := api.NewRedactor(token, "[redacted]")

	basic := base64.StdEncoding.EncodeToString([]byte("user:" + token))
	fmt.Println(r.String(`{"detail": "bad token Zq8-secret-4fK2x"}`))
	fmt.Println(r.String(`{"detail": "bad token \u005aq8-secret-4fK2x"}`))
	fmt.Println(r.String("GET /v1/tasks?token=Zq8%2Dsecret%2D4fK2x"))
	fmt.Println(r.String("Authorization: Basic " + basic))
	fmt.Println(r.String("nothing secret here"))

	// The Redactor of a secret under MinRedactLen bytes is nil, which redacts nothing.
	fmt.Println(api.NewRedactor("abc", "[redacted]") == nil)

	// Several secrets at once, each of its forms computed on the call.
	fmt.Println(api.RedactString("user=alice pass=hunter22 key=s3cr3t-k3y", "***", "hunter22", "s3cr3t-k3y"))
	// Output:
	// {"detail": "bad token [redacted]"}
	// {"detail": "bad token [redacted]"}
	// GET /v1/tasks?token=[redacted]
	// Authorization: Basic dXNlcjpa[redacted]
	// nothing secret here
	// true
	// user=alice pass=*** key=***
}
