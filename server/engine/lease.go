package engine

import (
	"context"
	"errors"
	"slices"
	"strings"
	"time"

	"hallq/server/queue"
)

// LeaseView is a lease as its kiosk sees it: the unused numbers, each with the
// status token its receipt's QR code will carry (the kiosk cannot make tokens
// itself, as they are keyed with a server secret).
type LeaseView struct {
	ID      string         `json:"id"`
	Service string         `json:"service"`
	Day     string         `json:"day"`
	Numbers []LeasedNumber `json:"numbers"`
}

// LeasedNumber is one number of a lease.
type LeasedNumber struct {
	Number string `json:"number"`
	Ticket string `json:"ticket"` // the ID the ticket will have
	Token  string `json:"token"`
}

func (e *Engine) leaseView(l *queue.Lease) LeaseView {
	v := LeaseView{ID: l.ID, Service: l.Service, Day: l.Day, Numbers: []LeasedNumber{}}
	for _, n := range l.Unused() {
		id := queue.TicketID(l.Day, n)
		v.Numbers = append(v.Numbers, LeasedNumber{Number: n, Ticket: id, Token: e.Token(id)})
	}
	return v
}

// GrantLease reserves numbers of a service for a kiosk to issue while offline
// (count 0: as many as the hall's lease size allows).
func (e *Engine) GrantLease(ctx context.Context, kiosk, service string, count int) (LeaseView, error) {
	r, err := e.do(ctx, func(_ *prep, s *queue.State, now time.Time) (any, []queue.Event, error) {
		evs, err := s.GrantLease(e.hall, now, kiosk, service, count)
		if err != nil {
			return nil, nil, err
		}
		return evs[0].Data.(*queue.LeaseData).Lease, evs, nil
	}, func(r *request, s *queue.State) {
		r.result = e.leaseView(s.Leases[r.result.(string)])
	})
	if err != nil {
		return LeaseView{}, err
	}
	return r.result.(LeaseView), nil
}

// Leases returns a kiosk's leases of today that still have unused numbers.
func (e *Engine) Leases(kiosk string) []LeaseView {
	out := []LeaseView{}
	e.Read(func(s *queue.State, _ uint64, _ string) {
		for _, l := range s.Leases {
			if l.Kiosk == kiosk && len(l.Unused()) > 0 {
				out = append(out, e.leaseView(l))
			}
		}
	})
	slices.SortFunc(out, func(a, b LeaseView) int { return strings.Compare(a.ID, b.ID) })
	return out
}

// OfflineInput is a ticket a kiosk issued while offline, from a leased number.
type OfflineInput struct {
	Kiosk    string
	Lease    string
	Number   string
	Priority string
	IssuedAt time.Time
	// Replaces is the idempotency key of an online request the kiosk got no
	// answer to before it printed this ticket instead. If the server did issue
	// that ticket, it is withdrawn (ticket.cancelled by "kiosk", replaced_by
	// this number); if not, the key is spent, so that the request arriving
	// late issues nothing.
	Replaces string
}

// SyncOffline records a ticket a kiosk issued offline. It is idempotent: the same
// leased number synced again returns the ticket already recorded, with replayed
// true.
func (e *Engine) SyncOffline(ctx context.Context, in OfflineInput) (v TicketView, replayed bool, err error) {
	if len(in.Replaces) > MaxIdempotencyKey {
		return TicketView{}, false, queue.Errorf(queue.EINVALID, "replaces: longer than %d characters", MaxIdempotencyKey)
	}
	seen := e.lastSeen(in.Kiosk).UTC().Truncate(time.Millisecond)
	r, err := e.do(ctx, func(p *prep, s *queue.State, now time.Time) (any, []queue.Event, error) {
		evs, err := s.IssueLeased(e.hall, now, queue.OfflineIssue{Kiosk: in.Kiosk, Lease: in.Lease,
			Number: in.Number, Priority: in.Priority, IssuedAt: in.IssuedAt.UTC().Truncate(time.Millisecond),
			SeenAt: seen})
		var res issueResult
		var already *queue.AlreadyIssued
		switch {
		case errors.As(err, &already):
			// A retried sync: the first one settled its Replaces key in
			// the same commit, so a key sent now (another, by a kiosk
			// making keys up) is not stored.
			return issueResult{id: already.Ticket}, nil, nil
		case err != nil:
			return nil, nil, err
		default:
			res.id = evs[0].Data.(*queue.TicketIssuedData).Ticket
		}
		if in.Replaces != "" {
			withdraw, err := e.replace(p, s, now, in.Kiosk, in.Replaces, in.Number)
			if err != nil {
				return nil, nil, err
			}
			evs = append(evs, withdraw...)
		}
		return res, evs, nil
	}, func(r *request, s *queue.State) {
		res := r.result.(issueResult)
		if v, ok := e.viewOf(s, res.id, nil); ok {
			r.result = v
		}
	})
	if err != nil {
		return TicketView{}, false, err
	}
	v, ok := r.result.(TicketView)
	if !ok {
		return TicketView{}, false, queue.Errorf(queue.ENOTFOUND, "ticket of number %s no longer exists", in.Number)
	}
	v.Token = e.remember(v.ID)
	replayed = len(r.recs) == 0 || r.recs[0].Seq != v.Seq
	if !replayed {
		v.Hash = r.recs[0].Hash
	} else if rec, err := e.store.Event(v.Seq); err == nil {
		v.Hash = rec.Hash
	}
	return v, replayed, nil
}

// replace withdraws the ticket a kiosk's unanswered request got, if the server
// issued it and it still waits, or else spends the request's key. Run again
// (a sync replayed), it finds the ticket withdrawn or the key spent and does
// nothing.
func (e *Engine) replace(p *prep, s *queue.State, now time.Time, kiosk, key, number string) ([]queue.Event, error) {
	idemKey := kiosk + "\x00" + key
	rec, ok := p.idempotent(idemKey)
	if !ok {
		return nil, p.putIdempotent(idemRecord{Key: idemKey})
	}
	t, ok := s.Tickets[rec.Ticket]
	if rec.Ticket == "" || !ok || t.Status != queue.StatusWaiting {
		return nil, nil
	}
	evs, err := s.CancelReplaced(e.hall, now, rec.Ticket, kiosk, number)
	if err != nil {
		return nil, err
	}
	// The applicant never held the ticket: it no longer counts against their
	// daily limit for the service. (The record is of today: the ticket is.)
	if rec.Identity != "" {
		if n := p.identityCount(rec.Identity); n > 0 {
			p.putIdentityCount(rec.Identity, n-1)
		}
	}
	return evs, nil
}

// Withdraw settles a kiosk's request that got no answer and that the kiosk
// could not replace with an offline ticket (a real-name service, a spent lease,
// outside opening hours): a ticket issued for it that still waits is withdrawn
// (ticket.cancelled by "kiosk"), and a key the server never saw is spent. It
// returns the withdrawn ticket's number, "" when nothing was withdrawn. Run
// again, it does nothing. Keys never seen are bounded per kiosk and day by
// Options.WithdrawalsPerKioskPerDay (ELIMIT beyond).
func (e *Engine) Withdraw(ctx context.Context, kiosk, key string) (number string, err error) {
	if key == "" || len(key) > MaxIdempotencyKey {
		return "", queue.Errorf(queue.EINVALID, "idempotency_key: 1 to %d characters", MaxIdempotencyKey)
	}
	r, err := e.do(ctx, func(p *prep, s *queue.State, now time.Time) (any, []queue.Event, error) {
		if _, seen := p.idempotent(kiosk + "\x00" + key); !seen {
			if n := e.opts.WithdrawalsPerKioskPerDay; n > 0 && p.spent(kiosk) >= n {
				return nil, nil, queue.Errorf(queue.ELIMIT,
					"kiosk %s has withdrawn %d requests the server never received today, the most a day allows; a kiosk that needs more is faulty", kiosk, n).
					Zh("本机今日撤回的未达请求已达上限，请联系管理员检查取号机")
			}
		}
		evs, err := e.replace(p, s, now, kiosk, key, "")
		if err != nil || len(evs) == 0 {
			return "", nil, err
		}
		return evs[0].Data.(*queue.TicketCancelledData).Number, evs, nil
	}, nil)
	if err != nil {
		return "", err
	}
	return r.result.(string), nil
}

// ReportDevice records a device's printer health when it changed.
func (e *Engine) ReportDevice(ctx context.Context, device string, printer queue.PrinterState, detail string) error {
	_, err := e.do(ctx, func(_ *prep, s *queue.State, now time.Time) (any, []queue.Event, error) {
		evs, err := s.ReportDevice(now, device, printer, detail)
		return nil, evs, err
	}, nil)
	return err
}
