package stream

import (
	"errors"
	"fmt"
	"log/slog"
	"runtime"
	"sync"
	"time"

	"github.com/gorilla/websocket"

	"hallq/server/hub"
)

// errClientGone ends a stream whose client closed the connection or stopped
// answering pings.
var errClientGone = errors.New("client gone")

// endError ends a stream with a close frame.
type endError struct {
	code   int
	reason string // the close reason's prefix; the resume hint follows
	err    error  // the cause, for the log; may be nil
}

func (e *endError) Error() string {
	if e.err == nil {
		return e.reason
	}
	return e.reason + ": " + e.err.Error()
}

func (e *endError) Unwrap() error { return e.err }

// conn is one stream. Its fields belong to the write pump, the goroutine
// running serve, except ws, whose read side belongs to the read pump, and
// those under mu.
type conn struct {
	srv  *Server
	ws   *websocket.Conn
	last uint64 // seq of the last event sent
	log  *slog.Logger

	mu       sync.Mutex
	sub      *hub.Subscription // set by the write pump once subscribed
	readDone bool              // set by the read pump when it returns
}

// serve is the write pump. It starts the read pump, streams until the
// client leaves or the stream must end, sends the close frame and closes
// the connection.
func (c *conn) serve() {
	after := c.last
	c.log.Debug("stream opened", "after", after)
	readDone := make(chan struct{})
	go c.readPump(readDone)

	err := c.stream(readDone)

	var end *endError
	if errors.As(err, &end) {
		reason := fmt.Sprintf("%s: resume with ?after=%d", end.reason, c.last)
		msg := websocket.FormatCloseMessage(end.code, reason)
		werr := c.ws.WriteControl(websocket.CloseMessage, msg, time.Now().Add(c.srv.opts.WriteTimeout))
		if werr == nil {
			// Give the client a moment to answer the close frame, so
			// that the connection ends cleanly.
			select {
			case <-readDone:
			case <-time.After(c.srv.opts.WriteTimeout):
			}
		}
	}
	c.ws.Close()
	<-readDone

	switch {
	case end != nil && end.code == CloseSlowConsumer:
		c.log.Info("stream dropped slow consumer", "after", after, "last", c.last)
	case end != nil && end.err != nil:
		c.log.Warn("stream ended", "after", after, "last", c.last, "err", err)
	default:
		c.log.Debug("stream closed", "after", after, "last", c.last, "err", err)
	}
}

// readPump reads and discards what the client sends, answering pings and
// keeping the read deadline one PongTimeout ahead of the last pong. When the
// connection fails or the client closes it, it closes done and ends the
// subscription, which wakes the write pump.
func (c *conn) readPump(done chan<- struct{}) {
	defer func() {
		close(done)
		c.mu.Lock()
		c.readDone = true
		sub := c.sub
		c.mu.Unlock()
		if sub != nil {
			c.srv.hub.Unsubscribe(sub)
		}
	}()
	timeout := c.srv.opts.PongTimeout
	c.ws.SetReadLimit(readLimit)
	c.ws.SetReadDeadline(time.Now().Add(timeout))
	c.ws.SetPongHandler(func(string) error {
		return c.ws.SetReadDeadline(time.Now().Add(timeout))
	})
	for {
		if _, _, err := c.ws.NextReader(); err != nil {
			return
		}
	}
}

// stream sends the catch-up, then live events and the signals the server
// publishes with them (heartbeats, pings), until an error ends it.
func (c *conn) stream(readDone <-chan struct{}) error {
	// Catch up from the log before subscribing, so that a long backlog
	// cannot overflow the live queue.
	if err := c.sendFromLog(^uint64(0), readDone); err != nil {
		return err
	}
	sub := c.srv.hub.Subscribe()
	defer c.srv.hub.Unsubscribe(sub)
	c.mu.Lock()
	gone := c.readDone
	c.sub = sub
	c.mu.Unlock()
	if gone {
		return errClientGone
	}
	// Every event committed from now on is published to sub; the
	// heartbeat sends those committed earlier, up to the head. sub may
	// repeat some of them, which are skipped by seq.
	if err := c.heartbeat(nil, readDone); err != nil {
		return err
	}

	// One plain receive per event: the subscription also carries the
	// server's heartbeats and pings, and is ended by the read pump when the
	// client goes.
	for ev := range sub.C {
		var err error
		if ev.Seq == 0 {
			err = c.signal(ev, readDone)
		} else {
			err = c.sendLive(ev, readDone)
		}
		if err != nil {
			return err
		}
	}
	select {
	case <-readDone:
		return errClientGone
	default:
	}
	if sub.Dropped() {
		return &endError{code: CloseSlowConsumer, reason: "slow consumer"}
	}
	return &endError{code: websocket.CloseGoingAway, reason: "server shutting down"}
}

// signal handles a heartbeat or ping published by the server.
func (c *conn) signal(ev *hub.Event, readDone <-chan struct{}) error {
	switch sig := ev.Encoded.(type) {
	case *heartbeatSignal:
		return c.heartbeat(sig, readDone)
	case pingSignal:
		if err := c.ws.WriteControl(websocket.PingMessage, nil, time.Now().Add(c.srv.opts.WriteTimeout)); err != nil {
			return fmt.Errorf("stream: ping: %w", err)
		}
	}
	return nil
}

// sendLive sends a published event unless it was sent already, first
// filling from the log any events between the last sent and ev.
func (c *conn) sendLive(ev *hub.Event, readDone <-chan struct{}) error {
	if ev.Seq <= c.last {
		return nil
	}
	if ev.Seq > c.last+1 {
		if err := c.sendFromLog(ev.Seq-1, readDone); err != nil {
			return err
		}
		if c.last != ev.Seq-1 {
			return &endError{
				code:   websocket.CloseInternalServerErr,
				reason: "log unavailable",
				err:    fmt.Errorf("stream: event %d published but the log ends at %d", ev.Seq, c.last),
			}
		}
	}
	return c.send(ev)
}

// sendFromLog sends the committed events after the last sent, up to and
// including upTo, until the log has no more.
func (c *conn) sendFromLog(upTo uint64, readDone <-chan struct{}) error {
	for c.last < upTo {
		select {
		case <-readDone:
			return errClientGone
		default:
		}
		release, err := c.replaySlot(upTo, readDone)
		if err != nil {
			return err
		}
		more, err := c.sendPage(upTo)
		release()
		if err != nil || !more {
			return err
		}
		// Let the writer and other requests run between pages.
		runtime.Gosched()
	}
	return nil
}

// replaySlot waits for one of the server's replay slots when the stream is
// more than a few events behind upTo, and returns the func that frees it.
func (c *conn) replaySlot(upTo uint64, readDone <-chan struct{}) (func(), error) {
	head, _ := c.srv.src.Head()
	if min(head, upTo) <= c.last+replayGap {
		return func() {}, nil
	}
	select {
	case c.srv.replays <- struct{}{}:
		return func() { <-c.srv.replays }, nil
	case <-readDone:
		return nil, errClientGone
	}
}

// replayGap is how far behind a stream may be and catch up without a
// replay slot: live streams fill small gaps at once.
const replayGap = 64

// sendPage sends one page of committed events after the last sent, up to
// and including upTo, and reports whether the log may hold more of them. The
// page must be sent within WriteTimeout, so that a client reading slowly
// cannot hold a replay slot for long.
func (c *conn) sendPage(upTo uint64) (more bool, err error) {
	evs, err := c.srv.src.EventsAfter(c.last, c.srv.opts.PageSize)
	if err != nil {
		return false, &endError{
			code:   websocket.CloseInternalServerErr,
			reason: "log unavailable",
			err:    fmt.Errorf("stream: read events after %d: %w", c.last, err),
		}
	}
	deadline := time.Now().Add(c.srv.opts.WriteTimeout)
	for i := range evs {
		ev := &evs[i]
		if ev.Seq > upTo {
			return false, nil
		}
		if ev.Seq != c.last+1 {
			return false, &endError{
				code:   websocket.CloseInternalServerErr,
				reason: "log unavailable",
				err:    fmt.Errorf("stream: log returned event %d after %d", ev.Seq, c.last),
			}
		}
		if err := c.write(ev, deadline); err != nil {
			return false, err
		}
	}
	return len(evs) > 0, nil
}

// send writes one event and records it as the last sent.
func (c *conn) send(ev *hub.Event) error {
	return c.write(ev, time.Now().Add(c.srv.opts.WriteTimeout))
}

// write writes one event by deadline and records it as the last sent.
func (c *conn) write(ev *hub.Event, deadline time.Time) error {
	c.ws.SetWriteDeadline(deadline)
	var err error
	if pm, ok := ev.Encoded.(*websocket.PreparedMessage); ok {
		err = c.ws.WritePreparedMessage(pm)
	} else {
		err = c.ws.WriteMessage(websocket.TextMessage, ev.Data)
	}
	if err != nil {
		return fmt.Errorf("stream: send event %d: %w", ev.Seq, err)
	}
	c.last = ev.Seq
	return nil
}

// heartbeat sends any committed events the client has not had yet, then a
// heartbeat naming the head of the log: sig's, made once for all streams,
// or, when sig is nil or older than the last event sent, one made here.
//
// The log may serve an event a moment before its head names it; a heartbeat
// that would name a seq before the last event sent is skipped, so that every
// heartbeat names the last event sent before it.
func (c *conn) heartbeat(sig *heartbeatSignal, readDone <-chan struct{}) error {
	if sig == nil || sig.seq < c.last {
		seq, hash := c.srv.src.Head()
		if seq < c.last {
			return nil
		}
		sig = &heartbeatSignal{seq: seq, msg: encodeHeartbeat(seq, hash, time.Now())}
	}
	if err := c.sendFromLog(sig.seq, readDone); err != nil {
		return err
	}
	if c.last != sig.seq {
		return &endError{
			code:   websocket.CloseInternalServerErr,
			reason: "log unavailable",
			err:    fmt.Errorf("stream: head is %d but the log ends at %d", sig.seq, c.last),
		}
	}
	c.ws.SetWriteDeadline(time.Now().Add(c.srv.opts.WriteTimeout))
	var err error
	if sig.pm != nil {
		err = c.ws.WritePreparedMessage(sig.pm)
	} else {
		err = c.ws.WriteMessage(websocket.TextMessage, sig.msg)
	}
	if err != nil {
		return fmt.Errorf("stream: send heartbeat %d: %w", sig.seq, err)
	}
	return nil
}
