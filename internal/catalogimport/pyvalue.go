package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"
)

// pyToJSON converts a literal as the docs write their examples, JSON or a Python repr
// ({'a': None, 'b': True}, ['x', "y"], (1, 2)), into JSON, keeping the order of object keys.
// It fails on anything else (a bare word, a call such as datetime(...), trailing text).
func pyToJSON(s string) (json.RawMessage, error) {
	p := &pyParser{s: s}
	var out bytes.Buffer
	p.skipSpace()
	if err := p.value(&out, 0); err != nil {
		return nil, err
	}
	p.skipSpace()
	if p.i != len(p.s) {
		return nil, fmt.Errorf("trailing text at offset %d: %q", p.i, truncate(p.s[p.i:], 20))
	}
	if !json.Valid(out.Bytes()) {
		return nil, errors.New("not a valid value")
	}
	return json.RawMessage(out.Bytes()), nil
}

type pyParser struct {
	s string
	i int
}

const maxDepth = 64

func (p *pyParser) skipSpace() {
	for p.i < len(p.s) && strings.ContainsRune(" \t\r\n", rune(p.s[p.i])) {
		p.i++
	}
}

func (p *pyParser) value(out *bytes.Buffer, depth int) error {
	if depth > maxDepth {
		return errors.New("nested too deeply")
	}
	if p.i >= len(p.s) {
		return errors.New("unexpected end")
	}
	switch c := p.s[p.i]; {
	case c == '{':
		return p.container(out, depth, '{', '}', true)
	case c == '[':
		return p.container(out, depth, '[', ']', false)
	case c == '(':
		return p.container(out, depth, '(', ')', false)
	case c == '\'' || c == '"':
		str, err := p.str()
		if err != nil {
			return err
		}
		out.Write(marshalString(str))
		return nil
	case c == '-' || c == '+' || c == '.' || c >= '0' && c <= '9':
		return p.number(out)
	default:
		for _, w := range [...]struct{ py, js string }{
			{"None", "null"}, {"True", "true"}, {"False", "false"},
			{"null", "null"}, {"true", "true"}, {"false", "false"},
		} {
			if strings.HasPrefix(p.s[p.i:], w.py) && !isIdent(p.s, p.i+len(w.py)) {
				out.WriteString(w.js)
				p.i += len(w.py)
				return nil
			}
		}
		return fmt.Errorf("unexpected %q at offset %d", truncate(p.s[p.i:], 12), p.i)
	}
}

func isIdent(s string, i int) bool {
	if i >= len(s) {
		return false
	}
	c := s[i]
	return c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
}

func (p *pyParser) container(out *bytes.Buffer, depth int, open, close byte, object bool) error {
	p.i++ // open
	if object {
		out.WriteByte('{')
	} else {
		out.WriteByte('[')
	}
	first := true
	for {
		p.skipSpace()
		if p.i >= len(p.s) {
			return fmt.Errorf("unclosed %c", open)
		}
		if p.s[p.i] == close {
			p.i++
			break
		}
		if !first {
			if p.s[p.i] != ',' {
				return fmt.Errorf("expected , or %c at offset %d", close, p.i)
			}
			p.i++
			p.skipSpace()
			if p.i < len(p.s) && p.s[p.i] == close { // a trailing comma
				p.i++
				break
			}
			out.WriteByte(',')
		}
		first = false
		if object {
			if p.i >= len(p.s) || p.s[p.i] != '\'' && p.s[p.i] != '"' {
				return fmt.Errorf("expected a string key at offset %d", p.i)
			}
			key, err := p.str()
			if err != nil {
				return err
			}
			out.Write(marshalString(key))
			p.skipSpace()
			if p.i >= len(p.s) || p.s[p.i] != ':' {
				return fmt.Errorf("expected : at offset %d", p.i)
			}
			p.i++
			out.WriteByte(':')
			p.skipSpace()
		}
		if err := p.value(out, depth+1); err != nil {
			return err
		}
	}
	if object {
		out.WriteByte('}')
	} else {
		out.WriteByte(']')
	}
	return nil
}

// str reads a quoted string, with Python's (and JSON's) common escapes.
func (p *pyParser) str() (string, error) {
	q := p.s[p.i]
	p.i++
	var b strings.Builder
	for p.i < len(p.s) {
		c := p.s[p.i]
		switch {
		case c == q:
			p.i++
			return b.String(), nil
		case c == '\\' && p.i+1 < len(p.s):
			e := p.s[p.i+1]
			p.i += 2
			switch e {
			case 'n':
				b.WriteByte('\n')
			case 't':
				b.WriteByte('\t')
			case 'r':
				b.WriteByte('\r')
			case 'b':
				b.WriteByte('\b')
			case 'f':
				b.WriteByte('\f')
			case '/', '\\', '\'', '"':
				b.WriteByte(e)
			case 'u', 'x':
				n := 4
				if e == 'x' {
					n = 2
				}
				if p.i+n > len(p.s) {
					return "", errors.New("short escape")
				}
				v, err := strconv.ParseUint(p.s[p.i:p.i+n], 16, 32)
				if err != nil {
					return "", fmt.Errorf("bad escape \\%c%s", e, p.s[p.i:p.i+n])
				}
				b.WriteRune(rune(v))
				p.i += n
			default: // not an escape: the backslash and the character, kept
				b.WriteByte('\\')
				p.i--
				r, size := utf8.DecodeRuneInString(p.s[p.i:])
				b.WriteRune(r)
				p.i += size
			}
		default:
			r, size := utf8.DecodeRuneInString(p.s[p.i:])
			b.WriteRune(r)
			p.i += size
		}
	}
	return "", errors.New("unterminated string")
}

func (p *pyParser) number(out *bytes.Buffer) error {
	start := p.i
	for p.i < len(p.s) && strings.ContainsRune("+-.eE0123456789", rune(p.s[p.i])) {
		p.i++
	}
	lit := p.s[start:p.i]
	f, err := strconv.ParseFloat(lit, 64)
	if err != nil {
		return fmt.Errorf("bad number %q", lit)
	}
	if v, err := strconv.ParseInt(lit, 10, 64); err == nil {
		out.WriteString(strconv.FormatInt(v, 10))
		return nil
	}
	b, err := json.Marshal(f)
	if err != nil {
		return fmt.Errorf("bad number %q", lit)
	}
	out.Write(b)
	return nil
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}
