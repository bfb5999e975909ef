package refdocs

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/lobstr-go/lobstr/openapi"
)

// The embedded files are the ones fetch-assets.sh took from the npm package.
func TestAssetsMatchTheirChecksums(t *testing.T) {
	sums, err := fs.ReadFile(assets, "SHA256SUMS")
	if err != nil {
		t.Fatal(err)
	}
	listed := map[string]bool{"SHA256SUMS": true}
	sc := bufio.NewScanner(bytes.NewReader(sums))
	for sc.Scan() {
		want, name, ok := strings.Cut(sc.Text(), "  ")
		if !ok {
			t.Fatalf("SHA256SUMS: bad line %q", sc.Text())
		}
		b, err := fs.ReadFile(assets, name)
		if err != nil {
			t.Fatalf("SHA256SUMS lists %s: %v", name, err)
		}
		sum := sha256.Sum256(b)
		if got := hex.EncodeToString(sum[:]); got != want {
			t.Errorf("%s: SHA-256 %s, SHA256SUMS says %s: run `make docs-assets`", name, got, want)
		}
		listed[name] = true
	}
	entries, err := fs.ReadDir(assets, ".")
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if !listed[e.Name()] {
			t.Errorf("assets/%s is not in SHA256SUMS", e.Name())
		}
	}
	script, err := os.ReadFile("fetch-assets.sh")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(script, []byte("\nVERSION="+Version+"\n")) {
		t.Errorf("fetch-assets.sh does not pin VERSION=%s, the version of assets/", Version)
	}
}

func get(t *testing.T, h http.Handler, target string) *httptest.ResponseRecorder {
	t.Helper()
	rr := httptest.NewRecorder()
	req := httptest.NewRequest("GET", target, nil)
	req.Host = "127.0.0.1:18080"
	h.ServeHTTP(rr, req)
	return rr
}

func TestPageLoadsOnlyItsOwnFiles(t *testing.T) {
	next := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusTeapot) })
	h := Mount(next)
	if rr := get(t, h, "/docs"); rr.Code != http.StatusMovedPermanently || rr.Header().Get("Location") != "/docs/" {
		t.Errorf("/docs: %d %q", rr.Code, rr.Header().Get("Location"))
	}
	if rr := get(t, h, "/v1/tasks"); rr.Code != http.StatusTeapot {
		t.Errorf("/v1/tasks did not reach the next handler: %d", rr.Code)
	}
	rr := get(t, h, "/docs/")
	if rr.Code != 200 || !strings.HasPrefix(rr.Header().Get("Content-Type"), "text/html") {
		t.Fatalf("/docs/: %d %q", rr.Code, rr.Header().Get("Content-Type"))
	}
	page := rr.Body.String()
	refs := regexp.MustCompile(`(?:src|href)="([^"]+)"`).FindAllStringSubmatch(page, -1)
	if len(refs) != 3 {
		t.Errorf("the page loads %d files, want 3 (favicon, css, js): %q", len(refs), refs)
	}
	for _, m := range refs {
		if !strings.HasPrefix(m[1], "/docs/") {
			t.Errorf("the page loads %q, off this server", m[1])
			continue
		}
		if rr := get(t, h, m[1]); rr.Code != 200 || rr.Body.Len() == 0 {
			t.Errorf("%s: %d, %d bytes", m[1], rr.Code, rr.Body.Len())
		}
	}
	if !strings.Contains(page, `"/docs/openapi.json"`) {
		t.Error("the page does not load /docs/openapi.json")
	}
	for _, hidden := range []string{"/docs/VERSION", "/docs/SHA256SUMS", "/docs/x/../swagger-ui.css/extra", "/docs/nothing.js"} {
		if rr := get(t, h, hidden); rr.Code != 404 {
			t.Errorf("%s: %d, want 404", hidden, rr.Code)
		}
	}
	rr = httptest.NewRecorder()
	h.ServeHTTP(rr, httptest.NewRequest("POST", "/docs/", nil))
	if rr.Code != http.StatusMethodNotAllowed {
		t.Errorf("POST /docs/: %d", rr.Code)
	}
}

// Both forms of the served document point at this server's /v1 and, servers apart, are the
// document.
func TestServedDocumentPointsHere(t *testing.T) {
	h := Handler()
	orig, err := openapi.Load()
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"/docs/openapi.json", "/docs/openapi.yaml"} {
		rr := get(t, h, name)
		if rr.Code != 200 {
			t.Fatalf("%s: %d %s", name, rr.Code, rr.Body.String())
		}
		body, _ := io.ReadAll(rr.Body)
		loader := openapi3.NewLoader()
		doc, err := loader.LoadFromData(body)
		if err != nil {
			t.Fatalf("%s does not load: %v", name, err)
		}
		if err := doc.Validate(loader.Context); err != nil {
			t.Errorf("%s is not valid: %v", name, err)
		}
		if len(doc.Servers) != 1 || doc.Servers[0].URL != "http://127.0.0.1:18080/v1" {
			t.Errorf("%s: servers %+v, want this server's /v1", name, doc.Servers)
		}
		if doc.Paths.Len() != orig.Paths.Len() || len(doc.Components.Schemas) != len(orig.Components.Schemas) {
			t.Errorf("%s: %d paths, %d schemas; the document has %d, %d", name,
				doc.Paths.Len(), len(doc.Components.Schemas), orig.Paths.Len(), len(orig.Components.Schemas))
		}
	}
	yaml := get(t, h, "/docs/openapi.yaml").Body.Bytes()
	if strings.Contains(string(yaml), "- url: "+orig.Servers[0].URL+"\n") {
		t.Errorf("the YAML still names %s as a server", orig.Servers[0].URL)
	}
	if got, want := len(yaml), len(openapi.Spec()); got < want-200 || got > want+200 {
		t.Errorf("the YAML is %d bytes, the document %d: more than the servers changed", got, want)
	}
}
