package engine

import (
	"sync"
	"time"
)

// contacts holds, per kiosk, the time of its last request the public log does
// not show (status reports, board and hall requests, event streams opened …).
// A kiosk that was talking to the server was not offline: the sync of an
// offline ticket places it no earlier than this. It is bounded by the enrolled
// kiosks, and lost on a restart, which can only place a later sync earlier,
// never later, than the rule would with it.
type contacts struct {
	mu   sync.Mutex
	last map[string]time.Time
}

// Seen records a request of a kiosk, made with its token, at the server's
// clock. Callers leave out the offline syncs themselves: a kiosk sends its
// offline tickets one request at a time.
func (e *Engine) Seen(kiosk string) {
	now := e.opts.Now()
	e.contacts.mu.Lock()
	defer e.contacts.mu.Unlock()
	if e.contacts.last == nil {
		e.contacts.last = map[string]time.Time{}
	}
	if now.After(e.contacts.last[kiosk]) {
		e.contacts.last[kiosk] = now
	}
}

// lastSeen returns the last request of a kiosk recorded with Seen, zero for none.
func (e *Engine) lastSeen(kiosk string) time.Time {
	e.contacts.mu.Lock()
	defer e.contacts.mu.Unlock()
	return e.contacts.last[kiosk]
}
