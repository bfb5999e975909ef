package drift

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"sync"
)

// Fixture is one recorded answer of the upstream, as `lobstr mock --proxy URL --record DIR`
// writes it: DIR/<operation>.<status>.<hash>.json, where hash is the first 12 hex digits of
// the SHA-256 of the operation, status and body, so each distinct answer is one file. The
// file is this struct as indented JSON:
//
//	{
//	  "operation": "getTask",           // the document's operationId ("GET /v1/x" if none)
//	  "method": "GET",
//	  "path": "/v1/tasks/c5e2...",       // the request's path under the mock, query included
//	  "status": 200,
//	  "header": {"Content-Type": "application/json", "X-RateLimit-Limit": "90"},
//	  "body": {...}                      // a JSON body, as JSON; or
//	  "body_text": "<html>..."           // any other body, as text
//	}
//
// Only Content-Type, Retry-After, the rate-limit headers (X-RateLimit-Limit, -Remaining,
// -Reset) and the headers the document declares for the response are kept (never Authorization, Set-Cookie or any other). The caller's token, and the
// whole Authorization value, are replaced by REDACTED wherever they appear in the path, a
// kept header or the body, in every form an echo can take: as is, JSON-escaped (\u escapes
// mixed in), in base64 (standard and URL alphabets) or URL-encoded.
type Fixture struct {
	Operation string            `json:"operation"`
	Method    string            `json:"method"`
	Path      string            `json:"path"`
	Status    int               `json:"status"`
	Header    map[string]string `json:"header"`
	Body      json.RawMessage   `json:"body,omitempty"`
	BodyText  string            `json:"body_text,omitempty"`
}

// LoadFixture reads a fixture file written by a Recorder.
func LoadFixture(path string) (*Fixture, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var f Fixture
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&f); err != nil {
		return nil, fmt.Errorf("fixture %s: %w", filepath.Base(path), err)
	}
	if f.Operation == "" || f.Status < 100 || f.Status > 599 {
		return nil, fmt.Errorf("fixture %s: want an operation and a status from 100 to 599", filepath.Base(path))
	}
	return &f, nil
}

// ServeHTTP replays the recorded answer: its kept headers, its status and its body.
func (f *Fixture) ServeHTTP(w http.ResponseWriter, _ *http.Request) {
	for k, v := range f.Header {
		w.Header().Set(k, v)
	}
	w.WriteHeader(f.Status)
	if f.Body != nil {
		_, _ = w.Write(f.Body)
	} else {
		_, _ = w.Write([]byte(f.BodyText))
	}
}

// The caps on what a Recorder writes.
const (
	// MaxFixturesPerStatus is how many fixtures a Recorder writes for one operation and
	// status: an upstream whose answers all differ (a timestamp, random keys) would
	// otherwise write one file per answer.
	MaxFixturesPerStatus = 20
	// MaxFixtures is how many fixtures a Recorder writes in all.
	MaxFixtures = 1000
)

// Recorder writes each distinct answer the proxy sees into a directory, as a Fixture, up
// to MaxFixturesPerStatus for an operation and status and MaxFixtures in all; Skipped
// counts the distinct answers past these caps.
type Recorder struct {
	dir     string
	onError func(error)

	mu       sync.Mutex
	written  map[string]bool
	perKind  map[string]int // "operation status" → fixtures written
	skipped  int
	skipSeen map[string]bool // names skipped, up to MaxFixtures, so a repeated answer counts once
}

// NewRecorder returns a Recorder writing into dir, which it creates if needed. onError,
// when not nil, hears of a file that could not be written (the answer is still served).
func NewRecorder(dir string, onError func(error)) (*Recorder, error) {
	if dir == "" {
		return nil, errors.New("record: no directory given")
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("record: %w", err)
	}
	return &Recorder{dir: dir, onError: onError, written: map[string]bool{}, perKind: map[string]int{}, skipSeen: map[string]bool{}}, nil
}

// Skipped is how many distinct answers were not written because of MaxFixturesPerStatus
// or MaxFixtures (an answer seen again past MaxFixtures distinct skipped ones may count
// twice).
func (rec *Recorder) Skipped() int {
	rec.mu.Lock()
	defer rec.mu.Unlock()
	return rec.skipped
}

func (rec *Recorder) fail(err error) {
	if rec.onError != nil {
		rec.onError(err)
	}
}

// keptHeaders are the headers a fixture keeps besides those the document declares.
var keptHeaders = []string{"Content-Type", "Retry-After", "X-RateLimit-Limit", "X-RateLimit-Remaining", "X-RateLimit-Reset"}

// record writes the answer to ex if it is new.
func (rec *Recorder) record(ex *exchange, status int, header http.Header, body []byte) error {
	f := Fixture{Operation: ex.operation, Method: ex.method, Path: ex.path, Status: status, Header: map[string]string{}}
	names := append([]string(nil), keptHeaders...)
	if ex.route != nil {
		if _, resp := responseKey(ex.route.Responses, status); resp != nil {
			for name := range resp.Headers {
				names = append(names, name)
			}
		}
	}
	sort.Strings(names)
	names = slices.Compact(names)
	for _, name := range names {
		if strings.EqualFold(name, "Authorization") || strings.EqualFold(name, "Set-Cookie") {
			continue
		}
		if v := header.Get(name); v != "" {
			f.Header[http.CanonicalHeaderKey(name)] = scrub(v, ex.secrets)
		}
	}
	clean := redactForms(body, ex.secrets...)
	if isJSON(header.Get("Content-Type")) && json.Valid(clean) {
		f.Body = clean
	} else {
		f.BodyText = string(clean)
	}
	sum := sha256.New()
	fmt.Fprintf(sum, "%s\x00%d\x00", f.Operation, status)
	sum.Write(clean)
	name := fmt.Sprintf("%s.%d.%s.json", fileSafe(f.Operation), status, hex.EncodeToString(sum.Sum(nil))[:12])

	rec.mu.Lock()
	defer rec.mu.Unlock()
	if rec.written[name] || rec.skipSeen[name] {
		return nil
	}
	kind := fmt.Sprintf("%s %d", f.Operation, status)
	if rec.perKind[kind] >= MaxFixturesPerStatus || len(rec.written) >= MaxFixtures {
		rec.skipped++
		if len(rec.skipSeen) < MaxFixtures {
			rec.skipSeen[name] = true
		}
		return nil
	}
	path := filepath.Join(rec.dir, name)
	if _, err := os.Stat(path); err == nil {
		rec.written[name] = true
		rec.perKind[kind]++
		return nil
	} else if !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("record: %w", err)
	}
	b, err := json.MarshalIndent(f, "", "  ")
	if err != nil {
		return fmt.Errorf("record %s: %w", name, err)
	}
	tmp, err := os.CreateTemp(rec.dir, ".fixture-*")
	if err != nil {
		return fmt.Errorf("record: %w", err)
	}
	_, werr := tmp.Write(append(b, '\n'))
	cerr := tmp.Close()
	if werr == nil {
		werr = cerr
	}
	if werr == nil {
		werr = os.Rename(tmp.Name(), path)
	}
	if werr != nil {
		os.Remove(tmp.Name())
		return fmt.Errorf("record %s: %w", name, werr)
	}
	rec.written[name] = true
	rec.perKind[kind]++
	return nil
}

// fileSafe keeps letters, digits, '-' and '_' of s, and turns the rest into '_'.
func fileSafe(s string) string {
	b := []byte(s)
	for i, c := range b {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
			b[i] = '_'
		}
	}
	if len(b) > 80 {
		b = b[:80]
	}
	return string(b)
}
