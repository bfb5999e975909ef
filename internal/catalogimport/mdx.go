package main

import (
	"regexp"
	"strings"
)

// page is one MDX file of the docs, cut into the parts the importer reads: its front matter,
// its tables, its ParamField and ResponseField components, its code blocks and its prose,
// each with the heading of the section it stands in.
type page struct {
	path        string
	frontMatter map[string]string
	tables      []table
	fields      []field
	codes       []code
	prose       []proseLine
}

// table is a Markdown table: a header row and its rows, cells trimmed.
type table struct {
	section string
	header  []string
	rows    [][]string
}

// field is a <ParamField> or <ResponseField> component.
type field struct {
	section string
	kind    string            // ParamField or ResponseField
	attrs   map[string]string // name="x" type="y" body="z" default="d"
	flags   map[string]bool   // bare attributes, such as required
	content string            // the text between the tags, lines trimmed and joined by "\n"
}

// code is a fenced code block.
type code struct {
	section string
	info    string // what follows the opening fence: "bash cURL", "json 200"
	body    string
}

// proseLine is a line of text outside tables, components and code.
type proseLine struct {
	section string
	text    string
}

var (
	attrRe     = regexp.MustCompile(`([A-Za-z_][A-Za-z0-9_-]*)\s*=\s*(?:"([^"]*)"|'([^']*)'|\{([^}]*)\})`)
	bareAttrRe = regexp.MustCompile(`\b([A-Za-z_][A-Za-z0-9_-]*)\b`)
)

// parseMDX cuts the text of an MDX file into its parts. It never fails: what it does not
// recognize is prose.
func parseMDX(path, text string) *page {
	p := &page{path: path, frontMatter: map[string]string{}}
	text = strings.ReplaceAll(text, "\r\n", "\n")
	lines := strings.Split(text, "\n")
	i := 0
	if len(lines) > 0 && strings.TrimSpace(lines[0]) == "---" {
		for j := 1; j < len(lines); j++ {
			if strings.TrimSpace(lines[j]) == "---" {
				for _, l := range lines[1:j] {
					k, v, ok := strings.Cut(l, ":")
					if !ok {
						continue
					}
					v = strings.TrimSpace(v)
					if len(v) >= 2 && (v[0] == '"' && v[len(v)-1] == '"' || v[0] == '\'' && v[len(v)-1] == '\'') {
						v = v[1 : len(v)-1]
					}
					p.frontMatter[strings.TrimSpace(k)] = v
				}
				i = j + 1
				break
			}
		}
	}
	section := ""
	for i < len(lines) {
		line := lines[i]
		trimmed := strings.TrimSpace(line)
		switch {
		case strings.HasPrefix(trimmed, "```"):
			fence := trimmed[:strings.IndexFunc(trimmed+"x", func(r rune) bool { return r != '`' })]
			info := strings.TrimSpace(trimmed[len(fence):])
			var body []string
			i++
			for i < len(lines) && !strings.HasPrefix(strings.TrimSpace(lines[i]), fence) {
				body = append(body, lines[i])
				i++
			}
			i++ // the closing fence
			p.codes = append(p.codes, code{section: section, info: info, body: strings.Join(body, "\n")})
			continue
		case strings.HasPrefix(trimmed, "#"):
			h := strings.TrimLeft(trimmed, "#")
			if strings.HasPrefix(h, " ") {
				section = strings.TrimSpace(h)
				i++
				continue
			}
		case strings.HasPrefix(trimmed, "|"):
			var rows [][]string
			for i < len(lines) && strings.HasPrefix(strings.TrimSpace(lines[i]), "|") {
				rows = append(rows, splitRow(strings.TrimSpace(lines[i])))
				i++
			}
			if len(rows[0]) == 0 { // no header: not a table
				continue
			}
			t := table{section: section, header: rows[0]}
			for _, r := range rows[1:] {
				if len(r) == 0 || isSeparatorRow(r) {
					continue
				}
				t.rows = append(t.rows, r)
			}
			p.tables = append(p.tables, t)
			continue
		case strings.HasPrefix(trimmed, "<ParamField") || strings.HasPrefix(trimmed, "<ResponseField"):
			kind := "ParamField"
			if strings.HasPrefix(trimmed, "<ResponseField") {
				kind = "ResponseField"
			}
			// The opening tag may span lines: read up to its '>'.
			tag := trimmed
			for !strings.Contains(tag, ">") && i+1 < len(lines) {
				i++
				tag += " " + strings.TrimSpace(lines[i])
			}
			end := strings.Index(tag, ">")
			if end < 0 {
				end = len(tag)
			}
			open := tag[len("<"+kind):end]
			rest := ""
			if end < len(tag) {
				rest = tag[end+1:]
			}
			f := field{section: section, kind: kind, attrs: map[string]string{}, flags: map[string]bool{}}
			selfClosed := strings.HasSuffix(strings.TrimSpace(open), "/")
			open = strings.TrimSuffix(strings.TrimSpace(open), "/")
			for _, m := range attrRe.FindAllStringSubmatch(open, -1) {
				f.attrs[m[1]] = m[2] + m[3] + m[4]
			}
			for _, m := range bareAttrRe.FindAllString(attrRe.ReplaceAllString(open, " "), -1) {
				f.flags[m] = true
			}
			closing := "</" + kind + ">"
			var content []string
			if !selfClosed {
				if before, _, ok := strings.Cut(rest, closing); ok {
					content = append(content, strings.TrimSpace(before))
				} else {
					if s := strings.TrimSpace(rest); s != "" {
						content = append(content, s)
					}
					i++
					for i < len(lines) {
						if before, _, ok := strings.Cut(lines[i], closing); ok {
							content = append(content, strings.TrimSpace(before))
							break
						}
						content = append(content, strings.TrimSpace(lines[i]))
						i++
					}
				}
			}
			f.content = strings.TrimSpace(strings.Join(content, "\n"))
			p.fields = append(p.fields, f)
			i++
			continue
		}
		if trimmed != "" {
			p.prose = append(p.prose, proseLine{section: section, text: trimmed})
		}
		i++
	}
	return p
}

// splitRow splits a table row into its cells, on the bars outside backticks that are not
// escaped.
func splitRow(line string) []string {
	line = strings.TrimPrefix(line, "|")
	var cells []string
	var cur strings.Builder
	inTick := false
	for i := 0; i < len(line); i++ {
		c := line[i]
		switch {
		case c == '\\' && i+1 < len(line) && line[i+1] == '|':
			cur.WriteByte('|')
			i++
		case c == '`':
			inTick = !inTick
			cur.WriteByte(c)
		case c == '|' && !inTick:
			cells = append(cells, strings.TrimSpace(cur.String()))
			cur.Reset()
		default:
			cur.WriteByte(c)
		}
	}
	if s := strings.TrimSpace(cur.String()); s != "" {
		cells = append(cells, s)
	}
	return cells
}

func isSeparatorRow(r []string) bool {
	if len(r) == 0 {
		return false
	}
	for _, c := range r {
		if strings.Trim(c, "-: ") != "" {
			return false
		}
	}
	return true
}

// column returns the index of the first header cell equal (case-insensitively) to one of
// names, or -1.
func (t table) column(names ...string) int {
	for i, h := range t.header {
		for _, n := range names {
			if strings.EqualFold(strings.TrimSpace(stripMarkup(h)), n) {
				return i
			}
		}
	}
	return -1
}

// cell returns the cell i of row r, or "".
func cell(r []string, i int) string {
	if i < 0 || i >= len(r) {
		return ""
	}
	return r[i]
}

// stripMarkup removes the bold and code markers around a table cell's name: "**url**" and
// "`url`" become "url".
func stripMarkup(s string) string {
	s = strings.TrimSpace(s)
	s = strings.Trim(s, "*")
	s = strings.Trim(s, "`")
	s = strings.Trim(s, "*")
	return strings.TrimSpace(s)
}
