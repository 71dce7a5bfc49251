package engine

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"hallq/server/queue"
	"hallq/server/store"
)

// apptPrivate is what the server keeps of bookings outside the public log: who
// booked (the identity HMAC, never the number) and the missed appointments of
// each identity. It is owned by the sequencer goroutine.
type apptPrivate struct {
	bookers    map[string]bookerRecord // booking ID -> booker
	byIdentity map[string][]string     // identity HMAC -> booking IDs
	misses     map[string][]int64      // service|identity HMAC -> missed slot starts (Unix seconds)
}

// bookerRecord is the private record of a booking, in BucketBookings.
type bookerRecord struct {
	Identity string `json:"identity"` // HMAC of the normalised document
	Service  string `json:"service"`
	Day      string `json:"day"`
	// Masked is the document number as shown back to the booker: its first 3
	// and last 2 characters.
	Masked string `json:"masked"`
}

func newApptPrivate() apptPrivate {
	return apptPrivate{bookers: map[string]bookerRecord{}, byIdentity: map[string][]string{}, misses: map[string][]int64{}}
}

// readAppointments reads the private booking records.
func readAppointments(tx *store.Tx) (apptPrivate, error) {
	a := newApptPrivate()
	err := tx.ForEach(store.BucketBookings, nil, func(k, v []byte) error {
		var rec bookerRecord
		if err := json.Unmarshal(v, &rec); err != nil {
			return fmt.Errorf("engine: booking record %s: %w", k, err)
		}
		a.add(string(k), rec)
		return nil
	})
	if err != nil {
		return a, err
	}
	err = tx.ForEach(store.BucketNoShows, nil, func(k, v []byte) error {
		var times []int64
		if err := json.Unmarshal(v, &times); err != nil {
			return fmt.Errorf("engine: no-show record: %w", err)
		}
		a.misses[string(k)] = times
		return nil
	})
	return a, err
}

func (a *apptPrivate) add(id string, rec bookerRecord) {
	a.bookers[id] = rec
	a.byIdentity[rec.Identity] = append(a.byIdentity[rec.Identity], id)
}

// putBooker records a new booking's booker.
func (p *prep) putBooker(id string, rec bookerRecord) {
	p.e.appt.add(id, rec)
	p.b.apptOps = append(p.b.apptOps, apptOp{id: id, identity: rec.Identity})
	v, _ := json.Marshal(rec)
	p.b.writes = append(p.b.writes, write{bucket: store.BucketBookings, key: []byte(id), value: v})
}

// putMiss counts a missed appointment against the booker's identity, if the
// service has a no-show penalty.
func (p *prep) putMiss(h *queue.Hall, id string, slotStart time.Time) {
	rec, ok := p.e.appt.bookers[id]
	if !ok {
		return
	}
	svc, ok := h.Service(rec.Service)
	if !ok || svc.Appointments == nil || svc.Appointments.NoShowLimit == 0 {
		return
	}
	key := rec.Service + "|" + rec.Identity
	times := append(slices.Clone(p.e.appt.misses[key]), slotStart.Unix())
	p.e.appt.misses[key] = times
	p.b.apptOps = append(p.b.apptOps, apptOp{missKey: key, misses: times})
	v, _ := json.Marshal(times)
	p.b.writes = append(p.b.writes, write{bucket: store.BucketNoShows, key: []byte(key), value: v})
}

// bookingCounts returns how many bookings and applications of an identity for
// a service wait for their check-in or their draw, how many of those are on
// the slot's day and how many for the slot itself.
func (p *prep) bookingCounts(s *queue.State, identity, service string, slot *queue.Slot) (active, sameDay, sameSlot int) {
	return countBookings(s, p.e.appt.byIdentity[identity], service, slot)
}

// countBookings is bookingCounts over the booking IDs of one identity; IDs the
// state does not hold are not counted.
func countBookings(s *queue.State, ids []string, service string, slot *queue.Slot) (active, sameDay, sameSlot int) {
	for _, id := range ids {
		b, ok := s.Bookings[id]
		if !ok || b.Service != service || b.Status != queue.BookingBooked && b.Status != queue.BookingApplied {
			continue
		}
		active++
		if b.Day == slot.Day {
			sameDay++
		}
		if b.Slot == slot.ID {
			sameSlot++
		}
	}
	return active, sameDay, sameSlot
}

// suspendedUntil returns when an identity's suspension from booking a service
// ends: Suspension after the latest miss that completed NoShowLimit misses
// within NoShowWindow; zero if none.
func (a *apptPrivate) suspendedUntil(svc *queue.Service, identity string) time.Time {
	return suspensionEnd(svc, a.misses[svc.ID+"|"+identity])
}

// suspensionEnd is suspendedUntil over an identity's missed slot starts.
func suspensionEnd(svc *queue.Service, misses []int64) time.Time {
	ap := svc.Appointments
	if ap == nil || ap.NoShowLimit == 0 {
		return time.Time{}
	}
	times := slices.Sorted(slices.Values(misses))
	var until time.Time
	for i := ap.NoShowLimit - 1; i < len(times); i++ {
		if time.Duration(times[i]-times[i-ap.NoShowLimit+1])*time.Second <= ap.NoShowWindow {
			until = time.Unix(times[i], 0).Add(ap.Suspension)
		}
	}
	return until
}

// pruneAppointments drops, at a day's opening, the private records that served
// their purpose: bookers of bookings the state no longer holds, and misses
// that can no longer count towards a suspension. It returns new maps, so that
// a rollback keeps the old; the deletions and rewrites go into the batch.
func (e *Engine) pruneAppointments(b *batch, now time.Time) {
	old := e.appt
	e.appt = newApptPrivate()
	for id, rec := range old.bookers {
		if _, ok := e.working.Bookings[id]; ok {
			e.appt.add(id, rec)
			continue
		}
		b.writes = append(b.writes, write{bucket: store.BucketBookings, key: []byte(id)})
	}
	for key, times := range old.misses {
		keep := times
		service, _, _ := strings.Cut(key, "|")
		if svc, ok := e.hall.Service(service); ok && svc.Appointments != nil {
			horizon := now.Add(-svc.Appointments.NoShowWindow - svc.Appointments.Suspension).Unix()
			keep = slices.DeleteFunc(slices.Clone(times), func(t int64) bool { return t < horizon })
		}
		switch {
		case len(keep) == 0:
			b.writes = append(b.writes, write{bucket: store.BucketNoShows, key: []byte(key)})
		case len(keep) < len(times):
			v, _ := json.Marshal(keep)
			b.writes = append(b.writes, write{bucket: store.BucketNoShows, key: []byte(key), value: v})
			e.appt.misses[key] = keep
		default:
			e.appt.misses[key] = times
		}
	}
	idx := indexOf(e.appt)
	b.apptOps = append(b.apptOps, apptOp{reset: &idx})
}

// maskDocument shows the first 3 and the last 2 characters of a normalised
// document number ("kind:number"), the rest as stars.
func maskDocument(normalized string) string {
	_, n, found := strings.Cut(normalized, ":")
	if !found {
		n = normalized
	}
	r := []rune(n)
	if len(r) <= 5 {
		return strings.Repeat("*", len(r))
	}
	out := make([]rune, len(r))
	for i := range r {
		if i < 3 || i >= len(r)-2 {
			out[i] = r[i]
		} else {
			out[i] = '*'
		}
	}
	return string(out)
}
