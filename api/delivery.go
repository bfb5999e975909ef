package api

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"

	"github.com/lobstr-go/lobstr/gen"
	"github.com/lobstr-go/lobstr/gen/models"
)

// The models of the delivery answers that hold no secret, generated from the document.
type (
	// EmailDelivery is a squid's email channel as Configure Delivery answers it.
	EmailDelivery = models.EmailDeliveryResult
	// GoogleSheetDelivery is a squid's Google Sheets channel as answered.
	GoogleSheetDelivery = models.GoogleSheetSettings
	// WebhookDelivery is a squid's webhook channel as answered.
	WebhookDelivery = models.WebhookSettings
	// WebhookEvents are the run events a webhook receives.
	WebhookEvents = models.WebhookEvents
	// DeliveryTest is the outcome of a delivery test: Success, and for a webhook the status
	// it answered.
	DeliveryTest = models.DeliveryTest
)

// Bool returns a pointer to b, for the optional flags of the delivery options.
func Bool(b bool) *bool { return &b }

// EmailOptions configure a squid's email channel. The API requires both fields, so
// Notifications is always sent: true when left nil, as the official SDK sends it.
type EmailOptions struct {
	Email         string // required: the address that receives the exports
	Notifications *bool  // an email when a run finishes (nil: true)
}

// GoogleSheetOptions configure a squid's Google Sheets channel.
type GoogleSheetOptions struct {
	URL    string // required: a sheet shared as editable by anyone with the link
	Append *bool  // append each export instead of replacing the sheet (default: false)
	Active *bool  // the channel is on (default: true)
}

// S3Options configure a squid's Amazon S3 channel. Without keys the bucket's policy must
// allow public writes. SecretKey is a Secret: never printed, never in an error.
type S3Options struct {
	Bucket     string // required
	TargetPath string // required: the folder; files go to s3://bucket/target_path/<file>.csv
	AccessKey  string // the access key id; "" for none
	SecretKey  Secret // the secret access key; "" for none
	Active     *bool  // the channel is on (default: true)
}

// SFTPOptions configure a squid's SFTP channel. Password is a Secret.
type SFTPOptions struct {
	Host      string // required
	Port      int    // 0: not sent (server default 22)
	Username  string // required
	Password  Secret // required
	Directory string // required; it must exist on the server
	Active    *bool  // the channel is on (default: true)
}

// WebhookOptions configure a squid's webhook channel. An event left nil is not sent (the
// server's defaults: run.done and run.error on, run.running and run.paused off).
type WebhookOptions struct {
	URL       string // required: answers 200, 201 or 202 within 30 s
	Active    *bool  // the webhook is on (default: true)
	Retry     *bool  // retry a failed delivery, 3 times 15 minutes apart (default: true)
	OnRunning *bool  // run.running: a run starts or resumes
	OnPaused  *bool  // run.paused: a run is paused
	OnDone    *bool  // run.done: a run finished without errors
	OnError   *bool  // run.error: a run crashed
}

// S3Delivery is a squid's S3 channel as Configure Delivery answers it: the server answers
// the keys back; SecretKey is a Secret, so printing the value shows no key.
type S3Delivery struct {
	Bucket     string `json:"bucket"`
	TargetPath string `json:"target_path"`
	AccessKey  string `json:"aws_access_key,omitempty"`
	SecretKey  Secret `json:"aws_secret_key,omitempty"`
	Active     *bool  `json:"is_active,omitempty"`
}

// SFTPDelivery is a squid's SFTP channel as answered; Password is a Secret.
type SFTPDelivery struct {
	Host      string `json:"host"`
	Port      int    `json:"port"`
	Username  string `json:"username"`
	Password  Secret `json:"password"`
	Directory string `json:"directory"`
	Active    *bool  `json:"is_active,omitempty"`
}

// configure posts one channel's block to Configure Delivery and decodes the answer's
// block (under key, or the whole body for email) into out. secrets are redacted from any
// error. Configuring is idempotent (a block replaces the channel), so it is retried.
func (s *DeliveryService) configure(ctx context.Context, op, squid, key string, block any, out any, secrets ...string) error {
	if squid == "" {
		return argError(op, "squid", "empty; a squid id is required")
	}
	var body []byte
	var err error
	if key == "" {
		body, err = json.Marshal(block)
	} else {
		body, err = json.Marshal(map[string]any{key: block})
	}
	if err != nil {
		return fmt.Errorf("api: %s: encoding the request failed", op) // never the values
	}
	resp, err := s.client.do(ctx, request{op: op, retryable: true, build: func(base string) (*http.Request, error) {
		return gen.NewConfigureDeliveryRequestWithBody(base, &models.ConfigureDeliveryParams{Squid: squid}, "application/json", bytes.NewReader(body))
	}})
	if err != nil {
		return redactSecrets(s.client.cred.redactError(err), secrets)
	}
	target := out
	if key != "" {
		var wrapped map[string]json.RawMessage
		if err := decode(op, resp, &wrapped); err != nil {
			return redactSecrets(err, secrets)
		}
		raw, ok := wrapped[key]
		if !ok {
			// The official SDK reads a flat block too.
			raw = resp.body
		}
		resp = response{status: resp.status, header: resp.header, body: raw}
	}
	if err := decode(op, resp, target); err != nil {
		return redactSecrets(err, secrets)
	}
	return nil
}

// Email configures a squid's email channel.
func (s *DeliveryService) Email(ctx context.Context, squid string, o EmailOptions) (*EmailDelivery, error) {
	const op = "Delivery.Email"
	if !strings.Contains(o.Email, "@") {
		return nil, argError(op, "Email", "%q is not an email address", clip(o.Email, 60))
	}
	body := map[string]any{"email": o.Email, "notifications": true} // required by the API
	if o.Notifications != nil {
		body["notifications"] = *o.Notifications
	}
	var out EmailDelivery
	if err := s.configure(ctx, op, squid, "", body, &out); err != nil {
		return nil, err
	}
	if out.Email == "" {
		return nil, fmt.Errorf("api: %s: the answer is not an email channel (no email)", op)
	}
	return &out, nil
}

// GoogleSheet configures a squid's Google Sheets channel (exports are capped at 100,000
// rows).
func (s *DeliveryService) GoogleSheet(ctx context.Context, squid string, o GoogleSheetOptions) (*GoogleSheetDelivery, error) {
	const op = "Delivery.GoogleSheet"
	if o.URL == "" {
		return nil, argError(op, "URL", "empty; want the sheet's address")
	}
	block := map[string]any{"url": o.URL}
	setBool(block, "append", o.Append)
	setBool(block, "is_active", o.Active)
	var out GoogleSheetDelivery
	if err := s.configure(ctx, op, squid, "google_sheet_fields", block, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// S3 configures a squid's Amazon S3 channel. The secret key never appears in an error.
func (s *DeliveryService) S3(ctx context.Context, squid string, o S3Options) (*S3Delivery, error) {
	const op = "Delivery.S3"
	switch {
	case o.Bucket == "":
		return nil, argError(op, "Bucket", "empty; want the bucket's name")
	case o.TargetPath == "":
		return nil, argError(op, "TargetPath", "empty; want the folder in the bucket")
	case (o.AccessKey == "") != (o.SecretKey == ""):
		return nil, argError(op, "AccessKey, SecretKey", "give both keys or neither")
	}
	block := map[string]any{"bucket": o.Bucket, "target_path": o.TargetPath}
	if o.AccessKey != "" {
		block["aws_access_key"], block["aws_secret_key"] = o.AccessKey, string(o.SecretKey)
	}
	setBool(block, "is_active", o.Active)
	var out S3Delivery
	if err := s.configure(ctx, op, squid, "s3_fields", block, &out, string(o.SecretKey)); err != nil {
		return nil, err
	}
	return &out, nil
}

// SFTP configures a squid's SFTP channel. The password never appears in an error.
func (s *DeliveryService) SFTP(ctx context.Context, squid string, o SFTPOptions) (*SFTPDelivery, error) {
	const op = "Delivery.SFTP"
	block, err := sftpBlock(op, o.Host, o.Port, o.Username, o.Password, o.Directory)
	if err != nil {
		return nil, err
	}
	setBool(block, "is_active", o.Active)
	var out SFTPDelivery
	if err := s.configure(ctx, op, squid, "ftp_fields", block, &out, string(o.Password)); err != nil {
		return nil, err
	}
	return &out, nil
}

func sftpBlock(op, host string, port int, user string, password Secret, dir string) (map[string]any, error) {
	switch {
	case host == "":
		return nil, argError(op, "Host", "empty; want the server's host name")
	case port < 0 || port > 65535:
		return nil, argError(op, "Port", "%d; want 1 to 65535 (0 for the default, 22)", port)
	case user == "":
		return nil, argError(op, "Username", "empty")
	case password == "":
		return nil, argError(op, "Password", "empty")
	case dir == "":
		return nil, argError(op, "Directory", "empty; want a directory that exists on the server")
	}
	block := map[string]any{"host": host, "username": user, "password": string(password), "directory": dir}
	if port > 0 {
		block["port"] = port
	}
	return block, nil
}

// Webhook configures a squid's webhook channel; it replaces the webhook the squid had.
func (s *DeliveryService) Webhook(ctx context.Context, squid string, o WebhookOptions) (*WebhookDelivery, error) {
	const op = "Delivery.Webhook"
	if !strings.HasPrefix(o.URL, "https://") && !strings.HasPrefix(o.URL, "http://") {
		return nil, argError(op, "URL", "%q is not an http or https address", clip(o.URL, 80))
	}
	block := map[string]any{"url": o.URL}
	setBool(block, "is_active", o.Active)
	setBool(block, "retry", o.Retry)
	events := map[string]any{}
	setBool(events, "run.running", o.OnRunning)
	setBool(events, "run.paused", o.OnPaused)
	setBool(events, "run.done", o.OnDone)
	setBool(events, "run.error", o.OnError)
	if len(events) > 0 {
		block["events"] = events
	}
	var out WebhookDelivery
	if err := s.configure(ctx, op, squid, "webhook_fields", block, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

func setBool(m map[string]any, key string, b *bool) {
	if b != nil {
		m[key] = *b
	}
}

// test posts to a test route. Tests are not retried: a retried test sends a second email
// or event.
func (s *DeliveryService) test(ctx context.Context, op string, build func(base string, body *bytes.Reader) (*http.Request, error), body any, secrets ...string) (*DeliveryTest, error) {
	b, err := json.Marshal(body)
	if err != nil {
		return nil, fmt.Errorf("api: %s: encoding the request failed", op)
	}
	t, err := send(ctx, s.client, request{op: op, build: func(base string) (*http.Request, error) {
		return build(base, bytes.NewReader(b))
	}}, "a test outcome", func(*DeliveryTest) bool { return true })
	return t, redactSecrets(err, secrets)
}

// TestEmail checks that an address can receive exports (Test Delivery, email).
func (s *DeliveryService) TestEmail(ctx context.Context, email string) (*DeliveryTest, error) {
	const op = "Delivery.TestEmail"
	if !strings.Contains(email, "@") {
		return nil, argError(op, "email", "%q is not an email address", clip(email, 60))
	}
	return s.test(ctx, op, func(base string, r *bytes.Reader) (*http.Request, error) {
		return gen.NewTestEmailDeliveryRequestWithBody(base, "application/json", r)
	}, map[string]any{"email": email})
}

// TestGoogleSheet checks that a sheet is shared for editing (Test Delivery, Google Sheet).
func (s *DeliveryService) TestGoogleSheet(ctx context.Context, url string) (*DeliveryTest, error) {
	const op = "Delivery.TestGoogleSheet"
	if url == "" {
		return nil, argError(op, "url", "empty; want the sheet's address")
	}
	return s.test(ctx, op, func(base string, r *bytes.Reader) (*http.Request, error) {
		return gen.NewTestGoogleSheetDeliveryRequestWithBody(base, "application/json", r)
	}, map[string]any{"url": url})
}

// TestWebhook sends a test event to an address (Test Delivery, webhook); StatusCode is
// what it answered.
func (s *DeliveryService) TestWebhook(ctx context.Context, url string) (*DeliveryTest, error) {
	const op = "Delivery.TestWebhook"
	if !strings.HasPrefix(url, "https://") && !strings.HasPrefix(url, "http://") {
		return nil, argError(op, "url", "%q is not an http or https address", clip(url, 80))
	}
	return s.test(ctx, op, func(base string, r *bytes.Reader) (*http.Request, error) {
		return gen.NewTestWebhookDeliveryRequestWithBody(base, "application/json", r)
	}, map[string]any{"url": url})
}

// TestS3 checks that a bucket can be written (Test Delivery, S3), with the keys or
// without. The secret key never appears in an error.
func (s *DeliveryService) TestS3(ctx context.Context, bucket, accessKey string, secretKey Secret) (*DeliveryTest, error) {
	const op = "Delivery.TestS3"
	switch {
	case bucket == "":
		return nil, argError(op, "bucket", "empty; want the bucket's name")
	case (accessKey == "") != (secretKey == ""):
		return nil, argError(op, "accessKey, secretKey", "give both keys or neither")
	}
	body := map[string]any{"bucket": bucket}
	if accessKey != "" {
		body["aws_access_key"], body["aws_secret_key"] = accessKey, string(secretKey)
	}
	return s.test(ctx, op, func(base string, r *bytes.Reader) (*http.Request, error) {
		return gen.NewTestS3DeliveryRequestWithBody(base, "application/json", r)
	}, body, string(secretKey))
}

// TestSFTP checks that lobstr.io can log in to a server and reach a directory (Test
// Delivery, SFTP). Port 0 sends 22. The password never appears in an error.
func (s *DeliveryService) TestSFTP(ctx context.Context, o SFTPOptions) (*DeliveryTest, error) {
	const op = "Delivery.TestSFTP"
	block, err := sftpBlock(op, o.Host, o.Port, o.Username, o.Password, o.Directory)
	if err != nil {
		return nil, err
	}
	if o.Port == 0 {
		block["port"] = 22 // the route requires it
	}
	return s.test(ctx, op, func(base string, r *bytes.Reader) (*http.Request, error) {
		return gen.NewTestSFTPDeliveryRequestWithBody(base, "application/json", r)
	}, block, string(o.Password))
}
