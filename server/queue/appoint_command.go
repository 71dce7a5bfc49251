package queue

import (
	"maps"
	"slices"
	"strings"
	"time"
)

// Error codes of appointments: each refusal an applicant may meet has its own.
const (
	EFULL        Code = "EFULL"        // the slot has no place left
	ENOTRELEASED Code = "ENOTRELEASED" // the slot's places are not released yet
	ESUSPENDED   Code = "ESUSPENDED"   // too many missed appointments: booking suspended
	ETOOEARLY    Code = "ETOOEARLY"    // before the check-in window
	ETOOLATE     Code = "ETOOLATE"     // after the check-in window, or the cancellation deadline
	ECHOOSE      Code = "ECHOOSE"      // several bookings fit: the applicant must choose
)

// AppointmentsDue returns the events that the passing of time makes due at now:
// the release of every day's slots whose release time has come, and a missed
// event for every booking whose check-in window has closed unused. Every
// service's releases and misses come in a fixed order, so the same state and
// instant always give the same events.
func (s *State) AppointmentsDue(h *Hall, now time.Time) []Event {
	var evs []Event
	today := h.Day(now)
	for i := range h.Services {
		svc := &h.Services[i]
		a := svc.Appointments
		if a == nil {
			continue
		}
		for n := 0; n <= a.DaysAhead; n++ {
			day := addDays(today, n)
			if s.Releases[releaseKey(svc.ID, day)] || now.Before(h.ReleaseTime(a, day)) {
				continue
			}
			slots := h.SlotsOf(svc, day)
			if len(slots) == 0 {
				continue
			}
			d := &ApptReleasedData{Service: svc.ID, Day: day, Slots: slots}
			if a.LotteryWindow > 0 {
				d.ApplyUntil = h.ReleaseTime(a, day).Add(a.LotteryWindow).UTC()
			}
			evs = append(evs, Event{Time: now, Type: TypeApptReleased, Data: d})
		}
	}
	evs = append(evs, s.lotteriesDue(now)...)
	for _, id := range slices.Sorted(maps.Keys(s.Bookings)) {
		b := s.Bookings[id]
		if b.Status != BookingBooked {
			continue
		}
		sl := s.Slots[b.Slot]
		svc, ok := h.Service(b.Service)
		closes := sl.Start.Add(DefaultCheckInAfter)
		if ok && svc.Appointments != nil {
			closes = sl.Start.Add(svc.Appointments.LateUntil)
		}
		if now.After(closes) {
			evs = append(evs, Event{Time: now, Type: TypeApptMissed, Data: &ApptMissedData{Booking: b.ID, Slot: b.Slot}})
		}
	}
	return evs
}

// BookRequest asks for a place in a slot. The counts are those of the booker's
// identity, kept privately by the server outside the log.
type BookRequest struct {
	Service string
	Slot    string
	Booking string // the new booking's opaque ID, chosen by the server
	// Active is how many of the identity's bookings for the service wait for
	// their check-in; SameDay how many of those are on the slot's day.
	Active, SameDay int
	// SuspendedUntil is the end of the identity's suspension for missed
	// appointments, zero if none.
	SuspendedUntil time.Time
	// SameSlot is how many of the identity's applications or bookings wait
	// in the slot asked for: an identity applies for a lottery place once.
	SameSlot int
	// Desk is the reception desk that booked on the applicant's behalf;
	// empty for a booking made online.
	Desk string
}

// appointments returns a service that takes appointments.
func (h *Hall) appointments(service string) (*Service, error) {
	svc, ok := h.Service(service)
	if !ok {
		return nil, Errorf(ENOTFOUND, "no service %q", service).Zh("没有这项业务：%q", service)
	}
	if svc.Appointments == nil {
		return nil, Errorf(EINVALID, "%s takes no appointments", svc.NameEN).Zh("%s不接受预约", svc.NameZH)
	}
	return svc, nil
}

// SlotState tells whether a slot of a service can be booked: the released slot,
// or why not.
func (s *State) SlotState(h *Hall, now time.Time, service, slot string) (*Slot, error) {
	svc, err := h.appointments(service)
	if err != nil {
		return nil, err
	}
	sl, ok := s.Slots[slot]
	if !ok || sl.Service != svc.ID {
		// A slot of the template not released yet: its ID names its day.
		rest, _ := strings.CutPrefix(slot, svc.ID+"-")
		if d, err := time.Parse("20060102", rest[:min(8, len(rest))]); err == nil {
			day := d.Format(time.DateOnly)
			for _, sp := range h.SlotsOf(svc, day) {
				if at := h.ReleaseTime(svc.Appointments, day); sp.ID == slot && now.Before(sp.Start) {
					when := at.In(h.loc()).Format("2006-01-02 15:04")
					return nil, Errorf(ENOTRELEASED, "the places of %s on %s are released at %s", svc.NameEN, day, when).
						Zh("%s %s 的号源将于 %s 放出，尚未开放预约", svc.NameZH, day, when)
				}
			}
		}
		return nil, Errorf(ENOTFOUND, "no slot %q of %s", slot, svc.NameEN).Zh("没有这个预约时段")
	}
	if !now.Before(sl.Start) {
		return nil, Errorf(ETOOLATE, "slot %s has started; it can no longer be booked", slot).Zh("该时段已开始，不能再预约")
	}
	if l := s.LotteryOf(svc.ID, sl.Day); l != nil && !l.Drawn {
		if l.ClosedSeq != 0 || !now.Before(l.ApplyUntil) {
			return nil, lotteryPending(h, l)
		}
		return sl, nil // applications are taken whatever the places
	}
	if sl.Remaining() == 0 {
		return nil, Errorf(EFULL, "slot %s has no place left", slot).Zh("该时段已约满")
	}
	return sl, nil
}

// Book returns the event that gives a booking one place of a slot, or the
// refusal: not released, full, started, limit reached, suspended.
func (s *State) Book(h *Hall, now time.Time, r BookRequest) ([]Event, error) {
	sl, err := s.SlotState(h, now, r.Service, r.Slot)
	if err != nil {
		return nil, err
	}
	svc, _ := h.Service(r.Service)
	a := svc.Appointments
	if now.Before(r.SuspendedUntil) {
		until := r.SuspendedUntil.In(h.loc()).Format(time.DateOnly)
		return nil, Errorf(ESUSPENDED, "this identity missed %d appointments within %d days; booking %s is suspended until %s",
			a.NoShowLimit, int(a.NoShowWindow.Hours()/24), svc.NameEN, until).
			Zh("该证件%d天内爽约%d次，%s之前不能预约%s", int(a.NoShowWindow.Hours()/24), a.NoShowLimit, until, svc.NameZH)
	}
	if a.PerIdentityActive > 0 && r.Active >= a.PerIdentityActive {
		return nil, Errorf(ELIMIT, "this identity already holds %d booking(s) for %s, the most allowed", r.Active, svc.NameEN).
			Zh("该证件已有%d个%s预约，已达上限", r.Active, svc.NameZH)
	}
	if a.PerIdentityDaily > 0 && r.SameDay >= a.PerIdentityDaily {
		return nil, Errorf(ELIMIT, "this identity already holds %d booking(s) for %s on %s, the most allowed a day", r.SameDay, svc.NameEN, sl.Day).
			Zh("该证件%s已有%d个%s预约，已达每日上限", sl.Day, r.SameDay, svc.NameZH)
	}
	if r.Booking == "" || s.Bookings[r.Booking] != nil {
		return nil, Errorf(ECONFLICT, "booking ID %q is empty or taken; please try again", r.Booking).Zh("预约失败，请重试")
	}
	if evs, err := s.lotteryApply(h, now, r, sl); evs != nil || err != nil {
		return evs, err
	}
	return []Event{{Time: now, Type: TypeApptBooked, Data: &ApptBookedData{Booking: r.Booking, Service: svc.ID, Slot: sl.ID, Desk: r.Desk}}}, nil
}

// booking returns a booking of the state.
func (s *State) booking(id string) (*Booking, *Slot, error) {
	b, ok := s.Bookings[id]
	if !ok {
		return nil, nil, Errorf(ENOTFOUND, "no booking %q", id).Zh("未找到该预约")
	}
	return b, s.Slots[b.Slot], nil
}

var bookingStatusZH = map[string]string{BookingBooked: "已预约", BookingCancelled: "已取消", BookingCheckedIn: "已签到", BookingMissed: "已爽约",
	BookingApplied: "已申请，待抽签", BookingNotDrawn: "未中签"}

// CancelBooking returns the event that gives a booking's place back to its
// slot, at once and publicly, before the cancellation deadline.
func (s *State) CancelBooking(h *Hall, now time.Time, id string) ([]Event, error) {
	b, sl, err := s.booking(id)
	if err != nil {
		return nil, err
	}
	if b.Status == BookingApplied {
		if l := s.LotteryOf(b.Service, b.Day); l != nil && l.ClosedSeq == 0 {
			return []Event{{Time: now, Type: TypeApptCancelled, Data: &ApptCancelledData{Booking: b.ID, Slot: b.Slot, By: "applicant"}}}, nil
		}
		return nil, Errorf(ELOTTERY, "applications are closed and the draw is due; the application can no longer be withdrawn").
			Zh("申请已截止，正在抽签，不能撤回")
	}
	if b.Status != BookingBooked {
		return nil, Errorf(ECONFLICT, "the booking is %s and can no longer be cancelled", b.Status).Zh("该预约%s，不能取消", bookingStatusZH[b.Status])
	}
	var before time.Duration
	if svc, ok := h.Service(b.Service); ok && svc.Appointments != nil {
		before = svc.Appointments.CancelBefore
	}
	if deadline := sl.Start.Add(-before); !now.Before(deadline) {
		at := deadline.In(h.loc()).Format("2006-01-02 15:04")
		return nil, Errorf(ETOOLATE, "the booking could be cancelled until %s", at).Zh("预约只能在%s之前取消", at)
	}
	return []Event{{Time: now, Type: TypeApptCancelled, Data: &ApptCancelledData{Booking: b.ID, Slot: b.Slot, By: "applicant"}}}, nil
}

// CheckInWindow returns when a booking's check-in opens, when an on-time
// check-in ends, and when any check-in ends.
func (h *Hall) CheckInWindow(b *Booking, sl *Slot) (opens, onTime, closes time.Time) {
	a := &Appointments{CheckInBefore: DefaultCheckInBefore, CheckInAfter: DefaultCheckInAfter, LateUntil: DefaultCheckInAfter}
	if svc, ok := h.Service(b.Service); ok && svc.Appointments != nil {
		a = svc.Appointments
	}
	return sl.Start.Add(-a.CheckInBefore), sl.Start.Add(a.CheckInAfter), sl.Start.Add(a.LateUntil)
}

// CheckIn returns the events that turn a booking into a ticket: the check-in,
// then the ticket's issue with a number of the service's appointment prefix.
// The caller has checked the booker's document. It returns the ticket's ID.
func (s *State) CheckIn(h *Hall, now time.Time, id, kiosk string) ([]Event, string, error) {
	if err := s.checkDay(h, now); err != nil {
		return nil, "", err
	}
	b, sl, err := s.booking(id)
	if err != nil {
		return nil, "", err
	}
	if b.Status != BookingBooked {
		return nil, "", Errorf(ECONFLICT, "the booking is %s", b.Status).Zh("该预约%s", bookingStatusZH[b.Status])
	}
	// A slot belongs to the service day in which it starts: one between
	// midnight and the day's start is checked in, and numbered, in the day
	// still running, though it is listed under its calendar date.
	if day := h.Day(sl.Start); day != s.Day {
		return nil, "", Errorf(ETOOEARLY, "the booking is for service day %s, not today", day).Zh("该预约属于%s的服务日，不是今天", day)
	}
	opens, onTime, closes := h.CheckInWindow(b, sl)
	if now.Before(opens) {
		at := opens.In(h.loc()).Format("15:04")
		return nil, "", Errorf(ETOOEARLY, "check-in for this booking opens at %s", at).Zh("该预约%s起可签到", at)
	}
	if now.After(closes) {
		at := closes.In(h.loc()).Format("15:04")
		return nil, "", Errorf(ETOOLATE, "check-in for this booking closed at %s", at).Zh("该预约签到已于%s截止", at)
	}
	if !h.IsOpen(now) {
		return nil, "", Errorf(ECONFLICT, "the hall issues numbers only during opening hours (%s)", h.HoursText()).
			Zh("不在取号时间内（%s）", h.HoursText())
	}
	svc, _ := h.Service(b.Service)
	a := svc.Appointments
	if a == nil {
		return nil, "", Errorf(ECONFLICT, "%s no longer takes appointments", svc.NameEN).Zh("%s已停止预约", svc.NameZH)
	}
	next := s.Counters[apptCounter(svc.ID)] + 1
	if next > MaxNumber(svc.Digits) {
		return nil, "", Errorf(ELIMIT, "%s has issued all appointment numbers of today", svc.NameEN).Zh("%s今日预约号已用完", svc.NameZH)
	}
	number := FormatNumber(&Service{Prefix: a.Prefix, Digits: svc.Digits}, next)
	ticket := TicketID(s.Day, number)
	late := now.After(onTime)
	evs := []Event{
		{Time: now, Type: TypeApptCheckedIn, Data: &ApptCheckedInData{Booking: b.ID, Slot: b.Slot, Ticket: ticket, Late: late}},
		{Time: now, Type: TypeTicketIssued, Data: &TicketIssuedData{Ticket: ticket, Number: number, Service: svc.ID,
			Day: s.Day, Kiosk: kiosk, IssuedAt: now, Appointment: b.ID}},
	}
	return evs, ticket, nil
}

// VerifyDocument returns the event that records staff's check of the document
// of the person served at a window against the booking of the ticket: match or
// mismatch, never the number.
func (s *State) VerifyDocument(h *Hall, now time.Time, window, staff string, match bool) ([]Event, error) {
	t, err := s.serving(h, now, window)
	if err != nil {
		return nil, err
	}
	if t.Appointment == "" {
		return nil, Errorf(ECONFLICT, "number %s is not an appointment", t.Number).Zh("%s号不是预约号", t.Number)
	}
	return []Event{{Time: now, Type: TypeApptVerified, Data: &ApptVerifiedData{Ticket: t.ID, Number: t.Number,
		Window: window, Match: match, Staff: staff}}}, nil
}

// BookingsOn returns the bookings waiting for check-in among ids whose slots
// start in the service day day (see CheckIn), in slot order, for an applicant
// with several to choose from.
func (s *State) BookingsOn(h *Hall, day string, ids []string) []*Booking {
	var out []*Booking
	for _, id := range ids {
		if b, ok := s.Bookings[id]; ok && b.Status == BookingBooked && h.Day(s.Slots[b.Slot].Start) == day {
			out = append(out, b)
		}
	}
	slices.SortFunc(out, func(a, b *Booking) int {
		return s.Slots[a.Slot].Start.Compare(s.Slots[b.Slot].Start)
	})
	return out
}

// CheckInAtDesk is CheckIn by a reception desk on the booker's behalf: the
// ticket's event names the desk instead of a kiosk.
func (s *State) CheckInAtDesk(h *Hall, now time.Time, id, desk string) ([]Event, string, error) {
	evs, ticket, err := s.CheckIn(h, now, id, "")
	if err != nil {
		return nil, "", err
	}
	for _, ev := range evs {
		if d, ok := ev.Data.(*TicketIssuedData); ok {
			d.Desk = desk
		}
	}
	return evs, ticket, nil
}
