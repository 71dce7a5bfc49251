package client_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"hallq/server/client"
	"hallq/server/config"
	"hallq/server/engine"
	"hallq/server/wire"
)

// TestCheckIn checks in bookings of the demo hall's exit-entry service, which
// here allows two bookings a day per document: a document with two is refused
// with ECHOOSE and the bookings, and checks in the chosen one by its code; a
// document without a booking is refused with ENOTFOUND and both messages.
func TestCheckIn(t *testing.T) {
	h := newTestHallWith(t, time.Second, func(c *config.Config) {
		for i := range c.Hall.Services {
			if a := c.Hall.Services[i].Appointments; a != nil {
				a.PerIdentityDaily = 2
			}
		}
	})
	ctx := context.Background()
	const doc = "110105198001010024"
	for _, slot := range []string{"exit-entry-20261120-1030", "exit-entry-20261120-1100"} {
		if _, err := h.engine.Book(ctx, engine.BookInput{Service: "exit-entry", Slot: slot, DocKind: "resident", DocNumber: doc}); err != nil {
			t.Fatal(err)
		}
	}
	kiosk := newClient(t, h.URL, h.secrets.KioskToken)

	_, err := kiosk.CheckIn(ctx, wire.CheckInRequest{IDKind: "resident", IDNumber: "110105199002020034"})
	var e *client.Error
	if !errors.As(err, &e) || e.Code != wire.ENOTFOUND || e.Message == "" || e.MessageZH == "" {
		t.Fatalf("a document without booking: %v", err)
	}

	_, err = kiosk.CheckIn(ctx, wire.CheckInRequest{IDKind: "resident", IDNumber: doc})
	if !errors.As(err, &e) || e.Code != wire.ECHOOSE || len(e.Bookings) != 2 {
		t.Fatalf("a document with two bookings: %v (%+v)", err, e)
	}
	for _, b := range e.Bookings {
		if b.Code == "" || b.ServiceNameZH == "" || b.Start.IsZero() {
			t.Errorf("booking to choose from lacks its code, name or time: %+v", b)
		}
	}
	tk, err := kiosk.CheckIn(ctx, wire.CheckInRequest{IDKind: "resident", IDNumber: doc, Code: e.Bookings[0].Code})
	if err != nil {
		t.Fatal(err)
	}
	if !tk.Appointment || tk.Number == "" || tk.StatusURL == "" {
		t.Errorf("checked-in ticket: %+v", tk)
	}
	if _, err := kiosk.CheckIn(ctx, wire.CheckInRequest{}); err == nil {
		t.Error("a check-in without a document was sent")
	}
}
