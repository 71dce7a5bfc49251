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
//  3. Then transferred tickets, which keep the place they had.
//  4. Then by place in the order: issue time, then log sequence. A reinstated
//     ticket is placed behind the ticket named in its event.
//
// orderKey is that order, without the window tier.
type orderKey struct {
	rank        int
	transferred int // 0 for a transferred ticket, 1 otherwise
	at          time.Time
	seq, sub    uint64
}

func (h *Hall) key(t *Ticket) orderKey {
	rank, ok := h.PriorityRank(t.Priority)
	if !ok {
		rank = len(h.PriorityClasses) // a class removed from the configuration
	}
	k := orderKey{rank: rank, transferred: 1, at: t.OrderAt, seq: t.OrderSeq, sub: t.OrderSub}
	if t.Transferred {
		k.transferred = 0
	}
	return k
}

func compareKeys(a, b orderKey) int {
	return cmp.Or(
		cmp.Compare(a.rank, b.rank),
		cmp.Compare(a.transferred, b.transferred),
		a.at.Compare(b.at),
		cmp.Compare(a.seq, b.seq),
		cmp.Compare(a.sub, b.sub),
	)
}

// Next returns the ticket the calling rule picks for a window and the reason of
// the call, or nil if no ticket the window serves is waiting. It is a pure
// function of the state and the hall.
func (s *State) Next(h *Hall, window string) (*Ticket, string) {
	w, ok := h.Window(window)
	if !ok {
		return nil, ""
	}
	for _, services := range [][]string{w.Primary, w.Secondary} {
		var best *Ticket
		var bestKey orderKey
		for _, sid := range services {
			for _, t := range s.waiting[sid] {
				k := h.key(t)
				if best == nil || compareKeys(k, bestKey) < 0 || compareKeys(k, bestKey) == 0 && t.IssueSeq < best.IssueSeq {
					best, bestKey = t, k
				}
			}
		}
		if best != nil {
			return best, reasonFor(h, best)
		}
	}
	return nil, ""
}

func reasonFor(h *Hall, t *Ticket) string {
	switch {
	case t.Priority != "":
		return ReasonPriority
	case t.Transferred:
		return ReasonTransfer
	}
	return ReasonFIFO
}

// CheckCall verifies a recorded call against the rule, on the state just before
// the call's event. A manual call must name a published reason; any other call
// must be exactly the rule's pick with the rule's reason.
func (s *State) CheckCall(h *Hall, d *TicketCalledData) error {
	pick, reason := s.Next(h, d.Window)
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
// order. A ticket being served or done has none ahead.
func (s *State) Ahead(h *Hall, t *Ticket) int {
	if t.Status != StatusWaiting {
		return 0
	}
	k := h.key(t)
	n := 0
	for _, u := range s.waiting[t.Service] {
		if u == t {
			continue
		}
		c := compareKeys(h.key(u), k)
		if c < 0 || c == 0 && u.IssueSeq < t.IssueSeq {
			n++
		}
	}
	return n
}

// aheadOfNew is Ahead for a ticket about to be issued with a priority class: every
// waiting ticket of its service with the same or a better class is ahead of it.
func (s *State) aheadOfNew(h *Hall, service, priority string) int {
	rank, _ := h.PriorityRank(priority)
	n := 0
	for class, c := range s.counts[service] {
		if r, ok := h.PriorityRank(class); !ok || r <= rank {
			n += c
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
// order, at most n of them, if nothing else changed.
func (s *State) Upcoming(h *Hall, window string, n int) []string {
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
				cs = append(cs, cand{tier, h.key(t), t})
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
