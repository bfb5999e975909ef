package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	cdplog "github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/lobstr-go/lobstr/api/apitest"
	"github.com/lobstr-go/lobstr/openapi"
)

// chromium finds Debian's chromium. In CI (CI set) a missing browser fails the test, since
// .ci/run installs it; elsewhere the test is skipped with a note.
func chromium(t *testing.T) string {
	t.Helper()
	for _, name := range []string{"chromium", "chromium-browser"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	msg := "no chromium on PATH: the browser test of /docs needs Debian's chromium (apt-get install chromium; .ci/run installs it)"
	if os.Getenv("CI") != "" {
		t.Fatal(msg)
	}
	t.Skip(msg + "; skipped because CI is not set")
	return ""
}

// TestDocsInBrowser opens `lobstr mock`'s /docs in headless Chromium: the page loads with
// no console error and no request off the mock, lists every operation of the document, and
// "Try it out" of Get Task, with a token typed into Authorize, shows the seed task's body.
// LOBSTR_DOCS_SCREENSHOT=FILE.png saves screenshots after the call: the top of the page in
// FILE.png, Get Task's block with its answer in FILE-gettask.png.
func TestDocsInBrowser(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a browser")
	}
	exe := chromium(t)
	start := time.Now()
	mock := startMock(t, buildCLI(t))
	base := strings.TrimSuffix(mock.url, "/v1")
	origin, err := url.Parse(base)
	if err != nil {
		t.Fatal(err)
	}

	ctx, cancel := context.WithTimeout(context.Background(), 120*time.Second)
	defer cancel()
	actx, cancelAlloc := chromedp.NewExecAllocator(ctx,
		chromedp.ExecPath(exe),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-extensions", true),
		chromedp.UserDataDir(browserProfile(t)),
		chromedp.WindowSize(1280, 1600),
	)
	defer cancelAlloc()
	bctx, cancelBrowser := chromedp.NewContext(actx)
	defer cancelBrowser()

	var mu sync.Mutex
	var problems, elsewhere []string
	chromedp.ListenTarget(bctx, func(ev any) {
		mu.Lock()
		defer mu.Unlock()
		switch ev := ev.(type) {
		case *runtime.EventConsoleAPICalled:
			if ev.Type == runtime.APITypeError || ev.Type == runtime.APITypeAssert {
				var args []string
				for _, a := range ev.Args {
					args = append(args, string(a.Value)+a.Description)
				}
				problems = append(problems, "console."+string(ev.Type)+": "+strings.Join(args, " "))
			}
		case *runtime.EventExceptionThrown:
			problems = append(problems, "exception: "+ev.ExceptionDetails.Error())
		case *cdplog.EventEntryAdded:
			if ev.Entry.Level == cdplog.LevelError {
				problems = append(problems, "log: "+ev.Entry.Text+" "+ev.Entry.URL)
			}
		case *network.EventRequestWillBeSent:
			if u, err := url.Parse(ev.Request.URL); err != nil || (u.Scheme != "data" && u.Host != origin.Host) {
				elsewhere = append(elsewhere, ev.Request.URL)
			}
		}
	})

	doc, err := openapi.Load()
	if err != nil {
		t.Fatal(err)
	}
	var want []string
	for _, item := range doc.Paths.Map() {
		for _, op := range item.Operations() {
			want = append(want, op.OperationID)
		}
	}
	slices.Sort(want)

	const getTask = `#operations-tasks-getTask`
	var ids []string
	var status, body, requestURL string
	var shot []byte
	var shots [][]byte // the top of the page, Get Task's block
	// step logs each action as it starts, to show where a run gets stuck.
	// Each step has 30s, so that a stuck one leaves time to show the page.
	step := func(name string, a chromedp.Action) chromedp.Action {
		return chromedp.ActionFunc(func(ctx context.Context) error {
			t.Logf("%6.2fs %s", time.Since(start).Seconds(), name)
			sctx, cancel := context.WithTimeout(ctx, 30*time.Second)
			defer cancel()
			if err := a.Do(sctx); err != nil {
				return fmt.Errorf("%s: %w", name, err)
			}
			return nil
		})
	}
	err = chromedp.Run(bctx,
		step("log.Enable", cdplog.Enable()),
		step("network.Enable", network.Enable()),
		step("Navigate", chromedp.Navigate(base+"/docs/")),
		step("WaitVisible", chromedp.WaitVisible(getTask, chromedp.ByQuery)),
		step("Evaluate", chromedp.Evaluate(`Array.from(document.querySelectorAll('.opblock')).map(e => e.id)`, &ids)),
		// Authorize: the user types a token; the mock takes any.
		step("Click", chromedp.Click(`.scheme-container button.authorize`, chromedp.ByQuery)),
		step("WaitVisible", chromedp.WaitVisible(`.modal-ux input`, chromedp.ByQuery)),
		step("SendKeys", chromedp.SendKeys(`.modal-ux input`, "Token demo", chromedp.ByQuery)),
		step("Click", chromedp.Click(`.modal-ux button.modal-btn.authorize`, chromedp.ByQuery)),
		step("Click", chromedp.Click(`.modal-ux button.btn-done`, chromedp.ByQuery)),
		step("WaitNotPresent", chromedp.WaitNotPresent(`.modal-ux`, chromedp.ByQuery)),
		// Get Task of the seed's hash, typed over the example Swagger UI fills in.
		step("Click", chromedp.Click(getTask+` .opblock-summary-control`, chromedp.ByQuery)),
		step("WaitVisible", chromedp.WaitVisible(getTask+` tr[data-param-name="task_hash"] input`, chromedp.ByQuery)),
		step("SendKeys", chromedp.SendKeys(getTask+` tr[data-param-name="task_hash"] input`, strings.Repeat(kb.Backspace, 64)+apitest.SeedTaskHash, chromedp.ByQuery)),
		step("Click", chromedp.Click(getTask+` button.execute`, chromedp.ByQuery)),
		step("WaitVisible", chromedp.WaitVisible(getTask+` .live-responses-table .response-col_description pre`, chromedp.ByQuery)),
		step("Text", chromedp.Text(getTask+` .live-responses-table tbody .response-col_status`, &status, chromedp.ByQuery)),
		step("Text", chromedp.Text(getTask+` .live-responses-table .response-col_description pre`, &body, chromedp.ByQuery)),
		step("Text", chromedp.Text(getTask+` .request-url pre`, &requestURL, chromedp.ByQuery)),
		step("screenshot", chromedp.ActionFunc(func(ctx context.Context) error {
			if os.Getenv("LOBSTR_DOCS_SCREENSHOT") == "" {
				return nil
			}
			var top []byte
			if err := chromedp.Run(ctx, chromedp.Screenshot(getTask, &shot, chromedp.ByQuery),
				chromedp.Evaluate(`window.scrollTo(0, 0)`, nil), chromedp.CaptureScreenshot(&top)); err != nil {
				return err
			}
			shots = [][]byte{top, shot}
			return nil
		})),
	)
	if err != nil {
		var html string
		_ = chromedp.Run(bctx, chromedp.OuterHTML(getTask, &html, chromedp.ByQuery))
		t.Fatalf("driving the page: %v\nGet Task's block:\n%s\nmock's log:\n%s", err, html, mock.log())
	}
	if path := os.Getenv("LOBSTR_DOCS_SCREENSHOT"); path != "" && len(shots) == 2 {
		if err := os.WriteFile(path, shots[0], 0o644); err != nil {
			t.Error(err)
		}
		if err := os.WriteFile(strings.TrimSuffix(path, ".png")+"-gettask.png", shots[1], 0o644); err != nil {
			t.Error(err)
		}
	}

	// Every operation, once each: the page's ids are operations-TAG-OPERATIONID.
	var got []string
	for _, id := range ids {
		if i := strings.LastIndex(id, "-"); strings.HasPrefix(id, "operations-") && i > 0 {
			got = append(got, id[i+1:])
		}
	}
	slices.Sort(got)
	if !slices.Equal(got, want) {
		t.Errorf("the page lists %d operations %q\nthe document has %d %q", len(got), got, len(want), want)
	}

	if strings.TrimSpace(status) != "200" {
		t.Errorf("Try it out: status %q, want 200; body %s", status, body)
	}
	if wantURL := mock.url + "/tasks/" + apitest.SeedTaskHash; strings.TrimSpace(requestURL) != wantURL {
		t.Errorf("Try it out called %q, want %q", requestURL, wantURL)
	}
	seed, err := openapi.Fixture("get-task.200.json")
	if err != nil {
		t.Fatal(err)
	}
	var shown, documented any
	if err := json.Unmarshal([]byte(body), &shown); err != nil {
		t.Fatalf("the body shown is not JSON: %v\n%s", err, body)
	}
	if err := json.Unmarshal(seed, &documented); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(shown, documented) {
		t.Errorf("the body shown is not the seed's:\n%s\nwant\n%s", body, seed)
	}

	mu.Lock()
	defer mu.Unlock()
	if len(problems) > 0 {
		t.Errorf("the page logged errors:\n  %s", strings.Join(problems, "\n  "))
	}
	if len(elsewhere) > 0 {
		t.Errorf("the page made requests off the mock (%s):\n  %s", origin.Host, strings.Join(elsewhere, "\n  "))
	}
	if strings.Contains(mock.log(), "spec violation") {
		t.Errorf("the mock saw a violation:\n%s", mock.log())
	}
	t.Logf("%d operations listed; Try it out of Get Task %s answered %s; %v in all", len(got), apitest.SeedTaskHash, strings.TrimSpace(status), time.Since(start).Round(time.Millisecond))
}

// browserProfile is an empty folder for chromium's profile, removed after the test. Chromium's
// helper processes may still write into it while the browser exits, so its removal is
// retried for a few seconds rather than failing the test as t.TempDir's cleanup does.
func browserProfile(t *testing.T) string {
	t.Helper()
	dir, err := os.MkdirTemp("", "lobstr-browser-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		for range 50 {
			if os.RemoveAll(dir) == nil {
				return
			}
			time.Sleep(100 * time.Millisecond)
		}
		t.Logf("chromium's profile %s could not be removed", dir)
	})
	return dir
}
