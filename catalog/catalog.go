// Package catalog is lobstr's crawler catalogue as data: for every crawler lobstr documents,
// its identity (id, slug, name, price, the account it needs), the keys its tasks take, its
// squid settings and paid functions, and the columns of its results, each with the type,
// description, default, allowed values and example the docs give.
//
// The data lives in this folder, one readable JSON file per crawler, imported from a checkout
// of lobstr's public documentation (the repository lobstrio/docs) by
//
//	go run ./internal/catalogimport -docs PATH/TO/lobstrio-docs
//
// and committed. Nothing reads the docs at build, test or run time: the files are embedded.
// The fake platform (api/apitest), the typed packages (crawlers/...), the command-line tool
// and the drift proxy all read the catalogue through this package.
package catalog

import (
	"crypto/md5"
	"embed"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io/fs"
	"slices"
	"strings"
	"sync"
)

//go:embed *.json
var files embed.FS

// Crawler is one crawler of the catalogue.
type Crawler struct {
	// Slug is the crawler's slug, such as google-maps-leads-scraper: the name of its folder
	// under the docs' examples/.
	Slug string `json:"slug"`
	// ID is the crawler's id, 32 lowercase hexadecimal characters. Where the docs show it,
	// it is theirs (IDDocumented); else it is derived from the slug (DeriveID), stable across
	// imports.
	ID string `json:"id"`
	// IDDocumented says whether the docs show ID for this crawler.
	IDDocumented bool `json:"id_documented"`
	// Name is the crawler's name, such as "Google Maps Leads Scraper".
	Name string `json:"name"`
	// Platform is the site the crawler scrapes, as the docs group crawlers ("Google").
	Platform string `json:"platform,omitempty"`
	// Listed says whether the docs' examples index (examples/index.mdx) shows the crawler.
	// In July 2026 it shows 53, as many as List Crawlers announces; the others have a folder
	// under examples/ only: older variants the index dropped, or a crawler newer than it.
	Listed bool `json:"listed"`
	// Description says what the crawler does, in the docs' words.
	Description string `json:"description"`
	// CreditsPerRow is the price of one result row, in credits, before functions.
	CreditsPerRow float64 `json:"credits_per_row"`
	// CreditsDocumented says whether the docs give CreditsPerRow (else it is the default, 1).
	CreditsDocumented bool `json:"credits_documented"`
	// MaxConcurrency is the most workers a squid of this crawler may use at once.
	MaxConcurrency int `json:"max_concurrency"`
	// Account is the platform account a squid of this crawler needs; nil when it needs none.
	Account *Account `json:"account,omitempty"`
	// TaskKeys are the keys of a task's params (Add Tasks, Upload), in the docs' order.
	TaskKeys []Input `json:"task_keys"`
	// Params are the squid's settings (Update Squid's params), in the docs' order, functions
	// excepted.
	Params []Input `json:"params"`
	// Functions are the paid or optional add-ons, switched on in params.functions.
	Functions []Function `json:"functions"`
	// Columns are the columns of a result row (Get Results), in the docs' order.
	Columns []Column `json:"columns"`
	// Examples are the docs' own request bodies for this crawler.
	Examples Examples `json:"examples"`
	// Sources are the docs' files the entry was imported from, relative to the checkout.
	Sources []string `json:"sources"`
}

// Account is the kind of platform account a crawler needs (List Account Types).
type Account struct {
	// Type is the account type, such as facebook-sync or linkedin-sync.
	Type string `json:"type"`
	// BaseURL is the site whose cookies the account holds.
	BaseURL string `json:"baseurl,omitempty"`
	// Cookies are the cookies a sync of the account takes.
	Cookies []Cookie `json:"cookies,omitempty"`
}

// Cookie is one cookie of an account type.
type Cookie struct {
	// Name is the cookie's name, such as li_at.
	Name string `json:"name"`
	// Required says whether a sync must send it.
	Required bool `json:"required"`
}

// Input is one task key or squid setting.
type Input struct {
	// Name is the key, as sent in JSON.
	Name string `json:"name"`
	// Type is the JSON type of its value: string, integer, number, boolean, array or object.
	Type string `json:"type"`
	// Required says whether the docs mark it required. For task keys, a key is required
	// within its Group only: a task takes one group of keys or another (a url, or a keyword
	// and a location).
	Required bool `json:"required"`
	// Group names the alternative the key belongs to, among a crawler's task keys ("url",
	// "search"); empty when the crawler has a single form of task.
	Group string `json:"group,omitempty"`
	// Default is the value lobstr uses when the key is not sent; absent when none is documented.
	Default json.RawMessage `json:"default,omitempty"`
	// Allowed, when not empty, lists the only values the docs allow.
	Allowed []json.RawMessage `json:"allowed,omitempty"`
	// Example is a value from the docs' examples; absent when they show none.
	Example json.RawMessage `json:"example,omitempty"`
	// Description is the docs' description.
	Description string `json:"description"`
}

// Function is an optional add-on of a crawler, switched on under params.functions.
type Function struct {
	// Name is the key under params.functions, such as extract_emails_from_website.
	Name string `json:"name"`
	// Default says whether the function is on when the squid does not say.
	Default bool `json:"default"`
	// Credits is the documented extra price, in credits per row, where the docs give one.
	Credits float64 `json:"credits,omitempty"`
	// Description is the docs' description.
	Description string `json:"description"`
	// Deprecated lists older names of the function that lobstr still accepts under
	// params.functions, deprecated in favour of Name (Google Maps' collect_contacts for
	// extract_emails_from_website, say). New code sends Name.
	Deprecated []string `json:"deprecated_names,omitempty"`
}

// Column is one column of a crawler's result rows.
type Column struct {
	// Name is the key of the column in a row.
	Name string `json:"name"`
	// DocType is the type as the docs write it (string, text, float, integer, boolean,
	// array, object, datetime, …).
	DocType string `json:"doc_type"`
	// Type is the JSON type of the column's values: string, integer, number, boolean, array
	// or object.
	Type string `json:"type"`
	// Example is the docs' example value, as JSON of Type; absent when they give none.
	Example json.RawMessage `json:"example,omitempty"`
	// Description is the docs' description.
	Description string `json:"description"`
}

// Examples are the docs' request bodies for a crawler, verbatim JSON.
type Examples struct {
	// AddTasks are bodies of Add Tasks ({"tasks": [...], "squid": ...}).
	AddTasks []json.RawMessage `json:"add_tasks,omitempty"`
	// UpdateSquid are bodies of Update Squid ({"params": {...}, ...}).
	UpdateSquid []json.RawMessage `json:"update_squid,omitempty"`
}

// The JSON types of Input.Type and Column.Type.
const (
	TypeString  = "string"
	TypeInteger = "integer"
	TypeNumber  = "number"
	TypeBoolean = "boolean"
	TypeArray   = "array"
	TypeObject  = "object"
)

var load = sync.OnceValues(func() ([]*Crawler, error) {
	names, err := fs.Glob(files, "*.json")
	if err != nil {
		return nil, err
	}
	var all []*Crawler
	for _, name := range names {
		b, err := files.ReadFile(name)
		if err != nil {
			return nil, err
		}
		var c Crawler
		if err := json.Unmarshal(b, &c); err != nil {
			return nil, fmt.Errorf("catalog: %s: %w", name, err)
		}
		if c.Slug+".json" != name {
			return nil, fmt.Errorf("catalog: %s holds the crawler %q", name, c.Slug)
		}
		all = append(all, &c)
	}
	slices.SortFunc(all, func(a, b *Crawler) int { return strings.Compare(a.Slug, b.Slug) })
	return all, nil
})

// All returns every crawler of the catalogue, by slug. The values are shared: do not modify
// them. It panics if the embedded files do not decode, which a test of this package rules out.
func All() []*Crawler {
	all, err := load()
	if err != nil {
		panic(err)
	}
	return all
}

// BySlug returns the crawler of a slug, or nil.
func BySlug(slug string) *Crawler {
	for _, c := range All() {
		if c.Slug == slug {
			return c
		}
	}
	return nil
}

// ByID returns the crawler of an id, or nil.
func ByID(id string) *Crawler {
	for _, c := range All() {
		if c.ID == id {
			return c
		}
	}
	return nil
}

// TaskKey returns the task key of a name, or nil.
func (c *Crawler) TaskKey(name string) *Input { return find(c.TaskKeys, name) }

// Param returns the squid setting of a name, or nil.
func (c *Crawler) Param(name string) *Input { return find(c.Params, name) }

// Function returns the function of a name, or nil.
func (c *Crawler) Function(name string) *Function {
	for i := range c.Functions {
		if c.Functions[i].Name == name {
			return &c.Functions[i]
		}
	}
	return nil
}

// FunctionNamed returns the function that name designates, by its name or by one of its
// deprecated names (deprecated then says which), or nil.
func (c *Crawler) FunctionNamed(name string) (f *Function, deprecated bool) {
	if f := c.Function(name); f != nil {
		return f, false
	}
	for i := range c.Functions {
		if slices.Contains(c.Functions[i].Deprecated, name) {
			return &c.Functions[i], true
		}
	}
	return nil, false
}

// Column returns the result column of a name, or nil.
func (c *Crawler) Column(name string) *Column {
	for i := range c.Columns {
		if c.Columns[i].Name == name {
			return &c.Columns[i]
		}
	}
	return nil
}

func find(in []Input, name string) *Input {
	for i := range in {
		if in[i].Name == name {
			return &in[i]
		}
	}
	return nil
}

// DeriveID is the id the catalogue gives a crawler whose id the docs do not show: the MD5 of
// "lobstr-crawler:" and the slug, in hexadecimal, so that it is stable across imports and
// has the shape of lobstr's ids.
func DeriveID(slug string) string {
	sum := md5.Sum([]byte("lobstr-crawler:" + slug))
	return hex.EncodeToString(sum[:])
}
