package apitest

import (
	"bufio"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/csv"
	"encoding/hex"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/lobstr-go/lobstr/gen"
	"github.com/lobstr-go/lobstr/gen/models"
)

// The export files are served by the fake itself, outside /v1, as S3 serves lobstr.io's:
// at /files/{run}.{csv|json|jsonl}?expires=UNIX&sig=HMAC (with fields and omit when asked),
// a URL that Download Run signs and that expires. The file host takes no token: a request
// that carries an Authorization header is refused 403, as is a bad signature or an expired
// URL, with an XML body as S3's.
const filesPath = "/files/"

// DefaultDownloadExpiry is how long a URL of Download Run stays valid unless
// SetDownloadExpiry says otherwise.
const DefaultDownloadExpiry = 10 * time.Minute

// SetDownloadExpiry makes the URLs Download Run gives from now on expire d after they are
// given. A d of 0 or less gives URLs that have already expired (for a client's test of an
// expired URL): a URL expires when the Unix second it names has passed.
func (f *Fake) SetDownloadExpiry(d time.Duration) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.expiry = d
	f.expirySet = true
}

// FileStats counts the requests to the fake's file host (the export files).
type FileStats struct {
	Requests          int // every request to /files/...
	WithAuthorization int // those that carried an Authorization header (all refused)
	Served            int // those answered 200 with the file
}

// FileRequests returns the counts of requests to the file host so far: a test asserts that
// a client never sent its token there (WithAuthorization is 0).
func (f *Fake) FileRequests() FileStats {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.files
}

// sign is the signature of a file URL's parameters.
func (f *Fake) sign(run, format string, expires int64, fields, omit string) string {
	m := hmac.New(sha256.New, f.secret[:])
	m.Write([]byte(run + "\x00" + format + "\x00" + strconv.FormatInt(expires, 10) + "\x00" + fields + "\x00" + omit))
	return hex.EncodeToString(m.Sum(nil))
}

// GetRunDownload answers the signed URL of a run's export file, once the export is done.
func (s *server) GetRunDownload(ctx context.Context, req gen.GetRunDownloadRequestObject) (gen.GetRunDownloadResponseObject, error) {
	p := req.Params
	format := models.FileFormatCSV
	if p.FileFormat != nil {
		format = *p.FileFormat
	}
	switch format {
	case models.FileFormatCSV, models.FileFormatJSON, models.FileFormatJSONL:
	default:
		return gen.GetRunDownload400JSONResponse{BadRequestJSONResponse: badRequestBody(ctx,
			errorObject(`The fake exports csv, json and jsonl files; "`+string(format)+`" is not one of them.`, "validation_error", "file_format"))}, nil
	}
	var fields, omit string
	if p.Fields != nil {
		fields = *p.Fields
	} else if p.Omit != nil {
		omit = *p.Omit
	}
	f := s.f
	f.mu.Lock()
	r, ok := f.run(req.RunHash, time.Now(), false)
	ok = ok && r.exportDone()
	expiry := DefaultDownloadExpiry
	if f.expirySet {
		expiry = f.expiry
	}
	f.mu.Unlock()
	if !ok {
		resp := gen.GetRunDownload404JSONResponse{Body: errDownloadNotFound}
		resp.Headers.XRateLimitLimit, resp.Headers.XRateLimitRemaining, resp.Headers.XRateLimitReset = rateHeaders(ctx)
		return resp, nil
	}
	expires := time.Now().Add(expiry).Unix()
	if expiry <= 0 {
		expires = time.Now().Unix() - 1
	}
	q := url.Values{}
	q.Set("expires", strconv.FormatInt(expires, 10))
	if fields != "" {
		q.Set("fields", fields)
	}
	if omit != "" {
		q.Set("omit", omit)
	}
	q.Set("sig", f.sign(req.RunHash, string(format), expires, fields, omit))
	link := exchangeFrom(ctx).base + filesPath + req.RunHash + "." + string(format) + "?" + q.Encode()
	resp := gen.GetRunDownload200JSONResponse{Body: models.RunDownload{S3: link}}
	resp.Headers.XRateLimitLimit, resp.Headers.XRateLimitRemaining, resp.Headers.XRateLimitReset = rateHeaders(ctx)
	return resp, nil
}

// s3Error answers as S3 does: status and an XML error body.
func s3Error(w http.ResponseWriter, status int, code, msg string) {
	w.Header().Set("Content-Type", "application/xml")
	w.WriteHeader(status)
	_, _ = w.Write([]byte(`<?xml version="1.0" encoding="UTF-8"?>` + "\n<Error><Code>" + code + "</Code><Message>" + msg + "</Message></Error>\n"))
}

// serveFile is the file host: it checks the request and streams the export, made row by
// row as it is written (constant memory, whatever the run's size).
func (f *Fake) serveFile(w http.ResponseWriter, r *http.Request) {
	withAuth := r.Header.Get("Authorization") != ""
	f.mu.Lock()
	f.files.Requests++
	if withAuth {
		f.files.WithAuthorization++
	}
	fault, faulted := f.nextFault(r.Method, r.URL.Path)
	f.mu.Unlock()
	if faulted {
		if !sleep(r.Context(), fault.Delay) {
			return
		}
		if fault.Drop {
			panic(http.ErrAbortHandler)
		}
		if fault.Status != 0 {
			for k, v := range fault.Header {
				w.Header()[k] = v
			}
			w.WriteHeader(fault.Status)
			_, _ = w.Write(fault.Body)
			return
		}
	}
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		s3Error(w, http.StatusMethodNotAllowed, "MethodNotAllowed", "The specified method is not allowed against this resource.")
		return
	}
	if withAuth {
		s3Error(w, http.StatusForbidden, "AccessDenied", "Only one auth mechanism allowed: the URL's signature, not an Authorization header.")
		return
	}
	name := strings.TrimPrefix(r.URL.Path, filesPath)
	run, format, _ := strings.Cut(name, ".")
	q := r.URL.Query()
	expires, err := strconv.ParseInt(q.Get("expires"), 10, 64)
	fields, omit := q.Get("fields"), q.Get("omit")
	if err != nil || !hmac.Equal([]byte(q.Get("sig")), []byte(f.sign(run, format, expires, fields, omit))) {
		s3Error(w, http.StatusForbidden, "SignatureDoesNotMatch", "The request signature we calculated does not match the signature you provided.")
		return
	}
	if time.Now().Unix() > expires {
		s3Error(w, http.StatusForbidden, "AccessDenied", "Request has expired")
		return
	}
	f.mu.Lock()
	rec, ok := f.run(run, time.Now(), false)
	var snap runRecord
	if ok {
		snap = *rec // the fields a file needs never change once the export is done
		snap.taskEnds = nil
	}
	f.mu.Unlock()
	if !ok || !snap.exportDone() {
		s3Error(w, http.StatusNotFound, "NoSuchKey", "The specified key does not exist.")
		return
	}
	names := snap.rowFields()
	keep := make([]bool, len(names))
	for i, n := range names {
		switch {
		case fields != "":
			keep[i] = slices.Contains(strings.Split(fields, ","), n)
		case omit != "":
			keep[i] = !slices.Contains(strings.Split(omit, ","), n)
		default:
			keep[i] = true
		}
	}
	ctype := map[string]string{"csv": "text/csv; charset=utf-8", "json": "application/json", "jsonl": "application/x-ndjson"}[format]
	w.Header().Set("Content-Type", ctype)
	w.Header().Set("Content-Disposition", `attachment; filename="`+run+"."+format+`"`)
	w.WriteHeader(http.StatusOK)
	f.mu.Lock()
	f.files.Served++
	f.mu.Unlock()
	if r.Method == http.MethodHead {
		return
	}
	cut := -1 // a CutBody fault: stop after half the rows
	total := snap.rowsDone()
	if faulted && fault.CutBody {
		cut = total / 2
	}
	bw := bufio.NewWriterSize(w, 64<<10)
	written := 0
	stop := func() bool {
		if cut >= 0 && written >= cut {
			_ = bw.Flush()
			_ = http.NewResponseController(w).Flush()
			panic(http.ErrAbortHandler)
		}
		written++
		return r.Context().Err() == nil
	}
	switch format {
	case "csv":
		cw := csv.NewWriter(bw)
		header := make([]string, 0, len(names))
		for i, n := range names {
			if keep[i] {
				header = append(header, n)
			}
		}
		_ = cw.Write(header)
		rec := make([]string, 0, len(names))
		snap.rowsOf("", 0, total, func(vals []value) bool {
			if !stop() {
				return false
			}
			rec = rec[:0]
			for i, v := range vals {
				if keep[i] {
					rec = append(rec, v.text)
				}
			}
			return cw.Write(rec) == nil
		})
		cw.Flush()
	default:
		buf := make([]byte, 0, 1024)
		first := true
		if format == "json" {
			_, _ = bw.WriteString("[")
		}
		snap.rowsOf("", 0, total, func(vals []value) bool {
			if !stop() {
				return false
			}
			buf = buf[:0]
			if format == "json" && !first {
				buf = append(buf, ',')
			}
			first = false
			buf = append(buf, '{')
			sep := false
			for i, v := range vals {
				if !keep[i] {
					continue
				}
				if sep {
					buf = append(buf, ',')
				}
				sep = true
				buf = appendJSONString(buf, names[i])
				buf = append(buf, ':')
				if v.quoted {
					buf = appendJSONString(buf, v.text)
				} else {
					buf = append(buf, v.text...)
				}
			}
			buf = append(buf, '}')
			if format == "jsonl" {
				buf = append(buf, '\n')
			}
			_, err := bw.Write(buf)
			return err == nil
		})
		if format == "json" {
			_, _ = bw.WriteString("]\n")
		}
	}
	_ = bw.Flush()
}
