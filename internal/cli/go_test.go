package cli

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/lobstr-go/lobstr/api/apitest"
	"github.com/lobstr-go/lobstr/catalog"
)

// Crawlers shaped as the catalogue's are: a url, a keyword alone, a url or a search
// (keyword and location), a search without url.
var (
	urlCrawler     = &catalog.Crawler{Slug: "url-scraper", TaskKeys: []catalog.Input{{Name: "url", Required: true}}}
	keywordCrawler = &catalog.Crawler{Slug: "keyword-scraper", TaskKeys: []catalog.Input{{Name: "keyword", Required: true}}}
	formsCrawler   = &catalog.Crawler{Slug: "forms-scraper", TaskKeys: []catalog.Input{
		{Name: "url", Required: true, Group: "url"},
		{Name: "keyword", Required: true, Group: "search"},
		{Name: "location", Required: true, Group: "search"},
		{Name: "country", Group: "search"},
	}}
	searchCrawler = &catalog.Crawler{Slug: "search-scraper", TaskKeys: []catalog.Input{
		{Name: "keyword", Required: true}, {Name: "location", Required: true}, {Name: "radius"},
	}}
)

func TestTaskKeyFor(t *testing.T) {
	for _, c := range []struct {
		doc       *catalog.Crawler
		key, want string
		msg       string // a part of the message when refused
	}{
		{urlCrawler, "", "url", ""},
		{urlCrawler, "url", "url", ""},
		{urlCrawler, "keyword", "", `--key keyword: url-scraper takes no task key "keyword" (its task keys: url)`},
		{keywordCrawler, "", "keyword", ""},
		{keywordCrawler, "keyword", "keyword", ""},
		{keywordCrawler, "url", "", `--key url: keyword-scraper takes no task key "url" (its task keys: keyword)`},
		{formsCrawler, "", "url", ""},
		{formsCrawler, "url", "url", ""},
		{formsCrawler, "keyword", "", "a task of forms-scraper with keyword also needs location, and lobstr go puts each INPUT under one key alone " +
			"(its task keys: url* (form url) | keyword*, location*, country (form search); * required)"},
		{formsCrawler, "country", "", "with country also needs keyword and location"},
		{formsCrawler, "query", "", `takes no task key "query" (its task keys: url* (form url) | keyword*, location*, country (form search); * required)`},
		{searchCrawler, "", "", "search-scraper takes no url: say which task key each INPUT goes under with --key (its task keys: keyword*, location*, radius; * required)"},
		{searchCrawler, "radius", "", "with radius also needs keyword and location"},
		{&catalog.Crawler{Slug: "bare-scraper"}, "", "", "(its task keys: none documented)"},
	} {
		got, msg := taskKeyFor(c.doc, c.key)
		if got != c.want || (c.msg == "") != (msg == "") || !strings.Contains(msg, c.msg) {
			t.Errorf("%s --key %q: %q %q, want %q and a message holding %q", c.doc.Slug, c.key, got, msg, c.want, c.msg)
		}
	}
}

// A task key the crawler does not take is refused, naming the crawler's task keys, before
// any request: for every crawler of the catalogue, by slug and by id.
func TestGoRefusesAKeyBeforeAnyRequest(t *testing.T) {
	var hits atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		http.Error(w, "no request expected", http.StatusTeapot)
	}))
	defer srv.Close()
	inv := invocation{env: envFor(srv.URL+"/v1", testToken)}
	for _, cr := range catalog.All() {
		for _, arg := range []string{cr.Slug, cr.ID, strings.ToUpper(cr.Slug)} {
			r := inv.run(t, "go", arg, "some input", "--key", "no_such_key")
			if r.code != exitUsage {
				t.Errorf("go %s --key no_such_key: exit %d, want %d: %s", arg, r.code, exitUsage, r.stderr)
			}
			oneLine(t, r.stderr, `^lobstr: go: --key no_such_key: `+regexp.QuoteMeta(cr.Slug)+` takes no task key "no_such_key" \(its task keys: `)
			for _, k := range cr.TaskKeys {
				if !strings.Contains(r.stderr, k.Name) {
					t.Errorf("go %s: the message does not name the task key %s: %s", arg, k.Name, r.stderr)
				}
			}
		}
		// Without --key, the crawler's main key; a crawler without one is refused.
		if _, msg := taskKeyFor(cr, ""); msg != "" {
			r := inv.run(t, "go", cr.Slug, "some input")
			if r.code != exitUsage || !strings.Contains(r.stderr, cr.Slug+" takes no url") {
				t.Errorf("go %s without --key: exit %d %s", cr.Slug, r.code, r.stderr)
			}
		}
	}
	if n := hits.Load(); n != 0 {
		t.Errorf("%d requests were sent", n)
	}
	if len(catalog.All()) == 0 {
		t.Fatal("the catalogue is empty")
	}
}

// A crawler named otherwise than by its slug or id (a part of its name) is found through
// the API's list; its key is then checked before anything is made.
func TestGoChecksTheKeyOfACrawlerFoundByName(t *testing.T) {
	srv := apitest.NewServer(t, apitest.WithToken(testToken))
	inv := invocation{env: envFor(srv.URL, srv.Token)}
	r := inv.run(t, "go", "maps leads", "x", "--key", "no_such_key")
	if r.code != exitUsage || !strings.Contains(r.stderr, `google-maps-leads-scraper takes no task key "no_such_key"`) {
		t.Errorf("exit %d %s", r.code, r.stderr)
	}
	for _, req := range srv.RequestLog() {
		if req.Method != http.MethodGet {
			t.Errorf("a request that changes something was sent: %s %s", req.Method, req.Path)
		}
	}
	if srv.Requests("") == 0 {
		t.Error("the crawler was not looked up")
	}
}

var createdSquid = regexp.MustCompile(`(?:created|reusing) squid ([0-9a-f]{32})`)

// The official CLI's README examples of lobstr go run against the fake: for each
// crawler the fake serves, the run ends and each INPUT is a task under the right key.
func TestGoOfficialExamples(t *testing.T) {
	listing := apitest.NewServer(t, apitest.WithToken(testToken))
	all, _ := fakeCrawlers(t, listing.URL, listing.Token)
	served := map[string]bool{}
	for _, cr := range all {
		served[cr.Slug] = true
	}
	dir := t.TempDir()
	// The examples without -o write RUN.csv where they run: here, not in the package.
	t.Chdir(dir)
	urls := filepath.Join(dir, "urls.txt")
	maps := []string{"https://www.google.com/maps/search/pizza/@40.7,-74,14z", "https://www.google.com/maps/search/cafe/@48.85,2.35,14z",
		"https://www.google.com/maps/search/bar/@43.3,5.4,14z"}
	if err := os.WriteFile(urls, []byte(strings.Join(maps, "\n")+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	out := func(name string) string { return filepath.Join(dir, name) }
	var srv *apitest.Server
	for _, ex := range []struct {
		args   []string
		key    string   // the key each task goes under
		inputs []string // the tasks' values: all the squid's tasks
		same   bool     // on the fake of the example before
	}{
		{[]string{"google-maps-leads-scraper", maps[0], "-o", out("leads.csv")}, "url", maps[:1], false},
		{[]string{"google-maps-leads-scraper", maps[0], maps[1], maps[2], "-o", out("results.csv")}, "url", maps, false},
		{[]string{"google-maps-leads-scraper", "--file", urls, "-o", out("results2.csv")}, "url", maps, false},
		{[]string{"google-search-scraper", "pizza delivery", "--key", "keyword"}, "keyword", []string{"pizza delivery"}, false},
		{[]string{"google-search-scraper", "pizza delivery"}, "keyword", []string{"pizza delivery"}, false},
		{[]string{"google-maps-leads-scraper", maps[1], "--param", "max_results=200", "--param", "language=English"}, "url", maps[1:2], false},
		{[]string{"google-maps-leads-scraper", maps[1], "--concurrency", "3", "--no-download"}, "url", maps[1:2], false},
		{[]string{"google-maps-leads-scraper", maps[2], "--name", "My Leads", "--no-download"}, "url", maps[2:], false},
		{[]string{"google-maps-leads-scraper", maps[0], "--name", "My Leads", "--empty", "-o", out("my_leads.csv")}, "url", maps[:1], true},
		{[]string{"google-maps-leads-scraper", maps[0], "--delete", "--no-download"}, "url", maps[:1], false},
	} {
		args := append(append([]string{"go"}, ex.args...), "--interval", "100ms")
		// A fake of its own for each, whose rate limit the others have not used.
		if !ex.same {
			srv = apitest.NewServer(t, apitest.WithToken(testToken), apitest.WithRunLifecycle(apitest.RunLifecycle{Polls: 2}))
		}
		inv := invocation{env: envFor(srv.URL, srv.Token)}
		r := inv.run(t, args...)
		if !served[ex.args[0]] {
			// A crawler this fake does not serve: refused, named, before anything is made.
			if r.code != exitUsage || !strings.Contains(r.stderr, fmt.Sprintf("%q matches no crawler", ex.args[0])) {
				t.Errorf("%q on a fake without %s: exit %d %s", args, ex.args[0], r.code, r.stderr)
			}
			continue
		}
		if k, v, refused := refusedParam(t, listing.URL, listing.Token, all, ex.args); refused {
			// A value the crawler's documented params do not allow: the API's 400, said.
			if r.code != exitFail || !strings.Contains(r.stderr, "400") || !strings.Contains(r.stderr, k) || !strings.Contains(r.stderr, v) {
				t.Errorf("%q, where %s=%s is not allowed: exit %d\n%s", args, k, v, r.code, r.stderr)
			}
			continue
		}
		if r.code != 0 {
			t.Errorf("%q: exit %d\n%s", args, r.code, r.stderr)
			continue
		}
		m := createdSquid.FindStringSubmatch(r.stderr)
		if m == nil {
			t.Errorf("%q: no squid in\n%s", args, r.stderr)
			continue
		}
		if slices.Contains(ex.args, "-o") {
			if st, err := os.Stat(ex.args[slices.Index(ex.args, "-o")+1]); err != nil || st.Size() == 0 {
				t.Errorf("%q: no file written: %v", args, err)
			}
		}
		if slices.Contains(ex.args, "--no-download") {
			// Back as soon as the run has started: its id on stdout, the run still going,
			// how to watch it said; watched here, so that the next example may start one.
			run := strings.TrimSpace(r.stdout)
			if st, ok := srv.Run(run); !ok || st.Status == "done" || !strings.Contains(r.stderr, "'lobstr run watch "+run+"'") {
				t.Errorf("%q: stdout %q, run %+v (found %v)\n%s", args, r.stdout, st, ok, r.stderr)
			}
			if w := inv.run(t, "run", "watch", run, "--interval", "100ms", "--no-export"); w.code != 0 {
				t.Errorf("run watch %s: %d %s", run, w.code, w.stderr)
			}
		}
		if slices.Contains(ex.args, "--delete") {
			// With --no-download, the squid is kept for its run, and the user told so.
			if !strings.Contains(r.stderr, "squid "+m[1]+" kept") {
				t.Errorf("%q: the squid was not kept:\n%s", args, r.stderr)
			}
			continue
		}
		var got []string
		for _, task := range srv.Tasks(m[1]) {
			if len(task.Params) != 1 {
				t.Errorf("%q: a task of %d keys: %v", args, len(task.Params), task.Params)
			}
			v, ok := task.Params[ex.key].(string)
			if !ok {
				t.Errorf("%q: a task without %s: %v", args, ex.key, task.Params)
			}
			got = append(got, v)
		}
		slices.Sort(got)
		want := slices.Sorted(slices.Values(ex.inputs))
		if !slices.Equal(got, want) {
			t.Errorf("%q: the squid's tasks are %s=%q, want %q", args, ex.key, got, want)
		}
		if ex.same && !strings.Contains(r.stderr, "reusing squid") {
			t.Errorf("%q: the squid was not reused:\n%s", args, r.stderr)
		}
	}
}

// refusedParam finds a --param k=v of args whose value the crawler's params (Get Crawler
// Parameters of the fake) do not allow.
func refusedParam(t *testing.T, url, token string, all []listedCrawler, args []string) (k, v string, refused bool) {
	id := ""
	for _, cr := range all {
		if cr.Slug == args[0] {
			id = cr.ID
		}
	}
	_, body := rawGet(t, url+"/crawlers/"+id+"/params", token)
	var p struct {
		Squid map[string]json.RawMessage
	}
	if err := json.Unmarshal(body, &p); err != nil {
		t.Fatal(err)
	}
	for i, a := range args {
		if a != "--param" || i+1 >= len(args) {
			continue
		}
		k, v, _ = strings.Cut(args[i+1], "=")
		var q struct{ Allowed []any }
		if json.Unmarshal(p.Squid[k], &q) != nil || len(q.Allowed) == 0 {
			continue
		}
		if !slices.Contains(q.Allowed, any(v)) {
			return k, v, true
		}
	}
	return "", "", false
}

// TestGoNewSquidEachCall checks that lobstr go without --name makes a new squid each time,
// so that an earlier call's tasks are never run (and paid) again; that --file skips blank
// lines and # comments; and that task add --file does the same.
func TestGoNewSquidEachCall(t *testing.T) {
	srv := apitest.NewServer(t, apitest.WithToken(testToken), apitest.WithRunLifecycle(apitest.RunLifecycle{Polls: 1}))
	inv := invocation{env: envFor(srv.URL, srv.Token)}
	dir := t.TempDir()
	file := filepath.Join(dir, "urls.txt")
	if err := os.WriteFile(file, []byte("# my urls\n\nhttps://example.com/b\n  # indented comment\nhttps://example.com/c\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	var squids []string
	for i, args := range [][]string{
		{"https://example.com/a"},
		{"--file", file},
	} {
		r := inv.run(t, append([]string{"go", apitest.SeedCrawlerSlug, "-o", filepath.Join(dir, fmt.Sprint(i, ".csv")), "--interval", "100ms"}, args...)...)
		m := createdSquid.FindStringSubmatch(r.stderr)
		if r.code != 0 || m == nil || strings.Contains(r.stderr, "reusing") {
			t.Fatalf("go %q: exit %d\n%s", args, r.code, r.stderr)
		}
		squids = append(squids, m[1])
	}
	if squids[0] == squids[1] {
		t.Fatalf("both calls used squid %s", squids[0])
	}
	var got []string
	for _, task := range srv.Tasks(squids[1]) {
		got = append(got, fmt.Sprint(task.Params["url"]))
	}
	slices.Sort(got)
	if !slices.Equal(got, []string{"https://example.com/b", "https://example.com/c"}) {
		t.Errorf("the second squid's tasks are %q, want b and c alone", got)
	}
	r := inv.run(t, "task", "add", squids[0], "--file", file)
	if r.code != 0 || len(srv.Tasks(squids[0])) != 3 {
		t.Errorf("task add --file: exit %d, %d tasks, want 3\n%s", r.code, len(srv.Tasks(squids[0])), r.stderr)
	}
	// "-" (stdin) keeps a line starting with #: a value may start with one (a hashtag).
	r = invocation{env: envFor(srv.URL, srv.Token), stdin: "https://example.com/#golang\n#https://example.com/d\n"}.run(t, "task", "add", squids[0], "-")
	if r.code != 0 || len(srv.Tasks(squids[0])) != 5 {
		t.Errorf("task add - with a # line: exit %d, %d tasks, want 5\n%s", r.code, len(srv.Tasks(squids[0])), r.stderr)
	}
}
