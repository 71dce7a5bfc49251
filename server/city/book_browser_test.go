package city_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"hallq/server/city"
	"hallq/server/config"
	"hallq/server/queue"
	"hallq/server/web/webtest"
)

// pagePrefix keeps the streams of the booking page's test apart from the
// others'.
const pagePrefix = "page"

// TestBookingPageOfThePortal books in headless Chromium on the portal's own
// booking page, on a phone, against halls on the 3-node cluster: hall,
// service, day and slot with its places left, a passport number typed as
// people type it; the booking lands in the hall's log, the page shows its
// code, QR and the hall's link, and the places left follow from the portal's
// read model. A hall that is down is said to be so, in Chinese and in
// English. Another site's page cannot book through the portal, the portal
// limits an address, and no byte the portal serves holds the document
// number.
func TestBookingPageOfThePortal(t *testing.T) {
	b := webtest.NewBrowser(t)
	adjust := func(c *config.Config) {
		bookingHall(100)(c)
		c.Federation.Prefix = pagePrefix
	}
	w1 := startHallWith(t, "w1", 0, adjust)
	w2 := startHallWith(t, "w2", 1, adjust)
	p, err := city.Start(city.Options{URLs: strings.Split(cluster.URLs(), ","), Prefix: pagePrefix, Discover: 100 * time.Millisecond,
		BookPerMinute: 5})
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	srv := httptest.NewServer(p.Handler())
	defer srv.Close()
	waitCaughtUp(t, []*city.Portal{p}, []*testHall{w1, w2})

	tab := b.Tab(360, 740)
	wait := func(cond, describe string) { t.Helper(); webtest.WaitFor(t, tab, webtest.PageWait, cond, describe) }
	eval := func(expr string) string { t.Helper(); return webtest.Eval[string](t, tab, expr) }
	errorText := webtest.TextOf("b-error")

	// The city page leads to the booking page of each hall.
	webtest.Must(t, tab, chromedp.Navigate(srv.URL+"/"))
	wait(`document.querySelector('#hall-w1 a.book')`, `document.body.innerText`)
	webtest.Must(t, tab, chromedp.Click(chromedp.CSS(`#hall-w1 a.book`)))
	wait(`location.pathname === '/book' && document.getElementById('c-hall')`, `document.body.innerText`)
	if halls := eval(`Array.from(document.querySelectorAll('#c-hall option')).map(o => o.value).join(',')`); halls != "w1,w2" {
		t.Fatalf("halls offered: %s, want w1,w2", halls)
	}
	if kinds := eval(`Array.from(document.querySelectorAll('#b-kind option')).map(o => o.value).join(',')`); kinds != strings.Join(queue.DocumentKinds, ",") {
		t.Fatalf("document kinds offered: %s, want %s", kinds, strings.Join(queue.DocumentKinds, ","))
	}

	// Tomorrow's last slot, which does not start during the test.
	lastOpen := `Array.from(document.querySelectorAll('#b-slots .slot[data-state="open"]')).pop()`
	pickTomorrow := func() (date, slot string) {
		t.Helper()
		date = eval(`document.querySelector('.days:not([hidden]) .day:nth-child(2)').getAttribute('data-date')`)
		webtest.Must(t, tab, chromedp.Evaluate[chromedp.Void](`document.querySelector('.days:not([hidden]) .day:nth-child(2)').click()`))
		wait(`document.getElementById('b-slots').getAttribute('data-for') === 'exit-entry|`+date+`' && `+lastOpen, `document.getElementById('b-slots').innerText`)
		slot = eval(lastOpen + `.getAttribute('data-slot')`)
		webtest.Must(t, tab, chromedp.Evaluate[chromedp.Void](lastOpen+`.click()`), chromedp.WaitVisible(chromedp.CSS(`#b-form`)))
		return date, slot
	}
	wait(`document.getElementById('b-live').getAttribute('data-state') === 'live'`, webtest.TextOf("b-live"))
	date, slot := pickTomorrow()
	left := func() string {
		return eval(`document.querySelector('#b-slots .slot[data-slot="` + slot + `"] .left').getAttribute('data-remaining')`)
	}
	if got := left(); got != "3" {
		t.Fatalf("places left of %s shown: %s, want 3", slot, got)
	}
	webtest.Screenshot(t, tab, "city-book-form")
	const typed, number = "e1234 5678", "E12345678"
	webtest.Must(t, tab,
		chromedp.SetValue(chromedp.CSS(`#b-kind`), queue.DocPassport),
		chromedp.SendKeys(chromedp.CSS(`#b-number`), typed),
		chromedp.Click(chromedp.CSS(`#b-submit`)),
	)
	wait(`!document.getElementById('b-done').hidden`, errorText)
	code := eval(webtest.TextOf("b-code"))
	link := eval(`document.getElementById('b-link').getAttribute('href')`)
	if code == "" || !strings.HasPrefix(link, "https://w1.example.gov.cn/a/") {
		t.Fatalf("the booking shown: code %q, link %q", code, link)
	}
	if when := eval(webtest.TextOf("b-when")); !strings.Contains(when, "E12****78") {
		t.Errorf("the booking shows %q, want the document masked E12****78", when)
	}
	wait(`!document.getElementById('b-qr').hidden && document.getElementById('b-qr').naturalWidth > 0`, `document.getElementById('b-qr').src`)
	token := strings.TrimPrefix(link, "https://w1.example.gov.cn/a/")
	if src := eval(`document.getElementById('b-qr').getAttribute('src')`); src != "/halls/w1/a/"+token+"/qr.png" {
		t.Errorf("the QR's source %s", src)
	}
	// The hall made the booking: it is in its log and the token opens it.
	s, err := w1.Engine.Slots("exit-entry", date)
	if err != nil {
		t.Fatal(err)
	}
	booked := 0
	for _, sl := range s.Slots {
		booked += sl.Booked
		if sl.ID == slot && sl.Booked != 1 {
			t.Errorf("the hall's slot %s after the booking: %+v", slot, sl)
		}
	}
	if booked != 1 {
		t.Errorf("the hall's log holds %d bookings of %s, want 1", booked, date)
	}
	if a, err := w1.Engine.AppointmentByToken(token); err != nil || a.Code != code {
		t.Errorf("the hall's booking of the token: %+v %v, want code %s", a, err, code)
	}
	// The places left follow from the portal's read model.
	wait(`document.querySelector('#b-slots .slot[data-slot="`+slot+`"] .left').getAttribute('data-remaining') === '2'`, `document.getElementById('b-slots').innerText`)
	webtest.Screenshot(t, tab, "city-book-done")
	if html := eval(`document.documentElement.outerHTML`); strings.Contains(html, number) || strings.Contains(html, "12345678") {
		t.Error("the page holds the document number after the booking")
	}
	if w := eval(`String(document.documentElement.scrollWidth)`); w != "360" {
		t.Errorf("the page is %s px wide on a 360 px phone", w)
	}

	// Another site's page posts a booking to the portal: refused, before it
	// counts against anyone's limit or reaches the hall.
	evil := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, `<!DOCTYPE html><form id="f" method="POST" enctype="text/plain" action="%s/api/v1/halls/w1/appointments">`+
			`<input name='{"service":"exit-entry","slot":"%s","id_kind":"passport","id_number":"G7654321","x":"' value='"}'></form>`+
			`<script>document.getElementById("f").submit()</script>`, srv.URL, slot)
	}))
	defer evil.Close()
	other := b.Tab(360, 740)
	webtest.Must(t, other, chromedp.Navigate(evil.URL))
	webtest.WaitFor(t, other, webtest.PageWait, `document.body && document.body.innerText.includes('EFORBIDDEN')`, `location.href + ' ' + document.body.innerText`)
	if s, _ := w1.Engine.Slots("exit-entry", date); s.Slots[len(s.Slots)-1].Booked != 1 {
		t.Errorf("a cross-site post changed the hall's slot: %+v", s.Slots[len(s.Slots)-1])
	}

	// A hall that is down: the page says so, naming it, in either language.
	w2.close()
	webtest.Must(t, tab, chromedp.Navigate(srv.URL+"/book?hall=w2"))
	wait(`document.getElementById('b-live').getAttribute('data-state') === 'live'`, webtest.TextOf("b-live"))
	pickTomorrow()
	webtest.Must(t, tab, chromedp.SendKeys(chromedp.CSS(`#b-number`), residentID(21)), chromedp.Click(chromedp.CSS(`#b-submit`)))
	wait(`!document.getElementById('b-error').hidden`, `document.body.innerText`)
	if msg := eval(errorText); !strings.Contains(msg, "w2") || !strings.Contains(msg, "未作预约") {
		t.Errorf("booking at a hall that is down shows %q", msg)
	}
	webtest.Screenshot(t, tab, "city-book-down-zh")
	webtest.Must(t, tab, chromedp.Click(chromedp.CSS(`.lang-switch`)), chromedp.Click(chromedp.CSS(`#b-submit`)))
	wait(errorText+`.includes('nothing was booked')`, errorText)
	if msg := eval(errorText); !strings.Contains(msg, "hall w2 cannot be reached") {
		t.Errorf("in English, booking at a hall that is down shows %q", msg)
	}
	webtest.Screenshot(t, tab, "city-book-down-en")

	// The portal's limit per address: five a minute here. The hall's own
	// refusals of a bad number count too.
	webtest.Must(t, tab, chromedp.Navigate(srv.URL+"/book?hall=w1"))
	pickTomorrow()
	for i := 0; ; i++ {
		webtest.Must(t, tab,
			chromedp.Evaluate[chromedp.Void](`document.getElementById('b-error').hidden = true`),
			chromedp.SetValue(chromedp.CSS(`#b-number`), "123"),
			chromedp.Click(chromedp.CSS(`#b-submit`)))
		wait(`!document.getElementById('b-error').hidden`, `document.body.innerText`)
		msg := eval(errorText)
		if strings.Contains(msg, "too many booking requests") {
			break
		}
		if i == 15 {
			t.Fatalf("the portal's limit per address never answered: %q", msg)
		}
	}

	// No byte the portal serves holds the document number.
	for _, path := range []string{"/", "/book", "/book?hall=w1", "/api/v1/city", "/api/v1/halls/w1", "/api/v1/halls/w1/slots?date=" + date} {
		if body := get(t, srv.URL+path); strings.Contains(body, number) || strings.Contains(body, "12345678") {
			t.Errorf("the portal's %s holds the document number", path)
		}
	}
	// The portal serves the files of the hall's pages the booking page
	// needs and no other, and the QR of a link token's shape only.
	for path, want := range map[string]int{
		"/static/book.js": http.StatusOK, "/static/common.js": http.StatusOK, "/static/style.css": http.StatusOK,
		"/static/counter.js": http.StatusNotFound, "/static/..%2fweb.go": http.StatusNotFound,
		"/halls/w1/a/" + token + "/qr.png": http.StatusOK, "/halls/w1/a/%3Cscript%3E/qr.png": http.StatusNotFound,
		"/halls/nope/a/" + token + "/qr.png": http.StatusNotFound, "/book?hall=nope": http.StatusNotFound,
	} {
		if a := do(t, "GET", srv.URL+path, "", nil); a.status != want {
			t.Errorf("GET %s: %d, want %d", path, a.status, want)
		}
	}
	resp, err := http.Get(srv.URL + "/book")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if csp := resp.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "script-src 'self'") || strings.Contains(csp, "unsafe") {
		t.Errorf("the booking page's policy: %s", csp)
	}
	b.Check(tab)
}
