package apitest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sort"
	"strings"
	"testing"

	"github.com/lobstr-go/lobstr/gen/models"
	"github.com/lobstr-go/lobstr/openapi"
)

// fuzzOp is one operation of the document, as FuzzEveryOperation sends it.
type fuzzOp struct {
	method, template string   // "GET", "/tasks/{task_hash}"
	statuses         []string // the statuses the document lists for it
	json             bool     // it takes a JSON body
	fileField        string   // it takes a multipart form: the field of the file
	formFields       []string // and its other fields
}

func (o fuzzOp) key() string { return o.method + " " + o.template }

// everyOperation lists the operations of the document, sorted by method and path so that an
// index names the same operation from run to run.
func everyOperation(t testing.TB) []fuzzOp {
	doc, err := openapi.Load()
	if err != nil {
		t.Fatal(err)
	}
	var ops []fuzzOp
	for path, item := range doc.Paths.Map() {
		for method, op := range item.Operations() {
			o := fuzzOp{method: method, template: path}
			for status := range op.Responses.Map() {
				o.statuses = append(o.statuses, status)
			}
			if op.RequestBody != nil && op.RequestBody.Value != nil {
				content := op.RequestBody.Value.Content
				if content.Get("application/json") != nil {
					o.json = true
				}
				if mt := content.Get("multipart/form-data"); mt != nil && mt.Schema != nil && mt.Schema.Value != nil {
					for name, prop := range mt.Schema.Value.Properties {
						if prop.Value != nil && prop.Value.Format == "binary" {
							o.fileField = name
						} else {
							o.formFields = append(o.formFields, name)
						}
					}
					sort.Strings(o.formFields)
					if o.fileField == "" {
						t.Fatalf("%s: a multipart body without a binary field", o.key())
					}
				}
			}
			ops = append(ops, o)
		}
	}
	sort.Slice(ops, func(i, j int) bool {
		if ops[i].method != ops[j].method {
			return ops[i].method < ops[j].method
		}
		return ops[i].template < ops[j].template
	})
	return ops
}

// routeOf finds the operation the fake's http.ServeMux routes method and path (escaped,
// without /v1) to: of the templates that match the path segment by segment (each segment
// unescaped, a wildcard taking any non-empty one) and have the method, the most specific (a
// literal segment before a wildcard, the earlier the more specific). So GET /tasks/upload is
// Get Task of the task "upload", POST /tasks/upload is Upload Tasks. found is false when no
// template with the method matches.
func routeOf(ops []fuzzOp, method, path string) (op fuzzOp, found bool) {
	segs := strings.Split(strings.TrimPrefix(path, "/"), "/")
	for i, s := range segs {
		u, err := url.PathUnescape(s)
		if err != nil {
			return fuzzOp{}, false
		}
		segs[i] = u
	}
	bestScore := -1
	for _, o := range ops {
		tsegs := strings.Split(strings.TrimPrefix(o.template, "/"), "/")
		if len(tsegs) != len(segs) {
			continue
		}
		score, ok := 0, true
		for i, ts := range tsegs {
			if strings.HasPrefix(ts, "{") {
				ok = ok && segs[i] != ""
				continue
			}
			ok = ok && ts == segs[i]
			score += 1 << (len(tsegs) - i)
		}
		if !ok {
			continue
		}
		if o.method == method && score > bestScore {
			op, found, bestScore = o, true, score
		}
	}
	return op, found
}

// unclean reports whether an escaped path has an empty, "." or ".." segment: a path the
// fake answers 404 whatever it would match once cleaned (TestUncleanPaths).
func unclean(path string) bool {
	for _, s := range strings.Split(strings.TrimPrefix(path, "/"), "/") {
		if s == "" || s == "." || s == ".." {
			return true
		}
	}
	return false
}

// FuzzEveryOperation sends every operation of the document, picked by op, absurd input: each
// path parameter replaced by the fuzzed param (path-escaped), the fuzzed raw query, and the
// fuzzed body as the JSON body or, for a multipart form, as its file (param in its other
// fields). Every answer comes back without a panic, below 500, with a status the document
// lists for the operation the path reaches, an error as a JSON object of a documented shape,
// and no response the validator finds at odds with the document.
func FuzzEveryOperation(f *testing.F) {
	ops := everyOperation(f)
	index := map[string]uint8{}
	for i, o := range ops {
		index[o.key()] = uint8(i)
	}
	if len(ops) > 256 {
		f.Fatalf("%d operations: op (a byte) cannot pick them all", len(ops))
	}
	huge := "page=100000000000000000&limit=100"
	negative := "page=-9223372036854775808&limit=-1"
	bad := "\xff\xfe"
	for _, seed := range []struct{ op, param, query, body string }{
		{"GET /me", "", "", ""},
		{"GET /user/balance", "", "x=%00", ""},
		{"GET /crawlers", "", huge, ""},
		{"GET /crawlers", "", negative, ""},
		{"GET /crawlers/{crawler_hash}", SeedCrawlerID, "", ""},
		{"GET /crawlers/{crawler_hash}/params", SeedCrawlerSlug, "", ""},
		{"GET /crawlers/{crawler_hash}/attributes", "..", "", ""},
		{"GET /squids", "", "name=%00&" + huge, ""},
		{"GET /squids/{squid_hash}", SeedDetailsSquid, "", ""},
		{"POST /squids", "", "", `{"crawler": "` + SeedCrawlerID + `"}`},
		{"POST /squids/{squid_hash}", SeedListedSquid, "", `{"name": "` + bad + `", "concurrency": -1}`},
		{"POST /squids/{squid_hash}/empty", SeedSquid, "", `{"type": "url"}`},
		{"DELETE /squids/{squid_hash}", "%00", "", ""},
		{"GET /squids/{squid_hash}/chain", SeedSquid, "", ""},
		{"POST /squids/{squid_hash}/chain", SeedRunsSquid, "", `{"target": "` + SeedSquid + `"}`},
		{"PATCH /squids/{squid_hash}/chain", SeedSquid, "", `{}`},
		{"DELETE /squids/{squid_hash}/chain", SeedSquid, "", ""},
		{"GET /tasks", "", "squid=" + SeedSquid + "&page=288230376151711745&limit=64", ""},
		{"GET /tasks", "", "squid=a&squid=b&page=1e3&limit=0x10&type=%ff", ""},
		{"POST /tasks", "", "", `{"squid": "` + SeedSquid + `", "tasks": [{"url": "https://example.com/a"}]}`},
		{"POST /tasks", "", "", `{"squid": 1, "tasks": null}`},
		{"GET /tasks/{task_hash}", SeedTaskHash, "", ""},
		{"GET /tasks/{task_hash}", "upload", "", ""},
		{"DELETE /tasks/{task_hash}", "../tasks", "", ""},
		{"POST /tasks/upload", SeedSquid, "", "url\nhttps://a\n"},
		{"POST /tasks/upload", SeedSquid, "", "url,url\n\xff\n"},
		{"GET /tasks/upload/{upload_task_id}", SeedUploadID, "limit=100000000000000000000", ""},
		{"GET /runs", "", "squid=" + SeedRunsSquid + "&" + huge, ""},
		{"POST /runs", "", "", `{"squid": "` + SeedSquid + `"}`},
		{"GET /runs/{run_hash}", SeedRunHash, "", ""},
		{"GET /runs/{run_hash}/stats", SeedRunHash, "", ""},
		{"GET /runs/{run_hash}/credits", bad, "", ""},
		{"POST /runs/{run_hash}/abort", SeedRunHash, "", ""},
		{"GET /runs/{run_hash}/download", SeedRunHash, "file_format=xlsx&fields=a,,b", ""},
		{"GET /runtasks", "", "run=" + SeedRunHash + "&" + negative, ""},
		{"GET /results", "", "run=" + SeedRunHash + "&page_size=0&" + huge, ""},
		{"GET /accounts", "", huge, ""},
		{"GET /accounts/{account_hash}", SeedAccount, "", ""},
		{"DELETE /accounts/{account_hash}", SeedLimitsAccount, "", ""},
		{"GET /accounts/{account_hash}", "cookies", "", ""},
		{"POST /accounts/cookies", "", "", `{"type": "twitter-sync", "cookies": {"auth_token": "x"}}`},
		{"GET /account_types", "", negative, ""},
		{"GET /synchronize/{sync_task_id}", "%2e%2e", "", ""},
		{"POST /delivery", "", "squid=" + SeedSquid, `{"email": "a@b"}`},
		{"POST /delivery/test-webhook", "", "", `{"url": "http://[::1`},
		{"POST /delivery/test-s3", "", "", `[]`},
	} {
		i, ok := index[seed.op]
		if !ok {
			f.Fatalf("seed for %q: no such operation in the document", seed.op)
		}
		f.Add(i, seed.param, seed.query, seed.body)
	}

	f.Fuzz(func(t *testing.T, opIndex uint8, param, query, body string) {
		op := ops[int(opIndex)%len(ops)]
		path := op.template
		for {
			i := strings.IndexByte(path, '{')
			j := strings.IndexByte(path, '}')
			if i < 0 || j < i {
				break
			}
			path = path[:i] + url.PathEscape(param) + path[j+1:]
		}

		var payload []byte
		var ctype string
		switch {
		case op.fileField != "":
			var buf bytes.Buffer
			mw := multipart.NewWriter(&buf)
			for _, field := range op.formFields {
				_ = mw.WriteField(field, param)
			}
			w, _ := mw.CreateFormFile(op.fileField, "tasks.csv")
			_, _ = io.WriteString(w, body)
			_ = mw.Close()
			payload, ctype = buf.Bytes(), mw.FormDataContentType()
		case op.json:
			payload, ctype = []byte(body), "application/json"
		}

		u, err := url.Parse(basePath + path)
		if err != nil {
			t.Fatalf("%s: the escaped path %q does not parse: %v", op.key(), path, err)
		}
		u.RawQuery = query
		r := httptest.NewRequest(op.method, "/v1", bytes.NewReader(payload))
		r.URL = u
		r.RequestURI = u.RequestURI()
		r.Header.Set("Authorization", "Token t") // New without WithToken takes any key
		if ctype != "" {
			r.Header.Set("Content-Type", ctype)
		}
		var c collector
		fake := New(WithViolationHandler(c.add))
		w := httptest.NewRecorder()
		fake.ServeHTTP(w, r) // a panic fails the fuzz target
		what := fmt.Sprintf("%s %q ? %q (body %q)", op.method, basePath+path, query, body)

		// The status. A substituted path reaches the operation fuzzed, unless param made it
		// an unclean path (param "", "." or ".."; PathEscape keeps dots, and an escaped "/"
		// stays inside its segment), which the fake answers 404 before routing, or a literal
		// path of the document with the same method (none today: GET /tasks/upload and GET
		// /accounts/cookies reach the GET of the wildcard template, as the mux matches the
		// method first; routeOf picks the most specific either way). A 405 is never right
		// here: the fuzzed template itself has the method and matches any clean substitution.
		if w.Code >= 500 {
			t.Fatalf("%s: status %d; body %s", what, w.Code, w.Body)
		}
		if unclean(path) {
			if w.Code != http.StatusNotFound {
				t.Fatalf("%s: an unclean path answered %d, want 404; body %s", what, w.Code, w.Body)
			}
		} else if reached, found := routeOf(ops, op.method, path); !found {
			t.Fatalf("%s: the path reaches no operation of the document", what)
		} else if !documented(reached.statuses, w.Code) {
			t.Fatalf("%s: reaches %s and answered %d, not a status the document lists (%v); body %s",
				what, reached.key(), w.Code, reached.statuses, w.Body)
		}

		// An error is a JSON object of a documented error shape.
		if w.Code >= 400 {
			if ct := w.Header().Get("Content-Type"); ct != "application/json" {
				t.Fatalf("%s: status %d with Content-Type %q", what, w.Code, ct)
			}
			var shape map[string]json.RawMessage
			if err := json.Unmarshal(w.Body.Bytes(), &shape); err != nil {
				t.Fatalf("%s: error body %q is not a JSON object: %v", what, w.Body, err)
			}
			var e models.Error
			_, hasDetail := shape["detail"]
			_, hasError := shape["error"]
			if err := e.UnmarshalJSON(w.Body.Bytes()); err != nil || !hasDetail && !hasError {
				t.Fatalf("%s: error body %s is not a documented error shape (%v)", what, w.Body, err)
			}
		}

		for _, v := range c.all() {
			if v.Kind == ResponseViolation {
				t.Fatalf("%s: %v", what, v)
			}
		}
	})
}
