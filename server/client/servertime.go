package client

import (
	"sync"
	"time"
)

// serverClock remembers the server's time in its last answer and when it
// came, by the client's clock.
type serverClock struct {
	mu       sync.Mutex
	at       time.Time // the server's time, as its answer says
	received time.Time // when the answer came, with a monotonic reading
}

// observe takes the server time header of an answer that came at now, if it
// has one.
func (c *serverClock) observe(header string, now time.Time) {
	if header == "" {
		return
	}
	at, err := time.Parse(time.RFC3339Nano, header)
	if err != nil {
		return
	}
	c.mu.Lock()
	c.at, c.received = at, now
	c.mu.Unlock()
}

// ServerTime estimates the server's clock now: the time in its last answer
// (wire.HeaderServerTime) plus the time elapsed since that answer came, by
// the client's clock (Options.Now; the monotonic clock by default). The estimate runs behind the server's clock
// by the answer's way back (milliseconds on a hall's network) and by the two
// clocks' drift since, and is no earlier than anything the server did for a
// request answered before. ok is false before any answer carried the time.
func (c *Client) ServerTime() (now time.Time, ok bool) {
	c.clock.mu.Lock()
	defer c.clock.mu.Unlock()
	if c.clock.at.IsZero() {
		return time.Time{}, false
	}
	return c.clock.at.Add(c.now().Sub(c.clock.received)), true
}
