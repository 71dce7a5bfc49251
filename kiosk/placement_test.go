package main

import (
	"context"
	"encoding/json"
	"errors"
	"path/filepath"
	"testing"

	"hallq/kiosk/outbox"
)

// TestOutboxSyncedBeforeOnlineIssue: a kiosk back online syncs its offline
// tickets before anything else, and before it issues a number online. Any
// request of the kiosk is a contact, and the server places no offline ticket
// synced after it earlier than that; syncing first keeps an offline ticket at
// the time it was printed.
func TestOutboxSyncedBeforeOnlineIssue(t *testing.T) {
	h := newTestHall(t)
	box, err := outbox.Open(filepath.Join(t.TempDir(), "outbox.db"), outbox.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer box.Close()
	// Not Run: the test drives the link's chores itself.
	k, err := NewKiosk(h.kioskClient(t), &fakePrinter{}, box, testLog(), coreOptions{RequestTimeout: 30e9, Now: h.now})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	k.maintain(ctx) // enrols and takes leases
	if rem, err := box.Remaining(k.today()); err != nil || rem["general"] == 0 {
		t.Fatalf("leases: %v %v", rem, err)
	}

	h.Down()
	k.contact(false, errors.New("the server went down"))
	off, err := k.Issue(ctx, "general", Doc{})
	if err != nil || !off.Offline {
		t.Fatalf("offline ticket: %+v %v", off, err)
	}
	h.Up()
	k.maintain(ctx) // the link's round: the outbox first, then the hall
	k.mu.Lock()
	online := k.online
	k.mu.Unlock()
	if !online {
		t.Fatal("the kiosk does not reconnect")
	}
	on, err := k.Issue(ctx, "general", Doc{})
	if err != nil || on.Offline {
		t.Fatalf("online ticket: %+v %v", on, err)
	}
	if on.Ahead != 1 {
		t.Errorf("online ticket: %d ahead, want 1 (the offline ticket printed before it)", on.Ahead)
	}
	var seqOff, seqOn uint64
	for _, ev := range h.events(t) {
		if ev.Type != "ticket.issued" {
			continue
		}
		var d struct {
			Number, Clamped string
			IssuedAt        string `json:"issued_at"`
			ClaimedAt       string `json:"claimed_at"`
		}
		json.Unmarshal(ev.Data, &d)
		switch d.Number {
		case off.Number:
			seqOff = ev.Seq
			if d.Clamped != "" || d.IssuedAt != d.ClaimedAt {
				t.Errorf("offline ticket %s: placed at %s (clamped %q), claimed %s; want its print time", d.Number, d.IssuedAt, d.Clamped, d.ClaimedAt)
			}
		case on.Number:
			seqOn = ev.Seq
		}
	}
	if seqOff == 0 || seqOn == 0 || seqOff > seqOn {
		t.Errorf("log: offline ticket at %d, online ticket at %d; want the offline one synced first", seqOff, seqOn)
	}
}
