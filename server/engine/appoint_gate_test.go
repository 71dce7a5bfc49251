package engine

import (
	"context"
	"sync"
	"testing"
	"time"

	"hallq/server/queue"
)

// TestBookingRefusalsDoNotWaitForTheWriter: a full slot, a limit reached, a
// release not yet open and a suspended identity are each refused with their
// own code while the writer is busy with another request; once it is free, a
// place given back by a cancellation is booked again by the identity that
// reached its limit, also after a restart (the pre-check never refuses what
// the writer would admit).
func TestBookingRefusalsDoNotWaitForTheWriter(t *testing.T) {
	f := newApptFixture(t) // 2026-11-23 09:00 in the hall
	ctx := context.Background()
	alice, bob := residentID(1), residentID(2)

	// Bob books tomorrow 09:00 and does not come: one miss suspends him.
	if _, err := f.e.Book(ctx, BookInput{Service: "permit", Slot: "permit-20261124-0900", DocNumber: bob}); err != nil {
		t.Fatal(err)
	}
	f.advance(25*time.Hour + 45*time.Minute) // 2026-11-24 10:45
	if err := f.e.Tick(ctx); err != nil {
		t.Fatal(err)
	}
	// Alice holds two bookings, her limit; the 11:00 slot of the 26th fills.
	var first AppointmentView
	for i, slot := range []string{"permit-20261125-0900", "permit-20261125-0930"} {
		v, err := f.e.Book(ctx, BookInput{Service: "permit", Slot: slot, DocNumber: alice})
		if err != nil {
			t.Fatal(err)
		}
		if i == 0 {
			first = v
		}
	}
	var wg sync.WaitGroup
	for i := range 50 {
		wg.Go(func() {
			if _, err := f.e.Book(ctx, BookInput{Service: "permit", Slot: "permit-20261126-1100", DocNumber: residentID(100 + i)}); err != nil {
				t.Errorf("filling the slot: %v", err)
			}
		})
	}
	wg.Wait()

	// The writer is held by a request that waits.
	hold, held := make(chan struct{}), make(chan struct{})
	go f.e.do(ctx, func(*prep, *queue.State, time.Time) (any, []queue.Event, error) {
		close(held)
		<-hold
		return nil, nil, nil
	}, nil)
	<-held
	released := false
	release := func() {
		if !released {
			released = true
			close(hold)
		}
	}
	defer release()

	for _, c := range []struct {
		name, slot, doc string
		want            queue.Code
	}{
		{"a full slot", "permit-20261126-1100", residentID(300), queue.EFULL},
		{"the identity's limit", "permit-20261126-0900", alice, queue.ELIMIT},
		{"a release not yet open", "permit-20261127-0900", residentID(301), queue.ENOTRELEASED},
		{"a suspended identity", "permit-20261126-0900", bob, queue.ESUSPENDED},
	} {
		got := make(chan error, 1)
		go func() {
			_, err := f.e.Book(ctx, BookInput{Service: "permit", Slot: c.slot, DocNumber: c.doc})
			got <- err
		}()
		select {
		case err := <-got:
			if queue.ErrorCode(err) != c.want {
				t.Errorf("%s: %v, want %s", c.name, err, c.want)
			}
			if qe, ok := err.(*queue.Error); !ok || qe.MessageZH == "" {
				t.Errorf("%s: no Chinese message in %v", c.name, err)
			}
		case <-time.After(time.Minute):
			t.Fatalf("%s: no answer while the writer is busy: the refusal waits behind it", c.name)
		}
	}
	release()

	// A cancellation gives alice room again: admitted, now and after a restart.
	if _, err := f.e.CancelAppointment(ctx, first.Token); err != nil {
		t.Fatal(err)
	}
	if _, err := f.e.Book(ctx, BookInput{Service: "permit", Slot: "permit-20261126-0900", DocNumber: alice}); err != nil {
		t.Fatalf("alice after a cancellation: %v", err)
	}
	if _, err := f.e.Book(ctx, BookInput{Service: "permit", Slot: "permit-20261126-0930", DocNumber: alice}); queue.ErrorCode(err) != queue.ELIMIT {
		t.Fatalf("alice's third booking: %v, want ELIMIT", err)
	}
	f.close()
	f.open()
	if _, err := f.e.Book(ctx, BookInput{Service: "permit", Slot: "permit-20261126-0930", DocNumber: alice}); queue.ErrorCode(err) != queue.ELIMIT {
		t.Fatalf("after restart, alice's third booking: %v, want ELIMIT", err)
	}
	if _, err := f.e.Book(ctx, BookInput{Service: "permit", Slot: "permit-20261126-0930", DocNumber: bob}); queue.ErrorCode(err) != queue.ESUSPENDED {
		t.Fatalf("after restart, bob: %v, want ESUSPENDED", err)
	}
	s, _ := f.e.Slots("permit", "2026-11-26")
	for _, sl := range s.Slots {
		if sl.Booked > sl.Capacity {
			t.Errorf("slot %s: %d booked of %d", sl.ID, sl.Booked, sl.Capacity)
		}
	}
}

// TestBookingLimitUnderConcurrency: one identity asking at once for many
// slots gets exactly its limit, and the slots it did not get keep their
// places, across days (the committed index and the writer's agree).
func TestBookingLimitUnderConcurrency(t *testing.T) {
	f := newApptFixture(t)
	ctx := context.Background()
	me := residentID(7)
	slots := []string{"permit-20261124-0900", "permit-20261124-0930", "permit-20261124-1000", "permit-20261125-0900",
		"permit-20261125-0930", "permit-20261125-1000", "permit-20261125-1030"}
	var mu sync.Mutex
	got := map[queue.Code]int{}
	var wg sync.WaitGroup
	for range 5 {
		for _, slot := range slots {
			wg.Go(func() {
				_, err := f.e.Book(ctx, BookInput{Service: "permit", Slot: slot, DocNumber: me})
				mu.Lock()
				got[queue.ErrorCode(err)]++
				mu.Unlock()
			})
		}
	}
	wg.Wait()
	if got[""] != 2 || got[queue.ELIMIT] != 5*len(slots)-2 {
		t.Fatalf("answers by code: %v, want 2 admitted and the rest ELIMIT", got)
	}
	booked := 0
	for _, day := range []string{"2026-11-24", "2026-11-25"} {
		s, _ := f.e.Slots("permit", day)
		for _, sl := range s.Slots {
			booked += sl.Booked
		}
	}
	if booked != 2 {
		t.Fatalf("%d places taken, want 2", booked)
	}
}
