// Command lobstr is a command-line client of lobstr.io's Tasks API, and a fake of that API
// for tests and demos.
//
//	lobstr task show HASH                      # Get Task
//	lobstr task wait HASH [--interval D]       # poll until done, progress on stderr
//	lobstr task ls SQUID [--limit N] [--page N] [--all]
//	lobstr task add SQUID VALUE... [--key url]
//	lobstr task rm HASH
//	lobstr task upload SQUID FILE [--wait]
//	lobstr task upload-status ID [--wait]
//	lobstr mock [--addr 127.0.0.1:8080] [--token T]
//
// Global flags, before or after the command: --json prints the API's JSON instead of a
// table; --base-url sets the API's base URL (default $LOBSTR_BASE_URL, else the public
// API). The token comes from LOBSTR_TOKEN, else the official CLI's config file.
//
// Exit status: 0 done, 1 the API or the network said no (or a waited-for task or upload
// did not succeed), 2 bad usage or configuration, 130 interrupted.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"sort"
	"strings"
	"syscall"

	"github.com/lobstr-go/lobstr/api"
)

// Exit statuses.
const (
	exitOK          = 0
	exitFail        = 1   // the API or the network said no
	exitUsage       = 2   // bad usage or configuration
	exitInterrupted = 130 // SIGINT (128 + 2)
)

func main() {
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

	json    bool   // --json
	baseURL string // --base-url; "" means $LOBSTR_BASE_URL, else the public API

	token string // from the environment, only to redact it from messages
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
	c.token = strings.TrimSpace(env("LOBSTR_TOKEN"))

	fs := c.flagSet("lobstr")
	rest, err := parse(fs, args, false)
	if code, done := c.flagError(err, mainUsage); done {
		return code
	}
	if len(rest) == 0 {
		fmt.Fprint(c.stderr, mainUsage)
		return exitUsage
	}
	switch verb, rest := rest[0], rest[1:]; verb {
	case "task", "tasks":
		return c.task(ctx, rest)
	case "mock":
		return c.mock(ctx, rest)
	case "help":
		return c.help(ctx, rest)
	case "version":
		fmt.Fprintln(c.stdout, "lobstr", api.Version)
		return exitOK
	default:
		return c.usageError(fmt.Sprintf("unknown command %q", verb), mainUsage)
	}
}

// task dispatches `lobstr task VERB`.
func (c *cli) task(ctx context.Context, args []string) int {
	fs := c.flagSet("lobstr task")
	rest, err := parse(fs, args, false)
	if code, done := c.flagError(err, taskUsage); done {
		return code
	}
	if len(rest) == 0 {
		return c.usageError("missing task command", taskUsage)
	}
	cmd, ok := taskCommands[rest[0]]
	if !ok {
		return c.usageError(fmt.Sprintf("unknown task command %q", rest[0]), taskUsage)
	}
	return cmd.run(c, ctx, rest[1:])
}

// help prints the usage of a command on stdout.
func (c *cli) help(ctx context.Context, args []string) int {
	switch {
	case len(args) == 0:
		fmt.Fprint(c.stdout, mainUsage)
	case args[0] == "task" && len(args) == 1:
		fmt.Fprint(c.stdout, taskUsage)
	case args[0] == "task":
		cmd, ok := taskCommands[args[1]]
		if !ok {
			return c.usageError(fmt.Sprintf("unknown task command %q", args[1]), taskUsage)
		}
		return cmd.run(c, ctx, []string{"--help"})
	case args[0] == "mock":
		return c.mock(ctx, []string{"--help"})
	default:
		return c.usageError(fmt.Sprintf("unknown command %q", args[0]), mainUsage)
	}
	return exitOK
}

// flagSet returns a flag set holding the global flags, bound to c.
func (c *cli) flagSet(name string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(io.Discard) // errors and usage are printed by flagError
	fs.Usage = func() {}
	fs.BoolVar(&c.json, "json", c.json, "print the API's JSON instead of a table")
	fs.StringVar(&c.baseURL, "base-url", c.baseURL, "`URL` of the API (default $LOBSTR_BASE_URL, else public)")
	return fs
}

// globalFlags are the flags every flag set has.
var globalFlags = map[string]bool{"json": true, "base-url": true}

// parse parses args with fs and returns the arguments that are not flags. With
// interspersed, flags and arguments may come in any order (`task ls SQUID --limit 5`);
// without, parsing stops at the first argument (a command's name). "--" ends the flags.
func parse(fs *flag.FlagSet, args []string, interspersed bool) ([]string, error) {
	var rest []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		left := fs.Args()
		consumed := len(args) - len(left)
		if !interspersed || len(left) == 0 || consumed > 0 && args[consumed-1] == "--" {
			return append(rest, left...), nil
		}
		rest = append(rest, left[0])
		args = left[1:]
	}
}

// flagError handles the error of parse: --help prints usage on stdout (exit 0), anything
// else prints the error and usage on stderr (exit 2). done is false when err is nil.
func (c *cli) flagError(err error, usage string) (code int, done bool) {
	if err == nil {
		return 0, false
	}
	if errors.Is(err, flag.ErrHelp) {
		fmt.Fprint(c.stdout, usage)
		return exitOK, true
	}
	return c.usageError(err.Error(), usage), true
}

// usageError prints msg and the usage on stderr and returns exitUsage.
func (c *cli) usageError(msg, usage string) int {
	fmt.Fprintf(c.stderr, "lobstr: %s\n\n", c.redact(msg))
	fmt.Fprint(c.stderr, usage)
	return exitUsage
}

// printCommandUsage prints a command's usage text and its flags.
func (c *cli) printCommandUsage(w io.Writer, usage string, fs *flag.FlagSet) {
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
	fmt.Fprintln(w, "\nGlobal flags:")
	printFlags(w, global)
}

func printFlags(w io.Writer, flags []*flag.Flag) {
	sort.Slice(flags, func(i, j int) bool { return flags[i].Name < flags[j].Name })
	for _, f := range flags {
		name, usage := flag.UnquoteUsage(f)
		head := "--" + f.Name
		if name != "" {
			head += " " + name
		}
		def := ""
		if f.DefValue != "" && f.DefValue != "false" && f.DefValue != "0" && f.DefValue != "0s" && !globalFlags[f.Name] {
			def = " (default " + f.DefValue + ")"
		}
		line := fmt.Sprintf("  %-18s %s%s", head, usage, def)
		if len([]rune(line)) > defaultWidth && def != "" {
			line = fmt.Sprintf("  %-18s %s\n  %-18s%s", head, usage, "", def)
		}
		fmt.Fprintln(w, line)
	}
}

// redact hides the token, should a message ever carry it.
func (c *cli) redact(s string) string {
	if len(c.token) >= 4 {
		s = strings.ReplaceAll(s, c.token, "[redacted]")
	}
	return s
}

const mainUsage = `lobstr is a command-line client of lobstr.io's Tasks API.

Usage:
  lobstr [--json] [--base-url URL] task COMMAND [ARGUMENTS]
  lobstr mock [--addr ADDR] [--token T] [--no-validate]
  lobstr help [task COMMAND | mock]

Task commands:
  show HASH             show a task and its status
  wait HASH             wait until a task is done, with progress on stderr
  ls SQUID              list the tasks of a squid
  add SQUID VALUE...    add tasks to a squid
  rm HASH               delete a task
  upload SQUID FILE     upload a CSV or TSV file of tasks
  upload-status ID      show how far an upload has got

Global flags (before or after the command):
  --json                print the API's JSON instead of a table
  --base-url URL        the API's base URL (default $LOBSTR_BASE_URL,
                        else ` + api.DefaultBaseURL + `)

The API token comes from LOBSTR_TOKEN, else the official CLI's config file.
Exit status: 0 done, 1 the API or the network said no, 2 bad usage,
130 interrupted.

Example:
  LOBSTR_TOKEN=... lobstr task show c5e29d2aba8b77cdc56391e7405302de

Run 'lobstr task COMMAND --help' for a command's flags.
`

const taskUsage = `Usage: lobstr task COMMAND [ARGUMENTS] [FLAGS]

Commands:
  show HASH             show a task and its status
  wait HASH             wait until a task is done, with progress on stderr
  ls SQUID              list the tasks of a squid
  add SQUID VALUE...    add tasks to a squid
  rm HASH               delete a task
  upload SQUID FILE     upload a CSV or TSV file of tasks
  upload-status ID      show how far an upload has got

Run 'lobstr task COMMAND --help' for a command's flags and an example.
`
