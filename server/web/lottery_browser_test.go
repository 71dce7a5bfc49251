package web_test

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"hallq/server/config"
	"hallq/server/hall/halltest"
)

// TestWebLotteryApply applies for a place on a phone while the day's places
// are drawn by lottery, watches the application count rise on a second phone,
// and sees the outcome on the booking's page once the draw is made.
func TestWebLotteryApply(t *testing.T) {
	cfg, _, err := config.Demo()
	if err != nil {
		t.Fatal(err)
	}
	for i := range cfg.Hall.Services {
		if a := cfg.Hall.Services[i].Appointments; a != nil {
			a.LotteryWindow = time.Hour
		}
	}
	// Monday 2027-03-01 08:00:30 in Shanghai: the places of 03-08 were
	// released half a minute ago, to be drawn at 09:00. The hall's clock is
	// ahead of the machine's, so the page never sees the slots as started.
	loc := cfg.Hall.Location
	clock := halltest.NewFixedClock(time.Date(2027, 3, 1, 8, 0, 30, 0, loc))
	h := halltest.Start(t, halltest.Options{Config: cfg, Clock: clock})
	waitUntil(t, func() bool {
		var out struct{ Lottery string }
		code, _ := do(t, http.DefaultClient, "GET", h.URL+"/api/v1/appointments/slots?service=exit-entry&date=2027-03-08", nil, "", &out)
		return code == 200 && out.Lottery == "open"
	})

	b := newBrowser(t)
	one, two := b.tab(360, 740), b.tab(360, 740)
	day := `document.querySelector('.days:not([hidden]) .day[data-date="2027-03-08"]')`
	ready := `document.getElementById('b-slots').getAttribute('data-for') === 'exit-entry|2027-03-08' &&
		document.getElementById('b-lottery').getAttribute('data-lottery') === 'open' &&
		document.querySelector('#b-slots .slot[data-state="open"]')`
	for _, ctx := range []context.Context{one, two} {
		must(t, ctx, chromedp.Navigate(h.URL+"/book"))
		waitFor(t, ctx, pageWait, day+` !== null`, `document.body.innerText`)
		must(t, ctx, chromedp.Evaluate[chromedp.Void](`document.getElementById('b-service').value = 'exit-entry';
			document.getElementById('b-service').dispatchEvent(new Event('change'));`))
		must(t, ctx, chromedp.Evaluate[chromedp.Void](day+`.click()`))
		waitFor(t, ctx, pageWait, ready+` && document.getElementById('b-live').getAttribute('data-state') === 'live'`,
			`document.getElementById('b-slots').innerText + ' ' + document.getElementById('b-lottery').innerText`)
	}
	slot := eval[string](t, one, `document.querySelector('#b-slots .slot[data-state="open"]').getAttribute('data-slot')`)
	applied := func(n string) string {
		return `document.querySelector('#b-slots .slot[data-slot="` + slot + `"] .left').getAttribute('data-applications') === "` + n + `"`
	}
	waitFor(t, two, pageWait, applied("0"), `document.getElementById('b-slots').innerText`)
	if note := eval[string](t, one, textOf("b-lottery")); note == "" {
		t.Fatalf("no word that the day is drawn by lottery")
	}
	if label := eval[string](t, one, `document.querySelector('#b-slots .slot[data-slot="`+slot+`"] .left').textContent`); label != "0 人申请 · 名额 4" {
		t.Fatalf("slot reads %q, want 0 人申请 · 名额 4", label)
	}
	screenshot(t, one, "lottery-open")

	must(t, one,
		chromedp.Evaluate[chromedp.Void](`document.querySelector('#b-slots .slot[data-slot="`+slot+`"]').click()`),
		chromedp.WaitVisible(chromedp.CSS(`#b-form`)),
		chromedp.SendKeys(chromedp.CSS(`#b-number`), residentID(31)),
	)
	if got := eval[string](t, one, textOf("b-submit")); got != "提交抽签申请" {
		t.Fatalf("submit button reads %q, want 提交抽签申请", got)
	}
	must(t, one, chromedp.Click(chromedp.CSS(`#b-submit`)))
	waitFor(t, one, pageWait, `!document.getElementById('b-done').hidden && document.getElementById('b-done').getAttribute('data-status') === 'applied'`,
		`document.getElementById('b-error').innerText`)
	screenshot(t, one, "lottery-applied")
	// The second phone counts the application, from the stream.
	waitFor(t, two, pageWait, applied("1"), `document.getElementById('b-slots').innerText`)

	link := eval[string](t, one, `document.getElementById('b-link').getAttribute('href')`)
	must(t, one, chromedp.Navigate(h.URL+link))
	waitFor(t, one, pageWait, `document.getElementById('a-title').textContent === '已申请，待抽签'`, `document.body.innerText`)
	screenshot(t, one, "lottery-appointment")

	// 09:00: applications close, the draw is made, and the page shows the
	// outcome: one application for four places wins.
	clock.Set(time.Date(2027, 3, 1, 9, 0, 30, 0, loc))
	waitFor(t, one, 2*pageWait, `document.getElementById('a-title').textContent === '已中签，预约成功'`, `document.body.innerText`)
	waitFor(t, two, pageWait, `document.getElementById('b-lottery').getAttribute('data-lottery') === 'drawn'`, textOf("b-lottery"))
	screenshot(t, one, "lottery-drawn")
	b.check(one, two)
}
