package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/spf13/cobra"

	"github.com/lobstr-go/lobstr/api"
	"github.com/lobstr-go/lobstr/catalog"
)

// The command tree is spf13/cobra's: it finds the command named in the arguments, suggests
// one for a typo, and completes commands and arguments in the shells (`lobstr completion
// bash|zsh|fish|powershell`). Each command parses its own flags with pflag (the official
// CLI's long and short spellings, and ours), so that its usage, its errors and its exit
// statuses stay the same whatever the command: cobra's flag parsing is off.
//
// A command group lives in its own file and registers itself with addGroup in an init
// function; the groups below are the ones this file knows from the start.

// sections order the groups in `lobstr --help` and in the shells' completion.
var sections = []*cobra.Group{
	{ID: "start", Title: "Start here:"},
	{ID: "work", Title: "Squids, tasks, runs and results:"},
	{ID: "account", Title: "Your account and this machine:"},
	{ID: "tools", Title: "Tools:"},
}

// groupOrder is the order groups were added in.
var groupOrder []string

// addGroup registers a top-level command. Its name and aliases must be new.
func addGroup(g group) {
	for _, n := range append([]string{g.name}, g.aliases...) {
		if _, dup := groups[n]; dup {
			panic("lobstr: command " + n + " registered twice")
		}
		groups[n] = g
	}
	groupOrder = append(groupOrder, g.name)
}

// codeError carries a command's exit status through cobra.
type codeError struct{ code int }

func (e codeError) Error() string { return fmt.Sprintf("exit status %d", e.code) }

// exit turns an exit status into what a cobra RunE returns.
func exit(code int) error {
	if code == exitOK {
		return nil
	}
	return codeError{code}
}

// command builds the cobra tree of one invocation.
func (c *cli) command(ctx context.Context) *cobra.Command {
	root := &cobra.Command{
		Use:                "lobstr",
		Short:              "a command-line client of lobstr.io's API",
		Args:               cobra.ArbitraryArgs,
		DisableFlagParsing: true,
		SilenceErrors:      true,
		SilenceUsage:       true,
		RunE:               func(_ *cobra.Command, args []string) error { return exit(c.root(ctx, args)) },
	}
	root.SetIn(c.stdin)
	root.SetOut(c.stdout)
	root.SetErr(c.stderr)
	root.AddGroup(sections...)
	// The global flags, for cobra to skip their values when it looks for a command's name
	// and to complete them; the commands parse them themselves.
	c.globalFlags(root.PersistentFlags())
	for _, name := range groupOrder {
		g := groups[name]
		gc := &cobra.Command{
			Use:                g.name,
			Aliases:            g.aliases,
			Short:              g.short,
			GroupID:            g.section,
			Args:               cobra.ArbitraryArgs,
			DisableFlagParsing: true,
			RunE: func(_ *cobra.Command, args []string) error {
				c.cmd = g.name
				return exit(g.run(c, ctx, args))
			},
		}
		if len(g.subs) == 0 {
			gc.ValidArgsFunction = c.completeArgs(ctx, g.name)
		}
		for _, sub := range g.subs {
			names := strings.Split(sub, "|")
			sc := &cobra.Command{
				Use:                names[0],
				Aliases:            names[1:],
				Args:               cobra.ArbitraryArgs,
				DisableFlagParsing: true,
				RunE: func(_ *cobra.Command, args []string) error {
					c.cmd = g.name
					return exit(g.run(c, ctx, append([]string{names[0]}, args...)))
				},
				ValidArgsFunction: c.completeArgs(ctx, g.name+" "+names[0]),
			}
			gc.AddCommand(sc)
		}
		if g.name == "help" {
			root.SetHelpCommand(gc)
			continue
		}
		root.AddCommand(gc)
	}
	root.SetCompletionCommandGroupID("tools")
	root.InitDefaultCompletionCmd()
	if cc, _, err := root.Find([]string{"completion"}); err == nil && cc.Name() == "completion" {
		cc.Args = cobra.ArbitraryArgs
		cc.RunE = func(_ *cobra.Command, args []string) error {
			c.cmd = "completion"
			if len(args) == 0 {
				return exit(c.usageError("completion", "missing SHELL: bash, zsh, fish or powershell"))
			}
			return exit(c.usageError("completion", fmt.Sprintf("unknown shell %q%s (bash, zsh, fish or powershell)",
				args[0], didYouMean(args[0], []string{"bash", "zsh", "fish", "powershell"}))))
		}
	}
	return root
}

// root is `lobstr` with no command: the global flags alone (--version, --help), else a
// usage error that suggests a command for a typo.
func (c *cli) root(ctx context.Context, args []string) int {
	fs := c.flagSet("lobstr")
	rest, err := parse(fs, args, false)
	if err != nil {
		return c.flagError(err, "", func(w io.Writer) { fmt.Fprint(w, mainUsage) })
	}
	if c.version {
		fmt.Fprintln(c.stdout, "lobstr", api.Version)
		return exitOK
	}
	if len(rest) == 0 {
		fmt.Fprint(c.stderr, mainUsage)
		return exitUsage
	}
	return c.usageError("", fmt.Sprintf("unknown command %q%s", rest[0], didYouMean(rest[0], commandNamesOf(ctx, c))))
}

// commandNamesOf lists the top-level commands, for suggestions.
func commandNamesOf(_ context.Context, _ *cli) []string {
	names := slices.Clone(groupOrder)
	return append(names, "completion")
}

// didYouMean suggests the candidates closest to typed: "; did you mean "x"?", or "".
func didYouMean(typed string, candidates []string) string {
	typed = strings.ToLower(typed)
	var best []string
	bestD := 3
	for _, cand := range candidates {
		d := editDistance(typed, cand)
		if len(typed) >= 2 && strings.HasPrefix(cand, typed) {
			d = 1
		}
		switch {
		case d < bestD:
			best, bestD = []string{cand}, d
		case d == bestD && !slices.Contains(best, cand):
			best = append(best, cand)
		}
	}
	if len(best) == 0 || bestD > 2 {
		return ""
	}
	q := make([]string, len(best))
	for i, b := range best {
		q[i] = fmt.Sprintf("%q", b)
	}
	return "; did you mean " + strings.Join(q, " or ") + "?"
}

// editDistance is the Levenshtein distance between a and b.
func editDistance(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	prev := make([]int, len(rb)+1)
	cur := make([]int, len(rb)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(ra); i++ {
		cur[0] = i
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(rb)]
}

// execute runs args through the command tree and returns the exit status.
func (c *cli) execute(ctx context.Context, args []string) int {
	if c.out.tty && c.out.width > 0 && helpWanted(args) {
		// Help on a narrow terminal: its lines wrapped to the width, none left longer.
		real := c.stdout
		var buf strings.Builder
		c.stdout = &buf
		defer func() { io.WriteString(real, wrapHelp(buf.String(), c.out.width)) }()
	}
	root := c.command(ctx)
	root.SetArgs(args)
	err := root.ExecuteContext(ctx)
	var ce codeError
	switch {
	case err == nil:
		return exitOK
	case errors.As(err, &ce):
		return ce.code
	}
	// cobra's own commands (completion) report their usage errors here.
	return c.usageError("", err.Error())
}

// completeArgs completes the arguments of a command: crawler slugs from the catalogue,
// squid aliases from the config file.
func (c *cli) completeArgs(ctx context.Context, cmd string) cobra.CompletionFunc {
	return func(_ *cobra.Command, args []string, toComplete string) ([]cobra.Completion, cobra.ShellCompDirective) {
		positional := 0
		for _, a := range args {
			if !strings.HasPrefix(a, "-") {
				positional++
			}
		}
		kind := argKinds[cmd]
		if kind == "" || positional > 0 && !strings.HasSuffix(kind, "...") {
			return nil, cobra.ShellCompDirectiveDefault
		}
		switch strings.TrimSuffix(kind, "...") {
		case "crawler":
			if positional > 0 {
				return nil, cobra.ShellCompDirectiveNoFileComp
			}
			var out []cobra.Completion
			for _, cr := range catalog.All() {
				if strings.HasPrefix(cr.Slug, toComplete) {
					out = append(out, cobra.CompletionWithDesc(cr.Slug, cr.Name))
				}
			}
			return out, cobra.ShellCompDirectiveNoFileComp
		case "squid":
			if positional > 0 {
				return nil, cobra.ShellCompDirectiveNoFileComp
			}
			return append(squidAliases(toComplete), c.squidNames(ctx, args, toComplete)...), cobra.ShellCompDirectiveNoFileComp
		case "run":
			if positional > 0 {
				return nil, cobra.ShellCompDirectiveNoFileComp
			}
			return c.runIDs(ctx, args, toComplete), cobra.ShellCompDirectiveNoFileComp
		}
		return nil, cobra.ShellCompDirectiveNoFileComp
	}
}

// argKinds says what the first argument of a command is, for completion ("..." when more
// arguments follow that are not completed).
var argKinds = map[string]string{
	"crawlers show": "crawler", "crawlers params": "crawler", "crawlers attrs": "crawler",
	"squid create": "crawler", "go": "crawler...",
	"squid show": "squid", "squid update": "squid", "squid empty": "squid", "squid rm": "squid",
	"task ls": "squid", "task add": "squid...", "task upload": "squid", "run start": "squid",
	"run ls": "squid", "results get": "squid", "delivery email": "squid",
	"delivery googlesheet": "squid", "delivery s3": "squid", "delivery sftp": "squid",
	"delivery webhook": "squid", "run show": "run", "run stats": "run", "run tasks": "run",
	"run watch": "run", "run abort": "run", "run download": "run...",
}

// completionSquids and completionRuns bound what a run id's completion asks for: the runs
// of the squids that ran last, a page each, within the completion's few seconds.
const completionSquids, completionRuns = 5, 20

// runIDs are the ids of recent runs (List Runs of the squids that ran last, from the first
// page of List Squids) that start with prefix, each described by its squid, status and
// start; none when no token or server answers within a few seconds.
func (c *cli) runIDs(ctx context.Context, args []string, prefix string) []cobra.Completion {
	ctx, cancel := context.WithTimeout(ctx, completionTimeout)
	defer cancel()
	cl, squids, ok, restore := c.completionSquidPage(ctx, args)
	defer restore()
	if !ok {
		return nil
	}
	// The squids that ran last first; those that never ran last.
	slices.SortStableFunc(squids, func(a, b api.Squid) int {
		return strings.Compare(lastRunText(b), lastRunText(a))
	})
	var out []cobra.Completion
	for i, sq := range squids {
		if i == completionSquids || lastRunText(sq) == "" {
			break
		}
		runs, err := cl.Runs.List(ctx, api.ListRunsOptions{Squid: sq.Id, Limit: completionRuns})
		if err != nil {
			break
		}
		for _, r := range runs.Data {
			if strings.HasPrefix(r.Id, prefix) {
				out = append(out, cobra.CompletionWithDesc(r.Id, clean(truncate(sq.Name, 30))+", "+r.Status+", "+r.CreatedAt.String()))
			}
		}
	}
	return out
}

// completionTimeout bounds what a completion asks of the server: it must never hang a shell.
const completionTimeout = 3 * time.Second

// completionSquidPage is the client of a completion, made from the global flags typed so
// far (--base-url, --token), and the first page of List Squids (a copy the caller may
// reorder); ok is false when there is no token or the server does not answer within ctx.
// Until the caller calls restore, nothing is printed (errors and wait notices included):
// in a shell's completion they would land in the user's prompt.
func (c *cli) completionSquidPage(ctx context.Context, args []string) (cl *api.Client, squids []api.Squid, ok bool, restore func()) {
	parse(c.flagSet("lobstr"), args, true)
	stderr := c.stderr
	c.stderr = io.Discard
	restore = func() { c.stderr = stderr }
	cl, _, done := c.client()
	if done {
		return nil, nil, false, restore
	}
	page, err := cl.Squids.List(ctx, api.ListSquidsOptions{Limit: api.MaxPageSize})
	if err != nil {
		return nil, nil, false, restore
	}
	return cl, slices.Clone(page.Data), true, restore
}

// lastRunText is when a squid last ran, as the API wrote it ("" before its first run).
func lastRunText(sq api.Squid) string {
	if sq.LastRunAt == nil {
		return ""
	}
	return sq.LastRunAt.String()
}

// squidNames are the ids of the squids (List Squids, first page) whose id or name starts
// with prefix, each described by its name; none when no token or server answers within a
// few seconds (a completion must never hang a shell, nor print errors into it).
func (c *cli) squidNames(ctx context.Context, args []string, prefix string) []cobra.Completion {
	if strings.HasPrefix(prefix, "@") {
		return nil
	}
	ctx, cancel := context.WithTimeout(ctx, completionTimeout)
	defer cancel()
	_, squids, ok, restore := c.completionSquidPage(ctx, args)
	defer restore()
	if !ok {
		return nil
	}
	var out []cobra.Completion
	lower := strings.ToLower(prefix)
	for _, sq := range squids {
		if strings.HasPrefix(sq.Id, prefix) || strings.HasPrefix(strings.ToLower(sq.Name), lower) {
			out = append(out, cobra.CompletionWithDesc(sq.Id, clean(truncate(sq.Name, 40))))
		}
	}
	return out
}

// squidAliases are the @aliases of the config file that start with prefix.
func squidAliases(prefix string) []cobra.Completion {
	f, err := loadConfig()
	if err != nil {
		return nil
	}
	var out []cobra.Completion
	for name, id := range f.table("aliases") {
		if a := "@" + name; strings.HasPrefix(a, prefix) {
			out = append(out, cobra.CompletionWithDesc(a, strings.TrimSpace(id)))
		}
	}
	slices.Sort(out)
	return out
}

// helpWanted reports whether args ask for a usage text: --help or -h, or lobstr help.
func helpWanted(args []string) bool {
	for _, a := range args {
		if a == "--" {
			break
		}
		if a == "--help" || a == "-h" {
			return true
		}
	}
	return len(args) > 0 && args[0] == "help"
}

// wrapHelp fits a usage text to width: a paragraph of prose (lines that start at the
// margin) with a line too long is filled again to the width; an indented line too long
// (a command, a flag, an example) is wrapped at spaces with a hanging indent; a word
// longer than the width is left whole.
func wrapHelp(text string, width int) string {
	lines := strings.Split(text, "\n")
	var out []string
	for i := 0; i < len(lines); {
		line := lines[i]
		if line == "" || strings.HasPrefix(line, " ") || strings.HasSuffix(line, ":") || strings.HasPrefix(line, "Usage: ") {
			out = append(out, wrapLine(line, width)...)
			i++
			continue
		}
		j, long := i, false
		for j < len(lines) && lines[j] != "" && !strings.HasPrefix(lines[j], " ") && !strings.HasSuffix(lines[j], ":") {
			long = long || utf8.RuneCountInString(lines[j]) > width
			j++
		}
		if long {
			out = append(out, wrapLine(strings.Join(lines[i:j], " "), width)...)
		} else {
			out = append(out, lines[i:j]...)
		}
		i = j
	}
	return strings.Join(out, "\n")
}

// wrapLine wraps one line at spaces to width, further lines indented by the line's own
// leading spaces (plus two when it has some).
func wrapLine(line string, width int) []string {
	if utf8.RuneCountInString(line) <= width {
		return []string{line}
	}
	lead := len(line) - len(strings.TrimLeft(line, " "))
	indent := ""
	switch {
	case strings.HasPrefix(line, "Usage: "):
		indent = strings.Repeat(" ", len("Usage: "))
	case lead > 0:
		indent = strings.Repeat(" ", min(lead+2, width/2))
	}
	// Cut at the last space that fits, keeping the spaces that align columns before it.
	var out []string
	r := []rune(line)
	for len(r) > width {
		cut := -1
		for i := width; i > lead && i > len([]rune(indent)); i-- {
			if r[i] == ' ' {
				cut = i
				break
			}
		}
		if cut < 0 { // one word longer than the width: left whole, up to the next space
			for cut = width; cut < len(r) && r[cut] != ' '; cut++ {
			}
			if cut == len(r) {
				break
			}
		}
		out = append(out, strings.TrimRight(string(r[:cut]), " "))
		r = []rune(indent + strings.TrimLeft(string(r[cut:]), " "))
	}
	return append(out, string(r))
}
