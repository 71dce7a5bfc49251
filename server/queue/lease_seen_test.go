package queue

import (
	"testing"
	"time"
)

// TestOfflinePlaceAfterUnloggedContact covers the kiosk that holds a lease,
// keeps talking to the server without a logged act (status reports, board
// requests, an event stream) and then syncs a ticket backdated to the lease's
// grant: it is placed no earlier than its last contact, the event records
// that contact, and the check holds the server to it.
func TestOfflinePlaceAfterUnloggedContact(t *testing.T) {
	grant := time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)
	tests := []struct {
		name           string
		seen           time.Duration // after the grant; 0: none
		claim, sync    time.Duration
		place          time.Duration
		clamped        string
		seenRecorded   bool
		publicContactA time.Duration // an online ticket of the kiosk; 0: none
	}{
		{"backdated to the grant after talking", 40 * time.Minute, time.Second, 50 * time.Minute, 40 * time.Minute, ClampedLastContact, true, 0},
		{"printed after the last contact stands", 10 * time.Minute, 20 * time.Minute, 50 * time.Minute, 20 * time.Minute, "", true, 0},
		{"no contact since the grant", 0, time.Second, 50 * time.Minute, time.Second, "", false, 0},
		{"an earlier contact than a public one is not recorded", 10 * time.Minute, time.Second, 50 * time.Minute, 30 * time.Minute, ClampedLastContact, false, 30 * time.Minute},
		{"a contact after the sync is ignored", 60 * time.Minute, time.Second, 50 * time.Minute, time.Second, "", false, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := newWorld(t)
			w.now = grant
			lease := w.do(w.s.GrantLease(w.h, w.now, "k1", "general", 3))[0].Data.(*LeaseData)
			if tt.publicContactA > 0 {
				w.now = grant.Add(tt.publicContactA)
				evs, _, err := w.s.Issue(w.h, w.now, IssueRequest{Service: "general", Kiosk: "k1"})
				w.do(evs, err)
			}
			w.now = grant.Add(tt.sync)
			var seen time.Time
			if tt.seen > 0 {
				seen = grant.Add(tt.seen)
			}
			evs, err := w.s.IssueLeased(w.h, w.now, OfflineIssue{Kiosk: "k1", Lease: lease.Lease, Number: "A002",
				IssuedAt: grant.Add(tt.claim), SeenAt: seen})
			if err != nil {
				t.Fatal(err)
			}
			d := evs[0].Data.(*TicketIssuedData)
			if !d.IssuedAt.Equal(grant.Add(tt.place)) || d.Clamped != tt.clamped {
				t.Fatalf("placed %v (%q), want %v (%q)", d.IssuedAt, d.Clamped, grant.Add(tt.place), tt.clamped)
			}
			if got := !d.SeenAt.IsZero(); got != tt.seenRecorded || (got && !d.SeenAt.Equal(seen)) {
				t.Fatalf("seen_at recorded %v, want recorded=%v (%v)", d.SeenAt, tt.seenRecorded, seen)
			}
			if err := w.s.Check(w.h, evs[0]); err != nil {
				t.Fatalf("check of the rule's own placement: %v", err)
			}
			// A server that makes up a contact outside the lease's time is
			// caught. (One that leaves out a contact it saw is not: the log
			// alone cannot show a request it does not record.)
			if d.SeenAt.IsZero() {
				return
			}
			for name, forge := range map[string]func(*TicketIssuedData){
				"contact after sync":   func(f *TicketIssuedData) { f.SeenAt = w.now.Add(time.Minute) },
				"contact before lease": func(f *TicketIssuedData) { f.SeenAt = grant.Add(-time.Minute) },
			} {
				f := *d
				forge(&f)
				if err := w.s.CheckIssued(w.h, w.now, &f); err == nil {
					t.Errorf("%s: the check finds nothing", name)
				}
			}
			// The recorded contact binds the next sync of the kiosk as well.
			w.commit(evs)
			evs, err = w.s.IssueLeased(w.h, w.now, OfflineIssue{Kiosk: "k1", Lease: lease.Lease, Number: "A003", IssuedAt: grant.Add(time.Second)})
			if err != nil {
				t.Fatal(err)
			}
			if d2 := evs[0].Data.(*TicketIssuedData); d2.IssuedAt.Before(seen) || !d2.SeenAt.IsZero() {
				t.Fatalf("next sync placed at %v (seen_at %v), want no earlier than %v and nothing recorded again", d2.IssuedAt, d2.SeenAt, seen)
			}
		})
	}
}
