package cli

import (
	"fmt"
	"io"
	"slices"
	"strings"
	"unicode/utf8"
)

// cutStyle says how a column gives up width when a table does not fit a terminal.
type cutStyle int

const (
	cutNever  cutStyle = iota // ids and hashes: never cut, never dropped
	cutEnd                    // text: cut at the end, with …
	cutMiddle                 // URLs and queries: the scheme dropped first, then cut at the end
	cutDrop                   // shown whole or not at all (dates, yes/no)
)

// column is one column of a table.
type column struct {
	header string
	cut    cutStyle
}

// shrink is one step of fitting a table into a terminal: column col gives up width down
// to to columns (a cutDrop column disappears, and so does any other but cutNever when to
// is -1). Steps go from the least useful column on.
type shrink struct {
	col, to int
}

// table is the one way every command prints rows: on a terminal it fits the width by its
// shrink steps, in order; anywhere else nothing is cut. Cells are cleaned of control
// characters. Columns are two spaces apart; the last has no padding.
type table struct {
	cols  []column
	steps []shrink
	rows  [][]string
}

// newTable starts a table with the given columns and shrink steps.
func newTable(cols []column, steps ...shrink) *table {
	return &table{cols: cols, steps: steps}
}

// add adds a row; it must have one cell per column.
func (t *table) add(cells ...string) {
	row := make([]string, len(t.cols))
	for i := range row {
		if i < len(cells) {
			row[i] = clean(cells[i])
		}
	}
	t.rows = append(t.rows, row)
}

const tableGap = 2

// widths returns each column's width for a terminal of width columns (0: no limit); -1
// marks a dropped column.
func (t *table) widths(width int) []int {
	w := make([]int, len(t.cols))
	for i, col := range t.cols {
		w[i] = utf8.RuneCountInString(col.header)
		for _, row := range t.rows {
			w[i] = max(w[i], utf8.RuneCountInString(row[i]))
		}
	}
	if width <= 0 {
		return w
	}
	natural := slices.Clone(w)
	total := func() int {
		n, shown := 0, 0
		for _, x := range w {
			if x >= 0 {
				n += x
				shown++
			}
		}
		return n + tableGap*max(shown-1, 0)
	}
	for _, s := range t.steps {
		excess := total() - width
		if excess <= 0 {
			break
		}
		if s.col < 0 || s.col >= len(w) || w[s.col] < 0 {
			continue
		}
		switch t.cols[s.col].cut {
		case cutNever:
		case cutDrop:
			w[s.col] = -1
		default:
			if s.to < 0 { // a step to -1 drops a column that shrinks too
				w[s.col] = -1
				continue
			}
			floor := max(s.to, utf8.RuneCountInString(t.cols[s.col].header), 1)
			w[s.col] = max(floor, min(w[s.col], w[s.col]-excess))
		}
	}
	// A later step may have freed more than was needed: give the room back to the columns
	// that were cut, the most useful (last shrunk) first.
	for i := len(t.steps) - 1; i >= 0; i-- {
		col := t.steps[i].col
		if room := width - total(); room > 0 && col >= 0 && col < len(w) && w[col] >= 0 {
			w[col] = min(natural[col], w[col]+room)
		}
	}
	return w
}

// render writes the table for an output s.
func (t *table) render(w io.Writer, s stream) {
	widths := t.widths(s.width)
	last := -1
	for i, x := range widths {
		if x >= 0 {
			last = i
		}
	}
	line := func(cells []string) {
		var b strings.Builder
		for i, cell := range cells {
			if widths[i] < 0 {
				continue
			}
			cell = cutCell(cell, widths[i], t.cols[i].cut)
			b.WriteString(cell)
			if i != last {
				b.WriteString(strings.Repeat(" ", widths[i]-utf8.RuneCountInString(cell)+tableGap))
			}
		}
		fmt.Fprintln(w, b.String())
	}
	header := make([]string, len(t.cols))
	for i, col := range t.cols {
		header[i] = col.header
	}
	line(header)
	for _, row := range t.rows {
		line(row)
	}
}

// cutCell shortens a cell to n columns in its column's style.
func cutCell(s string, n int, style cutStyle) string {
	switch style {
	case cutEnd:
		return truncate(s, n)
	case cutMiddle:
		return truncateMiddle(s, n)
	}
	return s
}

// kvView is the key/value view of one object (task show, upload-status, config show): keys
// in a column, a value per line. On a terminal values are cut to its width, except the
// ones marked whole (ids, hashes); elsewhere nothing is cut.
type kvView struct {
	lines []kvLine
}

type kvLine struct {
	key, value string
	whole      bool   // never cut (an id)
	color      string // the value with colour escapes, for a terminal that takes colour
}

// add adds a line; an empty key continues the previous key.
func (v *kvView) add(key, value string) {
	v.lines = append(v.lines, kvLine{key: key, value: clean(value)})
}

// id adds a line whose value is never cut.
func (v *kvView) id(key, value string) {
	v.lines = append(v.lines, kvLine{key: key, value: clean(value), whole: true})
}

// state adds a state, coloured on a terminal that takes colour.
func (v *kvView) state(key, value string) {
	value = clean(value)
	v.lines = append(v.lines, kvLine{key: key, value: value, color: paint(value, true)})
}

// render writes the view for an output s; color allows colour escapes.
func (v *kvView) render(w io.Writer, s stream, color bool) {
	keyWidth := 0
	for _, l := range v.lines {
		keyWidth = max(keyWidth, utf8.RuneCountInString(l.key))
	}
	for _, l := range v.lines {
		value := l.value
		if s.width > 0 && !l.whole {
			value = truncate(value, max(s.width-keyWidth-2, 1))
		}
		if color && l.color != "" && value == l.value {
			value = l.color
		}
		fmt.Fprintf(w, "%-*s  %s\n", keyWidth, l.key, value)
	}
}
