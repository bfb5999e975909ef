package cli

import (
	"context"
	"fmt"
	"io"
	"slices"
	"strings"
)

// subcommand is one command of a group (`lobstr crawlers ls`, `lobstr squid rm`, …).
type subcommand struct {
	name string
	run  func(c *cli, ctx context.Context, args []string) int
}

// dispatch runs the subcommand of a group named in args[0], or reports bad usage.
func (c *cli) dispatch(ctx context.Context, group, usage string, cmds map[string]subcommand, names string, args []string) int {
	fs := c.flagSet("lobstr " + group)
	rest, err := parse(fs, args, false)
	if err != nil {
		return c.flagError(err, group, func(w io.Writer) { fmt.Fprint(w, usage) })
	}
	if len(rest) == 0 {
		return c.usageError(group, "missing command: "+names)
	}
	cmd, ok := cmds[rest[0]]
	if !ok {
		known := make([]string, 0, len(cmds))
		for name := range cmds {
			known = append(known, name)
		}
		return c.usageError(group, fmt.Sprintf("unknown command %q%s", rest[0], didYouMean(rest[0], known)))
	}
	c.cmd = group + " " + cmd.name
	return cmd.run(c, ctx, rest[1:])
}

// groupHelp is `lobstr help GROUP [COMMAND]`.
func (c *cli) groupHelp(ctx context.Context, group, usage string, cmds map[string]subcommand, args []string) int {
	if len(args) == 0 {
		fmt.Fprint(c.stdout, usage)
		return exitOK
	}
	cmd, ok := cmds[args[0]]
	if !ok {
		return c.usageError(group, fmt.Sprintf("unknown command %q", args[0]))
	}
	c.cmd = group + " " + cmd.name
	return cmd.run(c, ctx, []string{"--help"})
}

// subcommands turns a group's table of commands by name into the form dispatch takes.
func subcommands(m map[string]func(*cli, context.Context, []string) int) map[string]subcommand {
	out := make(map[string]subcommand, len(m))
	for name, run := range m {
		out[name] = subcommand{name: name, run: run}
	}
	return out
}

// commandNames lists a group's commands for a usage error: "a, b or c".
func commandNames(m map[string]subcommand) string {
	names := make([]string, 0, len(m))
	for name := range m {
		names = append(names, name)
	}
	slices.Sort(names)
	if len(names) < 2 {
		return strings.Join(names, "")
	}
	return strings.Join(names[:len(names)-1], ", ") + " or " + names[len(names)-1]
}

// commandTable is a group's table of commands: each command by its name, and by each of
// its aliases (alias: the name of its command), under which it runs with its own name.
func commandTable(cmds []subcommand, aliases map[string]string) map[string]subcommand {
	m := make(map[string]subcommand, len(cmds)+len(aliases))
	for _, cmd := range cmds {
		m[cmd.name] = cmd
	}
	for alias, name := range aliases {
		cmd, ok := m[name]
		if !ok {
			panic("lobstr: alias " + alias + " of an unknown command " + name)
		}
		m[alias] = cmd
	}
	return m
}
