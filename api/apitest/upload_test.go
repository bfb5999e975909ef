package apitest

import (
	"bytes"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/textproto"
	"strings"
	"testing"

	"github.com/lobstr-go/lobstr/gen/models"
)

// uploadFile uploads content and returns the upload's id.
func uploadFile(t *testing.T, srv *Server, squid, filename, fileType, content string) string {
	t.Helper()
	// The file comes before the squid: the fake must not need the squid first.
	ctype, body := uploadForm(t, filename, fileType, content, [2]string{"file", ""}, [2]string{"squid", squid})
	got := call(t, srv, "POST", "/v1/tasks/upload", bytes.NewReader(body), ctype)
	up := decode[models.Upload](t, got)
	if got.status != 200 || !hashRE.MatchString(up.Id) || up.Object != "task_upload" || up.State != nil || up.Meta.IsPresent() {
		t.Fatalf("upload: %d %s", got.status, got.body)
	}
	if !jsonEqual(t, got.body, []byte(fmt.Sprintf(`{"id": %q, "object": "task_upload"}`, up.Id))) {
		t.Errorf("upload answer %s has more than id and object", got.body)
	}
	return up.Id
}

// checkUntilDone checks the upload three times and returns the final answer, checking the
// PENDING, PROGRESS steps on the way.
func checkUntilDone(t *testing.T, srv *Server, id string) models.Upload {
	t.Helper()
	for _, state := range []string{"PENDING", "PROGRESS"} {
		got := get(t, srv, "/v1/tasks/upload/"+id)
		expect(t, "check while "+state, got, 202, fmt.Sprintf(`{"id": %q, "object": "task_upload", "state": %q, "meta": null}`, id, state))
	}
	got := get(t, srv, "/v1/tasks/upload/"+id)
	if got.status != 200 {
		t.Fatalf("third check: %d %s", got.status, got.body)
	}
	return decode[models.Upload](t, got)
}

func metaOf(t *testing.T, up models.Upload) models.UploadMeta {
	t.Helper()
	if up.State == nil || *up.State != "SUCCESS" {
		t.Fatalf("upload state %v, want SUCCESS", up.State)
	}
	m, ok := up.Meta.Get()
	if !ok {
		t.Fatalf("no meta on SUCCESS: %v", up.Meta)
	}
	return m
}

func urls(list []models.TaskSummary) []string {
	var out []string
	for _, s := range list {
		out = append(out, fmt.Sprint(s.Params["url"], "|", s.Params["country"]))
	}
	return out
}

func TestUploadFlows(t *testing.T) {
	cases := []struct {
		name, filename, fileType, content string
	}{
		{"csv", "tasks.csv", "text/csv", "url,country\nhttps://a,x\nhttps://b,\"y, z\"\nhttps://a,x\nhttps://seed,s\nhttps://c\n,\n\nhttps://d,w\n"},
		{"tsv by name", "tasks.tsv", "application/octet-stream", "url\tcountry\nhttps://a\tx\nhttps://b\ty, z\nhttps://a\tx\nhttps://seed\ts\nhttps://c\n\t\n\nhttps://d\tw\n"},
		{"tsv by content type", "tasks", "text/tab-separated-values", "url\tcountry\nhttps://a\tx\nhttps://b\ty, z\nhttps://a\tx\nhttps://seed\ts\nhttps://c\n\t\n\nhttps://d\tw\n"},
		{"tsv sniffed", "tasks.txt", "", "url\tcountry\r\nhttps://a\tx\r\nhttps://b\ty, z\r\nhttps://a\tx\r\nhttps://seed\ts\r\nhttps://c\r\n\t\r\n\r\nhttps://d\tw\r\n"},
		{"csv sent as text/plain", "tasks.csv", "text/plain", "url,country\nhttps://a,x\nhttps://b,\"y, z\"\nhttps://a,x\nhttps://seed,s\nhttps://c\n,\n\nhttps://d,w\n"},
		{"tsv sniffed from text/plain", "export", "text/plain; charset=utf-8", "url\tcountry\nhttps://a\tx\nhttps://b\ty, z\nhttps://a\tx\nhttps://seed\ts\nhttps://c\n\t\n\nhttps://d\tw\n"},
		{"csv sniffed, with BOM", "export", "application/octet-stream", "\ufeffurl,country\nhttps://a,x\nhttps://b,\"y, z\"\nhttps://a,x\nhttps://seed,s\nhttps://c\n,\n\nhttps://d,w\n"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			srv := NewServer(t)
			srv.AddSquid("up")
			srv.PutTask("up", models.Task{HashValue: "0123456789abcdef0123456789abcdef", Params: models.Params{"url": "https://seed", "country": "s"},
				Object: "task", Status: pendingStatus(), CreatedAt: now()})
			id := uploadFile(t, srv, "up", tc.filename, tc.fileType, tc.content)
			if n := len(srv.Tasks("up")); n != 1 {
				t.Errorf("%d tasks before the upload finished, want the 1 there was", n)
			}
			m := metaOf(t, checkUntilDone(t, srv, id))
			// a, b, d new; a again and seed duplicates; "https://c" (one column) and the empty row invalid.
			if m != (models.UploadMeta{Valid: 5, Inserted: 3, Duplicates: 2, Invalid: 2}) {
				t.Errorf("meta %+v, want valid 5 inserted 3 duplicates 2 invalid 2", m)
			}
			want := "https://seed|s,https://a|x,https://b|y, z,https://d|w"
			if got := strings.Join(urls(srv.Tasks("up")), ","); got != want {
				t.Errorf("squid holds %s, want %s", got, want)
			}
			// Finished: later checks say the same, and insert nothing more.
			again := get(t, srv, "/v1/tasks/upload/"+id)
			if again.status != 200 || metaOf(t, decode[models.Upload](t, again)) != m || len(srv.Tasks("up")) != 4 {
				t.Errorf("a fourth check: %d %s, %d tasks", again.status, again.body, len(srv.Tasks("up")))
			}
			// The inserted tasks are real: gettable and pending.
			got := get(t, srv, "/v1/tasks/"+srv.Tasks("up")[1].Id)
			if task := decode[models.Task](t, got); got.status != 200 || task.Status.Status != "pending" || task.Module.String() != SeedModule {
				t.Errorf("an uploaded task: %d %s", got.status, got.body)
			}
		})
	}
}

func TestUploadFailures(t *testing.T) {
	for _, tc := range []struct{ name, content string }{
		{"not UTF-8", "url\nhttps://a\nhttps://caf\xe9\n"},
		{"empty file", ""},
		{"empty header field", "url,,country\nhttps://a,b,c\n"},
		{"repeated header", "url,url\nhttps://a,https://b\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := NewServer(t)
			srv.AddSquid("up")
			id := uploadFile(t, srv, "up", "tasks.csv", "text/csv", tc.content)
			up := checkUntilDone(t, srv, id)
			if up.State == nil || *up.State != "FAILURE" || !up.Meta.IsNull() {
				t.Errorf("state %v, meta %v: want FAILURE with meta null", up.State, up.Meta)
			}
			if n := len(srv.Tasks("up")); n != 0 {
				t.Errorf("%d tasks inserted from a failed upload", n)
			}
		})
	}
}

func TestUploadBadForms(t *testing.T) {
	for _, validate := range []bool{true, false} {
		t.Run(fmt.Sprintf("validation=%v", validate), func(t *testing.T) {
			c := &collector{}
			srv := NewServer(t, WithValidation(validate), WithViolationHandler(c.add))
			for _, tc := range []struct {
				name    string
				fields  [][2]string
				mention string
			}{
				{"no squid", [][2]string{{"file", ""}}, "squid"},
				{"no file", [][2]string{{"squid", SeedSquid}}, "file"},
			} {
				ctype, body := uploadForm(t, "t.csv", "text/csv", "url\nhttps://a\n", tc.fields...)
				got := call(t, srv, "POST", "/v1/tasks/upload", bytes.NewReader(body), ctype)
				expect(t, tc.name, got, 400, "")
				if d := decode[map[string]string](t, got)["detail"]; !strings.Contains(d, tc.mention) {
					t.Errorf("%s: detail %q does not mention %s", tc.name, d, tc.mention)
				}
			}
			got := call(t, srv, "POST", "/v1/tasks/upload", strings.NewReader("url\nhttps://a\n"), "text/csv")
			if got.status != 400 {
				t.Errorf("a CSV body without a form: %d %s", got.status, got.body)
			}
			if n := len(c.all()); validate && n != 3 || !validate && n != 0 {
				t.Errorf("%d violations", n)
			}
		})
	}
}

// TestLargeUpload streams a 30 MiB file, just under MaxUploadBody: 1000 distinct rows of
// about 1 KB, repeated.
func TestLargeUpload(t *testing.T) {
	const size = 30 << 20
	srv := NewServer(t)
	srv.AddSquid("big")
	pad := strings.Repeat("x", 1000)
	var block bytes.Buffer
	for i := range 1000 {
		fmt.Fprintf(&block, "https://example.com/%04d?%s\n", i, pad)
	}
	pr, pw := io.Pipe()
	mw := multipart.NewWriter(pw)
	go func() {
		mw.WriteField("squid", "big")
		h := textproto.MIMEHeader{}
		h.Set("Content-Disposition", `form-data; name="file"; filename="big.csv"`)
		h.Set("Content-Type", "text/csv")
		part, _ := mw.CreatePart(h)
		io.WriteString(part, "url\n")
		for written := 0; written < size; written += block.Len() {
			if _, err := part.Write(block.Bytes()); err != nil {
				pw.CloseWithError(err)
				return
			}
		}
		pw.CloseWithError(mw.Close())
	}()
	req, err := http.NewRequest("POST", srv.URL+"/tasks/upload", pr)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Token "+srv.Token)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	resp, err := srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("upload: %d %s", resp.StatusCode, b)
	}
	up := decode[models.Upload](t, response{status: resp.StatusCode, body: b})
	m := metaOf(t, checkUntilDone(t, srv, up.Id))
	rows := (size + block.Len() - 1) / block.Len() * 1000
	if m.Inserted != 1000 || m.Valid != rows || m.Duplicates != rows-1000 || m.Invalid != 0 {
		t.Errorf("meta %+v, want %d valid, 1000 inserted, %d duplicates", m, rows, rows-1000)
	}
	if n := len(srv.Tasks("big")); n != 1000 {
		t.Errorf("%d tasks in the squid, want 1000", n)
	}
}
