package api

import (
	"errors"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// countingClient is a client on a server that counts requests and answers 500.
func countingClient(t *testing.T) (*Client, *atomic.Int32) {
	var n atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n.Add(1)
		w.WriteHeader(500)
	}))
	t.Cleanup(srv.Close)
	c, err := NewClient(WithToken("t"), WithBaseURL(srv.URL+"/v1"), WithMaxRetries(0), WithoutPacing())
	if err != nil {
		t.Fatal(err)
	}
	return c, &n
}

func TestBadInputRefusedBeforeAnyRequest(t *testing.T) {
	c, n := countingClient(t)
	ctx := t.Context()
	task := []Params{{"url": "https://a"}}
	cases := []struct {
		name string
		call func() error
		want string
	}{
		{"Tasks.Get empty", func() error { _, err := c.Tasks.Get(ctx, ""); return err }, "hash: empty"},
		{"Tasks.Get partial", func() error { _, err := c.Tasks.Get(ctx, "c5e29d2a"); return err }, `hash: "c5e29d2a" is not 32`},
		{"Tasks.Get upper", func() error { _, err := c.Tasks.Get(ctx, "C5E29D2ABA8B77CDC56391E7405302DE"); return err }, "lowercase"},
		{"Tasks.Get path", func() error { _, err := c.Tasks.Get(ctx, "../../../etc/passwd/aaaaaaaaaaaaa"); return err }, "hash"},
		{"Tasks.Delete", func() error { _, err := c.Tasks.Delete(ctx, "zz"); return err }, "Tasks.Delete: hash"},
		{"Tasks.UploadStatus", func() error { _, err := c.Tasks.UploadStatus(ctx, "x"); return err }, "Tasks.UploadStatus: id"},
		{"Tasks.Wait", func() error { _, err := c.Tasks.Wait(ctx, "x"); return err }, "Tasks.Wait: hash"},
		{"Tasks.WaitUpload", func() error { _, err := c.Tasks.WaitUpload(ctx, ""); return err }, "Tasks.WaitUpload: id"},
		{"List no squid", func() error { _, err := c.Tasks.List(ctx, ListTasksOptions{}); return err }, "Squid: empty"},
		{"List type", func() error { _, err := c.Tasks.List(ctx, ListTasksOptions{Squid: "s", Type: "all"}); return err }, `Type: "all"`},
		{"List page", func() error { _, err := c.Tasks.List(ctx, ListTasksOptions{Squid: "s", Page: -1}); return err }, "Page: -1"},
		{"List limit", func() error { _, err := c.Tasks.List(ctx, ListTasksOptions{Squid: "s", Limit: 101}); return err }, "Limit: 101"},
		{"All limit", func() error {
			for _, err := range c.Tasks.All(ctx, ListTasksOptions{Squid: "s", Limit: -5}) {
				return err
			}
			return nil
		}, "Limit: -5"},
		{"Add no squid", func() error { _, err := c.Tasks.Add(ctx, "", task); return err }, "squid: empty"},
		{"Add no tasks", func() error { _, err := c.Tasks.Add(ctx, "s", nil); return err }, "tasks: empty"},
		{"Add empty task", func() error {
			_, err := c.Tasks.Add(ctx, "s", []Params{{"url": "a"}, {}})
			return err
		}, "tasks[1]: empty"},
		{"Add bad value", func() error {
			_, err := c.Tasks.Add(ctx, "s", []Params{{"url": func() {}}})
			return err
		}, "tasks[0]: cannot be encoded"},
		{"Upload no squid", func() error { _, err := c.Tasks.Upload(ctx, "", "a.csv", strings.NewReader("")); return err }, "squid: empty"},
		{"Upload no name", func() error { _, err := c.Tasks.Upload(ctx, "s", "", strings.NewReader("")); return err }, "filename: empty"},
		{"Upload ext", func() error { _, err := c.Tasks.Upload(ctx, "s", "a.xlsx", strings.NewReader("")); return err }, ".csv or .tsv"},
		{"Upload nil", func() error { _, err := c.Tasks.Upload(ctx, "s", "a.csv", nil); return err }, "nil reader"},
		{"UploadFile missing", func() error { _, err := c.Tasks.UploadFile(ctx, "s", "no-such-file.csv"); return err }, "no-such-file.csv"},
		{"UploadFile dir", func() error {
			dir := filepath.Join(t.TempDir(), "d.csv")
			if err := os.Mkdir(dir, 0o700); err != nil {
				t.Fatal(err)
			}
			_, err := c.Tasks.UploadFile(ctx, "s", dir)
			return err
		}, "is a directory"},
	}
	for _, tc := range cases {
		err := tc.call()
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: err = %v; want one saying %q", tc.name, err, tc.want)
		}
	}
	if n.Load() != 0 {
		t.Fatalf("%d requests were sent for bad input", n.Load())
	}
}

func TestUploadStreamsMultipart(t *testing.T) {
	var gotSquid, gotName, gotType, gotBody string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mt, params, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
		if err != nil || mt != "multipart/form-data" || r.URL.Path != "/v1/tasks/upload" || r.Method != "POST" {
			t.Errorf("request %s %s %s", r.Method, r.URL.Path, r.Header.Get("Content-Type"))
		}
		mr := multipart.NewReader(r.Body, params["boundary"])
		for {
			p, err := mr.NextPart()
			if err != nil {
				break
			}
			b, _ := io.ReadAll(p)
			switch p.FormName() {
			case "squid":
				gotSquid = string(b)
			case "file":
				gotName, gotType, gotBody = p.FileName(), p.Header.Get("Content-Type"), string(b)
			}
		}
		io.WriteString(w, `{"id": "427a7bfc54cf4ce483d83ba23425164b", "object": "task_upload"}`)
	}))
	defer srv.Close()
	c, _ := NewClient(WithToken("t"), WithBaseURL(srv.URL+"/v1"), WithoutPacing())
	u, err := c.Tasks.Upload(t.Context(), "sq1", "dir/tasks.TSV", strings.NewReader("url\tcity\nhttps://a\tParis\n"))
	if err != nil {
		t.Fatal(err)
	}
	if u.Id != "427a7bfc54cf4ce483d83ba23425164b" || gotSquid != "sq1" || gotName != "tasks.TSV" || gotType != "text/tab-separated-values" || gotBody != "url\tcity\nhttps://a\tParis\n" {
		t.Fatalf("upload %+v; server saw squid %q name %q type %q body %q", u, gotSquid, gotName, gotType, gotBody)
	}
}

type failingReader struct{ n int }

func (r *failingReader) Read(p []byte) (int, error) {
	if r.n > 0 {
		r.n--
		return copy(p, "url\nhttps://a\n"), nil
	}
	return 0, errors.New("disk on fire")
}

func TestUploadReadErrorIsReported(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		io.WriteString(w, `{"id": "427a7bfc54cf4ce483d83ba23425164b", "object": "task_upload"}`)
	}))
	defer srv.Close()
	c, _ := NewClient(WithToken("t"), WithBaseURL(srv.URL+"/v1"), WithoutPacing())
	_, err := c.Tasks.Upload(t.Context(), "sq", "tasks.csv", &failingReader{n: 3})
	if err == nil || !strings.Contains(err.Error(), "reading tasks.csv: disk on fire") {
		t.Fatalf("err = %v", err)
	}
}

func TestRateLimitOfLastResponse(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-RateLimit-Limit", "90")
		w.Header().Set("X-RateLimit-Remaining", "42")
		w.Header().Set("X-RateLimit-Reset", "1739197200")
		w.WriteHeader(404)
	}))
	defer srv.Close()
	c, _ := NewClient(WithToken("t"), WithBaseURL(srv.URL+"/v1"))
	if (c.RateLimit() != RateLimit{}) {
		t.Fatal("rate limit known before any response")
	}
	c.Tasks.Get(t.Context(), seedHash)
	if rl := c.RateLimit(); rl.Limit != 90 || rl.Remaining != 42 || !rl.Reset.Equal(time.Unix(1739197200, 0)) {
		t.Fatalf("RateLimit() = %+v", rl)
	}
}
