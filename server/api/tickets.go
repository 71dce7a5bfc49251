package api

import (
	"net/http"

	"hallq/server/config"
	"hallq/server/engine"
	"hallq/server/wire"
)

// ticketJSON returns a ticket as the API answers with it: nothing personal,
// and its status token only to the kiosk that issued it.
func (s *Server) ticketJSON(r *http.Request, v engine.TicketView, withToken bool) wire.TicketAnswer {
	t := wire.Ticket{
		ID: v.ID, Number: v.Number, Service: v.Service, Priority: v.Priority, Status: v.Status,
		IssuedAt: v.IssuedAt, Ahead: v.Ahead, ETASeconds: v.ETASeconds, Window: v.Window,
		CalledAt: v.CalledAt, Seq: v.Seq, Hash: v.Hash, Appointment: v.Appointment, Late: v.Late,
		Rating: v.Rating, RateUntil: v.RateUntil,
	}
	if svc, ok := s.hall.Service(v.Service); ok {
		t.ServiceNameZH, t.ServiceNameEN = svc.NameZH, svc.NameEN
	}
	t.CheckpointSeq, t.CheckpointHash = s.engine.LastCheckpoint()
	win := v.Window
	if win == "" {
		win = v.LastWindow
	}
	if w, ok := s.hall.Window(win); ok {
		t.WindowNameZH, t.WindowNameEN = w.NameZH, w.NameEN
	}
	if withToken {
		t.Token, t.StatusURL = v.Token, s.statusURL(r, v.Token)
	}
	return wire.TicketAnswer{Ticket: t}
}

func (s *Server) handleIssue(w http.ResponseWriter, r *http.Request) {
	dev, err := s.device(r, config.KindKiosk)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	var req wire.IssueRequest
	if err := s.decode(w, r, &req); err != nil {
		s.writeError(w, r, err)
		return
	}
	v, ok := s.issue(w, r, kioskIssuer(dev), req)
	if !ok {
		return
	}
	writeJSON(w, http.StatusCreated, s.ticketJSON(r, v, true))
}

func (s *Server) handleTicket(w http.ResponseWriter, r *http.Request) {
	v, err := s.engine.TicketByToken(r.PathValue("token"))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, s.ticketJSON(r, v, false))
}

func (s *Server) handleCancel(w http.ResponseWriter, r *http.Request) {
	if err := s.checkOrigin(r); err != nil {
		s.writeError(w, r, err)
		return
	}
	v, err := s.engine.CancelByToken(r.Context(), r.PathValue("token"))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, s.ticketJSON(r, v, false))
}
