package apitest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/textproto"
	"reflect"
	"strings"
	"sync"
	"testing"
)

// collector keeps the violations a fake reports.
type collector struct {
	mu   sync.Mutex
	list []Violation
}

func (c *collector) add(v Violation) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.list = append(c.list, v)
}

func (c *collector) all() []Violation {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]Violation(nil), c.list...)
}

// response is an answer of the fake, read whole.
type response struct {
	status int
	header http.Header
	body   []byte
}

// call sends a request with the server's token and reads the answer.
func call(t *testing.T, srv *Server, method, path string, body io.Reader, ctype string) response {
	t.Helper()
	return callAs(t, srv, "Token "+srv.Token, method, path, body, ctype)
}

func callAs(t *testing.T, srv *Server, auth, method, path string, body io.Reader, ctype string) response {
	t.Helper()
	target := path
	if !strings.HasPrefix(path, "http") {
		target = strings.TrimSuffix(srv.URL, basePath) + path
	}
	req, err := http.NewRequest(method, target, body)
	if err != nil {
		t.Fatal(err)
	}
	if auth != "" {
		req.Header.Set("Authorization", auth)
	}
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	resp, err := srv.Client().Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("%s %s: reading the body: %v", method, path, err)
	}
	return response{status: resp.StatusCode, header: resp.Header, body: b}
}

// direct sends a request to f's handler, without a network (see serveDirect): for a test
// in a synctest bubble, where the fake's clock is the bubble's.
func direct(t *testing.T, f *Fake, method, path string) response {
	t.Helper()
	w := serveDirect(f, method, path, "", nil, 0)
	return response{status: w.Code, header: w.Header(), body: w.Body.Bytes()}
}

// directJSON sends a request with v as its JSON body to f's handler, without a network.
func directJSON(t *testing.T, f *Fake, method, path string, v any) response {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	w := serveDirect(f, method, path, "application/json", bytes.NewReader(b), int64(len(b)))
	return response{status: w.Code, header: w.Header(), body: w.Body.Bytes()}
}

func get(t *testing.T, srv *Server, path string) response {
	t.Helper()
	return call(t, srv, "GET", path, nil, "")
}

func postJSON(t *testing.T, srv *Server, path string, v any) response {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return call(t, srv, "POST", path, bytes.NewReader(b), "application/json")
}

// expect checks the status and that the body is JSON equal to want (a JSON text).
func expect(t *testing.T, what string, got response, status int, want string) {
	t.Helper()
	if got.status != status {
		t.Errorf("%s: status %d, want %d; body %s", what, got.status, status, got.body)
		return
	}
	if want != "" && !jsonEqual(t, got.body, []byte(want)) {
		t.Errorf("%s: body\n %s\nwant\n %s", what, bytes.TrimSpace(got.body), want)
	}
	if ct := got.header.Get("Content-Type"); ct != "application/json" {
		t.Errorf("%s: Content-Type %q, want application/json", what, ct)
	}
}

func jsonEqual(t *testing.T, a, b []byte) bool {
	t.Helper()
	var x, y any
	if err := json.Unmarshal(a, &x); err != nil {
		t.Fatalf("not JSON: %v: %s", err, a)
	}
	if err := json.Unmarshal(b, &y); err != nil {
		t.Fatalf("not JSON: %v: %s", err, b)
	}
	return reflect.DeepEqual(x, y)
}

func decode[T any](t *testing.T, r response) T {
	t.Helper()
	var v T
	if err := json.Unmarshal(r.body, &v); err != nil {
		t.Fatalf("decoding %s: %v", r.body, err)
	}
	return v
}

// uploadForm builds an Upload Tasks form; fields come in order, "file" is the file part.
func uploadForm(t *testing.T, filename, fileType, content string, fields ...[2]string) (string, []byte) {
	t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	for _, f := range fields {
		if f[0] != "file" {
			if err := mw.WriteField(f[0], f[1]); err != nil {
				t.Fatal(err)
			}
			continue
		}
		h := textproto.MIMEHeader{}
		h.Set("Content-Disposition", `form-data; name="file"; filename="`+filename+`"`)
		if fileType != "" {
			h.Set("Content-Type", fileType)
		}
		pw, err := mw.CreatePart(h)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := io.WriteString(pw, content); err != nil {
			t.Fatal(err)
		}
	}
	if err := mw.Close(); err != nil {
		t.Fatal(err)
	}
	return mw.FormDataContentType(), buf.Bytes()
}

// fakeTB stands in for a test's testing.TB, to see what NewServer does with it.
type fakeTB struct {
	testing.TB
	mu       sync.Mutex
	errors   []string
	logs     []string
	cleanups []func()
}

func (f *fakeTB) Helper() {}

func (f *fakeTB) Cleanup(fn func()) { f.cleanups = append(f.cleanups, fn) }

func (f *fakeTB) Errorf(format string, args ...any) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.errors = append(f.errors, fmt.Sprintf(format, args...))
}

func (f *fakeTB) Logf(format string, args ...any) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.logs = append(f.logs, fmt.Sprintf(format, args...))
}

func (f *fakeTB) finish() {
	for i := len(f.cleanups) - 1; i >= 0; i-- {
		f.cleanups[i]()
	}
}
