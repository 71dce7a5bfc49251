package queue

import "time"

// SlotView is a slot as a booking page shows it.
type SlotView struct {
	ID        string    `json:"id"`
	Start     time.Time `json:"start"`
	End       time.Time `json:"end"`
	Capacity  int       `json:"capacity"`
	Booked    int       `json:"booked"`
	Remaining int       `json:"remaining"`
	Released  bool      `json:"released"`
	// ReleaseAt is when the slot's places are released, while they are not.
	ReleaseAt time.Time `json:"release_at,omitzero"`
	// Applications counts the applications for the slot's places on a
	// lottery day.
	Applications int `json:"applications,omitempty"`
}

// SlotsView lists a service's slots of one day.
type SlotsView struct {
	Service string     `json:"service"`
	Date    string     `json:"date"`
	Slots   []SlotView `json:"slots"`
	Seq     uint64     `json:"seq"` // log position the counts are taken at
	// Lottery is set when the day's places are drawn by lottery: "pending"
	// before the release, then "open" while applications are taken until
	// ApplyUntil, "closed" until the draw, "drawn" after it.
	Lottery    string    `json:"lottery,omitempty"`
	ApplyUntil time.Time `json:"apply_until,omitzero"`
}

// DaySlots returns the slots of a service taking appointments on a day
// (YYYY-MM-DD) with their places: released slots as the log counts them,
// the template's slots not yet released. It is the one read model of slots,
// for the hall's booking page and for the city portal, which folds the
// hall's public log into a State of its own. Seq is left for the caller.
func (h *Hall) DaySlots(s *State, svc *Service, day string) SlotsView {
	out := SlotsView{Service: svc.ID, Date: day, Slots: []SlotView{}}
	a := svc.Appointments
	if a == nil {
		return out
	}
	release := h.ReleaseTime(a, day)
	if l := s.LotteryOf(svc.ID, day); l != nil {
		out.Lottery, out.ApplyUntil = l.State(), l.ApplyUntil
	} else if a.LotteryWindow > 0 && !s.Released(svc.ID, day) {
		out.Lottery, out.ApplyUntil = "pending", release.Add(a.LotteryWindow).UTC()
	}
	for _, sp := range h.SlotsOf(svc, day) {
		v := SlotView{ID: sp.ID, Start: sp.Start, End: sp.End, Capacity: sp.Capacity, Remaining: sp.Capacity}
		if sl, ok := s.Slots[sp.ID]; ok {
			v.Capacity, v.Booked, v.Remaining, v.Released = sl.Capacity, sl.Taken, sl.Remaining(), true
			v.Applications = sl.Applied
		} else if s.Released(svc.ID, day) {
			continue // the day was released without this slot
		} else {
			v.ReleaseAt = release
		}
		out.Slots = append(out.Slots, v)
	}
	return out
}
