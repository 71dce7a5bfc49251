package engine

import (
	"context"
	"crypto/hmac"
	"errors"
	"time"

	"hallq/server/queue"
)

// CheckInInput is a kiosk's check-in of a booking by its booker's document,
// or a reception desk's on the booker's behalf.
type CheckInInput struct {
	Kiosk     string
	Desk      string // or the reception desk (then Kiosk is empty)
	DocKind   string
	DocNumber string
	Code      string // the booking chosen, when the document has several today
}

// ChoiceError refuses a check-in whose document has several bookings today:
// the applicant chooses one and the kiosk asks again with its code.
type ChoiceError struct {
	Err      *queue.Error
	Bookings []AppointmentView
}

func (e *ChoiceError) Error() string { return e.Err.Error() }

// Unwrap lets errors.As find the domain error.
func (e *ChoiceError) Unwrap() error { return e.Err }

// CheckIn turns the booking of the document's holder into a ticket. A booking
// code alone checks nothing in: the document must be the booker's. With
// several bookings today and no code, it refuses with a *ChoiceError listing
// them. A booking checked in already whose ticket still waits (or is being
// called) gives that ticket again, marked Reprint, and nothing else: a kiosk
// whose answer was lost, the network cut after the server committed, gets
// the ticket to print when the applicant tries again.
func (e *Engine) CheckIn(ctx context.Context, in CheckInInput) (TicketView, error) {
	if (in.Kiosk == "") == (in.Desk == "") {
		return TicketView{}, queue.Errorf(queue.EUNAUTHORIZED, "kiosk or desk not identified")
	}
	norm, err := queue.NormalizeDocument(in.DocKind, in.DocNumber)
	if err != nil {
		return TicketView{}, err
	}
	identity := e.identityHash(norm)
	noBooking := queue.Errorf(queue.ENOTFOUND, "no booking for this document today").Zh("该证件今日没有预约")
	var chosen string
	if in.Code != "" {
		var ok bool
		if chosen, ok = e.bookingByLink("c:" + normalizeCode(in.Code)); !ok {
			return TicketView{}, noBooking
		}
	}
	var choices []string
	var reprint bool
	r, err := e.do(ctx, func(p *prep, s *queue.State, now time.Time) (any, []queue.Event, error) {
		mine := p.e.appt.byIdentity[identity]
		if chosen != "" {
			if rec, ok := p.e.appt.bookers[chosen]; !ok || rec.Identity != identity {
				return nil, nil, noBooking
			}
			mine = []string{chosen}
		}
		today := s.BookingsOn(e.hall, s.Day, mine)
		switch {
		case len(today) == 0:
			for _, id := range mine {
				if b, ok := s.Bookings[id]; ok && b.Status == queue.BookingCheckedIn && e.hall.Day(s.Slots[b.Slot].Start) == s.Day {
					t := s.Tickets[b.Ticket]
					if t.Status == queue.StatusWaiting || t.Status == queue.StatusCalled {
						// Checked in already, and the ticket still waits: its
						// holder gets it again (a kiosk whose answer was lost
						// prints it now). Nothing changes, nothing is logged.
						reprint = true
						return b.Ticket, nil, nil
					}
					return nil, nil, queue.Errorf(queue.ECONFLICT, "this booking was checked in as number %s, which is no longer waiting", t.Number).
						Zh("该预约已签到，号码%s已不在等候中", t.Number)
				}
			}
			return nil, nil, noBooking
		case len(today) > 1:
			for _, b := range today {
				choices = append(choices, b.ID)
			}
			return nil, nil, queue.Errorf(queue.ECHOOSE, "this document has %d bookings today: choose one", len(today)).
				Zh("该证件今日有%d个预约，请选择", len(today))
		}
		if in.Desk != "" {
			evs, ticket, err := s.CheckInAtDesk(e.hall, now, today[0].ID, in.Desk)
			return ticket, evs, err
		}
		evs, ticket, err := s.CheckIn(e.hall, now, today[0].ID, in.Kiosk)
		return ticket, evs, err
	}, func(r *request, s *queue.State) {
		if v, ok := e.viewOf(s, r.result.(string), nil); ok {
			r.result = v
		}
	})
	if err != nil {
		if queue.ErrorCode(err) == queue.ECHOOSE {
			ce := &ChoiceError{}
			errors.As(err, &ce.Err)
			for _, id := range choices {
				if v, err := e.appointmentView(id, ""); err == nil {
					v.Token = "" // the status link stays the booker's
					ce.Bookings = append(ce.Bookings, v)
				}
			}
			return TicketView{}, ce
		}
		return TicketView{}, err
	}
	view := r.result.(TicketView)
	view.Token = e.remember(view.ID)
	view.Reprint = reprint
	if len(r.recs) > 0 {
		view.Hash = r.recs[len(r.recs)-1].Hash
	}
	return view, nil
}

// normalizeCode upper-cases a booking code as typed and reads the letters
// people confuse with digits as those digits.
func normalizeCode(code string) string {
	b := make([]byte, 0, len(code))
	for i := 0; i < len(code); i++ {
		c := code[i]
		switch {
		case c >= 'a' && c <= 'z':
			c -= 'a' - 'A'
		case c == ' ' || c == '-':
			continue
		}
		switch c {
		case 'O':
			c = '0'
		case 'I', 'L':
			c = '1'
		}
		b = append(b, c)
	}
	return string(b)
}

// VerifyDocument checks the document of the person served at a window against
// the booking of the ticket there, and records the outcome publicly: match or
// mismatch, never the number.
func (e *Engine) VerifyDocument(ctx context.Context, window, staff, docKind, docNumber string) (bool, error) {
	norm, err := queue.NormalizeDocument(docKind, docNumber)
	if err != nil {
		return false, err
	}
	identity := e.identityHash(norm)
	r, err := e.do(ctx, func(p *prep, s *queue.State, now time.Time) (any, []queue.Event, error) {
		match := false
		if t, ok := s.Tickets[s.Window(window).Current]; ok {
			rec, ok := p.e.appt.bookers[t.Appointment]
			match = ok && hmac.Equal([]byte(rec.Identity), []byte(identity))
		}
		evs, err := s.VerifyDocument(e.hall, now, window, staff, match)
		return match, evs, err
	}, nil)
	if err != nil {
		return false, err
	}
	return r.result.(bool), nil
}
