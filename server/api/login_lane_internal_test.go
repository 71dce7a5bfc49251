package api

import (
	"context"
	"testing"
	"time"
)

// TestKnownBrowsersHaveALaneOfTheirOwn: with every password check slot taken
// and as many sign-ins waiting as may, a guess is answered busy at once, and a
// sign-in from a browser where the account signed in before still gets a
// check.
func TestKnownBrowsersHaveALaneOfTheirOwn(t *testing.T) {
	g := newLoginGuard(10, []string{"wang"}, make([]byte, 32))
	ctx := context.Background()
	for i := range g.checks.slots {
		if _, ok := g.acquire(ctx, false); !ok {
			t.Fatalf("slot %d of %d refused", i+1, g.checks.slots)
		}
	}
	g.checks.waiting.Store(8 * g.checks.slots) // the flood's waiting sign-ins
	if _, ok := g.acquire(ctx, false); ok {
		t.Fatal("a guess got a check with every slot taken and the queue full")
	}
	l, ok := g.acquire(ctx, true)
	if !ok || l != g.knownChecks {
		t.Fatalf("a known browser's sign-in during the flood: got lane %p, %v; want the known lane", l, ok)
	}
}

// TestCheckSlotRestsAfterACheck: while sign-ins wait, a slot comes back only
// after resting as long as its check took, so that checks cannot take more
// than half of their slots' processor time; then it does come back. With
// nobody waiting it comes back at once.
func TestCheckSlotRestsAfterACheck(t *testing.T) {
	g := newLoginGuard(10, nil, make([]byte, 32))
	l := g.knownChecks // one slot
	if _, ok := g.acquire(context.Background(), true); !ok {
		t.Fatal("the free slot refused")
	}
	g.done(l, time.Hour)
	if !l.sem.TryAcquire(1) {
		t.Fatal("with nobody waiting, the slot did not come back at once")
	}
	l.waiting.Add(1) // a sign-in of the flood waits
	g.done(l, time.Hour)
	l.waiting.Add(-1)
	if l.sem.TryAcquire(1) {
		t.Fatal("the slot came back before its rest")
	}
	if _, ok := g.acquire(context.Background(), true); ok {
		t.Fatal("a sign-in got the slot during its rest")
	}
	// Another slot, whose check took a moment, comes back after it.
	g = newLoginGuard(10, nil, make([]byte, 32))
	l = g.knownChecks
	if _, ok := g.acquire(context.Background(), true); !ok {
		t.Fatal("the free slot refused")
	}
	l.waiting.Add(1)
	g.done(l, time.Millisecond)
	l.waiting.Add(-1)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := l.sem.Acquire(ctx, 1); err != nil {
		t.Fatalf("the slot did not come back after its rest: %v", err)
	}
}
