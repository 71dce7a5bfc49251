package queue

import (
	"testing"
	"time"
)

// TestSlotBeforeDayStart: the hall's service day starts at 04:00, and the
// social service has slots from 01:00. A slot at 02:30 on the 24th is listed
// under the 24th but starts in the service day of the 23rd, which is still
// running: it is checked in, and numbered, in that day.
func TestSlotBeforeDayStart(t *testing.T) {
	w := newWorld(t) // 09:00 on Monday 2026-11-23, service day 2026-11-23
	svc, _ := w.h.Service("social")
	svc.Appointments.Hours = []Hours{{Open: time.Hour, Close: 3 * time.Hour}, {Open: 9 * time.Hour, Close: 12 * time.Hour}}
	w.due()
	night, morning := "social-20261124-0230", "social-20261124-0900"
	for _, b := range []struct{ slot, id string }{{night, "night"}, {morning, "morning"}} {
		if err := w.book(b.slot, b.id); err != nil {
			t.Fatalf("book %s: %v", b.slot, err)
		}
	}
	if got := w.s.Slots[night].Day; got != "2026-11-24" {
		t.Fatalf("the night slot is listed under %s, want its calendar date 2026-11-24", got)
	}
	w.tick(17*time.Hour + 10*time.Minute) // 02:10 on the 24th: still the 23rd's service day
	w.roll()
	if w.s.Day != "2026-11-23" {
		t.Fatalf("service day %s, want 2026-11-23", w.s.Day)
	}
	if got := w.s.BookingsOn(w.h, w.s.Day, []string{"night", "morning"}); len(got) != 1 || got[0].ID != "night" {
		t.Fatalf("bookings of the running service day: %v, want the night one only", got)
	}
	tests := []struct {
		name, id string
		code     Code
	}{
		{"morning slot of the next service day", "morning", ETOOEARLY},
		{"night slot of the running service day", "night", ""},
	}
	for _, tt := range tests {
		evs, _, err := w.s.CheckIn(w.h, w.now, tt.id, "k1")
		if ErrorCode(err) != tt.code {
			t.Fatalf("%s: %v, want %q", tt.name, err, tt.code)
		}
		if err == nil {
			w.commit(evs)
			if iss := evs[1].Data.(*TicketIssuedData); iss.Day != "2026-11-23" || iss.Number != "YC001" {
				t.Fatalf("%s: ticket %s of day %s, want YC001 of 2026-11-23", tt.name, iss.Number, iss.Day)
			}
		}
	}
	// At 04:00 the 24th's service day opens; the morning booking is checked
	// in then, its number counted afresh.
	w.tick(6*time.Hour + 30*time.Minute) // 08:40
	w.roll()
	evs, _, err := w.s.CheckIn(w.h, w.now, "morning", "k1")
	if err != nil {
		t.Fatalf("morning check-in: %v", err)
	}
	if iss := evs[1].Data.(*TicketIssuedData); iss.Day != "2026-11-24" || iss.Number != "YC001" {
		t.Fatalf("morning ticket %s of %s, want YC001 of 2026-11-24", iss.Number, iss.Day)
	}
}
