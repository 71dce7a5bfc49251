package main

import (
	"context"
	"encoding/json"
	"errors"
	"path/filepath"
	"testing"
	"time"

	"hallq/kiosk/outbox"
)

// TestOfflineClaimKeepsServerClock: a kiosk whose own clock is off by a
// fraction of a second (or by an hour and a fraction) loses the link right
// after its last answer and prints a ticket at once. The print time it claims
// is the server's clock as the kiosk estimates it from the server's answers,
// to the millisecond: it is no earlier than the kiosk's last contact (the
// placement rule keeps it, nothing clamped) and no later than the server's
// clock when the kiosk printed. A kiosk that took the server's clock in whole
// seconds claimed up to a second early, and the rule moved its ticket.
func TestOfflineClaimKeepsServerClock(t *testing.T) {
	for _, skew := range []time.Duration{
		-300 * time.Millisecond,
		300 * time.Millisecond,
		-time.Hour + 700*time.Millisecond,
		999 * time.Millisecond,
	} {
		t.Run(skew.String(), func(t *testing.T) {
			h := newTestHall(t)
			box, err := outbox.Open(filepath.Join(t.TempDir(), "outbox.db"), outbox.Options{})
			if err != nil {
				t.Fatal(err)
			}
			defer box.Close()
			local := func() time.Time { return h.now().Add(skew) }
			// Not Run: the test drives the link's chores itself.
			k, err := NewKiosk(h.kioskClient(t), &fakePrinter{}, box, testLog(), coreOptions{RequestTimeout: 30e9, Now: local})
			if err != nil {
				t.Fatal(err)
			}
			ctx := context.Background()
			k.maintain(ctx) // enrols, reports, takes leases: the last answer is a contact
			if rem, err := box.Remaining(k.today()); err != nil || rem["general"] == 0 {
				t.Fatalf("leases: %v %v", rem, err)
			}
			h.Down()
			k.contact(false, errors.New("the link went down"))
			off, err := k.Issue(ctx, "general", Doc{})
			printed := h.now() // the server's clock just after the print
			if err != nil || !off.Offline {
				t.Fatalf("offline ticket: %+v %v", off, err)
			}
			h.Up()
			k.maintain(ctx) // the outbox first
			for _, ev := range h.events(t) {
				if ev.Type != "ticket.issued" {
					continue
				}
				var d struct {
					Number, Clamped string
					IssuedAt        time.Time `json:"issued_at"`
					ClaimedAt       time.Time `json:"claimed_at"`
					SeenAt          time.Time `json:"seen_at"`
				}
				if err := json.Unmarshal(ev.Data, &d); err != nil {
					t.Fatal(err)
				}
				if d.Number != off.Number {
					continue
				}
				if d.Clamped != "" || !d.IssuedAt.Equal(d.ClaimedAt) {
					t.Errorf("placed at %v (clamped %q, seen_at %v), claimed %v: the claim should stand",
						d.IssuedAt, d.Clamped, d.SeenAt, d.ClaimedAt)
				}
				if d.ClaimedAt.After(printed) {
					t.Errorf("claimed %v, after the server's clock %v when it was printed", d.ClaimedAt, printed)
				}
				return
			}
			t.Fatalf("offline ticket %s not in the log", off.Number)
		})
	}
}
