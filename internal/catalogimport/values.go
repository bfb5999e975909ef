package main

import (
	"encoding/json"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/lobstr-go/lobstr/catalog"
)

// normalizeType maps a type as the docs write it onto a catalogue type, and reports false
// when it does not know it. "string | null" is a string.
func normalizeType(doc string) (string, bool) {
	t := strings.ToLower(strings.TrimSpace(doc))
	if before, _, ok := strings.Cut(t, "|"); ok {
		t = strings.TrimSpace(before)
	}
	switch t {
	case "string", "text", "url", "uri", "email", "datetime", "datatime", "date", "timestamp", "time", "str":
		return catalog.TypeString, true
	case "integer", "int", "bigint", "smallint", "long":
		return catalog.TypeInteger, true
	case "float", "number", "double", "decimal", "numeric":
		return catalog.TypeNumber, true
	case "boolean", "bool":
		return catalog.TypeBoolean, true
	case "array", "list", "string[]", "array of strings":
		return catalog.TypeArray, true
	case "object", "dict", "json", "jsonb", "map":
		return catalog.TypeObject, true
	}
	return catalog.TypeString, false
}

// noValue are the words the docs write where there is no default.
var noValue = map[string]bool{
	"": true, "—": true, "-": true, "–": true, "unlimited": true, "none": true, "null": true,
	"n/a": true, "empty": true, "no limit": true, "nil": true,
}

// unquote removes one pair of backticks, then one pair of double or single quotes.
func unquote(s string) string {
	s = strings.TrimSpace(s)
	if len(s) >= 2 && s[0] == '`' && s[len(s)-1] == '`' {
		s = strings.TrimSpace(s[1 : len(s)-1])
	}
	if len(s) >= 2 && (s[0] == '"' && s[len(s)-1] == '"' || s[0] == '\'' && s[len(s)-1] == '\'') {
		s = s[1 : len(s)-1]
	}
	return s
}

// valueOf converts a value as the docs write it (in a table cell, an attribute, backticks)
// into JSON of a catalogue type, or reports false when it is not one.
func valueOf(s, typ string) (json.RawMessage, bool) {
	raw := strings.TrimSpace(s)
	s = unquote(raw)
	switch typ {
	case catalog.TypeString:
		if strings.EqualFold(s, "None") || strings.EqualFold(s, "null") {
			return nil, false
		}
		if strings.HasPrefix(raw, `"`) {
			var str string
			if json.Unmarshal([]byte(raw), &str) == nil {
				s = str
			}
		}
		return marshalString(s), true
	case catalog.TypeInteger:
		t := s
		if thousandsRe.MatchString(t) {
			t = strings.ReplaceAll(t, ",", "")
		}
		if n, err := strconv.ParseInt(t, 10, 64); err == nil {
			return json.RawMessage(strconv.FormatInt(n, 10)), true
		}
		if f, err := strconv.ParseFloat(t, 64); err == nil && f == float64(int64(f)) {
			return json.RawMessage(strconv.FormatInt(int64(f), 10)), true
		}
		return nil, false
	case catalog.TypeNumber:
		t := s
		if thousandsRe.MatchString(t) || thousandsFracRe.MatchString(t) {
			t = strings.ReplaceAll(t, ",", "")
		}
		f, err := strconv.ParseFloat(t, 64)
		if err != nil {
			return nil, false
		}
		b, err := json.Marshal(f)
		if err != nil {
			return nil, false
		}
		return b, true
	case catalog.TypeBoolean:
		switch strings.ToLower(s) {
		case "true":
			return json.RawMessage("true"), true
		case "false":
			return json.RawMessage("false"), true
		}
		return nil, false
	case catalog.TypeArray, catalog.TypeObject:
		// The example as written (a JSON string holding the value included), else without
		// its quotes.
		v, err := pyToJSON(strings.Trim(raw, "`"))
		if err != nil {
			if v, err = pyToJSON(s); err != nil {
				return nil, false
			}
		}
		if jsonType(v) == catalog.TypeString { // a JSON string that holds the value
			var inner string
			if json.Unmarshal(v, &inner) == nil {
				if w, err := pyToJSON(inner); err == nil {
					v = w
				}
			}
		}
		if jsonType(v) != typ {
			return nil, false
		}
		return v, true
	}
	return nil, false
}

// defaultOf converts a documented default into JSON of a type; false when the docs say there
// is none ("—", "unlimited", "null", …) or it is not of the type.
func defaultOf(s, typ string) (json.RawMessage, bool) {
	if noValue[strings.ToLower(unquote(s))] {
		return nil, false
	}
	return valueOf(s, typ)
}

var (
	exampleRe       = regexp.MustCompile(`(?s)\s*\(?\bExample:\s*`)
	defaultInRe     = regexp.MustCompile("(?i)\\bdefaults?(?: to| is|:)\\s*(`[^`]*`|\"[^\"]*\"|[^\\s,.;)]+)")
	creditsRe       = regexp.MustCompile("(?i)`?(\\d+(?:\\.\\d+)?)`?\\s+(?:additional\\s+|extra\\s+)?credits?\\s+per\\b")
	listStartRe     = regexp.MustCompile(`:\s*`)
	hedgeRe         = regexp.MustCompile(`(?i)\b(e\.g|eg|i\.e|such as|for example|for instance|like|examples?|including|among)\b`)
	tickItemRe      = regexp.MustCompile("^`([^`]*)`")
	numberItemRe    = regexp.MustCompile(`^(-?\d+(?:\.\d+)?)\b`)
	thousandsRe     = regexp.MustCompile(`^-?\d{1,3}(,\d{3})+$`)
	thousandsFracRe = regexp.MustCompile(`^-?\d{1,3}(,\d{3})+\.\d+$`)
	inlineExampleRe = regexp.MustCompile("\\bExample:\\s*`([^`]+)`")
	egExampleRe     = regexp.MustCompile("(?i)\\be\\.g\\.?,?\\s*`([^`]+)`")
	sepRe           = regexp.MustCompile(`^(?:\s*,\s*(?:or\s+|and\s+)?|\s+or\s+|\s+and\s+)`)
)

// splitExample cuts a field's description into its text and the raw example after
// "Example:" (the text between the first and the last backtick after it), "" when none.
func splitExample(content string) (desc, example string, has bool) {
	loc := exampleRe.FindStringIndex(content)
	if loc == nil {
		return strings.TrimSpace(content), "", false
	}
	desc = strings.TrimSpace(content[:loc[0]])
	rest := content[loc[1]:]
	first := strings.Index(rest, "`")
	last := strings.LastIndex(rest, "`")
	if first != 0 || last <= first {
		return desc, "", false
	}
	return desc, rest[first+1 : last], true
}

// defaultInText finds "Default: `x`" (or "default: x", "defaults to x") in a description.
func defaultInText(desc string) (string, bool) {
	m := defaultInRe.FindStringSubmatch(desc)
	if m == nil {
		return "", false
	}
	return m[1], true
}

// creditsInText finds a documented extra price, "(4 credits per listing)", in a description.
func creditsInText(desc string) (float64, bool) {
	m := creditsRe.FindStringSubmatch(desc)
	if m == nil {
		return 0, false
	}
	f, err := strconv.ParseFloat(m[1], 64)
	return f, err == nil
}

// allowedInText finds the list of allowed values a description gives after a colon,
// "Filter by phone presence: `all`, `with_phone`, `without_phone`", as JSON of typ. It
// takes a list only when it looks exhaustive: at least two items, nothing but separators
// between them, not introduced by "e.g.", "such as", "like", … and not followed by "etc".
func allowedInText(desc, typ string) []json.RawMessage {
	if typ != catalog.TypeString && typ != catalog.TypeInteger && typ != catalog.TypeNumber {
		return nil
	}
	for _, loc := range listStartRe.FindAllStringIndex(desc, -1) {
		// The clause that introduces the list: from the sentence's start to the colon.
		intro := desc[:loc[0]]
		if i := strings.LastIndexAny(intro, ".;(|"); i >= 0 && !strings.HasSuffix(intro[:i+1], "e.g.") {
			intro = intro[i+1:]
		}
		if hedgeRe.MatchString(intro) || strings.Contains(strings.ToLower(intro), "example") {
			continue
		}
		rest := desc[loc[1]:]
		var items []string
		ticked := strings.HasPrefix(rest, "`")
		for {
			var m []string
			if ticked {
				m = tickItemRe.FindStringSubmatch(rest)
			} else if typ != catalog.TypeString {
				m = numberItemRe.FindStringSubmatch(rest)
			}
			if m == nil {
				break
			}
			items = append(items, m[1])
			rest = rest[len(m[0]):]
			sep := sepRe.FindString(rest)
			if sep == "" {
				break
			}
			rest = rest[len(sep):]
		}
		if len(items) < 2 {
			continue
		}
		tail := strings.TrimSpace(rest)
		if tail != "" && !strings.HasPrefix(tail, ".") && !strings.HasPrefix(tail, ")") && !strings.HasPrefix(tail, ";") && !strings.HasPrefix(tail, "(") {
			continue
		}
		if strings.Contains(strings.ToLower(tail), "etc") && len(tail) < 8 {
			continue
		}
		var out []json.RawMessage
		ok := true
		for _, it := range items {
			v, good := valueOf(it, typ)
			if !good {
				ok = false
				break
			}
			if !slices.ContainsFunc(out, func(o json.RawMessage) bool { return string(o) == string(v) }) {
				out = append(out, v)
			}
		}
		if ok && len(out) >= 2 {
			return out
		}
	}
	return nil
}

// exampleInText finds an example value in a description: "Example: `x`", "(e.g., `x`)".
func exampleInText(desc, typ string) (json.RawMessage, bool) {
	for _, re := range []*regexp.Regexp{inlineExampleRe, egExampleRe} {
		if m := re.FindStringSubmatch(desc); m != nil {
			if v, ok := valueOf(m[1], typ); ok {
				return v, true
			}
		}
	}
	return nil, false
}

func containsRaw(list []json.RawMessage, v json.RawMessage) bool {
	return slices.ContainsFunc(list, func(o json.RawMessage) bool { return equalJSON(o, v) })
}

// equalJSON compares two JSON values by meaning (1 and 1.0 are equal).
func equalJSON(a, b json.RawMessage) bool {
	var x, y any
	if json.Unmarshal(a, &x) != nil || json.Unmarshal(b, &y) != nil {
		return string(a) == string(b)
	}
	xb, _ := json.Marshal(x)
	yb, _ := json.Marshal(y)
	return string(xb) == string(yb)
}

func sortStrings(s []string) { slices.Sort(s) }

// marshalString is a JSON string of s, with <, > and & as they are (the catalogue is read by
// people, not embedded in HTML).
func marshalString(s string) json.RawMessage {
	var b strings.Builder
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(s) // a string always encodes
	return json.RawMessage(strings.TrimSuffix(b.String(), "\n"))
}

// article is a type with its indefinite article: "a string", "an integer".
func article(typ string) string {
	if typ != "" && strings.ContainsRune("aeiou", rune(typ[0])) {
		return "an " + typ
	}
	return "a " + typ
}
