package hub

import (
	"sync"
	"sync/atomic"
)

// DefaultQueueSize is the number of events a subscriber may have waiting
// before it is dropped, when Options.QueueSize is zero.
const DefaultQueueSize = 256

// publishBacklog is how many published batches may wait for the owner
// goroutine before Publish waits for it. The owner never blocks on a
// subscriber, so that wait is bounded by the owner's own work.
const publishBacklog = 64

// Event is one committed event of the public log as it is published.
//
// Data is the event's exact stored bytes. Encoded is an optional encoding of
// Data made once for all receivers by the transport (for example a
// *websocket.PreparedMessage); the hub passes it along without looking at it.
//
// Log events have seqs from 1. An Event with Seq 0 is not from the log: a
// transport may send its own signals to every subscriber that way (the
// stream sends heartbeats), and the hub treats them like any other event.
type Event struct {
	Seq     uint64
	Data    []byte
	Encoded any
}

// Options configure a Hub. The zero value is ready to use.
type Options struct {
	// QueueSize is the number of events a subscriber may have waiting
	// before it is dropped. Zero means DefaultQueueSize.
	QueueSize int
}

// Subscription is one subscriber's view of the published events.
//
// Events arrive on C in the order they were published. C is closed when the
// subscription ends: by Unsubscribe, by Hub.Close, or because the subscriber
// fell QueueSize events behind, in which case Dropped reports true. The
// events received are shared by all subscribers and must not be modified.
type Subscription struct {
	// C delivers the events published after Subscribe returned.
	C <-chan *Event

	c       chan *Event
	dropped atomic.Bool

	// idx is the subscription's position in the owner's set, or -1 when it
	// is not in the set. Only the owner goroutine reads or writes it.
	idx int
}

// Dropped reports whether the hub dropped the subscription because its queue
// was full. It is meaningful once C is closed.
func (s *Subscription) Dropped() bool {
	return s.dropped.Load()
}

// Hub delivers published events to every subscription. It is safe for use
// by many goroutines; one goroutine, started by New, owns the subscriber set.
type Hub struct {
	queueSize int

	register   chan *Subscription
	unregister chan *Subscription
	publish    chan []Event

	quit      chan struct{} // closed by Close
	done      chan struct{} // closed when the owner goroutine has returned
	closeOnce sync.Once

	// n counts subscriptions: Subscribe adds one once the owner has taken
	// the subscription, the owner takes one away when it removes one.
	n atomic.Int64
}

// New returns a Hub and starts the goroutine that owns its subscribers.
// Call Close to stop it.
func New(opts Options) *Hub {
	size := opts.QueueSize
	if size <= 0 {
		size = DefaultQueueSize
	}
	h := &Hub{
		queueSize:  size,
		register:   make(chan *Subscription),
		unregister: make(chan *Subscription),
		publish:    make(chan []Event, publishBacklog),
		quit:       make(chan struct{}),
		done:       make(chan struct{}),
	}
	go h.run()
	return h
}

// Subscribe adds a subscription. Every event published after Subscribe
// returns is delivered on its channel, unless the subscription ends first.
// After Close, Subscribe returns a subscription whose channel is closed.
func (h *Hub) Subscribe() *Subscription {
	c := make(chan *Event, h.queueSize)
	s := &Subscription{C: c, c: c, idx: -1}
	select {
	case h.register <- s:
		h.n.Add(1)
	case <-h.quit:
		close(c)
	}
	return s
}

// Unsubscribe ends s and closes its channel if the hub has not already done
// so. It may be called more than once, and after Close.
func (h *Hub) Unsubscribe(s *Subscription) {
	select {
	case h.unregister <- s:
	case <-h.quit:
	}
}

// Publish hands events to every subscription, in order. The writer calls it
// after each commit with the committed events in seq order.
//
// Publish does not wait for subscribers: it returns once the owner goroutine
// has the events queued, and a subscriber without room for them is dropped.
// Publish keeps a copy of the events, not of the bytes they refer to, so
// Data must not be modified afterwards. After Close it does nothing.
func (h *Hub) Publish(events ...Event) {
	if len(events) == 0 {
		return
	}
	batch := make([]Event, len(events))
	copy(batch, events)
	select {
	case h.publish <- batch:
	case <-h.quit:
	}
}

// Done returns a channel that is closed when Close is called, so that
// goroutines publishing to the hub can end with it.
func (h *Hub) Done() <-chan struct{} {
	return h.quit
}

// Len returns the number of current subscriptions, for example for a gauge.
// It counts a subscription from when Subscribe returns until its channel is
// closed.
func (h *Hub) Len() int {
	// n is briefly negative when the owner removes a subscription before
	// Subscribe has counted it.
	return int(max(h.n.Load(), 0))
}

// Close ends every subscription (their channels close, Dropped reports
// false) and stops the owner goroutine. Events published but not yet handed
// out are discarded. Close may be called more than once.
func (h *Hub) Close() {
	h.closeOnce.Do(func() { close(h.quit) })
	<-h.done
}

// run is the owner goroutine: it alone reads and writes subs and sends on or
// closes subscription channels.
func (h *Hub) run() {
	defer close(h.done)
	var subs []*Subscription

	remove := func(s *Subscription) {
		i := s.idx
		last := len(subs) - 1
		subs[i] = subs[last]
		subs[i].idx = i
		subs[last] = nil
		subs = subs[:last]
		s.idx = -1
		h.n.Add(-1)
		close(s.c)
	}

	for {
		select {
		case s := <-h.register:
			s.idx = len(subs)
			subs = append(subs, s)

		case s := <-h.unregister:
			if s.idx >= 0 {
				remove(s)
			}

		case batch := <-h.publish:
			// Walk backwards so that remove, which moves the last
			// subscription into the freed place, only moves one that has
			// already been served.
			for i := len(subs) - 1; i >= 0; i-- {
				s := subs[i]
				for j := range batch {
					select {
					case s.c <- &batch[j]:
						continue
					default:
					}
					s.dropped.Store(true)
					remove(s)
					break
				}
			}

		case <-h.quit:
			for _, s := range subs {
				s.idx = -1
				h.n.Add(-1)
				close(s.c)
			}
			return
		}
	}
}
