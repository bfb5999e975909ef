package openapi_test

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/lobstr-go/lobstr/api"
	"github.com/lobstr-go/lobstr/gen"
)

var propSeed = flag.Uint64("propseed", 0, "seed of TestPropertyBodies' random bodies (0: a new one each run, logged)")

// bodiesPerSchema is how many random bodies TestPropertyBodies draws for each body of each
// operation (each response status and media type, each request media type).
const bodiesPerSchema = 100

// TestPropertyBodies proves that the document and the generated models accept the same
// bodies. For every operation of the document, every response status and every request
// body, it draws bodies at random from the schema (not from the examples), checks that
// each one validates against the schema with kin-openapi (the generator is honest), and
// then:
//   - a JSON response body is served to the generated client (gen.ClientWithResponses),
//     which decodes it into its model; the model must encode back to the same JSON
//     (compared as values: key order and spacing aside);
//   - an error body (status 400 and up) is also read by api.ParseError, which must keep the
//     status and the raw body and find the message the body carries;
//   - a JSON request body is decoded into the generated request model and must encode back
//     to the same JSON; other request bodies are only generated and validated.
//
// Unknown properties: an object that leaves additionalProperties unset (most of them, so
// that the API may add fields) is decoded into a struct that ignores properties it does
// not declare, so the generator draws declared properties only for those; where the schema
// sets additionalProperties, it draws extra ones and the model must keep them.
// TestPropertyUnknownProperties checks that an unknown property never fails a decode.
func TestPropertyBodies(t *testing.T) {
	doc := load(t)
	seed := *propSeed
	if seed == 0 {
		seed = uint64(time.Now().UnixNano())
	}
	t.Logf("seed %d (reproduce with: go test ./openapi -run TestPropertyBodies -propseed=%d)", seed, seed)
	g := &bodyGen{r: rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))}

	type tally struct {
		generated, decoded int
		json               bool // a JSON body, which must be decoded as often as generated
	}
	perSchema := map[string]*tally{}
	count := func(name string) *tally {
		if perSchema[name] == nil {
			perSchema[name] = &tally{}
		}
		return perSchema[name]
	}
	ops := 0
	for _, op := range operations(doc) {
		ops++
		call, err := clientCall(op.OperationID)
		if err != nil {
			t.Error(err)
			continue
		}
		if op.RequestBody != nil && op.RequestBody.Value != nil {
			for _, mt := range sortedKeys(op.RequestBody.Value.Content) {
				name := schemaName(op.RequestBody.Value.Content[mt].Schema, op.OperationID+" request")
				c := count(name)
				for i := range bodiesPerSchema {
					body, err := drawBody(g, op.RequestBody.Value.Content[mt].Schema, openapi3.VisitAsRequest())
					if err != nil {
						t.Fatalf("%s request %s, body %d: %v", op.OperationID, mt, i, err)
					}
					c.generated++
					if !isJSON(mt) {
						continue
					}
					if err := call.decodeRequest(body); err != nil {
						t.Fatalf("%s request %s: %v\nbody: %s", op.OperationID, mt, err, body)
					}
					c.decoded++
				}
			}
		}
		for _, status := range sortedKeys(op.Responses.Map()) {
			resp := op.Responses.Value(status).Value
			for _, mt := range sortedKeys(resp.Content) {
				name := schemaName(resp.Content[mt].Schema, op.OperationID+" "+status)
				c := count(name)
				for i := range bodiesPerSchema {
					body, err := drawBody(g, resp.Content[mt].Schema, openapi3.VisitAsResponse())
					if err != nil {
						t.Fatalf("%s %s %s, body %d: %v", op.OperationID, status, mt, i, err)
					}
					header, err := drawHeaders(g, resp.Headers)
					if err != nil {
						t.Fatalf("%s %s headers: %v", op.OperationID, status, err)
					}
					code := statusCode(g, status, op.Responses.Map())
					c.generated++
					if err := call.decodeResponse(code, status, mt, header, body); err != nil {
						t.Fatalf("%s %s (%d) %s: %v\nbody: %s", op.OperationID, status, code, mt, err, body)
					}
					if code >= 400 {
						if err := checkParseError(code, header, body); err != nil {
							t.Fatalf("%s %s (%d) %s: api.ParseError: %v\nbody: %s", op.OperationID, status, code, mt, err, body)
						}
					}
					c.decoded++
				}
			}
		}
	}
	if ops == 0 {
		t.Fatal("the document has no operations")
	}
	total := 0
	for _, name := range sortedKeys(perSchema) {
		c := perSchema[name]
		t.Logf("%-28s %5d generated and validated, %5d decoded and re-encoded", name, c.generated, c.decoded)
		if c.generated < bodiesPerSchema {
			t.Errorf("%s: %d bodies generated, want at least %d", name, c.generated, bodiesPerSchema)
		}
		if c.json && c.decoded < bodiesPerSchema {
			t.Errorf("%s: %d bodies decoded, want at least %d", name, c.decoded, bodiesPerSchema)
		}
		total += c.generated
	}
	t.Logf("%d operations, %d schemas, %d bodies", ops, len(perSchema), total)
}

// TestPropertyUnknownProperties checks that a property the document does not declare never
// fails a decode: added to random response bodies of every operation, it is either kept by
// the model (a union such as Error keeps the raw body) or dropped, and nothing else changes.
func TestPropertyUnknownProperties(t *testing.T) {
	doc := load(t)
	seed := *propSeed
	if seed == 0 {
		seed = uint64(time.Now().UnixNano())
	}
	t.Logf("seed %d", seed)
	g := &bodyGen{r: rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))}
	kept, dropped := 0, 0
	for _, op := range operations(doc) {
		call, err := clientCall(op.OperationID)
		if err != nil {
			t.Fatal(err)
		}
		for _, status := range sortedKeys(op.Responses.Map()) {
			resp := op.Responses.Value(status).Value
			ref := resp.Content.Get("application/json")
			if ref == nil {
				continue
			}
			for range 20 {
				body, err := drawBody(g, ref.Schema, openapi3.VisitAsResponse())
				if err != nil {
					t.Fatal(err)
				}
				var m map[string]any
				dec := json.NewDecoder(bytes.NewReader(body))
				dec.UseNumber() // 64-bit integers stay exact
				if dec.Decode(&m) != nil || m == nil {
					continue // not an object (null decodes into a nil map)
				}
				m["x_unknown_property"] = map[string]any{"a": []any{1.5, "b", nil}}
				with, _ := json.Marshal(m)
				code := statusCode(g, status, op.Responses.Map())
				again, model, err := call.roundTrip(code, status, "application/json", http.Header{}, with)
				if err != nil {
					t.Fatalf("%s %s: %v\nbody: %s", op.OperationID, status, err, with)
				}
				switch {
				case sameJSON(with, again, model) == nil:
					kept++
				case sameJSON(body, again, model) == nil:
					dropped++
				default:
					t.Fatalf("%s %s: %s changed more than the unknown property:\n got %s\nsent %s", op.OperationID, status, model, again, with)
				}
			}
		}
	}
	t.Logf("unknown property kept in %d bodies, dropped from %d", kept, dropped)
	if kept+dropped == 0 {
		t.Fatal("no object bodies")
	}
}

// operations lists the document's operations by path and method, each with an
// operationId (oapi-codegen names the generated client's methods after it).
func operations(doc *openapi3.T) []*openapi3.Operation {
	var ops []*openapi3.Operation
	for _, path := range doc.Paths.InMatchingOrder() {
		item := doc.Paths.Value(path)
		for _, method := range sortedKeys(item.Operations()) {
			ops = append(ops, item.Operations()[method])
		}
	}
	return ops
}

// drawBody draws a value of the schema, checks it against the schema, and returns it as
// JSON (a string schema of a non-JSON media type is returned as the string itself).
func drawBody(g *bodyGen, ref *openapi3.SchemaRef, mode openapi3.SchemaValidationOption) ([]byte, error) {
	if ref == nil || ref.Value == nil {
		return nil, fmt.Errorf("no schema")
	}
	v, err := g.pick(ref.Value, 0)
	if err != nil {
		return nil, err
	}
	b, err := json.Marshal(v)
	if err != nil {
		return nil, fmt.Errorf("encode the drawn value: %w", err)
	}
	var generic any
	if err := json.Unmarshal(b, &generic); err != nil {
		return nil, err
	}
	if err := ref.Value.VisitJSON(generic, mode, openapi3.MultiErrors()); err != nil {
		return nil, fmt.Errorf("the generator drew a body its schema refuses: %v\nbody: %s", err, b)
	}
	return b, nil
}

// drawHeaders draws a value for each response header that has a schema.
func drawHeaders(g *bodyGen, headers openapi3.Headers) (http.Header, error) {
	h := http.Header{}
	g.header = true
	defer func() { g.header = false }()
	for _, name := range sortedKeys(headers) {
		ref := headers[name]
		if ref == nil || ref.Value == nil || ref.Value.Schema == nil || ref.Value.Schema.Value == nil {
			continue
		}
		v, err := g.pick(ref.Value.Schema.Value, maxDepth)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		if err := ref.Value.Schema.Value.VisitJSON(normalize(v)); err != nil {
			return nil, fmt.Errorf("%s: the generator drew %v, which its schema refuses: %w", name, v, err)
		}
		switch v := v.(type) {
		case string:
			h.Set(name, v)
		case nil:
		default:
			b, _ := json.Marshal(v)
			h.Set(name, string(b))
		}
	}
	return h, nil
}

// statusCode picks the HTTP status of a response key: the key itself, a code of its
// range for "5XX", or a code no other key covers for "default".
func statusCode(g *bodyGen, key string, all map[string]*openapi3.ResponseRef) int {
	if n, err := strconv.Atoi(key); err == nil {
		return n
	}
	if len(key) == 3 && strings.HasSuffix(key, "XX") {
		return int(key[0]-'0')*100 + g.r.IntN(100)
	}
	for {
		n := 400 + g.r.IntN(200)
		if _, ok := all[strconv.Itoa(n)]; ok {
			continue
		}
		if _, ok := all[strconv.Itoa(n/100)+"XX"]; ok {
			continue
		}
		return n
	}
}

// generatedCall reaches one operation of the generated client by its operationId.
type generatedCall struct {
	op     string
	method reflect.Value // the *WithResponse method of a gen.ClientWithResponses
	args   []reflect.Type
	body   reflect.Type // the JSON request body's model, if any
	doer   *cannedDoer
}

// cannedDoer answers every request with one canned response.
type cannedDoer struct{ resp *http.Response }

func (d *cannedDoer) Do(*http.Request) (*http.Response, error) { return d.resp, nil }

// clientCall finds the generated client's method for an operation: oapi-codegen names it
// after the operationId, with "WithBodyWithResponse" when it takes a raw body.
func clientCall(operationID string) (*generatedCall, error) {
	doer := &cannedDoer{}
	c, err := gen.NewClientWithResponses("http://127.0.0.1:1/v1", gen.WithHTTPClient(doer))
	if err != nil {
		return nil, err
	}
	name := goName(operationID)
	v := reflect.ValueOf(c)
	call := &generatedCall{op: operationID, doer: doer}
	if m := v.MethodByName(name + "WithResponse"); m.IsValid() {
		// The arguments: the context, the path parameters (strings), the query parameters
		// (a pointer), then the JSON body's model (its type is an alias, so unnamed here),
		// then the request editors.
		if n := m.Type().NumIn() - 1; n >= 2 { // the last is the variadic editors
			if t := m.Type().In(n - 1); t.Kind() != reflect.Pointer && t.Kind() != reflect.String && t.Kind() != reflect.Interface {
				call.body = t
			}
		}
		call.method = m
	}
	if m := v.MethodByName(name + "WithBodyWithResponse"); m.IsValid() {
		call.method = m // the raw body form: the test decodes request bodies itself
	}
	if !call.method.IsValid() {
		return nil, fmt.Errorf("operation %s: gen.ClientWithResponses has no method %sWithResponse (run go generate ./...)", operationID, name)
	}
	for i := range call.method.Type().NumIn() {
		call.args = append(call.args, call.method.Type().In(i))
	}
	return call, nil
}

// goName is oapi-codegen's name for an operationId: its words joined, each capitalized.
func goName(id string) string {
	var b strings.Builder
	up := true
	for _, r := range id {
		if !unicode.IsLetter(r) && !unicode.IsDigit(r) {
			up = true
			continue
		}
		if up {
			r = unicode.ToUpper(r)
			up = false
		}
		b.WriteRune(r)
	}
	return b.String()
}

// decodeResponse serves body to the generated client as the answer to the operation and
// checks that the model it decoded encodes back to the same JSON.
func (c *generatedCall) decodeResponse(code int, key, mediaType string, header http.Header, body []byte) error {
	again, model, err := c.roundTrip(code, key, mediaType, header, body)
	if err != nil || again == nil {
		return err
	}
	return sameJSON(body, again, model)
}

// roundTrip serves body to the generated client as the answer to the operation and returns
// the JSON encoding of the model it decoded (nil for a body that is not JSON), and the
// model's type.
func (c *generatedCall) roundTrip(code int, key, mediaType string, header http.Header, body []byte) ([]byte, string, error) {
	h := header.Clone()
	h.Set("Content-Type", mediaType)
	raw := body
	if !isJSON(mediaType) {
		var s string
		if err := json.Unmarshal(body, &s); err != nil {
			return nil, "", fmt.Errorf("a %s body that is not a string: %s", mediaType, body)
		}
		raw = []byte(s)
	}
	c.doer.resp = &http.Response{StatusCode: code, Header: h, Body: io.NopCloser(bytes.NewReader(raw)), ContentLength: int64(len(raw))}
	in := make([]reflect.Value, 0, len(c.args))
	for i, t := range c.args {
		switch {
		case i == 0:
			in = append(in, reflect.ValueOf(context.Background()))
		case t.Kind() == reflect.Slice && i == len(c.args)-1 && c.method.Type().IsVariadic():
			// the request editors: none
		case t.Kind() == reflect.String && i == 1 && c.method.Type().NumIn() >= 3 && c.args[2] == reflect.TypeFor[io.Reader]():
			in = append(in, reflect.ValueOf("application/json").Convert(t))
		default:
			in = append(in, reflect.Zero(t))
		}
	}
	out := c.method.Call(in)
	if err, _ := out[1].Interface().(error); err != nil {
		return nil, "", fmt.Errorf("the generated client refused the body: %w", err)
	}
	resp := out[0].Elem()
	if got := resp.FieldByName("Body").Bytes(); !bytes.Equal(got, raw) {
		return nil, "", fmt.Errorf("the generated client kept %q as the body", got)
	}
	if !isJSON(mediaType) {
		return nil, "", nil
	}
	field := "JSON" + key
	if key == "default" {
		field = "JSONDefault"
	}
	model := resp.FieldByName(field)
	if !model.IsValid() {
		return nil, "", fmt.Errorf("the generated response has no field %s", field)
	}
	if model.IsNil() {
		return nil, "", fmt.Errorf("the generated client did not decode the body into %s", field)
	}
	again, err := json.Marshal(model.Interface())
	if err != nil {
		return nil, "", fmt.Errorf("encode the decoded %s: %w", model.Type(), err)
	}
	return again, model.Type().String(), nil
}

// decodeRequest decodes a JSON request body into the generated request model and checks
// that it encodes back to the same JSON.
func (c *generatedCall) decodeRequest(body []byte) error {
	if c.body == nil {
		return fmt.Errorf("the generated client has no request body model for %s", c.op)
	}
	v := reflect.New(c.body)
	if err := json.Unmarshal(body, v.Interface()); err != nil {
		return fmt.Errorf("decode into %s: %w", c.body, err)
	}
	again, err := json.Marshal(v.Interface())
	if err != nil {
		return fmt.Errorf("encode the decoded %s: %w", c.body, err)
	}
	return sameJSON(body, again, c.body.String())
}

// sameJSON reports, as an error, whether two JSON texts hold different values.
func sameJSON(want, got []byte, model string) error {
	var a, b any
	if err := json.Unmarshal(want, &a); err != nil {
		return err
	}
	if err := json.Unmarshal(got, &b); err != nil {
		return fmt.Errorf("%s encoded invalid JSON %s: %w", model, got, err)
	}
	if !reflect.DeepEqual(a, b) {
		return fmt.Errorf("%s does not encode back to the body it decoded:\n got %s\nwant %s", model, got, want)
	}
	return nil
}

// checkParseError reads an error body with api.ParseError and checks what it found against
// what the body says, read independently here.
func checkParseError(code int, header http.Header, body []byte) error {
	e := api.ParseError(code, header, body)
	if e.StatusCode != code {
		return fmt.Errorf("StatusCode %d, want %d", e.StatusCode, code)
	}
	if !bytes.Equal(e.Body, body) {
		return fmt.Errorf("Body %q, want the body", e.Body)
	}
	if e.Message == "" { // the contract: never empty (a message of spaces is kept as sent)
		return fmt.Errorf("empty Message")
	}
	var m map[string]any
	if json.Unmarshal(body, &m) != nil {
		return nil // not an object: any message will do
	}
	want := ""
	for _, k := range []string{"error", "errors"} {
		switch v := m[k].(type) {
		case string:
			if want == "" {
				want = v
			}
		case map[string]any:
			if s, _ := v["message"].(string); want == "" {
				want = s
			}
		}
	}
	if s, ok := m["detail"].(string); ok && want == "" {
		want = strings.TrimSpace(s)
	}
	if want != "" && e.Message != want {
		return fmt.Errorf("Message %q, want %q", e.Message, want)
	}
	return nil
}

func isJSON(mediaType string) bool {
	return mediaType == "application/json" || strings.HasSuffix(mediaType, "+json")
}

// schemaName names a body's schema for the counts: its component's name, or where it is.
func schemaName(ref *openapi3.SchemaRef, where string) string {
	if ref != nil && ref.Ref != "" {
		return ref.Ref[strings.LastIndex(ref.Ref, "/")+1:]
	}
	return where + " (inline)"
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
