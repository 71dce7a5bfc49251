package web_test

import (
	"context"
	"testing"

	"github.com/chromedp/chromedp"

	"hallq/server/web/webtest"
)

// recordVibrations replaces navigator.vibrate, before the page's scripts
// run, by a stub that records each pattern in window.__vibrations.
const recordVibrations = `window.__vibrations = [];
Object.defineProperty(Navigator.prototype, 'vibrate', { configurable: true, writable: true,
  value: function (pattern) { window.__vibrations.push(JSON.stringify(pattern)); return true; } });`

// noVibrate removes navigator.vibrate, as on browsers without it.
const noVibrate = `delete Navigator.prototype.vibrate;`

// TestWebTicketVibrates: the ticket page vibrates the phone once when the
// people ahead fall to the level chosen and once when the number is called;
// a page whose holder did not ask to be reminded never vibrates; on a
// browser without navigator.vibrate the same page still raises both
// notifications, and throws nothing.
func TestWebTicketVibrates(t *testing.T) {
	h, mine := twoAheadOfMine(t)
	br := newBrowser(t)
	phone := br.tab(360, 740)
	plain := br.tab(360, 740) // a browser without vibrate
	quiet := br.tab(360, 740) // no reminder asked for
	// Opened before the reminders are chosen in the others (the choice is
	// kept in the browser's storage and read when the page opens).
	must(t, quiet, webtest.OnNewDocument(recordVibrations), chromedp.Navigate(mine.Ticket.StatusURL))
	waitFor(t, quiet, pageWait, `document.getElementById('t-ahead').textContent === '2 人'`, textOf("ticket"))
	must(t, phone, webtest.OnNewDocument(recordVibrations), chromedp.Navigate(mine.Ticket.StatusURL))
	must(t, plain, webtest.OnNewDocument(noVibrate), webtest.OnNewDocument(recordNotes), grantNotifications(h.URL),
		chromedp.Navigate(mine.Ticket.StatusURL))
	for _, tab := range []context.Context{phone, plain} {
		waitFor(t, tab, pageWait, `document.getElementById('t-ahead').textContent === '2 人' && !document.getElementById('t-alert').hidden`, textOf("ticket"))
		must(t, tab, chromedp.SetValue(chromedp.CSS("#t-alert-at"), "1"), chromedp.Click(chromedp.CSS("#t-alert-on")))
		waitFor(t, tab, pageWait, `document.getElementById('t-alert-state').textContent.indexOf('1 人') >= 0`, textOf("t-alert-state"))
	}
	if got := eval[bool](t, plain, `'vibrate' in navigator`); got {
		t.Fatal("the stub did not remove navigator.vibrate")
	}
	if n := eval[int](t, phone, `window.__vibrations.length`); n != 0 {
		t.Fatalf("%d vibrations with 2 ahead", n)
	}

	c, csrf := h.Staff(0, "1")
	if code, raw := h.Act(c, csrf, "1", "open", ""); code != 200 {
		t.Fatalf("open: %d %s", code, raw)
	}
	act := func(what string) {
		t.Helper()
		if code, raw := h.Act(c, csrf, "1", what, ""); code != 200 {
			t.Fatalf("%s: %d %s", what, code, raw)
		}
	}
	act("call-next")
	act("complete") // one ahead now
	waitFor(t, phone, pageWait, `window.__vibrations.length === 1`, `JSON.stringify(window.__vibrations) + ' ' + `+textOf("t-ahead"))
	waitFor(t, plain, pageWait, `window.__notes.length === 1`, `JSON.stringify(window.__notes)`)
	if got := eval[string](t, phone, `window.__vibrations[0]`); got != "[200,100,200]" {
		t.Errorf("close vibration %s, want [200,100,200]", got)
	}
	act("call-next")
	act("complete") // nobody ahead: no second "close" vibration
	waitFor(t, phone, pageWait, `document.getElementById('t-ahead').textContent === '0 人'`, textOf("t-ahead"))
	act("call-next") // mine
	waitFor(t, phone, pageWait, `window.__vibrations.length === 2`, `JSON.stringify(window.__vibrations)`)
	waitFor(t, plain, pageWait, `window.__notes.length === 2`, `JSON.stringify(window.__notes)`)
	if got := eval[string](t, phone, `window.__vibrations[1]`); got != "[300,150,300]" {
		t.Errorf("called vibration %s, want [300,150,300]", got)
	}
	waitFor(t, quiet, pageWait, `document.getElementById('t-state').getAttribute('data-status') === 'called'`, textOf("t-state"))
	if n := eval[int](t, quiet, `window.__vibrations.length`); n != 0 {
		t.Errorf("the page without a reminder vibrated %d times", n)
	}
	br.check(phone, plain, quiet)
}
