package hub

import (
	"fmt"
	"sync/atomic"
	"testing"
)

// BenchmarkFanout measures one published event reaching every subscriber's
// goroutine: through the hub (one channel hop into the owner goroutine, which
// fans out), and through a raw baseline that fans out in the publishing
// goroutine over a plain slice of channels.
func BenchmarkFanout(b *testing.B) {
	for _, n := range []int{1000, 5000} {
		b.Run(fmt.Sprintf("hub/subscribers=%d", n), func(b *testing.B) {
			h := New(Options{})
			b.Cleanup(h.Close)
			chans := make([]<-chan *Event, n)
			for i := range chans {
				chans[i] = h.Subscribe().C
			}
			runFanout(b, chans, func(ev Event) { h.Publish(ev) })
		})
		b.Run(fmt.Sprintf("baseline/subscribers=%d", n), func(b *testing.B) {
			out := make([]chan *Event, n)
			chans := make([]<-chan *Event, n)
			for i := range out {
				out[i] = make(chan *Event, DefaultQueueSize)
				chans[i] = out[i]
			}
			b.Cleanup(func() {
				for _, c := range out {
					close(c)
				}
			})
			runFanout(b, chans, func(ev Event) {
				e := &ev
				for _, c := range out {
					select {
					case c <- e:
					default:
					}
				}
			})
		})
	}
}

// runFanout starts one reader per channel and times publish → every reader
// has the event.
func runFanout(b *testing.B, chans []<-chan *Event, publish func(Event)) {
	var remaining atomic.Int64
	done := make(chan struct{}, 1)
	for _, c := range chans {
		go func() {
			for range c {
				if remaining.Add(-1) == 0 {
					done <- struct{}{}
				}
			}
		}()
	}
	data := []byte(`{"seq":1}`)
	b.ReportAllocs()
	b.ResetTimer()
	for i := range b.N {
		remaining.Store(int64(len(chans)))
		publish(Event{Seq: uint64(i + 1), Data: data})
		<-done
	}
}
