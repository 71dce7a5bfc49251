package api

import (
	"context"
	"net/http"
	"slices"
	"time"

	"hallq/printer"
	"hallq/server/config"
	"hallq/server/engine"
	"hallq/server/queue"
	"hallq/server/wire"
)

// DeskPrinter is a reception desk's receipt printer.
type DeskPrinter interface {
	PrintTicket(ctx context.Context, t printer.Ticket) (printer.Status, error)
}

// Desk is a reception desk (导服台), where staff of the reception role issue
// numbers and check in bookings on applicants' behalf.
type Desk struct {
	ID             string
	NameZH, NameEN string
	Services       []string    // the services it issues; empty means all
	Printer        DeskPrinter // nil: the desk shows numbers to read out
}

// printTimeout bounds printing a desk's receipt, so that a printer that does
// not answer does not hold the staff member's request.
const printTimeout = 10 * time.Second

// desk returns the reception desk of a request's session: signed in with the
// reception role to a desk that exists. Every other session, and every
// device token, is refused.
func (s *Server) desk(r *http.Request, mutating bool) (*Desk, error) {
	sess, st, err := s.session(r, mutating)
	if err != nil {
		return nil, err
	}
	if st.Role != config.RoleReception || sess.Desk == "" || !slices.Contains(st.Desks, sess.Desk) {
		return nil, queue.Errorf(queue.EFORBIDDEN, "only reception staff signed in to a desk issue numbers on an applicant's behalf").
			Zh("只有登录导服台的导服人员可以代办取号")
	}
	d, ok := s.desks[sess.Desk]
	if !ok {
		return nil, queue.Errorf(queue.EFORBIDDEN, "desk %s is not configured; sign in again", sess.Desk).Zh("该导服台已不存在，请重新登录")
	}
	return d, nil
}

func (s *Server) handleDesk(w http.ResponseWriter, r *http.Request) {
	d, err := s.desk(r, false)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, wire.Desk{ID: d.ID, NameZH: d.NameZH, NameEN: d.NameEN, Services: d.Services, Printer: d.Printer != nil})
}

func (s *Server) handleDeskIssue(w http.ResponseWriter, r *http.Request) {
	d, err := s.desk(r, true)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	var req wire.DeskIssueRequest
	if err := s.decode(w, r, &req); err != nil {
		s.writeError(w, r, err)
		return
	}
	if err := s.deskPhone(req.Phone); err != nil {
		s.writeError(w, r, err)
		return
	}
	v, ok := s.issue(w, r, deskIssuer(d), req.IssueRequest)
	if !ok {
		return
	}
	s.answerDesk(w, r, d, v, req.Print, req.Phone)
}

func (s *Server) handleDeskCheckIn(w http.ResponseWriter, r *http.Request) {
	d, err := s.desk(r, true)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	var req wire.DeskCheckInRequest
	if err := s.decode(w, r, &req); err != nil {
		s.writeError(w, r, err)
		return
	}
	if err := s.deskPhone(req.Phone); err != nil {
		s.writeError(w, r, err)
		return
	}
	v, ok := s.checkIn(w, r, deskIssuer(d), req.CheckInRequest)
	if !ok {
		return
	}
	s.answerDesk(w, r, d, v, req.Print, req.Phone)
}

// handleDeskBook books an appointment on an applicant's behalf: the same
// rules and limits as /book, at the rate of a kiosk; the event names the
// desk.
func (s *Server) handleDeskBook(w http.ResponseWriter, r *http.Request) {
	d, err := s.desk(r, true)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	var req bookRequest
	if err := s.decode(w, r, &req); err != nil {
		s.writeError(w, r, err)
		return
	}
	if err := deskIssuer(d).offers(req.Service); err != nil {
		s.writeError(w, r, err)
		return
	}
	if !s.kioskLimit.allow(deskIssuer(d).rateKey()) {
		s.writeIssueError(w, r, engine.ErrKioskRate)
		return
	}
	s.book(w, r, req, d.ID)
}

// answerDesk prints the receipt of a ticket the desk issued, if asked and
// the desk has a printer, and answers with the ticket. The ticket stands
// whether or not it printed: staff then read the number out. A phone number
// asked with is kept for the hall's text messages.
func (s *Server) answerDesk(w http.ResponseWriter, r *http.Request, d *Desk, v engine.TicketView, print bool, phone string) {
	t := s.ticketJSON(r, v, true).Ticket
	out := wire.DeskTicket{Ticket: t}
	s.registerDeskPhone(d, v.ID, phone, &out)
	if print && d.Printer == nil {
		out.PrintError = "this desk has no printer"
	} else if print {
		ctx, cancel := context.WithTimeout(context.WithoutCancel(r.Context()), printTimeout)
		_, err := d.Printer.PrintTicket(ctx, printer.Ticket{
			Hall: s.hall.NameZH, ServiceZH: t.ServiceNameZH, ServiceEN: t.ServiceNameEN, Number: t.Number,
			Ahead: t.Ahead, ETA: time.Duration(t.ETASeconds) * time.Second, IssuedAt: t.IssuedAt.In(s.hall.Location),
			StatusURL: t.StatusURL, LogSeq: t.Seq, LogHash: t.Hash, CheckpointSeq: t.CheckpointSeq, CheckpointHash: t.CheckpointHash,
		})
		cancel()
		if err != nil {
			out.Printer, out.PrintError = deskPrinterState(err), err.Error()
			s.log.Warn("desk receipt not printed", "desk", d.ID, "number", t.Number, "printer", printer.Code(err), "err", err)
		} else {
			out.Printed = true
		}
	}
	writeJSON(w, http.StatusCreated, out)
}

// deskPrinterState names a print failure as a printer state.
func deskPrinterState(err error) wire.PrinterState {
	code := wire.PrinterState(printer.Code(err))
	if slices.Contains(queue.PrinterStates, code) {
		return code
	}
	return wire.PrinterFault
}
