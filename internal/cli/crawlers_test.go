package cli

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/lobstr-go/lobstr/api"
	"github.com/lobstr-go/lobstr/api/apitest"
	"github.com/lobstr-go/lobstr/catalog"
)

const gmaps = apitest.SeedCrawlerID

var hexID = regexp.MustCompile(`\b[0-9a-f]{32}\b`)

// listedCrawler is a crawler of the fake's List Crawlers, as the tests read it.
type listedCrawler struct {
	ID, Slug, Name string
}

// fakeCrawlers returns every crawler the fake lists (one page of up to 100) and the
// page's data as sent.
func fakeCrawlers(t *testing.T, url, token string) ([]listedCrawler, json.RawMessage) {
	t.Helper()
	status, body := rawGet(t, url+"/crawlers?limit=100", token)
	var p struct {
		Data         json.RawMessage
		TotalResults int `json:"total_results"`
	}
	if err := json.Unmarshal(body, &p); err != nil || status != 200 {
		t.Fatalf("List Crawlers: %d %v %s", status, err, body)
	}
	var all []listedCrawler
	if err := json.Unmarshal(p.Data, &all); err != nil {
		t.Fatal(err)
	}
	if len(all) != p.TotalResults || len(all) == 0 {
		t.Fatalf("the fake lists %d crawlers of %d", len(all), p.TotalResults)
	}
	return all, p.Data
}

func TestCrawlersList(t *testing.T) {
	url, token := newServer(t)
	inv := invocation{env: envFor(url, token)}
	all, data := fakeCrawlers(t, url, token)
	r := inv.run(t, "crawlers", "ls")
	if r.code != 0 || r.stderr != fmt.Sprintf("%d crawlers\n", len(all)) || strings.Count(r.stdout, "\n") != len(all)+1 ||
		!strings.Contains(r.stdout, gmaps+"  google-maps-leads-scraper ") {
		t.Errorf("exit %d, stdout\n%s, stderr %q", r.code, r.stdout, r.stderr)
	}
	for _, cr := range all {
		if !strings.Contains(r.stdout, cr.ID+"  "+cr.Slug+" ") {
			t.Errorf("ls lacks %s %s", cr.ID, cr.Slug)
		}
	}
	// --json: one array of the crawlers as the server sent them.
	r = inv.run(t, "--json", "crawlers", "ls")
	if r.code != 0 || !jsonEqual(t, []byte(r.stdout), data) {
		t.Errorf("--json: %s", r.stdout)
	}

	maps := 0
	for _, cr := range all {
		if strings.Contains(strings.ToLower(cr.Name+" "+cr.Slug), "maps") {
			maps++
		}
	}
	r = inv.run(t, "crawlers", "search", "MAPS")
	if r.code != 0 || strings.Count(r.stdout, "\n") != maps+1 || !strings.Contains(r.stdout, gmaps) ||
		r.stderr != fmt.Sprintf("%s of %d match \"MAPS\"\n", plural(maps, "crawler"), len(all)) {
		t.Errorf("search: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	r = inv.run(t, "crawlers", "search", "nothing-like-it")
	if r.code != 0 || r.stdout != "" || !strings.Contains(r.stderr, fmt.Sprintf("0 crawlers of %d", len(all))) {
		t.Errorf("search without match: exit %d %q %q", r.code, r.stdout, r.stderr)
	}
	if r = inv.run(t, "--json", "crawlers", "search", "nothing-like-it"); r.stdout != "[]\n" {
		t.Errorf("search --json without match: %q", r.stdout)
	}
	if r = inv.run(t, "crawlers", "search"); r.code != exitUsage {
		t.Errorf("search without keyword: exit %d", r.code)
	}
}

// A server that answers fewer crawlers a page than asked (the documented 50, and half of
// the catalogue): ls walks every page and lists each crawler once.
func TestCrawlersListPages(t *testing.T) {
	srv := apitest.NewServer(t, apitest.WithToken(testToken))
	all, data := fakeCrawlers(t, srv.URL, srv.Token)
	target, _ := url.Parse(srv.URL)
	for _, size := range []int{50, (len(all) + 1) / 2} {
		pages := 0
		rp := &httputil.ReverseProxy{Rewrite: func(pr *httputil.ProxyRequest) {
			pr.SetURL(target)
			pr.Out.URL.Path = pr.In.URL.Path
			if strings.HasSuffix(pr.In.URL.Path, "/crawlers") {
				pages++
				q := pr.In.URL.Query()
				q.Set("limit", strconv.Itoa(size))
				pr.Out.URL.RawQuery = q.Encode()
			}
		}}
		capped := httptest.NewServer(rp)
		inv := invocation{env: envFor(capped.URL+strings.TrimPrefix(srv.URL, target.Scheme+"://"+target.Host), srv.Token)}
		r := inv.run(t, "crawlers", "ls")
		want := (len(all) + size - 1) / size
		if r.code != 0 || r.stderr != fmt.Sprintf("%d crawlers\n", len(all)) || strings.Count(r.stdout, "\n") != len(all)+1 || pages != want {
			t.Errorf("%d a page: exit %d, %d pages read (want %d)\n%s%s", size, r.code, pages, want, r.stdout, r.stderr)
		}
		r = inv.run(t, "--json", "crawlers", "ls")
		if r.code != 0 || !jsonEqual(t, []byte(r.stdout), data) {
			t.Errorf("%d a page, --json: %s", size, r.stdout)
		}
		capped.Close()
	}
}

func TestCrawlerArguments(t *testing.T) {
	url, token := newServer(t)
	inv := invocation{env: envFor(url, token)}
	all, _ := fakeCrawlers(t, url, token)
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
	if r.code != exitUsage || !strings.Contains(r.stderr, fmt.Sprintf(`CRAWLER "no-such-thing" matches no crawler of the %d listed`, len(all))) {
		t.Errorf("unknown: exit %d %q", r.code, r.stderr)
	}
	r = inv.run(t, "crawlers", "attrs", strings.Repeat("0", 32))
	if r.code != 1 {
		t.Errorf("unknown id: exit %d %q", r.code, r.stderr)
	}
	oneLine(t, r.stderr, `^lobstr: GET /v1/crawlers/0{32}/attributes: 404 .*Crawler not found`)
}

// squash removes every space and line break: two outputs that differ only in how their
// lines wrap are equal squashed.
func squash(s string) string {
	return strings.Map(func(r rune) rune {
		if unicode.IsSpace(r) {
			return -1
		}
		return r
	}, s)
}

// words is s with its runs of white space made one space.
func words(s string) string { return strings.Join(strings.Fields(clean(s)), " ") }

// literal is a JSON value compacted, as params shows defaults and allowed values.
func literal(t *testing.T, raw json.RawMessage) string {
	var b bytes.Buffer
	if err := json.Compact(&b, raw); err != nil {
		t.Fatalf("%s: %v", raw, err)
	}
	return b.String()
}

// apiParam is one parameter of Get Crawler Parameters, as the tests read it.
type apiParam struct {
	Type     string
	Required bool
	Group    *string
	Default  json.RawMessage
	Allowed  []json.RawMessage
}

// wantInputs is what params (and show) must print for a crawler, from the API's answer
// and the catalogue, each a fragment of one line of the output in a pipe.
func wantInputs(t *testing.T, doc *catalog.Crawler, tasks, settings map[string]apiParam, functions map[string]struct {
	Default            bool
	CreditsPerFunction float64 `json:"credits_per_function"`
}) []string {
	var want []string
	groups := map[string]bool{}
	check := func(name string, q apiParam, answered bool, docIn *catalog.Input) {
		head := name + ": "
		switch {
		case answered:
			head += q.Type
			if q.Required {
				head += ", required"
			}
		case docIn != nil:
			head += docIn.Type
			if docIn.Required {
				head += ", required"
			}
			want = append(want, "(documented, but not in the API's answer)")
		}
		def := ""
		if answered && len(q.Default) > 0 && string(q.Default) != "null" {
			def = literal(t, q.Default)
		} else if docIn != nil && len(docIn.Default) > 0 && string(docIn.Default) != "null" {
			def = literal(t, docIn.Default)
		}
		if def != "" {
			head += ", default " + def
		}
		want = append(want, head+"\n")
		var allowed []string
		for _, a := range q.Allowed {
			allowed = append(allowed, literal(t, a))
		}
		if len(allowed) == 0 && docIn != nil {
			for _, a := range docIn.Allowed {
				allowed = append(allowed, literal(t, a))
			}
		}
		if len(allowed) > 0 {
			want = append(want, "allowed: "+strings.Join(allowed, ", ")+"\n")
		}
		if docIn != nil && strings.TrimSpace(docIn.Description) != "" {
			want = append(want, words(docIn.Description)+"\n")
		}
	}
	for name, q := range tasks {
		var docIn *catalog.Input
		if doc != nil {
			docIn = doc.TaskKey(name)
		}
		check(name, q, true, docIn)
		switch {
		case q.Group != nil && *q.Group != "":
			groups[*q.Group] = true
		case docIn != nil:
			groups[docIn.Group] = true
		}
	}
	for name, q := range settings {
		var docIn *catalog.Input
		if doc != nil {
			docIn = doc.Param(name)
		}
		check(name, q, true, docIn)
	}
	if doc != nil {
		for i, k := range doc.TaskKeys {
			if _, ok := tasks[k.Name]; !ok {
				check(k.Name, apiParam{}, false, &doc.TaskKeys[i])
				groups[k.Group] = true
			}
		}
		for i, k := range doc.Params {
			if _, ok := settings[k.Name]; !ok {
				check(k.Name, apiParam{}, false, &doc.Params[i])
			}
		}
		for _, f := range doc.Functions {
			if _, ok := functions[f.Name]; !ok {
				want = append(want, f.Name+": "+map[bool]string{true: "on", false: "off"}[f.Default]+" by default")
			}
			if f.Description != "" {
				want = append(want, words(f.Description)+"\n")
			}
		}
		switch {
		case doc.Account != nil:
			want = append(want, "\nAccount: "+doc.Account.Type+" ("+doc.Account.BaseURL+")")
		default:
			want = append(want, "\nAccount: none needed\n")
		}
	} else {
		want = append(want, "lobstr's documentation does not describe this crawler")
	}
	for name, f := range functions {
		head := name + ": " + map[bool]string{true: "on", false: "off"}[f.Default] + " by default, "
		if f.CreditsPerFunction == 0 {
			head += "no extra credits"
		} else {
			head += "+" + number(f.CreditsPerFunction) + " credits/row"
		}
		want = append(want, head+"\n")
	}
	delete(groups, "") // keys of any form
	if len(groups) > 1 {
		want = append(want, fmt.Sprintf("Task keys, of one of %d forms per task", len(groups)))
		for g := range groups {
			want = append(want, "\n  form "+g+":\n")
		}
	}
	return want
}

// Every crawler the fake serves: params and show print every task key, setting and
// function of the API's answer, with the catalogue's descriptions, defaults and allowed
// values, and the account; on terminals of 80 and 40 columns every line fits and nothing
// is lost (the same text as in a pipe, but for line breaks); --json is the server's body.
func TestCrawlersParamsAndShowEveryCrawler(t *testing.T) {
	// One fake for every crawler, whose shared window allows more than the crawlers' some
	// 700 requests a minute: in the documented 90 a minute the client, keeping to the
	// window the answers announce, would wait for the next minute (checked at the end).
	const budget = 5000
	srv := apitest.NewServer(t, apitest.WithToken(testToken))
	srv.EnforceRateLimit(budget, time.Minute)
	url, token := srv.URL, srv.Token
	all, _ := fakeCrawlers(t, url, token)
	inv := invocation{env: envFor(url, token)}
	documentedCount := 0
	for _, cr := range all {
		doc := catalog.ByID(cr.ID)
		if doc == nil {
			doc = catalog.BySlug(cr.Slug)
		}
		if doc != nil {
			documentedCount++
		}
		_, body := rawGet(t, url+"/crawlers/"+cr.ID+"/params", token)
		var p struct {
			Task  map[string]apiParam
			Squid map[string]json.RawMessage
		}
		if err := json.Unmarshal(body, &p); err != nil {
			t.Fatal(err)
		}
		settings := map[string]apiParam{}
		var functions map[string]struct {
			Default            bool
			CreditsPerFunction float64 `json:"credits_per_function"`
		}
		for name, raw := range p.Squid {
			if name == "functions" {
				if err := json.Unmarshal(raw, &functions); err != nil {
					t.Fatal(err)
				}
				continue
			}
			var q apiParam
			if err := json.Unmarshal(raw, &q); err != nil {
				t.Fatal(err)
			}
			settings[name] = q
		}
		want := wantInputs(t, doc, p.Task, settings, functions)

		pipe := inv.run(t, "crawlers", "params", cr.Slug)
		if pipe.code != 0 || pipe.stderr != "" {
			t.Fatalf("params %s: exit %d %s", cr.Slug, pipe.code, pipe.stderr)
		}
		for _, w := range want {
			if !strings.Contains(pipe.stdout, w) {
				t.Errorf("params %s lacks %q:\n%s", cr.Slug, w, pipe.stdout)
			}
		}
		for _, width := range []int{80, 40} {
			term := inv.runTerminal(t, width, "crawlers", "params", cr.ID) // by id: the same view
			checkFits(t, fmt.Sprintf("params %s at %d", cr.Slug, width), term.stdout, width)
			if squash(term.stdout) != squash(pipe.stdout) {
				t.Errorf("params %s at %d columns is not the pipe's text:\n%s\n-- pipe:\n%s", cr.Slug, width, term.stdout, pipe.stdout)
			}
		}
		if r := inv.run(t, "--json", "crawlers", "params", cr.ID); r.code != 0 || r.stdout != withNewline(body) {
			t.Errorf("params --json %s is not the server's body:\n%s\n%s", cr.Slug, r.stdout, body)
		}

		// show: the details, then the same inputs from the details' input list.
		_, details := rawGet(t, url+"/crawlers/"+cr.ID, token)
		var d struct {
			Result []string
			Input  []struct{ Name, Level, Description string }
		}
		if err := json.Unmarshal(details, &d); err != nil {
			t.Fatal(err)
		}
		show := inv.run(t, "crawlers", "show", cr.Slug)
		if show.code != 0 {
			t.Fatalf("show %s: exit %d %s", cr.Slug, show.code, show.stderr)
		}
		if len(d.Result) > 0 && !strings.Contains(show.stdout, fmt.Sprintf("columns          %d: %s\n", len(d.Result), strings.Join(d.Result, ", "))) {
			t.Errorf("show %s lacks its %d columns:\n%s", cr.Slug, len(d.Result), show.stdout)
		}
		described := map[string]bool{}
		for _, in := range d.Input {
			if !strings.Contains(show.stdout, "  "+in.Name+": ") || !strings.Contains(show.stdout, words(in.Description)+"\n") {
				t.Errorf("show %s lacks its input %s or its description:\n%s", cr.Slug, in.Name, show.stdout)
			}
			described[in.Name] = strings.TrimSpace(in.Description) != ""
		}
		if doc != nil {
			// The catalogue's task keys, and their descriptions where the API gives none.
			for _, k := range doc.TaskKeys {
				if !strings.Contains(show.stdout, "  "+k.Name+": ") || !described[k.Name] && !strings.Contains(show.stdout, words(k.Description)+"\n") {
					t.Errorf("show %s lacks the task key %s or its description:\n%s", cr.Slug, k.Name, show.stdout)
				}
			}
		}
		for _, width := range []int{80, 40} {
			term := inv.runTerminal(t, width, "crawlers", "show", cr.Slug)
			checkFits(t, fmt.Sprintf("show %s at %d", cr.Slug, width), term.stdout, width)
			if squash(term.stdout) != squash(show.stdout) {
				t.Errorf("show %s at %d columns is not the pipe's text:\n%s\n-- pipe:\n%s", cr.Slug, width, term.stdout, show.stdout)
			}
		}
		if r := inv.run(t, "--json", "crawlers", "show", cr.Slug); r.code != 0 || r.stdout != withNewline(details) {
			t.Errorf("show --json %s is not the server's body", cr.Slug)
		}
	}
	if documentedCount == 0 {
		t.Error("the catalogue describes none of the crawlers the fake serves")
	}
	t.Logf("%d crawlers shown, %d described by the catalogue, in %d requests", len(all), documentedCount, srv.Requests(""))
	if n := srv.Requests(""); n >= budget {
		t.Errorf("%d requests: the window of %d a minute may have made the client wait", n, budget)
	}
}

// withNewline is body as --json prints it into a pipe: as sent, a newline added when it
// has none.
func withNewline(body []byte) string {
	if bytes.HasSuffix(body, []byte("\n")) {
		return string(body)
	}
	return string(body) + "\n"
}

// checkFits fails when a line of s is wider than width (but for a line holding an id,
// which is never cut), or when something is cut (…).
func checkFits(t *testing.T, what, s string, width int) {
	t.Helper()
	for _, line := range strings.Split(s, "\n") {
		if n := utf8.RuneCountInString(line); n > width && !hexID.MatchString(line) {
			t.Errorf("%s: a line is %d columns wide: %q", what, n, line)
		}
	}
	if strings.Contains(s, "…") {
		t.Errorf("%s: something is cut:\n%s", what, s)
	}
}

func TestCrawlersAttrs(t *testing.T) {
	url, token := newServer(t)
	inv := invocation{env: envFor(url, token)}
	r := inv.run(t, "crawlers", "attrs", gmaps)
	if r.code != 0 || !strings.Contains(r.stdout, "email") || !strings.HasPrefix(r.stdout, "NAME") {
		t.Errorf("attrs:\n%s", r.stdout)
	}
	r = inv.run(t, "--json", "crawlers", "attrs", "google-maps-leads-scraper")
	_, want := rawGet(t, url+"/crawlers/"+gmaps+"/attributes", token)
	if r.code != 0 || !jsonEqual(t, []byte(r.stdout), want) {
		t.Errorf("attrs --json: %s", r.stdout)
	}
}

// The view of the inputs merges the API's answer with the catalogue: the answer wins for
// what it says; the catalogue adds what it lacks, and the keys on one side only are said.
func TestInputsMerge(t *testing.T) {
	doc := &catalog.Crawler{
		Slug: "example-scraper",
		TaskKeys: []catalog.Input{
			{Name: "url", Type: "string", Required: true, Group: "url", Description: "A search URL"},
			{Name: "keyword", Type: "string", Required: true, Group: "search", Description: "What to look for"},
			{Name: "documented_only", Type: "string", Group: "search", Description: "Only in the docs"},
		},
		Params: []catalog.Input{
			{Name: "sort", Type: "string", Default: json.RawMessage(`"Recommended"`),
				Allowed: []json.RawMessage{json.RawMessage(`"Recommended"`), json.RawMessage(`"Newest"`)}, Description: "The order"},
			{Name: "max_results", Type: "integer", Default: json.RawMessage(`100`), Description: "At most this many"},
		},
		Functions: []catalog.Function{{Name: "emails", Credits: 2, Description: "Find emails"}},
		Account:   &catalog.Account{Type: "example-sync", BaseURL: "https://example.com", Cookies: []catalog.Cookie{{Name: "sid", Required: true}}},
	}
	group := "url"
	p := &api.CrawlerParams{
		Task: map[string]api.CrawlerParam{"url": {Type: "string", Required: true, Group: &group},
			"keyword": {Type: "string", Required: true}, "api_only": {Type: "string"}},
		Squid: api.CrawlerSquidParams{
			AdditionalProperties: map[string]api.CrawlerParam{"sort": {Type: "string", Default: json.RawMessage(`"Newest"`)}, "max_results": {Type: "int"}},
			Functions:            map[string]api.CrawlerFunction{"emails": {Default: true, CreditsPerFunction: 3}},
		},
	}
	in := inputsFromParams(p, doc)
	in.account = accountText(false, nil, doc)
	var b bytes.Buffer
	in.render(&b, 0)
	out := b.String()
	for _, want := range []string{
		"Task keys, of one of 2 forms per task (lobstr task add SQUID VALUE --key KEY):\n  form url:\n    url: string, required\n      A search URL\n",
		"  form search:\n    keyword: string, required\n      What to look for\n",
		"    documented_only: string\n      Only in the docs\n      (documented, but not in the API's answer)\n",
		"  with any form:\n    api_only: string\n      (not in lobstr's documentation)\n",
		// The API's default wins; the catalogue's allowed values fill in.
		"  sort: string, default \"Newest\"\n    The order\n    allowed: \"Recommended\", \"Newest\"\n",
		// The catalogue's default fills in; the API's type wins.
		"  max_results: int, default 100\n",
		"  emails: on by default, +3 credits/row\n    Find emails\n",
		"Account: example-sync (https://example.com); cookies sid (required); link one with 'lobstr accounts sync example-sync'\n",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("lacks %q:\n%s", want, out)
		}
	}
	for _, c := range []struct {
		answered bool
		account  *api.CrawlerAccount
		doc      *catalog.Crawler
		want     string
	}{
		{true, nil, doc, "none needed, the API says; lobstr's documentation says example-sync"},
		{true, nil, &catalog.Crawler{}, "none needed"},
		{true, nil, nil, "none needed"},
		{false, nil, &catalog.Crawler{}, "none needed"},
		{true, &api.CrawlerAccount{Type: "example-sync"}, doc,
			"example-sync (https://example.com); cookies sid (required); link one with 'lobstr accounts sync example-sync'"},
		{true, &api.CrawlerAccount{Type: "other-sync", Baseurl: "https://other.example", Cookies: []api.CrawlerCookie{{Name: "a"}}}, doc,
			"other-sync (https://other.example); cookies a; link one with 'lobstr accounts sync other-sync'"},
	} {
		if got := accountText(c.answered, c.account, c.doc); got != c.want {
			t.Errorf("accountText(%v, %+v): %q, want %q", c.answered, c.account, got, c.want)
		}
	}
	// Without the catalogue: the API's answer only, and said so.
	in = inputsFromParams(p, nil)
	b.Reset()
	in.render(&b, 0)
	if out := b.String(); !strings.HasPrefix(out, "lobstr's documentation does not describe this crawler") ||
		strings.Contains(out, "not in lobstr's documentation") || !strings.Contains(out, "  emails: on by default, +3 credits/row\n") {
		t.Errorf("without the catalogue:\n%s", out)
	}
}

func TestWrapText(t *testing.T) {
	for _, c := range []struct {
		text                string
		width, indent, hang int
		want                []string
	}{
		{"one two three", 0, 2, 4, []string{"  one two three"}},
		{"one  two\tthree", 9, 0, 2, []string{"one two", "  three"}},
		{"abcdefghijklmnopqrstuvwxyz", 14, 2, 2, []string{"  abcdefghijkl", "  mnopqrstuvwx", "  yz"}},
		{"ab cdefghijklmnopqrstuvwxyz", 14, 0, 0, []string{"ab", "cdefghijklmnop", "qrstuvwxyz"}},
		{"", 10, 3, 3, []string{"   "}},
		// However narrow, a line holds minWrap columns of text.
		{"abcdefghijklmn", 4, 2, 2, []string{"  abcdefghijkl", "  mn"}},
		{"日本語 简体中文 繁體中文", 12, 0, 0, []string{"日本語 简体中文", "繁體中文"}},
	} {
		if got := wrapText(c.text, c.width, c.indent, c.hang); !slices.Equal(got, c.want) {
			t.Errorf("wrapText(%q, %d, %d, %d) = %q, want %q", c.text, c.width, c.indent, c.hang, got, c.want)
		}
	}
}

func TestGoldenCrawlers(t *testing.T) {
	url, token := newServer(t)
	inv := invocation{env: envFor(url, token)}
	all, _ := fakeCrawlers(t, url, token)
	ids := make([]string, len(all))
	for i, cr := range all {
		ids[i] = cr.ID
	}
	goldenWidths(t, "widths-crawlers-ls", inv, ids, "crawlers", "ls")
	goldenWidths(t, "widths-crawlers-params", inv, nil, "crawlers", "params", gmaps)
	goldenWidths(t, "widths-crawlers-attrs", inv, nil, "crawlers", "attrs", gmaps)
	goldenWidths(t, "widths-crawlers-show", inv, []string{gmaps}, "crawlers", "show", gmaps)
}
