package client

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/gorilla/websocket"

	"hallq/server/eventlog"
	"hallq/server/wire"
)

// CloseSlowConsumer is the close code of a stream the server dropped because
// the client fell behind; the client resumes at once.
const CloseSlowConsumer = 4000

// maxMessage bounds one message of the stream.
const maxMessage = 1 << 20

// StreamState is the state of a stream's connection.
type StreamState int

// The states a stream reports through StreamHandler.Status.
const (
	// StreamConnecting: dialling the server.
	StreamConnecting StreamState = iota
	// StreamCatchingUp: connected; receiving the events after the last one
	// delivered, up to the head of the log.
	StreamCatchingUp
	// StreamLive: a heartbeat confirmed that every event up to the head was
	// delivered; new events arrive as they are committed.
	StreamLive
	// StreamDown: the connection failed or ended (Err says why); the next
	// attempt comes after Retry.
	StreamDown
)

// String returns the state's name.
func (s StreamState) String() string {
	switch s {
	case StreamConnecting:
		return "connecting"
	case StreamCatchingUp:
		return "catching up"
	case StreamLive:
		return "live"
	case StreamDown:
		return "down"
	}
	return "StreamState(" + strconv.Itoa(int(s)) + ")"
}

// StreamStatus is a change of a stream's connection.
type StreamStatus struct {
	State StreamState
	// Last is the seq of the last event delivered.
	Last uint64
	// Err is why the connection is down (StreamDown only). An *Error means the
	// server refused the stream: ECONFLICT when Last is beyond the end of its
	// log, which a display must treat as the server's log having changed.
	Err error
	// Retry is the wait before the next attempt (StreamDown only).
	Retry time.Duration
}

// StreamHandler receives a stream's events, heartbeats and connection states,
// all from the goroutine that called Stream. Nil functions are skipped.
type StreamHandler struct {
	// Event receives the next event of the log, its seq one more than the
	// one before, parsed: its layout is checked, its place in the hash chain
	// is not (an eventlog.Verifier does that). It may keep the Record. An
	// error ends Stream with that error; the event counts as not delivered.
	Event func(rec eventlog.Record) error
	// Heartbeat receives each heartbeat. An error ends Stream with it.
	Heartbeat func(hb wire.Heartbeat) error
	// Status receives every change of the connection.
	Status func(st StreamStatus)
}

// handlerError carries an error that ends Stream: the handler's, or an event
// that does not parse.
type handlerError struct{ err error }

func (e *handlerError) Error() string { return e.err.Error() }
func (e *handlerError) Unwrap() error { return e.err }

// Stream follows the public log from the event after seq after until ctx ends
// or a handler function fails. It delivers each event once and in order, and
// reconnects whatever happens to the connection: after a failure with a
// backoff doubling from Options.MinBackoff to Options.MaxBackoff (with
// jitter), at once when dropped as a slow consumer, resuming after the last
// event delivered. It returns ctx's error, the handler's error wrapped, or,
// when the server sends an event that is not in the published layout, an
// error wrapping eventlog.ErrInvalid: following the log again would not help.
func (c *Client) Stream(ctx context.Context, after uint64, h StreamHandler) error {
	last := after
	var beat time.Duration // the server's heartbeat interval, once learnt
	status := func(st StreamStatus) {
		if h.Status != nil {
			st.Last = last
			h.Status(st)
		}
	}
	failures := 0
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		status(StreamStatus{State: StreamConnecting})
		live, err := c.streamOnce(ctx, &last, &beat, h, status)
		if herr, ok := errors.AsType[*handlerError](err); ok {
			return fmt.Errorf("client: stream after %d: %w", last, herr.err)
		}
		if ctxErr := ctx.Err(); ctxErr != nil {
			return ctxErr
		}
		if live {
			failures = 0
		}
		wait := c.backoff(failures)
		if ce, ok := errors.AsType[*websocket.CloseError](err); ok && ce.Code == CloseSlowConsumer {
			wait = 0
		} else {
			failures++
		}
		status(StreamStatus{State: StreamDown, Err: err, Retry: wait})
		if wait > 0 {
			t := time.NewTimer(wait)
			select {
			case <-ctx.Done():
				t.Stop()
				return ctx.Err()
			case <-t.C:
			}
		}
	}
}

// backoff returns the wait before the next attempt after n failures in a row:
// MinBackoff doubled n times, at most MaxBackoff, of which a random half.
func (c *Client) backoff(n int) time.Duration {
	d := c.opts.MinBackoff
	for range min(n, 30) {
		d *= 2
		if d >= c.opts.MaxBackoff {
			d = c.opts.MaxBackoff
			break
		}
	}
	return d/2 + rand.N(d/2+1)
}

// streamURL returns the websocket URL of the stream after seq after.
func (c *Client) streamURL(after uint64) string {
	u, _ := url.Parse(c.endpoint("/api/v1/ws", url.Values{"after": {strconv.FormatUint(after, 10)}}))
	if u.Scheme == "https" {
		u.Scheme = "wss"
	} else {
		u.Scheme = "ws"
	}
	return u.String()
}

// streamOnce runs one connection until it fails. It reports whether the
// connection went live. beat is the interval between the server's
// heartbeats, learnt from them (0 until then): a hall may space them more
// than the default, and the connection may then stay silent for longer.
func (c *Client) streamOnce(ctx context.Context, last *uint64, beat *time.Duration, h StreamHandler, status func(StreamStatus)) (live bool, err error) {
	dialer := websocket.Dialer{
		Proxy:            http.ProxyFromEnvironment,
		HandshakeTimeout: c.opts.Timeout,
	}
	if c.hc.Transport != nil {
		if t, ok := c.hc.Transport.(*http.Transport); ok && t.TLSClientConfig != nil {
			// A copy: net/http adds "h2" to the config it uses, and a
			// websocket handshake must not offer HTTP/2.
			dialer.TLSClientConfig = t.TLSClientConfig.Clone()
			dialer.TLSClientConfig.NextProtos = nil
		}
	}
	header := http.Header{"User-Agent": {c.opts.UserAgent}}
	c.authorize(header)
	dialCtx, cancel := context.WithTimeout(ctx, c.opts.Timeout)
	conn, resp, err := dialer.DialContext(dialCtx, c.streamURL(*last), header)
	cancel()
	if err != nil {
		if resp != nil && resp.StatusCode != http.StatusSwitchingProtocols {
			body, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
			resp.Body.Close()
			return false, fmt.Errorf("client: stream after %d: %w", *last, decodeError(resp.StatusCode, body))
		}
		return false, fmt.Errorf("client: stream after %d: %w", *last, err)
	}
	defer conn.Close()
	stop := context.AfterFunc(ctx, func() { conn.Close() })
	defer stop()
	status(StreamStatus{State: StreamCatchingUp})

	conn.SetReadLimit(maxMessage)
	alive := func() { conn.SetReadDeadline(time.Now().Add(max(c.opts.Liveness, *beat*7/2))) }
	var lastBeat time.Time
	conn.SetPingHandler(func(data string) error {
		alive()
		err := conn.WriteControl(websocket.PongMessage, []byte(data), time.Now().Add(c.opts.Timeout))
		if errors.Is(err, websocket.ErrCloseSent) {
			return nil
		}
		return err
	})
	for {
		alive()
		_, msg, err := conn.ReadMessage()
		if err != nil {
			return live, fmt.Errorf("client: stream after %d: %w", *last, err)
		}
		if bytes.HasPrefix(msg, []byte(`{"seq":`)) {
			rec, err := eventlog.Parse(msg)
			switch {
			case err != nil:
				return live, &handlerError{fmt.Errorf("event after %d: %w", *last, err)}
			case rec.Seq <= *last:
				continue // already delivered
			case rec.Seq != *last+1:
				return live, fmt.Errorf("client: stream after %d: server sent event %d", *last, rec.Seq)
			}
			if h.Event != nil {
				if err := h.Event(rec); err != nil {
					return live, &handlerError{err}
				}
			}
			*last = rec.Seq
			continue
		}
		var m wire.Heartbeat
		if err := json.Unmarshal(msg, &m); err != nil || m.Type != "heartbeat" {
			continue // a message of a later protocol version
		}
		if m.Seq > *last {
			return live, fmt.Errorf("client: stream after %d: heartbeat names event %d, which was not sent", *last, m.Seq)
		}
		if now := time.Now(); !lastBeat.IsZero() && now.Sub(lastBeat) > time.Second {
			*beat = now.Sub(lastBeat)
		}
		lastBeat = time.Now()
		if !live {
			live = true
			status(StreamStatus{State: StreamLive})
		}
		if h.Heartbeat != nil {
			if err := h.Heartbeat(m); err != nil {
				return live, &handlerError{err}
			}
		}
	}
}
