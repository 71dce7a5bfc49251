package main

import (
	"context"
	"encoding/json"
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2/test"

	"hallq/server/client"
	"hallq/server/engine"
	"hallq/server/wire"
)

func TestCheckInFlow(t *testing.T) {
	two := []Booking{{Code: "A1", NameZH: "出入境", NameEN: "Exit & entry"}, {Code: "B2", NameZH: "社保", NameEN: "Social"}}
	tests := []struct {
		name       string
		steps      func(m *machine) effect
		wantScreen screen
		wantEffect effect
		wantCode   string
		wantCheck  bool
	}{
		{"entry opens the keypad", func(m *machine) effect { return m.StartCheckIn() }, screenID, effectRender, "", true},
		{"a valid number checks in", func(m *machine) effect {
			m.StartCheckIn()
			for _, c := range []byte("110105198001010024") {
				m.Type(c)
			}
			return m.Confirm()
		}, screenIssuing, effectIssue, "", true},
		{"an invalid number is not sent", func(m *machine) effect {
			m.StartCheckIn()
			for _, c := range []byte("110105198001010025") {
				m.Type(c)
			}
			return m.Confirm()
		}, screenID, effectRender, "", true},
		{"several bookings are offered", func(m *machine) effect {
			m.StartCheckIn()
			m.Screen = screenIssuing
			if !m.Choices(m.Flow, two) {
				return effectNone
			}
			return effectRender
		}, screenChoose, effectRender, "", true},
		{"picking a booking re-sends with its code", func(m *machine) effect {
			m.StartCheckIn()
			m.Screen = screenIssuing
			m.Choices(m.Flow, two)
			return m.Pick(1)
		}, screenIssuing, effectIssue, "B2", true},
		{"digit key picks a booking", func(m *machine) effect {
			m.StartCheckIn()
			m.Screen = screenIssuing
			m.Choices(m.Flow, two)
			return m.Key("1")
		}, screenIssuing, effectIssue, "A1", true},
		{"a pick out of range does nothing", func(m *machine) effect {
			m.StartCheckIn()
			m.Screen = screenIssuing
			m.Choices(m.Flow, two)
			return m.Pick(2)
		}, screenChoose, effectNone, "", true},
		{"a late choice of an old flow is ignored", func(m *machine) effect {
			m.StartCheckIn()
			m.Screen = screenIssuing
			if m.Choices(m.Flow-1, two) {
				return effectRender
			}
			return effectNone
		}, screenIssuing, effectNone, "", true},
		{"choices of a ticket flow are ignored", func(m *machine) effect {
			m.Screen = screenIssuing
			if m.Choices(m.Flow, two) {
				return effectRender
			}
			return effectNone
		}, screenIssuing, effectNone, "", false},
		{"back from the choice goes home and forgets", func(m *machine) effect {
			m.StartCheckIn()
			m.Screen = screenIssuing
			m.Choices(m.Flow, two)
			return m.Home()
		}, screenHome, effectRender, "", false},
		{"a refusal shows the notice", func(m *machine) effect {
			m.StartCheckIn()
			m.Screen = screenIssuing
			m.Refused(m.Flow, msg{"未找到", "not found"})
			return effectRender
		}, screenNotice, effectRender, "", true},
		{"entry only from home", func(m *machine) effect {
			m.Screen = screenTicket
			return m.StartCheckIn()
		}, screenTicket, effectNone, "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := &machine{}
			e := tt.steps(m)
			if e != tt.wantEffect || m.Screen != tt.wantScreen || m.Code != tt.wantCode || m.CheckIn != tt.wantCheck {
				t.Errorf("effect %d screen %s code %q checkin %v; want %d %s %q %v", e, screenNames[m.Screen], m.Code, m.CheckIn,
					tt.wantEffect, screenNames[tt.wantScreen], tt.wantCode, tt.wantCheck)
			}
			if m.Screen == screenHome && (m.Bookings != nil || m.ID != "") {
				t.Errorf("home keeps bookings %v or ID %q", m.Bookings, m.ID)
			}
		})
	}
}

// TestCheckInAtKiosk books a place in the demo hall's exit-entry service and
// checks it in by tapping through the kiosk: the booker's document gets a
// printed appointment ticket; another document is refused with the server's
// message; offline, check-in is refused and nothing is issued from the lease.
func TestCheckInAtKiosk(t *testing.T) {
	h := newTestHall(t)
	const booker, stranger = "110105198001010024", "110105199002020034"
	if _, err := h.engine.Book(context.Background(), engine.BookInput{Service: "exit-entry", Slot: "exit-entry-20261120-1030",
		DocKind: "resident", DocNumber: booker}); err != nil {
		t.Fatal(err)
	}
	prn := &fakePrinter{}
	k := startKiosk(t, h, prn, filepath.Join(t.TempDir(), "outbox.db"))
	k.waitReady(t)
	u := newTestUI(t, k.Kiosk, uiOptions{TicketTimeout: time.Hour, IdleTimeout: time.Hour})
	u.waitUI(t, "the home screen", homeReady)
	u.waitUI(t, "the check-in button", func(a *kioskApp) bool { return a.ciPad.Visible() })
	u.shot(t, "checkin-home")

	checkIn := func(id string) {
		u.ui(func(a *kioskApp) { test.Tap(a.ciPad) })
		if s := u.screen(); s != screenID {
			t.Fatalf("after tapping check-in: screen %s, want the keypad", screenNames[s])
		}
		for _, c := range id {
			u.ui(func(a *kioskApp) { test.Tap(a.keys[string(c)]) })
		}
		u.ui(func(a *kioskApp) {
			if a.idTitle.Text != "预约签到：请输入居民身份证号码" || a.idOKText.Text != txtCheckInConfirm.zh {
				t.Errorf("keypad title %q, button %q", a.idTitle.Text, a.idOKText.Text)
			}
			test.Tap(a.idOK)
		})
	}

	// The server's refusal of the stranger, as the kiosk must show it.
	_, err := h.kioskClient(t).CheckIn(context.Background(), wire.CheckInRequest{IDKind: "resident", IDNumber: stranger})
	var refusal *client.Error
	if !errors.As(err, &refusal) || refusal.Code != wire.ENOTFOUND || refusal.MessageZH == "" {
		t.Fatalf("check-in of a stranger: %v", err)
	}
	checkIn(stranger)
	u.waitUI(t, "the refusal", func(a *kioskApp) bool { return a.m.Screen == screenNotice })
	u.shot(t, "checkin-refused")
	u.ui(func(a *kioskApp) {
		got := paraText(a.noticeText)
		if a.noticeTitle.Text != txtCheckInRefused.zh || got != refusal.MessageZH+"\n"+refusal.Message {
			t.Errorf("refusal: title %q text %q", a.noticeTitle.Text, got)
		}
		test.Tap(a.noticeOK)
	})

	checkIn(booker)
	u.waitUI(t, "the ticket screen", func(a *kioskApp) bool { return a.m.Screen == screenTicket && !a.m.Printing })
	u.shot(t, "checkin-ticket")
	var number string
	u.ui(func(a *kioskApp) {
		number = a.tkNumber.Text
		if !strings.HasPrefix(number, "YD") || a.m.ID != "" {
			t.Errorf("ticket %q, ID kept %q", number, a.m.ID)
		}
	})
	prn.mu.Lock()
	printed := len(prn.printed)
	prn.mu.Unlock()
	if printed != 1 {
		t.Errorf("%d receipts printed, want 1", printed)
	}
	var checkedIn, issued int
	for _, ev := range h.events(t) {
		switch ev.Type {
		case "appointment.checked_in":
			checkedIn++
		case "ticket.issued":
			var d struct{ Number string }
			if err := json.Unmarshal(ev.Data, &d); err != nil {
				t.Fatal(err)
			}
			if d.Number == number {
				issued++
			}
		}
	}
	if checkedIn != 1 || issued != 1 {
		t.Errorf("log: %d check-ins, %d tickets %s; want 1 and 1", checkedIn, issued, number)
	}
	u.ui(func(a *kioskApp) { test.Tap(a.tkDone) })

	// Offline: refused with a clear message, nothing issued from the lease.
	h.Down()
	waitFor(t, "the kiosk offline", func() bool { return !k.Snapshot().Online })
	u.waitUI(t, "home", func(a *kioskApp) bool { return a.m.Screen == screenHome })
	checkIn(stranger)
	u.waitUI(t, "the offline refusal", func(a *kioskApp) bool { return a.m.Screen == screenNotice })
	u.ui(func(a *kioskApp) {
		if got := paraText(a.noticeText); got != txtCheckInOffline.zh+"\n"+txtCheckInOffline.en {
			t.Errorf("offline refusal %q", got)
		}
	})
	if n := k.Snapshot().Pending; n != 0 {
		t.Errorf("%d offline tickets after an offline check-in", n)
	}
}
