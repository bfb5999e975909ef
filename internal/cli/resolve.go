package cli

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/lobstr-go/lobstr/api"
)

// squidRef is a squid as a SQUID argument may name it: its id and its name.
type squidRef struct{ id, name string }

// squidLister lists the account's squids, for resolving a unique prefix or a name (squid.go
// sets it to List Squids); while it is nil, a squid argument is an @alias or taken as it is.
var squidLister func(ctx context.Context, cl *api.Client) ([]squidRef, error)

// clientForSquid is the start of every command that acts on one squid: the client (from
// the global flags) and the squid id its argument names (see resolveSquid). A failure has
// been reported when done is true (exit status code).
func (c *cli) clientForSquid(ctx context.Context, arg string) (cl *api.Client, id string, code int, done bool) {
	if cl, code, done = c.client(); done {
		return nil, "", code, true
	}
	id, code, done = c.resolveSquid(ctx, cl, arg)
	return cl, id, code, done
}

// resolveSquid turns a squid argument into a squid id, the one way every command taking a
// squid does: @NAME is looked up in the config file's [aliases]; anything else is an id,
// or, once squidLister is set, a unique prefix of one (an argument no listed id starts
// with is sent as it is, for the API to answer) (a whole 32-character hash is taken
// as it is, without listing). A failure has been reported when
// done is true (exit status code).
func (c *cli) resolveSquid(ctx context.Context, cl *api.Client, arg string) (id string, code int, done bool) {
	arg = strings.TrimSpace(arg)
	if arg == "" {
		return "", c.usageError(c.cmd, "SQUID is empty"), true
	}
	if name, ok := strings.CutPrefix(arg, "@"); ok {
		f, err := loadConfig()
		if err != nil {
			return "", c.errorLine(exitUsage, "config", err.Error(), 0, ""), true
		}
		aliases := f.table("aliases")
		id, ok := aliases[name]
		if !ok || strings.TrimSpace(id) == "" {
			known := make([]string, 0, len(aliases))
			for n := range aliases {
				known = append(known, "@"+n)
			}
			sort.Strings(known)
			hint := "save it with 'lobstr config set-alias " + name + " SQUID'"
			if len(known) > 0 {
				hint = "known: " + strings.Join(known, ", ") + "; or " + hint
			}
			return "", c.usageError(c.cmd, fmt.Sprintf("no alias @%s in %s (%s)", name, f.path, hint)), true
		}
		return strings.TrimSpace(id), 0, false
	}
	if squidLister == nil || cl == nil || api.ValidHash(arg) {
		return arg, 0, false // a whole hash needs no listing
	}
	squids, err := squidLister(ctx, cl)
	if err != nil {
		return "", c.fail(ctx, err), true
	}
	ids := make([]string, len(squids))
	for i, sq := range squids {
		ids[i] = sq.id
		if sq.id == arg {
			return arg, 0, false
		}
	}
	// A name, as the official CLI takes it: exact (case aside) first; then a prefix of an
	// id; then a unique part of a name.
	byName := func(exact bool) (string, int, bool, bool) {
		id, msg, ok := matchName(arg, squids, exact)
		switch {
		case !ok:
			return "", 0, false, false
		case msg != "":
			return "", c.usageError(c.cmd, "SQUID "+msg), true, true
		}
		return id, 0, false, true
	}
	if id, code, done, ok := byName(true); ok {
		return id, code, done
	}
	if !slices.ContainsFunc(ids, func(s string) bool { return strings.HasPrefix(s, arg) }) {
		if id, code, done, ok := byName(false); ok {
			return id, code, done
		}
	}
	id, msg := matchPrefix(arg, ids)
	if msg != "" && !slices.ContainsFunc(ids, func(s string) bool { return strings.HasPrefix(s, arg) }) {
		return arg, 0, false // no squid listed starts with it: the API has the last word (a 404)
	}
	if msg != "" {
		return "", c.usageError(c.cmd, "SQUID "+msg), true
	}
	return id, 0, false
}

// matchName finds the squid named name: with exact, the one whose name is name (case
// aside), else the one whose name holds it. ok is false when no name matches; msg says why
// there is no one answer (several squids, listed).
func matchName(name string, squids []squidRef, exact bool) (id, msg string, ok bool) {
	lower := strings.ToLower(name)
	var found []squidRef
	for _, sq := range squids {
		n := strings.ToLower(sq.name)
		if exact && n == lower || !exact && strings.Contains(n, lower) {
			found = append(found, sq)
		}
	}
	if len(found) == 0 {
		return "", "", false
	}
	if len(found) == 1 {
		return found[0].id, "", true
	}
	sort.Slice(found, func(i, j int) bool { return found[i].name < found[j].name })
	list := make([]string, 0, 5)
	for _, sq := range found[:min(5, len(found))] {
		list = append(list, fmt.Sprintf("%s (%q)", sq.id, truncate(sq.name, 30)))
	}
	more := ""
	if len(found) > 5 {
		more = fmt.Sprintf(" and %d more", len(found)-5)
	}
	return "", fmt.Sprintf("%q is ambiguous: it names %s%s; give the id, or more of the name", truncate(name, 40), strings.Join(list, ", "), more), true
}

// matchPrefix finds the one id of ids that is prefix or starts with it: an exact match
// wins; msg says why there is none (no match, or several).
func matchPrefix(prefix string, ids []string) (id, msg string) {
	var matches []string
	for _, id := range ids {
		if id == prefix {
			return id, ""
		}
		if strings.HasPrefix(id, prefix) {
			matches = append(matches, id)
		}
	}
	switch len(matches) {
	case 1:
		return matches[0], ""
	case 0:
		return "", fmt.Sprintf("%q matches no squid", truncate(prefix, 40))
	}
	sort.Strings(matches)
	more := ""
	if len(matches) > 3 {
		more = fmt.Sprintf(" and %d more", len(matches)-3)
		matches = matches[:3]
	}
	return "", fmt.Sprintf("%q is ambiguous: it starts %s%s; give more characters", prefix, strings.Join(matches, ", "), more)
}
