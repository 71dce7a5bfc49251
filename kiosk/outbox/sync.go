package outbox

import (
	"context"
	"errors"
	"fmt"
	"net/http"

	"hallq/server/client"
	"hallq/server/wire"
)

// Syncer is what Drain needs of the server.
type Syncer interface {
	SyncOffline(ctx context.Context, t wire.OfflineTicket) (*wire.Ticket, error)
}

var _ Syncer = (*client.Client)(nil)

// DrainResult counts what one Drain settled.
type DrainResult struct {
	Synced  []Ticket // accepted by the server, now in the public log
	Refused []Ticket // refused for good; Refusal says why
	Left    int      // still pending
}

// Drain sends the pending tickets to the server, oldest first, and records
// each answer. It stops at the first failure that may pass (the server is
// unreachable, busy, or does not accept the kiosk's token right now) and
// returns it, leaving that ticket and the rest pending for the next call.
// A refusal about the ticket itself (its lease is unknown, not today's or
// voided) settles it as Refused and the drain goes on. Sending a ticket
// twice is harmless: the server answers with the ticket it already has.
// Concurrent calls take turns.
func (s *Store) Drain(ctx context.Context, srv Syncer) (DrainResult, error) {
	s.drainMu.Lock()
	defer s.drainMu.Unlock()
	var res DrainResult
	pending, err := s.Pending()
	if err != nil {
		return res, err
	}
	for i, t := range pending {
		tk, err := srv.SyncOffline(ctx, wire.OfflineTicket{Lease: t.Lease, Number: t.Number, IssuedAt: t.IssuedAt,
			Priority: t.Priority, Replaces: t.Replaces})
		switch {
		case err == nil:
			if tk.Number != t.Number {
				return res, fmt.Errorf("outbox: sync %s: the server answered with ticket %s", t.Number, tk.Number)
			}
			if err := s.settle(t.Key(), func(x *Ticket) {
				x.State, x.SettleAt, x.LogSeq = Synced, s.now().UTC(), tk.Seq
			}); err != nil {
				return res, fmt.Errorf("outbox: record sync of %s: %w", t.Number, err)
			}
			t.State, t.LogSeq = Synced, tk.Seq
			res.Synced = append(res.Synced, t)
		case final(err):
			reason := err.Error()
			if err := s.settle(t.Key(), func(x *Ticket) {
				x.State, x.SettleAt, x.Refusal = Refused, s.now().UTC(), reason
			}); err != nil {
				return res, fmt.Errorf("outbox: record refusal of %s: %w", t.Number, err)
			}
			t.State, t.Refusal = Refused, reason
			res.Refused = append(res.Refused, t)
		default:
			if serr := s.settle(t.Key(), func(x *Ticket) { x.Attempts++ }); serr != nil {
				return res, fmt.Errorf("outbox: record attempt of %s: %w", t.Number, serr)
			}
			res.Left = len(pending) - i
			return res, fmt.Errorf("outbox: sync %s: %w", t.Number, err)
		}
	}
	return res, nil
}

// final reports whether a sync error is the server's last word about the
// ticket: a refusal of the request itself. Unreachable servers, server faults,
// rate limits, answers that are not the API's, and refusals of the kiosk's
// credentials (which staff can fix) are worth another try.
func final(err error) bool {
	var e *client.Error
	if !errors.As(err, &e) || e.Code == "" {
		return false
	}
	switch e.Code {
	case wire.EUNAUTHORIZED, wire.EFORBIDDEN, wire.ERATE, wire.EUNAVAILABLE, wire.EINTERNAL:
		return false
	}
	return e.Status >= http.StatusBadRequest && e.Status < http.StatusInternalServerError
}
