package apitest

import (
	"context"
	"encoding/json"
	"maps"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/lobstr-go/lobstr/gen"
)

// The channel keys of Configure Delivery's body, the fields each block requires, and the
// defaults of the flags left out (the official SDK's, as the document gives them).
var deliveryBlocks = map[string]struct {
	required []string
	defaults map[string]any
}{
	"google_sheet_fields": {[]string{"url"}, map[string]any{"append": false, "is_active": true}},
	"s3_fields":           {[]string{"bucket", "target_path"}, map[string]any{"is_active": true}},
	"ftp_fields":          {[]string{"host", "username", "password", "directory"}, map[string]any{"port": 22, "is_active": true}},
	"webhook_fields":      {[]string{"url"}, map[string]any{"is_active": true, "retry": true}},
}

// webhookEventDefaults are the events a webhook gets when its block leaves them out.
var webhookEventDefaults = map[string]any{"run.running": false, "run.paused": false, "run.done": true, "run.error": true}

// ConfigureDelivery stores one channel's settings on a squid and answers them back.
func (s *server) ConfigureDelivery(ctx context.Context, req gen.ConfigureDeliveryRequestObject) (gen.ConfigureDeliveryResponseObject, error) {
	bad := func(msg string) (gen.ConfigureDeliveryResponseObject, error) {
		return answer(ctx, http.StatusBadRequest, detail(msg)), nil
	}
	if req.Body == nil {
		return bad("The body must hold one delivery channel.")
	}
	raw, err := req.Body.MarshalJSON()
	if err != nil {
		return bad("The body is not JSON.")
	}
	var body map[string]any
	if json.Unmarshal(raw, &body) != nil || body == nil {
		return bad("The body must be a JSON object.")
	}
	var channels []string
	if _, ok := body["email"]; ok {
		channels = append(channels, "email")
	}
	for k := range deliveryBlocks {
		if _, ok := body[k]; ok {
			channels = append(channels, k)
		}
	}
	if len(channels) != 1 {
		return bad("The body must hold exactly one delivery channel: email, google_sheet_fields, s3_fields, ftp_fields or webhook_fields.")
	}
	ch := channels[0]
	f := s.f
	f.mu.Lock()
	defer f.mu.Unlock()
	if _, ok := f.squids[req.Params.Squid]; !ok {
		return answer(ctx, http.StatusNotFound, errSquidNotFound), nil
	}
	m := f.more()
	stored := m.deliveries[req.Params.Squid]
	if stored == nil {
		stored = map[string]any{}
		m.deliveries[req.Params.Squid] = stored
	}
	if ch == "email" {
		email, _ := body["email"].(string)
		notify, ok := body["notifications"].(bool)
		if _, sent := body["notifications"]; !sent {
			notify, ok = true, true // the default
		}
		if !strings.Contains(email, "@") || !ok {
			return bad("email must be an address and notifications a boolean.")
		}
		prev, _ := stored["email"].(map[string]any)
		since := any(nil)
		if prev != nil {
			since = prev["notifications_activation_date"]
		}
		if notify && since == nil {
			since = time.Now().UTC().Format("2006-01-02T15:04:05.000000")
		}
		e := map[string]any{"email": email, "notifications": notify, "notifications_activation_date": since}
		stored["email"] = e
		return answer(ctx, http.StatusCreated, e), nil
	}
	block, ok := body[ch].(map[string]any)
	if !ok {
		return bad(ch + " must be an object.")
	}
	spec := deliveryBlocks[ch]
	for _, k := range spec.required {
		if v, ok := block[k].(string); !ok || v == "" {
			return bad(ch + "." + k + " is required.")
		}
	}
	block = maps.Clone(block)
	for k, v := range spec.defaults {
		if _, ok := block[k]; !ok {
			block[k] = v
		}
	}
	if ch == "webhook_fields" {
		events, _ := block["events"].(map[string]any)
		events = maps.Clone(events)
		if events == nil {
			events = map[string]any{}
		}
		for k, v := range webhookEventDefaults {
			if _, ok := events[k]; !ok {
				events[k] = v
			}
		}
		block["events"] = events
	}
	stored[ch] = block
	return answer(ctx, http.StatusCreated, map[string]any{ch: block}), nil
}

// deliveryView sets a squid's delivery channels in its Get Squid Details view m: the
// channels never configured are null, the others as stored, their secrets (S3 keys, SFTP
// password and login) left out as the documented details do. f.mu is held.
func (f *Fake) deliveryView(id string, m map[string]any) {
	for k := range deliveryBlocks {
		m[k] = nil
	}
	stored := f.more().deliveries[id]
	for k, v := range stored {
		block := maps.Clone(v.(map[string]any))
		switch k {
		case "email":
			m["email"], m["notifications"] = block["email"], block["notifications"]
			continue
		case "s3_fields":
			delete(block, "aws_access_key")
			delete(block, "aws_secret_key")
		case "ftp_fields":
			block = map[string]any{"host": block["host"], "port": block["port"], "is_active": block["is_active"]}
		}
		m[k] = block
	}
}

// Delivery returns a squid's stored delivery settings as JSON ({channel key: settings},
// secrets included, as the platform stores them), and whether the squid has any: for tests
// that check what a client sent.
func (f *Fake) Delivery(squid string) ([]byte, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	stored, ok := f.more().deliveries[squid]
	if !ok {
		return nil, false
	}
	b, _ := json.Marshal(stored)
	return b, true
}

// tested is a delivery test's answer.
func tested(ctx context.Context, ok bool) jsonAnswer {
	return answer(ctx, http.StatusOK, map[string]any{"success": ok})
}

// TestEmailDelivery passes for an address with an @.
func (s *server) TestEmailDelivery(ctx context.Context, req gen.TestEmailDeliveryRequestObject) (gen.TestEmailDeliveryResponseObject, error) {
	return tested(ctx, req.Body != nil && strings.Contains(req.Body.Email, "@")), nil
}

// TestGoogleSheetDelivery passes for a Google Sheets address.
func (s *server) TestGoogleSheetDelivery(ctx context.Context, req gen.TestGoogleSheetDeliveryRequestObject) (gen.TestGoogleSheetDeliveryResponseObject, error) {
	return tested(ctx, req.Body != nil && strings.HasPrefix(req.Body.Url, "https://docs.google.com/spreadsheets/")), nil
}

// TestS3Delivery passes with both keys or none (a bucket open to writes).
func (s *server) TestS3Delivery(ctx context.Context, req gen.TestS3DeliveryRequestObject) (gen.TestS3DeliveryResponseObject, error) {
	b := req.Body
	return tested(ctx, b != nil && b.Bucket != "" && (b.AwsAccessKey == nil) == (b.AwsSecretKey == nil)), nil
}

// TestSFTPDelivery passes for an absolute directory and a login with a password.
func (s *server) TestSFTPDelivery(ctx context.Context, req gen.TestSFTPDeliveryRequestObject) (gen.TestSFTPDeliveryResponseObject, error) {
	b := req.Body
	return tested(ctx, b != nil && strings.HasPrefix(b.Directory, "/") && b.Username != "" && b.Password != ""), nil
}

// TestWebhookDelivery never calls the address: an http or https URL whose host does not end
// in .invalid passes, answering 200; any other fails.
func (s *server) TestWebhookDelivery(ctx context.Context, req gen.TestWebhookDeliveryRequestObject) (gen.TestWebhookDeliveryResponseObject, error) {
	ok := false
	if req.Body != nil {
		u, err := url.Parse(req.Body.Url)
		ok = err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host != "" && !strings.HasSuffix(u.Hostname(), ".invalid")
	}
	if !ok {
		return tested(ctx, false), nil
	}
	return answer(ctx, http.StatusOK, map[string]any{"success": true, "status_code": 200}), nil
}

func (a jsonAnswer) VisitConfigureDeliveryResponse(w http.ResponseWriter) error { return a.visit(w) }
func (a jsonAnswer) VisitTestEmailDeliveryResponse(w http.ResponseWriter) error { return a.visit(w) }
func (a jsonAnswer) VisitTestGoogleSheetDeliveryResponse(w http.ResponseWriter) error {
	return a.visit(w)
}
func (a jsonAnswer) VisitTestS3DeliveryResponse(w http.ResponseWriter) error      { return a.visit(w) }
func (a jsonAnswer) VisitTestSFTPDeliveryResponse(w http.ResponseWriter) error    { return a.visit(w) }
func (a jsonAnswer) VisitTestWebhookDeliveryResponse(w http.ResponseWriter) error { return a.visit(w) }
