// Package stream serves hallq's live event stream, GET /api/v1/ws?after=SEQ,
// over websockets: hall displays, window screens and phones keep a copy of
// the public log by subscribing with the last seq they hold.
//
// A connection first receives every committed event with seq > after, read
// page by page from the log (the Source), then the events published live
// through the hub, in seq order, each exactly once and as its exact
// published bytes, one text message per event. A heartbeat text message
//
//	{"type":"heartbeat","seq":<head seq>,"hash":"<head hash>","time":"<RFC 3339 UTC>"}
//
// follows the catch-up and then comes every Options.HeartbeatInterval. The
// connection has been sent every event up to and including the seq a
// heartbeat names before the heartbeat itself, so a client whose last event
// has that seq and hash is current and can show the head hash as verified.
//
// A client that falls behind by more than the hub's queue is dropped with
// close code 4000 (CloseSlowConsumer) and a reason naming the seq to resume
// from, "slow consumer: resume with ?after=N"; it reconnects with that after
// and loses nothing. Shutting the hub down ends every stream with 1001
// (going away), and a failure to read the log with 1011, both with the same
// kind of reason.
//
// Requests are refused before the upgrade with a JSON error body
// {"error":{"code":…,"message":…}}: 400 EINVALID for an after that is not
// a decimal seq or a request that is not a websocket upgrade, 405 EINVALID
// for a method other than GET, 409 ECONFLICT for an after beyond the head of
// the log, and 403 EFORBIDDEN for a browser Origin that is neither the
// request's host nor in Options.AllowedOrigins. Requests without an Origin
// header (devices, Go clients) are accepted.
//
// Each connection has two goroutines: the handler's goroutine is the write
// pump, the only one that writes (events, heartbeats, pings, the close
// frame), with a deadline on every write; a read pump reads and discards
// what the client sends, with a small read limit, and ends the stream when
// no pong arrives within Options.PongTimeout. The write pump waits on its
// hub subscription alone: a goroutine started by New publishes heartbeats
// and pings through the hub (as events with seq 0, each heartbeat encoded
// once for all streams), and the read pump ends the subscription when the
// client goes.
//
// The writer calls Server.Publish after each commit, in seq order; Publish
// encodes each event once (a websocket.PreparedMessage) for all receivers
// and hands it to the hub.
package stream
