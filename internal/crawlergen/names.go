package main

import (
	"fmt"
	"go/token"
	"strconv"
	"strings"
	"unicode"
)

// packageName is the Go package (and folder) of a crawler: the slug without a trailing
// -scraper or -export, dashes and anything else that is not a lowercase letter or digit
// removed, with a leading "crawler" when it would start with a digit or be a keyword.
func packageName(slug string) (string, error) {
	s := strings.ToLower(slug)
	for _, suffix := range []string{"-scraper", "-export"} {
		if t, ok := strings.CutSuffix(s, suffix); ok && t != "" {
			s = t
			break
		}
	}
	var b strings.Builder
	for _, r := range s {
		if (r >= 'a' && r <= 'z') || (r >= '0' && r <= '9') {
			b.WriteRune(r)
		}
	}
	name := b.String()
	if name == "" {
		return "", fmt.Errorf("slug %q: no letter or digit to name a package with", slug)
	}
	if name[0] >= '0' && name[0] <= '9' || token.IsKeyword(name) || name == "internal" {
		name = "crawler" + name
	}
	return name, nil
}

// initialisms are the words written in capitals in Go names (after Go's own conventions).
var initialisms = map[string]string{
	"api": "API", "csv": "CSV", "html": "HTML", "http": "HTTP", "https": "HTTPS", "id": "ID",
	"ids": "IDs", "ip": "IP", "json": "JSON", "sku": "SKU", "uri": "URI", "url": "URL",
	"urls": "URLs", "uuid": "UUID", "vat": "VAT", "seo": "SEO", "gps": "GPS", "utc": "UTC",
	"xml": "XML", "asin": "ASIN", "isbn": "ISBN", "cid": "CID", "faq": "FAQ", "nsfw": "NSFW", "ok": "OK",
}

// words splits a key into words: at every character that is neither a letter nor a digit,
// and where a lowercase letter or digit is followed by an uppercase one (camelCase).
func words(key string) []string {
	var out []string
	var cur []rune
	flush := func() {
		if len(cur) > 0 {
			out = append(out, string(cur))
			cur = nil
		}
	}
	var prev rune
	for _, r := range key {
		switch {
		case !unicode.IsLetter(r) && !unicode.IsDigit(r):
			flush()
		case unicode.IsUpper(r) && (unicode.IsLower(prev) || unicode.IsDigit(prev)):
			flush()
			cur = append(cur, r)
		default:
			cur = append(cur, r)
		}
		prev = r
	}
	flush()
	return out
}

// exported turns a key into an exported Go identifier: its words capitalised, initialisms
// in capitals ("place_id" → "PlaceID"). It returns "" when the key has no letter or digit;
// one that would start with a digit gets prefix first.
func exported(key, prefix string) string {
	var b strings.Builder
	for _, w := range words(key) {
		if up, ok := initialisms[strings.ToLower(w)]; ok {
			b.WriteString(up)
			continue
		}
		rs := []rune(w)
		rs[0] = unicode.ToUpper(rs[0])
		b.WriteString(string(rs))
	}
	s := b.String()
	if s == "" {
		return ""
	}
	if r := []rune(s)[0]; !unicode.IsLetter(r) || !unicode.IsUpper(r) {
		s = prefix + s
	}
	return s
}

// namer hands out unique identifiers in one scope (a struct's fields, or a package's
// top-level names) and records the ones it had to change.
type namer struct {
	used    map[string]bool
	mangled *[]string
	where   string
}

func newNamer(where string, mangled *[]string, reserved ...string) *namer {
	n := &namer{used: map[string]bool{}, mangled: mangled, where: where}
	for _, r := range reserved {
		n.used[r] = true
	}
	return n
}

// name returns want if free, else want+suffix, else want+suffix+2, 3, …; a change is
// recorded, with what it was for.
func (n *namer) name(want, suffix, what string) string {
	got := want
	if n.used[got] {
		got = want + suffix
		for i := 2; n.used[got]; i++ {
			got = want + suffix + strconv.Itoa(i)
		}
	}
	n.used[got] = true
	if got != want {
		n.note(what, got)
	}
	return got
}

func (n *namer) note(what, got string) {
	if n.mangled != nil {
		*n.mangled = append(*n.mangled, fmt.Sprintf("%s: %s → %s", n.where, what, got))
	}
}

// fieldName is the Go field of a key: exported(key), "F"+… when it starts with a digit,
// "Field" when the key has no letter or digit, made unique within the struct.
func (n *namer) fieldName(key string) string {
	want := exported(key, "F")
	if want == "" {
		want = "Field"
	}
	got := n.name(want, "Field", fmt.Sprintf("key %q", key))
	if want != got {
		return got
	}
	if natural := exported(key, ""); natural != got {
		n.note(fmt.Sprintf("key %q", key), got)
	}
	return got
}

// constSuffix turns an allowed value into the tail of a constant's name: "Any rating" →
// "AnyRating", "2.5+" → "25Plus", "-date" → "MinusDate", "" → "Empty".
func constSuffix(v string) string {
	if v == "" {
		return "Empty"
	}
	var b strings.Builder
	for i, r := range v {
		switch r {
		case '+':
			b.WriteString(" Plus ")
		case '<':
			b.WriteString(" Lt ")
		case '>':
			b.WriteString(" Gt ")
		case '&':
			b.WriteString(" And ")
		case '%':
			b.WriteString(" Percent ")
		case '$':
			b.WriteString(" Dollar ")
		case '€':
			b.WriteString(" Euro ")
		case '-':
			if i == 0 {
				b.WriteString("Minus ")
			} else {
				b.WriteString(" ")
			}
		case '.', '\'':
			// 2.5 → 25, don't → dont
		default:
			b.WriteRune(r)
		}
	}
	var out strings.Builder
	for _, w := range words(b.String()) {
		rs := []rune(w)
		rs[0] = unicode.ToUpper(rs[0])
		out.WriteString(string(rs))
	}
	if out.Len() == 0 {
		return "Value"
	}
	return out.String()
}
