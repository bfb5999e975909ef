package openapi_test

import (
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"regexp/syntax"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/getkin/kin-openapi/openapi3"
)

// bodyGen draws random JSON values from OpenAPI 3.0 schemas: every value it returns is
// meant to validate against its schema (the property test checks that it does, with
// kin-openapi). It knows types, enums, formats, patterns (strings drawn from the regular
// expression's syntax tree), anyOf, oneOf, allOf, nullable, required and optional
// properties, additionalProperties, and the bounds of numbers, strings, arrays and objects.
// Values are in encoding/json's generic form: map[string]any, []any, string, float64 or
// int64, bool and nil. It is deterministic for a given source of randomness.
type bodyGen struct {
	r *rand.Rand
	// header restricts free strings to characters an HTTP header value can carry.
	header bool
}

// maxDepth bounds nesting: below it, arrays and objects take their minimum size and
// free-form values are scalars.
const maxDepth = 5

// trickyRunes are the characters free strings are drawn from: plain text, the JSON
// escapes, HTML's special characters (which encoding/json escapes), control characters,
// and multi-byte runes including ones outside the BMP and U+2028.
var trickyRunes = []rune("abcXYZ019 -_./:@\"\\<>&'\n\t\x00\x1f\x7féü€\u2028😀")

// headerRunes are the characters of a free header value.
var headerRunes = []rune("abcXYZ0123456789 -_./:;=,")

func (g *bodyGen) chance(p float64) bool { return g.r.Float64() < p }

// pick draws a value of s: enums first, then compositions, then the type.
func (g *bodyGen) pick(s *openapi3.Schema, d int) (any, error) {
	if s == nil {
		return g.anyValue(d), nil
	}
	if s.Not != nil {
		return nil, fmt.Errorf("schema with not: not supported by the generator")
	}
	if s.Nullable && g.chance(0.15) {
		return nil, nil
	}
	if len(s.Enum) > 0 {
		return normalize(s.Enum[g.r.IntN(len(s.Enum))]), nil
	}
	return g.typed(s, d)
}

func (g *bodyGen) typed(s *openapi3.Schema, d int) (any, error) {
	switch {
	case len(s.AllOf) > 0:
		return g.pick(mergeAllOf(s), d)
	case len(s.OneOf) > 0:
		return g.pickRef(s.OneOf[g.r.IntN(len(s.OneOf))], d)
	case len(s.AnyOf) > 0:
		return g.pickRef(s.AnyOf[g.r.IntN(len(s.AnyOf))], d)
	}
	typ := ""
	if s.Type != nil && len(*s.Type) > 0 {
		typ = (*s.Type)[g.r.IntN(len(*s.Type))]
	} else if len(s.Properties) > 0 || s.AdditionalProperties.Has != nil || s.AdditionalProperties.Schema != nil {
		typ = openapi3.TypeObject
	}
	switch typ {
	case openapi3.TypeString:
		return g.str(s)
	case openapi3.TypeInteger:
		return g.integer(s)
	case openapi3.TypeNumber:
		return g.number(s), nil
	case openapi3.TypeBoolean:
		return g.chance(0.5), nil
	case openapi3.TypeArray:
		return g.array(s, d)
	case openapi3.TypeObject:
		return g.object(s, d)
	case openapi3.TypeNull:
		return nil, nil
	case "": // OpenAPI 3.0: a schema without a type takes any value but null, unless nullable
		v := g.anyValue(d)
		for v == nil && !s.Nullable {
			v = g.anyValue(d)
		}
		return v, nil
	}
	return nil, fmt.Errorf("type %q: not supported by the generator", typ)
}

func (g *bodyGen) pickRef(r *openapi3.SchemaRef, d int) (any, error) {
	if r == nil {
		return g.anyValue(d), nil
	}
	return g.pick(r.Value, d)
}

// mergeAllOf folds the branches of an allOf into one object schema: the union of their
// properties and required lists, and the other fields of the first branch that sets them.
func mergeAllOf(s *openapi3.Schema) *openapi3.Schema {
	m := *s
	m.AllOf = nil
	m.Properties = openapi3.Schemas{}
	for k, v := range s.Properties {
		m.Properties[k] = v
	}
	for _, b := range s.AllOf {
		if b == nil || b.Value == nil {
			continue
		}
		v := b.Value
		if len(v.AllOf) > 0 {
			v = mergeAllOf(v)
		}
		for k, p := range v.Properties {
			m.Properties[k] = p
		}
		m.Required = append(m.Required, v.Required...)
		if m.Type == nil {
			m.Type = v.Type
		}
		if m.AdditionalProperties.Has == nil && m.AdditionalProperties.Schema == nil {
			m.AdditionalProperties = v.AdditionalProperties
		}
		if len(m.Enum) == 0 {
			m.Enum = v.Enum
		}
		if m.Pattern == "" {
			m.Pattern = v.Pattern
		}
		if m.Format == "" {
			m.Format = v.Format
		}
		if len(m.OneOf) == 0 {
			m.OneOf = v.OneOf
		}
		if len(m.AnyOf) == 0 {
			m.AnyOf = v.AnyOf
		}
		if m.Items == nil {
			m.Items = v.Items
		}
	}
	slices.Sort(m.Required)
	m.Required = slices.Compact(m.Required)
	return &m
}

// normalize turns a value of the document (an enum member) into encoding/json's form.
func normalize(v any) any {
	b, err := json.Marshal(v)
	if err != nil {
		return v
	}
	var out any
	if json.Unmarshal(b, &out) != nil {
		return v
	}
	return out
}

func (g *bodyGen) str(s *openapi3.Schema) (string, error) {
	if s.Pattern != "" {
		return g.fromPattern(s)
	}
	switch s.Format {
	case "date-time":
		t := g.r.Int64N(253402300799) // up to 9999-12-31T23:59:59Z
		return unixUTC(t), nil
	case "date":
		return unixUTC(g.r.Int64N(253402300799))[:10], nil
	case "uuid":
		const hex = "0123456789abcdef"
		b := []byte("xxxxxxxx-xxxx-4xxx-8xxx-xxxxxxxxxxxx")
		for i, c := range b {
			if c == 'x' {
				b[i] = hex[g.r.IntN(16)]
			}
		}
		return string(b), nil
	case "email":
		return fmt.Sprintf("user%d@example.com", g.r.IntN(1000)), nil
	}
	lo := int(s.MinLength)
	hi := lo + 12
	if s.MaxLength != nil {
		hi = int(*s.MaxLength)
	}
	n := lo
	if hi > lo {
		n = lo + g.r.IntN(hi-lo+1)
	}
	alphabet := trickyRunes
	if g.header {
		alphabet = headerRunes
	}
	var b strings.Builder
	for range n { // OpenAPI counts lengths in characters: one rune each
		b.WriteRune(alphabet[g.r.IntN(len(alphabet))])
	}
	out := b.String()
	if g.header {
		out = strings.TrimSpace(out) // a header value loses its outer space
		for utf8.RuneCountInString(out) < lo {
			out += "x"
		}
	}
	return out, nil
}

func unixUTC(sec int64) string { return time.Unix(sec, 0).UTC().Format(time.RFC3339) }

// fromPattern draws a string that the schema's pattern matches, within its lengths.
func (g *bodyGen) fromPattern(s *openapi3.Schema) (string, error) {
	re, err := syntax.Parse(s.Pattern, syntax.Perl)
	if err != nil {
		return "", fmt.Errorf("pattern %q: %w", s.Pattern, err)
	}
	re = re.Simplify()
	for range 50 {
		var b strings.Builder
		g.regex(&b, re)
		out := b.String()
		n := uint64(utf8.RuneCountInString(out))
		if n < s.MinLength || (s.MaxLength != nil && n > *s.MaxLength) {
			continue
		}
		return out, nil
	}
	return "", fmt.Errorf("pattern %q: no string within the lengths after 50 draws", s.Pattern)
}

// maxRepeat bounds the open repetitions (*, +, {n,}) of a pattern.
const maxRepeat = 6

func (g *bodyGen) regex(b *strings.Builder, re *syntax.Regexp) {
	switch re.Op {
	case syntax.OpLiteral:
		for _, r := range re.Rune {
			if re.Flags&syntax.FoldCase != 0 && g.chance(0.5) {
				r = swapCase(r)
			}
			b.WriteRune(r)
		}
	case syntax.OpCharClass:
		b.WriteRune(g.classRune(re.Rune))
	case syntax.OpAnyCharNotNL, syntax.OpAnyChar:
		r := trickyRunes[g.r.IntN(len(trickyRunes))]
		for re.Op == syntax.OpAnyCharNotNL && r == '\n' {
			r = trickyRunes[g.r.IntN(len(trickyRunes))]
		}
		b.WriteRune(r)
	case syntax.OpCapture:
		g.regex(b, re.Sub[0])
	case syntax.OpConcat:
		for _, sub := range re.Sub {
			g.regex(b, sub)
		}
	case syntax.OpAlternate:
		g.regex(b, re.Sub[g.r.IntN(len(re.Sub))])
	case syntax.OpStar, syntax.OpPlus, syntax.OpQuest, syntax.OpRepeat:
		lo, hi := 0, maxRepeat
		switch re.Op {
		case syntax.OpPlus:
			lo = 1
		case syntax.OpQuest:
			hi = 1
		case syntax.OpRepeat:
			lo, hi = re.Min, re.Max
			if hi < 0 {
				hi = lo + maxRepeat
			}
		}
		for range lo + g.r.IntN(hi-lo+1) {
			g.regex(b, re.Sub[0])
		}
	case syntax.OpEmptyMatch, syntax.OpBeginLine, syntax.OpEndLine, syntax.OpBeginText, syntax.OpEndText,
		syntax.OpWordBoundary, syntax.OpNoWordBoundary, syntax.OpNoMatch:
		// Assertions write nothing; a pattern with a word boundary may then fail to
		// match, which the validation of every body catches.
	}
}

// classRune draws a rune of a character class (pairs of inclusive ranges), never a
// surrogate, which a Go string cannot hold.
func (g *bodyGen) classRune(ranges []rune) rune {
	for {
		i := 2 * g.r.IntN(len(ranges)/2)
		lo, hi := ranges[i], ranges[i+1]
		if hi-lo > 0x3000 { // a wide range (a negated class): favour its start
			hi = lo + 0x3000
		}
		r := lo + rune(g.r.Int64N(int64(hi-lo)+1))
		if r < 0xD800 || r > 0xDFFF {
			return r
		}
	}
}

func swapCase(r rune) rune {
	if u := []rune(strings.ToUpper(string(r))); len(u) == 1 && u[0] != r {
		return u[0]
	}
	if l := []rune(strings.ToLower(string(r))); len(l) == 1 {
		return l[0]
	}
	return r
}

// integer draws an integer within the schema's bounds, which default to those of its
// format (int32, else 64 bits: the document's convention for every integer).
func (g *bodyGen) integer(s *openapi3.Schema) (int64, error) {
	lo, hi := int64(math.MinInt64), int64(math.MaxInt64)
	if s.Format == "int32" {
		lo, hi = math.MinInt32, math.MaxInt32
	}
	if b, excl := bounds(s.Min, s.ExclusiveMin); b != nil {
		m := int64(math.Ceil(*b))
		if excl && float64(m) == *b {
			m++
		}
		lo = max(lo, m)
	}
	if b, excl := bounds(s.Max, s.ExclusiveMax); b != nil && *b < float64(math.MaxInt64) {
		m := int64(math.Floor(*b))
		if excl && float64(m) == *b {
			m--
		}
		hi = min(hi, m)
	}
	if lo > hi {
		return 0, fmt.Errorf("integer: empty range [%d, %d]", lo, hi)
	}
	var n int64
	switch k := g.r.IntN(4); {
	case k == 0: // an edge
		n = []int64{lo, hi}[g.r.IntN(2)]
	case k == 1: // anywhere in the range
		span := uint64(hi - lo)
		if span == math.MaxUint64 {
			n = int64(g.r.Uint64())
		} else {
			n = lo + int64(g.r.Uint64N(span+1))
		}
	default: // small, near the bottom of the range or near 0
		base := max(lo, min(hi, 0))
		n = base + g.r.Int64N(100)
		if n > hi || n < base {
			n = base
		}
	}
	if s.MultipleOf != nil && *s.MultipleOf >= 1 {
		m := int64(*s.MultipleOf)
		n -= n % m
		if n < lo {
			n += m
		}
	}
	return n, nil
}

// bounds reads a minimum or maximum in either OpenAPI style: 3.0's number and boolean
// modifier, or 3.1's exclusive number.
func bounds(v *float64, excl openapi3.ExclusiveBound) (*float64, bool) {
	if excl.Value != nil {
		return excl.Value, true
	}
	return v, excl.IsTrue()
}

// number draws a float64 within the schema's bounds.
func (g *bodyGen) number(s *openapi3.Schema) float64 {
	lo, hi := -1e6, 1e6
	loB, loExcl := bounds(s.Min, s.ExclusiveMin)
	hiB, hiExcl := bounds(s.Max, s.ExclusiveMax)
	if loB != nil {
		lo = *loB
	}
	if hiB != nil {
		hi = *hiB
	}
	if loB != nil && hiB == nil {
		hi = lo + 1e6
	} else if hiB != nil && loB == nil {
		lo = hi - 1e6
	}
	var f float64
	switch g.r.IntN(3) {
	case 0:
		f = math.Round(lo + g.r.Float64()*(hi-lo)) // a whole number
	default:
		f = lo + g.r.Float64()*(hi-lo)
	}
	if s.Format == "float" {
		f = float64(float32(f))
	}
	f = min(max(f, lo), hi)
	if (loExcl && f == lo) || (hiExcl && f == hi) {
		f = (lo + hi) / 2
	}
	return f
}

func (g *bodyGen) array(s *openapi3.Schema, d int) ([]any, error) {
	lo := int(s.MinItems)
	hi := lo + 3
	if d >= maxDepth {
		hi = lo
	}
	if s.MaxItems != nil {
		hi = min(hi, int(*s.MaxItems))
	}
	n := lo
	if hi > lo {
		n = lo + g.r.IntN(hi-lo+1)
	}
	out := make([]any, 0, n)
	for range n {
		var v any
		var err error
		for try := 0; ; try++ {
			v, err = g.pickRef(s.Items, d+1)
			if err != nil {
				return nil, err
			}
			if !s.UniqueItems || !containsJSON(out, v) {
				break
			}
			if try == 20 {
				return nil, fmt.Errorf("array: no new unique item after 20 draws")
			}
		}
		out = append(out, v)
	}
	return out, nil
}

func containsJSON(list []any, v any) bool {
	b, _ := json.Marshal(v)
	for _, x := range list {
		if c, _ := json.Marshal(x); string(c) == string(b) {
			return true
		}
	}
	return false
}

func (g *bodyGen) object(s *openapi3.Schema, d int) (map[string]any, error) {
	out := map[string]any{}
	names := make([]string, 0, len(s.Properties))
	for k := range s.Properties {
		names = append(names, k)
	}
	slices.Sort(names) // map order would break determinism
	for _, k := range names {
		if !slices.Contains(s.Required, k) && (d >= maxDepth || g.chance(0.4)) {
			continue
		}
		v, err := g.pickRef(s.Properties[k], d+1)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", k, err)
		}
		out[k] = v
	}
	for _, k := range s.Required { // required but not declared: any value
		if _, ok := out[k]; !ok {
			out[k] = g.anyValue(d + 1)
		}
	}
	// Properties beyond the declared ones only where the schema says so: an object that
	// leaves additionalProperties unset is decoded into a struct that keeps its declared
	// properties only (see the property test's note on unknown properties).
	extra := s.AdditionalProperties.Schema != nil || (s.AdditionalProperties.Has != nil && *s.AdditionalProperties.Has)
	if extra && d < maxDepth {
		for i := range g.r.IntN(4) {
			k := fmt.Sprintf("x%d%s", i, string(trickyRunes[g.r.IntN(len(trickyRunes))]))
			if _, ok := out[k]; ok {
				continue
			}
			if s.MaxProps != nil && uint64(len(out)) >= *s.MaxProps {
				break
			}
			v, err := g.pickRef(s.AdditionalProperties.Schema, d+1)
			if err != nil {
				return nil, err
			}
			out[k] = v
		}
	}
	return out, nil
}

// anyValue draws any JSON value, for a schema that constrains nothing.
func (g *bodyGen) anyValue(d int) any {
	k := g.r.IntN(7)
	if d >= maxDepth {
		k = g.r.IntN(5)
	}
	switch k {
	case 0:
		return nil
	case 1:
		return g.chance(0.5)
	case 2:
		s, _ := g.str(&openapi3.Schema{})
		return s
	case 3:
		return float64(g.r.Int64N(1<<53)) - float64(1<<52) // an integer that float64 holds exactly
	case 4:
		return (g.r.Float64() - 0.5) * 1e6
	case 5:
		n := g.r.IntN(4)
		out := make([]any, n)
		for i := range out {
			out[i] = g.anyValue(d + 1)
		}
		return out
	default:
		out := map[string]any{}
		for i := range g.r.IntN(4) {
			out[fmt.Sprintf("k%d%s", i, string(trickyRunes[g.r.IntN(len(trickyRunes))]))] = g.anyValue(d + 1)
		}
		return out
	}
}
