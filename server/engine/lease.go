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
}

// SyncOffline records a ticket a kiosk issued offline. It is idempotent: the same
// leased number synced again returns the ticket already recorded, with replayed
// true.
func (e *Engine) SyncOffline(ctx context.Context, in OfflineInput) (v TicketView, replayed bool, err error) {
	r, err := e.do(ctx, func(_ *prep, s *queue.State, now time.Time) (any, []queue.Event, error) {
		evs, err := s.IssueLeased(e.hall, now, queue.OfflineIssue{Kiosk: in.Kiosk, Lease: in.Lease,
			Number: in.Number, Priority: in.Priority, IssuedAt: in.IssuedAt.UTC().Truncate(time.Millisecond)})
		var already *queue.AlreadyIssued
		if errors.As(err, &already) {
			return issueResult{id: already.Ticket}, nil, nil
		}
		if err != nil {
			return nil, nil, err
		}
		return issueResult{id: evs[0].Data.(*queue.TicketIssuedData).Ticket}, evs, nil
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
	if len(r.recs) > 0 {
		v.Hash = r.recs[0].Hash
	} else if rec, err := e.store.Event(v.Seq); err == nil {
		v.Hash = rec.Hash
	}
	return v, len(r.recs) == 0, nil
}

// ReportDevice records a device's printer health when it changed.
func (e *Engine) ReportDevice(ctx context.Context, device, printer, detail string) error {
	_, err := e.do(ctx, func(_ *prep, s *queue.State, now time.Time) (any, []queue.Event, error) {
		evs, err := s.ReportDevice(now, device, printer, detail)
		return nil, evs, err
	}, nil)
	return err
}
