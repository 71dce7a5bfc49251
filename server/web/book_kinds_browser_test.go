package web_test

import (
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"hallq/server/queue"
)

// TestWebBookingEveryDocument offers every document kind the rules accept on
// /book (kiosks check each of them in) and books with a passport on a phone;
// the booking's page shows the passport number masked.
func TestWebBookingEveryDocument(t *testing.T) {
	h := newTestHall(t)
	b := newBrowser(t)
	tab := b.tab(360, 740)
	must(t, tab, chromedp.Navigate(h.URL+"/book"))
	waitFor(t, tab, pageWait, `document.querySelectorAll('.days:not([hidden]) .day').length > 1`, `document.body.innerText`)
	kinds := eval[string](t, tab, `Array.from(document.querySelectorAll('#b-kind option')).map(o => o.value).join(',')`)
	if want := strings.Join(queue.DocumentKinds, ","); kinds != want {
		t.Fatalf("document kinds offered: %s, want %s", kinds, want)
	}
	pickDay := `document.querySelector('.days:not([hidden]) .day:nth-child(2)').click()`
	firstOpen := `document.querySelector('#b-slots .slot[data-state="open"]')`
	must(t, tab, chromedp.Evaluate[chromedp.Void](pickDay))
	waitFor(t, tab, pageWait, firstOpen, `document.getElementById('b-slots').innerText`)
	must(t, tab,
		chromedp.Evaluate[chromedp.Void](firstOpen+`.click()`),
		chromedp.WaitVisible(chromedp.CSS(`#b-form`)),
		chromedp.SetValue(chromedp.CSS(`#b-kind`), queue.DocPassport),
		chromedp.SendKeys(chromedp.CSS(`#b-number`), "e1234 5678"),
		chromedp.Click(chromedp.CSS(`#b-submit`)),
	)
	waitFor(t, tab, pageWait, `!document.getElementById('b-done').hidden`, `document.getElementById('b-error').innerText`)
	link := eval[string](t, tab, `document.getElementById('b-link').getAttribute('href')`)
	must(t, tab, chromedp.Navigate(h.URL+link))
	waitFor(t, tab, pageWait, textOf("a-doc")+` !== ''`, `document.body.innerText`)
	if doc := eval[string](t, tab, textOf("a-doc")); doc != "E12****78" {
		t.Fatalf("document shown %q, want E12****78", doc)
	}
	if html := eval[string](t, tab, `document.documentElement.outerHTML`); strings.Contains(html, "12345678") {
		t.Fatal("the booking page holds the passport number")
	}
	b.check(tab)
}
