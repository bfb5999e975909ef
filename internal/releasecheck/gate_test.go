package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// tools are oasdiff and apidiff at the versions go.mod pins, found or built once.
var tools Tools

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "releasecheck-test-tools-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	tools, err = BuildTools(context.Background(), dir)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// The demonstration's document: one operation whose answer is a Task with two required
// fields and an optional one.
const demoDocument = `openapi: 3.0.3
info: {title: demo, version: 1.0.0}
paths:
  /tasks/{hash}:
    get:
      operationId: getTask
      parameters:
        - {name: hash, in: path, required: true, schema: {type: string}}
      responses:
        '200':
          description: The task.
          content:
            application/json:
              schema: {$ref: '#/components/schemas/Task'}
components:
  schemas:
    Task:
      type: object
      required: [hash_value, is_active]
      properties:
        hash_value: {type: string}
        is_active: {type: boolean}
        label: {type: string}
`

// The demonstration's Go API: a model and a client method.
const demoModels = `// Package models is the demonstration's models.
package models

// Task is a task.
type Task struct {
	HashValue string
	IsActive  bool
}
`

const demoClient = `// Package api is the demonstration's client.
package api

import "example.com/demo/models"

// Client is a client.
type Client struct{}

// GetTask gets a task.
func (c *Client) GetTask(hash string) (*models.Task, error) { return &models.Task{HashValue: hash}, nil }
`

const emptyChangelog = "# Changelog\n\n## [Unreleased]\n"

// demoRepo makes a git repository in a temporary directory holding a module with the
// demonstration's document, models, client and an empty Unreleased section, committed.
func demoRepo(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	writeFiles(t, dir, map[string]string{
		"go.mod":               "module example.com/demo\n\ngo 1.24\n",
		"openapi/openapi.yaml": demoDocument,
		"models/models.go":     demoModels,
		"api/api.go":           demoClient,
		"CHANGELOG.md":         emptyChangelog,
	})
	gitRun(t, dir, "init", "-q", "-b", "main")
	commitAll(t, dir, "first")
	return dir
}

func writeFiles(t *testing.T, dir string, files map[string]string) {
	t.Helper()
	for name, content := range files {
		path := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// edit replaces old with new in dir/name, and fails when old is not there.
func edit(t *testing.T, dir, name, old, new string) {
	t.Helper()
	path := filepath.Join(dir, filepath.FromSlash(name))
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(data, []byte(old)) {
		t.Fatalf("%s has no %q", name, old)
	}
	if err := os.WriteFile(path, bytes.Replace(data, []byte(old), []byte(new), 1), 0o644); err != nil {
		t.Fatal(err)
	}
}

func gitRun(t *testing.T, dir string, args ...string) string {
	t.Helper()
	cmd := exec.Command("git", append([]string{"-C", dir, "-c", "user.name=releasecheck test",
		"-c", "user.email=releasecheck@example.invalid", "-c", "commit.gpgsign=false", "-c", "tag.gpgsign=false"}, args...)...)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("git %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return strings.TrimSpace(string(out))
}

func commitAll(t *testing.T, dir, msg string) {
	t.Helper()
	gitRun(t, dir, "add", "-A")
	gitRun(t, dir, "commit", "-q", "-m", msg)
}

// check runs the gate on dir and logs its report, as `make release-check` prints it.
func check(t *testing.T, dir string) (*Report, string) {
	t.Helper()
	o := Options{Repo: dir, Spec: "openapi/openapi.yaml", Changelog: "CHANGELOG.md", Tools: tools}
	r, err := Check(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	r.Print(&out, o, false)
	t.Logf("release-check printed:\n%s", out.String())
	return r, out.String()
}

func addToChangelog(t *testing.T, dir, section, entry string) {
	t.Helper()
	edit(t, dir, "CHANGELOG.md", "## [Unreleased]\n", "## [Unreleased]\n\n### "+section+"\n- "+entry+"\n")
}

// A document that drops a required field of an answer fails the gate until CHANGELOG.md
// records it; the failure names the change and suggests the entry.
func TestGateDocumentRemovedFieldFails(t *testing.T) {
	t.Parallel() // each in its own repository; the tools are shared read-only
	dir := demoRepo(t)
	edit(t, dir, "openapi/openapi.yaml", "required: [hash_value, is_active]", "required: [hash_value]")
	edit(t, dir, "openapi/openapi.yaml", "        is_active: {type: boolean}\n", "")

	r, out := check(t, dir)
	if !r.Failed() || len(r.UnrecordedDoc) != 1 {
		t.Fatalf("the gate passed a removed field, or found %d unrecorded document changes: %+v", len(r.UnrecordedDoc), r.UnrecordedDoc)
	}
	c := r.UnrecordedDoc[0]
	if c.ID != "response-required-property-removed" || c.Where() != "GET /tasks/{hash}" || !strings.Contains(c.Text, "is_active") {
		t.Errorf("unrecorded change = %+v, want response-required-property-removed of is_active in GET /tasks/{hash}", c)
	}
	for _, want := range []string{
		"release-check: FAIL",
		"- openapi: `response-required-property-removed` GET /tasks/{hash}: <what changed",
		"next version: v0.1.0 (minor: breaking changes, and before 1.0",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("the report lacks %q", want)
		}
	}

	// An entry under Added does not record it; one under Changed naming another operation
	// does not either.
	addToChangelog(t, dir, "Added", "openapi: `response-required-property-removed` GET /tasks/{hash}: is_active is gone")
	addToChangelog(t, dir, "Changed", "openapi: `response-required-property-removed` GET /tasks: is_active is gone")
	if r, _ := check(t, dir); !r.Failed() {
		t.Fatal("an entry under Added, or naming another operation, recorded the change")
	}

	addToChangelog(t, dir, "Removed", "openapi: `response-required-property-removed` GET /tasks/{hash}: Task.is_active is gone")
	r, out = check(t, dir)
	if r.Failed() {
		t.Fatalf("the recorded change still fails the gate:\n%s", out)
	}
	if r.Next.String() != "v0.1.0" || !strings.Contains(out, "release-check: ok") {
		t.Errorf("next version %s, want v0.1.0, and an ok", r.Next)
	}
}

// Removing an optional field of an answer is harmless for an HTTP client by oasdiff's
// levels, but it drops a field of the generated models: this SDK's levels make it breaking.
func TestGateDocumentRemovedOptionalFieldFails(t *testing.T) {
	t.Parallel() // each in its own repository; the tools are shared read-only
	dir := demoRepo(t)
	edit(t, dir, "openapi/openapi.yaml", "        label: {type: string}\n", "")
	r, _ := check(t, dir)
	if len(r.UnrecordedDoc) != 1 || r.UnrecordedDoc[0].ID != "response-optional-property-removed" {
		t.Fatalf("unrecorded = %+v, want response-optional-property-removed", r.UnrecordedDoc)
	}
}

// A document that adds an optional field passes, and asks for a patch release before 1.0.
func TestGateDocumentAddedOptionalFieldPasses(t *testing.T) {
	t.Parallel() // each in its own repository; the tools are shared read-only
	dir := demoRepo(t)
	edit(t, dir, "openapi/openapi.yaml", "        label: {type: string}\n", "        label: {type: string}\n        note: {type: string}\n")
	r, out := check(t, dir)
	if r.Failed() {
		t.Fatalf("an added optional field failed the gate:\n%s", out)
	}
	if len(r.Doc) != 1 || r.Doc[0].ID != "response-optional-property-added" || r.Doc[0].Breaking() {
		t.Fatalf("document changes = %+v, want one non-breaking response-optional-property-added", r.Doc)
	}
	if r.Next.String() != "v0.0.1" || !strings.Contains(out, "next version: v0.0.1 (patch: additions only, and before 1.0") {
		t.Errorf("next version %s (%s), want v0.0.1 for additions before 1.0", r.Next, r.Why)
	}
}

// A regenerated model whose type and field are renamed is reported as a breaking change of
// its package, and the gate fails until an entry names the package.
func TestGateGoRenameReported(t *testing.T) {
	t.Parallel() // each in its own repository; the tools are shared read-only
	dir := demoRepo(t)
	writeFiles(t, dir, map[string]string{
		"models/models.go": strings.NewReplacer("type Task struct", "type TaskItem struct",
			"// Task is", "// TaskItem is", "HashValue string", "Hash      string").Replace(demoModels),
		"api/api.go": strings.NewReplacer("models.Task{HashValue:", "models.TaskItem{Hash:",
			"*models.Task,", "*models.TaskItem,").Replace(demoClient),
	})

	r, out := check(t, dir)
	if !r.Failed() {
		t.Fatalf("a renamed model passed the gate:\n%s", out)
	}
	var messages []string
	for _, c := range r.UnrecordedGo {
		messages = append(messages, c.Package+" | "+c.Message)
	}
	got := strings.Join(messages, "\n")
	for _, want := range []string{
		"models | ./models.Task: removed",
		"api | ./api.(*Client).GetTask: changed from func(string) (*example.com/demo/models.Task, error) to func(string) (*example.com/demo/models.TaskItem, error)",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("the unrecorded Go changes lack %q; got:\n%s", want, got)
		}
	}
	if !strings.Contains(out, "- models: <what changed") || !strings.Contains(out, "- api: <what changed") {
		t.Errorf("the report suggests no entry for api and models")
	}
	// The new name is an addition, not a breaking change.
	added := false
	for _, c := range r.Go {
		if c.Compatible && c.Message == "./models.TaskItem: added" {
			added = true
		}
	}
	if !added {
		t.Errorf("TaskItem is not reported as added: %+v", r.Go)
	}

	// Naming one package records that package only.
	addToChangelog(t, dir, "Changed", "models: Task is TaskItem, its HashValue is Hash")
	r, _ = check(t, dir)
	if len(r.UnrecordedGo) == 0 || r.UnrecordedGo[0].Package != "api" {
		t.Fatalf("after recording models, unrecorded = %+v, want api's change alone", r.UnrecordedGo)
	}
	addToChangelog(t, dir, "Changed", "`api`: GetTask returns a *models.TaskItem")
	if r, out := check(t, dir); r.Failed() || r.Next.String() != "v0.1.0" {
		t.Fatalf("recorded renames: failed %v, next %s:\n%s", r.Failed(), r.Next, out)
	}
}

// After a release, the base is the highest v* tag reachable from HEAD, and its version is
// where the next one starts; a breaking change after 1.0 asks for a major release.
func TestGateBaseIsLastReleaseTag(t *testing.T) {
	t.Parallel() // each in its own repository; the tools are shared read-only
	dir := demoRepo(t)
	gitRun(t, dir, "tag", "v0.9.0")
	edit(t, dir, "models/models.go", "IsActive  bool\n", "IsActive  bool\n\tLabel     string\n")
	commitAll(t, dir, "a field")
	gitRun(t, dir, "tag", "v1.2.0")
	gitRun(t, dir, "tag", "v1.3.0-rc.1") // not a release
	gitRun(t, dir, "tag", "vnext")       // not a version

	base, err := FindBase(context.Background(), dir)
	if err != nil {
		t.Fatal(err)
	}
	if base.Tag != "v1.2.0" || base.Commit != gitRun(t, dir, "rev-parse", "HEAD") {
		t.Fatalf("base = %+v, want v1.2.0 at HEAD", base)
	}

	// Additions after 1.2.0: 1.3.0.
	edit(t, dir, "models/models.go", "Label     string\n", "Label     string\n\tNote      string\n")
	r, _ := check(t, dir)
	if r.Failed() || r.Next.String() != "v1.3.0" {
		t.Fatalf("an added field after v1.2.0: failed %v, next %s, want v1.3.0", r.Failed(), r.Next)
	}
	// A field removed since v1.2.0 (it was there at the tag): 2.0.0 once recorded.
	edit(t, dir, "models/models.go", "\tLabel     string\n", "")
	addToChangelog(t, dir, "Removed", "models: Task.Label")
	r, out := check(t, dir)
	if r.Failed() || r.Next.String() != "v2.0.0" {
		t.Fatalf("a recorded removal after v1.2.0: failed %v, next %s, want v2.0.0:\n%s", r.Failed(), r.Next, out)
	}

	// A tag on another branch is not a release of this one.
	gitRun(t, dir, "checkout", "-q", "-f", "-b", "side", "v0.9.0")
	if base, err := FindBase(context.Background(), dir); err != nil || base.Tag != "v0.9.0" {
		t.Fatalf("on a branch from v0.9.0, base = %+v, %v; want v0.9.0", base, err)
	}
}

// Without a tag the base is the first commit; a shallow clone, which lacks it, compares
// with the oldest commit it has and says so.
func TestGateFirstCommitAndShallowClone(t *testing.T) {
	t.Parallel() // each in its own repository; the tools are shared read-only
	dir := demoRepo(t)
	first := gitRun(t, dir, "rev-parse", "HEAD")
	edit(t, dir, "models/models.go", "IsActive  bool\n", "IsActive  bool\n\tLabel     string\n")
	commitAll(t, dir, "a field")
	edit(t, dir, "models/models.go", "Label     string\n", "Label     string\n\tNote      string\n")
	commitAll(t, dir, "another field")

	base, err := FindBase(context.Background(), dir)
	if err != nil {
		t.Fatal(err)
	}
	if base.Commit != first || base.Tag != "" || len(base.Notes) != 0 || base.Version.String() != "v0.0.0" {
		t.Fatalf("base = %+v, want the first commit %s, v0.0.0, no note", base, first)
	}

	clone := filepath.Join(t.TempDir(), "clone")
	gitRun(t, dir, "clone", "-q", "--depth", "2", "file://"+dir, clone)
	base, err = FindBase(context.Background(), clone)
	if err != nil {
		t.Fatal(err)
	}
	if base.Commit == first || base.Commit != gitRun(t, clone, "rev-parse", "HEAD~1") {
		t.Errorf("in a clone of depth 2, base = %s, want HEAD~1", base.Commit)
	}
	if len(base.Notes) != 1 || !strings.Contains(base.Notes[0], "shallow") {
		t.Errorf("notes = %q, want one about the shallow clone", base.Notes)
	}
	r, out := check(t, clone)
	if r.Failed() || !strings.Contains(out, "note: this clone is shallow") || !strings.Contains(out, "the oldest commit of this shallow clone") ||
		!strings.Contains(out, "next version: v0.0.1") {
		t.Errorf("the shallow clone's report:\n%s", out)
	}

	one := filepath.Join(t.TempDir(), "one")
	gitRun(t, dir, "clone", "-q", "--depth", "1", "file://"+dir, one)
	base, err = FindBase(context.Background(), one)
	if err != nil {
		t.Fatal(err)
	}
	if len(base.Notes) != 2 || !strings.Contains(base.Notes[1], "the base is HEAD itself") {
		t.Errorf("in a clone of one commit, notes = %q", base.Notes)
	}
}

// The check refuses to run, with a clear error, without what it needs.
func TestGateErrors(t *testing.T) {
	t.Parallel() // each in its own repository; the tools are shared read-only
	dir := demoRepo(t)
	o := Options{Repo: dir, Spec: "openapi/openapi.yaml", Changelog: "CHANGELOG.md", Tools: tools}

	writeFiles(t, dir, map[string]string{"CHANGELOG.md": "# Changelog\n\n## [0.1.0]\n"})
	if _, err := Check(context.Background(), o); err == nil || !strings.Contains(err.Error(), `no "## [Unreleased]" section`) {
		t.Errorf("a changelog without Unreleased: %v", err)
	}
	writeFiles(t, dir, map[string]string{"CHANGELOG.md": emptyChangelog})

	bad := o
	bad.Spec = "openapi/missing.yaml"
	if _, err := Check(context.Background(), bad); err == nil || !strings.Contains(err.Error(), "missing.yaml") {
		t.Errorf("a missing document: %v", err)
	}

	edit(t, dir, "openapi/openapi.yaml", "openapi: 3.0.3", "openapi: [3.0.3")
	if _, err := Check(context.Background(), o); err == nil || !strings.Contains(err.Error(), "oasdiff") {
		t.Errorf("a document that is not YAML: %v", err)
	}
	edit(t, dir, "openapi/openapi.yaml", "openapi: [3.0.3", "openapi: 3.0.3")

	edit(t, dir, "models/models.go", "IsActive  bool", "IsActive  undefinedType")
	if _, err := Check(context.Background(), o); err == nil || !strings.Contains(err.Error(), "apidiff") {
		t.Errorf("a package that does not compile: %v", err)
	}

	if _, err := Check(context.Background(), Options{Repo: t.TempDir(), Spec: "x.yaml", Changelog: "CHANGELOG.md", Tools: tools}); err == nil {
		t.Error("a directory without a changelog or a repository: no error")
	}
}

// A base without the document or a go.mod (a project's first commit can be bare) makes
// everything new: no breaking change, a note for each.
func TestGateBareBase(t *testing.T) {
	t.Parallel() // each in its own repository; the tools are shared read-only
	dir := t.TempDir()
	writeFiles(t, dir, map[string]string{"README.md": "demo\n"})
	gitRun(t, dir, "init", "-q", "-b", "main")
	commitAll(t, dir, "bare")
	writeFiles(t, dir, map[string]string{
		"go.mod":               "module example.com/demo\n\ngo 1.24\n",
		"openapi/openapi.yaml": demoDocument,
		"models/models.go":     demoModels,
		"api/api.go":           demoClient,
		"CHANGELOG.md":         emptyChangelog,
	})
	r, out := check(t, dir)
	if r.Failed() || r.Next.String() != "v0.0.1" || len(r.Notes) != 3 ||
		!strings.Contains(out, "note: the base has no go.mod: every package is new") ||
		!strings.Contains(out, "note: the base has no openapi/openapi.yaml: the whole document is new") {
		t.Fatalf("a bare base: failed %v, next %s, notes %q:\n%s", r.Failed(), r.Next, r.Notes, out)
	}
}
