package api

import (
	"net/http"
	"sync"
	"time"

	"golang.org/x/time/rate"

	"hallq/server/config"
	"hallq/server/engine"
	"hallq/server/queue"
	"hallq/server/wire"
)

type bookRequest struct {
	Service  string `json:"service"`
	Slot     string `json:"slot"`
	IDKind   string `json:"id_kind,omitempty"`
	IDNumber string `json:"id_number"`
	// IdempotencyKey makes a retry safe: the same document, service and key
	// get the same booking back (200), never a second one.
	IdempotencyKey string `json:"idempotency_key,omitempty"`
}

type verifyRequest struct {
	IDKind   string `json:"id_kind,omitempty"`
	IDNumber string `json:"id_number"`
}

// appointmentJSON returns a booking as the API publishes it; the token and
// its link only when withToken (to the booker, as the booking is made).
func (s *Server) appointmentJSON(r *http.Request, v engine.AppointmentView, withToken bool) wire.Appointment {
	out := wire.Appointment{Booking: v.Booking, Code: v.Code, Service: v.Service, Slot: v.Slot, Start: v.Start, End: v.End,
		Status: v.Status, Document: v.Document, Number: v.Number,
		CheckInFrom: v.CheckInFrom, CheckInUntil: v.CheckInUntil, CancelUntil: v.CancelUntil,
		ApplyUntil: v.ApplyUntil, Drawn: v.Drawn}
	if svc, ok := s.hall.Service(v.Service); ok {
		out.ServiceNameZH, out.ServiceNameEN = svc.NameZH, svc.NameEN
	}
	if withToken && v.Token != "" {
		out.Token, out.StatusURL = v.Token, s.linkURL(r, "/a/"+v.Token)
	}
	return out
}

func (s *Server) handleSlots(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	v, err := s.engine.Slots(q.Get("service"), q.Get("date"))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, v)
}

func (s *Server) handleBook(w http.ResponseWriter, r *http.Request) {
	if err := s.checkOrigin(r); err != nil {
		s.writeError(w, r, err)
		return
	}
	if !s.bookLimit.allow(addressKey(s.clientAddr(r)), time.Now()) {
		s.writeError(w, r, &queue.Error{Code: wire.ERATE,
			Message:   "too many booking requests from this address; wait a minute and try again",
			MessageZH: "预约请求过于频繁，请一分钟后再试"})
		return
	}
	var req bookRequest
	if err := s.decode(w, r, &req); err != nil {
		s.writeError(w, r, err)
		return
	}
	s.book(w, r, req, "")
}

// book books a slot, online or for desk on the applicant's behalf: the same
// rules and limits either way.
func (s *Server) book(w http.ResponseWriter, r *http.Request, req bookRequest, desk string) {
	if req.IDNumber == "" {
		s.writeError(w, r, queue.Errorf(queue.EINVALID, "id_number: an identity document is required to book").Zh("预约须实名，请填写证件号码"))
		return
	}
	v, err := s.engine.Book(r.Context(), engine.BookInput{Service: req.Service, Slot: req.Slot, DocKind: req.IDKind, DocNumber: req.IDNumber,
		IdempotencyKey: req.IdempotencyKey, Desk: desk})
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	status := http.StatusCreated
	if v.Again {
		status = http.StatusOK
	}
	writeJSON(w, status, wire.AppointmentBody{Appointment: s.appointmentJSON(r, v, true)})
}

func (s *Server) handleAppointment(w http.ResponseWriter, r *http.Request) {
	v, err := s.engine.AppointmentByToken(r.PathValue("token"))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, wire.AppointmentBody{Appointment: s.appointmentJSON(r, v, false)})
}

func (s *Server) handleCancelAppointment(w http.ResponseWriter, r *http.Request) {
	if err := s.checkOrigin(r); err != nil {
		s.writeError(w, r, err)
		return
	}
	v, err := s.engine.CancelAppointment(r.Context(), r.PathValue("token"))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, wire.AppointmentBody{Appointment: s.appointmentJSON(r, v, false)})
}

func (s *Server) handleCheckIn(w http.ResponseWriter, r *http.Request) {
	dev, err := s.device(r, config.KindKiosk)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	var req wire.CheckInRequest
	if err := s.decode(w, r, &req); err != nil {
		s.writeError(w, r, err)
		return
	}
	v, ok := s.checkIn(w, r, kioskIssuer(dev), req)
	if !ok {
		return
	}
	status, answer := http.StatusCreated, s.ticketJSON(r, v, true)
	if v.Reprint {
		status, answer.Ticket.Reprint = http.StatusOK, true
	}
	writeJSON(w, status, answer)
}

func (s *Server) handleVerifyDocument(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	sess, st, err := s.session(r, true)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	if sess.Window != id {
		s.writeError(w, r, queue.Errorf(queue.EFORBIDDEN, "you are signed in to window %s, not window %s", sess.Window, clip(id, maxEcho)).
			Zh("您登录的是%s号窗口，不能操作%s号窗口", sess.Window, id))
		return
	}
	var req verifyRequest
	if err := s.decode(w, r, &req); err != nil {
		s.writeError(w, r, err)
		return
	}
	match, err := s.engine.VerifyDocument(r.Context(), id, st.Username, req.IDKind, req.IDNumber)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]bool{"match": match})
}

// addressLimiter bounds how fast each client address may book: a token bucket
// per address, refilled at perMinute a minute, holding as many. Buckets left
// full are dropped now and then, so that a stampede from many addresses does
// not keep them all.
type addressLimiter struct {
	mu        sync.Mutex
	perMinute int // the burst: requests allowed at once, and per period
	period    time.Duration
	buckets   map[string]*rate.Limiter
	swept     time.Time
}

func newAddressLimiter(perMinute int) *addressLimiter {
	return &addressLimiter{perMinute: perMinute, period: time.Minute, buckets: map[string]*rate.Limiter{}}
}

func (l *addressLimiter) allow(addr string, now time.Time) bool {
	if l.perMinute <= 0 {
		return true
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if now.Sub(l.swept) > l.period {
		for a, b := range l.buckets {
			if b.TokensAt(now) >= float64(l.perMinute) {
				delete(l.buckets, a)
			}
		}
		l.swept = now
	}
	b, ok := l.buckets[addr]
	if !ok {
		b = rate.NewLimiter(rate.Limit(float64(l.perMinute)/l.period.Seconds()), l.perMinute)
		l.buckets[addr] = b
	}
	return b.AllowN(now, 1)
}
