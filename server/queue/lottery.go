package queue

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"
)

// A service in lottery mode (Appointments.LotteryWindow > 0) does not give a
// released day's places to the first to book. From the release time, for
// LotteryWindow, it takes applications, one place asked for per application
// (appointment.applied). When the window has closed the server writes
// appointment.applications_closed; the hash of that event in the log's chain
// is the seed of the draw, which no one could know before the window closed:
// it depends on every event before it, on the closing event's own time, and is
// fixed once written. The draw (appointment.drawn) then gives each slot's
// places to the applications of that slot that rank first by DrawKey; the
// others are not drawn. Places left over, and places given back later, are
// booked first come first served as in any other service.
//
// Anyone holding the public log can re-run the draw: DrawWinners is a pure
// function of the seed, the slot's places and the slot's applications.

// Event types of the lottery.
const (
	TypeApptApplied    = "appointment.applied"
	TypeApptDrawClosed = "appointment.applications_closed"
	TypeApptDrawn      = "appointment.drawn"
)

// Statuses of an application: waiting for the draw, or not drawn. A drawn
// application becomes a booking (BookingBooked) under the same ID.
const (
	BookingApplied  = "applied"
	BookingNotDrawn = "not_drawn"
)

// ELOTTERY refuses a booking of a lottery day whose places are being drawn.
const ELOTTERY Code = "ELOTTERY"

// ApptAppliedData records an application for a place in a slot of a lottery
// day. Booking is the application's opaque ID, and the booking's once drawn.
type ApptAppliedData struct {
	Booking string `json:"booking"`
	Service string `json:"service"`
	Slot    string `json:"slot"`
}

// ApptDrawClosedData closes the applications of a service's day. The hash of
// this event in the log is the seed of the day's draw.
type ApptDrawClosedData struct {
	Service      string `json:"service"`
	Day          string `json:"day"`
	Applications int    `json:"applications"`
}

// ApptDrawnData is the draw of a service's day: the seed (the hash of the
// applications_closed event at SeedSeq) and each slot's winners, in the order
// they were drawn.
type ApptDrawnData struct {
	Service string      `json:"service"`
	Day     string      `json:"day"`
	SeedSeq uint64      `json:"seed_seq"`
	Seed    string      `json:"seed"`
	Slots   []DrawnSlot `json:"slots"`
}

// DrawnSlot is one slot's draw: its free places, how many applied, and the
// applications drawn.
type DrawnSlot struct {
	Slot         string   `json:"slot"`
	Places       int      `json:"places"`
	Applications int      `json:"applications"`
	Winners      []string `json:"winners"`
}

// Lottery is a lottery day of a service, as the public log knows it.
type Lottery struct {
	Service    string    `json:"service"`
	Day        string    `json:"day"`
	ApplyUntil time.Time `json:"apply_until"`
	// ClosedSeq is the seq of the applications_closed event, 0 while
	// applications are taken.
	ClosedSeq uint64 `json:"closed_seq,omitempty"`
	Drawn     bool   `json:"drawn,omitempty"`
}

// Lottery states of a slot or a day, as the booking page shows them.
const (
	LotteryOpen   = "open"   // applications are taken
	LotteryClosed = "closed" // applications are closed; the draw is due
	LotteryDrawn  = "drawn"  // drawn: places left are booked first come
)

// State returns the lottery's state.
func (l *Lottery) State() string {
	switch {
	case l.Drawn:
		return LotteryDrawn
	case l.ClosedSeq != 0:
		return LotteryClosed
	}
	return LotteryOpen
}

// LotteryOf returns the lottery of a service's day, nil if the day is not
// drawn by lottery or not released.
func (s *State) LotteryOf(service, day string) *Lottery {
	return s.Lotteries[releaseKey(service, day)]
}

// DrawKey returns the rank of an application in a draw: the SHA-256 of the
// seed (64 lower-case hex digits), a colon and the application's ID, all as
// ASCII text, in lower-case hex. Lower keys are drawn first.
func DrawKey(seed, application string) string {
	sum := sha256.Sum256([]byte(seed + ":" + application))
	return hex.EncodeToString(sum[:])
}

// DrawWinners returns the applications of one slot that win its places: all
// of them if they are no more than the places, else the places first ones
// ordered by DrawKey (then by ID, should two keys ever be equal). Winners come
// in the order they were drawn.
func DrawWinners(seed string, places int, applications []string) []string {
	type ranked struct{ key, id string }
	rs := make([]ranked, len(applications))
	for i, id := range applications {
		rs[i] = ranked{DrawKey(seed, id), id}
	}
	slices.SortFunc(rs, func(a, b ranked) int {
		if c := strings.Compare(a.key, b.key); c != 0 {
			return c
		}
		return strings.Compare(a.id, b.id)
	})
	out := []string{}
	for i := 0; i < len(rs) && i < places; i++ {
		out = append(out, rs[i].id)
	}
	return out
}

// LotteriesToDraw returns the lotteries closed and not yet drawn, in a fixed
// order.
func (s *State) LotteriesToDraw() []*Lottery {
	var out []*Lottery
	for _, k := range slices.Sorted(maps.Keys(s.Lotteries)) {
		if l := s.Lotteries[k]; l.ClosedSeq != 0 && !l.Drawn {
			out = append(out, l)
		}
	}
	return out
}

// lotteriesDue returns the applications_closed events due at now.
func (s *State) lotteriesDue(now time.Time) []Event {
	var evs []Event
	for _, k := range slices.Sorted(maps.Keys(s.Lotteries)) {
		l := s.Lotteries[k]
		if l.ClosedSeq == 0 && !now.Before(l.ApplyUntil) {
			n := 0
			for _, b := range s.Bookings {
				if b.Service == l.Service && b.Day == l.Day && b.Status == BookingApplied {
					n++
				}
			}
			evs = append(evs, Event{Time: now, Type: TypeApptDrawClosed, Data: &ApptDrawClosedData{Service: l.Service, Day: l.Day, Applications: n}})
		}
	}
	return evs
}

// Draw returns the draw of a closed lottery, with the seed the hash of its
// applications_closed event: for every slot of the day, in the order of slot
// IDs, its free places drawn among its applications (DrawWinners).
func (s *State) Draw(now time.Time, service, day, seed string) ([]Event, error) {
	l := s.LotteryOf(service, day)
	if l == nil || l.ClosedSeq == 0 || l.Drawn {
		return nil, Errorf(ECONFLICT, "no closed draw of %s on %s to run", service, day)
	}
	d := &ApptDrawnData{Service: service, Day: day, SeedSeq: l.ClosedSeq, Seed: seed, Slots: s.drawSlots(service, day, seed)}
	return []Event{{Time: now, Type: TypeApptDrawn, Data: d}}, nil
}

// drawSlots runs the draw of a day on the state.
func (s *State) drawSlots(service, day, seed string) []DrawnSlot {
	apps := map[string][]string{}
	for id, b := range s.Bookings {
		if b.Service == service && b.Day == day && b.Status == BookingApplied {
			apps[b.Slot] = append(apps[b.Slot], id)
		}
	}
	out := []DrawnSlot{}
	for _, id := range slices.Sorted(maps.Keys(s.Slots)) {
		sl := s.Slots[id]
		if sl.Service != service || sl.Day != day {
			continue
		}
		out = append(out, DrawnSlot{Slot: id, Places: sl.Remaining(), Applications: len(apps[id]),
			Winners: DrawWinners(seed, sl.Remaining(), apps[id])})
	}
	return out
}

// CheckDraw verifies a draw on the state just before it: it follows the
// closing of the day's applications, names that event as its seed, and gives
// each slot's places to exactly the applications DrawWinners gives them to.
// That the seed is the hash of event SeedSeq is for the verifier, which holds
// the hashes, to check.
func (s *State) CheckDraw(d *ApptDrawnData) error {
	l := s.LotteryOf(d.Service, d.Day)
	if l == nil || l.ClosedSeq == 0 || l.Drawn {
		return fmt.Errorf("draw of %s on %s without closed applications to draw", d.Service, d.Day)
	}
	if d.SeedSeq != l.ClosedSeq {
		return fmt.Errorf("draw of %s on %s seeded by event %d, not by the closing of its applications (event %d)", d.Service, d.Day, d.SeedSeq, l.ClosedSeq)
	}
	want := s.drawSlots(d.Service, d.Day, d.Seed)
	if len(want) != len(d.Slots) {
		return fmt.Errorf("draw of %s on %s lists %d slots; the day has %d", d.Service, d.Day, len(d.Slots), len(want))
	}
	for i, w := range want {
		g := d.Slots[i]
		if g.Slot != w.Slot || g.Places != w.Places || g.Applications != w.Applications || !slices.Equal(g.Winners, w.Winners) {
			return fmt.Errorf("draw of slot %s: %d places, %d applications, winners %v; re-run from the log: slot %s, %d places, %d applications, winners %v",
				g.Slot, g.Places, g.Applications, g.Winners, w.Slot, w.Places, w.Applications, w.Winners)
		}
	}
	return nil
}

// checkLottery verifies the timing of applications and of their closing.
func (s *State) checkLottery(ev Event) error {
	switch d := ev.Data.(type) {
	case *ApptAppliedData:
		sl, ok := s.Slots[d.Slot]
		if !ok {
			return nil // Apply reports it
		}
		if l := s.LotteryOf(d.Service, sl.Day); l != nil && !ev.Time.Before(l.ApplyUntil) {
			return fmt.Errorf("application %s taken at %s, after applications closed at %s", d.Booking,
				ev.Time.Format(time.RFC3339), l.ApplyUntil.Format(time.RFC3339))
		}
	case *ApptDrawClosedData:
		if l := s.LotteryOf(d.Service, d.Day); l != nil && ev.Time.Before(l.ApplyUntil) {
			return fmt.Errorf("applications of %s on %s closed at %s, before the published %s", d.Service, d.Day,
				ev.Time.Format(time.RFC3339), l.ApplyUntil.Format(time.RFC3339))
		}
	case *ApptDrawnData:
		return s.CheckDraw(d)
	}
	return nil
}

// applyLottery folds a lottery event; ok is false for other events.
func (s *State) applyLottery(ev Event) (ok bool, err error) {
	switch d := ev.Data.(type) {
	case *ApptAppliedData:
		sl, found := s.Slots[d.Slot]
		if !found || sl.Service != d.Service {
			return true, fmt.Errorf("application %s for slot %s, which was not released", d.Booking, d.Slot)
		}
		l := s.LotteryOf(d.Service, sl.Day)
		if l == nil || l.ClosedSeq != 0 {
			return true, fmt.Errorf("application %s for slot %s, whose day takes no applications", d.Booking, d.Slot)
		}
		if _, dup := s.Bookings[d.Booking]; dup {
			return true, fmt.Errorf("application %s made twice", d.Booking)
		}
		sl.Applied++
		s.Bookings[d.Booking] = &Booking{ID: d.Booking, Service: d.Service, Slot: d.Slot, Day: sl.Day,
			Status: BookingApplied, BookedAt: ev.Time}
	case *ApptDrawClosedData:
		l := s.LotteryOf(d.Service, d.Day)
		if l == nil || l.ClosedSeq != 0 {
			return true, fmt.Errorf("applications of %s on %s closed, but none were open", d.Service, d.Day)
		}
		if ev.Seq == 0 {
			return true, fmt.Errorf("applications of %s on %s closed by an event without seq", d.Service, d.Day)
		}
		c := *l
		c.ClosedSeq = ev.Seq
		s.Lotteries[releaseKey(d.Service, d.Day)] = &c
	case *ApptDrawnData:
		l := s.LotteryOf(d.Service, d.Day)
		if l == nil || l.ClosedSeq == 0 || l.Drawn {
			return true, fmt.Errorf("draw of %s on %s without closed applications to draw", d.Service, d.Day)
		}
		for _, ds := range d.Slots {
			sl, ok := s.Slots[ds.Slot]
			if !ok || sl.Service != d.Service || sl.Day != d.Day {
				return true, fmt.Errorf("draw of slot %s, not a slot of %s on %s", ds.Slot, d.Service, d.Day)
			}
			if len(ds.Winners) > sl.Remaining() {
				return true, fmt.Errorf("draw of slot %s gives %d places; it has %d", ds.Slot, len(ds.Winners), sl.Remaining())
			}
			for _, id := range ds.Winners {
				if b, ok := s.Bookings[id]; !ok || b.Slot != ds.Slot || b.Status != BookingApplied {
					return true, fmt.Errorf("draw of slot %s names %q, not an application for it", ds.Slot, id)
				}
			}
		}
		for _, ds := range d.Slots {
			sl := s.Slots[ds.Slot]
			for _, id := range ds.Winners {
				b := s.Bookings[id]
				b.Status, b.Drawn = BookingBooked, true
				sl.Taken++
			}
		}
		for _, b := range s.Bookings {
			if b.Service == d.Service && b.Day == d.Day && b.Status == BookingApplied {
				b.Status = BookingNotDrawn
			}
		}
		c := *l
		c.Drawn = true
		s.Lotteries[releaseKey(d.Service, d.Day)] = &c
	default:
		return false, nil
	}
	return true, nil
}

// lotteryApply returns the application event of a booking request for a slot
// of a day whose applications are open; nil, nil when the day is not in that
// state; the refusal while its draw is due. The limits were checked.
func (s *State) lotteryApply(h *Hall, now time.Time, r BookRequest, sl *Slot) ([]Event, error) {
	l := s.LotteryOf(r.Service, sl.Day)
	if l == nil || l.Drawn {
		return nil, nil
	}
	if l.ClosedSeq != 0 || !now.Before(l.ApplyUntil) {
		return nil, lotteryPending(h, l)
	}
	if r.SameSlot > 0 {
		return nil, Errorf(ECONFLICT, "this identity has already applied for slot %s", sl.ID).Zh("该证件已申请过这个时段")
	}
	return []Event{{Time: now, Type: TypeApptApplied, Data: &ApptAppliedData{Booking: r.Booking, Service: r.Service, Slot: sl.ID}}}, nil
}

func lotteryPending(h *Hall, l *Lottery) error {
	at := l.ApplyUntil.In(h.loc()).Format("2006-01-02 15:04")
	return Errorf(ELOTTERY, "applications for %s closed at %s; the places are being drawn", l.Day, at).
		Zh("%s的预约申请已于%s截止，正在抽签", l.Day, at)
}

// cloneLotteries deep-copies the lottery map into c.
func (s *State) cloneLotteries(c *State) {
	c.Lotteries = make(map[string]*Lottery, len(s.Lotteries))
	for k, v := range s.Lotteries {
		cp := *v
		c.Lotteries[k] = &cp
	}
}
