package queue

import (
	"strings"
	"testing"
	"time"
)

// due commits the appointment events due now.
func (w *world) due() []Event { return w.commit(w.s.AppointmentsDue(w.h, w.now)) }

func (w *world) book(slot, id string) error {
	w.t.Helper()
	evs, err := w.s.Book(w.h, w.now, BookRequest{Service: "social", Slot: slot, Booking: id})
	if err == nil {
		w.commit(evs)
	}
	return err
}

func TestAppointmentRelease(t *testing.T) {
	w := newWorld(t) // 09:00 on Monday 2026-11-23, Shanghai
	evs := w.due()
	var days []string
	for _, ev := range evs {
		d := ev.Data.(*ApptReleasedData)
		days = append(days, d.Day)
		if len(d.Slots) != 6 || d.Slots[0].Capacity != 2 {
			t.Fatalf("release of %s: %d slots (want 6) of %d places", d.Day, len(d.Slots), d.Slots[0].Capacity)
		}
	}
	if got, want := len(days), 3; got != want || days[0] != "2026-11-23" || days[2] != "2026-11-25" {
		t.Fatalf("released %v, want today and the two days ahead", days)
	}
	if again := w.s.AppointmentsDue(w.h, w.now); len(again) != 0 {
		t.Fatalf("released twice: %v", again)
	}
	// Day 26 is released at 08:00 on the 24th, not before.
	err := w.book("social-20261126-0900", "b1")
	if ErrorCode(err) != ENOTRELEASED {
		t.Fatalf("booking before the release: %v, want ENOTRELEASED", err)
	}
	w.tick(22*time.Hour + 59*time.Minute) // 07:59 on the 24th
	w.roll()
	if evs := w.due(); len(evs) != 0 {
		t.Fatalf("released before time: %d events", len(evs))
	}
	w.tick(time.Minute)
	if evs := w.due(); len(evs) != 1 || evs[0].Data.(*ApptReleasedData).Day != "2026-11-26" {
		t.Fatalf("release at 08:00: %v", evs)
	}
	if err := w.book("social-20261126-0900", "b1"); err != nil {
		t.Fatalf("booking after the release: %v", err)
	}
}

func TestAppointmentBookingRules(t *testing.T) {
	w := newWorld(t)
	w.due()
	slot := "social-20261124-1000"
	for _, id := range []string{"b1", "b2"} {
		if err := w.book(slot, id); err != nil {
			t.Fatalf("book %s: %v", id, err)
		}
	}
	tests := []struct {
		name string
		r    BookRequest
		code Code
	}{
		{"full", BookRequest{Service: "social", Slot: slot, Booking: "b3"}, EFULL},
		{"unknown slot", BookRequest{Service: "social", Slot: "social-20261124-1015", Booking: "b3"}, ENOTFOUND},
		{"no appointments", BookRequest{Service: "general", Slot: slot, Booking: "b3"}, EINVALID},
		{"started", BookRequest{Service: "social", Slot: "social-20261123-0900", Booking: "b3"}, ETOOLATE},
		{"active limit", BookRequest{Service: "social", Slot: "social-20261124-1100", Booking: "b3", Active: 2}, ELIMIT},
		{"suspended", BookRequest{Service: "social", Slot: "social-20261124-1100", Booking: "b3", SuspendedUntil: w.now.Add(time.Hour)}, ESUSPENDED},
		{"taken ID", BookRequest{Service: "social", Slot: "social-20261124-1100", Booking: "b1"}, ECONFLICT},
		{"ok", BookRequest{Service: "social", Slot: "social-20261124-1100", Booking: "b3", Active: 1}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := w.s.Book(w.h, w.now, tt.r)
			if got := ErrorCode(err); got != tt.code {
				t.Fatalf("got %s (%v), want %s", got, err, tt.code)
			}
		})
	}
	// A cancellation gives the place back at once.
	evs, err := w.s.CancelBooking(w.h, w.now, "b1")
	if err != nil {
		t.Fatal(err)
	}
	w.commit(evs)
	if got := w.s.Slots[slot].Remaining(); got != 1 {
		t.Fatalf("remaining after cancel: %d, want 1", got)
	}
	if _, err := w.s.CancelBooking(w.h, w.now, "b1"); ErrorCode(err) != ECONFLICT {
		t.Fatalf("second cancel: %v", err)
	}
	if err := w.book(slot, "b4"); err != nil {
		t.Fatalf("book the returned place: %v", err)
	}
}

func TestAppointmentCheckInAndRule(t *testing.T) {
	w := newWorld(t) // 09:00
	w.due()
	w.commit(must(w.s.OpenWindow(w.h, w.now, "3", "s")))
	if err := w.book("social-20261123-1000", "early"); err != nil {
		t.Fatal(err)
	}
	if err := w.book("social-20261123-1000", "late"); err != nil {
		t.Fatal(err)
	}
	if err := w.book("social-20261123-1100", "never"); err != nil {
		t.Fatal(err)
	}
	if _, _, err := w.s.CheckIn(w.h, w.now, "early", "k1"); ErrorCode(err) != ETOOEARLY {
		t.Fatalf("check-in an hour early: %v, want ETOOEARLY", err)
	}
	w.tick(35 * time.Minute) // 09:35
	walkin := w.issue("social", "").Number
	evs, ticket, err := w.s.CheckIn(w.h, w.now, "early", "k1")
	if err != nil {
		t.Fatal(err)
	}
	w.commit(evs)
	appt := w.s.Tickets[ticket]
	if appt.Number != "YC001" || appt.Appointment != "early" || appt.Late {
		t.Fatalf("checked-in ticket %+v", appt)
	}
	if _, _, err := w.s.CheckIn(w.h, w.now, "early", "k1"); ErrorCode(err) != ECONFLICT {
		t.Fatalf("second check-in: %v", err)
	}
	// Before 10:00 the walk-in who came first is called first.
	if pick, reason := w.s.Next(w.h, "3", w.now); pick.Number != walkin || reason != ReasonFIFO {
		t.Fatalf("before the slot: %s (%s), want %s", pick.Number, reason, walkin)
	}
	w.tick(25 * time.Minute) // 10:00, slot started
	if pick, reason := w.s.Next(w.h, "3", w.now); pick.ID != ticket || reason != ReasonAppointment {
		t.Fatalf("slot started: %s (%s), want %s (appointment)", pick.Number, reason, appt.Number)
	}
	w.tick(20 * time.Minute) // 10:20: late, still within an hour
	evs, lateTicket, err := w.s.CheckIn(w.h, w.now, "late", "k1")
	if err != nil {
		t.Fatal(err)
	}
	w.commit(evs)
	if lt := w.s.Tickets[lateTicket]; !lt.Late || !lt.OrderAt.Equal(w.now) {
		t.Fatalf("late check-in %+v: want a walk-in from now", lt)
	}
	// Calls: the appointment, then the earlier walk-in, then the late one.
	var order []string
	for range 3 {
		evs := must(w.s.CallNext(w.h, w.now, "3", "s"))
		order = append(order, evs[0].Data.(*TicketCalledData).Number+"/"+evs[0].Data.(*TicketCalledData).Reason)
		w.commit(evs)
		w.commit(must(w.s.Complete(w.h, w.now, "3")))
	}
	if got, want := order, []string{"YC001/appointment", walkin + "/fifo", "YC002/fifo"}; got[0] != want[0] || got[1] != want[1] || got[2] != want[2] {
		t.Fatalf("calls %v, want %v", got, want)
	}
	// The booking never checked in is missed once its window closed.
	w.tick(90 * time.Minute) // 11:50
	if evs := w.s.AppointmentsDue(w.h, w.now); len(evs) != 0 {
		t.Fatalf("missed too early: %v", evs)
	}
	if _, _, err := w.s.CheckIn(w.h, w.now, "never", "k1"); err != nil {
		t.Fatalf("a check-in within the late hour is taken: %v", err)
	}
	w.tick(20 * time.Minute) // 12:10
	if _, _, err := w.s.CheckIn(w.h, w.now, "never", "k1"); ErrorCode(err) != ETOOLATE {
		t.Fatalf("check-in after the window: %v, want ETOOLATE", err)
	}
	evs = w.due()
	if len(evs) != 1 || evs[0].Type != TypeApptMissed || w.s.Bookings["never"].Status != BookingMissed {
		t.Fatalf("missed: %v", evs)
	}
	if w.s.Slots["social-20261123-1100"].Remaining() != 1 {
		t.Fatalf("a missed place stays taken")
	}
}

func TestAppointmentVerify(t *testing.T) {
	w := newWorld(t)
	w.due()
	w.commit(must(w.s.OpenWindow(w.h, w.now, "3", "s")))
	if err := w.book("social-20261123-0930", "b1"); err != nil {
		t.Fatal(err)
	}
	evs, _, err := w.s.CheckIn(w.h, w.now, "b1", "k1")
	if err != nil {
		t.Fatal(err)
	}
	w.commit(evs)
	w.tick(31 * time.Minute)
	w.commit(must(w.s.CallNext(w.h, w.now, "3", "s")))
	evs = must(w.s.VerifyDocument(w.h, w.now, "3", "s", false))
	w.commit(evs)
	if cur := w.s.Tickets[w.s.Window("3").Current]; cur.Verified != "mismatch" {
		t.Fatalf("verified = %q", cur.Verified)
	}
	w.commit(must(w.s.Complete(w.h, w.now, "3")))
	w.issue("social", "")
	w.commit(must(w.s.CallNext(w.h, w.now, "3", "s")))
	if _, err := w.s.VerifyDocument(w.h, w.now, "3", "s", true); ErrorCode(err) != ECONFLICT {
		t.Fatalf("verify a walk-in: %v", err)
	}
}

func TestAppointmentsOutliveTheDay(t *testing.T) {
	w := newWorld(t)
	w.due()
	if err := w.book("social-20261125-0900", "b1"); err != nil {
		t.Fatal(err)
	}
	w.tick(24 * time.Hour)
	w.roll()
	if b := w.s.Bookings["b1"]; b == nil || b.Status != BookingBooked {
		t.Fatalf("booking lost at the day's turn: %+v", b)
	}
	if _, ok := w.s.Slots["social-20261123-0900"]; ok {
		t.Fatalf("yesterday's slot kept")
	}
	if len(w.s.Clone().Bookings) != 1 {
		t.Fatalf("clone lost bookings")
	}
}

func TestAppointmentConfig(t *testing.T) {
	tests := []struct {
		name  string
		edit  func(a *Appointments, s *Service)
		field string
	}{
		{"prefix clash", func(a *Appointments, _ *Service) { a.Prefix = "A" }, "appointments.prefix"},
		{"no capacity", func(a *Appointments, _ *Service) { a.Capacity = 0 }, "appointments.capacity"},
		{"bad hours", func(a *Appointments, _ *Service) { a.Hours = []Hours{{Open: 10 * time.Hour, Close: 9 * time.Hour}} }, "appointments.hours[0]"},
		{"walk-in share", func(a *Appointments, s *Service) { s.DailyCap = 20; a.WalkInShare = 50 }, "walk-ins"},
		{"closed date", func(a *Appointments, _ *Service) { a.Closed = []string{"2026-13-01"} }, "appointments.closed[0]"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := testHall(t)
			svc, _ := h.Service("social")
			a := *svc.Appointments
			svc.Appointments = &a
			tt.edit(&a, svc)
			err := h.Validate()
			if err == nil || !strings.Contains(err.Error(), tt.field) {
				t.Fatalf("got %v, want an error naming %s", err, tt.field)
			}
		})
	}
}

func must(evs []Event, err error) []Event {
	if err != nil {
		panic(err)
	}
	return evs
}
