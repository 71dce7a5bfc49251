package hub

import (
	"fmt"
	"sync"
	"testing"
	"time"
)

// deadline bounds every wait so that a broken hub fails a test instead of
// hanging it; it is never a performance threshold.
const deadline = 60 * time.Second

func newHub(t *testing.T, opts Options) *Hub {
	t.Helper()
	h := New(opts)
	t.Cleanup(h.Close)
	return h
}

func event(seq uint64) Event {
	return Event{Seq: seq, Data: fmt.Appendf(nil, `{"seq":%d}`, seq)}
}

// receive returns the next event on s, failing the test if s is closed or
// nothing arrives in time.
func receive(t *testing.T, s *Subscription) *Event {
	t.Helper()
	select {
	case ev, ok := <-s.C:
		if !ok {
			t.Fatalf("subscription closed (dropped %v), want an event", s.Dropped())
		}
		return ev
	case <-time.After(deadline):
		t.Fatalf("no event after %v", deadline)
	}
	return nil
}

// waitLen waits until h has n subscriptions.
func waitLen(t *testing.T, h *Hub, n int) {
	t.Helper()
	end := time.Now().Add(deadline)
	for h.Len() != n {
		if time.Now().After(end) {
			t.Fatalf("got Len %d after %v, want %d", h.Len(), deadline, n)
		}
		time.Sleep(time.Millisecond)
	}
}

// waitClosed drains s until its channel closes and returns the seqs it got.
func waitClosed(t *testing.T, s *Subscription) []uint64 {
	t.Helper()
	var seqs []uint64
	timeout := time.After(deadline)
	for {
		select {
		case ev, ok := <-s.C:
			if !ok {
				return seqs
			}
			seqs = append(seqs, ev.Seq)
		case <-timeout:
			t.Fatalf("subscription not closed after %v", deadline)
		}
	}
}

func TestPublishOrder(t *testing.T) {
	tests := []struct {
		name    string
		batches [][]uint64
	}{
		{name: "one event per publish", batches: [][]uint64{{1}, {2}, {3}, {4}}},
		{name: "one batch", batches: [][]uint64{{1, 2, 3, 4, 5, 6}}},
		{name: "mixed batches", batches: [][]uint64{{1, 2}, {3}, {4, 5, 6, 7}, {8}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHub(t, Options{})
			subs := []*Subscription{h.Subscribe(), h.Subscribe(), h.Subscribe()}
			var want []uint64
			for _, b := range tt.batches {
				var evs []Event
				for _, seq := range b {
					evs = append(evs, event(seq))
					want = append(want, seq)
				}
				h.Publish(evs...)
			}
			for i, s := range subs {
				for _, seq := range want {
					ev := receive(t, s)
					if ev.Seq != seq {
						t.Fatalf("subscriber %d: got seq %d, want %d", i, ev.Seq, seq)
					}
					if got, want := string(ev.Data), fmt.Sprintf(`{"seq":%d}`, seq); got != want {
						t.Fatalf("subscriber %d: got data %s, want %s", i, got, want)
					}
				}
			}
		})
	}
}

func TestPublishKeepsEncoded(t *testing.T) {
	h := newHub(t, Options{})
	s := h.Subscribe()
	enc := &struct{ frame []byte }{frame: []byte("frame")}
	h.Publish(Event{Seq: 1, Data: []byte("{}"), Encoded: enc})
	ev := receive(t, s)
	if ev.Encoded != any(enc) {
		t.Fatalf("got Encoded %v, want the value published", ev.Encoded)
	}
}

func TestPublishCopiesEvents(t *testing.T) {
	h := newHub(t, Options{})
	s := h.Subscribe()
	evs := []Event{event(1)}
	h.Publish(evs...)
	evs[0] = event(99) // the writer reuses its slice
	if got := receive(t, s).Seq; got != 1 {
		t.Fatalf("got seq %d, want 1", got)
	}
}

func TestSubscribeSeesOnlyLaterEvents(t *testing.T) {
	h := newHub(t, Options{})
	early := h.Subscribe()
	h.Publish(event(1))
	receive(t, early) // event 1 has been handed out
	late := h.Subscribe()
	h.Publish(event(2))
	if got := receive(t, late).Seq; got != 2 {
		t.Fatalf("got seq %d, want 2", got)
	}
}

func TestSlowSubscriberDropped(t *testing.T) {
	const queue = 4
	h := newHub(t, Options{QueueSize: queue})
	slow := h.Subscribe() // never reads until the end
	fast := h.Subscribe()

	const n = 3 * queue
	for seq := uint64(1); seq <= n; seq++ {
		// Publish must return although slow's queue is full; the fast
		// subscriber gets every event while slow reads nothing.
		h.Publish(event(seq))
		if got := receive(t, fast).Seq; got != seq {
			t.Fatalf("fast: got seq %d, want %d", got, seq)
		}
	}

	got := waitClosed(t, slow)
	if !slow.Dropped() {
		t.Errorf("slow: got Dropped false, want true")
	}
	if len(got) != queue {
		t.Fatalf("slow: got %d events before the drop, want %d", len(got), queue)
	}
	for i, seq := range got {
		if seq != uint64(i+1) {
			t.Errorf("slow: event %d: got seq %d, want %d", i, seq, i+1)
		}
	}
	if fast.Dropped() {
		t.Errorf("fast: got Dropped true, want false")
	}
	if got := h.Len(); got != 1 {
		t.Errorf("got Len %d, want 1", got)
	}
}

func TestBatchLargerThanQueueDrops(t *testing.T) {
	h := newHub(t, Options{QueueSize: 2})
	s := h.Subscribe()
	h.Publish(event(1), event(2), event(3))
	waitLen(t, h, 0) // s is not read before the hub handled the batch
	got := waitClosed(t, s)
	if !s.Dropped() {
		t.Errorf("got Dropped false, want true")
	}
	if len(got) != 2 || got[0] != 1 || got[1] != 2 {
		t.Errorf("got seqs %v, want [1 2]", got)
	}
}

func TestUnsubscribe(t *testing.T) {
	h := newHub(t, Options{})
	a, b, c := h.Subscribe(), h.Subscribe(), h.Subscribe()
	if got := h.Len(); got != 3 {
		t.Fatalf("got Len %d, want 3", got)
	}

	h.Unsubscribe(b)
	if got := waitClosed(t, b); len(got) != 0 {
		t.Errorf("b: got events %v after unsubscribing, want none", got)
	}
	if b.Dropped() {
		t.Errorf("b: got Dropped true, want false")
	}
	h.Unsubscribe(b) // again: no effect

	h.Publish(event(1))
	for name, s := range map[string]*Subscription{"a": a, "c": c} {
		if got := receive(t, s).Seq; got != 1 {
			t.Errorf("%s: got seq %d, want 1", name, got)
		}
	}
	if got := h.Len(); got != 2 {
		t.Errorf("got Len %d, want 2", got)
	}
}

func TestUnsubscribeAfterDrop(t *testing.T) {
	h := newHub(t, Options{QueueSize: 1})
	dropped := h.Subscribe()
	h.Publish(event(1), event(2))
	waitLen(t, h, 0)

	other := h.Subscribe()
	// Unsubscribing a dropped subscription must neither close its channel
	// again nor remove another subscriber from the set.
	h.Unsubscribe(dropped)
	if got := h.Len(); got != 1 {
		t.Fatalf("got Len %d, want 1", got)
	}
	h.Publish(event(3))
	if got := receive(t, other).Seq; got != 3 {
		t.Errorf("other: got seq %d, want 3", got)
	}
}

func TestClose(t *testing.T) {
	h := New(Options{})
	subs := []*Subscription{h.Subscribe(), h.Subscribe()}
	select {
	case <-h.Done():
		t.Fatalf("Done closed before Close")
	default:
	}
	h.Close()
	for i, s := range subs {
		waitClosed(t, s)
		if s.Dropped() {
			t.Errorf("subscriber %d: got Dropped true, want false", i)
		}
	}
	if got := h.Len(); got != 0 {
		t.Errorf("got Len %d, want 0", got)
	}
	select {
	case <-h.Done():
	default:
		t.Errorf("Done not closed after Close")
	}

	// Everything stays usable and returns after Close.
	h.Close()
	h.Publish(event(1))
	h.Unsubscribe(subs[0])
	late := h.Subscribe()
	if got := waitClosed(t, late); len(got) != 0 {
		t.Errorf("late: got events %v, want none", got)
	}
}

func TestDefaultQueueSize(t *testing.T) {
	tests := []struct {
		name string
		opts Options
		want int
	}{
		{name: "zero", opts: Options{}, want: DefaultQueueSize},
		{name: "negative", opts: Options{QueueSize: -1}, want: DefaultQueueSize},
		{name: "set", opts: Options{QueueSize: 7}, want: 7},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHub(t, tt.opts)
			if got := cap(h.Subscribe().C); got != tt.want {
				t.Errorf("got queue size %d, want %d", got, tt.want)
			}
		})
	}
}

// TestConcurrentUse runs subscribers that come and go while events are
// published; under -race it checks that the owner goroutine is the only one
// touching the set, and every subscriber sees an increasing run of seqs.
func TestConcurrentUse(t *testing.T) {
	h := newHub(t, Options{QueueSize: 8})
	var wg sync.WaitGroup
	errs := make(chan error, 64)
	for w := range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for round := range 20 {
				s := h.Subscribe()
				var last uint64
				for k := 0; k < 10+w+round; k++ {
					ev, ok := <-s.C
					if !ok {
						break
					}
					if ev.Seq <= last {
						errs <- fmt.Errorf("worker %d: got seq %d after %d", w, ev.Seq, last)
						return
					}
					last = ev.Seq
				}
				h.Unsubscribe(s)
			}
		}()
	}
	stop := make(chan struct{})
	var pub sync.WaitGroup
	pub.Add(1)
	go func() {
		defer pub.Done()
		for seq := uint64(1); ; seq++ {
			select {
			case <-stop:
				return
			default:
			}
			h.Publish(event(seq))
		}
	}()
	wg.Wait()
	close(stop)
	pub.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if got := h.Len(); got != 0 {
		t.Errorf("got Len %d after every subscriber left, want 0", got)
	}
}
