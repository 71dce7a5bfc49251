// Package client is the Go client of the hallq server API, used by the kiosk and
// the hall display.
//
// A Client sends the HTTP requests of /api/v1 with the device's bearer token and
// decodes their answers into the types of this package; every refusal comes back
// as an *Error carrying the API's stable code (EINVALID, ECONFLICT …) and its
// messages in English and Chinese. Staff requests (Login, Act) keep the session
// cookie and CSRF token inside the Client.
//
// Requests the server takes once however often they are sent (a ticket with
// its idempotency key, an offline ticket's sync, a withdrawal, a check-in, a
// device's status, a phone number) carry an Idempotency-Key header, so that
// net/http sends one again on a new connection when the kept-alive
// connection it went out on turns out closed by the server, as after a
// restart. Others (a lease, a window's act, a rating) are never sent twice
// by the Client: their failure is the caller's to judge.
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
