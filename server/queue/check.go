package queue

import (
	"fmt"
	"slices"
	"time"
)

// Check verifies one event of the public log against the published rules, on
// the state just before the event (the caller applies it afterwards) and under
// the rules in force (h), as an outside verifier replaying the log does:
//
//   - no event is dated before the one preceding it;
//   - a call that is not manual must be exactly the rule's pick with the
//     rule's reason; a manual call must name a published reason (CheckCall);
//   - a new ticket takes the place the rules give it: an online one the time
//     it was issued, an offline one the place of the offline rule
//     (CheckIssued), and a kiosk's ticket only a self-declared class;
//   - a reinstated ticket is placed where the reinstatement rule puts it
//     (CheckReinstated);
//   - an application for a lottery place is taken before its day's
//     applications close, they close no earlier than published, and the
//     draw gives the places to the applications DrawWinners ranks first
//     (CheckDraw);
//   - a transfer and a staff cancel of a waiting ticket must name a published
//     reason.
//
// A nil error means the event is consistent with the rules; the error says
// what the rules do not explain. Events the rules do not govern always pass.
func (s *State) Check(h *Hall, ev Event) error {
	if ev.Time.Before(s.Clock) {
		return fmt.Errorf("%s event %d is dated %s, before the event preceding it (%s)",
			ev.Type, ev.Seq, ev.Time.Format(time.RFC3339Nano), s.Clock.Format(time.RFC3339Nano))
	}
	switch d := ev.Data.(type) {
	case *ApptAppliedData, *ApptDrawClosedData, *ApptDrawnData:
		return s.checkLottery(ev)
	case *TicketCalledData:
		return s.CheckCall(h, d, ev.Time)
	case *TicketIssuedData:
		return s.CheckIssued(h, ev.Time, d)
	case *TicketReinstatedData:
		return s.CheckReinstated(h, ev.Time, d)
	case *TicketTransferredData:
		if _, ok := h.ManualReason(d.Reason); !ok {
			return fmt.Errorf("transfer of %s at window %s without a published reason (%q)", d.Number, d.Window, d.Reason)
		}
	case *TicketCancelledData:
		if d.By == "staff" {
			if _, ok := h.ManualReason(d.Reason); !ok {
				return fmt.Errorf("staff cancel of %s at window %s without a published reason (%q)", d.Number, d.Window, d.Reason)
			}
		}
	}
	return nil
}

// CheckIssued verifies the place of a new ticket recorded at time at, on the
// state just before its event. A ticket issued online is placed at the time
// it was issued, the event's time. A ticket issued offline must come from an
// unused number of a lease of its kiosk, and be placed exactly where
// PlaceOffline puts the time its kiosk claimed. A ticket from a kiosk carries no
// priority class, one that applicants declare themselves, or, issued online,
// one the age rule gave it (ByAge, a class with a minimum age).
func (s *State) CheckIssued(h *Hall, at time.Time, d *TicketIssuedData) error {
	if d.ByAge {
		if rank, ok := h.PriorityRank(d.Priority); !ok || d.Priority == "" || h.PriorityClasses[rank].MinAge == 0 || d.Lease != "" {
			return fmt.Errorf("ticket %s has priority class %q by the age rule, which gives no such class", d.Number, d.Priority)
		}
	} else if d.Kiosk != "" && d.Priority != "" {
		if rank, ok := h.PriorityRank(d.Priority); !ok || !h.PriorityClasses[rank].SelfDeclared {
			return fmt.Errorf("ticket %s from kiosk %s has priority class %q, which a kiosk may not declare",
				d.Number, d.Kiosk, d.Priority)
		}
	}
	if d.Lease == "" {
		if !d.IssuedAt.Equal(at) || !d.ClaimedAt.IsZero() || d.Clamped != "" || !d.SeenAt.IsZero() {
			return fmt.Errorf("ticket %s issued online at %s is placed at %s", d.Number,
				at.Format(time.RFC3339Nano), d.IssuedAt.Format(time.RFC3339Nano))
		}
		return nil
	}
	l, ok := s.Leases[d.Lease]
	switch {
	case !ok:
		return fmt.Errorf("offline ticket %s names lease %s, not granted today", d.Number, d.Lease)
	case l.Kiosk != d.Kiosk:
		return fmt.Errorf("offline ticket %s synced by kiosk %q from lease %s of kiosk %s", d.Number, d.Kiosk, d.Lease, l.Kiosk)
	case !slices.Contains(l.Unused(), d.Number):
		return fmt.Errorf("offline ticket %s is not an unused number of lease %s", d.Number, d.Lease)
	case d.ClaimedAt.IsZero():
		return fmt.Errorf("offline ticket %s records no claimed time: its place cannot be checked", d.Number)
	}
	notBefore, why := s.OfflineNotBefore(l)
	if !d.SeenAt.IsZero() {
		if !d.SeenAt.After(notBefore) || d.SeenAt.After(at) {
			return fmt.Errorf("offline ticket %s records a last contact at %s, not between its kiosk's public contacts (%s) and the sync (%s)",
				d.Number, d.SeenAt.Format(time.RFC3339Nano), notBefore.Format(time.RFC3339Nano), at.Format(time.RFC3339Nano))
		}
		notBefore, why = d.SeenAt, ClampedLastContact
	}
	want, clamped := PlaceOffline(d.ClaimedAt, notBefore, why, at)
	if !d.IssuedAt.Equal(want) || d.Clamped != clamped {
		return fmt.Errorf("offline ticket %s claimed %s and is placed at %s (%q), but the placement rule places it at %s (%q)",
			d.Number, d.ClaimedAt.Format(time.RFC3339Nano), d.IssuedAt.Format(time.RFC3339Nano), d.Clamped,
			want.Format(time.RFC3339Nano), clamped)
	}
	return nil
}

// CheckReinstated verifies a reinstatement recorded at time at, on the state
// just before its event: a no-show of a service the window serves, within the
// published time, placed behind the ticket the reinstatement rule names.
func (s *State) CheckReinstated(h *Hall, at time.Time, d *TicketReinstatedData) error {
	t, ok := s.Tickets[d.Ticket]
	if !ok || t.Status != StatusNoShow {
		return fmt.Errorf("reinstatement of %s, which is not a no-show", d.Number)
	}
	if w, ok := h.Window(d.Window); !ok || !w.Serves(t.Service) {
		return fmt.Errorf("reinstatement of %s at window %s, which does not serve %s", d.Number, d.Window, t.Service)
	}
	if late := at.Sub(t.NoShowAt); late > h.Rules.ReinstateWithin {
		return fmt.Errorf("reinstatement of %s %s after its no-show, later than the published %s", d.Number, late, h.Rules.ReinstateWithin)
	}
	if want := s.reinstatedAfter(h, at, t); d.After != want {
		return fmt.Errorf("reinstatement of %s placed behind %q, but the rule places it behind %q", d.Number, d.After, want)
	}
	return nil
}
