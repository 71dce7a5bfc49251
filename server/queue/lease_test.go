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
		code Code
	}{
		{"unknown lease", OfflineIssue{Kiosk: "k1", Lease: "L1", Number: "A001", IssuedAt: offlineAt}, ENOTFOUND},
		{"another kiosk's lease", OfflineIssue{Kiosk: "k2", Lease: lease.Lease, Number: "A001", IssuedAt: offlineAt}, EFORBIDDEN},
		{"number outside the lease", OfflineIssue{Kiosk: "k1", Lease: lease.Lease, Number: "A006", IssuedAt: offlineAt}, EINVALID},
		{"no issue time", OfflineIssue{Kiosk: "k1", Lease: lease.Lease, Number: "A001"}, EINVALID},
		{"unknown priority", OfflineIssue{Kiosk: "k1", Lease: lease.Lease, Number: "A001", Priority: "vip", IssuedAt: offlineAt}, EINVALID},
		{"priority staff assign", OfflineIssue{Kiosk: "k1", Lease: lease.Lease, Number: "A001", Priority: "disabled", IssuedAt: offlineAt}, EFORBIDDEN},
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

// TestOfflinePlacement: an offline ticket takes the place its kiosk claims,
// clamped to no earlier than its lease's grant or the kiosk's last public
// contact, and no later than the sync; the event records claim and place, and
// the replay check explains every placement and catches a forged one.
func TestOfflinePlacement(t *testing.T) {
	grant := t0.Add(time.Hour) // 10:00 in Shanghai
	tests := []struct {
		name    string
		claim   time.Duration // after the grant
		contact time.Duration // an online ticket of the kiosk after the grant; 0 for none
		other   bool          // the online ticket is another kiosk's
		sync    time.Duration // after the grant
		place   time.Duration
		clamped string
	}{
		{"claim stands", 5 * time.Minute, 0, false, 30 * time.Minute, 5 * time.Minute, ""},
		{"backdated to the night", -10 * time.Hour, 0, false, 30 * time.Minute, 0, ClampedLeaseGranted},
		{"backdated to the day before", -30 * time.Hour, 0, false, 30 * time.Minute, 0, ClampedLeaseGranted},
		{"before an online ticket of the kiosk", 5 * time.Minute, 10 * time.Minute, false, 30 * time.Minute, 10 * time.Minute, ClampedLastContact},
		{"after an online ticket of the kiosk", 15 * time.Minute, 10 * time.Minute, false, 30 * time.Minute, 15 * time.Minute, ""},
		{"another kiosk's ticket is no contact", 5 * time.Minute, 10 * time.Minute, true, 30 * time.Minute, 5 * time.Minute, ""},
		{"in the future", 2 * time.Hour, 0, false, 30 * time.Minute, 30 * time.Minute, ClampedSyncedAt},
		{"next day", 25 * time.Hour, 0, false, 30 * time.Minute, 30 * time.Minute, ClampedSyncedAt},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := newWorld(t)
			w.now = grant
			lease := w.do(w.s.GrantLease(w.h, w.now, "k1", "general", 3))[0].Data.(*LeaseData)
			if tt.contact > 0 {
				kiosk := "k1"
				if tt.other {
					kiosk = "k2"
				}
				w.now = grant.Add(tt.contact)
				evs, _, err := w.s.Issue(w.h, w.now, IssueRequest{Service: "general", Kiosk: kiosk})
				w.do(evs, err)
			}
			w.now = grant.Add(tt.sync)
			evs, err := w.s.IssueLeased(w.h, w.now, OfflineIssue{Kiosk: "k1", Lease: lease.Lease, Number: "A002", IssuedAt: grant.Add(tt.claim)})
			if err != nil {
				t.Fatal(err)
			}
			d := evs[0].Data.(*TicketIssuedData)
			if !d.IssuedAt.Equal(grant.Add(tt.place)) || d.Clamped != tt.clamped || !d.ClaimedAt.Equal(grant.Add(tt.claim)) {
				t.Fatalf("placed %v (%q) claiming %v, want %v (%q)", d.IssuedAt, d.Clamped, d.ClaimedAt, grant.Add(tt.place), tt.clamped)
			}
			if err := w.s.Check(w.h, evs[0]); err != nil {
				t.Fatalf("check of the rule's own placement: %v", err)
			}
			forged := *d
			forged.IssuedAt, forged.Clamped = forged.ClaimedAt.Add(-time.Hour), ""
			if err := w.s.CheckIssued(w.h, w.now, &forged); err == nil {
				t.Fatalf("check of a ticket placed an hour before its claim: no error")
			}
			w.commit(evs)
			// A retried sync with another time, or a priority, changes nothing.
			_, err = w.s.IssueLeased(w.h, w.now, OfflineIssue{Kiosk: "k1", Lease: lease.Lease, Number: "A002",
				IssuedAt: grant.Add(-time.Hour), Priority: "elderly"})
			var already *AlreadyIssued
			if !errors.As(err, &already) {
				t.Fatalf("re-sync: got %v, want AlreadyIssued", err)
			}
			if tk := w.s.Tickets[d.Ticket]; !tk.OrderAt.Equal(d.IssuedAt) || tk.Priority != "" {
				t.Fatalf("re-sync moved the ticket: %+v", tk)
			}
		})
	}
}

// TestCheckCatchesForgedEvents: the replay check reports events the rules do
// not explain, as a verifier of the public log would see them.
func TestCheckCatchesForgedEvents(t *testing.T) {
	w := newWorld(t)
	w.now = t0.Add(time.Hour)
	lease := w.do(w.s.GrantLease(w.h, w.now, "k1", "general", 3))[0].Data.(*LeaseData)
	w.tick(time.Minute)
	w.issue("general", "")
	for range 4 {
		w.issue("social", "")
	}
	w.open("3")
	w.next("3")
	w.do(w.s.NoShow(w.h, w.now, "3"))
	noShow := w.s.Tickets[TicketID(w.s.Day, "C001")]
	tests := []struct {
		name string
		ev   Event
	}{
		{"online ticket placed before its issue", Event{Time: w.now, Type: TypeTicketIssued, Data: &TicketIssuedData{
			Ticket: "20261123-A010", Number: "A010", Service: "general", Day: w.s.Day, Kiosk: "k1", IssuedAt: t0}}},
		{"kiosk ticket of a staff-assigned class", Event{Time: w.now, Type: TypeTicketIssued, Data: &TicketIssuedData{
			Ticket: "20261123-A010", Number: "A010", Service: "general", Day: w.s.Day, Kiosk: "k1", IssuedAt: w.now, Priority: "disabled"}}},
		{"offline ticket of another kiosk's lease", Event{Time: w.now, Type: TypeTicketIssued, Data: &TicketIssuedData{
			Ticket: "20261123-A001", Number: "A001", Service: "general", Day: w.s.Day, Kiosk: "k2", IssuedAt: w.now,
			Lease: lease.Lease, ClaimedAt: w.now}}},
		{"offline ticket without a claim", Event{Time: w.now, Type: TypeTicketIssued, Data: &TicketIssuedData{
			Ticket: "20261123-A001", Number: "A001", Service: "general", Day: w.s.Day, Kiosk: "k1", IssuedAt: w.now, Lease: lease.Lease}}},
		{"offline ticket placed before its lease", Event{Time: w.now, Type: TypeTicketIssued, Data: &TicketIssuedData{
			Ticket: "20261123-A001", Number: "A001", Service: "general", Day: w.s.Day, Kiosk: "k1", IssuedAt: t0,
			Lease: lease.Lease, ClaimedAt: t0}}},
		{"event dated before the one preceding it", Event{Time: t0, Type: TypeWindowPaused, Data: &WindowData{Window: "3"}}},
		{"reinstated ahead of the rule", Event{Time: w.now, Type: TypeTicketReinstated, Data: &TicketReinstatedData{
			Ticket: noShow.ID, Number: noShow.Number, Window: "3"}}},
		{"reinstated at a window of another service", Event{Time: w.now, Type: TypeTicketReinstated, Data: &TicketReinstatedData{
			Ticket: noShow.ID, Number: noShow.Number, Window: "2", After: w.s.reinstatedAfter(w.h, w.now, noShow)}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := w.s.Check(w.h, tt.ev); err == nil {
				t.Fatalf("Check: no error")
			} else {
				t.Log(err)
			}
		})
	}
	// The rule's own reinstatement passes.
	evs, err := w.s.Reinstate(w.h, w.now, "3", "C001")
	if err != nil {
		t.Fatal(err)
	}
	if evs[0].Data.(*TicketReinstatedData).After == "" {
		t.Fatalf("reinstatement with 3 waiting: placed last, want behind the second")
	}
	if err := w.s.Check(w.h, evs[0]); err != nil {
		t.Fatalf("Check of the rule's reinstatement: %v", err)
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
		printer PrinterState
		detail  string
		events  int
		code    Code
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

// TestLeaseOfAnotherDay: a lease is valid only on the day it was granted; its
// numbers, voided at the day's end, cannot be synced the next day, even by the
// kiosk it was granted to and with a time of the day it was granted.
func TestLeaseOfAnotherDay(t *testing.T) {
	w := newWorld(t)
	granted := w.now
	lease := w.do(w.s.GrantLease(w.h, w.now, "k1", "general", 2))[0].Data.(*LeaseData)
	w.now = w.now.Add(24 * time.Hour)
	w.roll()
	_, err := w.s.IssueLeased(w.h, w.now, OfflineIssue{Kiosk: "k1", Lease: lease.Lease, Number: "A001", IssuedAt: granted.Add(time.Minute)})
	wantCode(t, err, ENOTFOUND)
	// A lease of the new day with the same first number is another lease.
	again := w.do(w.s.GrantLease(w.h, w.now, "k1", "general", 2))[0].Data.(*LeaseData)
	if again.Lease == lease.Lease {
		t.Fatalf("the new day's lease has yesterday's ID %s", lease.Lease)
	}
	evs, err := w.s.IssueLeased(w.h, w.now, OfflineIssue{Kiosk: "k1", Lease: again.Lease, Number: "A001", IssuedAt: granted.Add(time.Minute)})
	if err != nil {
		t.Fatal(err)
	}
	if d := evs[0].Data.(*TicketIssuedData); !d.IssuedAt.Equal(w.now) || d.Clamped != ClampedLeaseGranted {
		t.Fatalf("yesterday's time on today's lease: placed %v (%q), want today's grant %v", d.IssuedAt, d.Clamped, w.now)
	}
}
