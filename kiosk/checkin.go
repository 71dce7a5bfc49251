package main

import (
	"context"
	"errors"
	"time"

	"hallq/server/client"
	"hallq/server/wire"
)

// Booking is one of an applicant's bookings of today, offered to choose from
// when the document checked in holds several.
type Booking struct {
	Code   string
	NameZH string
	NameEN string
	Start  time.Time // in the hall's zone
}

// Choice is a check-in the server cannot make alone: the document holds
// several bookings today and the applicant must choose one.
type Choice struct {
	Bookings []Booking
	Err      error // the server's ECHOOSE refusal
}

// Error implements error.
func (c *Choice) Error() string { return "kiosk: check-in: choose a booking: " + c.Err.Error() }

// Unwrap returns the server's refusal.
func (c *Choice) Unwrap() error { return c.Err }

// CheckIn checks in the booking of today of the applicant whose identity
// document is doc (code names the booking once the applicant chose one)
// and returns the ticket it became, printed like any other. Check-in needs
// the server: offline, or when the request gets no answer, it is refused
// (*Refusal) and nothing is issued from the kiosk's lease. A request that got
// no answer may have checked the booking in: the applicant is asked to try
// again, and the server then answers with the same ticket (Reprint), which
// is printed like a new one. A *Choice lists
// the bookings to choose from; a *Refusal carries the server's message.
func (k *Kiosk) CheckIn(ctx context.Context, doc Doc, code string) (*Issued, error) {
	k.mu.Lock()
	online, hall := k.online, k.hall
	k.mu.Unlock()
	if hall == nil {
		return nil, &Refusal{Msg: txtConnecting}
	}
	if !online {
		return nil, &Refusal{Msg: txtCheckInOffline}
	}
	rctx, cancel := context.WithTimeout(ctx, k.opts.RequestTimeout)
	tk, err := k.srv.CheckIn(rctx, wire.CheckInRequest{IDKind: doc.Kind, IDNumber: doc.Number, Code: code})
	cancel()
	if err != nil {
		if unreachable(err) {
			k.contact(false, err)
			k.log.Warn("check-in unanswered", "err", err)
			return nil, &Refusal{Msg: txtCheckInUnanswered, Err: err}
		}
		var e *client.Error
		if errors.As(err, &e) && e.Code == wire.ECHOOSE && len(e.Bookings) > 0 {
			k.mu.Lock()
			loc := k.loc
			k.mu.Unlock()
			c := &Choice{Err: err}
			for _, b := range e.Bookings {
				c.Bookings = append(c.Bookings, Booking{Code: b.Code, NameZH: b.ServiceNameZH, NameEN: b.ServiceNameEN, Start: b.Start.In(loc)})
			}
			return nil, c
		}
		k.log.Info("check-in refused", "err", err)
		return nil, &Refusal{Msg: refusalMsg(err), Err: err}
	}
	k.contact(true, nil)
	poke(k.kick)
	k.log.Info("appointment checked in", "number", tk.Number, "service", tk.Service, "late", tk.Late, "reprint", tk.Reprint, "seq", tk.Seq)
	k.mu.Lock()
	loc := k.loc
	k.mu.Unlock()
	return &Issued{Number: tk.Number, Service: tk.Service, ServiceZH: tk.ServiceNameZH, ServiceEN: tk.ServiceNameEN,
		Ahead: tk.Ahead, ETA: time.Duration(tk.ETASeconds) * time.Second, IssuedAt: tk.IssuedAt.In(loc),
		StatusURL: tk.StatusURL, Token: tk.Token, LogSeq: tk.Seq, LogHash: tk.Hash,
		CheckpointSeq: tk.CheckpointSeq, CheckpointHash: tk.CheckpointHash, Reprint: tk.Reprint}, nil
}
