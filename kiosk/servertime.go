package main

import "time"

// serverTimer is a Server that estimates the server's clock from its last
// answer (client.Client does, from wire.HeaderServerTime).
type serverTimer interface {
	ServerTime() (time.Time, bool)
}

// clockFromServerLocked sets the kiosk's offset to the server's clock from
// the server's last answer, the local clock reading local; k.mu is held. It
// reports false when the server gave no time, and the offset stays.
//
// The estimate is the time in that answer plus the time since it came, not
// truncated: an offline ticket printed after the answer claims a time no
// earlier than the answer, which the server wrote after every contact of the
// request, so the published placement rule keeps the claim as it is.
func (k *Kiosk) clockFromServerLocked(local time.Time) bool {
	st, ok := k.srv.(serverTimer)
	if !ok {
		return false
	}
	at, ok := st.ServerTime()
	if !ok {
		return false
	}
	k.offset = at.Sub(local)
	return true
}
