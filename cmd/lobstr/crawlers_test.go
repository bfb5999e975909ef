package main

import (
	"encoding/json"
	"fmt"
	"regexp"
	"strings"
	"testing"

	"github.com/lobstr-go/lobstr/api/apitest"
	"github.com/lobstr-go/lobstr/catalog"
)

const gmaps = apitest.SeedCrawlerID

func TestCrawlersList(t *testing.T) {
	url, token := newServer(t)
	inv := invocation{env: envFor(url, token)}
	r := inv.run(t, "crawlers", "ls")
	n := len(catalog.All())
	if r.code != 0 || r.stderr != fmt.Sprintf("%d crawlers\n", n) || strings.Count(r.stdout, "\n") != n+1 ||
		!strings.Contains(r.stdout, gmaps+"  google-maps-leads-scraper ") ||
		!strings.Contains(r.stdout, "sales-nav-sync") {
		t.Errorf("exit %d, stdout\n%s, stderr %q", r.code, r.stdout, r.stderr)
	}
	// --json: one array of the crawlers as the server sent them.
	r = inv.run(t, "--json", "crawlers", "ls")
	_, page := rawGet(t, url+"/crawlers?limit=100", token)
	var p struct{ Data json.RawMessage }
	json.Unmarshal(page, &p)
	if r.code != 0 || !jsonEqual(t, []byte(r.stdout), p.Data) {
		t.Errorf("--json: %s", r.stdout)
	}

	r = inv.run(t, "crawlers", "search", "MAPS LEADS")
	if r.code != 0 || strings.Count(r.stdout, "\n") != 2 || !strings.Contains(r.stdout, gmaps) || r.stderr != fmt.Sprintf("1 crawler of %d match \"MAPS LEADS\"\n", n) {
		t.Errorf("search: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	r = inv.run(t, "crawlers", "search", "nothing-like-it")
	if r.code != 0 || r.stdout != "" || !strings.Contains(r.stderr, fmt.Sprintf("0 crawlers of %d", n)) {
		t.Errorf("search without match: exit %d %q %q", r.code, r.stdout, r.stderr)
	}
	if r = inv.run(t, "--json", "crawlers", "search", "nothing-like-it"); r.stdout != "[]\n" {
		t.Errorf("search --json without match: %q", r.stdout)
	}
	if r = inv.run(t, "crawlers", "search"); r.code != exitUsage {
		t.Errorf("search without keyword: exit %d", r.code)
	}
}

func TestCrawlerArguments(t *testing.T) {
	url, token := newServer(t)
	inv := invocation{env: envFor(url, token)}
	// Every form of CRAWLER names the same crawler.
	for _, arg := range []string{gmaps, "4734d0", "google-maps-leads-scraper", "GOOGLE-MAPS-LEADS", "Google Maps Leads Scraper", "maps leads"} {
		r := inv.run(t, "--json", "crawlers", "show", arg)
		var cr struct{ ID string }
		if json.Unmarshal([]byte(r.stdout), &cr); r.code != 0 || cr.ID != gmaps {
			t.Errorf("show %q: exit %d, %s%s", arg, r.code, r.stdout, r.stderr)
		}
	}
	r := inv.run(t, "crawlers", "show", "scraper")
	if r.code != exitUsage || !strings.Contains(r.stderr, `CRAWLER "scraper" is ambiguous`) {
		t.Errorf("ambiguous: exit %d %q", r.code, r.stderr)
	}
	r = inv.run(t, "crawlers", "params", "no-such-thing")
	if r.code != exitUsage || !strings.Contains(r.stderr, fmt.Sprintf(`CRAWLER "no-such-thing" matches no crawler of the %d listed`, len(catalog.All()))) {
		t.Errorf("unknown: exit %d %q", r.code, r.stderr)
	}
	r = inv.run(t, "crawlers", "attrs", strings.Repeat("0", 32))
	if r.code != 1 {
		t.Errorf("unknown id: exit %d %q", r.code, r.stderr)
	}
	oneLine(t, r.stderr, `^lobstr: GET /v1/crawlers/0{32}/attributes: 404 .*Crawler not found`)
}

func TestCrawlersShowParamsAttrs(t *testing.T) {
	url, token := newServer(t)
	inv := invocation{env: envFor(url, token)}
	r := inv.run(t, "crawlers", "show", "google-maps-leads-scraper")
	for _, want := range []string{"id               " + gmaps, "max_results (squid, int)\n", "ratings (squid, string) default \"Any rating\"", "columns          match_filters, no_match_reasons, zero_x"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("show lacks %q:\n%s", want, r.stdout)
		}
	}
	r = inv.run(t, "crawlers", "params", "google-maps-leads-scraper")
	for _, want := range []string{`Task parameters:\n`, `\ncity +string +yes +location +-\n`, `\nSquid settings:\n`,
		`\nratings +string +no +Any rating +Any rating, 2\.5\+, 3\.0\+`, `\nFunctions \(paid, per row\):\n`, `\nextract_emails_from_website +10 +yes\n`} {
		if !regexp.MustCompile(want).MatchString(r.stdout) {
			t.Errorf("params lacks %q:\n%s", want, r.stdout)
		}
	}
	for _, c := range []struct{ cmd, path string }{{"show", ""}, {"params", "/params"}, {"attrs", "/attributes"}} {
		r = inv.run(t, "--json", "crawlers", c.cmd, "google-maps-leads-scraper")
		_, want := rawGet(t, url+"/crawlers/"+gmaps+c.path, token)
		if r.code != 0 || !jsonEqual(t, []byte(r.stdout), want) {
			t.Errorf("%s --json: %s", c.cmd, r.stdout)
		}
	}
	r = inv.run(t, "crawlers", "attrs", gmaps)
	if r.code != 0 || !strings.Contains(r.stdout, "email_status") || !strings.HasPrefix(r.stdout, "NAME") {
		t.Errorf("attrs:\n%s", r.stdout)
	}
}

func TestGoldenCrawlers(t *testing.T) {
	url, token := newServer(t)
	inv := invocation{env: envFor(url, token)}
	ids := []string{gmaps, "6c5227261fbbd3430f926d409f4c44bf", "c47dfc2beba9fdc2472d3b3321b06b66", "a1d243d3824a1ac773414416eb80362d"}
	goldenWidths(t, "widths-crawlers-ls", inv, ids, "crawlers", "ls")
	goldenWidths(t, "widths-crawlers-params", inv, nil, "crawlers", "params", gmaps)
	goldenWidths(t, "widths-crawlers-attrs", inv, nil, "crawlers", "attrs", gmaps)
	goldenWidths(t, "widths-crawlers-show", inv, []string{gmaps}, "crawlers", "show", gmaps)
}
