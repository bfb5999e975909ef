package drift

import (
	"bytes"
	"encoding/json"
	"fmt"
	"sort"
	"strconv"

	"github.com/getkin/kin-openapi/openapi3"
)

// decodeJSON decodes one JSON value, and nothing after it.
func decodeJSON(body []byte) (any, error) {
	dec := json.NewDecoder(bytes.NewReader(body))
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, err
	}
	if dec.More() {
		return nil, fmt.Errorf("more than one JSON value")
	}
	return v, nil
}

// objectView is what an object schema declares, allOf flattened: its properties (each
// with every schema that declares it), the schema of properties it does not declare, and
// whether it is open to any other property.
type objectView struct {
	props      map[string][]*openapi3.Schema
	additional []*openapi3.Schema
	open       bool
}

func (o *objectView) collect(s *openapi3.Schema) {
	for name, ref := range s.Properties {
		if ref != nil && ref.Value != nil {
			o.props[name] = append(o.props[name], ref.Value)
		}
	}
	ap := s.AdditionalProperties
	switch {
	case ap.Schema != nil && ap.Schema.Value != nil:
		o.additional = append(o.additional, ap.Schema.Value)
	case ap.Has != nil && *ap.Has:
		o.open = true
	}
	for _, ref := range s.AllOf {
		if ref != nil && ref.Value != nil {
			o.collect(ref.Value)
		}
	}
}

// unknownFields is the closed-schema pass: the properties of value (at path) that schema
// s does not declare, where s declares properties and does not set additionalProperties.
// kin-openapi follows OpenAPI, where such a property is allowed; a drift monitor wants to
// know. A branch of anyOf or oneOf is looked into only if value matches it (which one
// does not is kin-openapi's report); of several, the one with the fewest unknown
// properties counts.
func unknownFields(in string, s *openapi3.Schema, value any, path []string) []finding {
	if s == nil || value == nil {
		return nil
	}
	branches := append(append([]*openapi3.SchemaRef(nil), s.AnyOf...), s.OneOf...)
	if len(branches) > 0 && len(s.Properties) == 0 {
		var best []finding
		matched := false
		for _, ref := range branches {
			if ref == nil || ref.Value == nil || ref.Value.VisitJSON(value, openapi3.VisitAsResponse()) != nil {
				continue
			}
			fs := unknownFields(in, ref.Value, value, path)
			if !matched || len(fs) < len(best) {
				best, matched = fs, true
			}
		}
		return best
	}
	var out []finding
	switch v := value.(type) {
	case map[string]any:
		view := objectView{props: map[string][]*openapi3.Schema{}}
		view.collect(s)
		closed := len(view.props) > 0 && len(view.additional) == 0 && !view.open
		names := make([]string, 0, len(v))
		for name := range v {
			names = append(names, name)
		}
		sort.Strings(names)
		for _, name := range names {
			sub := append(path[:len(path):len(path)], name)
			schemas, known := view.props[name]
			if !known {
				schemas = view.additional
			}
			if !known && closed {
				out = append(out, finding{in: in, path: sub, kind: UnknownField,
					message: fmt.Sprintf("property %q is not in the document", name)})
				continue
			}
			for _, ps := range schemas {
				out = append(out, unknownFields(in, ps, v[name], sub)...)
			}
		}
	case []any:
		if s.Items != nil && s.Items.Value != nil {
			for i, item := range v {
				out = append(out, unknownFields(in, s.Items.Value, item, append(path[:len(path):len(path)], strconv.Itoa(i)))...)
			}
		}
	}
	return out
}
