package engine

import (
	"context"
	"strings"
	"time"

	"hallq/server/queue"
)

// IssueInput is a kiosk's request for a number, or a reception desk's on an
// applicant's behalf.
type IssueInput struct {
	Kiosk          string // device ID of the kiosk
	Desk           string // or the reception desk (then Kiosk is empty)
	Service        string
	Priority       string
	DocKind        string // identity document kind, default resident ID
	DocNumber      string // identity document number as typed; never stored
	IdempotencyKey string // the kiosk's key for this request; retries reuse it
	// Admit, if set, is asked on the writer's goroutine before a new ticket
	// is issued, never for a retry of a request that got its ticket (that
	// retry always gets it); false refuses the request with ERATE.
	Admit func() bool
}

// TicketView is what an applicant may know of a ticket. Nothing personal.
type TicketView struct {
	ID       string `json:"id"`
	Number   string `json:"number"`
	Service  string `json:"service"`
	Priority string `json:"priority,omitempty"`
	// Appointment marks a ticket checked in from a booking; Late one checked
	// in late, waiting as a walk-in.
	Appointment bool      `json:"appointment,omitempty"`
	Late        bool      `json:"late,omitempty"`
	Status      string    `json:"status"`
	IssuedAt    time.Time `json:"issued_at"`
	Ahead       int       `json:"ahead"`
	ETASeconds  int       `json:"eta_seconds"`
	Window      string    `json:"window,omitempty"`      // while called
	LastWindow  string    `json:"last_window,omitempty"` // the window it was last called to
	CalledAt    time.Time `json:"called_at,omitzero"`
	Token       string    `json:"token,omitempty"`
	Seq         uint64    `json:"seq"`  // log position of its ticket.issued event
	Hash        string    `json:"hash"` // hash of that event
	// Reprint marks a check-in answered with the ticket the booking was
	// checked in as before.
	Reprint bool `json:"reprint,omitempty"`
	// Rating is the level the ticket was rated; RateUntil, while it may
	// still be rated on its page, the end of that time.
	Rating    string    `json:"rating,omitempty"`
	RateUntil time.Time `json:"rate_until,omitzero"`
}

// idemRecord is what the private idempotency bucket keeps of an issued ticket,
// under the day and a counter of the day's records. A record without a ticket
// is a spent key: its kiosk withdrew the request after getting no answer (see
// Withdraw and OfflineInput.Replaces).
type idemRecord struct {
	Key     string `json:"key"` // kiosk + "\x00" + idempotency key
	Ticket  string `json:"ticket"`
	Service string `json:"service"`
	// Identity is the private identity record the ticket counts against
	// (real-name services), so that a withdrawn ticket gives its place back.
	Identity string `json:"identity,omitempty"`
}

// kiosk is the device the record's key belongs to.
func (rec *idemRecord) kiosk() string {
	k, _, _ := strings.Cut(rec.Key, "\x00")
	return k
}

// appendJSON appends rec as encoding/json would encode it.
func (rec *idemRecord) appendJSON(b []byte) []byte {
	b = append(b, `{"key":`...)
	b = queue.AppendJSONString(b, rec.Key)
	b = append(b, `,"ticket":`...)
	b = queue.AppendJSONString(b, rec.Ticket)
	b = append(b, `,"service":`...)
	b = queue.AppendJSONString(b, rec.Service)
	if rec.Identity != "" {
		b = append(b, `,"identity":`...)
		b = queue.AppendJSONString(b, rec.Identity)
	}
	return append(b, '}')
}

// ErrKioskRate refuses a new ticket to a kiosk issuing faster than the hall
// allows.
var ErrKioskRate = &queue.Error{Code: "ERATE",
	Message:   "this kiosk is issuing tickets faster than the hall allows; wait a moment",
	MessageZH: "取号过于频繁，请稍候再试"}

// DeskKeyPrefix starts the private idempotency keys of reception desks, so
// that they never meet a kiosk's.
const DeskKeyPrefix = "desk:"

// MaxIdempotencyKey is the longest idempotency key accepted.
const MaxIdempotencyKey = 128

// Issue issues a number, or returns the ticket already issued for the same kiosk
// and idempotency key. The identity document, if given, is validated and only its
// HMAC is kept, privately, to enforce per-person limits.
func (e *Engine) Issue(ctx context.Context, in IssueInput) (TicketView, error) {
	if (in.Kiosk == "") == (in.Desk == "") {
		return TicketView{}, queue.Errorf(queue.EUNAUTHORIZED, "kiosk or desk not identified")
	}
	if l := len(in.IdempotencyKey); l == 0 || l > MaxIdempotencyKey {
		return TicketView{}, queue.Errorf(queue.EINVALID, "idempotency_key: 1 to %d characters required, so that a retry never issues a second ticket", MaxIdempotencyKey)
	}
	var identity, birth string
	if in.DocNumber != "" {
		norm, err := queue.NormalizeDocument(in.DocKind, in.DocNumber)
		if err != nil {
			return TicketView{}, err
		}
		identity = e.identityHash(norm)
		birth = queue.BirthDate(norm) // for the age rule only; kept nowhere
	} else if in.DocKind != "" {
		return TicketView{}, queue.Errorf(queue.EINVALID, "id_number: missing for document kind %q", in.DocKind)
	}
	idemKey := in.Kiosk + "\x00" + in.IdempotencyKey
	if in.Desk != "" {
		// Desk and device IDs may coincide; their keys must not.
		idemKey = DeskKeyPrefix + in.Desk + "\x00" + in.IdempotencyKey
	}
	r, err := e.do(ctx, func(p *prep, s *queue.State, now time.Time) (any, []queue.Event, error) {
		if rec, ok := p.idempotent(idemKey); ok {
			if rec.Ticket == "" {
				return nil, nil, queue.Errorf(queue.ECONFLICT, "idempotency_key %q belongs to a request this kiosk withdrew after it got no answer; use a new key", in.IdempotencyKey).
					Zh("该请求未获应答，已由本机撤回，请重新取号")
			}
			if rec.Service != in.Service {
				return nil, nil, queue.Errorf(queue.ECONFLICT, "idempotency_key %q was used for service %s; use a new key for a new request", in.IdempotencyKey, rec.Service)
			}
			return issueResult{id: rec.Ticket}, nil, nil
		}
		if in.Admit != nil && !in.Admit() {
			return nil, nil, ErrKioskRate
		}
		req := queue.IssueRequest{Service: in.Service, Priority: in.Priority, Kiosk: in.Kiosk, Desk: in.Desk,
			Identity: identity != "", BirthDate: birth}
		var idKey string
		if identity != "" {
			idKey = identityRecordKey(s.Day, in.Service, identity)
			req.IdentityCount = p.identityCount(idKey)
		}
		evs, iss, err := s.Issue(e.hall, now, req)
		if err != nil {
			return nil, nil, err
		}
		if idKey != "" {
			p.putIdentityCount(idKey, req.IdentityCount+1)
		}
		d := evs[0].Data.(*queue.TicketIssuedData)
		if err := p.putIdempotent(idemRecord{Key: idemKey, Ticket: d.Ticket, Service: d.Service, Identity: idKey}); err != nil {
			return nil, nil, err
		}
		return issueResult{id: d.Ticket, fresh: &iss}, evs, nil
	}, func(r *request, s *queue.State) {
		res := r.result.(issueResult)
		if v, ok := e.viewOf(s, res.id, res.fresh); ok {
			r.result = v
		} else {
			r.err = queue.Errorf(queue.ECONFLICT, "the ticket of this idempotency key, %s, belongs to an earlier day; use a new key", res.id)
		}
	})
	if err != nil {
		return TicketView{}, err
	}
	view := r.result.(TicketView)
	view.Token = e.remember(view.ID)
	if len(r.recs) > 0 {
		view.Hash = r.recs[0].Hash
	} else if rec, err := e.store.Event(view.Seq); err == nil {
		view.Hash = rec.Hash
	}
	return view, nil
}

// issueResult is what the writer tells Issue: the ticket, and for a new ticket the
// people ahead and wait the command computed when it issued it.
type issueResult struct {
	id    string
	fresh *queue.Issued
}

// ticketView describes a ticket of the committed state, without its log hash.
func (e *Engine) ticketView(id string) (TicketView, bool) {
	var v TicketView
	var ok bool
	e.Read(func(s *queue.State, _ uint64, _ string) { v, ok = e.viewOf(s, id, nil) })
	if ok {
		v.Token = e.Token(v.ID)
	}
	return v, ok
}

// viewOf describes a ticket of s, without its log hash and status token (the
// callers add the token outside the writer and the lock). With fresh, the people
// ahead and the wait are taken from the issuing command instead of being counted
// again.
func (e *Engine) viewOf(s *queue.State, id string, fresh *queue.Issued) (TicketView, bool) {
	t, found := s.Tickets[id]
	if !found {
		return TicketView{}, false
	}
	var ahead int
	var wait time.Duration
	if fresh != nil {
		ahead, wait = fresh.Ahead, fresh.Wait
	} else {
		ahead = s.Ahead(e.hall, t, e.opts.Now())
		wait = s.EstimateWait(e.hall, t.Service, ahead)
	}
	return TicketView{
		ID: t.ID, Number: t.Number, Service: t.Service, Priority: t.Priority, Status: t.Status,
		IssuedAt: t.IssuedAt, Ahead: ahead, ETASeconds: int(wait.Seconds()),
		Window: t.Window, LastWindow: t.LastWindow, CalledAt: t.CalledAt, Seq: t.IssueSeq,
		Appointment: t.Appointment != "", Late: t.Late,
		Rating: t.Rating, RateUntil: e.rateUntil(t),
	}, true
}

// TicketByToken returns the ticket whose status token is given.
func (e *Engine) TicketByToken(token string) (TicketView, error) {
	e.tokensMu.Lock()
	id, ok := e.tokens[token]
	e.tokensMu.Unlock()
	if !ok {
		// The tokens of the day may still be being made after a start (or
		// have just been added): look again once they are.
		<-e.tokensReady
		e.tokensMu.Lock()
		id, ok = e.tokens[token]
		e.tokensMu.Unlock()
	}
	if !ok {
		return TicketView{}, queue.Errorf(queue.ENOTFOUND, "no ticket for this link today; numbers are valid on the day they are issued").
			Zh("未找到该号码；号码仅在取号当日有效")
	}
	v, ok := e.ticketView(id)
	if !ok {
		return TicketView{}, queue.Errorf(queue.ENOTFOUND, "no ticket for this link today")
	}
	if rec, err := e.store.Event(v.Seq); err == nil {
		v.Hash = rec.Hash
	}
	return v, nil
}

// CancelByToken withdraws a waiting ticket at its holder's request.
func (e *Engine) CancelByToken(ctx context.Context, token string) (TicketView, error) {
	v, err := e.TicketByToken(token)
	if err != nil {
		return TicketView{}, err
	}
	if _, err := e.do(ctx, func(_ *prep, s *queue.State, now time.Time) (any, []queue.Event, error) {
		evs, err := s.Cancel(e.hall, now, v.ID, "", "", "")
		return nil, evs, err
	}, nil); err != nil {
		return TicketView{}, err
	}
	return e.TicketByToken(token)
}
