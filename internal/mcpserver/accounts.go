package mcpserver

import (
	"context"
	"fmt"
	"strings"

	"github.com/lobstr-go/lobstr/api"
	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// AccountView is a connected platform account: metadata, never its cookies.
type AccountView struct {
	ID               string   `json:"id"`
	Type             string   `json:"type" jsonschema:"the account type, such as linkedin-sync"`
	Platform         string   `json:"platform,omitempty" jsonschema:"the site's address"`
	Username         string   `json:"username,omitempty"`
	Status           string   `json:"status"`
	StatusInfo       string   `json:"status_info,omitempty"`
	Healthy          bool     `json:"healthy" jsonschema:"synchronized and not locked: usable by a run"`
	Squids           []string `json:"squids,omitempty" jsonschema:"the squids that use it"`
	LastSynchronized string   `json:"last_synchronized,omitempty"`
}

func accountView(a api.Account) AccountView {
	v := AccountView{ID: a.Id, Type: a.Type, Platform: a.Baseurl, Username: a.Username, Status: a.Status,
		StatusInfo: strings.TrimSpace(a.StatusCodeInfo + " " + a.StatusCodeDescription), Healthy: healthy(a)}
	for _, q := range a.Squids {
		v.Squids = append(v.Squids, q.HashValue)
	}
	if a.LastSynchronizationTime != nil {
		v.LastSynchronized = a.LastSynchronizationTime.String()
	}
	return v
}

func accountError(err error) error {
	if api.IsNotFound(err) {
		return toolError(err, "no such account: list_accounts lists them")
	}
	return toolError(err, "check account_id (list_accounts) and call again")
}

// ListAccountsIn are list_accounts' arguments.
type ListAccountsIn struct {
	Platform string `json:"platform,omitempty" jsonschema:"only the accounts of this platform, such as linkedin"`
	Limit    int    `json:"limit,omitempty" jsonschema:"accounts a page, 1 to 100 (default 50)"`
	Page     int    `json:"page,omitempty" jsonschema:"the page, from 1"`
	Toon     bool   `json:"toon,omitempty" jsonschema:"accepted for compatibility; answers are always JSON"`
}

// ListAccountsOut is list_accounts' answer.
type ListAccountsOut struct {
	Accounts []AccountView `json:"accounts"`
	Page     int           `json:"page"`
	Next     string        `json:"next,omitempty"`
}

// AccountIn is get_account's argument.
type AccountIn struct {
	AccountID string `json:"account_id" jsonschema:"the account's id (list_accounts)"`
}

// Credits is check_credits' answer.
type Credits struct {
	Available   float64 `json:"available" jsonschema:"the whole allowance of the period, not what is left"`
	Consumed    float64 `json:"consumed"`
	Remaining   float64 `json:"remaining" jsonschema:"available - consumed: budget runs against this"`
	Interval    string  `json:"interval"`
	CreditsNote string  `json:"credits_note"`
	UsedSlots   int     `json:"used_slots" jsonschema:"concurrency slots held by active squids"`
	TotalSlots  int     `json:"total_slots"`
}

// WhoAmI is whoami's answer.
type WhoAmI struct {
	Email          string `json:"email"`
	Name           string `json:"name"`
	IsStaff        bool   `json:"is_staff"`
	Plan           string `json:"plan,omitempty"`
	PlanStatus     string `json:"plan_status,omitempty"`
	CreditInterval string `json:"credit_interval,omitempty"`
	ServerVersion  string `json:"server_version"`
}

// NoArgs is the argument of the tools that take none.
type NoArgs struct {
	Toon bool `json:"toon,omitempty" jsonschema:"accepted for compatibility; answers are always JSON"`
}

func (s *server) addAccountTools(srv *mcp.Server) {
	addTool(s, srv, "list_accounts",
		"The user's connected platform accounts (LinkedIn, Facebook, Instagram, …) and each one's health. Metadata only, never credentials.",
		func(ctx context.Context, in ListAccountsIn) (ListAccountsOut, error) {
			page, limit, err := checkPage(in.Page, in.Limit, 50)
			if err != nil {
				return ListAccountsOut{}, err
			}
			p, err := s.c.Accounts.List(ctx, api.ListAccountsOptions{Page: page, Limit: limit})
			if err != nil {
				return ListAccountsOut{}, toolError(err, "check page and limit, then call again")
			}
			out := ListAccountsOut{Accounts: []AccountView{}, Page: p.Page}
			want := strings.ToLower(in.Platform)
			for _, a := range p.Data {
				if want == "" || strings.Contains(strings.ToLower(a.Type+" "+a.Baseurl), want) {
					out.Accounts = append(out.Accounts, accountView(a))
				}
			}
			if p.Next != nil {
				out.Next = fmt.Sprintf("more accounts: call again with page=%d", p.Page+1)
			}
			return out, nil
		})
	addTool(s, srv, "get_account",
		"One connected account by id: platform, status, the squids that use it. Never its cookies.",
		func(ctx context.Context, in AccountIn) (AccountView, error) {
			id := strings.TrimSpace(in.AccountID)
			if id == "" {
				return AccountView{}, badArg("account_id is empty: list_accounts lists the accounts and their ids")
			}
			a, err := s.c.Accounts.Get(ctx, id)
			if err != nil {
				return AccountView{}, accountError(err)
			}
			return accountView(*a), nil
		})
	addTool(s, srv, "check_credits",
		"The credits of the plan: budget a run against remaining (available - consumed), not available. Also the concurrency slots used and total.",
		func(ctx context.Context, _ NoArgs) (Credits, error) {
			b, err := s.c.User.Balance(ctx)
			if err != nil {
				return Credits{}, toolError(err, "call again")
			}
			note := "for the current billing period"
			if strings.EqualFold(b.Interval, "daily") {
				note = "for today only: a daily plan's credits reset each day"
			}
			return Credits{Available: b.Available, Consumed: b.Consumed, Remaining: api.RemainingCredits(b), Interval: b.Interval,
				CreditsNote: note, UsedSlots: b.UsedSlots, TotalSlots: b.TotalAvailableSlots}, nil
		})
	addTool(s, srv, "whoami",
		"The token's user and this server's version: email, name, plan, plan_status, credit_interval. No credit figure: check_credits gives those.",
		func(ctx context.Context, _ NoArgs) (WhoAmI, error) {
			u, err := s.c.User.Me(ctx)
			if err != nil {
				return WhoAmI{}, toolError(err, "call again")
			}
			w := WhoAmI{Email: u.Email, Name: strings.TrimSpace(u.FirstName + " " + u.LastName), ServerVersion: s.opts.Version}
			if u.IsStaff != nil {
				w.IsStaff = *u.IsStaff
			}
			if u.CreditInterval != nil {
				w.CreditInterval = *u.CreditInterval
			}
			if len(u.Plan) > 0 {
				w.Plan = fmt.Sprint(cmpAny(u.Plan[0]["name"], u.Plan[0]["nickname"]))
				if st, ok := u.Plan[0]["status"]; ok {
					w.PlanStatus = fmt.Sprint(st)
				}
			}
			return w, nil
		})
}

func cmpAny(a, b any) any {
	if a != nil && a != "" {
		return a
	}
	if b == nil {
		return ""
	}
	return b
}
