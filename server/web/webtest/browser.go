// Package webtest runs hallq's web pages in headless Chromium for their
// tests: a browser whose tabs record the pages' uncaught exceptions and
// Content-Security-Policy violations, and the waits and evaluations the
// tests make in them. Every wait is on a condition, bounded by PageWait.
package webtest

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
)

// PageWait bounds every wait for a page or the browser: it only ends a test
// that would otherwise hang and is no measure of speed (a loaded machine runs
// Chromium slowly).
const PageWait = 60 * time.Second

// Browser is a headless Chromium for the web page tests. Each tab records the
// page's uncaught exceptions and Content-Security-Policy violations, which
// every test checks at its end.
type Browser struct {
	t   *testing.T
	ctx context.Context

	mu       sync.Mutex
	problems []string
}

// ChromiumPath returns the Chromium binary, or skips the test.
func ChromiumPath(t *testing.T) string {
	t.Helper()
	for _, name := range []string{"/usr/bin/chromium", "chromium", "chromium-browser"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	t.Skip("chromium is not installed (deploy/setup.sh installs Debian's chromium); the browser tests of the web pages need it")
	return ""
}

// NewBrowser starts a headless Chromium that runs until the test ends, or
// skips the test if Chromium is not installed.
func NewBrowser(t *testing.T) *Browser {
	t.Helper()
	path := ChromiumPath(t)
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(path),
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1366, 768),
	)
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancel := chromedp.NewContext(actx)
	// The first tab starts the browser; it stays open until the test ends.
	if err := chromedp.Do(ctx); err != nil {
		cancel()
		cancelAlloc()
		t.Fatalf("start chromium: %v", err)
	}
	t.Cleanup(func() {
		cancel()
		cancelAlloc()
	})
	return &Browser{t: t, ctx: ctx}
}

// watchScript records Content-Security-Policy violations of the page.
const watchScript = `window.__hallqProblems = [];
document.addEventListener('securitypolicyviolation', function (e) {
  window.__hallqProblems.push('CSP ' + e.violatedDirective + ' ' + e.blockedURI);
});`

// Tab opens a new tab of the given viewport size. Its uncaught exceptions are
// recorded for check.
func (b *Browser) Tab(width, height int64) context.Context {
	b.t.Helper()
	ctx, cancel := chromedp.NewContext(b.ctx, chromedp.WithListener(func(ev any) {
		if e, ok := ev.(*runtime.EventExceptionThrown); ok {
			msg := e.ExceptionDetails.Text
			if e.ExceptionDetails.Exception != nil && e.ExceptionDetails.Exception.Description != "" {
				msg = e.ExceptionDetails.Exception.Description
			}
			b.mu.Lock()
			b.problems = append(b.problems, fmt.Sprintf("exception at %s:%d: %s", e.ExceptionDetails.URL, e.ExceptionDetails.LineNumber+1, msg))
			b.mu.Unlock()
		}
	}))
	b.t.Cleanup(cancel)
	mobile := width < 600
	err := chromedp.Do(ctx,
		chromedp.EmulateViewport(width, height, func(p1 *emulation.SetDeviceMetricsOverrideParams, p2 *emulation.SetTouchEmulationEnabledParams) {
			p1.Mobile = mobile
			if mobile {
				p1.DeviceScaleFactor = 2
				p2.Enabled = true
			}
		}),
		OnNewDocument(watchScript),
	)
	if err != nil {
		b.t.Fatalf("open tab: %v", err)
	}
	return ctx
}

// OnNewDocument has the tab run the script src in every page it loads from
// now on, before the page's own scripts: to watch or stub what the page
// calls.
func OnNewDocument(src string) chromedp.Action[chromedp.Void] {
	return chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
		_, err := cdp.Call(ctx, t, page.AddScriptToEvaluateOnNewDocument, page.AddScriptToEvaluateOnNewDocumentParams{Source: src})
		return err
	})
}

// Check fails the test if a page threw an exception or broke its
// Content-Security-Policy.
func (b *Browser) Check(tabs ...context.Context) {
	b.t.Helper()
	for _, ctx := range tabs {
		rctx, cancel := context.WithTimeout(ctx, PageWait)
		csp, err := chromedp.Run(rctx, chromedp.Evaluate[[]string](`window.__hallqProblems || []`))
		cancel()
		if err == nil {
			b.mu.Lock()
			b.problems = append(b.problems, csp...)
			b.mu.Unlock()
		}
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	for _, p := range b.problems {
		b.t.Errorf("page problem: %s", p)
	}
	b.problems = nil
}

// RunTab runs actions in a tab with a deadline, so that a broken page fails the
// test instead of hanging it.
func RunTab(ctx context.Context, actions ...chromedp.Action[chromedp.Void]) error {
	ctx, cancel := context.WithTimeout(ctx, PageWait)
	defer cancel()
	return chromedp.Do(ctx, actions...)
}

// Must runs actions in a tab and fails the test on an error.
func Must(t *testing.T, ctx context.Context, actions ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	if err := RunTab(ctx, actions...); err != nil {
		t.Fatal(err)
	}
}

// Eval evaluates a JavaScript expression in a tab.
func Eval[T any](t *testing.T, ctx context.Context, expr string) T {
	t.Helper()
	ctx, cancel := context.WithTimeout(ctx, PageWait)
	defer cancel()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](expr, chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatalf("evaluate %s: %v", expr, err)
	}
	return v
}

// WaitFor polls a JavaScript condition until it holds, and fails the test with
// what describe shows of the page when it does not hold within timeout.
func WaitFor(t *testing.T, ctx context.Context, timeout time.Duration, cond, describe string) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		ok, err := chromedp.Run(ctx, chromedp.Evaluate[bool]("!!("+cond+")"))
		if err == nil && ok {
			return
		}
		if time.Now().After(deadline) {
			got, _ := chromedp.Run(ctx, chromedp.Evaluate[string]("String("+describe+")"))
			t.Fatalf("waited %v for %s; page shows: %s (err %v)", timeout, cond, got, err)
		}
		time.Sleep(25 * time.Millisecond)
	}
}

// TextOf is a JavaScript expression for the text of the element with the id.
func TextOf(id string) string {
	return `(document.getElementById(` + JSString(id) + `) || {}).textContent`
}

// JSString is s as a JavaScript string literal.
func JSString(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

// Screenshot saves the tab's page as a PNG when HALLQ_SCREENSHOTS names a
// directory, for people to look at the pages.
func Screenshot(t *testing.T, ctx context.Context, name string) {
	t.Helper()
	dir := os.Getenv("HALLQ_SCREENSHOTS")
	if dir == "" {
		return
	}
	ctx, cancel := context.WithTimeout(ctx, PageWait)
	defer cancel()
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Errorf("screenshot %s: %v", name, err)
		return
	}
	if err := os.WriteFile(strings.TrimRight(dir, "/")+"/"+name+".png", png, 0o644); err != nil {
		t.Error(err)
	}
}
