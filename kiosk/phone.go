package main

import (
	"context"
	"errors"
	"strings"

	"hallq/server/queue"
)

// The phone step: after a number is issued online in a hall that sends text
// messages ([notify] on the server, wire.Hall.Notify), the ticket screen
// offers to leave a mobile number for a message when the turn is close and
// when it is called. The number is checked with the server's own rule
// (queue.NormalizePhone) before it is sent, sent once to the server, and
// otherwise only held in the machine and the screen while the step is
// shown: it is never printed, logged, spoken or written to the kiosk's disk,
// and it is forgotten when the step ends. A ticket issued offline has no
// token on the server yet, so the step is not offered for it (the ticket
// screen says so).

// phoneDigits is the length of a mainland mobile number.
const phoneDigits = 11

// phoneMsg is what an applicant reads of a refusal of a phone number.
func phoneMsg(err error) msg {
	var e *queue.Error
	if errors.As(err, &e) && e.MessageZH != "" {
		return msg{e.MessageZH, strings.TrimPrefix(e.Message, "phone: ")}
	}
	return txtPhoneInvalid
}

// LeavePhone sends the mobile number an applicant typed for the ticket is,
// checked first with the server's rule; a *Refusal says why it was not
// kept. Only the ticket's number is logged, never the phone number.
func (k *Kiosk) LeavePhone(ctx context.Context, is *Issued, phone string) error {
	if is == nil || is.Offline || is.Token == "" {
		return &Refusal{Msg: txtPhoneOffline}
	}
	p, err := queue.NormalizePhone(phone)
	if err != nil {
		return &Refusal{Msg: phoneMsg(err)}
	}
	rctx, cancel := context.WithTimeout(ctx, k.opts.RequestTimeout)
	err = k.srv.LeavePhone(rctx, is.Token, p)
	cancel()
	switch {
	case err == nil:
		k.log.Info("phone number left for text messages", "number", is.Number)
		return nil
	case unreachable(err):
		k.contact(false, err)
		k.log.Warn("phone number not sent: the server cannot be reached", "number", is.Number, "err", err)
		return &Refusal{Msg: txtPhoneUnreachable, Err: err}
	}
	k.log.Info("phone number refused", "number", is.Number, "err", err)
	return &Refusal{Msg: refusalMsg(err), Err: err}
}

// StartPhone opens the phone keypad from the ticket screen, once the
// receipt is out or failed, when PhoneOffer allows and no number was kept
// for the ticket yet.
func (m *machine) StartPhone() effect {
	if m.Screen != screenTicket || m.Printing || !m.PhoneOffer || m.PhoneKept {
		return effectNone
	}
	m.Screen, m.Phone, m.PhoneErr, m.PhoneSending = screenPhone, "", msg{}, false
	return effectRender
}

// typePhone adds a digit to the phone number, up to its 11 digits.
func (m *machine) typePhone(c byte) effect {
	if m.PhoneSending || m.PhoneKept || c < '0' || c > '9' || len(m.Phone) >= phoneDigits {
		return effectNone
	}
	m.Phone += string(c)
	m.PhoneErr = msg{}
	return effectRender
}

// confirmPhone checks the number typed with the server's rule and, if it
// holds, has the app send it (effectPhone); after the number was kept it
// ends the step.
func (m *machine) confirmPhone() effect {
	switch {
	case m.PhoneSending:
		return effectNone
	case m.PhoneKept:
		return m.leavePhone()
	}
	if _, err := queue.NormalizePhone(m.Phone); err != nil {
		m.PhoneErr = phoneMsg(err)
		return effectRender
	}
	m.PhoneSending, m.PhoneErr = true, msg{}
	return effectPhone
}

// PhoneAnswered ends the sending of the flow's phone number: kept, or
// refused with why; false if the applicant is gone. A kept number is
// forgotten at once.
func (m *machine) PhoneAnswered(flow uint64, why msg, ok bool) bool {
	if flow != m.Flow || m.Screen != screenPhone || !m.PhoneSending {
		return false
	}
	m.PhoneSending = false
	if ok {
		m.Phone, m.PhoneKept = "", true
	} else {
		m.PhoneErr = why
	}
	return true
}

// leavePhone ends the phone step (skip, or done after the number was kept):
// back to the ticket screen when the receipt did not print, so that its QR
// code is seen again, else home. The number typed is forgotten either way.
func (m *machine) leavePhone() effect {
	if m.PhoneSending {
		return effectNone
	}
	m.Phone, m.PhoneErr = "", msg{}
	if m.PrintFailed {
		m.Screen = screenTicket
		return effectRender
	}
	return m.home()
}

// groupPhone shows a phone number being typed in the groups people read it
// in: 138 0013 8000.
func groupPhone(p string) string {
	var b strings.Builder
	for i := range len(p) {
		if i == 3 || i == 7 {
			b.WriteByte(' ')
		}
		b.WriteByte(p[i])
	}
	return b.String()
}
