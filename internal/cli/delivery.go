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
	for _, ch := range deliveryChannels {
		deliveryCommands[ch.name] = subcommand{ch.name, ch.run}
		// The official CLI's test verbs.
		route := ch.name
		deliveryCommands["test-"+route] = subcommand{"test " + route, func(c *cli, ctx context.Context, args []string) int {
			return c.deliveryTest(ctx, append([]string{route}, args...))
		}}
	}
	deliveryCommands["test"] = subcommand{"test", (*cli).deliveryTest}
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

// -- the channels -----------------------------------------------------------------------------

// deliveryChannel is one channel's command, `lobstr delivery NAME SQUID [FLAGS]`: it sets
// the channel of a squid (Configure Delivery) and prints what the server answered.
type deliveryChannel struct {
	name, usage string
	// flags registers the channel's flags on fs and returns what runs once they are parsed.
	flags func(c *cli, fs *flag.FlagSet) deliveryRun
}

// deliveryRun is a channel command's work after its flags are parsed.
type deliveryRun struct {
	// pairs are the channel's --X/--no-X pairs, read first.
	pairs []flagPair
	// check reads the other flags: the message of a usage error, or "".
	check func() string
	// configure sets the squid's channel and adds what the server answered to v. hide are
	// the secrets kept out of the output, errors included (nil: the command has none).
	configure func(ctx context.Context, cl *api.Client, squid string, v *kvView) (hide []string, err error)
}

// run is the command: its flags, the squid, the call, and the key/value view of the answer.
func (ch deliveryChannel) run(c *cli, ctx context.Context, args []string) int {
	fs := c.flagSet("lobstr delivery " + ch.name)
	r := ch.flags(c, fs)
	rest, code, done := c.parseCommand(fs, args, ch.usage, 1, 1)
	if done {
		return code
	}
	if msg := readPairs(fs, r.pairs...); msg != "" {
		return c.usageError(c.cmd, msg)
	}
	if msg := r.check(); msg != "" {
		return c.usageError(c.cmd, msg)
	}
	cl, squid, code, done := c.clientForSquid(ctx, rest[0])
	if done {
		return code
	}
	cctx, raw := capture(ctx)
	var v kvView
	v.id("squid", squid)
	hide, err := r.configure(cctx, cl, squid, &v)
	if err != nil {
		if hide == nil {
			return c.fail(ctx, err)
		}
		return c.failSecret(ctx, err, hide...)
	}
	return c.configured(raw, v, hide...)
}

// flagPair is a --yes/--no-yes pair of flags and the option it sets when one is given.
type flagPair struct {
	yes, no string
	dst     **bool
}

// readPairs reads pairs in order: the message of the first contradiction, or "".
func readPairs(fs *flag.FlagSet, pairs ...flagPair) string {
	for _, p := range pairs {
		v, msg := pair(fs, p.yes, p.no)
		if msg != "" {
			return msg
		}
		*p.dst = v
	}
	return ""
}

// deliveryChannels are the channels, each a command of `lobstr delivery`.
var deliveryChannels = []deliveryChannel{
	{"email", deliveryEmailUsage, emailChannel},
	{"googlesheet", deliveryGoogleSheetUsage, googleSheetChannel},
	{"s3", deliveryS3Usage, s3Channel},
	{"sftp", deliverySFTPUsage, sftpChannel},
	{"webhook", deliveryWebhookUsage, webhookChannel},
}

// -- email ------------------------------------------------------------------------------------

const deliveryEmailUsage = `Usage: lobstr delivery email SQUID --email ADDRESS [--notifications|--no-notifications]

Deliver a squid's exports by email. --no-notifications keeps the address
without an email at the end of each run.

Example:
  lobstr delivery email @leads --email me@example.com
`

func emailChannel(_ *cli, fs *flag.FlagSet) deliveryRun {
	var o api.EmailOptions
	fs.StringVar(&o.Email, "email", "", "the `ADDRESS` (required)")
	fs.Bool("notifications", false, "an email when a run finishes (the server's default)")
	fs.Bool("no-notifications", false, "no email when a run finishes")
	return deliveryRun{
		pairs: []flagPair{{"notifications", "no-notifications", &o.Notifications}},
		check: func() string {
			if o.Email == "" {
				return "--email is required"
			}
			return ""
		},
		configure: func(ctx context.Context, cl *api.Client, squid string, v *kvView) ([]string, error) {
			d, err := cl.Delivery.Email(ctx, squid, o)
			if err != nil {
				return nil, err
			}
			v.add("email", d.Email)
			v.add("notifications", yesNo(d.Notifications))
			if at, ok := d.NotificationsActivationDate.Get(); ok {
				v.add("since", formatTime(&at))
			}
			return nil, nil
		},
	}
}

// -- googlesheet ------------------------------------------------------------------------------

const deliveryGoogleSheetUsage = `Usage: lobstr delivery googlesheet SQUID --url URL [--append|--no-append] [--active|--inactive]

Deliver a squid's exports to a Google Sheet, shared as editable by anyone with
the link. --append adds each export (without duplicates) instead of replacing
the sheet. Exports are capped at 100,000 rows.

Example:
  lobstr delivery googlesheet @leads --url https://docs.google.com/spreadsheets/d/ID/edit --append
`

func googleSheetChannel(_ *cli, fs *flag.FlagSet) deliveryRun {
	var o api.GoogleSheetOptions
	var act activeFlags
	fs.StringVar(&o.URL, "url", "", "the sheet's `URL` (required)")
	fs.Bool("append", false, "append each export")
	fs.Bool("no-append", false, "replace the sheet with each export (the server's default)")
	act.register(fs, "delivery")
	return deliveryRun{
		pairs: []flagPair{{"append", "no-append", &o.Append}, {"active", "inactive", &o.Active}},
		check: func() string {
			if o.URL == "" {
				return "--url is required"
			}
			return ""
		},
		configure: func(ctx context.Context, cl *api.Client, squid string, v *kvView) ([]string, error) {
			d, err := cl.Delivery.GoogleSheet(ctx, squid, o)
			if err != nil {
				return nil, err
			}
			v.add("url", d.Url)
			v.add("append", onOff(d.Append))
			v.add("active", onOff(d.IsActive))
			return nil, nil
		},
	}
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

func s3Channel(c *cli, fs *flag.FlagSet) deliveryRun {
	var o api.S3Options
	var act activeFlags
	var secret, secretFile string
	fs.StringVar(&o.Bucket, "bucket", "", "the `BUCKET` (required)")
	fs.StringVar(&o.TargetPath, "target-path", "", "the `FOLDER` in the bucket (required)")
	fs.StringVar(&o.AccessKey, "aws-access-key", "", "the access key `ID`")
	fs.StringVar(&secret, "aws-secret-key", "", "the secret `KEY` (visible in the process list)")
	fs.StringVar(&secretFile, "secret-key-file", "", "read the secret key from `FILE` (- for stdin)")
	act.register(fs, "delivery")
	return deliveryRun{
		pairs: []flagPair{{"active", "inactive", &o.Active}},
		check: func() string {
			var msg string
			if secret, msg = c.secretFlag("aws-secret-key", secret, "secret-key-file", secretFile); msg != "" {
				return msg
			}
			o.SecretKey = api.Secret(secret)
			switch {
			case o.Bucket == "" || o.TargetPath == "":
				return "--bucket and --target-path are required"
			case (o.AccessKey == "") != (secret == ""):
				return "give both --aws-access-key and the secret key, or neither"
			}
			return ""
		},
		configure: func(ctx context.Context, cl *api.Client, squid string, v *kvView) ([]string, error) {
			d, err := cl.Delivery.S3(ctx, squid, o)
			if err != nil {
				return []string{secret}, err
			}
			v.add("bucket", d.Bucket)
			v.add("target path", d.TargetPath)
			v.add("access key", orDash(d.AccessKey))
			v.add("secret key", orDash(d.SecretKey.String()))
			v.add("active", onOff(d.Active))
			return []string{secret, string(d.SecretKey)}, nil
		},
	}
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

func sftpChannel(c *cli, fs *flag.FlagSet) deliveryRun {
	var f sftpFlags
	var act activeFlags
	f.register(fs)
	act.register(fs, "delivery")
	return deliveryRun{
		pairs: []flagPair{{"active", "inactive", &f.o.Active}},
		check: func() string {
			msg, _ := c.sftpOptions(&f)
			return msg
		},
		configure: func(ctx context.Context, cl *api.Client, squid string, v *kvView) ([]string, error) {
			d, err := cl.Delivery.SFTP(ctx, squid, f.o)
			if err != nil {
				return []string{f.password}, err
			}
			v.add("host", d.Host)
			v.add("port", strconv.Itoa(d.Port))
			v.add("username", d.Username)
			v.add("password", orDash(d.Password.String()))
			v.add("directory", d.Directory)
			v.add("active", onOff(d.Active))
			return []string{f.password, string(d.Password)}, nil
		},
	}
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

func webhookChannel(_ *cli, fs *flag.FlagSet) deliveryRun {
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
	return deliveryRun{
		pairs: []flagPair{{"retry", "no-retry", &o.Retry}, {"active", "inactive", &o.Active}},
		check: func() string {
			set := map[string]bool{}
			fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
			for name, dst := range map[string]**bool{"on-running": &o.OnRunning, "on-paused": &o.OnPaused, "on-done": &o.OnDone, "on-error": &o.OnError} {
				if set[name] {
					v, _ := fs.GetBool(name)
					*dst = api.Bool(v)
				}
			}
			if o.URL == "" {
				return "--url is required"
			}
			return ""
		},
		configure: func(ctx context.Context, cl *api.Client, squid string, v *kvView) ([]string, error) {
			d, err := cl.Delivery.Webhook(ctx, squid, o)
			if err != nil {
				return nil, err
			}
			v.add("url", d.Url)
			v.add("active", onOff(d.IsActive))
			v.add("retry", onOff(d.Retry))
			if e := d.Events; e != nil {
				v.add("events", fmt.Sprintf("running %s, paused %s, done %s, error %s", onOff(e.RunRunning), onOff(e.RunPaused), onOff(e.RunDone), onOff(e.RunError)))
			}
			return nil, nil
		},
	}
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
