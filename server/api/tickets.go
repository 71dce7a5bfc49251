package api

import (
	"net/http"
	"time"

	"hallq/server/engine"
	"hallq/server/queue"
)

type issueRequest struct {
	Service        string `json:"service"`
	Priority       string `json:"priority,omitempty"`
	IDNumber       string `json:"id_number,omitempty"`
	IDKind         string `json:"id_kind,omitempty"`
	IdempotencyKey string `json:"idempotency_key"`
}

// ticketJSON is a ticket as the API returns it: nothing personal.
type ticketJSON struct {
	ID        string `json:"id"`
	Number    string `json:"number"`
	Service   string `json:"service"`
	ServiceZH string `json:"service_name_zh"`
	ServiceEN string `json:"service_name_en"`
	Priority  string `json:"priority,omitempty"`
	// Appointment marks a ticket checked in from a booking; Late one checked
	// in after the on-time window, waiting as a walk-in.
	Appointment bool      `json:"appointment,omitempty"`
	Late        bool      `json:"late,omitempty"`
	Status      string    `json:"status"`
	IssuedAt    time.Time `json:"issued_at"`
	Ahead       int       `json:"ahead"`
	ETASeconds  int       `json:"eta_seconds"`
	Window      string    `json:"window,omitempty"`
	WindowZH    string    `json:"window_name_zh,omitempty"`
	WindowEN    string    `json:"window_name_en,omitempty"`
	CalledAt    time.Time `json:"called_at,omitzero"`
	Token       string    `json:"token,omitempty"`
	StatusURL   string    `json:"status_url,omitempty"`
	Seq         uint64    `json:"seq"`
	Hash        string    `json:"hash"`
	// CheckpointSeq and CheckpointHash are what the last signed checkpoint
	// signed when the answer was made; receipts print them.
	CheckpointSeq  uint64 `json:"checkpoint_seq,omitempty"`
	CheckpointHash string `json:"checkpoint_hash,omitempty"`
}

func (s *Server) ticketJSON(r *http.Request, v engine.TicketView, withToken bool) ticketJSON {
	t := ticketJSON{
		ID: v.ID, Number: v.Number, Service: v.Service, Priority: v.Priority, Status: v.Status,
		IssuedAt: v.IssuedAt, Ahead: v.Ahead, ETASeconds: v.ETASeconds, Window: v.Window,
		CalledAt: v.CalledAt, Seq: v.Seq, Hash: v.Hash, Appointment: v.Appointment, Late: v.Late,
	}
	if svc, ok := s.hall.Service(v.Service); ok {
		t.ServiceZH, t.ServiceEN = svc.NameZH, svc.NameEN
	}
	t.CheckpointSeq, t.CheckpointHash = s.engine.LastCheckpoint()
	win := v.Window
	if win == "" {
		win = v.LastWindow
	}
	if w, ok := s.hall.Window(win); ok {
		t.WindowZH, t.WindowEN = w.NameZH, w.NameEN
	}
	if withToken {
		t.Token, t.StatusURL = v.Token, s.statusURL(r, v.Token)
	}
	return t
}

func (s *Server) handleIssue(w http.ResponseWriter, r *http.Request) {
	dev, err := s.device(r, KindKiosk)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	var req issueRequest
	if err := s.decode(w, r, &req); err != nil {
		s.writeError(w, r, err)
		return
	}
	if req.Service == "" {
		s.writeError(w, r, queue.Errorf(queue.EINVALID, "service: required").Zh("请选择业务"))
		return
	}
	if !dev.offers(req.Service) {
		s.writeError(w, r, queue.Errorf(queue.EFORBIDDEN, "kiosk %s does not offer service %s", dev.ID, echo(req.Service)))
		return
	}
	v, err := s.engine.Issue(r.Context(), engine.IssueInput{
		Kiosk: dev.ID, Service: req.Service, Priority: req.Priority,
		DocKind: req.IDKind, DocNumber: req.IDNumber, IdempotencyKey: req.IdempotencyKey,
		// Asked only for a new request: a retry of one that got its ticket
		// gets it, however fast the kiosk retries.
		Admit: func() bool { return s.kioskLimit.allow(dev.ID) },
	})
	if err != nil {
		if queue.ErrorCode(err) == "ERATE" {
			w.Header().Set("Retry-After", s.kioskLimit.retryAfter())
		}
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, map[string]ticketJSON{"ticket": s.ticketJSON(r, v, true)})
}

func (s *Server) handleTicket(w http.ResponseWriter, r *http.Request) {
	v, err := s.engine.TicketByToken(r.PathValue("token"))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]ticketJSON{"ticket": s.ticketJSON(r, v, false)})
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
	writeJSON(w, http.StatusOK, map[string]ticketJSON{"ticket": s.ticketJSON(r, v, false)})
}
