package engine

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"time"

	"hallq/server/queue"
	"hallq/server/store"
)

// SlotView is a slot as the booking page shows it (queue.DaySlots).
type SlotView = queue.SlotView

// SlotsView lists a service's slots of one day.
type SlotsView = queue.SlotsView

// AppointmentView is what the booker may know of a booking: nothing personal
// but the document number masked. The API publishes it as wire.Appointment.
type AppointmentView struct {
	Booking  string // the opaque ID the public log names it by
	Code     string // booking code, shown and printed for the booker
	Service  string
	Slot     string
	Start    time.Time
	End      time.Time
	Status   string
	Document string // first 3 and last 2 characters
	Number   string // the ticket, once checked in
	// CheckInFrom and CheckInUntil bound the check-in; CancelUntil the
	// cancellation.
	CheckInFrom  time.Time
	CheckInUntil time.Time
	CancelUntil  time.Time
	Token        string
	// ApplyUntil is when applications close and the draw is made, for an
	// application (status "applied"); an application drawn is "booked", one
	// not drawn "not_drawn".
	ApplyUntil time.Time
	// Drawn is set for a booking whose place was won in a lottery.
	Drawn bool
	// Again is set when a request with an idempotency key found the booking
	// it made before.
	Again bool
}

// BookInput is an applicant's request for a place.
type BookInput struct {
	Service   string
	Slot      string
	DocKind   string
	DocNumber string // as typed; never stored
	// IdempotencyKey, when given, makes a retry safe: the same document,
	// service and key always name the same booking, so a client that lost
	// the answer gets its booking back instead of a second one or a refusal.
	IdempotencyKey string
	// Desk is the reception desk booking on the applicant's behalf; empty
	// for a booking made online. The same rules and limits apply.
	Desk string
}

// Slots returns a service's slots of a day with their places: released slots
// as the log counts them, and the template's slots not yet released.
func (e *Engine) Slots(service, date string) (SlotsView, error) {
	svc, ok := e.hall.Service(service)
	if !ok || svc.Appointments == nil {
		return SlotsView{}, queue.Errorf(queue.ENOTFOUND, "no service %q taking appointments", service).Zh("没有可预约的该项业务")
	}
	if _, err := time.Parse(time.DateOnly, date); err != nil {
		return SlotsView{}, queue.Errorf(queue.EINVALID, "date: %q is not YYYY-MM-DD", date).Zh("日期格式应为YYYY-MM-DD")
	}
	var out SlotsView
	e.Read(func(s *queue.State, seq uint64, _ string) {
		out = e.hall.DaySlots(s, svc, date)
		out.Seq = seq
	})
	return out, nil
}

// Book gives the applicant a place in a slot. Refusals what is committed
// already decides (not released, full, started, limit reached, suspended) are
// answered at once, without waiting for the writer (see admit); the writer
// decides the rest, and no more places than the slot has, nor bookings than an
// identity may hold, are ever given, whatever the concurrency.
func (e *Engine) Book(ctx context.Context, in BookInput) (AppointmentView, error) {
	norm, err := queue.NormalizeDocument(in.DocKind, in.DocNumber)
	if err != nil {
		return AppointmentView{}, err
	}
	if len(in.IdempotencyKey) > MaxIdempotencyKey {
		return AppointmentView{}, queue.Errorf(queue.EINVALID, "idempotency_key: at most %d characters", MaxIdempotencyKey)
	}
	identity := e.identityHash(norm)
	var id string
	if in.IdempotencyKey != "" {
		// The ID is an HMAC of the identity, service and key under a server
		// secret: as opaque in the log as a random one, and the same on a
		// retry, even after a restart.
		id = hex.EncodeToString(e.bookingMAC("idempotency", identity+"\x00"+in.Service+"\x00"+in.IdempotencyKey)[:8])
		if v, done, err := e.bookedBefore(id, in.Slot); done {
			return v, err
		}
	} else {
		var raw [8]byte
		if _, err := rand.Read(raw[:]); err != nil {
			return AppointmentView{}, err
		}
		id = hex.EncodeToString(raw[:])
	}
	release, err := e.admit(in.Service, in.Slot, identity, id)
	if err != nil {
		return AppointmentView{}, err
	}
	defer release()
	var again bool
	_, err = e.submit(ctx, &request{done: make(chan struct{}), settle: release, run: func(p *prep, s *queue.State, now time.Time) (any, []queue.Event, error) {
		if b, ok := s.Bookings[id]; ok {
			if b.Slot != in.Slot {
				return nil, nil, errKeyReused(b.Slot)
			}
			again = true // answered before; the answer was lost
			return nil, nil, nil
		}
		sl, err := s.SlotState(e.hall, now, in.Service, in.Slot)
		if err != nil {
			return nil, nil, err
		}
		svc, _ := e.hall.Service(in.Service)
		req := queue.BookRequest{Service: in.Service, Slot: in.Slot, Booking: id, Desk: in.Desk,
			SuspendedUntil: p.e.appt.suspendedUntil(svc, identity)}
		req.Active, req.SameDay, req.SameSlot = p.bookingCounts(s, identity, in.Service, sl)
		evs, err := s.Book(e.hall, now, req)
		if err != nil {
			return nil, nil, err
		}
		p.putBooker(id, bookerRecord{Identity: identity, Service: in.Service, Day: sl.Day, Masked: maskDocument(norm)})
		return nil, evs, nil
	}})
	if err != nil {
		return AppointmentView{}, err
	}
	e.rememberBooking(id)
	v, err := e.appointmentView(id, maskDocument(norm))
	v.Again = again
	return v, err
}

// bookedBefore answers, from the committed state, a request whose booking ID
// already names a booking: done is false when there is none.
func (e *Engine) bookedBefore(id, slot string) (v AppointmentView, done bool, err error) {
	var found string
	e.Read(func(s *queue.State, _ uint64, _ string) {
		if b, ok := s.Bookings[id]; ok {
			found = b.Slot
		}
	})
	switch {
	case found == "":
		return AppointmentView{}, false, nil
	case found != slot:
		return AppointmentView{}, true, errKeyReused(found)
	}
	e.rememberBooking(id)
	v, err = e.appointmentView(id, "")
	v.Again = true
	return v, true, err
}

func errKeyReused(slot string) error {
	return queue.Errorf(queue.ECONFLICT, "this idempotency_key was used for slot %s; use a new key for a new booking", slot).
		Zh("该请求标识已用于另一个时段的预约，请重新提交")
}

// bookingMAC returns an HMAC of a booking ID for one purpose, with the status
// token key: it needs no storage and cannot be guessed from the log.
func (e *Engine) bookingMAC(purpose, id string) []byte {
	m := hmac.New(sha256.New, e.tokenKey)
	m.Write([]byte(purpose))
	m.Write([]byte{0})
	m.Write([]byte(id))
	return m.Sum(nil)
}

// crockford is the alphabet of booking codes: no I, L, O or U to misread.
const crockford = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"

// BookingCode returns the code of a booking: 8 characters the booker sees and
// may quote, derived from its ID with a server secret.
func (e *Engine) BookingCode(id string) string {
	sum := e.bookingMAC("code", id)
	var v uint64
	for _, c := range sum[:5] {
		v = v<<8 | uint64(c)
	}
	out := make([]byte, 8)
	for i := 7; i >= 0; i-- {
		out[i] = crockford[v&31]
		v >>= 5
	}
	return string(out)
}

// BookingToken returns the secret token of a booking's status page.
func (e *Engine) BookingToken(id string) string {
	return base64.RawURLEncoding.EncodeToString(e.bookingMAC("token", id)[:16])
}

// rememberBooking adds a booking's token and code to the links known.
func (e *Engine) rememberBooking(id string) {
	token, code := e.BookingToken(id), e.BookingCode(id)
	e.bookingsMu.Lock()
	e.bookingLinks["t:"+token] = id
	e.bookingLinks["c:"+code] = id
	e.bookingsMu.Unlock()
}

func (e *Engine) bookingByLink(link string) (string, bool) {
	e.bookingsMu.Lock()
	defer e.bookingsMu.Unlock()
	id, ok := e.bookingLinks[link]
	return id, ok
}

var errNoBooking = queue.Errorf(queue.ENOTFOUND, "no booking for this link").Zh("未找到该预约")

// appointmentView describes a committed booking; masked is the document as
// shown back, "" to read it from the private record.
func (e *Engine) appointmentView(id, masked string) (AppointmentView, error) {
	var v AppointmentView
	found := false
	e.Read(func(s *queue.State, _ uint64, _ string) {
		b, ok := s.Bookings[id]
		if !ok {
			return
		}
		sl := s.Slots[b.Slot]
		found = true
		v = AppointmentView{Booking: id, Service: b.Service, Slot: b.Slot, Start: sl.Start, End: sl.End, Status: b.Status, Drawn: b.Drawn}
		_, _, v.CheckInUntil = e.hall.CheckInWindow(b, sl)
		v.CheckInFrom, _, _ = e.hall.CheckInWindow(b, sl)
		v.CancelUntil = sl.Start
		if svc, ok := e.hall.Service(b.Service); ok && svc.Appointments != nil {
			v.CancelUntil = sl.Start.Add(-svc.Appointments.CancelBefore)
		}
		if t, ok := s.Tickets[b.Ticket]; ok {
			v.Number = t.Number
		}
		if l := s.LotteryOf(b.Service, b.Day); l != nil && b.Status == queue.BookingApplied {
			v.ApplyUntil = l.ApplyUntil
		}
	})
	if !found {
		return AppointmentView{}, errNoBooking
	}
	v.Code, v.Token = e.BookingCode(id), e.BookingToken(id)
	v.Document = masked
	if masked == "" {
		_ = e.store.View(func(tx *store.Tx) error {
			if raw := tx.Get(store.BucketBookings, []byte(id)); raw != nil {
				var rec bookerRecord
				if json.Unmarshal(raw, &rec) == nil {
					v.Document = rec.Masked
				}
			}
			return nil
		})
	}
	return v, nil
}

// AppointmentByToken returns the booking whose status token is given.
func (e *Engine) AppointmentByToken(token string) (AppointmentView, error) {
	id, ok := e.bookingByLink("t:" + token)
	if !ok {
		return AppointmentView{}, errNoBooking
	}
	return e.appointmentView(id, "")
}

// CancelAppointment gives a booking's place back, at its booker's request.
func (e *Engine) CancelAppointment(ctx context.Context, token string) (AppointmentView, error) {
	id, ok := e.bookingByLink("t:" + token)
	if !ok {
		return AppointmentView{}, errNoBooking
	}
	if _, err := e.do(ctx, func(_ *prep, s *queue.State, now time.Time) (any, []queue.Event, error) {
		evs, err := s.CancelBooking(e.hall, now, id)
		return nil, evs, err
	}, nil); err != nil {
		return AppointmentView{}, err
	}
	return e.appointmentView(id, "")
}

// Tick writes the appointment events that time made due: releases, missed
// appointments and the closing of lottery applications, then the draws of the
// lotteries closed. Misses count against the booker's identity, privately.
func (e *Engine) Tick(ctx context.Context) error {
	_, err := e.do(ctx, func(p *prep, s *queue.State, now time.Time) (any, []queue.Event, error) {
		evs := s.AppointmentsDue(e.hall, now)
		for _, ev := range evs {
			if d, ok := ev.Data.(*queue.ApptMissedData); ok {
				p.putMiss(e.hall, d.Booking, s.Slots[d.Slot].Start)
			}
		}
		return nil, evs, nil
	}, nil)
	if err != nil {
		return err
	}
	return e.draw(ctx)
}

// draw draws every lottery whose applications are closed. The seed is the
// hash of the closing event, read from the committed log: the closing and the
// draw are two commits, so that the seed is fixed before anything is drawn.
func (e *Engine) draw(ctx context.Context) error {
	var due []*queue.Lottery
	e.Read(func(s *queue.State, _ uint64, _ string) { due = s.LotteriesToDraw() })
	for _, l := range due {
		rec, err := e.store.Event(l.ClosedSeq)
		if err != nil {
			return fmt.Errorf("engine: seed of the draw of %s on %s: %w", l.Service, l.Day, err)
		}
		if _, err := e.do(ctx, func(_ *prep, s *queue.State, now time.Time) (any, []queue.Event, error) {
			if cur := s.LotteryOf(l.Service, l.Day); cur == nil || cur.Drawn {
				return nil, nil, nil // drawn meanwhile
			}
			evs, err := s.Draw(now, l.Service, l.Day, rec.Hash)
			return nil, evs, err
		}, nil); err != nil {
			return err
		}
		e.log.Info("lottery drawn", "service", l.Service, "day", l.Day, "seed_seq", l.ClosedSeq, "seed", rec.Hash)
	}
	return nil
}

// appointmentClock runs Tick whenever the committed state has appointment
// events due, checking every second, until the engine stops.
func (e *Engine) appointmentClock() {
	has := false
	for i := range e.hall.Services {
		has = has || e.hall.Services[i].Appointments != nil
	}
	if !has {
		return
	}
	t := time.NewTicker(time.Second)
	defer t.Stop()
	for {
		due := false
		now := e.opts.Now()
		e.Read(func(s *queue.State, _ uint64, _ string) {
			due = len(s.AppointmentsDue(e.hall, now)) > 0 || len(s.LotteriesToDraw()) > 0
		})
		if due {
			if err := e.Tick(context.Background()); err != nil && queue.ErrorCode(err) != queue.EUNAVAILABLE {
				e.log.Error("appointment clock", "err", err)
			}
		}
		select {
		case <-t.C:
		case <-e.stop:
			return
		}
	}
}
