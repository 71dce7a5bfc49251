package api

import (
	"net/http"

	"golang.org/x/time/rate"

	"hallq/server/config"
	"hallq/server/engine"
	"hallq/server/queue"
	"hallq/server/wire"
)

// leaseJSON returns a lease as its kiosk gets it, with each number's status link.
func (s *Server) leaseJSON(r *http.Request, l engine.LeaseView) wire.Lease {
	out := wire.Lease{ID: l.ID, Service: l.Service, Day: l.Day, Numbers: []wire.LeasedNumber{}}
	for _, n := range l.Numbers {
		out.Numbers = append(out.Numbers, wire.LeasedNumber{Number: n.Number, Ticket: n.Ticket, Token: n.Token,
			StatusURL: s.statusURL(r, n.Token)})
	}
	return out
}

func (s *Server) handleGrantLease(w http.ResponseWriter, r *http.Request) {
	dev, err := s.device(r, config.KindKiosk)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	var req wire.LeaseRequest
	if err := s.decode(w, r, &req); err != nil {
		s.writeError(w, r, err)
		return
	}
	if !dev.Offers(req.Service) {
		s.writeError(w, r, queue.Errorf(queue.EFORBIDDEN, "kiosk %s does not offer service %s", dev.ID, echo(req.Service)))
		return
	}
	if req.Count < 0 {
		s.writeError(w, r, queue.Errorf(queue.EINVALID, "count: must not be negative"))
		return
	}
	// A leased number is a ticket the kiosk may issue: it is drawn from the
	// kiosk's allowance of tickets_per_kiosk_per_minute when granted, so that
	// leases synced at once cannot issue faster than the kiosk could online.
	// The sync of a leased number is never refused for speed: an offline
	// kiosk's backlog was paid for when its lease was granted.
	count := req.Count
	if room := s.hall.Rules.LeaseSize - s.heldLeased(dev.ID, req.Service); count == 0 || count > room {
		count = room
	}
	var taken *rate.Reservation
	if count > 0 {
		n, res := s.kioskLimit.take(dev.ID, count)
		if n == 0 {
			w.Header().Set("Retry-After", s.kioskLimit.retryAfter())
			s.writeError(w, r, &queue.Error{Code: wire.ERATE,
				Message:   "this kiosk has issued and leased numbers faster than the hall allows; ask for a lease later",
				MessageZH: "本机取号过于频繁，请稍后再申请离线号段"})
			return
		}
		count, taken = n, res
	}
	l, err := s.engine.GrantLease(r.Context(), dev.ID, req.Service, count)
	if err != nil {
		if taken != nil {
			taken.Cancel() // nothing granted: the allowance is given back
		}
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, wire.LeaseAnswer{Lease: s.leaseJSON(r, l)})
}

// heldLeased is how many unused leased numbers of a service a kiosk holds.
func (s *Server) heldLeased(kiosk, service string) int {
	n := 0
	for _, l := range s.engine.Leases(kiosk) {
		if l.Service == service {
			n += len(l.Numbers)
		}
	}
	return n
}

func (s *Server) handleLeases(w http.ResponseWriter, r *http.Request) {
	dev, err := s.device(r, config.KindKiosk)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	out := wire.LeasesAnswer{Leases: []wire.Lease{}}
	for _, l := range s.engine.Leases(dev.ID) {
		out.Leases = append(out.Leases, s.leaseJSON(r, l))
	}
	writeJSON(w, http.StatusOK, out)
}

func (s *Server) handleSyncOffline(w http.ResponseWriter, r *http.Request) {
	dev, err := s.device(r, config.KindKiosk)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	var req wire.OfflineTicket
	if err := s.decode(w, r, &req); err != nil {
		s.writeError(w, r, err)
		return
	}
	if req.Lease == "" || req.Number == "" {
		s.writeError(w, r, queue.Errorf(queue.EINVALID, "lease and number: required"))
		return
	}
	v, replayed, err := s.engine.SyncOffline(r.Context(), engine.OfflineInput{
		Kiosk: dev.ID, Lease: req.Lease, Number: req.Number, Priority: req.Priority, IssuedAt: req.IssuedAt,
		Replaces: req.Replaces})
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	status := http.StatusCreated
	if replayed {
		status = http.StatusOK
	}
	writeJSON(w, status, s.ticketJSON(r, v, true))
}

// handleWithdraw settles a kiosk's unanswered ticket request that it could not
// replace with an offline ticket: the ticket issued for it, if it still waits,
// is withdrawn, and a key never seen is spent. The answer names the withdrawn
// number, "" when there was none; sent again, it changes nothing.
func (s *Server) handleWithdraw(w http.ResponseWriter, r *http.Request) {
	dev, err := s.device(r, config.KindKiosk)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	var req wire.WithdrawRequest
	if err := s.decode(w, r, &req); err != nil {
		s.writeError(w, r, err)
		return
	}
	number, err := s.engine.Withdraw(r.Context(), dev.ID, req.IdempotencyKey)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, wire.Withdrawn{Withdrawn: number})
}
