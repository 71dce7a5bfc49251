// Package hub fans out committed events of hallq's public log to the
// subscribers that stream them live: hall displays, window screens, phones
// following a ticket, and anyone watching the public log.
//
// The server's writer goroutine calls Hub.Publish after each commit, in seq
// order. Publish never waits for a subscriber: each subscription has a
// bounded queue, and a subscriber whose queue is full is dropped (its
// channel is closed and Subscription.Dropped reports true) instead of
// delaying everyone else. A dropped client reconnects and resumes from the
// last seq it received; the log, not the hub, is what guarantees that nothing
// is lost.
//
// One goroutine, started by New and ended by Hub.Close, owns the subscriber
// set and is the only one that sends on or closes subscription channels.
// Publish, Subscribe and Unsubscribe hand their work to it over channels.
//
// The hub knows nothing of websockets or HTTP: an Event carries the
// published bytes and an opaque Encoded value that a transport prepares once
// for all receivers (the stream package stores a *websocket.PreparedMessage
// there).
package hub
