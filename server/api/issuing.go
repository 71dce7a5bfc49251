package api

import (
	"errors"
	"net/http"
	"slices"

	"hallq/server/config"
	"hallq/server/engine"
	"hallq/server/queue"
	"hallq/server/wire"
)

// issuer is who asks for a number or a check-in on the applicant's behalf:
// a kiosk, or a reception desk. Both take numbers by the same rules and at
// the same rate; only who they are and which services they offer differ.
type issuer struct {
	kiosk, desk string
	services    []string // the services offered; empty means all
}

func kioskIssuer(dev *config.Device) issuer {
	return issuer{kiosk: dev.ID, services: dev.Services}
}

func deskIssuer(d *Desk) issuer { return issuer{desk: d.ID, services: d.Services} }

// rateKey is the issuer's key in the kiosks' rate limiter; a desk's never
// meets a kiosk's.
func (by issuer) rateKey() string {
	if by.desk != "" {
		return engine.DeskKeyPrefix + by.desk
	}
	return by.kiosk
}

// offers refuses a service the issuer does not offer.
func (by issuer) offers(service string) error {
	if service == "" {
		return queue.Errorf(queue.EINVALID, "service: required").Zh("请选择业务")
	}
	if len(by.services) == 0 || slices.Contains(by.services, service) {
		return nil
	}
	if by.desk != "" {
		return queue.Errorf(queue.EFORBIDDEN, "desk %s does not issue service %s", by.desk, echo(service)).Zh("本导服台不办理该业务")
	}
	return queue.Errorf(queue.EFORBIDDEN, "kiosk %s does not offer service %s", by.kiosk, echo(service)).Zh("本机不办理该业务")
}

// issueInput turns a request for a number into the engine's input: the
// one place where a kiosk's and a desk's requests are checked.
func (s *Server) issueInput(by issuer, req wire.IssueRequest) (engine.IssueInput, error) {
	if err := by.offers(req.Service); err != nil {
		return engine.IssueInput{}, err
	}
	return engine.IssueInput{
		Kiosk: by.kiosk, Desk: by.desk, Service: req.Service, Priority: req.Priority,
		DocKind: req.IDKind, DocNumber: req.IDNumber, IdempotencyKey: req.IdempotencyKey,
		// Asked only for a new request: a retry of one that got its ticket
		// gets it, however fast the issuer retries.
		Admit: func() bool { return s.kioskLimit.allow(by.rateKey()) },
	}, nil
}

// issue issues a number for by, or writes the error and returns false.
func (s *Server) issue(w http.ResponseWriter, r *http.Request, by issuer, req wire.IssueRequest) (engine.TicketView, bool) {
	in, err := s.issueInput(by, req)
	if err == nil {
		var v engine.TicketView
		if v, err = s.engine.Issue(r.Context(), in); err == nil {
			return v, true
		}
	}
	s.writeIssueError(w, r, err)
	return engine.TicketView{}, false
}

// checkIn checks in a booking for by, or writes the error (with the
// bookings to choose from when the document has several) and returns false.
func (s *Server) checkIn(w http.ResponseWriter, r *http.Request, by issuer, req wire.CheckInRequest) (engine.TicketView, bool) {
	if !s.kioskLimit.allow(by.rateKey()) {
		s.writeIssueError(w, r, engine.ErrKioskRate)
		return engine.TicketView{}, false
	}
	if req.IDNumber == "" {
		s.writeError(w, r, queue.Errorf(queue.EINVALID, "id_number: the booker's document is required to check in").Zh("签到须提供预约时使用的证件号码"))
		return engine.TicketView{}, false
	}
	v, err := s.engine.CheckIn(r.Context(), engine.CheckInInput{Kiosk: by.kiosk, Desk: by.desk, DocKind: req.IDKind, DocNumber: req.IDNumber, Code: req.Code})
	var ce *engine.ChoiceError
	if errors.As(err, &ce) {
		body := wire.ChoiceBody{Error: wire.ErrorDetail{Code: ce.Err.Code, Message: ce.Err.Message, MessageZH: ce.Err.MessageZH}}
		for _, b := range ce.Bookings {
			b.Document = ""
			body.Bookings = append(body.Bookings, s.appointmentJSON(r, b, false))
		}
		writeJSON(w, statusOf(ce.Err.Code), body)
		return engine.TicketView{}, false
	}
	if err != nil {
		s.writeError(w, r, err)
		return engine.TicketView{}, false
	}
	return v, true
}

// writeIssueError writes a refused issue or check-in; a refusal for the
// rate says when to try again.
func (s *Server) writeIssueError(w http.ResponseWriter, r *http.Request, err error) {
	if queue.ErrorCode(err) == wire.ERATE {
		w.Header().Set("Retry-After", s.kioskLimit.retryAfter())
	}
	s.writeError(w, r, err)
}
