package web_test

import (
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// TestWebBookingLive books on a phone, watches the place count drop on a second
// phone, cancels on the booking's page and watches it rise again.
func TestWebBookingLive(t *testing.T) {
	h := newTestHall(t)
	b := newBrowser(t)
	one, two := b.tab(360, 740), b.tab(360, 740)
	// Tomorrow, the second day offered.
	pickDay := `document.querySelector('.days:not([hidden]) .day:nth-child(2)').click()`
	// The slots listed are those of the day picked, not the day shown before.
	picked := `document.getElementById('b-slots').getAttribute('data-for') === document.getElementById('b-service').value + '|' +
		document.querySelector('.days:not([hidden]) .day:nth-child(2)').getAttribute('data-date')`
	firstOpen := `document.querySelector('#b-slots .slot[data-state="open"]')`
	must(t, one, chromedp.Navigate(h.URL+"/book"))
	waitFor(t, one, pageWait, `document.querySelectorAll('.days:not([hidden]) .day').length > 1`, `document.body.innerText`)
	must(t, one, chromedp.Evaluate[chromedp.Void](pickDay))
	waitFor(t, one, pageWait, picked+` && `+firstOpen, `document.getElementById('b-slots').innerText`)
	slot := eval[string](t, one, firstOpen+`.getAttribute('data-slot')`)
	left := func(id string) string {
		return `(document.querySelector('#b-slots .slot[data-slot="` + id + `"] .left') || {getAttribute: function () { return '' }}).getAttribute('data-remaining')`
	}
	if got := eval[string](t, one, left(slot)); got != "4" {
		t.Fatalf("places of %s: %s, want 4", slot, got)
	}
	must(t, two, chromedp.Navigate(h.URL+"/book"))
	waitFor(t, two, pageWait, `document.querySelectorAll('.days:not([hidden]) .day').length > 1`, `document.body.innerText`)
	must(t, two, chromedp.Evaluate[chromedp.Void](pickDay))
	waitFor(t, two, pageWait, picked+` && `+left(slot)+` === "4" && document.getElementById('b-live').getAttribute('data-state') === 'live'`,
		`document.getElementById('b-slots').innerText + ' ' + document.getElementById('b-live').getAttribute('data-state')`)
	screenshot(t, one, "book-slots")

	id := residentID(7)
	must(t, one,
		chromedp.Evaluate[chromedp.Void](`document.querySelector('#b-slots .slot[data-slot="`+slot+`"]').click()`),
		chromedp.WaitVisible(chromedp.CSS(`#b-form`)),
		chromedp.SendKeys(chromedp.CSS(`#b-number`), id),
		chromedp.Click(chromedp.CSS(`#b-submit`)),
	)
	waitFor(t, one, pageWait, `!document.getElementById('b-done').hidden`, `document.getElementById('b-error').innerText`)
	code := eval[string](t, one, textOf("b-code"))
	if len(code) != 8 {
		t.Fatalf("booking code %q", code)
	}
	screenshot(t, one, "book-done")
	// The second phone sees the place go, from the stream.
	waitFor(t, two, pageWait, left(slot)+` === "3"`, `document.getElementById('b-slots').innerText`)

	link := eval[string](t, one, `document.getElementById('b-link').getAttribute('href')`)
	must(t, one, chromedp.Navigate(h.URL+link))
	waitFor(t, one, pageWait, textOf("a-code")+` === `+jsString(code), `document.body.innerText`)
	doc := eval[string](t, one, textOf("a-doc"))
	if want := id[:3] + strings.Repeat("*", 13) + id[16:]; doc != want {
		t.Fatalf("document shown %q, want %q", doc, want)
	}
	if html := eval[string](t, one, `document.documentElement.outerHTML`); strings.Contains(html, id) {
		t.Fatalf("the booking page holds the document number")
	}
	if !eval[bool](t, one, `document.querySelector('img.qr').naturalWidth > 0`) {
		t.Fatalf("no QR code")
	}
	screenshot(t, one, "appointment")
	must(t, one,
		chromedp.Click(chromedp.CSS(`#a-cancel-ask`)),
		chromedp.WaitVisible(chromedp.CSS(`#a-cancel-yes`)),
		chromedp.Click(chromedp.CSS(`#a-cancel-yes`)),
	)
	waitFor(t, one, pageWait, `document.getElementById('a-state').getAttribute('data-status') === 'cancelled'`, `document.body.innerText`)
	waitFor(t, two, pageWait, left(slot)+` === "4"`, `document.getElementById('b-slots').innerText`)

	// English on the booking page.
	must(t, two, chromedp.Click(chromedp.CSS(`.lang-switch`)))
	waitFor(t, two, pageWait, `document.getElementById('b-rules-text').textContent.indexOf('Check in') === 0`, textOf("b-rules-text"))
	screenshot(t, two, "book-en")
	// Nothing wider than the phone.
	if w := eval[float64](t, two, `document.documentElement.scrollWidth`); w > 360 {
		t.Errorf("the booking page is %v px wide on a 360 px phone", w)
	}
	if w := eval[float64](t, one, `document.documentElement.scrollWidth`); w > 360 {
		t.Errorf("the booking's page is %v px wide on a 360 px phone", w)
	}
	b.check(one, two)
}
