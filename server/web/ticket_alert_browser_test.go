package web_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	cdpbrowser "github.com/chromedp/cdproto/browser"
	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/chromedp"

	"hallq/server/web/webtest"
	"hallq/server/wire"
)

// recordNotes records every notification the page raises in
// window.__notes, and then raises it for real.
const recordNotes = `window.__notes = [];
(function () {
  var N = window.Notification;
  if (!N) return;
  function Recorded(title, opts) {
    window.__notes.push({ title: title, body: (opts && opts.body) || '', tag: (opts && opts.tag) || '' });
    return new N(title, opts);
  }
  Recorded.requestPermission = N.requestPermission.bind(N);
  Object.defineProperty(Recorded, 'permission', { get: function () { return N.permission; } });
  window.Notification = Recorded;
})();`

// grantNotifications lets the pages of origin raise notifications.
func grantNotifications(origin string) chromedp.Action[chromedp.Void] {
	return chromedp.Func(func(ctx context.Context, _ *chromedp.Target) error {
		_, err := cdp.Call(ctx, chromedp.FromContext(ctx).Browser, cdpbrowser.SetPermission, cdpbrowser.SetPermissionParams{
			Permission: &cdpbrowser.PermissionDescriptor{Name: "notifications"}, Setting: cdpbrowser.PermissionSettingGranted, Origin: origin})
		return err
	})
}

// twoAheadOfMine starts a hall where two general tickets wait ahead of
// mine, the ticket whose page the tests open.
func twoAheadOfMine(t *testing.T) (*testHall, wire.TicketAnswer) {
	t.Helper()
	h := newTestHall(t)
	for i := range 2 {
		if code, _, raw := h.Issue(fmt.Sprintf(`{"service":"general","idempotency_key":"ahead-%d"}`, i)); code != 201 {
			t.Fatalf("issue: %d %s", code, raw)
		}
	}
	code, mine, raw := h.Issue(`{"service":"general","idempotency_key":"mine"}`)
	if code != 201 {
		t.Fatalf("issue: %d %s", code, raw)
	}
	return h, mine
}

// TestWebTicketAlert: the holder of a number chooses to be told when one
// person is ahead; the page raises exactly one such notification when the
// count falls to it, and another when the number is called.
func TestWebTicketAlert(t *testing.T) {
	h, mine := twoAheadOfMine(t)
	br := newBrowser(t)
	phone := br.tab(360, 740)
	must(t, phone,
		webtest.OnNewDocument(recordNotes),
		grantNotifications(h.URL),
		chromedp.Navigate(mine.Ticket.StatusURL))
	waitFor(t, phone, pageWait, `document.getElementById('t-ahead').textContent === '2 人' && !document.getElementById('t-alert').hidden`, textOf("ticket"))
	if got := eval[string](t, phone, `Notification.permission`); got != "granted" {
		t.Fatalf("notification permission %q", got)
	}
	must(t, phone, chromedp.SetValue(chromedp.CSS("#t-alert-at"), "1"), chromedp.Click(chromedp.CSS("#t-alert-on")))
	waitFor(t, phone, pageWait, `document.getElementById('t-alert-state').textContent.indexOf('1 人') >= 0`, textOf("t-alert-state"))
	if n := eval[int](t, phone, `window.__notes.length`); n != 0 {
		t.Fatalf("%d notifications with 2 ahead", n)
	}

	c, csrf := h.Staff(0, "1")
	if code, raw := h.Act(c, csrf, "1", "open", ""); code != 200 {
		t.Fatalf("open: %d %s", code, raw)
	}
	call := func() {
		t.Helper()
		if code, raw := h.Act(c, csrf, "1", "call-next", ""); code != 200 {
			t.Fatalf("call next: %d %s", code, raw)
		}
		if code, raw := h.Act(c, csrf, "1", "complete", ""); code != 200 {
			t.Fatalf("complete: %d %s", code, raw)
		}
	}
	call() // one ahead now
	waitFor(t, phone, pageWait, `window.__notes.length === 1`, `JSON.stringify(window.__notes) + ' ' + `+textOf("t-ahead"))
	note := eval[map[string]any](t, phone, `window.__notes[0]`)
	if note["title"] != mine.Ticket.Number || !strings.Contains(note["body"].(string), "前面还有 1 人") {
		t.Errorf("close notification: %v", note)
	}
	call() // nobody ahead: no second "close" notification
	waitFor(t, phone, pageWait, `document.getElementById('t-ahead').textContent === '0 人'`, textOf("t-ahead"))
	if code, raw := h.Act(c, csrf, "1", "call-next", ""); code != 200 {
		t.Fatalf("call next: %d %s", code, raw)
	}
	waitFor(t, phone, pageWait, `window.__notes.length === 2`, `JSON.stringify(window.__notes)`)
	note = eval[map[string]any](t, phone, `window.__notes[1]`)
	if !strings.HasPrefix(note["tag"].(string), "called-") || !strings.Contains(note["body"].(string), "1号窗口") {
		t.Errorf("called notification: %v", note)
	}
	screenshot(t, phone, "ticket-alert")
	br.check(phone)
}
