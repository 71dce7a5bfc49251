package queue

import (
	"fmt"
	"maps"
	"time"
)

// Event types of appointments. None carries anything personal: a booking is
// named by an opaque ID that the server chose at random.
const (
	TypeApptReleased  = "appointment.released"
	TypeApptBooked    = "appointment.booked"
	TypeApptCancelled = "appointment.cancelled"
	TypeApptCheckedIn = "appointment.checked_in"
	TypeApptMissed    = "appointment.missed"
	TypeApptVerified  = "appointment.verified"
)

// ReasonAppointment is the reason of a call of a checked-in appointment whose
// slot has started.
const ReasonAppointment = "appointment"

// Booking statuses.
const (
	BookingBooked    = "booked"
	BookingCancelled = "cancelled"
	BookingCheckedIn = "checked_in"
	BookingMissed    = "missed"
)

// ApptReleasedData publishes a day's slots of a service and their places.
type ApptReleasedData struct {
	Service string     `json:"service"`
	Day     string     `json:"day"`
	Slots   []SlotSpec `json:"slots"`
	// ApplyUntil is set for a day drawn by lottery: applications are taken
	// until then, and the places drawn after (see Lottery).
	ApplyUntil time.Time `json:"apply_until,omitzero"`
}

// ApptBookedData records that a booking took one place of a slot.
type ApptBookedData struct {
	Booking string `json:"booking"`
	Service string `json:"service"`
	Slot    string `json:"slot"`
	// Desk is the reception desk whose staff booked on the applicant's
	// behalf; empty for a booking made online. It names the desk, never
	// the staff member or the person.
	Desk string `json:"desk,omitempty"`
}

// ApptCancelledData returns a booking's place to its slot.
type ApptCancelledData struct {
	Booking string `json:"booking"`
	Slot    string `json:"slot"`
	By      string `json:"by"` // "applicant"
}

// ApptCheckedInData turns a booking into a ticket; the ticket.issued event of
// that ticket follows it. Late is set for a check-in after the on-time window:
// the ticket then waits as a walk-in from the time of check-in.
type ApptCheckedInData struct {
	Booking string `json:"booking"`
	Slot    string `json:"slot"`
	Ticket  string `json:"ticket"`
	Late    bool   `json:"late,omitempty"`
}

// ApptMissedData records a booking not checked in before its check-in window
// closed. Its place stays taken: the slot is over.
type ApptMissedData struct {
	Booking string `json:"booking"`
	Slot    string `json:"slot"`
}

// ApptVerifiedData records that staff checked the document of the person at a
// window against the booking of the ticket served there: match or not, never
// the number.
type ApptVerifiedData struct {
	Ticket string `json:"ticket"`
	Number string `json:"number"`
	Window string `json:"window"`
	Match  bool   `json:"match"`
	Staff  string `json:"staff,omitempty"`
}

// Slot is a released slot and the places taken in it.
type Slot struct {
	ID       string    `json:"id"`
	Service  string    `json:"service"`
	Day      string    `json:"day"`
	Start    time.Time `json:"start"`
	End      time.Time `json:"end"`
	Capacity int       `json:"capacity"`
	Taken    int       `json:"taken"` // booked, checked in or missed
	// Applied counts the applications for the slot's places on a lottery
	// day, withdrawn ones excepted.
	Applied int `json:"applied,omitempty"`
}

// Remaining returns the places of the slot still free.
func (sl *Slot) Remaining() int { return max(sl.Capacity-sl.Taken, 0) }

// Booking is one booked place, as the public log knows it.
type Booking struct {
	ID       string    `json:"id"`
	Service  string    `json:"service"`
	Slot     string    `json:"slot"`
	Day      string    `json:"day"`
	Status   string    `json:"status"`
	BookedAt time.Time `json:"booked_at"`
	Ticket   string    `json:"ticket,omitempty"` // once checked in
	Late     bool      `json:"late,omitempty"`
	Drawn    bool      `json:"drawn,omitempty"` // the place was won in a lottery
}

// apptCounter is the key in State.Counters of a service's appointment numbers.
func apptCounter(service string) string { return service + "#appointment" }

func (s *State) initAppointments() {
	if s.Slots == nil {
		s.Slots = map[string]*Slot{}
	}
	if s.Bookings == nil {
		s.Bookings = map[string]*Booking{}
	}
	if s.Releases == nil {
		s.Releases = map[string]bool{}
	}
	if s.Lotteries == nil {
		s.Lotteries = map[string]*Lottery{}
	}
}

// Released reports whether the slots of a service's day were released.
func (s *State) Released(service, day string) bool { return s.Releases[releaseKey(service, day)] }

// releaseKey is the key in State.Releases of a service's day.
func releaseKey(service, day string) string { return service + "|" + day }

// purgeAppointments drops what is over before day: slots, releases and
// bookings whose outcome is known. Slots that still have a booking waiting for
// its missed event are kept with it. New maps replace the old, so that a copy
// made by BeforeRoll keeps the old ones.
func (s *State) purgeAppointments(day string) {
	s.initAppointments()
	keep := map[string]bool{}
	bookings := make(map[string]*Booking, len(s.Bookings))
	for id, b := range s.Bookings {
		if b.Day >= day || b.Status == BookingBooked {
			bookings[id] = b
			keep[b.Slot] = true
		}
	}
	slots := make(map[string]*Slot, len(s.Slots))
	for id, sl := range s.Slots {
		if sl.Day >= day || keep[id] {
			slots[id] = sl
		}
	}
	releases := make(map[string]bool, len(s.Releases))
	for k := range s.Releases {
		if k[len(k)-len(day):] >= day {
			releases[k] = true
		}
	}
	lotteries := make(map[string]*Lottery, len(s.Lotteries))
	for k, l := range s.Lotteries {
		if l.Day >= day {
			lotteries[k] = l
		}
	}
	s.Slots, s.Bookings, s.Releases, s.Lotteries = slots, bookings, releases, lotteries
}

// applyAppointment folds an appointment event; ok is false for other events.
func (s *State) applyAppointment(ev Event) (ok bool, err error) {
	s.initAppointments()
	if ok, err := s.applyLottery(ev); ok {
		return true, err
	}
	switch d := ev.Data.(type) {
	case *ApptReleasedData:
		k := releaseKey(d.Service, d.Day)
		if s.Releases[k] {
			return true, fmt.Errorf("slots of %s on %s released twice", d.Service, d.Day)
		}
		for _, sp := range d.Slots {
			if _, dup := s.Slots[sp.ID]; dup {
				return true, fmt.Errorf("slot %s released twice", sp.ID)
			}
			if sp.Capacity < 0 {
				return true, fmt.Errorf("slot %s has a negative capacity", sp.ID)
			}
		}
		for _, sp := range d.Slots {
			s.Slots[sp.ID] = &Slot{ID: sp.ID, Service: d.Service, Day: d.Day, Start: sp.Start, End: sp.End, Capacity: sp.Capacity}
		}
		s.Releases[k] = true
		if !d.ApplyUntil.IsZero() {
			s.Lotteries[k] = &Lottery{Service: d.Service, Day: d.Day, ApplyUntil: d.ApplyUntil}
		}
	case *ApptBookedData:
		sl, found := s.Slots[d.Slot]
		if !found || sl.Service != d.Service {
			return true, fmt.Errorf("booking %s of slot %s, which was not released", d.Booking, d.Slot)
		}
		if _, dup := s.Bookings[d.Booking]; dup {
			return true, fmt.Errorf("booking %s made twice", d.Booking)
		}
		if sl.Taken >= sl.Capacity {
			return true, fmt.Errorf("booking %s of slot %s beyond its %d places", d.Booking, d.Slot, sl.Capacity)
		}
		sl.Taken++
		s.Bookings[d.Booking] = &Booking{ID: d.Booking, Service: d.Service, Slot: d.Slot, Day: sl.Day,
			Status: BookingBooked, BookedAt: ev.Time}
	case *ApptCancelledData:
		if b, ok := s.Bookings[d.Booking]; ok && b.Slot == d.Slot && b.Status == BookingApplied {
			// An application withdrawn before the draw.
			b.Status = BookingCancelled
			s.Slots[b.Slot].Applied--
			return true, nil
		}
		b, sl, err := s.activeBooking(d.Booking, d.Slot)
		if err != nil {
			return true, err
		}
		b.Status = BookingCancelled
		sl.Taken--
	case *ApptCheckedInData:
		b, _, err := s.activeBooking(d.Booking, d.Slot)
		if err != nil {
			return true, err
		}
		b.Status, b.Ticket, b.Late = BookingCheckedIn, d.Ticket, d.Late
	case *ApptMissedData:
		b, _, err := s.activeBooking(d.Booking, d.Slot)
		if err != nil {
			return true, err
		}
		b.Status = BookingMissed
	case *ApptVerifiedData:
		t, err := s.current(d.Ticket, d.Window)
		if err != nil {
			return true, err
		}
		if t.Appointment == "" {
			return true, fmt.Errorf("ticket %s is not an appointment", t.Number)
		}
		t.Verified = "mismatch"
		if d.Match {
			t.Verified = "match"
		}
	default:
		return false, nil
	}
	return true, nil
}

// activeBooking returns a booking still waiting for its check-in, and its slot.
func (s *State) activeBooking(id, slot string) (*Booking, *Slot, error) {
	b, ok := s.Bookings[id]
	if !ok {
		return nil, nil, fmt.Errorf("unknown booking %q", id)
	}
	if b.Slot != slot {
		return nil, nil, fmt.Errorf("booking %s is of slot %s, not %s", id, b.Slot, slot)
	}
	if b.Status != BookingBooked {
		return nil, nil, fmt.Errorf("booking %s is %s", id, b.Status)
	}
	return b, s.Slots[b.Slot], nil
}

// issueAppointment completes a ticket.issued event of a checked-in booking.
func (s *State) issueAppointment(t *Ticket) error {
	b, ok := s.Bookings[t.Appointment]
	if !ok || b.Status != BookingCheckedIn || b.Ticket != t.ID {
		return fmt.Errorf("ticket %s of booking %q, which was not checked in for it", t.Number, t.Appointment)
	}
	sl, ok := s.Slots[b.Slot]
	if !ok {
		return fmt.Errorf("ticket %s of booking %s, whose slot is unknown", t.Number, b.ID)
	}
	t.SlotStart, t.Late = sl.Start, b.Late
	if !b.Late {
		// An on-time appointment waits in the ordinary order from its slot's
		// start, and before every walk-in once the slot has started.
		t.OrderAt = sl.Start
	}
	return nil
}

// cloneAppointments deep-copies the appointment maps into c.
func (s *State) cloneAppointments(c *State) {
	c.Slots = make(map[string]*Slot, len(s.Slots))
	for k, v := range s.Slots {
		cp := *v
		c.Slots[k] = &cp
	}
	c.Bookings = make(map[string]*Booking, len(s.Bookings))
	for k, v := range s.Bookings {
		cp := *v
		c.Bookings[k] = &cp
	}
	c.Releases = maps.Clone(s.Releases)
	s.cloneLotteries(c)
	c.initAppointments()
}
