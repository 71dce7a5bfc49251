// Package client is the Go client of the hallq server API, used by the kiosk and
// the hall display.
//
// A Client sends the HTTP requests of /api/v1 with the device's bearer token and
// decodes their answers into the types of this package; every refusal comes back
// as an *Error carrying the API's stable code (EINVALID, ECONFLICT …) and its
// messages in English and Chinese. Staff requests (Login, Act) keep the session
// cookie and CSRF token inside the Client.
//
// Stream follows the public event log over the websocket /api/v1/ws: it hands
// every event to the caller as its exact published bytes, in seq order and each
// exactly once, and survives anything the network does: it reconnects with
// exponential backoff and jitter, resumes after the last seq it delivered,
// reconnects at once when the server drops it as a slow consumer (close code
// 4000), and treats a connection that stays silent longer than the liveness
// timeout (heartbeats come every ten seconds by default) as dead. Checking the
// hash chain is left to the caller, which has the bytes and its own record of
// the previous hash (eventlog.Verify does it).
//
// A Client is safe for use by many goroutines; Stream runs in the goroutine
// that calls it and calls its handler from that goroutine only.
package client
