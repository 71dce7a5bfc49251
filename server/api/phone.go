package api

import (
	"errors"
	"net/http"

	"hallq/server/config"
	"hallq/server/queue"
	"hallq/server/wire"
)

// Notifier keeps the phone numbers applicants leave at a kiosk or desk and
// tells them when their turn is close and when they are called
// (*notify.Notifier).
type Notifier interface {
	// Register keeps phone for a waiting ticket of today, if may allows the
	// kiosk or desk that asks.
	Register(ticket, phone string, may func(t *queue.Ticket) bool) error
}

// errNoNotifier refuses a phone number in a hall that sends no messages.
var errNoNotifier = queue.Errorf(queue.ECONFLICT, "this hall sends no text messages; no phone number is taken").Zh("本大厅未开通短信提醒")

// handlePhone keeps the phone number an applicant typed at the kiosk that
// issued their ticket: POST /api/v1/tickets/{token}/phone with the kiosk's
// token. Only that kiosk, only while the ticket waits, only once.
func (s *Server) handlePhone(w http.ResponseWriter, r *http.Request) {
	dev, err := s.device(r, config.KindKiosk)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	var req wire.PhoneRequest
	if err := s.decode(w, r, &req); err != nil {
		s.writeError(w, r, err)
		return
	}
	if s.notifier == nil {
		s.writeError(w, r, errNoNotifier)
		return
	}
	v, err := s.engine.TicketByToken(r.PathValue("token"))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	if err := s.notifier.Register(v.ID, req.Phone, func(t *queue.Ticket) bool { return t.Kiosk == dev.ID && t.Desk == "" }); err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, wire.PhoneAnswer{Registered: true})
}

// deskPhone checks the phone number of a desk's request before the ticket
// is issued, so that a mistyped number issues nothing.
func (s *Server) deskPhone(phone string) error {
	if phone == "" {
		return nil
	}
	if s.notifier == nil {
		return errNoNotifier
	}
	_, err := queue.NormalizePhone(phone)
	return err
}

// registerDeskPhone keeps the phone number for a ticket the desk issued or
// checked in. The ticket stands either way; the answer says whether the
// number was kept.
func (s *Server) registerDeskPhone(d *Desk, ticket, phone string, out *wire.DeskTicket) {
	if phone == "" {
		return
	}
	err := s.notifier.Register(ticket, phone, func(t *queue.Ticket) bool { return t.Desk == d.ID })
	var qe *queue.Error
	switch {
	case err == nil:
		out.PhoneRegistered = true
	case errors.As(err, &qe):
		out.PhoneError, out.PhoneErrorZH = qe.Message, qe.MessageZH
	default:
		s.log.Error("phone number not kept", "desk", d.ID, "ticket", ticket, "err", err)
		out.PhoneError, out.PhoneErrorZH = "the phone number could not be kept", "手机号码未能登记"
	}
}
