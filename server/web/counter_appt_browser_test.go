package web_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"hallq/server/engine"
)

// TestWebCounterMarksAppointments: a booking checked in at the kiosk is
// called at window 4; the counter page marks the called ticket as an
// appointment, and the staff member checks the visitor's document against the
// booking: another document is a mismatch, the booker's a match, and the
// public log records the results without the number.
func TestWebCounterMarksAppointments(t *testing.T) {
	h := newTestHall(t)
	loc := h.Config.Hall.Location
	// Tomorrow at 10:05 in the hall, whatever the time the test runs: the
	// 10:30 slot's check-in is open.
	d := h.Clock.Now().In(loc).AddDate(0, 0, 1)
	h.Clock.Set(time.Date(d.Year(), d.Month(), d.Day(), 10, 5, 0, 0, loc))
	slot := "exit-entry-" + d.Format("20060102") + "-1030"
	booker, other := residentID(41), residentID(42)
	if _, err := h.Engine.Book(context.Background(), engine.BookInput{Service: "exit-entry", Slot: slot, DocKind: "resident", DocNumber: booker}); err != nil {
		t.Fatal(err)
	}
	var ticket struct {
		Ticket struct {
			Number string `json:"number"`
		} `json:"ticket"`
	}
	if code, raw := do(t, http.DefaultClient, "POST", h.URL+"/api/v1/appointments/check-in",
		map[string]string{"Authorization": "Bearer " + h.Secrets.KioskToken}, fmt.Sprintf(`{"id_number":%q}`, booker), &ticket); code != http.StatusCreated {
		t.Fatalf("check-in: %d %s", code, raw)
	}

	br := newBrowser(t)
	staff := br.tab(1366, 900)
	li := h.Secrets.Staff[1] // may sign in to windows 2 and 4
	signIn(t, staff, h.URL, li.Username, li.Password, "4")
	must(t, staff, chromedp.KeyEvent("o"))
	deskMessage(t, staff, "ok", "窗口已开启")
	waitFor(t, staff, pageWait, `document.getElementById('d-appt').hidden === true`, `document.getElementById('d-appt').outerHTML`)
	must(t, staff, chromedp.KeyEvent("n"))
	deskMessage(t, staff, "ok", "已呼叫 "+ticket.Ticket.Number)
	waitFor(t, staff, pageWait, `!document.getElementById('d-appt').hidden && `+textOf("d-appt-badge")+` === '预约号'`,
		`document.getElementById('d-appt').hidden + ' ' + `+textOf("d-appt-badge"))
	screenshot(t, staff, "counter-appointment")

	verify := func(number string) {
		t.Helper()
		must(t, staff,
			chromedp.Evaluate[chromedp.Void](`document.getElementById('d-verify-number').value = ''`),
			chromedp.SendKeys(chromedp.CSS("#d-verify-number"), number),
			chromedp.Click(chromedp.CSS("#d-verify-submit")))
	}
	verify(other)
	deskMessage(t, staff, "error", "证件与预约不一致")
	verify(booker)
	deskMessage(t, staff, "ok", "证件与预约一致")

	_, raw := do(t, http.DefaultClient, "GET", h.URL+"/log.jsonl", nil, "", nil)
	log := string(raw)
	if strings.Contains(log, booker) || strings.Contains(log, other) || strings.Contains(log, booker[6:14]) {
		t.Error("a document number, or a birth date, is in the public log")
	}
	if n := strings.Count(log, `"match":false`) + strings.Count(log, `"match":true`); n != 2 {
		t.Errorf("%d document checks in the log, want 2", n)
	}
}
