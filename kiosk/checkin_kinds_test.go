package main

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"fyne.io/fyne/v2/test"

	"hallq/server/client"
	"hallq/server/config"
	"hallq/server/engine"
	"hallq/server/queue"
	"hallq/server/wire"
)

// lostCheckIn is the kiosk's link to the hall with the answer to one
// check-in lost: while lose is set, a check-in reaches the server, which
// checks the booking in, and the kiosk sees a timeout.
type lostCheckIn struct {
	*client.Client

	mu   sync.Mutex
	lose bool
	got  []*wire.Ticket // the answers the kiosk did not see
}

func (l *lostCheckIn) CheckIn(ctx context.Context, req wire.CheckInRequest) (*wire.Ticket, error) {
	l.mu.Lock()
	lose := l.lose
	l.lose = false
	l.mu.Unlock()
	tk, err := l.Client.CheckIn(ctx, req)
	if !lose || err != nil {
		return tk, err
	}
	l.mu.Lock()
	l.got = append(l.got, tk)
	l.mu.Unlock()
	return nil, fmt.Errorf("client: POST /api/v1/appointments/check-in: %w", context.DeadlineExceeded)
}

// TestCheckInEveryDocumentKind checks bookings in at the kiosk with a
// passport, with a Hong Kong permit that holds two bookings today (the
// applicant chooses one on screen) and with a Taiwan permit whose first
// check-in's answer is lost: the applicant is told to try again, and the
// second try prints the same ticket again without a second check-in.
func TestCheckInEveryDocumentKind(t *testing.T) {
	h := newTestHallWith(t, func(c *config.Config) {
		for i := range c.Hall.Services {
			if a := c.Hall.Services[i].Appointments; a != nil {
				a.PerIdentityDaily = 2 // so that one document may hold two bookings today
			}
		}
	})
	ctx := context.Background()
	book := func(kind, number, slot string) {
		t.Helper()
		if _, err := h.engine.Book(ctx, engine.BookInput{Service: "exit-entry", Slot: "exit-entry-20261120-" + slot,
			DocKind: kind, DocNumber: number}); err != nil {
			t.Fatalf("book %s %s: %v", kind, slot, err)
		}
	}
	book(queue.DocPassport, "E12345678", "1030")
	book(queue.DocHKMacao, "H87654321", "1030")
	book(queue.DocHKMacao, "H87654321", "1100")
	book(queue.DocTaiwan, "12345678", "1030")

	link := &lostCheckIn{Client: h.kioskClient(t)}
	prn := &fakePrinter{}
	k := startKioskWith(t, h, link, prn, filepath.Join(t.TempDir(), "outbox.db"))
	k.waitReady(t)
	u := newTestUI(t, k.Kiosk, uiOptions{TicketTimeout: time.Hour, IdleTimeout: time.Hour})
	u.waitUI(t, "the check-in button", func(a *kioskApp) bool { return homeReady(a) && a.ciPad.Visible() })

	checkIn := func(kind, number string) {
		t.Helper()
		u.waitUI(t, "home", func(a *kioskApp) bool { return a.m.Screen == screenHome && a.snap.Online })
		u.ui(func(a *kioskApp) {
			test.Tap(a.ciPad)
			test.Tap(a.kindPads[kind])
		})
		for _, c := range number {
			u.ui(func(a *kioskApp) {
				keys := a.letterKeys
				if kind == queue.DocResident {
					keys = a.keys
				}
				test.Tap(keys[string(c)])
			})
		}
		u.ui(func(a *kioskApp) {
			if a.m.Kind != kind || a.m.ID != number {
				t.Fatalf("typed %s %q, want %s %q", a.m.Kind, a.m.ID, kind, number)
			}
			test.Tap(a.idOK)
		})
	}
	ticket := func(what string) (number string, reprint bool) {
		t.Helper()
		u.waitUI(t, what, func(a *kioskApp) bool { return a.m.Screen == screenTicket && !a.m.Printing })
		u.ui(func(a *kioskApp) {
			number, reprint = a.tkNumber.Text, a.issued.Reprint
			if reprint != a.tkOffline.Visible() || reprint && paraText(a.tkOffline) != txtReprint.zh {
				t.Errorf("%s: reprint %v, note shown %v %q", what, reprint, a.tkOffline.Visible(), paraText(a.tkOffline))
			}
		})
		return number, reprint
	}
	leave := func() { u.ui(func(a *kioskApp) { test.Tap(a.tkDone) }) }

	// A passport.
	checkIn(queue.DocPassport, "E12345678")
	if n, reprint := ticket("the passport's ticket"); !strings.HasPrefix(n, "YD") || reprint {
		t.Fatalf("passport check-in: ticket %q, reprint %v", n, reprint)
	}
	leave()

	// A Hong Kong permit with two bookings today: the applicant chooses.
	checkIn(queue.DocHKMacao, "H87654321")
	u.waitUI(t, "the bookings to choose from", func(a *kioskApp) bool { return a.m.Screen == screenChoose })
	u.shot(t, "checkin-choose")
	u.ui(func(a *kioskApp) {
		if len(a.choosePads) != 2 || len(a.m.Bookings) != 2 || clockText(a.m.Bookings[0].Start) != "10:30" ||
			clockText(a.m.Bookings[1].Start) != "11:00" {
			t.Fatalf("choices: %d pads, bookings %+v", len(a.choosePads), a.m.Bookings)
		}
		test.Tap(a.choosePads[0]) // 11:00 is too early to check in at 10:00
	})
	hk, _ := ticket("the chosen booking's ticket")
	leave()

	// A Taiwan permit, the answer lost: nothing printed, try again.
	link.mu.Lock()
	link.lose = true
	link.mu.Unlock()
	checkIn(queue.DocTaiwan, "12345678")
	u.waitUI(t, "the lost answer's notice", func(a *kioskApp) bool { return a.m.Screen == screenNotice })
	u.shot(t, "checkin-unanswered")
	u.ui(func(a *kioskApp) {
		if got := paraText(a.noticeText); got != txtCheckInUnanswered.zh+"\n"+txtCheckInUnanswered.en {
			t.Errorf("notice after a lost answer: %q", got)
		}
		test.Tap(a.noticeOK)
	})
	link.mu.Lock()
	if len(link.got) != 1 {
		t.Fatalf("the server answered %d lost check-ins, want 1", len(link.got))
	}
	lost := link.got[0]
	link.mu.Unlock()
	checkIn(queue.DocTaiwan, "12345678")
	tw, reprint := ticket("the reprinted ticket")
	u.shot(t, "checkin-reprint")
	if tw != lost.Number || !reprint {
		t.Fatalf("second check-in: ticket %q reprint %v, want %s again, reprinted", tw, reprint, lost.Number)
	}
	leave()

	prn.mu.Lock()
	var printed []string
	for _, p := range prn.printed {
		printed = append(printed, p.Number)
	}
	prn.mu.Unlock()
	if len(printed) != 3 || printed[1] != hk || printed[2] != tw {
		t.Errorf("receipts printed: %v", printed)
	}
	checkedIn := 0
	for _, ev := range h.events(t) {
		if ev.Type == "appointment.checked_in" {
			checkedIn++
		}
	}
	if checkedIn != 3 {
		t.Errorf("%d check-ins in the log, want 3 (the reprint is none)", checkedIn)
	}
}
