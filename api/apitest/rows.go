package apitest

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"math"
	"math/rand/v2"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/lobstr-go/lobstr/catalog"
	"github.com/lobstr-go/lobstr/gen"
	"github.com/lobstr-go/lobstr/gen/models"
)

// A result row is made from its run, its task and its position whenever it is read, the
// same each time: Get Results and the export file show the same rows, and a run of a
// million rows holds no memory for them.

// value is one cell of a row: its text (a CSV field) and whether its JSON is a string.
type value struct {
	text   string
	quoted bool // JSON string; else the text is a JSON literal (number, true, false, null)
	null   bool
}

// json returns the cell as JSON.
func (v value) json() []byte {
	if v.null {
		return []byte("null")
	}
	if !v.quoted {
		return []byte(v.text)
	}
	return appendJSONString(nil, v.text)
}

// appendJSONString appends s as a JSON string.
func appendJSONString(b []byte, s string) []byte {
	b = append(b, '"')
	for i := 0; i < len(s); {
		c := s[i]
		if c >= 0x20 && c != '"' && c != '\\' && c < utf8.RuneSelf {
			b = append(b, c)
			i++
			continue
		}
		if c >= utf8.RuneSelf {
			_, size := utf8.DecodeRuneInString(s[i:])
			b = append(b, s[i:i+size]...)
			i += size
			continue
		}
		switch c {
		case '"', '\\':
			b = append(b, '\\', c)
		case '\n':
			b = append(b, '\\', 'n')
		case '\t':
			b = append(b, '\\', 't')
		case '\r':
			b = append(b, '\\', 'r')
		default:
			b = append(b, `\u00`...)
			b = append(b, "0123456789abcdef"[c>>4], "0123456789abcdef"[c&0xf])
		}
		i++
	}
	return append(b, '"')
}

// builtinFields are the fields the fake gives every row besides the crawler's columns: id,
// object, squid and run first, scraping_time last. A crawler that documents a column of
// one of these names (a string) gets the fake's value there, at the documented place.
var builtinFields = [...]string{"id", "object", "squid", "run", "scraping_time"}

// builtinOf is the position of a built-in field's name in builtinFields, plus one; 0 for
// another name.
func builtinOf(name string) int {
	for i, n := range builtinFields {
		if n == name {
			return i + 1
		}
	}
	return 0
}

// rowFields are the names of a run's row fields, in order: id, object, squid, run, the
// crawler's columns, scraping_time (a built-in field the crawler documents only once, at
// its documented place).
func (r *runRecord) rowFields() []string {
	names := make([]string, 0, len(r.cols)+len(builtinFields))
	for i, n := range builtinFields[:4] {
		if !r.crawler.builtinDocumented[i] {
			names = append(names, n)
		}
	}
	for _, c := range r.cols {
		names = append(names, c.name)
	}
	if !r.crawler.builtinDocumented[4] {
		names = append(names, builtinFields[4])
	}
	return names
}

// rowSeed is the deterministic source of a row: the hash of its run, task and position.
func rowSeed(run, task string, i int) [32]byte {
	return sha256.Sum256([]byte(run + "|" + task + "|" + strconv.Itoa(i)))
}

// row makes the i-th row of task ti of the run into vals (reused; its length is that of
// rowFields).
func (r *runRecord) row(ti, i int, vals []value) []value {
	t := r.tasks[ti]
	seed := rowSeed(r.id, t.hash, i)
	rng := rand.New(rand.NewPCG(binary.BigEndian.Uint64(seed[:8]), binary.BigEndian.Uint64(seed[8:16])))
	str := func(s string) value { return value{text: s, quoted: true} }
	at := r.start.Add(time.Duration(t.offset+i) * 37 * time.Millisecond)
	builtin := [len(builtinFields)]value{str(hex.EncodeToString(seed[16:])), str("result"), str(r.squid), str(r.id),
		str(at.UTC().Format("2006-01-02T15:04:05.000Z"))}
	documented := &r.crawler.builtinDocumented
	vals = vals[:0]
	for k := range 4 {
		if !documented[k] {
			vals = append(vals, builtin[k])
		}
	}
	for ci := range r.cols {
		col := &r.cols[ci]
		if col.builtin > 0 && col.typ == catalog.TypeString {
			vals = append(vals, builtin[col.builtin-1])
			continue
		}
		if col.builtin == 1 && col.typ == catalog.TypeInteger {
			// A crawler that documents the row's id as a number (a listing's id) still
			// gets one id per row: clients tell rows apart by it (Results.All does).
			vals = append(vals, value{text: strconv.FormatUint(binary.BigEndian.Uint64(seed[16:24])>>11, 10)})
			continue
		}
		vals = append(vals, col.value(rng))
	}
	if !documented[4] {
		vals = append(vals, builtin[4])
	}
	return vals
}

// colGen makes the values of one documented column: of its JSON type, drawn from the
// documented example (varied from row to row), or plausible for its name when the docs
// give no example of its type.
type colGen struct {
	name    string
	typ     string // catalog.TypeString, …
	builtin int    // builtinOf(name)

	hasEx    bool
	str      string  // a string example
	num      float64 // a number example
	decimals int     // its decimals
	flag     bool    // a boolean example
	raw      string  // an array or object example, compact
	url      bool    // the string example is an address
	email    int     // the position of the @ of an email example, else -1
	digits   bool    // the string example is a whole number written as a string
	when     time.Time
	layout   string // the layout of a date example, when it is one
	poolKind int    // poolName, poolURL, …: the kind of value made without an example
}

// The kinds of string made for a column the docs give no string example of.
const (
	poolText = iota
	poolName
	poolURL
	poolEmail
	poolPhone
	poolDate
)

// dateLayouts are the layouts a date example is read with, most precise first.
var dateLayouts = []string{time.RFC3339Nano, "2006-01-02T15:04:05.999999", "2006-01-02 15:04:05", "2006-01-02"}

// newColGen prepares the values of a column.
func newColGen(c catalog.Column) colGen {
	g := colGen{name: c.Name, typ: c.Type, builtin: builtinOf(c.Name), email: -1}
	var ex any
	if len(c.Example) > 0 && json.Unmarshal(c.Example, &ex) == nil && ex != nil && typeProblem(c.Type, ex) == "" {
		g.hasEx = true
	}
	switch c.Type {
	case catalog.TypeString:
		if g.hasEx {
			g.str = ex.(string)
			g.url = strings.HasPrefix(g.str, "http://") || strings.HasPrefix(g.str, "https://")
			if at := strings.IndexByte(g.str, '@'); at > 0 && !strings.ContainsAny(g.str, " /") {
				g.email = at
			}
			_, err := strconv.ParseInt(g.str, 10, 64)
			g.digits = err == nil
			for _, l := range dateLayouts {
				if t, err := time.Parse(l, g.str); err == nil {
					g.when, g.layout = t, l
					break
				}
			}
		}
		n := strings.ToLower(c.Name)
		switch {
		case strings.Contains(n, "email"):
			g.poolKind = poolEmail
		case strings.Contains(n, "url") || strings.Contains(n, "link") || strings.Contains(n, "website") || strings.Contains(n, "image"):
			g.poolKind = poolURL
		case strings.Contains(n, "phone"):
			g.poolKind = poolPhone
		case strings.Contains(n, "date") || strings.HasSuffix(n, "_at") || strings.Contains(n, "time") || c.DocType == "datetime" || c.DocType == "date":
			g.poolKind = poolDate
		case strings.Contains(n, "name") || n == "title" || n == "author":
			g.poolKind = poolName
		}
	case catalog.TypeInteger, catalog.TypeNumber:
		if g.hasEx {
			g.num = ex.(float64)
			text := strings.TrimSpace(string(c.Example))
			if i := strings.IndexByte(text, '.'); i >= 0 && !strings.ContainsAny(text, "eE") {
				g.decimals = len(text) - i - 1
			}
		}
		if c.Type == catalog.TypeNumber && !g.hasEx {
			g.decimals = 2
		}
	case catalog.TypeBoolean:
		if g.hasEx {
			g.flag = ex.(bool)
		}
	case catalog.TypeArray, catalog.TypeObject:
		g.raw = "[]"
		if c.Type == catalog.TypeObject {
			g.raw = "{}"
		}
		if g.hasEx {
			var b bytes.Buffer
			if json.Compact(&b, c.Example) == nil {
				g.raw = b.String()
			}
		}
	}
	return g
}

var (
	poolNames = []string{"Le Petit Bistro", "Blue Garden", "Golden Table", "Old Port Grill", "Alice Martin", "Hugo Dubois", "Acme", "Corner Bakery"}
	poolWords = []string{"alpha", "bravo", "delta", "echo", "lima", "nova", "orbit", "quartz"}
)

// value makes the column's value for a row, from the row's rng.
func (g *colGen) value(rng *rand.Rand) value {
	switch g.typ {
	case catalog.TypeInteger:
		n := int64(rng.IntN(1000))
		if g.hasEx {
			n = int64(g.num)
			spread := n / 2
			if spread < 0 {
				spread = -spread
			}
			if spread > 1_000_000 { // a timestamp, an id: stay near it
				spread = max(spread/1000, 1_000)
			}
			if spread == 0 {
				spread = 5
			}
			v := n + rng.Int64N(2*spread+1) - spread
			if n >= 0 && v < 0 {
				v = -v
			}
			n = v
		}
		return value{text: strconv.FormatInt(n, 10)}
	case catalog.TypeNumber:
		x := rng.Float64() * 100
		if g.hasEx {
			spread := math.Abs(g.num) / 5
			if spread == 0 {
				spread = 1
			}
			x = g.num + (rng.Float64()-0.5)*spread
			if g.num >= 0 && x < 0 {
				x = -x
			}
		}
		return value{text: strconv.FormatFloat(x, 'f', g.decimals, 64)}
	case catalog.TypeBoolean:
		if g.hasEx {
			return value{text: strconv.FormatBool(g.flag != (rng.IntN(4) == 0))}
		}
		return value{text: strconv.FormatBool(rng.IntN(2) == 0)}
	case catalog.TypeArray, catalog.TypeObject:
		return value{text: g.raw}
	}
	k := rng.IntN(1000)
	if g.hasEx {
		switch {
		case k%3 == 0 || g.str == "":
			return value{text: g.str, quoted: true}
		case g.layout != "":
			return value{text: g.when.Add(-time.Duration(k) * 97 * time.Minute).Format(g.layout), quoted: true}
		case g.digits:
			n, _ := strconv.ParseInt(g.str, 10, 64)
			return value{text: strconv.FormatInt(n+int64(k)*(n/1000+1), 10), quoted: true}
		case g.url:
			sep := "?"
			if strings.Contains(g.str, "?") {
				sep = "&"
			}
			return value{text: g.str + sep + "r=" + strconv.Itoa(k), quoted: true}
		case g.email > 0:
			return value{text: g.str[:g.email] + strconv.Itoa(k) + g.str[g.email:], quoted: true}
		}
		return value{text: g.str + " " + strconv.Itoa(k), quoted: true}
	}
	w := poolWords[k%len(poolWords)]
	switch g.poolKind {
	case poolName:
		return value{text: poolNames[k%len(poolNames)], quoted: true}
	case poolURL:
		return value{text: "https://www.example.com/" + w + "/" + strconv.Itoa(k), quoted: true}
	case poolEmail:
		return value{text: w + strconv.Itoa(k) + "@example.com", quoted: true}
	case poolPhone:
		return value{text: "+3349" + strconv.Itoa(1000000+k*997), quoted: true}
	case poolDate:
		return value{text: time.Date(2025, 2, 10, 14, 19, 32, 0, time.UTC).Add(-time.Duration(k) * 97 * time.Minute).Format(time.RFC3339), quoted: true}
	}
	return value{text: g.name + " " + w + " " + strconv.Itoa(k), quoted: true}
}

// rowsOf iterates over rows [first, last) of the run's done tasks, restricted to one task
// when task is not empty, calling yield with the row's values until it returns false.
func (r *runRecord) rowsOf(task string, first, last int, yield func([]value) bool) {
	vals := make([]value, 0, len(r.cols)+len(builtinFields))
	pos := 0
	for ti := 0; ti < r.tasksDone && pos < last; ti++ {
		t := r.tasks[ti]
		if task != "" && t.hash != task {
			continue
		}
		if pos+t.rows <= first {
			pos += t.rows
			continue
		}
		for i := max(first-pos, 0); i < t.rows && pos+i < last; i++ {
			if !yield(r.row(ti, i, vals)) {
				return
			}
		}
		pos += t.rows
	}
}

// rowCount is how many rows the run's done tasks produced, of one task when task is set.
func (r *runRecord) rowCount(task string) int {
	if task == "" {
		return r.rowsDone()
	}
	n := 0
	for ti := 0; ti < r.tasksDone; ti++ {
		if r.tasks[ti].hash == task {
			n += r.tasks[ti].rows
		}
	}
	return n
}

// ListResults pages through the rows of a squid (all its runs, oldest first) or of a run,
// optionally of one task: the rows the runs' done tasks produced, those of the export.
func (s *server) ListResults(ctx context.Context, req gen.ListResultsRequestObject) (gen.ListResultsResponseObject, error) {
	p := req.Params
	bad := func(e models.Error) (gen.ListResultsResponseObject, error) {
		r := gen.ListResults400JSONResponse{Body: e}
		r.Headers.XRateLimitLimit, r.Headers.XRateLimitRemaining, r.Headers.XRateLimitReset = rateHeaders(ctx)
		return r, nil
	}
	if (p.Squid == nil) == (p.Run == nil) {
		return bad(errResultsFilter)
	}
	size, sizeName := p.PageSize, "page_size"
	if size == nil {
		size, sizeName = p.Limit, "limit"
		if size == nil {
			sizeName = "page_size"
		}
	}
	limit, number, problem := pageParams(p.Page, size, defaultLimit)
	if problem != "" {
		return bad(detailError(strings.Replace(problem, "limit", sizeName, 1)))
	}
	task := ""
	if p.Task != nil {
		task = *p.Task
	}
	q := url.Values{}
	if p.Task != nil {
		q.Set("task", task)
	}

	f := s.f
	f.mu.Lock()
	now := time.Now()
	var runs []*runRecord
	if p.Squid != nil {
		sq, ok := f.squids[*p.Squid]
		if !ok {
			f.mu.Unlock()
			return gen.ListResults404JSONResponse{NotFoundJSONResponse: notFoundBody(ctx, errSquidNotFound)}, nil
		}
		for _, h := range sq.runs {
			r, _ := f.run(h, now, false)
			runs = append(runs, r)
		}
		q.Set("squid", *p.Squid)
	} else {
		r, ok := f.run(*p.Run, now, false)
		if !ok {
			f.mu.Unlock()
			return gen.ListResults404JSONResponse{NotFoundJSONResponse: notFoundBody(ctx, errorObject("Run not found", "not_found_error", "run"))}, nil
		}
		runs = append(runs, r)
		q.Set("run", *p.Run)
	}
	total := 0
	for _, r := range runs {
		total += r.rowCount(task)
	}
	pg := paginate(total, limit, number)
	data := make([]models.Result, 0, pg.last-pg.first)
	pos := 0
	for _, r := range runs {
		n := r.rowCount(task)
		if pos+n > pg.first && pos < pg.last {
			names := r.rowFields()
			r.rowsOf(task, max(pg.first-pos, 0), pg.last-pos, func(vals []value) bool {
				row := make(models.Result, len(vals))
				for i, v := range vals {
					row[names[i]] = json.RawMessage(v.json())
				}
				data = append(data, row)
				return true
			})
		}
		pos += n
	}
	f.mu.Unlock()
	return answer(ctx, http.StatusOK, pg.envelope(ctx, "/results", q, sizeName, data)), nil
}
