package api_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/lobstr-go/lobstr/api"
	"github.com/lobstr-go/lobstr/api/apitest"
)

// fixtureClient is a client of a test server that answers every request with the fixture
// under fixtures/docs/ and status, byte for byte.
func fixtureClient(t *testing.T, status int, name string) *api.Client {
	t.Helper()
	c, err := api.NewClient(api.WithBaseURL(serveFixture(t, status, "docs/"+name)), api.WithToken("test-token"), api.WithMaxRetries(0), api.WithoutPacing())
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// block returns the object under key in a fixture (the whole fixture when key is "").
func block(t *testing.T, name, key string) []byte {
	t.Helper()
	raw := readFixture(t, "docs/"+name)
	if key == "" {
		return raw
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(raw, &m); err != nil {
		t.Fatal(err)
	}
	return m[key]
}

const (
	acct  = "d3e97f2cd33658f301bdbe807402ab30"
	syncT = "75bed0d425c4bc1912a17fe9fc4dd2a1"
	squid = "c106a44a98044ef18acc59986ae10967"
)

// Every documented success body of the accounts, delivery and chain operations, served
// verbatim by a test server, is decoded by the client's method, and the value it returns
// encodes back to the body (or, where the client unwraps, to the part it returns).
func TestDocumentedBodiesVerbatim(t *testing.T) {
	ctx := t.Context()
	sfp := api.SFTPOptions{Host: "sftp.example.com", Username: "user", Password: "password", Directory: "/upload/path"}
	cases := []struct {
		fixture, key string // the body, and the part of it the method returns ("" all)
		status       int
		call         func(c *api.Client) (any, error)
	}{
		{"list-accounts.200.json", "", 200, func(c *api.Client) (any, error) { return c.Accounts.List(ctx, api.ListAccountsOptions{}) }},
		{"update-account-limits.200.json", "", 200, func(c *api.Client) (any, error) {
			return c.Accounts.UpdateLimits(ctx, "2372242060b59e03ac39f7691765bbf8", "sales-nav-sync", map[string]int{"batch": 20})
		}},
		{"delete-account.200.json", "", 200, func(c *api.Client) (any, error) { return c.Accounts.Delete(ctx, acct) }},
		{"list-account-types.200.json", "data", 200, func(c *api.Client) (any, error) { return c.Accounts.Types(ctx) }},
		{"sync-account.200.json", "", 200, func(c *api.Client) (any, error) {
			return c.Accounts.Sync(ctx, "twitter-sync", api.Cookies{"auth_token": "a", "ct0": "b"})
		}},
		{"refresh-cookies.200.json", "", 200, func(c *api.Client) (any, error) {
			return c.Accounts.Refresh(ctx, "abfeb440ceccdfab974e8d261836c9d6", "twitter-sync", api.Cookies{"auth_token": "a"})
		}},
		{"check-sync-status.120.json", "", 200, func(c *api.Client) (any, error) { return c.Accounts.SyncStatus(ctx, syncT) }},
		{"check-sync-status.200.json", "", 200, func(c *api.Client) (any, error) { return c.Accounts.SyncStatus(ctx, syncT) }},
		{"configure-email-delivery.201.json", "", 201, func(c *api.Client) (any, error) {
			return c.Delivery.Email(ctx, squid, api.EmailOptions{Email: "user@example.com"})
		}},
		{"configure-google-sheet-delivery.201.json", "google_sheet_fields", 201, func(c *api.Client) (any, error) {
			return c.Delivery.GoogleSheet(ctx, squid, api.GoogleSheetOptions{URL: "https://docs.google.com/spreadsheets/d/x"})
		}},
		{"configure-s3-delivery.201.json", "s3_fields", 201, func(c *api.Client) (any, error) {
			return c.Delivery.S3(ctx, squid, api.S3Options{Bucket: "my-bucket", TargetPath: "exports"})
		}},
		{"configure-sftp-delivery.201.json", "ftp_fields", 201, func(c *api.Client) (any, error) { return c.Delivery.SFTP(ctx, squid, sfp) }},
		{"configure-webhook-delivery.201.json", "webhook_fields", 201, func(c *api.Client) (any, error) {
			return c.Delivery.Webhook(ctx, squid, api.WebhookOptions{URL: "https://your-webhook.com/endpoint"})
		}},
		{"test-delivery.200.json", "", 200, func(c *api.Client) (any, error) { return c.Delivery.TestWebhook(ctx, "https://x.example/hook") }},
		{"configure-squid-chain.201.json", "", 201, func(c *api.Client) (any, error) {
			return c.Squids.SetChain(ctx, squid, api.ChainOptions{TargetCrawler: "9a3f1c8b2e7d4a56f0e1b2c3d4e5f678", FieldMap: map[string]string{"url": "url"}})
		}},
		{"get-squid-chain.200.json", "", 200, func(c *api.Client) (any, error) { return c.Squids.Chain(ctx, squid) }},
		{"update-squid-chain.200.json", "", 200, func(c *api.Client) (any, error) {
			return c.Squids.UpdateChain(ctx, squid, api.ChainUpdate{Autostart: api.Bool(false)})
		}},
	}
	for _, tc := range cases {
		t.Run(tc.fixture, func(t *testing.T) {
			v, err := tc.call(fixtureClient(t, tc.status, tc.fixture))
			if err != nil {
				t.Fatal(err)
			}
			if !jsonEqual(t, mustJSON(t, v), block(t, tc.fixture, tc.key)) {
				t.Errorf("re-encoded:\n%s\nwant:\n%s", mustJSON(t, v), block(t, tc.fixture, tc.key))
			}
		})
	}
	t.Run("get-account-details.200.json", func(t *testing.T) {
		a, err := fixtureClient(t, 200, "get-account-details.200.json").Accounts.Get(ctx, acct)
		if err != nil {
			t.Fatal(err)
		}
		var page struct{ Data []json.RawMessage }
		if err := json.Unmarshal(readFixture(t, "docs/get-account-details.200.json"), &page); err != nil {
			t.Fatal(err)
		}
		if !jsonEqual(t, mustJSON(t, a), page.Data[0]) {
			t.Errorf("Get returned %s, want the envelope's account %s", mustJSON(t, a), page.Data[0])
		}
	})
	t.Run("get-squid-chain.200-2.json", func(t *testing.T) {
		c, err := fixtureClient(t, 200, "get-squid-chain.200-2.json").Squids.Chain(ctx, squid)
		if err != nil || c != nil {
			t.Errorf("Chain of the documented null = %v, %v; want nil, nil", c, err)
		}
	})
	t.Run("delete chain 204", func(t *testing.T) {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(204) }))
		defer srv.Close()
		c, _ := api.NewClient(api.WithBaseURL(srv.URL+"/v1"), api.WithToken("test-token"))
		if err := c.Squids.DeleteChain(ctx, squid); err != nil {
			t.Error(err)
		}
	})
}

// Every documented error body of these operations, served verbatim, is an *Error that keeps
// the body and reads its message.
func TestDocumentedErrorBodies(t *testing.T) {
	ctx := t.Context()
	cases := []struct {
		fixture string
		status  int
		message string
		call    func(c *api.Client) error
	}{
		{"list-accounts.401.json", 401, "Invalid token.", func(c *api.Client) error { _, err := c.Accounts.List(ctx, api.ListAccountsOptions{}); return err }},
		{"get-account-details.401.json", 401, "Invalid token.", func(c *api.Client) error { _, err := c.Accounts.Get(ctx, acct); return err }},
		{"get-account-details.404.json", 404, "Not found.", func(c *api.Client) error { _, err := c.Accounts.Get(ctx, acct); return err }},
		{"sync-account.400.json", 400, "Invalid account type or missing required cookies.", func(c *api.Client) error {
			_, err := c.Accounts.Sync(ctx, "x-sync", api.Cookies{"a": "b"})
			return err
		}},
		{"sync-account.401.json", 401, "Invalid token.", func(c *api.Client) error {
			_, err := c.Accounts.Sync(ctx, "x-sync", api.Cookies{"a": "b"})
			return err
		}},
		{"refresh-cookies.400.json", 400, "Invalid cookies or account type mismatch.", func(c *api.Client) error {
			_, err := c.Accounts.Refresh(ctx, acct, "x-sync", api.Cookies{"a": "b"})
			return err
		}},
		{"refresh-cookies.404.json", 404, "Account not found.", func(c *api.Client) error {
			_, err := c.Accounts.Refresh(ctx, acct, "x-sync", api.Cookies{"a": "b"})
			return err
		}},
		{"check-sync-status.404.json", 404, "Synchronization task not found.", func(c *api.Client) error { _, err := c.Accounts.SyncStatus(ctx, syncT); return err }},
		{"update-account-limits.400.json", 400, "Invalid parameters. Check account hash and type.", func(c *api.Client) error {
			_, err := c.Accounts.UpdateLimits(ctx, acct, "t", map[string]int{"batch": 1})
			return err
		}},
		{"update-account-limits.404.json", 404, "Account not found.", func(c *api.Client) error {
			_, err := c.Accounts.UpdateLimits(ctx, acct, "t", map[string]int{"batch": 1})
			return err
		}},
		{"delete-account.404.json", 404, "Account not found.", func(c *api.Client) error { _, err := c.Accounts.Delete(ctx, acct); return err }},
		{"configure-squid-chain.400.json", 400, "field_map is required and must be a dict.", setChain},
		{"configure-squid-chain.409.json", 409, "This squid already has a chain configured.", setChain},
		{"configure-squid-chain.422.json", 422, "Chain depth limit of 3 reached.", setChain},
		{"update-squid-chain.404.json", 404, "No chain configured on this squid.", func(c *api.Client) error {
			_, err := c.Squids.UpdateChain(ctx, squid, api.ChainUpdate{Autostart: api.Bool(true)})
			return err
		}},
		{"delete-squid-chain.404.json", 404, "No chain configured on this squid.", func(c *api.Client) error { return c.Squids.DeleteChain(ctx, squid) }},
	}
	for _, tc := range cases {
		t.Run(tc.fixture, func(t *testing.T) {
			err := tc.call(fixtureClient(t, tc.status, tc.fixture))
			var e *api.Error
			if !errors.As(err, &e) {
				t.Fatalf("err = %v, want an *api.Error", err)
			}
			if e.StatusCode != tc.status || e.Message != tc.message || !jsonEqual(t, e.Body, readFixture(t, "docs/"+tc.fixture)) {
				t.Errorf("got %d %q %s; want %d %q and the body", e.StatusCode, e.Message, e.Body, tc.status, tc.message)
			}
		})
	}
}

func setChain(c *api.Client) error {
	_, err := c.Squids.SetChain(context.Background(), squid, api.ChainOptions{TargetCrawler: "9a3f1c8b2e7d4a56f0e1b2c3d4e5f678", FieldMap: map[string]string{"url": "url"}})
	return err
}

// The secrets of these tests: cookie values, an S3 secret key, an SFTP password.
const (
	cookieSecret = "AQEDAR-cookie-li-at-Zx91"
	csrfSecret   = "ajax:7315-csrf-secret"
	s3Secret     = "wJalrXUtnFEMI/K7MDENG+bPxRfiCY"
	sftpSecret   = "p@ss \"word\" <&> 42"
)

// echoServer answers every request with status and a body that quotes the request's body
// twice: as received, and as a JSON string (escaped), in the detail shape.
func echoServer(t *testing.T, status int) string {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var b strings.Builder
		buf := make([]byte, 4096)
		for {
			n, err := r.Body.Read(buf)
			b.Write(buf[:n])
			if err != nil {
				break
			}
		}
		quoted, _ := json.Marshal("you sent " + b.String())
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		fmt.Fprintf(w, `{"detail": %s, "echo": %s}`, quoted, b.String())
	}))
	t.Cleanup(srv.Close)
	return srv.URL + "/v1"
}

// secretCalls are the account and delivery calls that send secrets.
func secretCalls(ctx context.Context) map[string]func(c *api.Client) (any, error) {
	cookies := api.Cookies{"li_at": cookieSecret, "JSESSIONID": csrfSecret}
	sftp := api.SFTPOptions{Host: "h.example", Username: "u", Password: sftpSecret, Directory: "/d"}
	return map[string]func(c *api.Client) (any, error){
		"Sync":    func(c *api.Client) (any, error) { return c.Accounts.Sync(ctx, "linkedin-sync", cookies) },
		"Refresh": func(c *api.Client) (any, error) { return c.Accounts.Refresh(ctx, acct, "linkedin-sync", cookies) },
		"S3": func(c *api.Client) (any, error) {
			return c.Delivery.S3(ctx, squid, api.S3Options{Bucket: "b", TargetPath: "p", AccessKey: "AKIA", SecretKey: s3Secret})
		},
		"SFTP":     func(c *api.Client) (any, error) { return c.Delivery.SFTP(ctx, squid, sftp) },
		"TestS3":   func(c *api.Client) (any, error) { return c.Delivery.TestS3(ctx, "b", "AKIA", s3Secret) },
		"TestSFTP": func(c *api.Client) (any, error) { return c.Delivery.TestSFTP(ctx, sftp) },
	}
}

// noSecrets fails when any of the secrets shows in text.
func noSecrets(t *testing.T, what, text string) {
	t.Helper()
	for _, s := range []string{cookieSecret, csrfSecret, s3Secret, sftpSecret} {
		esc, _ := json.Marshal(s)
		for _, form := range []string{s, string(esc[1 : len(esc)-1])} {
			if strings.Contains(text, form) {
				t.Errorf("%s shows the secret %q:\n%s", what, s, text)
			}
		}
	}
}

// A server that echoes the request (secrets included) in its error bodies gets none of the
// secrets into the error: its text, %v, %+v, %#v, and the *Error's fields and body. Nor do
// the client's own errors (bad arguments, a body that is not the documented JSON, a network
// failure) or the values printed with fmt.
func TestSecretsNeverInErrors(t *testing.T) {
	ctx := t.Context()
	for _, status := range []int{400, 404, 500} {
		base := echoServer(t, status)
		c, _ := api.NewClient(api.WithBaseURL(base), api.WithToken("test-token"), api.WithMaxRetries(0), api.WithoutPacing())
		for name, call := range secretCalls(ctx) {
			v, err := call(c)
			if err == nil || v != nil && !isNilPtr(v) {
				t.Fatalf("%s against a %d: %v, %v; want an error", name, status, v, err)
			}
			var e *api.Error
			if !errors.As(err, &e) || e.StatusCode != status {
				t.Fatalf("%s: err %v is not the %d *api.Error", name, err, status)
			}
			if !strings.Contains(string(e.Body), "[redacted]") {
				t.Errorf("%s: the echoed body was not redacted, or not echoed: %s", name, e.Body)
			}
			noSecrets(t, name+" error", fmt.Sprintf("%s\n%v\n%+v\n%#v\n%s\n%s %s %s", err.Error(), err, err, err, e.Body, e.Message, e.Type, e.Param))
		}
	}
	// A 200 that is not the documented JSON, echoing the request.
	c, _ := api.NewClient(api.WithBaseURL(echoServerRaw(t)), api.WithToken("test-token"), api.WithMaxRetries(0), api.WithoutPacing())
	for name, call := range secretCalls(ctx) {
		if _, err := call(c); err != nil {
			noSecrets(t, name+" decode error", fmt.Sprintf("%v %+v %#v", err, err, err))
		}
	}
	// A network failure.
	ln := listenLoopback(t)
	addr := ln.Addr().String()
	ln.Close()
	c, _ = api.NewClient(api.WithBaseURL("http://"+addr+"/v1"), api.WithToken("test-token"), api.WithMaxRetries(0), api.WithoutPacing())
	for name, call := range secretCalls(ctx) {
		_, err := call(c)
		if err == nil {
			t.Fatalf("%s: no error from a closed port", name)
		}
		noSecrets(t, name+" network error", fmt.Sprintf("%v %+v %#v", err, err, err))
	}
	// Arguments refused before any request.
	for name, err := range map[string]error{
		"empty cookie": func() error {
			_, err := c.Accounts.Sync(ctx, "t", api.Cookies{"li_at": cookieSecret, "x": ""})
			return err
		}(),
		"one key only": func() error {
			_, err := c.Delivery.S3(ctx, squid, api.S3Options{Bucket: "b", TargetPath: "p", SecretKey: s3Secret})
			return err
		}(),
		"no directory": func() error {
			_, err := c.Delivery.SFTP(ctx, squid, api.SFTPOptions{Host: "h", Username: "u", Password: sftpSecret})
			return err
		}(),
	} {
		if err == nil {
			t.Errorf("%s: no error", name)
			continue
		}
		noSecrets(t, name, fmt.Sprintf("%v %+v %#v", err, err, err))
	}
	// The values themselves.
	opts := api.S3Options{Bucket: "b", TargetPath: "p", AccessKey: "AKIA", SecretKey: s3Secret}
	cookies := api.Cookies{"li_at": cookieSecret, "JSESSIONID": csrfSecret}
	sftp := api.SFTPDelivery{Host: "h", Password: sftpSecret}
	text := fmt.Sprintf("%v %+v %#v %s %q %x %v %+v %#v %s %v %+v %#v", opts, opts, opts, opts.SecretKey, opts.SecretKey, opts.SecretKey,
		cookies, cookies, cookies, cookies, sftp, &sftp, sftp)
	noSecrets(t, "fmt of the values", text)
	if !strings.Contains(text, "li_at") || !strings.Contains(text, "[redacted]") {
		t.Errorf("the cookies' names should show, their values redacted: %s", text)
	}
}

func isNilPtr(v any) bool {
	b, _ := json.Marshal(v)
	return string(b) == "null"
}

// echoServerRaw answers 200 with a body that is not the documented JSON and echoes the
// request.
func echoServerRaw(t *testing.T) string {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		buf := make([]byte, 4096)
		n, _ := r.Body.Read(buf)
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprintf(w, `[%q]`, buf[:n])
	}))
	t.Cleanup(srv.Close)
	return srv.URL + "/v1"
}

// Against the fake: a new account syncs through 100, 120 and 200 over polls, is listed and
// shown (Get unwraps the envelope), gets limits, and is deleted; a sync with a refused
// cookie ends in a *SyncFailedError.
func TestAccountsAgainstTheFake(t *testing.T) {
	srv := apitest.NewServer(t)
	srv.SetSyncPolls(2)
	c, _ := api.NewClient(api.WithBaseURL(srv.URL), api.WithToken(srv.Token))
	ctx := t.Context()
	types, err := c.Accounts.Types(ctx)
	if err != nil || len(types) < 3 {
		t.Fatalf("Types = %d, %v", len(types), err)
	}
	task, err := c.Accounts.Sync(ctx, "twitter-sync", api.Cookies{"auth_token": "tok-123456", "ct0": "csrf-123456"})
	if err != nil || task.StatusCode != api.SyncCreated {
		t.Fatalf("Sync = %+v, %v", task, err)
	}
	var seen []int
	done, err := c.Accounts.WaitSync(ctx, task.Id, api.WithPollInterval(time.Millisecond), api.OnSyncProgress(func(s *api.SyncTask) { seen = append(seen, s.StatusCode) }))
	if err != nil || done.StatusCode != api.SyncSynchronized || done.AccountHash == nil {
		t.Fatalf("WaitSync = %+v, %v", done, err)
	}
	if fmt.Sprint(seen) != "[120 120 200]" {
		t.Errorf("the polls saw %v, want [120 120 200]", seen)
	}
	a, err := c.Accounts.Get(ctx, *done.AccountHash)
	if err != nil || a.Id != *done.AccountHash || a.Type != "twitter-sync" || a.Status != "200" {
		t.Fatalf("Get = %+v, %v", a, err)
	}
	n := 0
	for acc, err := range c.Accounts.All(ctx, api.ListAccountsOptions{Limit: 2}) {
		if err != nil {
			t.Fatal(err)
		}
		if acc.Id == a.Id {
			n++
		}
	}
	if n != 1 {
		t.Errorf("All listed the new account %d times", n)
	}
	// Limits: a sales-nav account of the seed.
	up, err := c.Accounts.UpdateLimits(ctx, apitest.SeedLimitsAccount, "sales-nav-sync", map[string]int{"profiles": 120})
	if err != nil || *up.Params.User["profiles"].Max != 120 {
		t.Fatalf("UpdateLimits = %v", err)
	}
	if _, err := c.Accounts.UpdateLimits(ctx, apitest.SeedLimitsAccount, "sales-nav-sync", map[string]int{"profiles": 151}); !isStatus(err, 400) {
		t.Errorf("a limit over the max: %v, want a 400", err)
	}
	// Refresh with a refused cookie: the wait ends in a SyncFailedError.
	task, err = c.Accounts.Refresh(ctx, a.Id, "twitter-sync", api.Cookies{"auth_token": apitest.FailingCookie, "ct0": "x"})
	if err != nil {
		t.Fatal(err)
	}
	failed, err := c.Accounts.WaitSync(ctx, task.Id, api.WithPollInterval(time.Millisecond))
	var sf *api.SyncFailedError
	if !errors.As(err, &sf) || !api.IsSyncFailed(err) || failed == nil || failed.StatusCode < 400 {
		t.Fatalf("WaitSync of a refused cookie = %+v, %v; want a SyncFailedError", failed, err)
	}
	if _, err := c.Accounts.Refresh(ctx, a.Id, "facebook-sync", api.Cookies{"c_user": "1", "xs": "2"}); !isStatus(err, 400) {
		t.Errorf("a refresh of another type: %v, want 400", err)
	}
	if _, err := c.Accounts.Delete(ctx, a.Id); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Accounts.Get(ctx, a.Id); !api.IsNotFound(err) {
		t.Errorf("Get after Delete: %v, want a 404", err)
	}
	if _, err := c.Accounts.SyncStatus(ctx, strings.Repeat("0", 32)); !api.IsNotFound(err) {
		t.Errorf("an unknown sync: %v, want a 404", err)
	}
}

func isStatus(err error, code int) bool {
	var e *api.Error
	return errors.As(err, &e) && e.StatusCode == code
}

// Against the fake: each channel is stored on the squid and shown by Get Squid (without its
// secrets); only what was set is sent, the server's defaults apply to the rest; the test
// routes answer.
func TestDeliveryAgainstTheFake(t *testing.T) {
	srv := apitest.NewServer(t)
	c, _ := api.NewClient(api.WithBaseURL(srv.URL), api.WithToken(srv.Token))
	ctx := t.Context()
	sq := apitest.SeedDetailsSquid
	if _, err := c.Delivery.Webhook(ctx, sq, api.WebhookOptions{URL: "https://hooks.example/x", OnRunning: api.Bool(true)}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Delivery.S3(ctx, sq, api.S3Options{Bucket: "bkt", TargetPath: "out", AccessKey: "AKIA1", SecretKey: s3Secret}); err != nil {
		t.Fatal(err)
	}
	got, err := c.Delivery.SFTP(ctx, sq, api.SFTPOptions{Host: "h.example", Username: "u", Password: sftpSecret, Directory: "/in"})
	if err != nil || got.Port != 22 || got.Password != sftpSecret {
		t.Fatalf("SFTP = %+v, %v; want the default port and the password back", got, err)
	}
	em, err := c.Delivery.Email(ctx, sq, api.EmailOptions{Email: "me@example.com", Notifications: api.Bool(true)})
	if err != nil || !em.Notifications || !em.NotificationsActivationDate.IsPresent() {
		t.Fatalf("Email = %+v, %v", em, err)
	}
	stored, _ := srv.Delivery(sq)
	var m map[string]map[string]any
	if err := json.Unmarshal(stored, &m); err != nil {
		t.Fatal(err)
	}
	ev := m["webhook_fields"]["events"].(map[string]any)
	if ev["run.running"] != true || ev["run.done"] != true || m["webhook_fields"]["retry"] != true {
		t.Errorf("the webhook stored %v: want run.running set and the defaults for the rest", m["webhook_fields"])
	}
	if _, ok := m["google_sheet_fields"]; ok {
		t.Error("a channel never configured is stored")
	}
	req, _ := http.NewRequestWithContext(ctx, "GET", srv.URL+"/squids/"+sq, nil)
	req.Header.Set("Authorization", "Token "+srv.Token)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	var details map[string]any
	err = json.NewDecoder(res.Body).Decode(&details)
	res.Body.Close()
	if err != nil {
		t.Fatal(err)
	}
	noSecrets(t, "Get Squid", string(mustJSON(t, details)))
	if s3, _ := details["s3_fields"].(map[string]any); s3["bucket"] != "bkt" || details["email"] != "me@example.com" || details["google_sheet_fields"] != nil {
		t.Errorf("Get Squid shows %v, %v, %v: want the channels configured", details["s3_fields"], details["email"], details["google_sheet_fields"])
	}
	ok, err := c.Delivery.TestWebhook(ctx, "https://hooks.example/x")
	if err != nil || !ok.Success || ok.StatusCode == nil || *ok.StatusCode != 200 {
		t.Errorf("TestWebhook = %+v, %v", ok, err)
	}
	bad, err := c.Delivery.TestWebhook(ctx, "https://nowhere.invalid/x")
	if err != nil || bad.Success {
		t.Errorf("TestWebhook of a .invalid host = %+v, %v; want no success", bad, err)
	}
	if _, err := c.Delivery.Email(ctx, "no-such-squid", api.EmailOptions{Email: "a@b.c"}); !api.IsNotFound(err) {
		t.Errorf("an unknown squid: %v, want a 404", err)
	}
}

// Against the fake: a chain is made, read, updated and removed; a second chain is a 409;
// a squid without a chain reads as nil.
func TestChainsAgainstTheFake(t *testing.T) {
	srv := apitest.NewServer(t)
	c, _ := api.NewClient(api.WithBaseURL(srv.URL), api.WithToken(srv.Token))
	ctx := t.Context()
	sq := apitest.SeedDetailsSquid
	if ch, err := c.Squids.Chain(ctx, sq); err != nil || ch != nil {
		t.Fatalf("Chain of a squid without one = %v, %v", ch, err)
	}
	opts := api.ChainOptions{TargetCrawler: apitest.SeedModule, FieldMap: map[string]string{"url": "url"}, Name: "Chained", Concurrency: 2}
	made, err := c.Squids.SetChain(ctx, sq, opts)
	if err != nil || made.TargetCluster != nil || *made.ClusterName != "Chained" {
		t.Fatalf("SetChain = %+v, %v", made, err)
	}
	if _, err := c.Squids.SetChain(ctx, sq, opts); !isStatus(err, 409) {
		t.Errorf("a second chain: %v, want 409", err)
	}
	up, err := c.Squids.UpdateChain(ctx, sq, api.ChainUpdate{Autostart: api.Bool(false)})
	if err != nil || up.Autostart || up.Id != made.Id {
		t.Fatalf("UpdateChain = %+v, %v", up, err)
	}
	if err := c.Squids.DeleteChain(ctx, sq); err != nil {
		t.Fatal(err)
	}
	if err := c.Squids.DeleteChain(ctx, sq); !api.IsNotFound(err) {
		t.Errorf("a second delete: %v, want 404", err)
	}
	if _, err := c.Squids.UpdateChain(ctx, sq, api.ChainUpdate{Autostart: api.Bool(true)}); !api.IsNotFound(err) {
		t.Errorf("an update without a chain: %v, want 404", err)
	}
}

// TestEmailAlwaysSendsNotifications: the API requires notifications in the email channel's
// block, so Delivery.Email sends it even when the caller leaves it nil (true, the official
// SDK's value), and sends false when asked.
func TestEmailAlwaysSendsNotifications(t *testing.T) {
	var got []map[string]any
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var m map[string]any
		if err := json.NewDecoder(r.Body).Decode(&m); err != nil {
			t.Errorf("body: %v", err)
		}
		got = append(got, m)
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusCreated)
		_, _ = w.Write(readFixture(t, "docs/configure-email-delivery.201.json"))
	}))
	defer srv.Close()
	c, err := api.NewClient(api.WithBaseURL(srv.URL+"/v1"), api.WithToken("test-token"), api.WithMaxRetries(0), api.WithoutPacing())
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	for _, o := range []api.EmailOptions{{Email: "a@b.c"}, {Email: "a@b.c", Notifications: api.Bool(false)}} {
		if _, err := c.Delivery.Email(ctx, "c106a44a98044ef18acc59986ae10967", o); err != nil {
			t.Fatal(err)
		}
	}
	if len(got) != 2 || got[0]["notifications"] != true || got[1]["notifications"] != false {
		t.Errorf("bodies sent %v: want notifications true when left nil, false when asked", got)
	}
}
