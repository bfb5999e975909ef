package apitest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"sync"
)

// The crawler catalogue the fake serves: the three crawlers of List Crawlers' documented
// example and the documented Google Maps crawler (Get Crawler Details, Get Crawler
// Parameters, Get Crawler Attributes), under its current name.
const (
	SeedCrawlerID   = "4734d096159ef05210e0e1677e8be823" // the Google Maps Leads Scraper; SeedModule
	SeedCrawlerSlug = "google-maps-leads-scraper"        // its slug (the API takes only the hash)
	SeedCrawlerName = "Google Maps Leads Scraper"        // its name
)

// crawler is one crawler of the catalogue, as the API shows it.
type crawler struct {
	id       string
	name     string
	details  map[string]any       // Get Crawler Details
	params   map[string]any       // Get Crawler Parameters
	attrs    []attribute          // Get Crawler Attributes, in order
	defaults map[string]any       // a new squid's params
	specs    map[string]paramSpec // the squid params Update Squid checks
	funcs    map[string]bool      // paid add-ons → on by default
	cpr      float64              // credits per row
}

// attribute is one result column.
type attribute struct {
	Name        string          `json:"name"`
	Type        string          `json:"type"`
	Example     json.RawMessage `json:"example"`
	Function    string          `json:"function"`
	IsMain      bool            `json:"is_main"`
	Description string          `json:"description"`
}

// functionKey is the params.functions key of a function's label: "Extract Emails from
// Website" → "extract_emails_from_website".
func functionKey(label string) string {
	return strings.ReplaceAll(strings.ToLower(strings.TrimSpace(label)), " ", "_")
}

// paramSpec is what Update Squid checks of one squid parameter.
type paramSpec struct {
	typ     string // string, int, boolean (else anything)
	allowed []any  // when not empty, the only values accepted (null aside)
	max     *float64
}

// summaryKeys are the fields of a crawler in List Crawlers.
var summaryKeys = []string{"id", "object", "account", "name", "slug", "icon", "is_public", "is_available",
	"is_premium", "has_issues", "max_concurrency", "credits_per_row"}

func (c *crawler) summary() map[string]any {
	m := map[string]any{}
	for _, k := range summaryKeys {
		if v, ok := c.details[k]; ok {
			m[k] = v
		}
	}
	return m
}

// catalogue is built once from the embedded fixtures; it never changes.
var catalogue = sync.OnceValue(func() *crawlerCatalogue {
	cat := &crawlerCatalogue{byID: map[string]*crawler{}}
	var list struct {
		Data []map[string]any `json:"data"`
	}
	mustDecode("docs/list-crawlers.200.json", &list)
	for _, item := range list.Data {
		cat.add(synthesized(item))
	}
	var details map[string]any
	mustDecode("docs/get-crawler-details.200.json", &details)
	details["name"] = SeedCrawlerName
	details["slug"] = SeedCrawlerSlug
	details["description"] = "Give us your properly built Google Maps Search URL(s). Grab all results available. Phone, rating, website included!"
	var params map[string]any
	mustDecode("docs/get-crawler-parameters.200.json", &params)
	var attrs struct {
		Data []attribute `json:"data"`
	}
	mustDecode("docs/get-crawler-attributes.200.json", &attrs)
	cat.add(newCrawler(details, params, attrs.Data))
	return cat
})

type crawlerCatalogue struct {
	order []*crawler
	byID  map[string]*crawler
}

func (c *crawlerCatalogue) add(cr *crawler) {
	c.order = append(c.order, cr)
	c.byID[cr.id] = cr
}

// newCrawler derives what the fake needs of a crawler from its documented bodies.
func newCrawler(details, params map[string]any, attrs []attribute) *crawler {
	c := &crawler{
		id: details["id"].(string), name: details["name"].(string),
		details: details, params: params, attrs: attrs,
		defaults: map[string]any{}, specs: map[string]paramSpec{}, funcs: map[string]bool{},
	}
	c.cpr = creditsOf(details["credits_per_row"])
	// Squid-level inputs of the details (max_results, …): defaults, types, maxima.
	inputs, _ := details["input"].([]any)
	for _, in := range inputs {
		m, _ := in.(map[string]any)
		if m["level"] != "squid" || m["function"] == true {
			continue
		}
		name, _ := m["name"].(string)
		spec := paramSpec{typ: fmt.Sprint(m["type"])}
		if mx, ok := m["max"].(float64); ok {
			spec.max = &mx
		}
		c.specs[name] = spec
		if d, ok := m["default"]; ok {
			c.defaults[name] = d
		}
	}
	// The squid parameters (country, ratings, language) and the functions.
	squid, _ := params["squid"].(map[string]any)
	for name, v := range squid {
		m, _ := v.(map[string]any)
		if name == "functions" {
			for fn, fv := range m {
				fm, _ := fv.(map[string]any)
				c.funcs[fn], _ = fm["default"].(bool)
			}
			continue
		}
		spec := c.specs[name]
		spec.typ = fmt.Sprint(m["type"])
		spec.allowed, _ = m["allowed"].([]any)
		c.specs[name] = spec
		if d, ok := m["default"]; ok {
			c.defaults[name] = d
		}
	}
	return c
}

// creditsOf reads a price that is a number or {"legacy": n, "current": n}.
func creditsOf(v any) float64 {
	switch x := v.(type) {
	case float64:
		return x
	case map[string]any:
		if c, ok := x["current"].(float64); ok {
			return c
		}
		if c, ok := x["legacy"].(float64); ok {
			return c
		}
	}
	return 1
}

// synthesized makes a whole crawler of a List Crawlers item, for the crawlers whose details
// the documentation does not show: a url task parameter, max_results, and plausible columns.
func synthesized(item map[string]any) *crawler {
	details := map[string]any{}
	for k, v := range item {
		details[k] = v
	}
	name, _ := item["name"].(string)
	slug, _ := item["slug"].(string)
	cols := syntheticColumns[slug]
	if cols == nil {
		cols = syntheticColumns[""]
	}
	main := strings.TrimSuffix(strings.TrimSuffix(name, " Scraper"), " Export")
	attrs := make([]attribute, len(cols))
	result := make([]any, len(cols))
	for i, col := range cols {
		ex, _ := json.Marshal(col[2])
		attrs[i] = attribute{Name: col[0].(string), Type: col[1].(string), Example: ex, Function: "Export " + main, IsMain: true, Description: col[3].(string)}
		result[i] = col[0]
	}
	details["description"] = "Collects " + strings.ToLower(main) + " data from a list of URLs."
	details["input"] = []any{
		map[string]any{"name": "url", "type": "string", "level": "task", "default": nil, "required": true,
			"description": "The page to collect, one per task."},
		map[string]any{"name": "max_results", "type": "int", "level": "squid", "default": nil, "required": false,
			"is_details": true, "description": "The most results to collect per task; null for no limit."},
	}
	details["result"] = result
	params := map[string]any{
		"task": map[string]any{"url": map[string]any{"type": "string", "default": nil, "required": true,
			"attribute": "url", "is_params": false}},
		"squid": map[string]any{"functions": map[string]any{}},
	}
	return newCrawler(details, params, attrs)
}

// syntheticColumns are the result columns of the synthesized crawlers, by slug: name, type,
// example, description.
var syntheticColumns = map[string][][4]any{
	"twitter-profile-scraper": {
		{"name", "string", "Jane Doe", "The profile's display name"},
		{"handle", "string", "@janedoe", "The profile's handle"},
		{"bio", "text", "Writer and traveller.", "The profile's biography"},
		{"followers", "integer", 1520, "How many accounts follow the profile"},
		{"following", "integer", 310, "How many accounts the profile follows"},
		{"verified", "boolean", false, "Whether the profile is verified"},
		{"location", "string", "Paris, France", "The location the profile shows"},
		{"url", "string", "https://x.com/janedoe", "The profile's address"},
	},
	"facebook-pages-search-export": {
		{"name", "string", "Blues Billard Club", "The page's name"},
		{"category", "string", "Bar", "The page's category"},
		{"likes", "integer", 2400, "How many people like the page"},
		{"phone", "string", "+33493611118", "The page's phone number"},
		{"website", "string", "http://www.example.com/", "The page's website"},
		{"email", "string", "info@example.com", "The page's email address"},
		{"url", "string", "https://www.facebook.com/example", "The page's address"},
	},
	"sales-navigator-leads-scraper": {
		{"first_name", "string", "Jane", "The lead's first name"},
		{"last_name", "string", "Doe", "The lead's last name"},
		{"title", "string", "Head of Sales", "The lead's job title"},
		{"company", "string", "Acme", "The lead's company"},
		{"location", "string", "Lyon, France", "The lead's location"},
		{"profile_url", "string", "https://www.linkedin.com/in/janedoe", "The lead's profile"},
	},
	"": {
		{"name", "string", "Example", "The item's name"},
		{"url", "string", "https://www.example.com/", "The item's address"},
	},
}

// checkParams checks squid params against the crawler's parameters: a value of a parameter
// with allowed values must be one of them (or null), an int must be an integer (at most its
// max), a boolean a boolean, a string a string, and functions an object of the crawler's
// functions switched on or off. Unknown keys pass. It returns the offending key (as
// params.KEY) and what is wrong, or "".
func (c *crawler) checkParams(p map[string]any) (param, problem string) {
	keys := make([]string, 0, len(p))
	for k := range p {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		v := p[k]
		if k == "functions" {
			fm, ok := v.(map[string]any)
			if !ok {
				return "params.functions", "functions must be an object of the crawler's functions, each true or false."
			}
			for fn, on := range fm {
				if _, known := c.funcs[fn]; !known {
					return "params.functions." + fn, fmt.Sprintf("%q is not a function of the crawler %s.", fn, c.name)
				}
				if _, ok := on.(bool); !ok {
					return "params.functions." + fn, fmt.Sprintf("The function %q must be true or false.", fn)
				}
			}
			continue
		}
		spec, known := c.specs[k]
		if !known || v == nil {
			continue
		}
		if len(spec.allowed) > 0 {
			if !slices.ContainsFunc(spec.allowed, func(a any) bool { return sameJSON(a, v) }) {
				return "params." + k, fmt.Sprintf("%s must be one of the crawler's allowed values (%s); %s is not.", k, joinJSON(spec.allowed), jsonText(v))
			}
			continue
		}
		switch spec.typ {
		case "int", "integer":
			n, ok := v.(float64)
			if !ok || n != float64(int64(n)) {
				return "params." + k, fmt.Sprintf("%s must be a whole number or null; %s is not.", k, jsonText(v))
			}
			if spec.max != nil && n > *spec.max {
				return "params." + k, fmt.Sprintf("%s must be at most %v; %v is too large.", k, *spec.max, n)
			}
		case "boolean", "bool":
			if _, ok := v.(bool); !ok {
				return "params." + k, fmt.Sprintf("%s must be true, false or null; %s is not.", k, jsonText(v))
			}
		case "string":
			if _, ok := v.(string); !ok {
				return "params." + k, fmt.Sprintf("%s must be a string or null; %s is not.", k, jsonText(v))
			}
		}
	}
	return "", ""
}

func jsonText(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

func sameJSON(a, b any) bool { return bytes.Equal([]byte(jsonText(a)), []byte(jsonText(b))) }

func joinJSON(vs []any) string {
	s := make([]string, len(vs))
	for i, v := range vs {
		s[i] = jsonText(v)
	}
	return strings.Join(s, ", ")
}

// columns returns the result columns of a squid's runs: the main attributes, and the others
// when the squid's params.functions (else the crawler's default) switches their function on.
func (c *crawler) columns(params map[string]any) []attribute {
	on, _ := params["functions"].(map[string]any)
	var cols []attribute
	for _, a := range c.attrs {
		if !a.IsMain {
			key := functionKey(a.Function)
			enabled, known := c.funcs[key]
			if v, ok := on[key].(bool); ok {
				enabled, known = v, true
			}
			if !known || !enabled {
				continue
			}
		}
		cols = append(cols, a)
	}
	return cols
}
