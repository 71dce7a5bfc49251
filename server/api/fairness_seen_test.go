package api_test

import (
	"fmt"
	"net/http"
	"testing"
	"time"

	"hallq/server/queue"
)

// TestSilentLeaseHolderCannotBackdate is the attack of a kiosk that holds a
// lease and logs nothing after its grant, yet keeps talking to the server
// (board and hall requests, a printer status report), then syncs an offline
// ticket "printed" at the day's first second: it is placed no earlier than
// its last request, the log records that contact, and the public check
// accepts the placement. The syncs themselves are no contact: a kiosk back
// online syncs its offline tickets one request after another, and each keeps
// the time it claims.
func TestSilentLeaseHolderCannotBackdate(t *testing.T) {
	f := newFairHall(t)
	k1, k2 := f.Secrets.KioskToken, f.kiosk2
	dayStart := f.Clock.Before(48 * time.Hour)
	l := f.lease(k2, "general", 4)

	// Someone queues at kiosk-1 after kiosk-2's lease was granted.
	var first ticketResp
	if code, raw := f.call(k1, "POST", "/api/v1/tickets", `{"service":"general","idempotency_key":"q1"}`, &first); code != http.StatusCreated {
		t.Fatalf("issue: %d %s", code, raw)
	}
	// Kiosk-2 talks to the server, without any act the log shows.
	talked := f.Clock.Now()
	for _, req := range []struct{ method, path, body string }{
		{"GET", "/api/v1/hall", ""},
		{"GET", "/api/v1/board", ""},
		{"GET", "/api/v1/devices/me", ""},
		{"POST", "/api/v1/devices/me/status", `{"printer":"ok"}`},
	} {
		if code, raw := f.call(k2, req.method, req.path, req.body, nil); code != http.StatusOK {
			t.Fatalf("%s %s: %d %s", req.method, req.path, code, raw)
		}
	}
	sync := func(number string, at time.Time) ticketResp {
		t.Helper()
		var tr ticketResp
		body := fmt.Sprintf(`{"lease":%q,"number":%q,"issued_at":%q}`, l.Lease.ID, number, at.UTC().Format(time.RFC3339Nano))
		if code, raw := f.call(k2, "POST", "/api/v1/tickets/offline", body, &tr); code != http.StatusCreated {
			t.Fatalf("sync %s: %d %s", number, code, raw)
		}
		return tr
	}

	// The attack.
	number := l.Lease.Numbers[0].Number
	tr := sync(number, dayStart.Add(time.Second))
	d := f.issuedData(number)
	if d.IssuedAt.Before(talked) {
		t.Fatalf("backdated %s placed at %v, before the kiosk's requests at %v (claimed %v, %q)", number, d.IssuedAt, talked, d.ClaimedAt, d.Clamped)
	}
	// The bound is in the log: the contact the server saw, or, on a clock
	// that did not move since the grant, the grant itself.
	switch {
	case !d.SeenAt.IsZero():
		if d.Clamped != queue.ClampedLastContact || !d.IssuedAt.Equal(d.SeenAt) {
			t.Errorf("placed %v (%q) with seen_at %v, want placed at seen_at, last_contact", d.IssuedAt, d.Clamped, d.SeenAt)
		}
	case d.Clamped != queue.ClampedLeaseGranted:
		t.Errorf("placed %v (%q) without seen_at: the contact is not in the log", d.IssuedAt, d.Clamped)
	}
	if tr.Ticket.Ahead < 1 {
		t.Errorf("backdated %s: %d ahead, want the person who queued at kiosk-1 ahead", number, tr.Ticket.Ahead)
	}

	// Back online, the kiosk syncs two tickets printed after its last
	// request: the first sync does not move the second.
	printed := f.Clock.Now()
	sync(l.Lease.Numbers[1].Number, printed)
	second := f.issuedData(l.Lease.Numbers[2].Number, sync(l.Lease.Numbers[2].Number, printed))
	if !second.IssuedAt.Equal(printed.UTC().Truncate(time.Millisecond)) || second.Clamped != "" || !second.SeenAt.IsZero() {
		t.Errorf("second of two syncs placed %v (%q, seen_at %v), want its claim %v: a sync is no contact", second.IssuedAt, second.Clamped, second.SeenAt, printed)
	}
	f.audit()
}

// issuedData returns the ticket.issued event data of a number from the log.
// The ticket answer, when given, only orders the call after a sync.
func (f *fairHall) issuedData(number string, _ ...ticketResp) *queue.TicketIssuedData {
	f.t.Helper()
	for _, ev := range f.logEvents() {
		if d, ok := ev.Data.(*queue.TicketIssuedData); ok && d.Number == number {
			return d
		}
	}
	f.t.Fatalf("number %s is not in the log", number)
	return nil
}
