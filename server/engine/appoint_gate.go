package engine

import (
	"slices"
	"sync/atomic"

	"hallq/server/queue"
)

// A booking request is refused, when it can be, before it reaches the writer:
// the slot is full (or all its remaining places are being booked), the
// release is not open, the slot has started, the identity is suspended or has
// reached its limits. These refusals read only what is committed — the state
// under the engine's read lock, the committed index of bookers below, and an
// atomic count per slot — so that in a release stampede they are answered
// while the writer commits the admitted ones. The writer stays the only
// authority for admissions: what passes here is decided again there, on the
// working state, and the committed view is never ahead of the writer's, so a
// pre-check only refuses what the writer would refuse too (or refuses a
// request racing with an unacknowledged cancellation, as if it came first).

// apptIndex is the committed copy of the bookers' index that readers use:
// identity HMAC -> booking IDs, and service|identity HMAC -> missed slot
// starts. It is guarded by the engine's mu; the publisher updates it from the
// apptOps of each committed batch. Its slices are its own: the sequencer's
// index appends to its slices concurrently.
type apptIndex struct {
	byIdentity map[string][]string
	misses     map[string][]int64
}

// apptOp is one change of the bookers' index made by a batch: a new booking
// (id, identity), an identity's misses (missKey, misses), or, at a day's
// opening, the whole index pruned (reset).
type apptOp struct {
	reset        *apptIndex
	id, identity string
	missKey      string
	misses       []int64 // read only once recorded
}

// indexOf copies the sequencer's index.
func indexOf(a apptPrivate) apptIndex {
	x := apptIndex{byIdentity: make(map[string][]string, len(a.byIdentity)), misses: make(map[string][]int64, len(a.misses))}
	for k, ids := range a.byIdentity {
		x.byIdentity[k] = slices.Clone(ids)
	}
	for k, t := range a.misses {
		x.misses[k] = t // never changed in place: a new miss makes a new slice
	}
	return x
}

// apply makes one change; the caller holds the engine's mu.
func (x *apptIndex) apply(op apptOp) {
	switch {
	case op.reset != nil:
		*x = *op.reset
	case op.missKey != "":
		x.misses[op.missKey] = op.misses
	default:
		ids := x.byIdentity[op.identity]
		x.byIdentity[op.identity] = append(ids[:len(ids):len(ids)], op.id)
	}
}

// gateKey names a slot's gate by its service and its ID.
type gateKey struct{ service, slot string }

// slotGate counts a released slot's places for requests on their way to the
// writer: left is the slot's remaining places as committed, inflight the
// requests admitted to the writer and not yet answered.
type slotGate struct {
	left, inflight atomic.Int64
}

// gate returns the slot's gate, made from the committed state s (the caller
// holds the engine's read lock, so that no publish runs in between).
func (e *Engine) gate(sl *queue.Slot) *slotGate {
	key := gateKey{sl.Service, sl.ID}
	if g, ok := e.gates.Load(key); ok {
		return g.(*slotGate)
	}
	g := &slotGate{}
	g.left.Store(int64(sl.Remaining()))
	actual, _ := e.gates.LoadOrStore(key, g)
	return actual.(*slotGate)
}

// refreshGates sets each gate's places from the committed state; the
// publisher calls it holding mu, after applying a batch.
func (e *Engine) refreshGates() {
	e.gates.Range(func(k, v any) bool {
		left := 0
		if sl, ok := e.committed.Slots[k.(gateKey).slot]; ok && sl.Service == k.(gateKey).service {
			left = sl.Remaining()
		}
		v.(*slotGate).left.Store(int64(left))
		return true
	})
}

// errAllBeingBooked refuses a request when every remaining place of its slot
// is asked for by a request already on its way to the writer.
func errAllBeingBooked(slot string) error {
	return queue.Errorf(queue.EFULL, "slot %s has no place left: every remaining place is being booked", slot).
		Zh("该时段已约满（剩余名额均在办理中）")
}

// admit refuses, from what is committed, a request the writer would refuse,
// and otherwise counts it as on its way to the writer, unless all remaining
// places of the slot are already asked for: in a release stampede, only as
// many requests as there are places wait for the writer, and the rest are
// refused without waiting. The writer decides: a request admitted here may
// still be refused there, and its place then goes to the next request.
// release must be called once the request is answered; it may be called
// more than once.
func (e *Engine) admit(service, slot, identity, id string) (release func(), err error) {
	// A slot seen full or fully asked for is refused on atomics alone; a
	// gate is only ever made for a slot of its own service, so a request
	// naming another service's slot is answered by the read below.
	if g, ok := e.gates.Load(gateKey{service, slot}); ok {
		g := g.(*slotGate)
		if g.inflight.Load() >= g.left.Load() {
			return nil, errAllBeingBooked(slot)
		}
	}
	now := e.opts.Now()
	var g *slotGate
	e.Read(func(s *queue.State, _ uint64, _ string) {
		var sl *queue.Slot
		if sl, err = s.SlotState(e.hall, now, service, slot); err != nil {
			return
		}
		svc, _ := e.hall.Service(service)
		req := queue.BookRequest{Service: service, Slot: slot, Booking: id,
			SuspendedUntil: suspensionEnd(svc, e.apptIdx.misses[service+"|"+identity])}
		req.Active, req.SameDay, req.SameSlot = countBookings(s, e.apptIdx.byIdentity[identity], service, sl)
		if _, err = s.Book(e.hall, now, req); err != nil {
			if c := queue.ErrorCode(err); c != queue.ELIMIT && c != queue.ESUSPENDED {
				err = nil // the writer answers the rest
			}
			if err != nil {
				return
			}
		}
		if l := s.LotteryOf(service, sl.Day); l != nil && !l.Drawn {
			return // applications are not bounded by places
		}
		g = e.gate(sl)
	})
	if err != nil {
		return nil, err
	}
	if g == nil {
		return func() {}, nil
	}
	if g.inflight.Add(1) > g.left.Load() {
		g.inflight.Add(-1)
		return nil, errAllBeingBooked(slot)
	}
	// The writer's publisher settles the request just before its booking
	// becomes visible in left (else, between the two, the place would count
	// twice and a request could be refused while a place is free); the
	// caller's release after a refused batch does it otherwise, once.
	var settled atomic.Bool
	return func() {
		if settled.CompareAndSwap(false, true) {
			g.inflight.Add(-1)
		}
	}, nil
}
