package main

import (
	"bytes"
	"encoding/json"
	"regexp"
	"strconv"
	"strings"

	"github.com/lobstr-go/lobstr/catalog"
)

// card is a crawler's card on the docs' examples index.
type card struct {
	title, platform, text, href string
}

var (
	cardRe = regexp.MustCompile(`<Card\s[^>]*title="([^"]*)"[^>]*href="/examples/([^/"]+)[^"]*"`)
	hrefRe = regexp.MustCompile(`href="([^"]*)"`)
)

// parseIndex reads the cards of examples/index.mdx, by slug, in the index's order: the
// title, the platform (the heading the card stands under) and the text.
func parseIndex(text string) (map[string]card, []string) {
	cards := map[string]card{}
	var order []string
	platform := ""
	lines := strings.Split(strings.ReplaceAll(text, "\r\n", "\n"), "\n")
	for i := 0; i < len(lines); i++ {
		t := strings.TrimSpace(lines[i])
		if strings.HasPrefix(t, "## ") {
			platform = strings.TrimSpace(t[3:])
			continue
		}
		m := cardRe.FindStringSubmatch(t)
		if m == nil {
			continue
		}
		href := ""
		if h := hrefRe.FindStringSubmatch(t); h != nil {
			href = h[1]
		}
		var body []string
		if before, _, ok := strings.Cut(t[strings.Index(t, ">")+1:], "</Card>"); ok {
			body = append(body, before)
		} else {
			for i++; i < len(lines); i++ {
				if before, _, ok := strings.Cut(lines[i], "</Card>"); ok {
					body = append(body, strings.TrimSpace(before))
					break
				}
				body = append(body, strings.TrimSpace(lines[i]))
			}
		}
		slug := m[2]
		if _, dup := cards[slug]; dup {
			continue
		}
		cards[slug] = card{title: m[1], platform: platform, text: strings.TrimSpace(strings.Join(body, " ")), href: href}
		order = append(order, slug)
	}
	return cards, order
}

// crawlerInfo is what a crawler object of the docs' JSON examples tells (List Crawlers, Get
// Crawler Details, the crawler object of a squid).
type crawlerInfo struct {
	id             string
	name           string
	slug           string
	source         string
	maxConcurrency int
	credits        float64
	hasCredits     bool
	account        *catalog.Account
	hasAccount     bool // the object has an "account" key (null: no account needed)
	functions      map[string]detailFunction
}

// detailFunction is a squid-level input of Get Crawler Details marked as a function.
type detailFunction struct {
	defaultOn bool
	credits   float64
}

var hexID = regexp.MustCompile(`^[0-9a-f]{32}$`)

// crawlerObjects walks a JSON value and returns every object that describes a crawler: one
// with a slug and a 32-hex id, either an object of "object": "crawler" or the value of a
// "crawler" key.
func crawlerObjects(v any, source string, parentKey string, out *[]crawlerInfo) {
	switch v := v.(type) {
	case []any:
		for _, e := range v {
			crawlerObjects(e, source, parentKey, out)
		}
	case map[string]any:
		id, _ := v["id"].(string)
		slug, _ := v["slug"].(string)
		if hexID.MatchString(id) && slug != "" && (v["object"] == "crawler" || parentKey == "crawler") {
			ci := crawlerInfo{id: id, slug: slug, source: source}
			ci.name, _ = v["name"].(string)
			if n, ok := v["max_concurrency"].(float64); ok {
				ci.maxConcurrency = int(n)
			}
			if n, ok := v["credits_per_row"].(float64); ok {
				ci.credits, ci.hasCredits = n, true
			}
			if a, ok := v["account"]; ok {
				ci.hasAccount = true
				if am, ok := a.(map[string]any); ok {
					ci.account = accountFrom(am, "type")
				}
			}
			if in, ok := v["input"].([]any); ok {
				ci.functions = map[string]detailFunction{}
				for _, e := range in {
					m, _ := e.(map[string]any)
					if m == nil || m["function"] != true {
						continue
					}
					name, _ := m["name"].(string)
					f := detailFunction{}
					f.defaultOn, _ = m["default"].(bool)
					switch c := m["credits_per_function"].(type) {
					case float64:
						f.credits = c
					case string:
						f.credits, _ = strconv.ParseFloat(c, 64)
					}
					ci.functions[name] = f
				}
			}
			*out = append(*out, ci)
		}
		for _, k := range sortedKeys(v) {
			crawlerObjects(v[k], source, k, out)
		}
	}
}

// accountFrom reads an account object (of List Crawlers) or an account type (of List Account
// Types; its name is under nameKey).
func accountFrom(m map[string]any, nameKey string) *catalog.Account {
	a := &catalog.Account{}
	a.Type, _ = m[nameKey].(string)
	a.BaseURL, _ = m["baseurl"].(string)
	cs, _ := m["cookies"].([]any)
	for _, c := range cs {
		cm, _ := c.(map[string]any)
		if cm == nil {
			continue
		}
		name, _ := cm["name"].(string)
		req, _ := cm["required"].(bool)
		if name != "" {
			a.Cookies = append(a.Cookies, catalog.Cookie{Name: name, Required: req})
		}
	}
	if a.Type == "" {
		return nil
	}
	return a
}

// accountTypes reads the account types of List Account Types' response.
func accountTypes(p *page) map[string]*catalog.Account {
	types := map[string]*catalog.Account{}
	for _, c := range p.codes {
		v, ok := jsonOf(c.body)
		if !ok {
			continue
		}
		m, _ := v.(map[string]any)
		data, _ := m["data"].([]any)
		for _, e := range data {
			em, _ := e.(map[string]any)
			if em == nil || em["object"] != "account_type" {
				continue
			}
			if a := accountFrom(em, "name"); a != nil {
				types[a.Type] = a
			}
		}
	}
	return types
}

// jsonOf decodes a code block's body as JSON (with numbers as float64), or reports false.
func jsonOf(s string) (any, bool) {
	var v any
	if err := json.Unmarshal([]byte(s), &v); err != nil {
		return nil, false
	}
	return v, true
}

// curlBody returns the body of a cURL command's -d '...' (or --data '...'): a single-quoted
// shell word, where '\” stands for a quote. It returns "" when there is none.
func curlBody(s string) string {
	for _, flag := range []string{"-d '", "--data '", "--data-raw '"} {
		i := strings.Index(s, flag)
		if i < 0 {
			continue
		}
		rest := s[i+len(flag):]
		var b strings.Builder
		for {
			j := strings.IndexByte(rest, '\'')
			if j < 0 {
				return ""
			}
			b.WriteString(rest[:j])
			if strings.HasPrefix(rest[j:], `'\''`) {
				b.WriteByte('\'')
				rest = rest[j+4:]
				continue
			}
			return b.String()
		}
	}
	return ""
}

// compactJSON returns a JSON text with insignificant whitespace removed, keys in the docs'
// order, or false when it is not JSON.
func compactJSON(s string) (json.RawMessage, bool) {
	var b bytes.Buffer
	if err := json.Compact(&b, []byte(s)); err != nil {
		return nil, false
	}
	return json.RawMessage(b.Bytes()), true
}

// orderedObject decodes a JSON object keeping its keys' order.
type orderedObject struct {
	keys   []string
	values map[string]json.RawMessage
}

func decodeOrdered(raw json.RawMessage) (*orderedObject, bool) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	t, err := dec.Token()
	if err != nil || t != json.Delim('{') {
		return nil, false
	}
	o := &orderedObject{values: map[string]json.RawMessage{}}
	for dec.More() {
		t, err := dec.Token()
		if err != nil {
			return nil, false
		}
		k, _ := t.(string)
		var v json.RawMessage
		if err := dec.Decode(&v); err != nil {
			return nil, false
		}
		if _, dup := o.values[k]; !dup {
			o.keys = append(o.keys, k)
		}
		o.values[k] = v
	}
	return o, true
}

// jsonType is the catalogue type of a JSON value: string, integer (a number without a
// fraction), number, boolean, array, object, or "" for null.
func jsonType(raw json.RawMessage) string {
	s := strings.TrimSpace(string(raw))
	if s == "" {
		return ""
	}
	switch s[0] {
	case '"':
		return catalog.TypeString
	case '{':
		return catalog.TypeObject
	case '[':
		return catalog.TypeArray
	case 't', 'f':
		return catalog.TypeBoolean
	case 'n':
		return ""
	}
	if _, err := strconv.ParseInt(s, 10, 64); err == nil {
		return catalog.TypeInteger
	}
	if f, err := strconv.ParseFloat(s, 64); err == nil && f == float64(int64(f)) && !strings.ContainsAny(s, ".eE") {
		return catalog.TypeInteger
	}
	return catalog.TypeNumber
}

// ofType says whether a JSON value is of a catalogue type (an integer is also a number).
func ofType(raw json.RawMessage, typ string) bool {
	t := jsonType(raw)
	return t == typ || t == catalog.TypeInteger && typ == catalog.TypeNumber
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sortStrings(keys)
	return keys
}
