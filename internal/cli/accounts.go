package cli

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"

	"github.com/lobstr-go/lobstr/api"
)

var accountsCommands map[string]subcommand

func init() {
	accountsCommands = commandTable([]subcommand{
		{"ls", (*cli).accountsList},
		{"show", (*cli).accountsShow},
		{"types", (*cli).accountsTypes},
		{"sync", (*cli).accountsSync},
		{"sync-status", (*cli).accountsSyncStatus},
		{"update", (*cli).accountsUpdate},
		{"rm", (*cli).accountsRemove},
	}, map[string]string{"list": "ls", "get": "show", "delete": "rm"})
}

const accountsUsage = `Usage: lobstr accounts COMMAND [ARGUMENTS] [FLAGS]

Platform accounts (LinkedIn, Sales Navigator, Facebook, X, ...) whose session
cookies crawlers use.

Commands:
  ls                    list the accounts
  show ACCOUNT          show an account
  types                 list the account types and the cookies each needs
  sync TYPE             sync a new account from cookies, or refresh one (--account)
  sync-status ID        show how far a sync has got (--wait: until it ends)
  update ACCOUNT        set an account's limits (--type T --param NAME=N)
  rm ACCOUNT            delete an account

Cookies are secrets: give them in a file or on stdin (--cookies-file F, or -),
not on the command line, which other users of the machine can read.

Example:
  lobstr accounts sync linkedin-sync --cookies-file cookies.json --wait

Run 'lobstr accounts COMMAND --help' for a command's flags and an example.
`

// accounts dispatches `lobstr accounts VERB`.
func (c *cli) accounts(ctx context.Context, args []string) int {
	return c.dispatch(ctx, "accounts", accountsUsage, accountsCommands, "ls, show, types, sync, sync-status, update or rm", args)
}

func (c *cli) accountsHelp(ctx context.Context, args []string) int {
	return c.groupHelp(ctx, "accounts", accountsUsage, accountsCommands, args)
}

// -- ls ---------------------------------------------------------------------------------------

const accountsLsUsage = `Usage: lobstr accounts ls [--limit N] [--page N] [--all]

List the platform accounts (List Accounts): a table of ID, USERNAME, TYPE,
STATUS and LAST SYNC (UTC). With --all, every page from --page on. With --json,
the page as the server sent it (--all: one JSON array of the accounts).

Example:
  lobstr accounts ls --all
`

var accountColumns = []column{{"ID", cutNever}, {"USERNAME", cutEnd}, {"TYPE", cutEnd}, {"STATUS", cutEnd}, {"LAST SYNC", cutDrop}}

// accountShrink gives up the last sync first, then cuts the status, the type and the
// username, and at last drops the status, the type and the username: the id stays.
var accountShrink = []shrink{{4, 0}, {3, 6}, {2, 10}, {1, 10}, {3, -1}, {2, -1}, {1, 8}, {1, -1}}

func (c *cli) accountsList(ctx context.Context, args []string) int {
	fs := c.flagSet("lobstr accounts ls")
	var opts api.ListAccountsOptions
	var all bool
	fs.IntVar(&opts.Limit, "limit", 0, "`N` accounts a page, 1 to 100 (default: the server's)")
	fs.IntVar(&opts.Page, "page", 0, "start at page `N` (default 1)")
	fs.BoolVar(&all, "all", false, "list every page")
	if _, code, done := c.parseCommand(fs, args, accountsLsUsage, 0, 0); done {
		return code
	}
	if opts.Limit < 0 || opts.Limit > api.MaxPageSize || opts.Page < 0 {
		return c.usageError(c.cmd, fmt.Sprintf("--limit %d --page %d: want a limit of 1 to %d and a page of 1 or more", opts.Limit, opts.Page, api.MaxPageSize))
	}
	cl, code, done := c.client()
	if done {
		return code
	}
	t := newTable(accountColumns, accountShrink...)
	add := func(a api.Account) {
		status := a.StatusCodeInfo
		if status == "" {
			status = a.Status
		}
		t.add(a.Id, a.Username, a.Type, status, formatTime(a.LastSynchronizationTime))
	}
	cctx, raw := capture(ctx)
	if all {
		if opts.Limit == 0 {
			opts.Limit = api.MaxPageSize
		}
		for a, err := range cl.Accounts.All(cctx, opts) {
			if err != nil {
				return c.fail(ctx, err)
			}
			add(a)
		}
		if c.json {
			return c.printJSON(jsonArray(dataItems(raw)))
		}
	} else {
		page, err := cl.Accounts.List(cctx, opts)
		if err != nil {
			return c.fail(ctx, err)
		}
		if c.json {
			return c.printJSON(raw.last())
		}
		for _, a := range page.Data {
			add(a)
		}
	}
	t.render(c.stdout, c.out)
	return exitOK
}

// -- show -------------------------------------------------------------------------------------

const accountsShowUsage = `Usage: lobstr accounts show ACCOUNT

Show an account (Get Account Details): its status, type, limits and the squids
that use it. Never its cookies. With --json, the server's answer as sent (the
account inside a list envelope, as the API answers it).

Example:
  lobstr accounts show d3e97f2cd33658f301bdbe807402ab30
`

func (c *cli) accountsShow(ctx context.Context, args []string) int {
	fs := c.flagSet("lobstr accounts show")
	rest, code, done := c.parseCommand(fs, args, accountsShowUsage, 1, 1)
	if done {
		return code
	}
	cl, code, done := c.accountClient(ctx, &rest[0])
	if done {
		return code
	}
	cctx, raw := capture(ctx)
	a, err := cl.Accounts.Get(cctx, rest[0])
	return answer(c, ctx, raw, a, err, c.printAccount)
}

func (c *cli) printAccount(a *api.Account) {
	var v kvView
	v.id("id", a.Id)
	v.add("username", a.Username)
	v.add("type", a.Type)
	v.state("status", a.Status+" "+a.StatusCodeInfo)
	v.add("detail", a.StatusCodeDescription)
	v.add("base URL", a.Baseurl)
	v.add("created", formatTime(&a.CreatedAt))
	v.add("last sync", formatTime(a.LastSynchronizationTime))
	v.add("updated", formatTime(a.UpdatedAt))
	names := make([]string, 0, len(a.Cookies))
	for _, ck := range a.Cookies {
		names = append(names, ck.Name)
	}
	v.add("cookies", orDash(strings.Join(names, ", ")))
	limits := a.Params.User
	if len(limits) == 0 {
		limits = a.Params.Default
	}
	for i, k := range slices.Sorted(maps.Keys(limits)) {
		key := ""
		if i == 0 {
			key = "limits"
		}
		l := limits[k]
		s := k
		if l.Max != nil {
			s += "=" + strconv.Itoa(*l.Max)
		}
		if l.Value != nil {
			s += fmt.Sprintf(" (used %d)", *l.Value)
		}
		v.add(key, s)
	}
	if len(a.Squids) == 0 {
		v.add("squids", "-")
	}
	for i, s := range a.Squids {
		key := ""
		if i == 0 {
			key = "squids"
		}
		v.add(key, s.HashValue+" "+s.Name)
	}
	v.render(c.stdout, c.out, c.color(c.out))
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// -- types ------------------------------------------------------------------------------------

const accountsTypesUsage = `Usage: lobstr accounts types

List the account types (List Account Types): NAME (what 'accounts sync' takes),
DOMAIN, BASE URL and the COOKIES a sync needs ("all session cookies" when the
type names none). With --json, one JSON array of the types as sent.

Example:
  lobstr accounts types
`

func (c *cli) accountsTypes(ctx context.Context, args []string) int {
	fs := c.flagSet("lobstr accounts types")
	if _, code, done := c.parseCommand(fs, args, accountsTypesUsage, 0, 0); done {
		return code
	}
	cl, code, done := c.client()
	if done {
		return code
	}
	cctx, raw := capture(ctx)
	types, err := cl.Accounts.Types(cctx)
	if err != nil {
		return c.fail(ctx, err)
	}
	if c.json {
		return c.printJSON(jsonArray(dataItems(raw)))
	}
	t := newTable([]column{{"NAME", cutNever}, {"DOMAIN", cutEnd}, {"BASE URL", cutDrop}, {"COOKIES", cutEnd}},
		shrink{2, 0}, shrink{1, 8}, shrink{3, 12}, shrink{1, -1})
	for _, ty := range types {
		names := make([]string, 0, len(ty.Cookies))
		for _, ck := range ty.Cookies {
			if ck.Required {
				names = append(names, ck.Name)
			}
		}
		cookies := strings.Join(names, ", ")
		if len(ty.Cookies) == 0 {
			cookies = "all session cookies"
		}
		t.add(ty.Name, ty.Domain, ty.Baseurl, cookies)
	}
	t.render(c.stdout, c.out)
	return exitOK
}

// -- sync -------------------------------------------------------------------------------------

const accountsSyncUsage = `Usage: lobstr accounts sync TYPE [--account HASH] [--cookies-file F|-] [--wait]

Start the synchronization of an account of TYPE (see 'lobstr accounts types')
from its browser cookies (Sync Account), or, with --account, replace the
cookies of an existing account (Refresh Cookies). Prints the sync's id; with
--wait, polls it until it ends (exit status 3 when it fails).

Cookies are secrets. Give them with --cookies-file F (or - for stdin), as a
JSON object {"name": "value", ...} or as NAME=VALUE lines. --cookie and
--cookies-json also work, as in the official CLI, but put the values on the
command line, where other users of the machine can read them. lobstr never
prints a cookie's value.

Example:
  lobstr accounts sync linkedin-sync --cookies-file cookies.json --wait
`

// multiFlag collects a repeated flag.
type multiFlag []string

func (m *multiFlag) String() string { return strings.Join(*m, ",") }

// Type names the flag's kind in pflag's messages.
func (m *multiFlag) Type() string       { return "stringArray" }
func (m *multiFlag) Set(v string) error { *m = append(*m, v); return nil }

func (c *cli) accountsSync(ctx context.Context, args []string) int {
	fs := c.flagSet("lobstr accounts sync")
	var account, cookiesJSON, cookiesFile string
	var cookie multiFlag
	var wait bool
	var wf waitFlags
	fs.StringVar(&account, "account", "", "refresh the cookies of the account `HASH`")
	fs.VarP(&cookie, "cookie", "c", "a cookie `NAME=VALUE`, repeatable (visible in the process list)")
	fs.StringVar(&cookiesJSON, "cookies-json", "", "the cookies as a `JSON` object (visible in the process list)")
	fs.StringVar(&cookiesFile, "cookies-file", "", "read the cookies from `FILE` (- for stdin): JSON or NAME=VALUE lines")
	fs.BoolVar(&wait, "wait", false, "wait until the sync ends")
	wf.register(fs)
	rest, code, done := c.parseCommand(fs, args, accountsSyncUsage, 1, 1)
	if done {
		return code
	}
	if msg := wf.check(); msg != "" {
		return c.usageError(c.cmd, msg)
	}
	if account != "" {
		if code, done := c.checkHash("--account", account); done {
			return code
		}
	}
	cookies := api.Cookies{}
	for _, kv := range cookie {
		k, v, ok := strings.Cut(kv, "=")
		if !ok || k == "" {
			return c.usageError(c.cmd, "--cookie takes NAME=VALUE")
		}
		cookies[k] = v
	}
	if cookiesJSON != "" {
		m, err := parseCookies(cookiesJSON, "--cookies-json")
		if err != nil {
			return c.usageError(c.cmd, err.Error())
		}
		maps.Copy(cookies, m)
	}
	if cookiesFile != "" {
		text, err := c.readSecretSource("cookies-file", cookiesFile)
		if err != nil {
			return c.usageError(c.cmd, err.Error())
		}
		m, err := parseCookies(text, "--cookies-file "+sourceName(cookiesFile))
		if err != nil {
			return c.usageError(c.cmd, err.Error())
		}
		maps.Copy(cookies, m)
	}
	if len(cookies) == 0 {
		return c.usageError(c.cmd, "no cookies: give --cookies-file F (or - for stdin)")
	}
	secrets := slices.Collect(maps.Values(cookies))
	cl, code, done := c.client()
	if done {
		return code
	}
	cctx, raw := capture(ctx)
	var task *api.SyncTask
	var err error
	if account != "" {
		task, err = cl.Accounts.Refresh(cctx, account, rest[0], cookies)
	} else {
		task, err = cl.Accounts.Sync(cctx, rest[0], cookies)
	}
	if err != nil {
		return c.failSecret(ctx, err, secrets...)
	}
	if !wait {
		if c.json {
			return c.printJSON(redactAll(raw.last(), secrets...))
		}
		fmt.Fprintf(c.stdout, "sync %s started (%s)\n", clean(task.Id), clean(task.StatusText))
		c.notice("check it with: lobstr accounts sync-status " + task.Id + " --wait")
		return exitOK
	}
	return c.waitSync(ctx, cl, task.Id, wf)
}

// failSecret reports err with secrets hidden.
func (c *cli) failSecret(ctx context.Context, err error, secrets ...string) int {
	return c.fail(ctx, secretError{err: err, secrets: secrets})
}

// secretError prints err with secrets redacted; errors.As still reaches the API's error,
// whose fields the client has redacted already.
type secretError struct {
	err     error
	secrets []string
}

func (e secretError) Error() string { return string(redactAll([]byte(e.err.Error()), e.secrets...)) }
func (e secretError) Unwrap() error { return e.err }

// -- sync-status ------------------------------------------------------------------------------

const accountsSyncStatusUsage = `Usage: lobstr accounts sync-status ID [--wait] [--interval D] [--timeout D]

Show a synchronization (Check Sync Status): its status code (100 created, 120
synchronizing, 200 synchronized, 400 and up failed) and the account. With
--wait, poll until it ends, progress on stderr; exit status 3 when it fails or
at --timeout. A sync stuck at 120 for over 30 seconds most likely has bad
cookies.

Example:
  lobstr accounts sync-status 75bed0d425c4bc1912a17fe9fc4dd2a1 --wait --timeout 2m
`

func (c *cli) accountsSyncStatus(ctx context.Context, args []string) int {
	fs := c.flagSet("lobstr accounts sync-status")
	var wait bool
	var wf waitFlags
	fs.BoolVar(&wait, "wait", false, "wait until the sync ends")
	wf.register(fs)
	rest, code, done := c.parseCommand(fs, args, accountsSyncStatusUsage, 1, 1)
	if done {
		return code
	}
	if msg := wf.check(); msg != "" {
		return c.usageError(c.cmd, msg)
	}
	cl, code, done := c.hashClient("ID", rest[0])
	if done {
		return code
	}
	if wait {
		return c.waitSync(ctx, cl, rest[0], wf)
	}
	cctx, raw := capture(ctx)
	t, err := cl.Accounts.SyncStatus(cctx, rest[0])
	return answer(c, ctx, raw, t, err, c.printSync)
}

func (c *cli) printSync(t *api.SyncTask) {
	var v kvView
	v.id("id", t.Id)
	v.state("status", fmt.Sprintf("%d %s", t.StatusCode, t.StatusText))
	account := "-"
	if t.AccountHash != nil {
		account = *t.AccountHash
	}
	v.id("account", account)
	v.render(c.stdout, c.out, c.color(c.out))
}

func (c *cli) waitSync(ctx context.Context, cl *api.Client, id string, wf waitFlags) int {
	wctx, cancel := wf.context(ctx)
	defer cancel()
	cctx, raw := capture(wctx)
	p := c.newProgress("sync " + id)
	opts := append(wf.options(), api.OnSyncProgress(func(t *api.SyncTask) {
		p.update(strconv.Itoa(t.StatusCode), t.StatusText)
	}))
	t, err := cl.Accounts.WaitSync(cctx, id, opts...)
	p.finish()
	var failed *api.SyncFailedError
	switch {
	case errors.As(err, &failed):
	case err != nil:
		if ctx.Err() == nil && errors.Is(context.Cause(wctx), errWaitTimeout) {
			return c.waitEnded(fmt.Sprintf("sync %s: not done after %v", id, wf.timeout))
		}
		return c.fail(ctx, err)
	}
	if c.json {
		code := c.printJSON(raw.last())
		if code != exitOK {
			return code
		}
	} else {
		c.printSync(t)
	}
	if failed != nil {
		return c.waitEnded(fmt.Sprintf("sync %s failed: status %d %s (refresh the cookies)", id, t.StatusCode, t.StatusText))
	}
	return exitOK
}

// -- update -----------------------------------------------------------------------------------

const accountsUpdateUsage = `Usage: lobstr accounts update ACCOUNT --type TYPE --param NAME=N...

Set an account's limits (Update Account Limits): --param NAME=N for each, such
as batch, batch_hours, profiles or searches, each at most its type's max (see
'lobstr accounts types --json'). Prints the account as 'show' does.

Example:
  lobstr accounts update 2372242060b59e03ac39f7691765bbf8 --type sales-nav-sync --param profiles=120
`

func (c *cli) accountsUpdate(ctx context.Context, args []string) int {
	fs := c.flagSet("lobstr accounts update")
	var typ string
	var params multiFlag
	fs.StringVar(&typ, "type", "", "the account's `TYPE`, such as sales-nav-sync (required)")
	fs.Var(&params, "param", "a limit `NAME=N`, repeatable")
	rest, code, done := c.parseCommand(fs, args, accountsUpdateUsage, 1, 1)
	if done {
		return code
	}
	if typ == "" {
		return c.usageError(c.cmd, "--type is required")
	}
	if len(params) == 0 {
		return c.usageError(c.cmd, "no limits: give --param NAME=N (e.g. --param batch=20)")
	}
	limits := map[string]int{}
	for _, p := range params {
		k, v, ok := strings.Cut(p, "=")
		n, err := strconv.Atoi(v)
		if !ok || k == "" || err != nil || n < 0 {
			return c.usageError(c.cmd, fmt.Sprintf("--param %q: want NAME=N with N a whole number, 0 or more", truncate(p, 60)))
		}
		limits[k] = n
	}
	cl, code, done := c.accountClient(ctx, &rest[0])
	if done {
		return code
	}
	cctx, raw := capture(ctx)
	a, err := cl.Accounts.UpdateLimits(cctx, rest[0], typ, limits)
	return answer(c, ctx, raw, a, err, c.printAccount)
}

// -- rm ---------------------------------------------------------------------------------------

const accountsRmUsage = `Usage: lobstr accounts rm ACCOUNT

Delete an account and its cookies (Delete Account), for good: squids that use
it can no longer run. Asks first on a terminal; elsewhere refuses without
--force.

Example:
  lobstr accounts rm d3e97f2cd33658f301bdbe807402ab30 --force
`

func (c *cli) accountsRemove(ctx context.Context, args []string) int {
	fs := c.flagSet("lobstr accounts rm")
	var force bool
	fs.BoolVarP(&force, "force", "f", false, "delete without asking")
	rest, code, done := c.parseCommand(fs, args, accountsRmUsage, 1, 1)
	if done {
		return code
	}
	cl, code, done := c.accountClient(ctx, &rest[0])
	if done {
		return code
	}
	if code, done := c.confirm(force, "delete account "+rest[0], fmt.Sprintf("Delete account %s?", rest[0])); done {
		return code
	}
	cctx, raw := capture(ctx)
	d, err := cl.Accounts.Delete(cctx, rest[0])
	if err != nil {
		return c.fail(ctx, err)
	}
	if c.json {
		return c.printJSON(raw.last())
	}
	if s := strings.Trim(string(d.Deleted), `"`); s != "true" {
		return c.errorLine(exitFail, "error", fmt.Sprintf("account %s was not deleted (deleted: %s)", d.Id, truncate(s, 20)), 0, "")
	}
	fmt.Fprintf(c.stdout, "deleted account %s\n", clean(d.Id))
	return exitOK
}

// dataItems returns the items of the data arrays of every page captured, as sent.
func dataItems(b *bodies) []json.RawMessage {
	b.mu.Lock()
	defer b.mu.Unlock()
	var out []json.RawMessage
	for _, body := range b.all {
		var page struct {
			Data []json.RawMessage `json:"data"`
		}
		if json.Unmarshal(body, &page) == nil {
			out = append(out, page.Data...)
		}
	}
	return out
}

// accountClient returns the client and turns *arg, an ACCOUNT argument, into the
// account's id (see resolveAccount).
func (c *cli) accountClient(ctx context.Context, arg *string) (cl *api.Client, code int, done bool) {
	if cl, code, done = c.client(); done {
		return nil, code, true
	}
	if *arg, code, done = c.resolveAccount(ctx, cl, *arg); done {
		return nil, code, true
	}
	return cl, 0, false
}

// resolveAccount turns an ACCOUNT argument into an account id: a whole hash as it is; else,
// from List Accounts, the account whose id it is or starts with, or whose username it is
// (case aside); an ambiguous argument lists the candidates. When done is true the failure
// has been reported (exit status code).
func (c *cli) resolveAccount(ctx context.Context, cl *api.Client, arg string) (id string, code int, done bool) {
	arg = strings.TrimSpace(arg)
	if arg == "" {
		return "", c.usageError(c.cmd, "ACCOUNT is empty"), true
	}
	if api.ValidHash(arg) {
		return arg, 0, false
	}
	var all []api.Account
	for a, err := range cl.Accounts.All(ctx, api.ListAccountsOptions{}) {
		if err != nil {
			return "", c.fail(ctx, err), true
		}
		all = append(all, a)
	}
	for _, match := range []func(api.Account) bool{
		func(a api.Account) bool { return strings.HasPrefix(string(a.Id), strings.ToLower(arg)) },
		func(a api.Account) bool { return strings.EqualFold(a.Username, arg) },
	} {
		var found []string
		for _, a := range all {
			if match(a) {
				found = append(found, fmt.Sprintf("%s (%s, %s)", a.Id, clean(truncate(a.Username, 30)), a.Type))
			}
		}
		switch {
		case len(found) == 1:
			id, _, _ := strings.Cut(found[0], " ")
			return id, 0, false
		case len(found) > 1:
			return "", c.usageError(c.cmd, fmt.Sprintf("ACCOUNT %q is ambiguous: %s; give more of the id", truncate(arg, 40), strings.Join(found[:min(5, len(found))], ", "))), true
		}
	}
	return "", c.usageError(c.cmd, fmt.Sprintf("ACCOUNT %q is no account's id, prefix or username ('lobstr accounts ls' lists them)", truncate(arg, 40))), true
}
