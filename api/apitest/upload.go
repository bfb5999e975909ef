package apitest

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"encoding/json"
	"errors"
	"io"
	"mime"
	"path"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/lobstr-go/lobstr/gen/models"
)

// finishedAt is the Check Upload Status call that finds an upload finished: the first
// answers PENDING, the second PROGRESS, the third SUCCESS or FAILURE.
const finishedAt = 3

// upload is a task upload and its parsed rows.
type upload struct {
	id     string
	squid  string
	checks int // Check Upload Status calls so far

	keys     []string // the paramsKey of the valid rows not repeated within the file, in file order
	rows     []int    // the file's row of each of keys (the header is row 1)
	invalid  int
	repeated int  // valid rows repeating an earlier row of the file
	failed   bool // the file could not be read (not UTF-8, no header), or its rows passed MaxStoredBytes

	inserted bool // rows were added to the squid, meta is final
	meta     models.UploadMeta
}

// state returns the state a check sees after checks checks.
func (u *upload) state() models.UploadState {
	switch {
	case u.checks < 2:
		return "PENDING"
	case u.checks < finishedAt:
		return "PROGRESS"
	case u.failed:
		return "FAILURE"
	}
	return "SUCCESS"
}

// finish inserts the rows into the squid, once. f.mu is held.
func (f *Fake) finish(u *upload) {
	if u.inserted {
		return
	}
	u.inserted = true
	if u.failed {
		return
	}
	sq := f.addSquid(u.squid)
	m := models.UploadMeta{Valid: len(u.keys) + u.repeated, Invalid: u.invalid, Duplicates: u.repeated}
	cost, fresh := 0, map[string]bool{}
	for _, key := range u.keys {
		if d := keyOf(key); sq.keys[d] == "" && !fresh[d] {
			fresh[d] = true
			cost += storeCost(key)
		}
	}
	if !f.roomFor(cost) {
		// Past MaxStoredBytes: the upload fails whole, as a file that cannot be read does.
		u.failed = true
		u.keys, u.rows = nil, nil
		return
	}
	for _, key := range u.keys {
		if _, dup := sq.keys[keyOf(key)]; dup {
			m.Duplicates++
			continue
		}
		var params models.Params
		if err := json.Unmarshal([]byte(key), &params); err != nil {
			panic("apitest: a row's key does not decode: " + err.Error()) // paramsKey made it
		}
		f.newTask(u.squid, sq, params, key)
		m.Inserted++
	}
	u.meta = m
	u.keys, u.rows = nil, nil
}

// check checks the file's distinct rows against the crawler's task keys (an uploaded
// value is text: a number, a boolean, a list is checked as its JSON text). It returns the
// file row of the first row the crawler cannot take and what is wrong, or "".
func (u *upload) check(c *crawler) (row int, problem string) {
	for i, key := range u.keys {
		var params map[string]any
		if err := json.Unmarshal([]byte(key), &params); err != nil {
			panic("apitest: a row's key does not decode: " + err.Error()) // paramsKey made it
		}
		if problem := c.checkTask(params, true); problem != "" {
			return u.rows[i], problem
		}
	}
	return 0, ""
}

// errTooManyRows is parseTasks' error for a file of more than MaxUploadRows rows.
var errTooManyRows = errors.New("the file has more than " + strconv.Itoa(MaxUploadRows) + " rows")

// parseTasks reads a CSV or TSV file of tasks as a stream into u, keeping only the key of
// each distinct row. A file that cannot be read as tasks marks u failed; the error is for
// failures to read r itself, and errTooManyRows for a file of more than MaxUploadRows rows
// (then the rest of r is not read).
func parseTasks(u *upload, r io.Reader, filename, contentType string) error {
	br := bufio.NewReaderSize(r, 64<<10)
	comma := delimiter(br, filename, contentType)
	cr := csv.NewReader(br)
	cr.Comma = comma
	cr.FieldsPerRecord = -1 // column counts are checked here, row by row
	cr.ReuseRecord = true
	if comma == '\t' {
		cr.LazyQuotes = true // TSV has no quoting; a quote is a character like any other
	}

	var header []string
	seen := map[string]bool{}
	rows := 0
	for {
		rec, err := cr.Read()
		if err == io.EOF {
			break
		}
		if header != nil && err == nil || errors.As(err, new(*csv.ParseError)) {
			if rows++; rows > MaxUploadRows {
				return errTooManyRows
			}
		}
		var perr *csv.ParseError
		if errors.As(err, &perr) {
			if header == nil {
				u.failed = true
				break
			}
			u.invalid++
			continue
		}
		if err != nil {
			return err
		}
		if !validUTF8(rec) {
			u.failed = true
			break
		}
		if header == nil {
			header = slices.Clone(rec)
			header[0] = strings.TrimPrefix(header[0], "\ufeff")
			for i := range header {
				header[i] = strings.TrimSpace(header[i])
			}
			if !usableHeader(header) {
				u.failed = true
				break
			}
			continue
		}
		if len(rec) != len(header) || allEmpty(rec) {
			u.invalid++
			continue
		}
		params := make(models.Params, len(header))
		for i, k := range header {
			params[k] = rec[i]
		}
		key := paramsKey(params)
		if len(key) > MaxTaskBytes {
			u.invalid++
			continue
		}
		if seen[key] {
			u.repeated++
			continue
		}
		seen[key] = true
		u.keys = append(u.keys, key)
		u.rows = append(u.rows, rows+1)
	}
	if header == nil {
		u.failed = true
	}
	if u.failed {
		u.keys, u.rows, u.invalid, u.repeated = nil, nil, 0, 0
	}
	// Read what is left, so the client's upload completes and the next part can be read.
	_, err := io.Copy(io.Discard, br)
	return err
}

// delimiter picks the field separator: by file name, by content type, else by the header.
func delimiter(br *bufio.Reader, filename, contentType string) rune {
	switch strings.ToLower(path.Ext(filename)) {
	case ".tsv", ".tab":
		return '\t'
	case ".csv":
		return ','
	}
	switch mt, _, _ := mime.ParseMediaType(contentType); mt {
	case "text/tab-separated-values":
		return '\t'
	case "text/csv":
		return ','
	}
	head, _ := br.Peek(br.Size())
	if i := bytes.IndexByte(head, '\n'); i >= 0 {
		head = head[:i]
	}
	if bytes.IndexByte(head, '\t') >= 0 {
		return '\t'
	}
	return ','
}

func validUTF8(rec []string) bool {
	for _, s := range rec {
		if !utf8.ValidString(s) {
			return false
		}
	}
	return true
}

func usableHeader(h []string) bool {
	seen := map[string]bool{}
	for _, k := range h {
		if k == "" || seen[k] {
			return false
		}
		seen[k] = true
	}
	return true
}

func allEmpty(rec []string) bool {
	for _, s := range rec {
		if strings.TrimSpace(s) != "" {
			return false
		}
	}
	return true
}
