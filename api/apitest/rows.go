package apitest

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"math/rand/v2"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

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

// rowFields are the names of a run's row fields, in order: id, object, squid, run, the
// crawler's columns, scraping_time.
func (r *runRecord) rowFields() []string {
	names := []string{"id", "object", "squid", "run"}
	for _, c := range r.cols {
		names = append(names, c.Name)
	}
	return append(names, "scraping_time")
}

// place is the made-up business, person or profile a row describes.
type place struct {
	name, first, last, slug, street, city, country, code, zip, phone, category string
	lat, lng                                                                   float64
}

var (
	nameFirst  = []string{"Le Petit", "Chez", "La Maison", "Blue", "Golden", "Old Port", "Green", "Royal", "Corner", "Sunny"}
	nameSecond = []string{"Bistro", "Cafe", "Garden", "Kitchen", "Table", "Bakery", "Grill", "Brasserie", "Deli", "Tavern"}
	firsts     = []string{"Alice", "Bruno", "Chloe", "David", "Emma", "Farid", "Giulia", "Hugo", "Ines", "Jonas", "Karim", "Lea"}
	lasts      = []string{"Martin", "Bernard", "Dubois", "Moreau", "Laurent", "Garcia", "Rossi", "Muller", "Silva", "Kowalski"}
	streets    = []string{"Rue de la Republique", "Avenue du Prado", "Main Street", "Market Street", "Rue Paradis", "High Street", "Via Roma", "Cours Julien"}
	categories = []string{"French restaurant", "Brunch restaurant", "Cafe", "Bakery", "Pizza restaurant", "Wine bar", "Seafood restaurant", "Coffee shop"}
	titles     = []string{"Head of Sales", "Marketing Manager", "CTO", "Founder", "Account Executive", "Product Manager"}
	companies  = []string{"Acme", "Globex", "Initech", "Umbrella", "Hooli", "Stark Industries", "Wayne Enterprises"}
	cities     = []struct {
		city, country, code, zip, phone string
		lat, lng                        float64
	}{
		{"Marseille", "France", "FR", "130", "+334", 43.2965, 5.3698},
		{"Paris", "France", "FR", "750", "+331", 48.8566, 2.3522},
		{"Lyon", "France", "FR", "690", "+334", 45.7640, 4.8357},
		{"New York", "United States", "US", "100", "+1212", 40.7128, -74.0060},
		{"London", "United Kingdom", "GB", "EC1", "+4420", 51.5072, -0.1276},
		{"Berlin", "Germany", "DE", "101", "+4930", 52.5200, 13.4050},
	}
)

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
	pick := func(s []string) string { return s[rng.IntN(len(s))] }
	c := cities[rng.IntN(len(cities))]
	p := place{
		name:  pick(nameFirst) + " " + pick(nameSecond),
		first: pick(firsts), last: pick(lasts), street: pick(streets), city: c.city, country: c.country,
		code: c.code, category: pick(categories),
		lat: c.lat + (rng.Float64()-0.5)/20, lng: c.lng + (rng.Float64()-0.5)/20,
	}
	p.zip = c.zip + strconv.Itoa(10+rng.IntN(89))
	p.phone = c.phone + strconv.Itoa(10000000+rng.IntN(89999999))
	p.slug = strings.ToLower(strings.ReplaceAll(p.name, " ", "")) + strconv.Itoa(rng.IntN(100))

	vals = vals[:0]
	str := func(s string) value { return value{text: s, quoted: true} }
	vals = append(vals, str(hex.EncodeToString(seed[16:])), str("result"), str(r.squid), str(r.id))
	for _, col := range r.cols {
		vals = append(vals, cell(col, &p, rng))
	}
	at := r.start.Add(time.Duration(t.offset+i) * 37 * time.Millisecond)
	return append(vals, str(at.UTC().Format("2006-01-02T15:04:05.000Z")))
}

// cell makes the value of one column for a row describing p.
func cell(col attribute, p *place, rng *rand.Rand) value {
	str := func(s string) value { return value{text: s, quoted: true} }
	num := func(s string) value { return value{text: s} }
	switch col.Name {
	case "name":
		return str(p.name)
	case "first_name":
		return str(p.first)
	case "last_name":
		return str(p.last)
	case "address":
		return str(strconv.Itoa(1+rng.IntN(120)) + " " + p.street + ", " + p.zip + " " + p.city + ", " + p.country)
	case "phone":
		return str(p.phone)
	case "website":
		return str("https://www." + p.slug + ".com/")
	case "url", "profile_url":
		return str("https://www.example.com/" + p.slug)
	case "email":
		return str("contact@" + p.slug + ".com")
	case "email_status":
		return str([]string{"valid", "valid", "valid", "unknown"}[rng.IntN(4)])
	case "category":
		return str(p.category)
	case "city":
		return str(p.city)
	case "country", "country_name":
		return str(p.country)
	case "country_code":
		return str(p.code)
	case "zip_code":
		return str(p.zip)
	case "lat":
		return num(strconv.FormatFloat(p.lat, 'f', 7, 64))
	case "lng":
		return num(strconv.FormatFloat(p.lng, 'f', 7, 64))
	case "score":
		return num(strconv.FormatFloat(float64(30+rng.IntN(21))/10, 'f', 1, 64))
	case "ratings", "followers", "following", "likes":
		return num(strconv.Itoa(rng.IntN(2500)))
	case "handle":
		return str("@" + p.slug)
	case "location":
		return str(p.city + ", " + p.country)
	case "title":
		return str(titles[rng.IntN(len(titles))])
	case "company":
		return str(companies[rng.IntN(len(companies))])
	case "bio":
		return str(p.category + " lover from " + p.city + ".")
	case "opening_hours":
		return str("Monday 9 AM-10:30 PM, Tuesday 9 AM-10:30 PM")
	}
	switch col.Type {
	case "integer", "int":
		return num(strconv.Itoa(rng.IntN(1000)))
	case "float":
		return num(strconv.FormatFloat(rng.Float64()*100, 'f', 2, 64))
	case "boolean":
		return num(strconv.FormatBool(rng.IntN(10) > 0))
	case "json":
		return num("{}")
	}
	return str(p.name + " " + col.Name)
}

// rowsOf iterates over rows [first, last) of the run's done tasks, restricted to one task
// when task is not empty, calling yield with the row's values until it returns false.
func (r *runRecord) rowsOf(task string, first, last int, yield func([]value) bool) {
	vals := make([]value, 0, len(r.cols)+5)
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
