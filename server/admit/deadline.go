package admit

import (
	"net/http"
	"time"
)

// WriteDeadline gives every request but streams (stream reports which) d to
// write its answer, counted from when its handler starts, so that a client
// that stops reading cannot hold the handler. The http.Server's ReadTimeout
// bounds reading the request; a websocket's upgrade clears both deadlines and
// the stream keeps its own.
func WriteDeadline(h http.Handler, d time.Duration, stream func(*http.Request) bool) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if d > 0 && !stream(r) {
			// An error means the writer cannot have deadlines (a test's
			// recorder); there is nothing to bound then.
			_ = http.NewResponseController(w).SetWriteDeadline(time.Now().Add(d))
		}
		h.ServeHTTP(w, r)
	})
}
