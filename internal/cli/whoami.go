package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
)

const whoamiUsage = `Usage: lobstr whoami

Show who the token belongs to (Get User Profile) and what is left of the plan
(Get Balance): name, email, plan, credits available, consumed and left, and
concurrency slots. It is also the quickest check that a token works. With
--json, print {"user": ..., "balance": ...}, each the server's answer as sent.

Example:
  lobstr whoami
`

func (c *cli) whoami(ctx context.Context, args []string) int {
	fs := c.flagSet("lobstr whoami")
	if _, code, done := c.parseCommand(fs, args, whoamiUsage, 0, 0); done {
		return code
	}
	cl, code, done := c.client()
	if done {
		return code
	}
	mctx, meRaw := capture(ctx)
	me, err := cl.User.Me(mctx)
	if err != nil {
		return c.fail(ctx, err)
	}
	bctx, balRaw := capture(ctx)
	bal, err := cl.User.Balance(bctx)
	if err != nil {
		return c.fail(ctx, err)
	}
	if c.json {
		doc := fmt.Appendf(nil, `{"user": %s, "balance": %s}`, strings.TrimSpace(string(meRaw.last())), strings.TrimSpace(string(balRaw.last())))
		return c.printJSON(doc)
	}
	var v kvView
	name := strings.TrimSpace(me.FirstName + " " + me.LastName)
	if name == "" {
		name = "-"
	}
	v.add("name", name)
	v.add("email", me.Email)
	plan := bal.Name
	if len(me.Plan) > 0 {
		if n, ok := me.Plan[0]["name"].(string); ok && n != "" {
			plan = n
		}
		if s, ok := me.Plan[0]["status"].(string); ok && s != "" {
			plan += " (" + s + ")"
		}
	}
	if plan == "" {
		plan = "-"
	}
	v.add("plan", plan)
	if me.IsStaff != nil && *me.IsStaff {
		v.add("staff", "yes")
	}
	v.add("credits", fmt.Sprintf("%s left of %s (%s consumed)", number(bal.Available-bal.Consumed), number(bal.Available), number(bal.Consumed)))
	if bal.Interval != "" {
		v.add("resets", bal.Interval+", next "+formatTime(&bal.ResetTime))
	}
	v.add("slots", fmt.Sprintf("%d of %d in use", bal.UsedSlots, bal.TotalAvailableSlots))
	if unpaid(bal.HasUnpaidBill) {
		v.add("unpaid bill", "yes")
	}
	v.render(c.stdout, c.out, false)
	return exitOK
}

// number prints a credit amount: an integer without decimals, else as short as it is exact.
func number(f float64) string {
	return strconv.FormatFloat(f, 'f', -1, 64)
}

// unpaid reads has_unpaid_bill in either documented form: true, or {"status": true, ...}.
func unpaid(raw json.RawMessage) bool {
	var b bool
	if json.Unmarshal(raw, &b) == nil {
		return b
	}
	var o struct {
		Status bool `json:"status"`
	}
	return json.Unmarshal(raw, &o) == nil && o.Status
}

// whoamiHelp prints the usage of whoami.
func (c *cli) whoamiHelp(_ context.Context, _ []string) int {
	fs := c.flagSet("lobstr whoami")
	c.cmd = "whoami"
	printCommandUsage(c.stdout, whoamiUsage, fs)
	return exitOK
}
