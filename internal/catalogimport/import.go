package main

import (
	"errors"
	"fmt"
	"io/fs"
	"path"
	"regexp"
	"slices"
	"strings"

	"github.com/lobstr-go/lobstr/catalog"
)

// The values the catalogue gives where the docs say nothing.
const (
	defaultCredits        = 1
	defaultMaxConcurrency = 20
)

// aliases are crawler slugs of older docs and the slug of the crawler they name today.
var aliases = map[string]string{
	// Get Crawler Details, List Squids and Create Squid still show the Google Maps crawler
	// under its old name; its id is the Google Maps Leads Scraper's.
	"google-maps-search-export": "google-maps-leads-scraper",
}

// squidFields are the squid's own settings of Update Squid, which are not crawler params.
var squidFields = map[string]bool{
	"name": true, "is_active": true, "concurrency": true, "to_complete": true,
	"export_unique_results": true, "no_line_breaks": true, "run_notify": true,
	"cron_expression": true, "timezone": true, "accounts": true, "params": true,
	"chain": true, "slack_fields": true, "notifications": true, "functions": true,
}

// accountPlatforms maps the platform a page says a crawler needs an account of onto the
// account type (List Account Types' names; linkedin-sync is Link Account to Squid's) and the
// site its cookies are of.
var accountPlatforms = []struct {
	re      *regexp.Regexp
	typ     string
	baseURL string
}{
	{regexp.MustCompile(`(?i)sales navigator`), "sales-nav-sync", "https://www.linkedin.com"},
	{regexp.MustCompile(`(?i)linkedin`), "linkedin-sync", "https://www.linkedin.com"},
	{regexp.MustCompile(`(?i)facebook`), "facebook-sync", "https://www.facebook.com"},
	{regexp.MustCompile(`(?i)twitter|\bx\b`), "twitter-sync", "https://x.com"},
	{regexp.MustCompile(`(?i)amazon`), "amazon-sync", "https://www.amazon.com"},
}

var (
	needsAccountRe = regexp.MustCompile(`(?i)requires? (?:a |an )?(?:synced|linked|connected) ([A-Za-z/ ]+?) accounts?\b|requires? (?:a |an )?([A-Za-z/ ]+?) account to be linked|\b([A-Za-z/ ]+?) account hashes \(required\)`)
	noAccountRe    = regexp.MustCompile(`(?i)\bno [A-Za-z ]*account is required|without (?:a |an )?[A-Za-z ]*account`)
)

// result is the outcome of an import: the crawlers and what the importer could not take
// as it is.
type result struct {
	crawlers []*catalog.Crawler
	notes    []string // one line for each thing the importer dropped, changed or guessed
	stats    stats
}

type stats struct {
	duplicateColumns   int
	examplesDropped    int // column examples that could not be made a value of the column's type
	columnsNoExample   int
	allowedWidened     int
	typesWidened       int
	exampleOnlyKeys    int
	exampleOnlyParams  int
	exampleOnlyFuncs   int
	documentedIDs      int
	derivedIDs         int
	documentedCredits  int
	crawlersWithGroups int
	legacyTaskBodies   int // Add Tasks examples of one task, made batches of one
}

type importer struct {
	fsys    fs.FS
	res     *result
	cards   map[string]card
	infos   map[string][]crawlerInfo // by slug, aliases resolved
	types   map[string]*catalog.Account
	typeSrc string
	ranked  map[string][]string // a crawler's names, best first
	// The responses of Get Crawler Parameters and Get Crawler Attributes, by the id of the
	// crawler their example asks for.
	paramsResp map[string]endpointExample
	attrsResp  map[string]endpointExample
	fnDefault  map[string]bool // slug/function: the page gives the function's default
}

// endpointExample is a documented response of an endpoint about one crawler.
type endpointExample struct {
	source string
	value  any
}

// importDocs reads a checkout of lobstr's docs and returns the catalogue it documents: one
// crawler for each folder under examples/.
func importDocs(fsys fs.FS) (*result, error) {
	entries, err := fs.ReadDir(fsys, "examples")
	if err != nil {
		return nil, fmt.Errorf("reading the docs' examples/: %w", err)
	}
	var slugs []string
	for _, e := range entries {
		if e.IsDir() {
			slugs = append(slugs, e.Name())
		}
	}
	if len(slugs) == 0 {
		return nil, errors.New("no crawler folder under examples/: is this a checkout of lobstrio/docs?")
	}
	slices.Sort(slugs)
	im := &importer{fsys: fsys, res: &result{}, cards: map[string]card{}, infos: map[string][]crawlerInfo{}, ranked: map[string][]string{}, fnDefault: map[string]bool{}}
	if b, err := fs.ReadFile(fsys, "examples/index.mdx"); err == nil {
		im.cards, _ = parseIndex(string(b))
	}
	// Crawler objects anywhere in the docs' JSON examples.
	var docPages []string
	if des, err := fs.ReadDir(fsys, "docs"); err == nil {
		for _, e := range des {
			if !e.IsDir() && strings.HasSuffix(e.Name(), ".mdx") {
				docPages = append(docPages, "docs/"+e.Name())
			}
		}
	}
	for _, slug := range slugs {
		docPages = append(docPages, "examples/"+slug+"/update-settings.mdx")
	}
	for _, name := range docPages {
		p, err := im.read(name)
		if err != nil {
			continue
		}
		for _, c := range p.codes {
			v, ok := jsonOf(c.body)
			if !ok {
				continue
			}
			var found []crawlerInfo
			crawlerObjects(v, name, "", &found)
			for _, ci := range found {
				slug := ci.slug
				if a, ok := aliases[slug]; ok {
					slug = a
				}
				im.infos[slug] = append(im.infos[slug], ci)
			}
		}
	}
	im.paramsResp = im.endpointExamples("docs/get-crawler-parameters.mdx", "params")
	im.attrsResp = im.endpointExamples("docs/get-crawler-attributes.mdx", "attributes")
	if p, err := im.read("docs/list-account-types.mdx"); err == nil {
		im.types = accountTypes(p)
		im.typeSrc = p.path
	}
	for _, slug := range slugs {
		c, err := im.crawler(slug)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", slug, err)
		}
		im.res.crawlers = append(im.res.crawlers, c)
	}
	uniqueNames(im.res.crawlers, im.ranked)
	// Ids must be unique: a documented id shown for two crawlers is nobody's.
	seen := map[string]string{}
	for _, c := range im.res.crawlers {
		if other, dup := seen[c.ID]; dup {
			return nil, fmt.Errorf("the id %s is both %s's and %s's", c.ID, other, c.Slug)
		}
		seen[c.ID] = c.Slug
	}
	return im.res, nil
}

var crawlerPathRe = regexp.MustCompile(`/v1/crawlers/([0-9a-f]{32})/([a-z]+)`)

// endpointExamples reads the documented response of a page about one crawler (Get Crawler
// Parameters, Get Crawler Attributes): the id its request example names and the JSON of its
// 200 response.
func (im *importer) endpointExamples(name, endpoint string) map[string]endpointExample {
	out := map[string]endpointExample{}
	p, err := im.read(name)
	if err != nil {
		return out
	}
	id := ""
	for _, c := range p.codes {
		if m := crawlerPathRe.FindStringSubmatch(c.body); m != nil && m[2] == endpoint {
			id = m[1]
		}
	}
	if id == "" {
		return out
	}
	for _, c := range p.codes {
		if strings.HasPrefix(c.info, "json") {
			if v, ok := jsonOf(c.body); ok {
				out[id] = endpointExample{source: name, value: v}
				break
			}
		}
	}
	return out
}

func (im *importer) read(name string) (*page, error) {
	b, err := fs.ReadFile(im.fsys, name)
	if err != nil {
		return nil, err
	}
	return parseMDX(name, string(b)), nil
}

func (im *importer) note(format string, args ...any) {
	im.res.notes = append(im.res.notes, fmt.Sprintf(format, args...))
}

func (im *importer) crawler(slug string) (*catalog.Crawler, error) {
	dir := "examples/" + slug
	entries, err := fs.ReadDir(im.fsys, dir)
	if err != nil {
		return nil, err
	}
	var addPages []*page
	var settings, results *page
	sources := map[string]bool{}
	for _, e := range entries {
		name := e.Name()
		if e.IsDir() || !strings.HasSuffix(name, ".mdx") {
			continue
		}
		full := dir + "/" + name
		switch {
		case strings.HasPrefix(name, "add-task"):
			p, err := im.read(full)
			if err != nil {
				return nil, err
			}
			addPages = append(addPages, p)
		case name == "update-settings.mdx":
			if settings, err = im.read(full); err != nil {
				return nil, err
			}
		case name == "get-results.mdx":
			if results, err = im.read(full); err != nil {
				return nil, err
			}
		default:
			continue
		}
		sources[full] = true
	}
	if len(addPages) == 0 || settings == nil || results == nil {
		return nil, fmt.Errorf("%s needs add-tasks, update-settings and get-results pages", dir)
	}
	// The page the index links to comes first.
	cd, hasCard := im.cards[slug]
	slices.SortStableFunc(addPages, func(a, b *page) int {
		la := hasCard && strings.HasSuffix(cd.href, "/"+strings.TrimSuffix(path.Base(a.path), ".mdx"))
		lb := hasCard && strings.HasSuffix(cd.href, "/"+strings.TrimSuffix(path.Base(b.path), ".mdx"))
		switch {
		case la && !lb:
			return -1
		case lb && !la:
			return 1
		}
		return strings.Compare(a.path, b.path)
	})
	c := &catalog.Crawler{Slug: slug, TaskKeys: []catalog.Input{}, Params: []catalog.Input{}, Functions: []catalog.Function{}, Columns: []catalog.Column{}}
	all := append(append([]*page{}, addPages...), settings, results)

	// Identity.
	infos := im.infos[slug]
	for _, ci := range infos {
		if c.ID == "" {
			c.ID, c.IDDocumented = ci.id, true
			sources[ci.source] = true
		} else if ci.id != c.ID {
			im.note("%s: the docs show two ids, %s (kept) and %s (%s)", slug, c.ID, ci.id, ci.source)
		}
	}
	if c.ID == "" {
		c.ID = catalog.DeriveID(slug)
		im.res.stats.derivedIDs++
	} else {
		im.res.stats.documentedIDs++
	}
	im.ranked[slug] = im.names(slug, all, infos, cd, hasCard)
	c.Listed = hasCard
	if hasCard {
		c.Platform = cd.platform
		c.Description = cd.text
		sources["examples/index.mdx"] = true
	} else {
		c.Platform = im.platformOf(slug)
		c.Description = descriptionOf(addPages[0])
	}
	c.CreditsPerRow, c.MaxConcurrency = defaultCredits, defaultMaxConcurrency
	for _, ci := range infos {
		if ci.hasCredits && !c.CreditsDocumented {
			c.CreditsPerRow, c.CreditsDocumented = ci.credits, true
			sources[ci.source] = true
		}
		if ci.maxConcurrency > 0 && c.MaxConcurrency == defaultMaxConcurrency {
			c.MaxConcurrency = ci.maxConcurrency
		}
	}
	if c.CreditsDocumented {
		im.res.stats.documentedCredits++
	}
	c.Account = im.account(slug, all, infos, sources)

	im.taskKeys(c, addPages)
	im.settings(c, settings, infos)
	im.columns(c, results)
	im.fromEndpoints(c, sources)
	for s := range sources {
		c.Sources = append(c.Sources, s)
	}
	slices.Sort(c.Sources)
	return c, nil
}

var boldNameRes = []*regexp.Regexp{
	regexp.MustCompile(`\byour \*\*([^*]+?)\*\*`),
	regexp.MustCompile(`\bthe \*\*([^*]+?)\*\*`),
	regexp.MustCompile(`configured with the ([A-Z][^|]*?)\s*(?:crawler\b|squid\b|\|)`),
	regexp.MustCompile(`^[Cc]onfigure (?:your |the )?([A-Z][A-Za-z0-9'&/(). -]*?(?:Scraper|Export|Checker|Sender)(?: \([^)]*\))?) (?:squid |settings|parameters)`),
}

// names ranks the names a crawler's pages give it ("your **Realtor Listings Scraper**
// squid", "configured with the Yelp Search Export crawler"): the most frequent first, then
// the one closest to the slug, then the one whose words are spelled as on the index card.
// List Crawlers' name, the card's title and the slug in title case come last.
func (im *importer) names(slug string, pages []*page, infos []crawlerInfo, cd card, hasCard bool) []string {
	count := map[string]int{}
	var order []string
	add := func(n string) {
		n = strings.TrimSpace(n)
		if n == "" || strings.HasSuffix(n, ":") || len(n) > 80 || !startsUpper(n) {
			return
		}
		if count[n] == 0 {
			order = append(order, n)
		}
		count[n]++
	}
	for _, p := range pages {
		var texts []string
		texts = append(texts, p.frontMatter["description"])
		for _, l := range p.prose {
			texts = append(texts, l.text)
		}
		for _, t := range p.tables {
			for _, r := range t.rows {
				texts = append(texts, strings.Join(r, " | ")+" |")
			}
		}
		for _, t := range texts {
			for _, re := range boldNameRes {
				for _, m := range re.FindAllStringSubmatch(t, -1) {
					add(m[1])
				}
			}
		}
	}
	cardWords := strings.Fields(cd.title)
	spelled := func(n string) int {
		k := 0
		for _, w := range strings.Fields(n) {
			if slices.Contains(cardWords, w) {
				k++
			}
		}
		return k
	}
	slices.SortStableFunc(order, func(a, b string) int {
		if count[a] != count[b] {
			return count[b] - count[a]
		}
		if sa, sb := slugCloseness(slug, a), slugCloseness(slug, b); sa != sb {
			if sa > sb {
				return -1
			}
			return 1
		}
		return spelled(b) - spelled(a)
	})
	for _, ci := range infos {
		if ci.name != "" && ci.slug == slug {
			order = append(order, ci.name)
		}
	}
	if hasCard {
		order = append(order, cd.title)
	}
	words := strings.Split(slug, "-")
	for i, w := range words {
		if w != "" {
			words[i] = strings.ToUpper(w[:1]) + w[1:]
		}
	}
	return append(order, strings.Join(words, " "))
}

func startsUpper(s string) bool { return s != "" && s[0] >= 'A' && s[0] <= 'Z' }

// slugCloseness is the share of the words of a name and a slug they have in common (the
// Jaccard index of their lower-case words, punctuation removed: "Bien'Ici" is "bienici").
func slugCloseness(slug, name string) float64 {
	a := map[string]bool{}
	for _, w := range strings.Split(slug, "-") {
		a[w] = true
	}
	b := map[string]bool{}
	for _, w := range strings.Fields(strings.ToLower(name)) {
		w = strings.Map(func(r rune) rune {
			if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' {
				return r
			}
			return -1
		}, w)
		if w != "" {
			b[w] = true
		}
	}
	inter := 0
	for w := range b {
		if a[w] {
			inter++
		}
	}
	union := len(a) + len(b) - inter
	if union == 0 {
		return 0
	}
	return float64(inter) / float64(union)
}

// uniqueNames gives every crawler the first of its ranked names no other crawler takes;
// where two crawlers rank the same name first, the one whose slug is closer to it keeps it.
func uniqueNames(crawlers []*catalog.Crawler, ranked map[string][]string) {
	taken := map[string]string{}
	pending := slices.Clone(crawlers)
	for round := 0; len(pending) > 0 && round < 100; round++ {
		want := map[string][]*catalog.Crawler{}
		for _, c := range pending {
			for _, n := range ranked[c.Slug] {
				if _, ok := taken[n]; !ok {
					want[n] = append(want[n], c)
					break
				}
			}
		}
		pending = pending[:0]
		for _, n := range sortedKeys(want) {
			cs := want[n]
			slices.SortStableFunc(cs, func(a, b *catalog.Crawler) int {
				sa, sb := slugCloseness(a.Slug, n), slugCloseness(b.Slug, n)
				switch {
				case sa > sb:
					return -1
				case sa < sb:
					return 1
				}
				return strings.Compare(a.Slug, b.Slug)
			})
			cs[0].Name, taken[n] = n, cs[0].Slug
			pending = append(pending, cs[1:]...)
		}
	}
	for _, c := range crawlers {
		if c.Name == "" { // every name taken: the slug is unique
			c.Name = c.Slug
		}
	}
}

// platformOf finds the platform of a crawler not on the index: the index heading whose
// letters begin its slug.
func (im *importer) platformOf(slug string) string {
	best := ""
	flat := strings.ReplaceAll(slug, "-", "")
	for _, cd := range im.cards {
		key := strings.Map(func(r rune) rune {
			if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' {
				return r
			}
			if r >= 'A' && r <= 'Z' {
				return r + 'a' - 'A'
			}
			return -1
		}, cd.platform)
		if key != "" && strings.HasPrefix(flat, key) && len(cd.platform) > len(best) {
			best = cd.platform
		}
	}
	return best
}

// descriptionOf is the description of a crawler the index does not show: the first line of
// its Add Tasks page's prose.
func descriptionOf(p *page) string {
	for _, l := range p.prose {
		if !strings.HasPrefix(l.text, "<") {
			return strings.ReplaceAll(l.text, "**", "")
		}
	}
	return p.frontMatter["description"]
}

// account finds the account a crawler needs: List Crawlers' account object, else what its
// pages say ("This scraper requires a synced LinkedIn account").
func (im *importer) account(slug string, pages []*page, infos []crawlerInfo, sources map[string]bool) *catalog.Account {
	for _, ci := range infos {
		if ci.hasAccount && ci.slug == slug {
			sources[ci.source] = true
			return ci.account
		}
	}
	for _, p := range pages {
		var texts []string
		texts = append(texts, p.frontMatter["description"])
		for _, l := range p.prose {
			texts = append(texts, l.text)
		}
		for _, t := range p.tables {
			for _, r := range t.rows {
				texts = append(texts, strings.Join(r, " "))
			}
		}
		for _, t := range texts {
			if noAccountRe.MatchString(t) {
				continue
			}
			m := needsAccountRe.FindStringSubmatch(t)
			if m == nil {
				continue
			}
			platform := m[1] + m[2] + m[3]
			if a := im.accountType(platform); a != nil {
				sources[im.typeSrc] = true
				return a
			}
			for _, ap := range accountPlatforms {
				if !ap.re.MatchString(platform) {
					continue
				}
				im.note("%s: needs an account of %s; the docs list no such account type, so %s has no documented cookies", slug, platform, ap.typ)
				return &catalog.Account{Type: ap.typ, BaseURL: ap.baseURL}
			}
			im.note("%s: needs an account of %q, which the importer does not know", slug, platform)
		}
	}
	return nil
}

// accountType finds the account type of List Account Types a platform's name ("Sales
// Navigator", "Twitter/X") stands for: the type whose name, without -sync, its lower-case
// name contains ("sales-nav-sync", "twitter-sync"); the longest such name wins.
func (im *importer) accountType(platform string) *catalog.Account {
	p := strings.ToLower(platform)
	var best *catalog.Account
	bestLen := 0
	for _, name := range sortedKeys(im.types) {
		key := strings.ReplaceAll(strings.TrimSuffix(name, "-sync"), "-", " ")
		if key != "" && strings.Contains(p, key) && len(key) > bestLen {
			best, bestLen = im.types[name], len(key)
		}
	}
	if best == nil {
		return nil
	}
	a := *best
	a.Cookies = slices.Clone(best.Cookies)
	return &a
}
