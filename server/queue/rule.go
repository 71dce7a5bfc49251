package queue

import (
	"cmp"
	"fmt"
	"slices"
	"time"
)

// The calling rule, as published:
//
//  1. A window serves the tickets of its primary services before those of its
//     secondary services.
//  2. Among those, tickets of a priority class come first, in the order the classes
//     are listed; ordinary tickets after every class.
//  3. Then tickets checked in on time from an appointment whose slot has
//     started, by slot start. Before its slot starts such a ticket waits in
//     the ordinary order at its slot's start; a ticket checked in late waits
//     as a walk-in from the time of check-in.
//  4. Then transferred tickets, which keep the place they had.
//  5. Then by place in the order: issue time, then log sequence. A reinstated
//     ticket is placed behind the ticket named in its event.
//
// orderKey is that order, without the window tier, at an instant.
type orderKey struct {
	rank        int
	appointment int // 0 for a checked-in appointment whose slot has started
	transferred int // 0 for a transferred ticket, 1 otherwise
	at          time.Time
	seq, sub    uint64
}

func (h *Hall) key(t *Ticket, now time.Time) orderKey {
	rank, ok := h.PriorityRank(t.Priority)
	if !ok {
		rank = len(h.PriorityClasses) // a class removed from the configuration
	}
	k := orderKey{rank: rank, appointment: 1, transferred: 1, at: t.OrderAt, seq: t.OrderSeq, sub: t.OrderSub}
	if t.appointmentDue(now) {
		k.appointment = 0
	}
	if t.Transferred {
		k.transferred = 0
	}
	return k
}

// appointmentDue reports whether t was checked in on time from a booking
// whose slot has started by now.
func (t *Ticket) appointmentDue(now time.Time) bool {
	return t.Appointment != "" && !t.Late && !now.Before(t.SlotStart)
}

func compareKeys(a, b orderKey) int {
	return cmp.Or(
		cmp.Compare(a.rank, b.rank),
		cmp.Compare(a.appointment, b.appointment),
		cmp.Compare(a.transferred, b.transferred),
		a.at.Compare(b.at),
		cmp.Compare(a.seq, b.seq),
		cmp.Compare(a.sub, b.sub),
	)
}

// Next returns the ticket the calling rule picks for a window and the reason of
// the call, or nil if no ticket the window serves is waiting. It is a pure
// function of the state, the hall and the instant of the call.
func (s *State) Next(h *Hall, window string, now time.Time) (*Ticket, string) {
	w, ok := h.Window(window)
	if !ok {
		return nil, ""
	}
	for _, services := range [][]string{w.Primary, w.Secondary} {
		var best *Ticket
		var bestKey orderKey
		for _, sid := range services {
			for _, t := range s.waiting[sid] {
				k := h.key(t, now)
				if best == nil || compareKeys(k, bestKey) < 0 || compareKeys(k, bestKey) == 0 && t.IssueSeq < best.IssueSeq {
					best, bestKey = t, k
				}
			}
		}
		if best != nil {
			return best, reasonFor(best, now)
		}
	}
	return nil, ""
}

func reasonFor(t *Ticket, now time.Time) string {
	switch {
	case t.Priority != "":
		return ReasonPriority
	case t.appointmentDue(now):
		return ReasonAppointment
	case t.Transferred:
		return ReasonTransfer
	}
	return ReasonFIFO
}

// CheckCall verifies a recorded call against the rule, on the state just before
// the call's event, at the time of that event. A manual call must name a
// published reason; any other call must be exactly the rule's pick with the
// rule's reason.
func (s *State) CheckCall(h *Hall, d *TicketCalledData, at time.Time) error {
	pick, reason := s.Next(h, d.Window, at)
	if d.Reason == ReasonManual {
		if _, ok := h.ManualReason(d.ManualReason); !ok {
			return fmt.Errorf("manual call of %s at window %s without a published reason (%q)", d.Number, d.Window, d.ManualReason)
		}
		return nil
	}
	if pick == nil {
		return fmt.Errorf("call of %s at window %s, but the rule picks no ticket", d.Number, d.Window)
	}
	if pick.ID != d.Ticket || reason != d.Reason {
		return fmt.Errorf("call of %s (%s) at window %s, but the rule picks %s (%s)", d.Number, d.Reason, d.Window, pick.Number, reason)
	}
	return nil
}

// Ahead returns how many waiting tickets of the same service are before t in the
// order at now. A ticket being served or done has none ahead.
func (s *State) Ahead(h *Hall, t *Ticket, now time.Time) int {
	if t.Status != StatusWaiting {
		return 0
	}
	k := h.key(t, now)
	n := 0
	for _, u := range s.waiting[t.Service] {
		if u == t {
			continue
		}
		c := compareKeys(h.key(u, now), k)
		if c < 0 || c == 0 && u.IssueSeq < t.IssueSeq {
			n++
		}
	}
	return n
}

// aheadOfNew is Ahead for a ticket about to be issued with a priority class: every
// waiting ticket of its service with the same or a better class is ahead of it,
// but for appointments checked in on time whose slot starts after now.
func (s *State) aheadOfNew(h *Hall, service, priority string, now time.Time) int {
	rank, _ := h.PriorityRank(priority)
	n := 0
	for class, c := range s.counts[service] {
		if r, ok := h.PriorityRank(class); !ok || r <= rank {
			n += c
		}
	}
	if priority == "" {
		for _, t := range s.appts[service] {
			if !t.Late && t.SlotStart.After(now) {
				n--
			}
		}
	}
	return n
}

// AvgService returns the expected service time of a service: today's measured
// average once enough services were completed, the configured figure before.
func (s *State) AvgService(h *Hall, service string) time.Duration {
	st := s.Stats[service]
	if st != nil && st.Served >= h.Rules.MinSamples && st.Served > 0 {
		return st.ServiceTime / time.Duration(st.Served)
	}
	if svc, ok := h.Service(service); ok && svc.AvgService > 0 {
		return svc.AvgService
	}
	return DefaultAvgService
}

// Serving returns how many open (not paused) windows serve a service.
func (s *State) Serving(h *Hall, service string) int {
	n := 0
	for _, w := range h.Windows {
		if w.Serves(service) && s.Window(w.ID).Status == WindowOpen {
			n++
		}
	}
	return n
}

// EstimateWait returns the estimated wait for a ticket with ahead tickets before it
// in a service: ahead × average service time ÷ open windows serving it (at least one).
func (s *State) EstimateWait(h *Hall, service string, ahead int) time.Duration {
	if ahead <= 0 {
		return 0
	}
	windows := max(s.Serving(h, service), 1)
	return time.Duration(ahead) * s.AvgService(h, service) / time.Duration(windows)
}

// Upcoming returns the numbers the calling rule would call next at a window, in
// order, at most n of them, if nothing else changed by now.
func (s *State) Upcoming(h *Hall, window string, n int, now time.Time) []string {
	w, ok := h.Window(window)
	if !ok || n <= 0 {
		return nil
	}
	type cand struct {
		tier int
		key  orderKey
		t    *Ticket
	}
	var cs []cand
	for tier, services := range [][]string{w.Primary, w.Secondary} {
		for _, sid := range services {
			for _, t := range s.waiting[sid] {
				cs = append(cs, cand{tier, h.key(t, now), t})
			}
		}
	}
	slices.SortFunc(cs, func(a, b cand) int {
		if a.tier != b.tier {
			return a.tier - b.tier
		}
		return cmp3(compareKeys(a.key, b.key), a.t.IssueSeq, b.t.IssueSeq)
	})
	out := make([]string, 0, min(n, len(cs)))
	for _, c := range cs[:min(n, len(cs))] {
		out = append(out, c.t.Number)
	}
	return out
}
