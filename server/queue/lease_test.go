package queue

import (
	"errors"
	"fmt"
	"reflect"
	"testing"
	"time"
)

func TestLeaseGrantAndOfflineIssue(t *testing.T) {
	w := newWorld(t)
	w.h.Rules.LeaseSize = 5
	evs := w.do(w.s.GrantLease(w.h, w.now, "k1", "general", 0))
	lease := evs[0].Data.(*LeaseData)
	if fmt.Sprint(lease.Numbers) != "[A001 A002 A003 A004 A005]" || lease.Lease != "L20261123-A001" {
		t.Fatalf("lease: got %+v", lease)
	}
	// Online numbers skip the leased ones.
	offlineAt := w.now
	w.tick(time.Minute)
	if n := w.issue("general", "").Number; n != "A006" {
		t.Fatalf("online number after a lease: got %s, want A006", n)
	}
	// The kiosk's holding is full; another kiosk gets its own block.
	_, err := w.s.GrantLease(w.h, w.now, "k1", "general", 0)
	wantCode(t, err, ECONFLICT)
	evs = w.do(w.s.GrantLease(w.h, w.now, "k2", "general", 2))
	if got := fmt.Sprint(evs[0].Data.(*LeaseData).Numbers); got != "[A007 A008]" {
		t.Fatalf("second lease: got %s", got)
	}
	// A number issued offline a minute ago enters the queue by its issue time,
	// before A006 issued online since.
	w.tick(time.Minute)
	w.do(w.s.IssueLeased(w.h, w.now, OfflineIssue{Kiosk: "k1", Lease: lease.Lease, Number: "A003", IssuedAt: offlineAt}))
	w.open("1")
	if d := w.next("1"); d.Number != "A003" || d.Reason != ReasonFIFO {
		t.Fatalf("first call: got %s %s, want A003 fifo", d.Number, d.Reason)
	}
	// A retried sync is recognised, not issued twice.
	_, err = w.s.IssueLeased(w.h, w.now, OfflineIssue{Kiosk: "k1", Lease: lease.Lease, Number: "A003", IssuedAt: offlineAt})
	var already *AlreadyIssued
	if !errors.As(err, &already) || already.Ticket != "20261123-A003" {
		t.Fatalf("second sync: got %v, want AlreadyIssued", err)
	}
	refusals := []struct {
		name string
		o    OfflineIssue
		code string
	}{
		{"unknown lease", OfflineIssue{Kiosk: "k1", Lease: "L1", Number: "A001", IssuedAt: offlineAt}, ENOTFOUND},
		{"another kiosk's lease", OfflineIssue{Kiosk: "k2", Lease: lease.Lease, Number: "A001", IssuedAt: offlineAt}, EFORBIDDEN},
		{"number outside the lease", OfflineIssue{Kiosk: "k1", Lease: lease.Lease, Number: "A006", IssuedAt: offlineAt}, EINVALID},
		{"issued in the future", OfflineIssue{Kiosk: "k1", Lease: lease.Lease, Number: "A001", IssuedAt: w.now.Add(time.Hour)}, EINVALID},
		{"issued on another day", OfflineIssue{Kiosk: "k1", Lease: lease.Lease, Number: "A001", IssuedAt: offlineAt.Add(-24 * time.Hour)}, EINVALID},
		{"unknown priority", OfflineIssue{Kiosk: "k1", Lease: lease.Lease, Number: "A001", Priority: "vip", IssuedAt: offlineAt}, EINVALID},
	}
	for _, tt := range refusals {
		t.Run(tt.name, func(t *testing.T) {
			_, err := w.s.IssueLeased(w.h, w.now, tt.o)
			wantCode(t, err, tt.code)
		})
	}
	// At the day's end the unused leased numbers are voided publicly.
	w.now = w.now.Add(24 * time.Hour)
	evs = w.commit(w.s.RollDay(w.h, w.now))
	var voided []string
	for _, ev := range evs {
		if d, ok := ev.Data.(*LeaseData); ok && ev.Type == TypeLeaseVoided {
			voided = append(voided, d.Numbers...)
		}
	}
	if fmt.Sprint(voided) != "[A001 A002 A004 A005 A007 A008]" {
		t.Errorf("voided: got %v", voided)
	}
	if d := evs[len(evs)-2].Data.(*DaySealedData); d.Voided != 6 {
		t.Errorf("day.sealed voided: got %d, want 6", d.Voided)
	}
}

func TestLeaseRefusals(t *testing.T) {
	w := newWorld(t)
	_, err := w.s.GrantLease(w.h, w.now, "k1", "tax", 0)
	wantCode(t, err, EINVALID) // real-name
	_, err = w.s.GrantLease(w.h, w.now, "k1", "nope", 0)
	wantCode(t, err, EINVALID)
	_, err = w.s.GrantLease(w.h, w.now, "", "general", 0)
	wantCode(t, err, EINVALID)
	w.s.Counters["general"] = 996
	evs := w.do(w.s.GrantLease(w.h, w.now, "k1", "general", 0))
	if got := fmt.Sprint(evs[0].Data.(*LeaseData).Numbers); got != "[A997 A998 A999]" {
		t.Errorf("lease near the end of the digits: got %s", got)
	}
	_, err = w.s.GrantLease(w.h, w.now, "k2", "general", 0)
	wantCode(t, err, ELIMIT)
}

func TestReportDevice(t *testing.T) {
	w := newWorld(t)
	steps := []struct {
		printer, detail string
		events          int
		code            string
	}{
		{"ok", "", 0, ""},            // healthy from the start: nothing to record
		{"paper_out", "", 1, ""},     // a fault is recorded
		{"paper_out", "", 0, ""},     // and not again while it lasts
		{"cover_open", "", 1, ""},    // a different fault is
		{"ok", "", 1, ""},            // so is the return to normal
		{"on_fire", "", 0, EINVALID}, // unknown state
	}
	for i, st := range steps {
		evs, err := w.s.ReportDevice(w.now, "kiosk-1", st.printer, st.detail)
		if ErrorCode(err) != st.code || len(evs) != st.events {
			t.Fatalf("step %d (%s): got %d events, %v", i, st.printer, len(evs), err)
		}
		w.commit(evs)
	}
	if got := w.s.Devices["kiosk-1"].Printer; got != "ok" {
		t.Errorf("device state: got %q, want ok", got)
	}
}

// TestBeforeRollUndoesARoll: the copy BeforeRoll makes is the state as it was,
// whatever the day roll changed: windows open and serving, leases to void,
// waiting and called tickets, device reports.
func TestBeforeRollUndoesARoll(t *testing.T) {
	w := newWorld(t)
	w.h.Rules.LeaseSize = 3
	w.do(w.s.GrantLease(w.h, w.now, "k1", "general", 0))
	for range 4 {
		w.issue("general", "")
		w.issue("social", "elderly")
	}
	w.open("1", "3")
	w.next("1")
	w.do(w.s.ReportDevice(w.now, "k1", "paper_out", "no paper"))
	want := w.s.Clone()
	undo := w.s.BeforeRoll()
	w.now = t0.Add(24 * time.Hour)
	evs := w.commit(w.s.RollDay(w.h, w.now))
	if len(evs) != 3 || evs[0].Type != TypeLeaseVoided {
		t.Fatalf("roll: got %v, want lease.voided, day.sealed, day.opened", evs)
	}
	if !reflect.DeepEqual(undo, want) {
		t.Fatalf("BeforeRoll's copy differs from the state before the roll:\n got %+v\nwant %+v", undo, want)
	}
	// The copy carries on as the old day, and the rolled state as the new one.
	w.s, w.now = undo, t0.Add(time.Minute)
	if n := w.issue("general", "").Number; n != "A008" {
		t.Errorf("old day after undo: got %s, want A008", n)
	}
}

// TestCancelReplaced: a kiosk withdraws the ticket it asked for but never got an
// answer about, naming the leased number it printed instead; nobody else's
// ticket, and nothing already called, can be withdrawn that way.
func TestCancelReplaced(t *testing.T) {
	w := newWorld(t)
	take := func(kiosk string) *TicketIssuedData {
		t.Helper()
		evs := w.do(func() ([]Event, error) {
			evs, _, err := w.s.Issue(w.h, w.now, IssueRequest{Service: "general", Kiosk: kiosk})
			return evs, err
		}())
		return evs[0].Data.(*TicketIssuedData)
	}
	called := take("k1")
	w.open("1")
	if d := w.next("1"); d.Ticket != called.Ticket {
		t.Fatalf("first call: got %s, want %s", d.Number, called.Number)
	}
	lost, other := take("k1"), take("k2")
	evs := w.do(w.s.CancelReplaced(w.h, w.now, lost.Ticket, "k1", "A099"))
	if d := evs[0].Data.(*TicketCancelledData); d.By != "kiosk" || d.ReplacedBy != "A099" || d.Number != lost.Number {
		t.Fatalf("cancel: got %+v", d)
	}
	if st := w.s.Tickets[lost.Ticket].Status; st != StatusCancelled {
		t.Fatalf("status after cancel: %s", st)
	}
	_, err := w.s.CancelReplaced(w.h, w.now, other.Ticket, "k1", "A099")
	wantCode(t, err, EFORBIDDEN)
	_, err = w.s.CancelReplaced(w.h, w.now, lost.Ticket, "k1", "A099")
	wantCode(t, err, ECONFLICT)
	_, err = w.s.CancelReplaced(w.h, w.now, called.Ticket, "k1", "A099")
	wantCode(t, err, ECONFLICT)
	_, err = w.s.CancelReplaced(w.h, w.now, "20261123-A999", "k1", "A099")
	wantCode(t, err, ENOTFOUND)
}
