// Package refdocs serves the browsable reference of the OpenAPI document at /docs: Swagger
// UI (the npm package swagger-ui-dist, at the version in assets/VERSION, its files
// committed under assets/ and embedded in the binary: nothing is fetched at run time),
// showing the document with its server rewritten to the serving host's /v1, so that
// "Try it out" sends each request to that same server (`lobstr mock`).
//
// assets/ is written by fetch-assets.sh (`make docs-assets`), which takes the files from
// the npm package at the pinned version and checks the package's SHA-256; a test checks
// the embedded files against assets/SHA256SUMS.
package refdocs

import (
	"bytes"
	"embed"
	"encoding/json"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"path"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/lobstr-go/lobstr/openapi"
)

// Prefix is the path the reference is served under.
const Prefix = "/docs"

//go:embed assets
var embedded embed.FS

// assets is assets/ of the embedded files.
var assets = func() fs.FS {
	sub, err := fs.Sub(embedded, "assets")
	if err != nil {
		panic(err) // embedded: cannot happen
	}
	return sub
}()

// Version is the version of swagger-ui-dist the assets come from.
var Version = func() string {
	b, err := fs.ReadFile(assets, "VERSION")
	if err != nil {
		panic(err) // embedded: cannot happen
	}
	return strings.TrimSpace(string(b))
}()

// serverDescription describes the rewritten server in the served document.
const serverDescription = "This server (lobstr mock): Try it out sends requests here."

// Mount returns a handler that serves the reference under Prefix and passes every other
// request to next.
func Mount(next http.Handler) http.Handler {
	docs := Handler()
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == Prefix || strings.HasPrefix(r.URL.Path, Prefix+"/") {
			docs.ServeHTTP(w, r)
			return
		}
		next.ServeHTTP(w, r)
	})
}

// Handler serves the reference: Prefix redirects to Prefix/, which is the page;
// Prefix/openapi.json and Prefix/openapi.yaml are the document with its servers rewritten
// to the requested host's /v1; the other files are Swagger UI's.
func Handler() http.Handler {
	files := http.FileServerFS(assets)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			w.Header().Set("Allow", "GET, HEAD")
			http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
			return
		}
		name := strings.TrimPrefix(r.URL.Path, Prefix)
		switch name {
		case "":
			http.Redirect(w, r, Prefix+"/", http.StatusMovedPermanently)
		case "/", "/index.html":
			serve(w, "text/html; charset=utf-8", page())
		case "/openapi.json":
			b, err := documentJSON(serverURL(r))
			if err != nil {
				http.Error(w, err.Error(), http.StatusInternalServerError)
				return
			}
			serve(w, "application/json", b)
		case "/openapi.yaml":
			b, err := documentYAML(serverURL(r))
			if err != nil {
				http.Error(w, err.Error(), http.StatusInternalServerError)
				return
			}
			serve(w, "application/yaml", b)
		default:
			base := path.Base(name)
			if path.Dir(name) != "/" || base == "VERSION" || base == "SHA256SUMS" {
				http.NotFound(w, r)
				return
			}
			w.Header().Set("Cache-Control", "public, max-age=3600")
			r2 := r.Clone(r.Context())
			r2.URL.Path = "/" + base
			files.ServeHTTP(w, r2)
		}
	})
}

func serve(w http.ResponseWriter, ctype string, b []byte) {
	w.Header().Set("Content-Type", ctype)
	w.Header().Set("Cache-Control", "no-cache")
	_, _ = w.Write(b)
}

// serverURL is the /v1 of the server r reached, as the browser sees it.
func serverURL(r *http.Request) string {
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	return scheme + "://" + r.Host + "/v1"
}

var pageTemplate = template.Must(template.New("page").Parse(`<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{.Title}}: API reference</title>
<link rel="icon" type="image/png" href="{{.Prefix}}/favicon-32x32.png">
<link rel="stylesheet" href="{{.Prefix}}/swagger-ui.css">
</head>
<body>
<div id="swagger-ui"></div>
<script src="{{.Prefix}}/swagger-ui-bundle.js"></script>
<script>
window.ui = SwaggerUIBundle({
  url: {{.Spec}},
  dom_id: "#swagger-ui",
  deepLinking: true,
  presets: [SwaggerUIBundle.presets.apis],
  layout: "BaseLayout",
  tryItOutEnabled: true,
  displayRequestDuration: true,
  validatorUrl: null
});
</script>
</body>
</html>
`))

// page is the reference's HTML page.
func page() []byte {
	title := "lobstr.io API"
	if doc, err := openapi.Load(); err == nil && doc.Info != nil {
		title = doc.Info.Title
	}
	var b bytes.Buffer
	if err := pageTemplate.Execute(&b, map[string]string{"Title": title, "Prefix": Prefix, "Spec": Prefix + "/openapi.json"}); err != nil {
		panic(err) // a fixed template and strings: cannot happen
	}
	return b.Bytes()
}

// documentJSON is the document as JSON, its servers replaced by one: server.
func documentJSON(server string) ([]byte, error) {
	doc, err := openapi.Load()
	if err != nil {
		return nil, err
	}
	cp := *doc // shallow: only Servers changes
	cp.Servers = openapi3.Servers{{URL: server, Description: serverDescription}}
	b, err := json.MarshalIndent(&cp, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("refdocs: encoding the document: %w", err)
	}
	return append(b, '\n'), nil
}

// documentYAML is the document's own text, its top-level servers block replaced by one
// server: server. Everything else is byte for byte the document.
func documentYAML(server string) ([]byte, error) {
	spec := openapi.Spec()
	lines := bytes.SplitAfter(spec, []byte("\n"))
	start := -1
	for i, l := range lines {
		if string(bytes.TrimRight(l, "\r\n")) == "servers:" {
			start = i
			break
		}
	}
	if start < 0 {
		return nil, fmt.Errorf("refdocs: the document has no top-level servers block")
	}
	end := start + 1
	for end < len(lines) && (len(lines[end]) == 0 || lines[end][0] == ' ' || lines[end][0] == '\n' || lines[end][0] == '#') {
		end++
	}
	var out bytes.Buffer
	for _, l := range lines[:start] {
		out.Write(l)
	}
	q, _ := json.Marshal(server) // a JSON string is a YAML string
	d, _ := json.Marshal(serverDescription)
	fmt.Fprintf(&out, "servers:\n  - url: %s\n    description: %s\n", q, d)
	for _, l := range lines[end:] {
		out.Write(l)
	}
	return out.Bytes(), nil
}
