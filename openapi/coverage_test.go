package openapi_test

import (
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// coverageRow is one row of README's coverage table.
type coverageRow struct {
	op                     string // "GET /v1/accounts"
	sdk, cli, fake, reason string
}

// readCoverage reads the table of README's section "## Coverage of the API": one row per
// operation of the API's reference, `METHOD /v1/path` first.
func readCoverage(t *testing.T) []coverageRow {
	t.Helper()
	readme, err := os.ReadFile(filepath.Join("..", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	_, section, ok := strings.Cut(string(readme), "\n## Coverage of the API\n")
	if !ok {
		t.Fatal(`README has no section "## Coverage of the API"`)
	}
	section, _, _ = strings.Cut(section, "\n## ")
	opCell := regexp.MustCompile("^`(GET|POST|PATCH|PUT|DELETE) (/v1/[^` ]+)`$")
	var rows []coverageRow
	for _, line := range strings.Split(section, "\n") {
		if !strings.HasPrefix(line, "| `") {
			continue
		}
		cells := strings.Split(strings.Trim(line, "|"), " | ")
		for i := range cells {
			cells[i] = strings.TrimSpace(cells[i])
		}
		if len(cells) != 5 {
			t.Errorf("coverage row %q has %d cells, want 5 (operation, SDK, CLI, fake, notes)", line, len(cells))
			continue
		}
		m := opCell.FindStringSubmatch(cells[0])
		if m == nil {
			t.Errorf("coverage row %q: the first cell is not `METHOD /v1/path`", line)
			continue
		}
		rows = append(rows, coverageRow{op: m[1] + " " + m[2], sdk: cells[1], cli: cells[2], fake: cells[3], reason: cells[4]})
	}
	if len(rows) < 40 {
		t.Fatalf("README's coverage table has %d rows; the parse is broken", len(rows))
	}
	return rows
}

// TestCoverageTable compares README's coverage table with the document: every operation of
// the document has a row (so an operation added without one fails), with its SDK method and
// CLI verb (or a reason why there is none) and "yes" for the fake, which serves every
// operation of the document; a row the document lacks says why.
func TestCoverageTable(t *testing.T) {
	doc := load(t)
	inDoc := map[string]bool{}
	for path, item := range doc.Paths.Map() {
		for method := range item.Operations() {
			inDoc[method+" /v1"+path] = true
		}
	}
	seen := map[string]bool{}
	for _, r := range readCoverage(t) {
		if seen[r.op] {
			t.Errorf("coverage: %s has two rows", r.op)
		}
		seen[r.op] = true
		switch {
		case inDoc[r.op]:
			if r.fake != "yes" {
				t.Errorf("coverage: %s is in the document, which the fake serves whole; its fake cell says %q", r.op, r.fake)
			}
			if r.sdk == "" || r.sdk == "—" {
				t.Errorf("coverage: %s is in the document but has no SDK method", r.op)
			}
			if (r.cli == "" || r.cli == "—") && r.reason == "" {
				t.Errorf("coverage: %s has no CLI verb and no reason", r.op)
			}
		default:
			if r.fake != "no" || r.reason == "" {
				t.Errorf("coverage: %s is not in the document: its row must say fake \"no\" and why (got %q, %q)", r.op, r.fake, r.reason)
			}
		}
	}
	var missing []string
	for op := range inDoc {
		if !seen[op] {
			missing = append(missing, op)
		}
	}
	slices.Sort(missing)
	for _, op := range missing {
		t.Errorf("coverage: the document's operation %s has no row in README's coverage table", op)
	}
}
