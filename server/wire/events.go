package wire

import (
	"encoding/json"
	"time"
)

// MaxEventsLimit is the most events one /api/v1/events page returns.
const MaxEventsLimit = 1000

// EventsPage is a page of the public log (GET /api/v1/events).
type EventsPage struct {
	Events []json.RawMessage `json:"events"` // exact published bytes
	Head   Head              `json:"head"`
	// Next is the after to ask for the next page: the last seq returned.
	Next uint64 `json:"next"`
	More bool   `json:"more"`
}

// Head names the last event of the log.
type Head struct {
	Seq  uint64 `json:"seq"`
	Hash string `json:"hash"`
}

// Heartbeat is the websocket stream's heartbeat message. Every event up to
// and including Seq was sent on the connection before it.
type Heartbeat struct {
	Type string    `json:"type"` // always "heartbeat"
	Seq  uint64    `json:"seq"`  // seq of the head of the log
	Hash string    `json:"hash"` // hash of the head of the log
	Time time.Time `json:"time"` // server time, UTC
}

// Health is the server's health check (GET /healthz). A failing store answers
// 503 with Status "failing" and Error saying where to look.
type Health struct {
	Error         string `json:"error,omitempty"`
	Hall          string `json:"hall"`
	Hash          string `json:"hash"`
	Seq           uint64 `json:"seq"`
	Status        string `json:"status"` // ok or failing
	UptimeSeconds int    `json:"uptime_seconds"`
	// Federation is the copy of the log to the city, when the hall federates.
	Federation *Federation `json:"federation,omitempty"`
}

// Federation is the state of a hall's copy of its log to the city's NATS
// JetStream. The hall keeps working whatever it says.
type Federation struct {
	Connected bool   `json:"connected"`
	Stored    uint64 `json:"stored_seq"`  // last event the city's stream confirmed
	Lag       uint64 `json:"lag_events"`  // events committed, not yet confirmed
	LagSecs   int    `json:"lag_seconds"` // how long the oldest of them has waited
	Error     string `json:"error,omitempty"`
}
