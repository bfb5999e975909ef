package cli

import (
	"context"
	"fmt"
	"strconv"

	flag "github.com/spf13/pflag"

	"github.com/lobstr-go/lobstr/api"
)

var deliveryCommands = map[string]subcommand{}

func init() {
	for _, cmd := range []subcommand{
		{"email", (*cli).deliveryEmail},
		{"googlesheet", (*cli).deliveryGoogleSheet},
		{"s3", (*cli).deliveryS3},
		{"sftp", (*cli).deliverySFTP},
		{"webhook", (*cli).deliveryWebhook},
		{"test", (*cli).deliveryTest},
	} {
		deliveryCommands[cmd.name] = cmd
	}
	// The official CLI's test verbs.
	for _, route := range []string{"email", "googlesheet", "s3", "sftp", "webhook"} {
		deliveryCommands["test-"+route] = subcommand{"test " + route, func(c *cli, ctx context.Context, args []string) int {
			return c.deliveryTest(ctx, append([]string{route}, args...))
		}}
	}
}

const deliveryUsage = `Usage: lobstr delivery COMMAND SQUID [FLAGS]

Where a squid's exports go when a run ends (Configure Delivery), and tests of
those routes. Each command sets one channel; flags left out are not sent, and
the server's defaults apply.

Commands:
  email SQUID           deliver by email (--email ADDRESS)
  googlesheet SQUID     deliver to a Google Sheet (--url URL)
  s3 SQUID              deliver to Amazon S3 (--bucket B --target-path P)
  sftp SQUID            deliver to an SFTP server (--host H --username U ...)
  webhook SQUID         post run events to a URL (--url URL)
  test ROUTE            test a route: email, googlesheet, s3, sftp or webhook

Secrets (an S3 secret key, an SFTP password) can come from a file or stdin:
--secret-key-file F, --password-file F (- for stdin). On the command line they
are visible to other users of the machine in the process list. lobstr never
prints them, --json included.

Example:
  lobstr delivery webhook @leads --url https://example.com/hook --on-running

Run 'lobstr delivery COMMAND --help' for a command's flags and an example.
`

func (c *cli) delivery(ctx context.Context, args []string) int {
	return c.dispatch(ctx, "delivery", deliveryUsage, deliveryCommands, "email, googlesheet, s3, sftp, webhook or test", args)
}

func (c *cli) deliveryHelp(ctx context.Context, args []string) int {
	return c.groupHelp(ctx, "delivery", deliveryUsage, deliveryCommands, args)
}

// activeFlags are --active and --inactive.
type activeFlags struct{ on, off bool }

func (a *activeFlags) register(fs *flag.FlagSet, what string) {
	fs.BoolVar(&a.on, "active", false, "turn the "+what+" on (the server's default)")
	fs.BoolVar(&a.off, "inactive", false, "turn the "+what+" off")
}

// pair reads a --X/--no-X pair: nil when neither was given.
func pair(fs *flag.FlagSet, yes, no string) (*bool, string) {
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	get := func(name string) bool { v, _ := fs.GetBool(name); return v }
	switch {
	case set[yes] && set[no]:
		return nil, fmt.Sprintf("--%s and --%s contradict each other", yes, no)
	case set[yes]:
		return api.Bool(get(yes)), ""
	case set[no]:
		return api.Bool(!get(no)), ""
	}
	return nil, ""
}

// secretFlag reads a secret given on the command line (flag) or in a file (fileFlag).
func (c *cli) secretFlag(flagName, value, fileFlag, path string) (string, string) {
	switch {
	case value != "" && path != "":
		return "", fmt.Sprintf("--%s and --%s: give one", flagName, fileFlag)
	case path != "":
		s, err := c.readSecretSource(fileFlag, path)
		if err != nil {
			return "", err.Error()
		}
		return s, ""
	}
	return value, ""
}

// configured prints what a configure command answered: --json the server's bytes with the
// secrets hidden, else the key/value view.
func (c *cli) configured(raw *bodies, view kvView, secrets ...string) int {
	if c.json {
		return c.printJSON(redactAll(raw.last(), secrets...))
	}
	view.render(c.stdout, c.out, c.color(c.out))
	return exitOK
}

func onOff(b *bool) string {
	if b == nil {
		return "-"
	}
	return yesNo(*b)
}

// -- email ------------------------------------------------------------------------------------

const deliveryEmailUsage = `Usage: lobstr delivery email SQUID --email ADDRESS [--notifications|--no-notifications]

Deliver a squid's exports by email. --no-notifications keeps the address
without an email at the end of each run.

Example:
  lobstr delivery email @leads --email me@example.com
`

func (c *cli) deliveryEmail(ctx context.Context, args []string) int {
	fs := c.flagSet("lobstr delivery email")
	var o api.EmailOptions
	fs.StringVar(&o.Email, "email", "", "the `ADDRESS` (required)")
	fs.Bool("notifications", false, "an email when a run finishes (the server's default)")
	fs.Bool("no-notifications", false, "no email when a run finishes")
	rest, code, done := c.parseCommand(fs, args, deliveryEmailUsage, 1, 1)
	if done {
		return code
	}
	var msg string
	if o.Notifications, msg = pair(fs, "notifications", "no-notifications"); msg != "" {
		return c.usageError(c.cmd, msg)
	}
	if o.Email == "" {
		return c.usageError(c.cmd, "--email is required")
	}
	cl, squid, code, done := c.clientForSquid(ctx, rest[0])
	if done {
		return code
	}
	cctx, raw := capture(ctx)
	d, err := cl.Delivery.Email(cctx, squid, o)
	if err != nil {
		return c.fail(ctx, err)
	}
	var v kvView
	v.id("squid", squid)
	v.add("email", d.Email)
	v.add("notifications", yesNo(d.Notifications))
	if at, ok := d.NotificationsActivationDate.Get(); ok {
		v.add("since", formatTime(&at))
	}
	return c.configured(raw, v)
}

// -- googlesheet ------------------------------------------------------------------------------

const deliveryGoogleSheetUsage = `Usage: lobstr delivery googlesheet SQUID --url URL [--append|--no-append] [--active|--inactive]

Deliver a squid's exports to a Google Sheet, shared as editable by anyone with
the link. --append adds each export (without duplicates) instead of replacing
the sheet. Exports are capped at 100,000 rows.

Example:
  lobstr delivery googlesheet @leads --url https://docs.google.com/spreadsheets/d/ID/edit --append
`

func (c *cli) deliveryGoogleSheet(ctx context.Context, args []string) int {
	fs := c.flagSet("lobstr delivery googlesheet")
	var o api.GoogleSheetOptions
	var act activeFlags
	fs.StringVar(&o.URL, "url", "", "the sheet's `URL` (required)")
	fs.Bool("append", false, "append each export")
	fs.Bool("no-append", false, "replace the sheet with each export (the server's default)")
	act.register(fs, "delivery")
	rest, code, done := c.parseCommand(fs, args, deliveryGoogleSheetUsage, 1, 1)
	if done {
		return code
	}
	var msg string
	if o.Append, msg = pair(fs, "append", "no-append"); msg != "" {
		return c.usageError(c.cmd, msg)
	}
	if o.Active, msg = pair(fs, "active", "inactive"); msg != "" {
		return c.usageError(c.cmd, msg)
	}
	if o.URL == "" {
		return c.usageError(c.cmd, "--url is required")
	}
	cl, squid, code, done := c.clientForSquid(ctx, rest[0])
	if done {
		return code
	}
	cctx, raw := capture(ctx)
	d, err := cl.Delivery.GoogleSheet(cctx, squid, o)
	if err != nil {
		return c.fail(ctx, err)
	}
	var v kvView
	v.id("squid", squid)
	v.add("url", d.Url)
	v.add("append", onOff(d.Append))
	v.add("active", onOff(d.IsActive))
	return c.configured(raw, v)
}

// -- s3 ---------------------------------------------------------------------------------------

const deliveryS3Usage = `Usage: lobstr delivery s3 SQUID --bucket B --target-path P [--aws-access-key K --secret-key-file F|-] [--active|--inactive]

Deliver a squid's exports to Amazon S3: files go to s3://B/P/<file>.csv.
Without keys the bucket's policy must allow public writes. Give the secret key
with --secret-key-file F (- for stdin); --aws-secret-key also works, as in the
official CLI, but puts it on the command line, where other users of the
machine can read it. lobstr never prints the secret key.

Example:
  lobstr delivery s3 @leads --bucket my-bucket --target-path exports --aws-access-key AKIA... --secret-key-file - < key.txt
`

func (c *cli) deliveryS3(ctx context.Context, args []string) int {
	fs := c.flagSet("lobstr delivery s3")
	var o api.S3Options
	var act activeFlags
	var secret, secretFile string
	fs.StringVar(&o.Bucket, "bucket", "", "the `BUCKET` (required)")
	fs.StringVar(&o.TargetPath, "target-path", "", "the `FOLDER` in the bucket (required)")
	fs.StringVar(&o.AccessKey, "aws-access-key", "", "the access key `ID`")
	fs.StringVar(&secret, "aws-secret-key", "", "the secret `KEY` (visible in the process list)")
	fs.StringVar(&secretFile, "secret-key-file", "", "read the secret key from `FILE` (- for stdin)")
	act.register(fs, "delivery")
	rest, code, done := c.parseCommand(fs, args, deliveryS3Usage, 1, 1)
	if done {
		return code
	}
	var msg string
	if o.Active, msg = pair(fs, "active", "inactive"); msg != "" {
		return c.usageError(c.cmd, msg)
	}
	if secret, msg = c.secretFlag("aws-secret-key", secret, "secret-key-file", secretFile); msg != "" {
		return c.usageError(c.cmd, msg)
	}
	o.SecretKey = api.Secret(secret)
	switch {
	case o.Bucket == "" || o.TargetPath == "":
		return c.usageError(c.cmd, "--bucket and --target-path are required")
	case (o.AccessKey == "") != (secret == ""):
		return c.usageError(c.cmd, "give both --aws-access-key and the secret key, or neither")
	}
	cl, squid, code, done := c.clientForSquid(ctx, rest[0])
	if done {
		return code
	}
	cctx, raw := capture(ctx)
	d, err := cl.Delivery.S3(cctx, squid, o)
	if err != nil {
		return c.failSecret(ctx, err, secret)
	}
	var v kvView
	v.id("squid", squid)
	v.add("bucket", d.Bucket)
	v.add("target path", d.TargetPath)
	v.add("access key", orDash(d.AccessKey))
	v.add("secret key", orDash(d.SecretKey.String()))
	v.add("active", onOff(d.Active))
	return c.configured(raw, v, secret, string(d.SecretKey))
}

// -- sftp -------------------------------------------------------------------------------------

const deliverySFTPUsage = `Usage: lobstr delivery sftp SQUID --host H [--port N] --username U --password-file F|- --directory D [--active|--inactive]

Deliver a squid's exports to an SFTP server lobstr.io can reach, into a
directory that exists. Give the password with --password-file F (- for stdin);
--password also works, as in the official CLI, but puts it on the command
line, where other users of the machine can read it. lobstr never prints it.

Example:
  lobstr delivery sftp @leads --host sftp.example.com --username me --password-file pw.txt --directory /upload
`

// sftpFlags are the flags of an SFTP route.
type sftpFlags struct {
	o                      api.SFTPOptions
	password, passwordFile string
}

func (f *sftpFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&f.o.Host, "host", "", "the server's `HOST` (required)")
	fs.IntVar(&f.o.Port, "port", 0, "the server's `PORT` (default: the server's, 22)")
	fs.StringVar(&f.o.Username, "username", "", "the `LOGIN` (required)")
	fs.StringVar(&f.password, "password", "", "the `PASSWORD` (visible in the process list)")
	fs.StringVar(&f.passwordFile, "password-file", "", "read the password from `FILE` (- for stdin)")
	fs.StringVar(&f.o.Directory, "directory", "", "the `DIRECTORY` on the server (required)")
}

func (c *cli) sftpOptions(f *sftpFlags) (string, bool) {
	pw, msg := c.secretFlag("password", f.password, "password-file", f.passwordFile)
	if msg != "" {
		return msg, false
	}
	f.password, f.o.Password = pw, api.Secret(pw)
	switch {
	case f.o.Host == "" || f.o.Username == "" || f.o.Directory == "":
		return "--host, --username and --directory are required", false
	case pw == "":
		return "no password: give --password-file F (or - for stdin)", false
	case f.o.Port < 0 || f.o.Port > 65535:
		return fmt.Sprintf("--port %d: want 1 to 65535", f.o.Port), false
	}
	return "", true
}

func (c *cli) deliverySFTP(ctx context.Context, args []string) int {
	fs := c.flagSet("lobstr delivery sftp")
	var f sftpFlags
	var act activeFlags
	f.register(fs)
	act.register(fs, "delivery")
	rest, code, done := c.parseCommand(fs, args, deliverySFTPUsage, 1, 1)
	if done {
		return code
	}
	var msg string
	if f.o.Active, msg = pair(fs, "active", "inactive"); msg != "" {
		return c.usageError(c.cmd, msg)
	}
	if msg, ok := c.sftpOptions(&f); !ok {
		return c.usageError(c.cmd, msg)
	}
	cl, squid, code, done := c.clientForSquid(ctx, rest[0])
	if done {
		return code
	}
	cctx, raw := capture(ctx)
	d, err := cl.Delivery.SFTP(cctx, squid, f.o)
	if err != nil {
		return c.failSecret(ctx, err, f.password)
	}
	var v kvView
	v.id("squid", squid)
	v.add("host", d.Host)
	v.add("port", strconv.Itoa(d.Port))
	v.add("username", d.Username)
	v.add("password", orDash(d.Password.String()))
	v.add("directory", d.Directory)
	v.add("active", onOff(d.Active))
	return c.configured(raw, v, f.password, string(d.Password))
}

// -- webhook ----------------------------------------------------------------------------------

const deliveryWebhookUsage = `Usage: lobstr delivery webhook SQUID --url URL [--retry|--no-retry] [--on-running] [--on-paused] [--on-done] [--on-error] [--active|--inactive]

Post a squid's run events to a URL, which must answer 200, 201 or 202 within
30 s. It replaces the squid's webhook. Events not given keep the server's
defaults (run.done and run.error on); --on-done=false turns one off. --retry
retries a failed delivery 3 times, 15 minutes apart (the server's default).

Example:
  lobstr delivery webhook @leads --url https://example.com/hook --on-running
`

func (c *cli) deliveryWebhook(ctx context.Context, args []string) int {
	fs := c.flagSet("lobstr delivery webhook")
	var o api.WebhookOptions
	var act activeFlags
	fs.StringVar(&o.URL, "url", "", "the `URL` (required)")
	fs.Bool("retry", false, "retry failed deliveries (the server's default)")
	fs.Bool("no-retry", false, "do not retry failed deliveries")
	fs.Bool("on-running", false, "send run.running: a run starts or resumes")
	fs.Bool("on-paused", false, "send run.paused: a run is paused")
	fs.Bool("on-done", false, "send run.done: a run finished")
	fs.Bool("on-error", false, "send run.error: a run crashed")
	act.register(fs, "webhook")
	rest, code, done := c.parseCommand(fs, args, deliveryWebhookUsage, 1, 1)
	if done {
		return code
	}
	var msg string
	if o.Retry, msg = pair(fs, "retry", "no-retry"); msg != "" {
		return c.usageError(c.cmd, msg)
	}
	if o.Active, msg = pair(fs, "active", "inactive"); msg != "" {
		return c.usageError(c.cmd, msg)
	}
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	for name, dst := range map[string]**bool{"on-running": &o.OnRunning, "on-paused": &o.OnPaused, "on-done": &o.OnDone, "on-error": &o.OnError} {
		if set[name] {
			v, _ := fs.GetBool(name)
			*dst = api.Bool(v)
		}
	}
	if o.URL == "" {
		return c.usageError(c.cmd, "--url is required")
	}
	cl, squid, code, done := c.clientForSquid(ctx, rest[0])
	if done {
		return code
	}
	cctx, raw := capture(ctx)
	d, err := cl.Delivery.Webhook(cctx, squid, o)
	if err != nil {
		return c.fail(ctx, err)
	}
	var v kvView
	v.id("squid", squid)
	v.add("url", d.Url)
	v.add("active", onOff(d.IsActive))
	v.add("retry", onOff(d.Retry))
	if e := d.Events; e != nil {
		v.add("events", fmt.Sprintf("running %s, paused %s, done %s, error %s", onOff(e.RunRunning), onOff(e.RunPaused), onOff(e.RunDone), onOff(e.RunError)))
	}
	return c.configured(raw, v)
}

// -- test -------------------------------------------------------------------------------------

const deliveryTestUsage = `Usage: lobstr delivery test ROUTE [FLAGS]

Test a delivery route without a squid: whether lobstr.io can deliver there now
(a passed test does not promise later deliveries). Exit status 1 when the test
fails.

  test email --email ADDRESS
  test googlesheet --url URL
  test webhook --url URL
  test s3 --bucket B [--aws-access-key K --secret-key-file F|-]
  test sftp --host H [--port N] --username U --password-file F|- --directory D

Secrets can come from a file or stdin (--secret-key-file, --password-file; -
for stdin) instead of the command line, which other users can read.

Example:
  lobstr delivery test webhook --url https://example.com/hook
`

func (c *cli) deliveryTest(ctx context.Context, args []string) int {
	fs := c.flagSet("lobstr delivery test")
	var email, url, bucket, access, secret, secretFile string
	var f sftpFlags
	fs.StringVar(&email, "email", "", "the `ADDRESS` to test (email)")
	fs.StringVar(&url, "url", "", "the `URL` to test (googlesheet, webhook)")
	fs.StringVar(&bucket, "bucket", "", "the `BUCKET` to test (s3)")
	fs.StringVar(&access, "aws-access-key", "", "the access key `ID` (s3)")
	fs.StringVar(&secret, "aws-secret-key", "", "the secret `KEY` (s3; visible in the process list)")
	fs.StringVar(&secretFile, "secret-key-file", "", "read the secret key from `FILE` (s3; - for stdin)")
	f.register(fs)
	rest, code, done := c.parseCommand(fs, args, deliveryTestUsage, 1, 1)
	if done {
		return code
	}
	route := rest[0]
	c.cmd = "delivery test"
	var secrets []string
	var call func(cl *api.Client, ctx context.Context) (*api.DeliveryTest, error)
	switch route {
	case "email":
		if email == "" {
			return c.usageError(c.cmd, "test email: --email is required")
		}
		call = func(cl *api.Client, ctx context.Context) (*api.DeliveryTest, error) {
			return cl.Delivery.TestEmail(ctx, email)
		}
	case "googlesheet", "webhook":
		if url == "" {
			return c.usageError(c.cmd, "test "+route+": --url is required")
		}
		call = func(cl *api.Client, ctx context.Context) (*api.DeliveryTest, error) {
			if route == "webhook" {
				return cl.Delivery.TestWebhook(ctx, url)
			}
			return cl.Delivery.TestGoogleSheet(ctx, url)
		}
	case "s3":
		var msg string
		if secret, msg = c.secretFlag("aws-secret-key", secret, "secret-key-file", secretFile); msg != "" {
			return c.usageError(c.cmd, msg)
		}
		if bucket == "" || (access == "") != (secret == "") {
			return c.usageError(c.cmd, "test s3: --bucket is required, and both keys or neither")
		}
		secrets = []string{secret}
		call = func(cl *api.Client, ctx context.Context) (*api.DeliveryTest, error) {
			return cl.Delivery.TestS3(ctx, bucket, access, api.Secret(secret))
		}
	case "sftp":
		if msg, ok := c.sftpOptions(&f); !ok {
			return c.usageError(c.cmd, "test sftp: "+msg)
		}
		secrets = []string{f.password}
		call = func(cl *api.Client, ctx context.Context) (*api.DeliveryTest, error) {
			return cl.Delivery.TestSFTP(ctx, f.o)
		}
	default:
		return c.usageError(c.cmd, fmt.Sprintf("unknown route %q: want email, googlesheet, s3, sftp or webhook", truncate(route, 40)))
	}
	cl, code, done := c.client()
	if done {
		return code
	}
	cctx, raw := capture(ctx)
	t, err := call(cl, cctx)
	if err != nil {
		return c.failSecret(ctx, err, secrets...)
	}
	if c.json {
		code = c.printJSON(redactAll(raw.last(), secrets...))
	} else if t.Success {
		line := route + " delivery test passed"
		if t.StatusCode != nil {
			line += fmt.Sprintf(" (the address answered %d)", *t.StatusCode)
		}
		fmt.Fprintln(c.stdout, line)
	}
	if !t.Success {
		return c.errorLine(exitFail, "test", route+" delivery test failed", 0, "")
	}
	return code
}
