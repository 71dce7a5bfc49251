package engine

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"hallq/server/queue"
)

// apptHall is testHall with a service taking appointments: 6 slots of 50
// places a day, 09:00-12:00, released two days ahead at 08:00.
func apptHall(t testing.TB) *queue.Hall {
	t.Helper()
	h := testHall(t)
	h.Services = append(h.Services, queue.Service{ID: "permit", NameZH: "证照", NameEN: "Permits", Prefix: "C",
		Appointments: &queue.Appointments{Prefix: "Y", Capacity: 50, DaysAhead: 2, ReleaseAt: 8 * time.Hour,
			Hours: []queue.Hours{{Open: 9 * time.Hour, Close: 12 * time.Hour}}, PerIdentityActive: 2,
			CancelBefore: time.Hour, NoShowLimit: 1}})
	h.Windows = append(h.Windows, queue.Window{ID: "3", Primary: []string{"permit"}})
	if err := h.Validate(); err != nil {
		t.Fatal(err)
	}
	return h
}

func newApptFixture(t testing.TB) *fixture {
	f := &fixture{t: t, path: filepath.Join(t.TempDir(), "hall.db"), clock: time.Date(2026, 11, 23, 1, 0, 0, 0, time.UTC), hall: apptHall(t)}
	f.open()
	t.Cleanup(f.close)
	if err := f.e.Tick(context.Background()); err != nil {
		t.Fatal(err)
	}
	return f
}

// residentID returns the n-th valid resident ID number of a test series.
func residentID(n int) string {
	body := fmt.Sprintf("11010519900101%03d", n%1000)
	weights := []int{7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2}
	sum := 0
	for i := range 17 {
		sum += int(body[i]-'0') * weights[i]
	}
	return body + string("10X98765432"[sum%11])
}

func TestBookAndCancel(t *testing.T) {
	f := newApptFixture(t)
	ctx := context.Background()
	slots, err := f.e.Slots("permit", "2026-11-24")
	if err != nil || len(slots.Slots) != 6 || !slots.Slots[0].Released || slots.Slots[0].Remaining != 50 {
		t.Fatalf("slots: %+v, %v", slots, err)
	}
	if later, _ := f.e.Slots("permit", "2026-11-26"); len(later.Slots) != 6 || later.Slots[0].Released || later.Slots[0].ReleaseAt.IsZero() {
		t.Fatalf("unreleased day: %+v", later)
	}
	id := residentID(1)
	v, err := f.e.Book(ctx, BookInput{Service: "permit", Slot: "permit-20261124-0930", DocNumber: id})
	if err != nil {
		t.Fatal(err)
	}
	if len(v.Code) != 8 || v.Token == "" || v.Status != queue.BookingBooked || v.Document != id[:3]+"*************"+id[16:] {
		t.Fatalf("view %+v", v)
	}
	if got, _ := f.e.Slots("permit", "2026-11-24"); got.Slots[1].Remaining != 49 || got.Slots[1].Booked != 1 {
		t.Fatalf("after booking: %+v", got.Slots[1])
	}
	tests := []struct {
		name string
		in   BookInput
		code queue.Code
	}{
		{"bad document", BookInput{Service: "permit", Slot: "permit-20261124-0930", DocNumber: "11010519900101001"}, queue.EINVALID},
		{"not released", BookInput{Service: "permit", Slot: "permit-20261126-0930", DocNumber: id}, queue.ENOTRELEASED},
		{"started", BookInput{Service: "permit", Slot: "permit-20261123-0900", DocNumber: id}, queue.ETOOLATE},
		{"no appointments", BookInput{Service: "general", Slot: "x", DocNumber: id}, queue.EINVALID},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := f.e.Book(ctx, tt.in); queue.ErrorCode(err) != tt.code {
				t.Fatalf("got %v, want %s", err, tt.code)
			}
		})
	}
	// The same document, spelled with spaces, is the same identity: two
	// active bookings at most.
	if _, err := f.e.Book(ctx, BookInput{Service: "permit", Slot: "permit-20261124-1000", DocNumber: id[:6] + " " + id[6:]}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.e.Book(ctx, BookInput{Service: "permit", Slot: "permit-20261124-1030", DocNumber: id}); queue.ErrorCode(err) != queue.ELIMIT {
		t.Fatalf("third booking: %v, want ELIMIT", err)
	}
	got, err := f.e.AppointmentByToken(v.Token)
	if err != nil || got.Code != v.Code || got.Document != v.Document {
		t.Fatalf("by token: %+v, %v", got, err)
	}
	if _, err := f.e.CancelAppointment(ctx, v.Token); err != nil {
		t.Fatal(err)
	}
	if got, _ := f.e.Slots("permit", "2026-11-24"); got.Slots[1].Remaining != 50 {
		t.Fatalf("cancel did not return the place: %+v", got.Slots[1])
	}
	if _, err := f.e.CancelAppointment(ctx, "nonsense"); queue.ErrorCode(err) != queue.ENOTFOUND {
		t.Fatalf("unknown token: %v", err)
	}
	// The place freed counts again for the identity's limit.
	if _, err := f.e.Book(ctx, BookInput{Service: "permit", Slot: "permit-20261124-1030", DocNumber: id}); err != nil {
		t.Fatalf("booking after a cancel: %v", err)
	}
	// Nothing personal in the log or anywhere but the private booking record.
	f.close()
	raw := readFile(t, f.path)
	if bytes.Contains(raw, []byte(id)) || bytes.Contains(raw, []byte(id[:6]+" ")) {
		t.Fatalf("the document number is in the store file")
	}
	f.open()
	if got, err := f.e.AppointmentByToken(v.Token); err != nil || got.Status != queue.BookingCancelled {
		t.Fatalf("after restart: %+v, %v", got, err)
	}
}

func TestBookingNeverOverbooks(t *testing.T) {
	f := newApptFixture(t)
	ctx := context.Background()
	var ok, full atomic.Int32
	var wg sync.WaitGroup
	for i := range 200 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := f.e.Book(ctx, BookInput{Service: "permit", Slot: "permit-20261125-1100", DocNumber: residentID(i)})
			switch queue.ErrorCode(err) {
			case "":
				ok.Add(1)
			case queue.EFULL:
				full.Add(1)
			default:
				t.Errorf("booking %d: %v", i, err)
			}
		}()
	}
	// One identity asking 20 times at once gets its limit, 2, and no more.
	var mine atomic.Int32
	for range 20 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := f.e.Book(ctx, BookInput{Service: "permit", Slot: "permit-20261125-0900", DocNumber: residentID(999)}); err == nil {
				mine.Add(1)
			}
		}()
	}
	wg.Wait()
	if ok.Load() != 50 || full.Load() != 150 || mine.Load() != 2 {
		t.Fatalf("%d booked, %d refused as full (want 50, 150); one identity got %d (want 2)", ok.Load(), full.Load(), mine.Load())
	}
	f.close()
	f.open()
	s, _ := f.e.Slots("permit", "2026-11-25")
	if s.Slots[4].Booked != 50 || s.Slots[0].Booked != 2 {
		t.Fatalf("after restart: %+v", s.Slots)
	}
}

func TestCheckIn(t *testing.T) {
	f := newApptFixture(t)
	ctx := context.Background()
	alice, bob := residentID(1), residentID(2)
	a1, _ := f.e.Book(ctx, BookInput{Service: "permit", Slot: "permit-20261123-0930", DocNumber: alice})
	a2, _ := f.e.Book(ctx, BookInput{Service: "permit", Slot: "permit-20261123-1100", DocNumber: alice})
	b1, err := f.e.Book(ctx, BookInput{Service: "permit", Slot: "permit-20261123-0930", DocNumber: bob})
	if err != nil {
		t.Fatal(err)
	}
	// A code without its booker's document checks nothing in.
	if _, err := f.e.CheckIn(ctx, CheckInInput{Kiosk: "k1", DocNumber: residentID(3), Code: b1.Code}); queue.ErrorCode(err) != queue.ENOTFOUND {
		t.Fatalf("someone else's code: %v", err)
	}
	if _, err := f.e.CheckIn(ctx, CheckInInput{Kiosk: "k1", DocNumber: alice, Code: b1.Code}); queue.ErrorCode(err) != queue.ENOTFOUND {
		t.Fatalf("my document, someone else's code: %v", err)
	}
	// Two bookings today: the kiosk is told to choose.
	_, err = f.e.CheckIn(ctx, CheckInInput{Kiosk: "k1", DocNumber: alice})
	var ce *ChoiceError
	if !errors.As(err, &ce) || len(ce.Bookings) != 2 || ce.Bookings[0].Code != a1.Code || ce.Bookings[0].Token != "" {
		t.Fatalf("several bookings: %v", err)
	}
	if _, err := f.e.CheckIn(ctx, CheckInInput{Kiosk: "k1", DocNumber: alice, Code: strings.ToLower(a2.Code)}); queue.ErrorCode(err) != queue.ETOOEARLY {
		t.Fatalf("11:00 slot at 09:00: %v, want ETOOEARLY", err)
	}
	v, err := f.e.CheckIn(ctx, CheckInInput{Kiosk: "k1", DocNumber: alice, Code: a1.Code})
	if err != nil {
		t.Fatal(err)
	}
	if v.Number != "Y001" || v.Token == "" || v.Hash == "" {
		t.Fatalf("ticket %+v", v)
	}
	// Checked in again (the kiosk's answer was lost): the same ticket, to
	// print again, and nothing new in the log.
	seq, _ := f.e.Head()
	again, err := f.e.CheckIn(ctx, CheckInInput{Kiosk: "k2", DocNumber: alice, Code: a1.Code})
	if err != nil || !again.Reprint || again.ID != v.ID || again.Number != "Y001" || again.Token == "" {
		t.Fatalf("second check-in: %+v, %v; want Y001 again, marked a reprint", again, err)
	}
	if got, _ := f.e.Head(); got != seq {
		t.Fatalf("a reprint appended %d events", got-seq)
	}
	if v.Reprint {
		t.Fatal("the first check-in is marked a reprint")
	}
	if got, _ := f.e.AppointmentByToken(a1.Token); got.Status != queue.BookingCheckedIn || got.Number != "Y001" {
		t.Fatalf("booking after check-in: %+v", got)
	}
	// Staff check the document at the window: match or mismatch only.
	if _, err := f.e.Act(ctx, ActInput{Window: "3", Staff: "wang", Action: ActOpen}); err != nil {
		t.Fatal(err)
	}
	f.advance(31 * time.Minute)
	if res, err := f.e.Act(ctx, ActInput{Window: "3", Staff: "wang", Action: ActCallNext}); err != nil || res.Ticket.Number != "Y001" {
		t.Fatalf("call next: %+v, %v", res.Ticket, err)
	}
	if match, err := f.e.VerifyDocument(ctx, "3", "wang", "", bob); err != nil || match {
		t.Fatalf("bob's document against alice's booking: %v, %v", match, err)
	}
	if match, err := f.e.VerifyDocument(ctx, "3", "wang", "", alice); err != nil || !match {
		t.Fatalf("alice's document: %v, %v", match, err)
	}
	// While called, still the same ticket; once served, a clear refusal.
	if again, err := f.e.CheckIn(ctx, CheckInInput{Kiosk: "k1", DocNumber: alice, Code: a1.Code}); err != nil || !again.Reprint || again.Number != "Y001" {
		t.Fatalf("check-in while called: %+v, %v", again, err)
	}
	if _, err := f.e.Act(ctx, ActInput{Window: "3", Staff: "wang", Action: ActComplete}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.e.CheckIn(ctx, CheckInInput{Kiosk: "k1", DocNumber: alice, Code: a1.Code}); queue.ErrorCode(err) != queue.ECONFLICT {
		t.Fatalf("check-in of a served booking: %v, want ECONFLICT", err)
	}
	// Bob never came: missed at 10:45, and the penalty (one miss) suspends him.
	f.advance(45 * time.Minute)
	if err := f.e.Tick(ctx); err != nil {
		t.Fatal(err)
	}
	if got, _ := f.e.AppointmentByToken(b1.Token); got.Status != queue.BookingMissed {
		t.Fatalf("bob's booking: %s, want missed", got.Status)
	}
	if _, err := f.e.Book(ctx, BookInput{Service: "permit", Slot: "permit-20261124-0930", DocNumber: bob}); queue.ErrorCode(err) != queue.ESUSPENDED {
		t.Fatalf("bob books again: %v, want ESUSPENDED", err)
	}
	f.close()
	f.open()
	if _, err := f.e.Book(ctx, BookInput{Service: "permit", Slot: "permit-20261124-0930", DocNumber: bob}); queue.ErrorCode(err) != queue.ESUSPENDED {
		t.Fatalf("after restart, bob books again: %v, want ESUSPENDED", err)
	}
}

// readFile returns the bytes of every file of the store's directory.
func readFile(t *testing.T, path string) []byte {
	t.Helper()
	entries, err := os.ReadDir(filepath.Dir(path))
	if err != nil {
		t.Fatal(err)
	}
	var all []byte
	for _, e := range entries {
		b, err := os.ReadFile(filepath.Join(filepath.Dir(path), e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		all = append(all, b...)
	}
	return all
}
