// Package cli is the lobstr command line: every command of `lobstr` (the official CLI's
// verbs and ours, `lobstr mock`, `lobstr mcp`), on spf13/cobra. cmd/lobstr is a thin main
// over Main; tests run commands in-process through run.
//
//	lobstr whoami
//	lobstr crawlers ls|show|search|params|attrs ...
//	lobstr squid create|ls|show|update|empty|rm ...
//	lobstr task show|wait|ls|add|rm|upload|upload-status ...
//	lobstr config set-token|show|set-alias ...
//	lobstr mock [--addr 127.0.0.1:8080] [--rate-limit N/D] [--latency D] [--fail-rate P]
//	lobstr version | help [COMMAND]
//
// `lobstr --help` lists the global flags and the exit statuses. The conventions every
// command group follows live in a few files: out.go (terminals, widths, --json, errors,
// exit statuses, notices), table.go (tables and key/value views), progress.go (progress
// lines), config.go (the config file, aliases), resolve.go (squid arguments), client.go
// (the API client: token, base URL, --verbose, visible waits), commands.go (the cobra tree).
package cli

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"sort"
	"strings"
	"sync"
	"syscall"

	flag "github.com/spf13/pflag"

	"github.com/lobstr-go/lobstr/api"
)

// Exit statuses, the same for every command.
const (
	exitOK          = 0
	exitFail        = 1   // the API or the network said no
	exitUsage       = 2   // bad usage or configuration
	exitWaitState   = 3   // a wait ended without the state asked for (failed task, --timeout)
	exitInterrupted = 130 // SIGINT (128 + 2)
)

// Main runs the lobstr command line on the process's arguments, streams and environment,
// and exits with the command's status; a first SIGINT or SIGTERM interrupts the command
// (exit status 130), a second one kills the process.
func Main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	go func() {
		// After the first signal, let a second one kill the process the default way.
		<-ctx.Done()
		stop()
	}()
	code := run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr, os.Getenv)
	stop()
	os.Exit(code)
}

// cli is one invocation: its streams, environment and global flags.
type cli struct {
	stdin          io.Reader
	stdout, stderr io.Writer
	env            func(string) string
	out, errOut    stream // what stdout and stderr are: terminal or not, and how wide

	json      bool   // --json
	baseURL   string // --base-url; "" means $LOBSTR_BASE_URL, else the public API
	tokenFlag string // --token
	verbose   bool   // --verbose
	quiet     bool   // --quiet
	version   bool   // --version
	insecure  bool   // --insecure-http

	cmd string // the command being run, for messages: "task ls"

	mu   sync.Mutex
	prog *progress // the progress line on screen, if any (notices go around it)
}

// run is the whole program: it parses args, runs the command and returns the exit status.
// Tests call it in-process. ctx ending (a signal) interrupts the command: exit status 130.
func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer, env func(string) string) int {
	if env == nil {
		env = func(string) string { return "" }
	}
	if stdin == nil {
		stdin = strings.NewReader("")
	}
	c := &cli{stdin: stdin, stdout: stdout, stderr: stderr, env: env}
	c.out, c.errOut = c.detect(stdout), c.detect(stderr)
	return c.execute(ctx, args)
}

// group is a top-level command: `lobstr task`, `lobstr config`, `lobstr mock`, …
type group struct {
	name    string
	aliases []string // other names: `lobstr tasks`
	section string   // the section of `lobstr --help` it is listed in (see sections)
	short   string   // what it does, in a few words, for the shells' completion
	subs    []string // its commands, "ls|list" for a command and its aliases, for cobra
	// run runs the group with the arguments after its name.
	run func(c *cli, ctx context.Context, args []string) int
	// help prints the group's usage (for `lobstr help NAME`).
	help func(c *cli, ctx context.Context, args []string) int
}

// groups are the top-level commands by name and alias. A group added later (in its own
// file) calls addGroup from its init function.
var groups = map[string]group{}

func init() {
	for _, g := range []group{
		{"go", nil, "start", "crawler, squid, tasks, run, wait, download: the whole job", nil,
			(*cli).goCmd, func(c *cli, ctx context.Context, _ []string) int { return c.goCmd(ctx, []string{"--help"}) }},
		{"whoami", nil, "start", "the token's user, plan and credits", nil, (*cli).whoami, (*cli).whoamiHelp},
		{"crawlers", []string{"crawler"}, "start", "the crawlers and what they take",
			[]string{"ls|list", "show|get", "search", "params", "attrs"}, (*cli).crawlers, (*cli).crawlersHelp},
		{"squid", []string{"squids"}, "work", "create, list, show, change, empty and delete squids",
			[]string{"create", "ls|list", "show|get", "update", "empty", "rm|delete"}, (*cli).squid, (*cli).squidHelp},
		{"task", []string{"tasks"}, "work", "add, list, show, wait for and delete tasks",
			[]string{"show|get", "wait", "ls|list", "add", "rm|delete", "upload", "upload-status"}, (*cli).task, (*cli).taskHelp},
		{"run", nil, "work", "start, watch, abort and download runs",
			[]string{"start", "ls|list", "show|get", "stats", "tasks", "watch|wait", "abort", "download"}, (*cli).runGroup, (*cli).runHelp},
		{"results", nil, "work", "the scraped rows", []string{"get"}, (*cli).resultsGroup, (*cli).resultsHelp},
		{"delivery", nil, "work", "where a squid's exports go",
			[]string{"email", "googlesheet", "s3", "sftp", "webhook", "test", "test-email", "test-googlesheet", "test-s3", "test-sftp", "test-webhook"},
			(*cli).delivery, (*cli).deliveryHelp},
		{"accounts", []string{"account"}, "account", "the platform accounts crawlers log in with",
			[]string{"ls|list", "show|get", "types", "sync", "sync-status", "update", "rm|delete"}, (*cli).accounts, (*cli).accountsHelp},
		{"config", nil, "account", "the token and the squid aliases", []string{"set-token", "show", "set-alias"}, (*cli).config, (*cli).configHelp},
		{"mock", nil, "tools", "serve a fake lobstr API on a port", nil,
			(*cli).mock, func(c *cli, ctx context.Context, _ []string) int { return c.mock(ctx, []string{"--help"}) }},
		{"version", nil, "tools", "print the version", nil, (*cli).versionCmd, func(c *cli, _ context.Context, _ []string) int {
			fmt.Fprint(c.stdout, "Usage: lobstr version [--json]\n\nPrint the version of lobstr.\n\nExample:\n  lobstr version\n")
			return exitOK
		}},
		{"help", nil, "tools", "print the usage of a command", nil, (*cli).helpCmd, func(c *cli, _ context.Context, _ []string) int {
			fmt.Fprint(c.stdout, "Usage: lobstr help [COMMAND [SUBCOMMAND]]\n\nPrint the usage of lobstr or of a command.\n\nExample:\n  lobstr help task ls\n")
			return exitOK
		}},
	} {
		addGroup(g)
	}
}

func (c *cli) versionCmd(_ context.Context, args []string) int {
	fs := c.flagSet("lobstr version")
	rest, err := parse(fs, args, true)
	if err != nil {
		return c.flagError(err, "version", func(w io.Writer) { groups["version"].help(c, nil, nil) })
	}
	if len(rest) > 0 {
		return c.usageError("version", fmt.Sprintf("too many arguments: %q", rest))
	}
	if c.json {
		doc, _ := json.Marshal(struct {
			Version string `json:"version"`
		}{api.Version})
		return c.printJSON(doc)
	}
	fmt.Fprintln(c.stdout, "lobstr", api.Version)
	return exitOK
}

// helpCmd is `lobstr help [COMMAND [SUBCOMMAND]]`: the usage, on stdout.
func (c *cli) helpCmd(ctx context.Context, args []string) int {
	if len(args) == 0 {
		fmt.Fprint(c.stdout, mainUsage)
		return exitOK
	}
	g, ok := groups[args[0]]
	if !ok {
		return c.usageError("", fmt.Sprintf("no help for %q: unknown command", args[0]))
	}
	c.cmd = g.name
	return g.help(c, ctx, args[1:])
}

// flagSet returns a flag set holding the global flags, bound to c: every command accepts
// them, before or after its name.
func (c *cli) flagSet(name string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(io.Discard) // errors and usage are printed by flagError
	fs.Usage = func() {}
	c.globalFlags(fs)
	return fs
}

// globalFlags adds the global flags to fs, bound to c.
func (c *cli) globalFlags(fs *flag.FlagSet) {
	fs.BoolVar(&c.json, "json", c.json, "print the API's JSON as the server sent it")
	fs.StringVar(&c.baseURL, "base-url", c.baseURL, "`URL` of the API (default $LOBSTR_BASE_URL, else public)")
	fs.StringVar(&c.tokenFlag, "token", c.tokenFlag, "API `TOKEN` (default $LOBSTR_TOKEN, else the config file)")
	fs.BoolVar(&c.verbose, "verbose", c.verbose, "print each request and its status on stderr")
	fs.BoolVar(&c.quiet, "quiet", c.quiet, "print no progress and no notices, only errors")
	fs.BoolVar(&c.version, "version", c.version, "print the version and exit")
	fs.BoolVar(&c.insecure, "insecure-http", c.insecure, "allow a plain-http base URL off loopback")
}

// globalFlags are the flags every flag set has.
var globalFlags = map[string]bool{"json": true, "base-url": true, "token": true, "verbose": true,
	"quiet": true, "version": true, "insecure-http": true}

// parse parses args with fs and returns the arguments that are not flags. With
// interspersed, flags and arguments may come in any order (`task ls SQUID --limit 5`);
// without, parsing stops at the first argument (a command's name). "--" ends the flags.
// A long flag written with one dash (-json), as Go's flag package allowed, is read as
// the long flag when no short flag reading of it would make sense.
func parse(fs *flag.FlagSet, args []string, interspersed bool) ([]string, error) {
	fs.SetInterspersed(interspersed)
	args = longDashes(fs, args)
	if err := fs.Parse(args); err != nil {
		if name, ok := strings.CutPrefix(err.Error(), "unknown flag: --"); ok {
			var known []string
			fs.VisitAll(func(f *flag.Flag) { known = append(known, "--"+f.Name) })
			return nil, fmt.Errorf("%w%s", err, didYouMean("--"+name, known))
		}
		return nil, err
	}
	return fs.Args(), nil
}

// longDashes rewrites -name and -name=value into --name and --name=value when name is a
// long flag of fs, up to "--".
func longDashes(fs *flag.FlagSet, args []string) []string {
	var out []string
	for i, a := range args {
		if a == "--" {
			return append(out, args[i:]...)
		}
		if len(a) > 2 && a[0] == '-' && a[1] != '-' {
			name, _, _ := strings.Cut(a[1:], "=")
			if len(name) > 1 && fs.Lookup(name) != nil {
				a = "-" + a
			}
		}
		out = append(out, a)
	}
	return out
}

// flagError handles a parse error: --help prints the usage on stdout (exit 0), anything
// else is a usage error of cmd (exit 2).
func (c *cli) flagError(err error, cmd string, usage func(w io.Writer)) int {
	if errors.Is(err, flag.ErrHelp) {
		usage(c.stdout)
		return exitOK
	}
	return c.usageError(cmd, err.Error())
}

// printCommandUsage prints a command's usage text and its flags.
func printCommandUsage(w io.Writer, usage string, fs *flag.FlagSet) {
	fmt.Fprint(w, usage)
	var own, global []*flag.Flag
	fs.VisitAll(func(f *flag.Flag) {
		if globalFlags[f.Name] {
			global = append(global, f)
		} else {
			own = append(own, f)
		}
	})
	if len(own) > 0 {
		fmt.Fprintln(w, "\nFlags:")
		printFlags(w, own)
	}
	fmt.Fprintln(w, "\nGlobal flags: see 'lobstr --help'.")
}

func printFlags(w io.Writer, flags []*flag.Flag) {
	sort.Slice(flags, func(i, j int) bool { return flags[i].Name < flags[j].Name })
	for _, f := range flags {
		name, usage := flag.UnquoteUsage(f)
		head := "--" + f.Name
		if f.Shorthand != "" {
			head = "-" + f.Shorthand + ", " + head
		}
		if name != "" {
			head += " " + name
		}
		def := ""
		if f.DefValue != "" && f.DefValue != "false" && f.DefValue != "0" && f.DefValue != "0s" && !globalFlags[f.Name] {
			def = " (default " + f.DefValue + ")"
		}
		line := fmt.Sprintf("  %-18s %s%s", head, usage, def)
		if len([]rune(line)) > 80 && def != "" {
			line = fmt.Sprintf("  %-18s %s\n  %-18s%s", head, usage, "", def)
		}
		fmt.Fprintln(w, line)
	}
}

// mainUsage is `lobstr --help`. README's command-line section lists the same commands
// (a test checks it).
const mainUsage = `lobstr is a command-line client of lobstr.io's API.

Usage:
  lobstr [GLOBAL FLAGS] COMMAND [ARGUMENTS] [FLAGS]

Commands:
Start here:
  go CRAWLER INPUT...        a new squid, tasks, run, wait, download: the job
  whoami                     show the token's user, plan and credits
  crawlers ls                list every crawler
  crawlers show CRAWLER      show a crawler's details
  crawlers search KEYWORD    find crawlers by name or slug
  crawlers params CRAWLER    show what a crawler's tasks and squids take
  crawlers attrs CRAWLER     show the columns of a crawler's results
Squids, tasks, runs and results:
  squid create CRAWLER       create a squid on a crawler
  squid ls                   list your squids
  squid show SQUID           show a squid's settings, delivery and last run
  squid update SQUID         change a squid's name, concurrency, params, ...
  squid empty SQUID          delete a squid's tasks (asks first)
  squid rm SQUID             delete a squid (asks first)
  task show HASH             show a task and its status
  task wait HASH             wait until a task is done, progress on stderr
  task ls SQUID              list the tasks of a squid
  task add SQUID VALUE...    add tasks to a squid
  task rm HASH               delete a task (asks first)
  task upload SQUID FILE     upload a CSV or TSV file of tasks
  task upload-status ID      show how far an upload has got
  run start SQUID            start a run [--wait] [--download FILE]
  run ls SQUID               list the runs of a squid
  run show RUN               show a run
  run stats RUN              show a run's live progress
  run tasks RUN              list the tasks a run executed
  run watch RUN              wait for a run and its export
  run abort RUN              stop a run
  run download RUN [PATH]    download a run's export (results.csv)
  results get SQUID          print scraped rows as JSON or CSV
  delivery email SQUID       deliver a squid's exports by email
  delivery googlesheet SQUID  deliver to a Google Sheet
  delivery s3 SQUID          deliver to Amazon S3 (--secret-key-file F|-)
  delivery sftp SQUID        deliver to an SFTP server (--password-file F|-)
  delivery webhook SQUID     post run events to a URL
  delivery test ROUTE        test a delivery route
Your account and this machine:
  accounts ls                list the platform accounts
  accounts show ACCOUNT      show an account
  accounts types             list the account types and their cookies
  accounts sync TYPE         sync an account from cookies (--cookies-file F|-)
  accounts sync-status ID    show how far a sync has got (--wait)
  accounts update ACCOUNT    set an account's limits
  accounts rm ACCOUNT        delete an account (asks first)
  config set-token TOKEN     save the API token in the config file
  config show                show the config file (the token masked)
  config set-alias NAME SQUID  let @NAME stand for a squid
Tools:
  mock                       serve a fake lobstr API on a port
  mcp                        lobstr for AI agents: an MCP server
  completion SHELL           a completion script: bash, zsh, fish, powershell
  version                    print the version
  help [COMMAND]             print the usage of a command

A SQUID is a squid id, a unique prefix of one, @NAME for an alias saved with
'config set-alias', or a squid's name (or a unique part of it). A CRAWLER is
an id, a slug, or a unique part of one. Mistyped commands get a suggestion.

Global flags (before or after the command):
  --json              print the API's JSON as the server sent it; errors as
                      {"error": {...}} on stderr
  --base-url URL      the API's base URL (default $LOBSTR_BASE_URL,
                      else ` + api.DefaultBaseURL + `)
  --token TOKEN       the API token (default $LOBSTR_TOKEN, else the config
                      file)
  --verbose           print each request and its status on stderr
  --quiet             print no progress and no notices, only errors
  --insecure-http     allow a plain-http base URL on a host off loopback
  --version           print the version

Output: results on stdout, progress and diagnostics on stderr. On a terminal,
tables fit its width; into a pipe or a file, nothing is ever cut.

Exit status:
  0    done
  1    the API or the network said no
  2    bad usage or configuration
  3    a wait ended without the state asked for (failed task, aborted run,
       --timeout)
  130  interrupted

Example:
  LOBSTR_TOKEN=... lobstr task show c5e29d2aba8b77cdc56391e7405302de

Run 'lobstr help COMMAND' or 'lobstr COMMAND --help' for a command's flags.
`
