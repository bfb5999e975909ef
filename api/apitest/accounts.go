package apitest

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"sort"
	"time"

	"github.com/lobstr-go/lobstr/catalog"
	"github.com/lobstr-go/lobstr/gen"
)

// The documented accounts the fake starts with.
const (
	SeedAccount       = "d3e97f2cd33658f301bdbe807402ab30" // Get Account Details' example (twitter-sync)
	SeedLimitsAccount = "2372242060b59e03ac39f7691765bbf8" // Update Account Limits' example (sales-nav-sync)
)

// FailingCookie is the cookie value that makes a synchronization fail in the fake: a sync
// whose cookies hold it ends with status_code 401, cookies_invalid.
const FailingCookie = "invalid"

// moreState is the fake's state of the accounts, their synchronizations, the squids'
// delivery channels and their chains (accounts.go, delivery.go, chains.go). f.mu guards it.
type moreState struct {
	ready      bool
	accounts   map[string]map[string]any // hash → the account as the API shows it (without squids)
	order      []string                  // account hashes, in the order they were made
	types      []map[string]any          // the account types, as documented
	syncs      map[string]*syncRecord
	syncPolls  int                       // checks at 120 before a sync ends
	deliveries map[string]map[string]any // squid → channel key → its settings as stored
	chains     map[string]map[string]any // squid → its chain as the API shows it
}

// syncRecord is a cookie synchronization and where it is.
type syncRecord struct {
	id, account, typ string
	cookies          map[string]string
	fresh            bool // a new account, made when the sync succeeds
	polls            int
	code             int
	text             string
}

// more returns the state of accounts, deliveries and chains, seeded on first use. f.mu is
// held.
func (f *Fake) more() *moreState {
	m := &f.extra
	if m.ready {
		return m
	}
	*m = moreState{ready: true, accounts: map[string]map[string]any{}, syncs: map[string]*syncRecord{},
		syncPolls: 1, deliveries: map[string]map[string]any{}, chains: map[string]map[string]any{}}
	var types struct {
		Data []map[string]any `json:"data"`
	}
	mustDecode("docs/list-account-types.200.json", &types)
	m.types = append(types.Data, catalogAccountTypes(types.Data)...)
	var list, details struct {
		Data []map[string]any `json:"data"`
	}
	mustDecode("docs/list-accounts.200.json", &list)
	mustDecode("docs/get-account-details.200.json", &details)
	var limits map[string]any
	mustDecode("docs/update-account-limits.200.json", &limits)
	for _, a := range append(append(list.Data, details.Data...), limits) {
		id := a["id"].(string)
		delete(a, "squids") // computed from the squids that link the account
		m.accounts[id] = a
		m.order = append(m.order, id)
	}
	return m
}

// SetSyncPolls sets how many checks of a synchronization answer 120 (synchronizing) before
// it ends (1 unless set; 0 ends it at the first check).
func (f *Fake) SetSyncPolls(n int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.more().syncPolls = max(n, 0)
}

// accountType returns the documented account type of a name. f.mu is held.
func (f *Fake) accountType(name string) (map[string]any, bool) {
	for _, t := range f.more().types {
		if t["name"] == name {
			return t, true
		}
	}
	return nil, false
}

// accountView is an account with the squids that link it. f.mu is held.
func (f *Fake) accountView(id string) map[string]any {
	a := maps.Clone(f.more().accounts[id])
	squids := []any{}
	for _, sid := range f.squidOrder {
		sq := f.squids[sid]
		if slices.ContainsFunc(sq.accounts, func(v any) bool { return v == id }) {
			squids = append(squids, map[string]any{"name": sq.name, "hash_value": sq.id})
		}
	}
	a["squids"] = squids
	return a
}

// ListAccounts pages through the accounts, in the order they were made.
func (s *server) ListAccounts(ctx context.Context, req gen.ListAccountsRequestObject) (gen.ListAccountsResponseObject, error) {
	limit, number, problem := pageParams(req.Params.Page, req.Params.Limit, defaultLimit)
	if problem != "" {
		return answer(ctx, http.StatusBadRequest, detail(problem)), nil
	}
	f := s.f
	f.mu.Lock()
	m := f.more()
	pg := paginate(len(m.order), limit, number)
	data := []any{}
	for _, id := range m.order[pg.first:pg.last] {
		data = append(data, f.accountView(id))
	}
	f.mu.Unlock()
	return answer(ctx, http.StatusOK, pg.envelope(ctx, "/accounts", url.Values{}, "limit", data)), nil
}

// ListAccountTypes pages through the documented account types.
func (s *server) ListAccountTypes(ctx context.Context, req gen.ListAccountTypesRequestObject) (gen.ListAccountTypesResponseObject, error) {
	limit, number, problem := pageParams(req.Params.Page, req.Params.Limit, defaultLimit)
	if problem != "" {
		return answer(ctx, http.StatusBadRequest, detail(problem)), nil
	}
	f := s.f
	f.mu.Lock()
	types := f.more().types
	pg := paginate(len(types), limit, number)
	data := []any{}
	for _, t := range types[pg.first:pg.last] {
		data = append(data, t)
	}
	f.mu.Unlock()
	return answer(ctx, http.StatusOK, pg.envelope(ctx, "/account_types", url.Values{}, "limit", data)), nil
}

// GetAccount answers one account inside the list envelope, as documented.
func (s *server) GetAccount(ctx context.Context, req gen.GetAccountRequestObject) (gen.GetAccountResponseObject, error) {
	f := s.f
	f.mu.Lock()
	_, ok := f.more().accounts[req.AccountHash]
	var view map[string]any
	if ok {
		view = f.accountView(req.AccountHash)
	}
	f.mu.Unlock()
	if !ok {
		return answer(ctx, http.StatusNotFound, fixture("docs/get-account-details.404.json")), nil
	}
	pg := paginate(1, defaultLimit, 1)
	return answer(ctx, http.StatusOK, pg.envelope(ctx, "/accounts/"+req.AccountHash, url.Values{}, "limit", []any{view})), nil
}

// DeleteAccount removes an account; squids that link it keep the link, as on the platform
// (they can no longer run with it).
func (s *server) DeleteAccount(ctx context.Context, req gen.DeleteAccountRequestObject) (gen.DeleteAccountResponseObject, error) {
	f := s.f
	f.mu.Lock()
	m := f.more()
	_, ok := m.accounts[req.AccountHash]
	if ok {
		delete(m.accounts, req.AccountHash)
		m.order = slices.DeleteFunc(m.order, func(id string) bool { return id == req.AccountHash })
	}
	f.mu.Unlock()
	if !ok {
		return answer(ctx, http.StatusNotFound, fixture("docs/delete-account.404.json")), nil
	}
	return answer(ctx, http.StatusOK, map[string]any{"id": req.AccountHash, "object": "account", "deleted": true}), nil
}

// SyncAccount starts a synchronization: of a new account, or, with account, of an existing
// one. The type must exist and every cookie it marks required must be there (an empty
// cookie list of a type requires at least one cookie).
func (s *server) SyncAccount(ctx context.Context, req gen.SyncAccountRequestObject) (gen.SyncAccountResponseObject, error) {
	b := req.Body
	f := s.f
	f.mu.Lock()
	defer f.mu.Unlock()
	m := f.more()
	refresh := b != nil && b.Account != nil
	badBody := fixture("docs/sync-account.400.json")
	if refresh {
		badBody = fixture("docs/refresh-cookies.400.json")
	}
	if b == nil || len(b.Cookies) == 0 {
		return answer(ctx, http.StatusBadRequest, badBody), nil
	}
	t, ok := f.accountType(b.Type)
	if !ok {
		return answer(ctx, http.StatusBadRequest, badBody), nil
	}
	for _, c := range t["cookies"].([]any) {
		c := c.(map[string]any)
		if req, _ := c["required"].(bool); req && b.Cookies[c["name"].(string)] == "" {
			return answer(ctx, http.StatusBadRequest, badBody), nil
		}
	}
	rec := &syncRecord{id: newHash(), typ: b.Type, cookies: maps.Clone(b.Cookies), code: 100, text: "created"}
	if refresh {
		a, ok := m.accounts[*b.Account]
		if !ok {
			return answer(ctx, http.StatusNotFound, fixture("docs/refresh-cookies.404.json")), nil
		}
		if a["type"] != b.Type {
			return answer(ctx, http.StatusBadRequest, badBody), nil
		}
		rec.account = *b.Account
	} else {
		rec.account, rec.fresh = newHash(), true
	}
	m.syncs[rec.id] = rec
	return answer(ctx, http.StatusOK, map[string]any{"id": rec.id, "object": "synchronize-cookies", "status_code": rec.code, "status_text": rec.text}), nil
}

// GetSyncStatus moves a synchronization one step per check: 120 synchronizing (as many
// checks as SetSyncPolls says), then 200 synchronized (the account made or its cookies
// replaced), or 401 cookies_invalid when a cookie's value is FailingCookie.
func (s *server) GetSyncStatus(ctx context.Context, req gen.GetSyncStatusRequestObject) (gen.GetSyncStatusResponseObject, error) {
	f := s.f
	f.mu.Lock()
	defer f.mu.Unlock()
	m := f.more()
	rec, ok := m.syncs[req.SyncTaskId]
	if !ok {
		return answer(ctx, http.StatusNotFound, fixture("docs/check-sync-status.404.json")), nil
	}
	if rec.code < 200 {
		rec.polls++
		switch {
		case rec.polls <= m.syncPolls:
			rec.code, rec.text = 120, "synchronizing"
		case slices.Contains(slices.Collect(maps.Values(rec.cookies)), FailingCookie):
			rec.code, rec.text = 401, "cookies_invalid"
			if a, ok := m.accounts[rec.account]; ok {
				a["status"], a["status_code_info"], a["status_code_description"] = "401", "cookies_expired", "The cookies are not valid."
			}
		default:
			rec.code, rec.text = 200, "synchronized"
			f.synchronized(rec)
		}
	}
	return answer(ctx, http.StatusOK, map[string]any{"id": rec.id, "object": "synchronize-cookies",
		"status_code": rec.code, "status_text": rec.text, "account_hash": rec.account}), nil
}

// synchronized makes the account of a successful sync, or refreshes it. f.mu is held.
func (f *Fake) synchronized(rec *syncRecord) {
	m := f.more()
	at := time.Now().UTC().Format(time.RFC3339)
	if a, ok := m.accounts[rec.account]; ok {
		a["last_synchronization_time"], a["updated_at"] = at, at
		a["status"], a["status_code_info"], a["status_code_description"] = "200", "synchronized", "Success!"
		return
	}
	t, _ := f.accountType(rec.typ)
	m.accounts[rec.account] = map[string]any{
		"id": rec.account, "object": "account", "username": "user-" + rec.account[:8],
		"created_at": at, "last_synchronization_time": at, "status": "200",
		"status_code_info": "synchronized", "status_code_description": "Success!", "type": rec.typ,
		"params": map[string]any{"default": t["params"], "user": map[string]any{}}, "updated_at": nil,
		"account_type_hash": t["id"], "baseurl": t["baseurl"], "cookies": t["cookies"], "icon": t["icon"],
	}
	m.order = append(m.order, rec.account)
}

// UpdateAccountLimits sets an account's limits: each a limit of its type, from 0 to the
// type's max.
func (s *server) UpdateAccountLimits(ctx context.Context, req gen.UpdateAccountLimitsRequestObject) (gen.UpdateAccountLimitsResponseObject, error) {
	b := req.Body
	bad := fixture("docs/update-account-limits.400.json")
	if b == nil || len(b.Params) == 0 {
		return answer(ctx, http.StatusBadRequest, bad), nil
	}
	f := s.f
	f.mu.Lock()
	defer f.mu.Unlock()
	a, ok := f.more().accounts[b.Account]
	if !ok {
		return answer(ctx, http.StatusNotFound, fixture("docs/update-account-limits.404.json")), nil
	}
	t, ok := f.accountType(b.Type)
	if !ok || a["type"] != b.Type {
		return answer(ctx, http.StatusBadRequest, bad), nil
	}
	defaults, _ := t["params"].(map[string]any)
	for k, v := range b.Params {
		d, ok := defaults[k].(map[string]any)
		if mx, _ := d["max"].(float64); !ok || v < 0 || float64(v) > mx {
			return answer(ctx, http.StatusBadRequest, bad), nil
		}
	}
	params, _ := a["params"].(map[string]any)
	params = maps.Clone(params)
	user, _ := params["user"].(map[string]any)
	user = maps.Clone(user)
	if user == nil {
		user = map[string]any{}
	}
	keys := slices.Collect(maps.Keys(b.Params))
	sort.Strings(keys)
	for _, k := range keys {
		d := defaults[k].(map[string]any)
		l, _ := user[k].(map[string]any)
		l = maps.Clone(l)
		if l == nil {
			l = map[string]any{"value": 0, "default": d["default"]}
		}
		l["max"] = b.Params[k]
		user[k] = l
	}
	params["default"], params["user"] = defaults, user
	a["params"] = params
	a["updated_at"] = time.Now().UTC().Format(time.RFC3339)
	return answer(ctx, http.StatusOK, f.accountView(b.Account)), nil
}

// Account returns the fake's account with the given hash as the API shows it (JSON), and
// whether it exists: for tests that check what a client did.
func (f *Fake) Account(hash string) ([]byte, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if _, ok := f.more().accounts[hash]; !ok {
		return nil, false
	}
	b, _ := json.Marshal(f.accountView(hash))
	return b, true
}

func (a jsonAnswer) VisitListAccountsResponse(w http.ResponseWriter) error        { return a.visit(w) }
func (a jsonAnswer) VisitListAccountTypesResponse(w http.ResponseWriter) error    { return a.visit(w) }
func (a jsonAnswer) VisitGetAccountResponse(w http.ResponseWriter) error          { return a.visit(w) }
func (a jsonAnswer) VisitDeleteAccountResponse(w http.ResponseWriter) error       { return a.visit(w) }
func (a jsonAnswer) VisitSyncAccountResponse(w http.ResponseWriter) error         { return a.visit(w) }
func (a jsonAnswer) VisitGetSyncStatusResponse(w http.ResponseWriter) error       { return a.visit(w) }
func (a jsonAnswer) VisitUpdateAccountLimitsResponse(w http.ResponseWriter) error { return a.visit(w) }

// catalogAccountTypes are the account types the catalogue's crawlers need that List
// Account Types' documented example does not show (linkedin-sync, amazon-sync), in the
// documented shape: the crawler's site and the cookies the catalogue knows of. A type with
// no documented cookie takes any cookies at Sync Account (at least one, as every sync).
func catalogAccountTypes(documented []map[string]any) []map[string]any {
	var icon any
	if len(documented) > 0 {
		icon = documented[0]["icon"]
	}
	var extra []map[string]any
	seen := map[string]bool{}
	for _, t := range documented {
		seen[fmt.Sprint(t["name"])] = true
	}
	for _, c := range catalog.All() {
		a := c.Account
		if a == nil || seen[a.Type] {
			continue
		}
		seen[a.Type] = true
		cookies := []any{}
		for _, ck := range a.Cookies {
			cookies = append(cookies, map[string]any{"name": ck.Name, "required": ck.Required})
		}
		extra = append(extra, map[string]any{
			"id": catalog.DeriveID("account-type:" + a.Type), "object": "account_type", "name": a.Type,
			"icon": icon, "domain": c.Platform, "params": map[string]any{}, "baseurl": a.BaseURL, "cookies": cookies,
		})
	}
	return extra
}
