package queue

import (
	"slices"
	"time"
)

// LeaseID returns the ID of a lease: its day and first number, "L20261122-A041".
func LeaseID(day, first string) string { return "L" + TicketID(day, first) }

// GrantLease returns the event that reserves the next numbers of a service for a
// kiosk to issue while it cannot reach the server. A kiosk holds at most
// Rules.LeaseSize unused numbers of a service; count (at most that, 0 for all of
// it) tops its holding up. Real-name services are not leased: per-person limits
// cannot be checked offline.
func (s *State) GrantLease(h *Hall, now time.Time, kiosk, service string, count int) ([]Event, error) {
	if err := s.checkDay(h, now); err != nil {
		return nil, err
	}
	if kiosk == "" {
		return nil, Errorf(EINVALID, "kiosk: required")
	}
	svc, ok := h.Service(service)
	if !ok {
		return nil, Errorf(EINVALID, "unknown service %q", service)
	}
	if svc.RealName {
		return nil, Errorf(EINVALID, "%s requires an identity document, which cannot be checked offline; it is not leased", svc.NameEN)
	}
	held := 0
	for _, l := range s.Leases {
		if l.Kiosk == kiosk && l.Service == service {
			held += len(l.Unused())
		}
	}
	room := h.Rules.LeaseSize - held
	if count <= 0 || count > room {
		count = room
	}
	if count <= 0 {
		return nil, Errorf(ECONFLICT, "kiosk %s already holds %d unused numbers of %s, the most a lease allows", kiosk, held, service)
	}
	limit := svc.Limit()
	next := s.Counters[svc.ID] + 1
	count = min(count, limit-next+1)
	if count <= 0 {
		return nil, Errorf(ELIMIT, "%s has issued all %d numbers of today", svc.NameEN, limit)
	}
	d := &LeaseData{Kiosk: kiosk, Service: service, Day: s.Day}
	for i := range count {
		d.Numbers = append(d.Numbers, FormatNumber(svc, next+i))
	}
	d.Lease = LeaseID(s.Day, d.Numbers[0])
	return []Event{{Time: now, Type: TypeLeaseGranted, Data: d}}, nil
}

// OfflineIssue is a ticket a kiosk issued offline from a leased number.
type OfflineIssue struct {
	Kiosk    string
	Lease    string
	Number   string
	Priority string
	IssuedAt time.Time // when the kiosk says it printed it
	// SeenAt is the kiosk's last contact with the server before the sync
	// that the public log does not show: any request made with its token (a
	// status report, a board or hall request, an event stream opened), but
	// the offline syncs themselves. Zero when the server saw none.
	SeenAt time.Time
}

// Why an offline ticket's place differs from the time its kiosk claimed, as
// recorded in ticket.issued (TicketIssuedData.Clamped).
const (
	// ClampedLeaseGranted: the claim was before its lease was granted.
	ClampedLeaseGranted = "lease_granted"
	// ClampedLastContact: the claim was before the kiosk's last public
	// contact with the server (a later lease granted to it, or a ticket it
	// issued online), when it was evidently not offline.
	ClampedLastContact = "last_contact"
	// ClampedSyncedAt: the claim was after the sync, in the future.
	ClampedSyncedAt = "synced_at"
)

// OfflineNotBefore returns the earliest place an offline ticket of lease l may
// take if it is synced now: the later of the lease's grant and the kiosk's last
// public contact (State.Contacts), with the clamp reason that bound gives. Both
// come from the public log, so anyone can check a placement.
func (s *State) OfflineNotBefore(l *Lease) (time.Time, string) {
	if c := s.Contacts[l.Kiosk]; c.After(l.GrantedAt) {
		return c, ClampedLastContact
	}
	return l.GrantedAt, ClampedLeaseGranted
}

// PlaceOffline is the published placement rule of a ticket issued offline. It
// enters the order at the time its kiosk claims it was printed, clamped into
// [notBefore, syncedAt]: never before its lease's grant nor the kiosk's last
// public contact before the sync (OfflineNotBefore, whose reason is why), and
// never after the sync, the time the server records it. It returns the place
// and why it differs from the claim, "" when the claim stands.
func PlaceOffline(claimed, notBefore time.Time, why string, syncedAt time.Time) (time.Time, string) {
	switch {
	case claimed.After(syncedAt):
		return syncedAt, ClampedSyncedAt
	case claimed.Before(notBefore):
		if notBefore.After(syncedAt) { // only with a log whose clock ran back
			return syncedAt, ClampedSyncedAt
		}
		return notBefore, why
	}
	return claimed, ""
}

// IssueLeased returns the event that records a ticket issued offline. It enters
// the queue by the placement rule (PlaceOffline); the event records the time
// the kiosk claimed and the place it got. Issuing the same leased number again
// returns ErrAlreadyIssued with the ticket, whatever time is claimed, so that a
// kiosk's sync can be retried and a ticket once placed never moves.
func (s *State) IssueLeased(h *Hall, now time.Time, o OfflineIssue) ([]Event, error) {
	if err := s.checkDay(h, now); err != nil {
		return nil, err
	}
	l, ok := s.Leases[o.Lease]
	if !ok {
		return nil, Errorf(ENOTFOUND, "no lease %q today; a lease is valid only on the day it was granted", o.Lease)
	}
	if l.Kiosk != o.Kiosk {
		return nil, Errorf(EFORBIDDEN, "lease %s belongs to kiosk %s", o.Lease, l.Kiosk)
	}
	if !slices.Contains(l.Numbers, o.Number) {
		return nil, Errorf(EINVALID, "number %q is not in lease %s", o.Number, o.Lease)
	}
	if l.Used[o.Number] {
		return nil, &AlreadyIssued{Ticket: TicketID(s.Day, o.Number)}
	}
	if l.Voided {
		return nil, Errorf(ECONFLICT, "lease %s was voided", o.Lease)
	}
	if err := h.KioskMayDeclare(o.Priority); err != nil {
		return nil, err
	}
	if o.IssuedAt.IsZero() {
		return nil, Errorf(EINVALID, "issued_at: required, the time the kiosk printed the ticket")
	}
	notBefore, why := s.OfflineNotBefore(l)
	var seen time.Time
	if o.SeenAt.After(notBefore) && !o.SeenAt.After(now) {
		// Only a contact later than the public ones binds, and is recorded.
		seen, notBefore, why = o.SeenAt.UTC(), o.SeenAt.UTC(), ClampedLastContact
	}
	at, clamped := PlaceOffline(o.IssuedAt, notBefore, why, now)
	return []Event{{Time: now, Type: TypeTicketIssued, Data: &TicketIssuedData{
		Ticket: TicketID(s.Day, o.Number), Number: o.Number, Service: l.Service, Day: s.Day,
		Priority: o.Priority, Kiosk: o.Kiosk, IssuedAt: at, Lease: l.ID, ClaimedAt: o.IssuedAt, Clamped: clamped,
		SeenAt: seen,
	}}}, nil
}

// AlreadyIssued is the error of IssueLeased for a leased number issued before:
// not a failure for a kiosk retrying its sync.
type AlreadyIssued struct{ Ticket string }

func (e *AlreadyIssued) Error() string { return "ticket " + e.Ticket + " was already issued" }
