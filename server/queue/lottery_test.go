package queue

import (
	"slices"
	"strings"
	"testing"
	"time"
)

func TestDrawWinners(t *testing.T) {
	// The vector was computed outside Go (Python's hashlib), as a second
	// implementation of the published draw would.
	const seed = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"
	apps := []string{"a1", "a2", "a3", "a4", "a5"}
	tests := []struct {
		name   string
		places int
		apps   []string
		want   []string
	}{
		{"fewer applications than places: all, in drawn order", 9, apps, []string{"a4", "a1", "a2", "a5", "a3"}},
		{"oversubscribed: the lowest keys", 2, apps, []string{"a4", "a1"}},
		{"order of applications does not matter", 2, []string{"a5", "a3", "a1", "a2", "a4"}, []string{"a4", "a1"}},
		{"no places", 0, apps, []string{}},
		{"no applications", 3, nil, []string{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := DrawWinners(seed, tt.places, tt.apps); !slices.Equal(got, tt.want) {
				t.Fatalf("got %v, want %v", got, tt.want)
			}
		})
	}
	if got, want := DrawKey(seed, "a4"), "36a7abc60e97aaef839a52086fb7d3740e6156bff695d73cd7f134092152b15b"; got != want {
		t.Fatalf("DrawKey = %s, want %s", got, want)
	}
	if a, b := DrawWinners(seed, 2, apps), DrawWinners(strings.Replace(seed, "9f", "9e", 1), 2, apps); slices.Equal(a, b) {
		t.Logf("another seed drew the same winners %v (possible, but unlikely)", a)
	}
}

// lotteryWorld is the test hall with the social service in lottery mode:
// applications for day D+2 are taken from 08:00 to 10:00 on day D.
func lotteryWorld(t *testing.T) *world {
	w := newWorld(t) // 09:00 on Monday 2026-11-23
	svc, _ := w.h.Service("social")
	svc.Appointments.LotteryWindow = 2 * time.Hour
	return w
}

func (w *world) apply(slot, id string, sameSlot int) error {
	w.t.Helper()
	evs, err := w.s.Book(w.h, w.now, BookRequest{Service: "social", Slot: slot, Booking: id, SameSlot: sameSlot})
	if err == nil {
		w.commit(evs)
	}
	return err
}

// draw closes what is due and draws it with the seed given for each closing.
func (w *world) draw(seed string) []*ApptDrawnData {
	w.t.Helper()
	w.due()
	var out []*ApptDrawnData
	for _, l := range w.s.LotteriesToDraw() {
		evs, err := w.s.Draw(w.now, l.Service, l.Day, seed)
		if err != nil {
			w.t.Fatalf("draw: %v", err)
		}
		if err := w.s.Check(w.h, evs[0]); err != nil {
			w.t.Fatalf("the draw does not pass its own check: %v", err)
		}
		out = append(out, w.commit(evs)[0].Data.(*ApptDrawnData))
	}
	return out
}

func TestLottery(t *testing.T) {
	w := lotteryWorld(t)
	rel := w.due()
	if len(rel) != 3 {
		t.Fatalf("released %d days, want 3", len(rel))
	}
	d25 := rel[2].Data.(*ApptReleasedData)
	if want := t0.Add(time.Hour); !d25.ApplyUntil.Equal(want) {
		t.Fatalf("applications for %s until %s, want %s", d25.Day, d25.ApplyUntil, want)
	}
	// Today and tomorrow were released after their windows: drawn at once,
	// among no applications, and then booked first come.
	drawn := w.draw(strings.Repeat("0", 64))
	if len(drawn) != 2 || drawn[0].Day != "2026-11-23" || drawn[1].Day != "2026-11-24" {
		t.Fatalf("drawn %v, want the two days whose windows had closed", drawn)
	}
	if err := w.book("social-20261124-1000", "early"); err != nil {
		t.Fatalf("booking a drawn day: %v", err)
	}

	slot := "social-20261125-0900" // 2 places
	for i, id := range []string{"a1", "a2", "a3", "a4", "a5"} {
		if err := w.apply(slot, id, 0); err != nil {
			t.Fatalf("application %d: %v", i, err)
		}
	}
	if ev := w.s.Bookings["a1"]; ev.Status != BookingApplied || w.s.Slots[slot].Applied != 5 || w.s.Slots[slot].Taken != 0 {
		t.Fatalf("after 5 applications: %+v, slot %+v", ev, w.s.Slots[slot])
	}
	tests := []struct {
		name string
		r    BookRequest
		code Code
	}{
		{"same identity again", BookRequest{Service: "social", Slot: slot, Booking: "x", SameSlot: 1}, ECONFLICT},
		{"limit still holds", BookRequest{Service: "social", Slot: slot, Booking: "x", Active: 2}, ELIMIT},
		{"taken ID", BookRequest{Service: "social", Slot: slot, Booking: "a1"}, ECONFLICT},
	}
	for _, tt := range tests {
		if _, err := w.s.Book(w.h, w.now, tt.r); ErrorCode(err) != tt.code {
			t.Errorf("%s: %v, want %s", tt.name, err, tt.code)
		}
	}
	// A withdrawn application is out of the draw.
	evs, err := w.s.CancelBooking(w.h, w.now, "a5")
	if err != nil {
		t.Fatalf("withdraw: %v", err)
	}
	w.commit(evs)
	if n := w.s.Slots[slot].Applied; n != 4 {
		t.Fatalf("applied after a withdrawal: %d, want 4", n)
	}

	w.tick(time.Hour) // 10:00: closed
	if _, err := w.s.Book(w.h, w.now, BookRequest{Service: "social", Slot: slot, Booking: "late"}); ErrorCode(err) != ELOTTERY {
		t.Fatalf("application after the window: %v, want ELOTTERY", err)
	}
	closing := w.due()
	if len(closing) != 1 || closing[0].Type != TypeApptDrawClosed || closing[0].Data.(*ApptDrawClosedData).Applications != 4 {
		t.Fatalf("closing: %+v", closing)
	}
	if _, err := w.s.CancelBooking(w.h, w.now, "a1"); ErrorCode(err) != ELOTTERY {
		t.Fatalf("withdrawal after the window: %v, want ELOTTERY", err)
	}
	const seed = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"
	d := w.draw(seed)[0]
	var got DrawnSlot
	for _, ds := range d.Slots {
		if ds.Slot == slot {
			got = ds
		}
	}
	if want := []string{"a4", "a1"}; !slices.Equal(got.Winners, want) || got.Places != 2 || got.Applications != 4 || d.SeedSeq != closing[0].Seq {
		t.Fatalf("draw of %s: %+v seeded by %d, want winners %v of 4 applications, seeded by %d", slot, got, d.SeedSeq, want, closing[0].Seq)
	}
	for id, want := range map[string]string{"a1": BookingBooked, "a4": BookingBooked, "a2": BookingNotDrawn, "a3": BookingNotDrawn, "a5": BookingCancelled} {
		if b := w.s.Bookings[id]; b.Status != want {
			t.Errorf("%s is %s, want %s", id, b.Status, want)
		}
	}
	if sl := w.s.Slots[slot]; sl.Taken != 2 || sl.Remaining() != 0 {
		t.Fatalf("slot after the draw: %+v", sl)
	}
	// Places of an undersubscribed slot are booked first come after the draw.
	if err := w.book("social-20261125-0930", "after"); err != nil {
		t.Fatalf("booking a free place after the draw: %v", err)
	}
	if err := w.book(slot, "after2"); ErrorCode(err) != EFULL {
		t.Fatalf("booking a drawn-out slot: %v, want EFULL", err)
	}
}

func TestCheckDrawRefusesTampering(t *testing.T) {
	w := lotteryWorld(t)
	w.due()
	w.draw(strings.Repeat("0", 64))
	slot := "social-20261125-0900"
	for _, id := range []string{"a1", "a2", "a3", "a4", "a5"} {
		if err := w.apply(slot, id, 0); err != nil {
			t.Fatal(err)
		}
	}
	w.tick(time.Hour)
	closing := w.due()[0]
	const seed = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"
	evs, err := w.s.Draw(w.now, "social", "2026-11-25", seed)
	if err != nil {
		t.Fatal(err)
	}
	honest := evs[0].Data.(*ApptDrawnData)
	tamper := func(f func(d *ApptDrawnData)) Event {
		d := *honest
		d.Slots = slices.Clone(honest.Slots)
		for i := range d.Slots {
			d.Slots[i].Winners = slices.Clone(d.Slots[i].Winners)
		}
		f(&d)
		return Event{Time: w.now, Type: TypeApptDrawn, Data: &d}
	}
	idx := slices.IndexFunc(honest.Slots, func(ds DrawnSlot) bool { return ds.Slot == slot })
	tests := []struct {
		name string
		ev   Event
		ok   bool
	}{
		{"honest", evs[0], true},
		{"a loser swapped in", tamper(func(d *ApptDrawnData) { d.Slots[idx].Winners[1] = "a2" }), false},
		{"another seed", tamper(func(d *ApptDrawnData) { d.Seed = strings.Repeat("1", 64) }), false},
		{"seeded by another event", tamper(func(d *ApptDrawnData) { d.SeedSeq = closing.Seq - 1 }), false},
		{"a slot left out", tamper(func(d *ApptDrawnData) { d.Slots = d.Slots[1:] }), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := w.s.Check(w.h, tt.ev)
			if (err == nil) != tt.ok {
				t.Fatalf("Check = %v, want ok %v", err, tt.ok)
			}
		})
	}
	// Applications after the published close and an early close are
	// refused by the check too.
	late := Event{Time: w.now, Type: TypeApptApplied, Data: &ApptAppliedData{Booking: "z", Service: "social", Slot: slot}}
	w2 := lotteryWorld(t)
	w2.due()
	w2.draw(strings.Repeat("0", 64))
	if err := w2.s.Check(w2.h, late); err == nil {
		t.Fatalf("an application dated after the close passed the check")
	}
	early := Event{Time: w2.now, Type: TypeApptDrawClosed, Data: &ApptDrawClosedData{Service: "social", Day: "2026-11-25"}}
	if err := w2.s.Check(w2.h, early); err == nil {
		t.Fatalf("a close before the published time passed the check")
	}
}
