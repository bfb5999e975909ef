package cli

import (
	"bufio"
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"iter"
	"path/filepath"
	"slices"
	"strings"

	"github.com/lobstr-go/lobstr/api"
)

var resultsCommands = map[string]func(c *cli, ctx context.Context, args []string) int{
	"get": (*cli).resultsGet,
}

const resultsUsage = `Usage: lobstr results COMMAND [ARGUMENTS] [FLAGS]

Commands:
  get SQUID|--run RUN   print the scraped rows of a squid or a run, as JSON or CSV

Example:
  lobstr results get --run 0393be3ea6f74986906153df1c3f9894 --format csv -o leads.csv

Run 'lobstr results COMMAND --help' for a command's flags and an example.
`

func (c *cli) resultsGroup(ctx context.Context, args []string) int {
	return c.dispatch(ctx, "results", resultsUsage, subcommands(resultsCommands), commandNames(subcommands(resultsCommands)), args)
}

func (c *cli) resultsHelp(ctx context.Context, args []string) int {
	return c.groupHelp(ctx, "results", resultsUsage, subcommands(resultsCommands), args)
}

const resultsGetUsage = `Usage: lobstr results get SQUID|--run RUN [--task TASK] [--format json|csv] [-o FILE]

Print every scraped row of a squid (all its runs) or of one run (Get Results,
100 rows a request, at most 2 requests a second as the API asks), optionally
only those of one task. Every column is kept, in the API's order: as JSON, one
array of the rows, one row a line, each value as the server sent it; as CSV, a
header line and a line per row, as the export file writes them. Into FILE with
-o, written whole or not at all (the format then defaults to FILE's extension).

Example:
  lobstr results get --run 0393be3ea6f74986906153df1c3f9894
`

func (c *cli) resultsGet(ctx context.Context, args []string) int {
	fs := c.flagSet("lobstr results get")
	var opts api.ResultsOptions
	var format, out string
	fs.StringVar(&opts.Run, "run", "", "the rows of run `RUN` instead of a squid's")
	fs.StringVar(&opts.Task, "task", "", "only the rows of task `TASK`")
	fs.StringVar(&format, "format", "", "`F`: json or csv (default json, or FILE's extension)")
	var pageSize, limit int
	fs.IntVar(&opts.Page, "page", 0, "only page `N` of the rows (as the official CLI; default: every row)")
	fs.IntVar(&pageSize, "page-size", 0, "`N` rows a page, 1 to 100, with --page (default 50)")
	fs.IntVar(&limit, "limit", 0, "the same as --page-size")
	fs.StringVarP(&out, "output", "o", "-", "write to `FILE` ('-' for stdout)")
	rest, code, done := c.parseCommand(fs, args, resultsGetUsage, 0, 1)
	if done {
		return code
	}
	if limit != 0 && pageSize != 0 && limit != pageSize {
		return c.usageError(c.cmd, "--limit and --page-size differ: give one")
	}
	opts.Limit = max(limit, pageSize)
	onePage := opts.Page != 0 || opts.Limit != 0
	switch {
	case opts.Page < 0:
		return c.usageError(c.cmd, fmt.Sprintf("--page %d: want 1 or more", opts.Page))
	case opts.Limit < 0 || opts.Limit > 100:
		return c.usageError(c.cmd, fmt.Sprintf("--page-size %d: want 1 to 100", opts.Limit))
	}
	switch {
	case len(rest) == 0 && opts.Run == "":
		return c.usageError(c.cmd, "give a SQUID or --run RUN")
	case len(rest) == 1 && opts.Run != "":
		return c.usageError(c.cmd, "give a SQUID or --run RUN, not both")
	}
	if opts.Run != "" {
		if code, done := c.checkHash("--run", opts.Run); done {
			return code
		}
	}
	if opts.Task != "" {
		if code, done := c.checkHash("--task", opts.Task); done {
			return code
		}
	}
	if format == "" {
		format = "json"
		if strings.EqualFold(filepath.Ext(out), ".csv") {
			format = "csv"
		}
	}
	if format != "json" && format != "csv" {
		return c.usageError(c.cmd, fmt.Sprintf("--format %q: want json or csv", format))
	}
	cl, code, done := c.client()
	if done {
		return code
	}
	if len(rest) == 1 {
		if opts.Squid, code, done = c.resolveSquid(ctx, cl, rest[0]); done {
			return code
		}
	}
	var w io.Writer = c.stdout
	var file *outputFile
	if out != "-" {
		f, err := createOutput(out)
		if err != nil {
			return c.errorLine(exitFail, "file", "cannot write the rows: "+err.Error(), 0, "")
		}
		file, w = f, f
	}
	rows := func(ctx context.Context) iter.Seq2[api.Result, error] { return cl.Results.All(ctx, opts) }
	if onePage {
		rows = func(ctx context.Context) iter.Seq2[api.Result, error] { return resultsPage(ctx, cl, opts) }
	}
	n, err := writeResults(ctx, rows, format, w)
	if err != nil {
		if file != nil {
			file.abort()
		}
		return c.fail(ctx, err)
	}
	if file != nil {
		if err := file.commit(); err != nil {
			return c.errorLine(exitFail, "file", "cannot write the rows: "+err.Error(), 0, "")
		}
	}
	where := ""
	if out != "-" {
		where = " to " + out
	}
	c.notice(fmt.Sprintf("%s%s", plural(n, "row"), where))
	return exitOK
}

// writeResults writes every row of opts to w as a JSON array or as CSV, in the columns'
// order of the first page the server sent, and returns how many rows it wrote.
func writeResults(ctx context.Context, rows func(ctx context.Context) iter.Seq2[api.Result, error], format string, w io.Writer) (int, error) {
	var cols []string
	cctx := api.CaptureBody(ctx, func(_ int, body []byte) {
		if cols == nil {
			cols = firstRowKeys(body)
		}
	})
	bw := bufio.NewWriterSize(w, 64<<10)
	var cw *csv.Writer
	n := 0
	var line []byte
	for row, err := range rows(cctx) {
		if err != nil {
			return n, err
		}
		order := rowOrder(cols, row)
		if format == "csv" {
			if cw == nil {
				cw = csv.NewWriter(bw)
				cols = order
				if err := cw.Write(cols); err != nil {
					return n, err
				}
			}
			rec := make([]string, len(cols))
			for i, k := range cols {
				rec[i] = cellText(row[k])
			}
			if err := cw.Write(rec); err != nil {
				return n, err
			}
		} else {
			line = line[:0]
			if n == 0 {
				line = append(line, "[\n"...)
			} else {
				line = append(line, ",\n"...)
			}
			line = append(line, '{')
			for i, k := range order {
				if i > 0 {
					line = append(line, ',')
				}
				kb, _ := json.Marshal(k)
				line = append(line, kb...)
				line = append(line, ':')
				line = append(line, bytes.TrimSpace(row[k])...)
			}
			line = append(line, '}')
			if _, err := bw.Write(line); err != nil {
				return n, err
			}
		}
		n++
	}
	if format == "csv" {
		if cw == nil {
			cw = csv.NewWriter(bw) // no rows: an empty file
		}
		cw.Flush()
		if err := cw.Error(); err != nil {
			return n, err
		}
	} else if n == 0 {
		bw.WriteString("[]\n")
	} else {
		bw.WriteString("\n]\n")
	}
	return n, bw.Flush()
}

// rowOrder is the order of a row's columns: those of cols it has, then its others, sorted.
func rowOrder(cols []string, row api.Result) []string {
	order := make([]string, 0, len(row))
	for _, k := range cols {
		if _, ok := row[k]; ok {
			order = append(order, k)
		}
	}
	if len(order) < len(row) {
		var extra []string
		for k := range row {
			if !slices.Contains(order, k) {
				extra = append(extra, k)
			}
		}
		slices.Sort(extra)
		order = append(order, extra...)
	}
	return order
}

// firstRowKeys returns the keys of the first row of a Get Results page, in the order the
// server sent them; nil when the body holds no row.
func firstRowKeys(body []byte) []string {
	var page struct {
		Data []json.RawMessage `json:"data"`
	}
	if json.Unmarshal(body, &page) != nil || len(page.Data) == 0 {
		return nil
	}
	dec := json.NewDecoder(bytes.NewReader(page.Data[0]))
	if t, err := dec.Token(); err != nil || t != json.Delim('{') {
		return nil
	}
	var keys []string
	for dec.More() {
		t, err := dec.Token()
		if err != nil {
			return keys
		}
		k, _ := t.(string)
		keys = append(keys, k)
		var skip json.RawMessage
		if dec.Decode(&skip) != nil {
			return keys
		}
	}
	return keys
}

// cellText is a cell as the CSV export writes it: a string's text, null as nothing, any
// other JSON as it is.
func cellText(raw json.RawMessage) string {
	raw = bytes.TrimSpace(raw)
	var s string
	if len(raw) > 0 && raw[0] == '"' && json.Unmarshal(raw, &s) == nil {
		return s
	}
	if string(raw) == "null" {
		return ""
	}
	return string(raw)
}

// resultsPage yields the rows of one page of results (Get Results), as the official CLI's
// results get --page N --page-size M prints them.
func resultsPage(ctx context.Context, cl *api.Client, opts api.ResultsOptions) iter.Seq2[api.Result, error] {
	return func(yield func(api.Result, error) bool) {
		page, err := cl.Results.List(ctx, opts)
		if err != nil {
			yield(nil, err)
			return
		}
		for _, row := range page.Data {
			if !yield(row, nil) {
				return
			}
		}
	}
}
