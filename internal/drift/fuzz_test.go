package drift

import (
	"net/http"
	"testing"

	"github.com/lobstr-go/lobstr/openapi"
)

// FuzzCheckResponse feeds any answer body to the checks of every operation: they must
// not panic, and each finding must say where and what it is.
func FuzzCheckResponse(f *testing.F) {
	for _, name := range []string{"get-task.200.json", "list-tasks.200.json", "get-task.404.json", "error.ratelimit.429.json"} {
		b, err := openapi.Fixture(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b, 200)
		f.Add(b, 404)
	}
	f.Add([]byte(`{"data":[{"x":1},[],null]}`), 200)
	f.Add([]byte(`[1,`), 500)
	doc, err := openapi.Load()
	if err != nil {
		f.Fatal(err)
	}
	kinds := map[Kind]bool{UnknownField: true, WrongType: true, MissingRequired: true, UndocumentedStatus: true,
		UndocumentedErrorShape: true, UndocumentedContentType: true, InvalidValue: true, MalformedBody: true}
	f.Fuzz(func(t *testing.T, body []byte, status int) {
		if status < 100 || status > 599 {
			return
		}
		header := http.Header{"Content-Type": {"application/json"}, "X-Ratelimit-Remaining": {string(body[:min(len(body), 8)])}}
		for _, item := range doc.Paths.Map() {
			for _, op := range item.Operations() {
				rkey, fs := checkResponse(op, status, header, body)
				if rkey == "" {
					t.Fatalf("%s %d: no response key", op.OperationID, status)
				}
				for _, f := range fs {
					if !kinds[f.kind] || f.in == "" || f.message == "" {
						t.Fatalf("%s %d: incomplete finding %+v", op.OperationID, status, f)
					}
				}
			}
		}
	})
}
