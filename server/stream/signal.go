package stream

import (
	"encoding/json"
	"time"

	"github.com/gorilla/websocket"

	"hallq/server/hub"
	"hallq/server/wire"
)

// heartbeatSignal asks every stream for a heartbeat naming the head seq.
// msg is the heartbeat's bytes and pm, when set, their frame made once for
// all streams.
type heartbeatSignal struct {
	seq uint64
	msg []byte
	pm  *websocket.PreparedMessage
}

// pingSignal asks every stream to ping its client.
type pingSignal struct{}

// encodeHeartbeat returns the heartbeat message for the head seq and hash.
func encodeHeartbeat(seq uint64, hash string, at time.Time) []byte {
	msg, err := json.Marshal(wire.Heartbeat{
		Type: "heartbeat",
		Seq:  seq,
		Hash: hash,
		Time: at.UTC().Truncate(time.Millisecond),
	})
	if err != nil {
		panic("stream: encode heartbeat: " + err.Error()) // cannot fail: plain fields
	}
	return msg
}

// signals is the goroutine that publishes heartbeats and pings to every
// stream through the hub, each made once for all of them. It returns when
// the hub is closed.
func (s *Server) signals() {
	heartbeat := time.NewTicker(s.opts.HeartbeatInterval)
	defer heartbeat.Stop()
	ping := time.NewTicker(s.opts.PongTimeout * 9 / 10)
	defer ping.Stop()
	for {
		select {
		case <-s.hub.Done():
			return
		case at := <-heartbeat.C:
			seq, hash := s.src.Head()
			sig := &heartbeatSignal{seq: seq, msg: encodeHeartbeat(seq, hash, at)}
			if pm, err := websocket.NewPreparedMessage(websocket.TextMessage, sig.msg); err == nil {
				sig.pm = pm
			} else {
				s.log.Warn("cannot prepare heartbeat", "seq", seq, "err", err)
			}
			s.hub.Publish(hub.Event{Encoded: sig})
		case <-ping.C:
			s.hub.Publish(hub.Event{Encoded: pingSignal{}})
		}
	}
}
