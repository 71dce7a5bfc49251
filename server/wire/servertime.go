package wire

// HeaderServerTime is the header of every API answer that carries the
// server's clock as the answer was written (RFC 3339 with nanoseconds, UTC).
// A kiosk takes its estimate of the server's clock from it: the time is no
// earlier than any contact the request made (its arrival, a lease granted, a
// ticket issued), so a ticket the kiosk prints offline after the answer
// claims a time no earlier than them.
const HeaderServerTime = "Hallq-Server-Time"
