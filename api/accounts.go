package api

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"iter"
	"maps"
	"net/http"
	"slices"

	"github.com/lobstr-go/lobstr/gen"
	"github.com/lobstr-go/lobstr/gen/models"
)

// The models of the Accounts resource, generated from the document.
type (
	// Account is a platform account whose session cookies the crawlers use. Its cookies are
	// never shown: Cookies lists the names its type needs.
	Account = models.Account
	// AccountPage is one page of List Accounts, in the API's pagination envelope.
	AccountPage = models.AccountPage
	// AccountType is a kind of platform account: the cookies a sync needs, the limits an
	// account can set.
	AccountType = models.AccountType
	// AccountTypePage is one page of List Account Types.
	AccountTypePage = models.AccountTypePage
	// AccountLimit is one limit of an account or a type (max, default, usage counters).
	AccountLimit = models.AccountLimit
	// AccountParams are an account's limits: its type's (Default) and its own (User).
	AccountParams = models.AccountParams
	// AccountSquid is a squid that uses an account.
	AccountSquid = models.AccountSquid
	// SyncTask is a synchronization of an account's cookies and how far it has got.
	SyncTask = models.SyncTask
	// DeletedAccount is what Delete Account did. Deleted is the JSON as sent: true, or
	// "true" in older documentation.
	DeletedAccount = models.DeletedAccount
)

// The status codes of a synchronization (SyncTask.StatusCode).
const (
	SyncCreated       = 100 // created, not started
	SyncSynchronizing = 120 // in progress; stuck there over 30 s, the cookies are likely bad
	SyncSynchronized  = 200 // done: the account is usable
	SyncFailedFrom    = 400 // this code and above: failed
)

// ListAccountsOptions selects a page of accounts.
type ListAccountsOptions struct {
	Page  int // 1-based; 0 means the first page
	Limit int // 1..100; 0 means the server's default
}

// List returns one page of the platform accounts (List Accounts). Use Accounts.All to walk
// every page.
func (s *AccountsService) List(ctx context.Context, opts ListAccountsOptions) (*AccountPage, error) {
	const op = "Accounts.List"
	page, limit, err := pageArgs(op, opts.Page, opts.Limit)
	if err != nil {
		return nil, err
	}
	return send(ctx, s.client, request{op: op, retryable: true, build: func(base string) (*http.Request, error) {
		return gen.NewListAccountsRequest(base, &models.ListAccountsParams{Page: page, Limit: limit})
	}}, "a page of accounts (no data)", func(p *AccountPage) bool { return p.Data != nil })
}

// All walks every account, page after page from opts.Page, lazily, with the contract of
// Tasks.All: no request after a break, no account twice, an error yielded once.
func (s *AccountsService) All(ctx context.Context, opts ListAccountsOptions) iter.Seq2[Account, error] {
	fetch := func(ctx context.Context, page int) (*listPage[Account], error) {
		o := opts
		o.Page = page
		p, err := s.List(ctx, o)
		if err != nil {
			return nil, err
		}
		return &listPage[Account]{items: p.Data, page: p.Page, limit: p.Limit, totalResults: p.TotalResults, totalPages: p.TotalPages, hasNext: p.Next != nil}, nil
	}
	return walkPages(ctx, "Accounts.All", opts.Page, opts.Limit, fetch, func(a Account) string { return a.Id })
}

// Get returns one account (Get Account Details). The API answers it inside the list
// envelope; Get returns the account itself (and also reads a bare account, should the API
// answer one). An unknown hash is an *Error for which IsNotFound is true.
func (s *AccountsService) Get(ctx context.Context, hash string) (*Account, error) {
	const op = "Accounts.Get"
	if err := checkHash(op, "hash", hash); err != nil {
		return nil, err
	}
	resp, err := s.client.do(ctx, request{op: op, retryable: true, build: func(base string) (*http.Request, error) {
		return gen.NewGetAccountRequest(base, hash)
	}})
	if err != nil {
		return nil, s.client.cred.redactError(err)
	}
	var probe map[string]json.RawMessage
	if err := decode(op, resp, &probe); err != nil {
		return nil, err
	}
	if _, wrapped := probe["data"]; !wrapped {
		var a Account
		if err := decode(op, resp, &a); err != nil {
			return nil, err
		}
		if a.Id == "" {
			return nil, fmt.Errorf("api: %s: the %d response is neither an account nor a page of one (no id, no data)", op, resp.status)
		}
		return &a, nil
	}
	var page AccountPage
	if err := decode(op, resp, &page); err != nil {
		return nil, err
	}
	i := slices.IndexFunc(page.Data, func(a Account) bool { return a.Id == hash })
	if i < 0 {
		return nil, fmt.Errorf("api: %s: the %d response holds %d accounts, none of them %s", op, resp.status, len(page.Data), hash)
	}
	return &page.Data[i], nil
}

// Types returns every account type (List Account Types, all pages): the cookies each
// needs for a sync (an empty list: every session cookie) and the limits it can set. The
// documented answer counts more types in total_results than it lists; Types returns the
// types listed, without the *IncompleteError an All method would end with.
func (s *AccountsService) Types(ctx context.Context) ([]AccountType, error) {
	const op = "Accounts.Types"
	limit := MaxPageSize
	fetch := func(ctx context.Context, page int) (*listPage[AccountType], error) {
		p, err := send(ctx, s.client, request{op: op, retryable: true, build: func(base string) (*http.Request, error) {
			return gen.NewListAccountTypesRequest(base, &models.ListAccountTypesParams{Page: &page, Limit: &limit})
		}}, "a page of account types (no data)", func(p *AccountTypePage) bool { return p.Data != nil })
		if err != nil {
			return nil, err
		}
		return &listPage[AccountType]{items: p.Data, page: p.Page, limit: p.Limit, totalResults: p.TotalResults, totalPages: p.TotalPages, hasNext: p.Next != nil}, nil
	}
	var out []AccountType
	for t, err := range walkPages(ctx, op, 1, limit, fetch, func(t AccountType) string { return t.Id }) {
		var short *IncompleteError
		if errors.As(err, &short) {
			break // the documented answer itself counts more types than it lists: keep those listed
		}
		if err != nil {
			return out, err
		}
		out = append(out, t)
	}
	return out, nil
}

// checkCookies refuses cookies that cannot be sent, naming a cookie but never a value.
func checkCookies(op string, cookies Cookies) error {
	if len(cookies) == 0 {
		return argError(op, "cookies", "empty; give the cookies the account type requires (Accounts.Types)")
	}
	for _, name := range slices.Sorted(maps.Keys(cookies)) {
		if name == "" {
			return argError(op, "cookies", "a cookie has an empty name")
		}
		if cookies[name] == "" {
			return argError(op, "cookies", "cookie %q has an empty value", clip(name, 40))
		}
	}
	return nil
}

// Sync starts the synchronization of a new account of type typ (such as "linkedin-sync")
// from its browser cookies (Sync Account) and returns the synchronization task: poll it
// with SyncStatus, or WaitSync. The cookies never appear in an error of the client (see
// Cookies). Not retried: a second request would start a second account.
func (s *AccountsService) Sync(ctx context.Context, typ string, cookies Cookies) (*SyncTask, error) {
	return s.sync(ctx, "Accounts.Sync", "", typ, cookies)
}

// Refresh replaces the cookies of an existing account (Refresh Cookies), keeping its
// settings and limits, and returns the synchronization task. typ must be the account's
// type. Retried like a read: a second refresh with the same cookies does no harm.
func (s *AccountsService) Refresh(ctx context.Context, account, typ string, cookies Cookies) (*SyncTask, error) {
	return s.sync(ctx, "Accounts.Refresh", account, typ, cookies)
}

func (s *AccountsService) sync(ctx context.Context, op, account, typ string, cookies Cookies) (*SyncTask, error) {
	if account != "" || op == "Accounts.Refresh" {
		if err := checkHash(op, "account", account); err != nil {
			return nil, err
		}
	}
	if typ == "" {
		return nil, argError(op, "typ", "empty; want an account type such as linkedin-sync (Accounts.Types)")
	}
	if err := checkCookies(op, cookies); err != nil {
		return nil, err
	}
	body := struct {
		Account string            `json:"account,omitempty"`
		Type    string            `json:"type"`
		Cookies map[string]string `json:"cookies"`
	}{account, typ, cookies}
	b, err := json.Marshal(body)
	if err != nil {
		return nil, fmt.Errorf("api: %s: encoding the request failed", op) // never the cookies
	}
	t, err := send(ctx, s.client, request{op: op, retryable: account != "", build: func(base string) (*http.Request, error) {
		return gen.NewSyncAccountRequestWithBody(base, "application/json", bytes.NewReader(b))
	}}, "a synchronization task (no id)", func(t *SyncTask) bool { return t.Id != "" })
	if err == nil {
		s.client.syncs.remember(string(t.Id), cookieValues(cookies))
	}
	return t, redactSecrets(err, cookieValues(cookies))
}

// SyncStatus returns a synchronization task (Check Sync Status): StatusCode 100 created,
// 120 synchronizing, 200 synchronized, 400 or more failed. For a sync this client started
// (among its last 64), the cookies sent are redacted from StatusText and from an error,
// in every form an echo can take.
func (s *AccountsService) SyncStatus(ctx context.Context, id string) (*SyncTask, error) {
	const op = "Accounts.SyncStatus"
	if err := checkHash(op, "id", id); err != nil {
		return nil, err
	}
	t, err := send(ctx, s.client, request{op: op, retryable: true, build: func(base string) (*http.Request, error) {
		return gen.NewGetSyncStatusRequest(base, id)
	}}, "a synchronization task (no id)", func(t *SyncTask) bool { return t.Id != "" })
	if secrets := s.client.syncs.of(id); secrets != nil {
		// A sync this client started: its cookies are redacted from what echoes them.
		if t != nil {
			t.StatusText = redactFormsString(t.StatusText, secrets...)
		}
		err = redactSecrets(err, secrets)
	}
	return t, err
}

// WaitSync polls a synchronization until its status code is 200 (synchronized: it returns
// the task) or 400 or more (failed: it returns the task and a *SyncFailedError). Like
// Tasks.Wait it polls through outages and ends early only on an error no retry can fix;
// OnSyncProgress reports every poll. The documentation says a sync stuck at 120 for over 30
// seconds most likely has bad cookies: give ctx a deadline.
func (s *AccountsService) WaitSync(ctx context.Context, id string, opts ...WaitOption) (*SyncTask, error) {
	if err := checkHash("Accounts.WaitSync", "id", id); err != nil {
		return nil, err
	}
	cfg := newWaitConfig(opts)
	t, err := waitFor(ctx, cfg, "Accounts.WaitSync "+id,
		func() (*SyncTask, error) { return s.SyncStatus(ctx, id) },
		func(t *SyncTask) bool { return t.StatusCode == SyncSynchronized || t.StatusCode >= SyncFailedFrom },
		cfg.onSync)
	if err == nil && t.StatusCode >= SyncFailedFrom {
		return t, &SyncFailedError{Task: t}
	}
	return t, err
}

// OnSyncProgress has Accounts.WaitSync call fn with the task after every poll.
func OnSyncProgress(fn func(*SyncTask)) WaitOption {
	return func(c *waitConfig) { c.onSync = fn }
}

// UpdateLimits sets an account's limits (Update Account Limits): limits by name (batch,
// batch_hours, profiles, searches, …), each at most its type's max. typ is the account's
// type. It returns the whole account.
func (s *AccountsService) UpdateLimits(ctx context.Context, account, typ string, limits map[string]int) (*Account, error) {
	const op = "Accounts.UpdateLimits"
	if err := checkHash(op, "account", account); err != nil {
		return nil, err
	}
	if typ == "" {
		return nil, argError(op, "typ", "empty; want the account's type, such as sales-nav-sync")
	}
	if len(limits) == 0 {
		return nil, argError(op, "limits", "empty; give at least one limit, such as profiles")
	}
	for _, k := range slices.Sorted(maps.Keys(limits)) {
		if k == "" {
			return nil, argError(op, "limits", "a limit has an empty name")
		}
		if limits[k] < 0 {
			return nil, argError(op, "limits", "%s is %d; want 0 or more", clip(k, 40), limits[k])
		}
	}
	b, err := json.Marshal(models.UpdateAccountLimitsRequest{Account: account, Type: typ, Params: limits})
	if err != nil {
		return nil, fmt.Errorf("api: %s: encoding the request: %w", op, err)
	}
	return send(ctx, s.client, request{op: op, retryable: true, build: func(base string) (*http.Request, error) {
		return gen.NewUpdateAccountLimitsRequestWithBody(base, "application/json", bytes.NewReader(b))
	}}, "an account (no id)", func(a *Account) bool { return a.Id != "" })
}

// Delete deletes an account and its cookies (Delete Account); squids that use it can no
// longer run. An unknown hash is an *Error for which IsNotFound is true.
func (s *AccountsService) Delete(ctx context.Context, hash string) (*DeletedAccount, error) {
	const op = "Accounts.Delete"
	if err := checkHash(op, "hash", hash); err != nil {
		return nil, err
	}
	return send(ctx, s.client, request{op: op, retryable: true, build: func(base string) (*http.Request, error) {
		return gen.NewDeleteAccountRequest(base, hash)
	}}, "a deleted account (no id)", func(d *DeletedAccount) bool { return d.Id != "" })
}
