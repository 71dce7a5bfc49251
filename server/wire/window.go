package wire

import "time"

// WindowDetail is the public state of one window, with its publicity card
// (GET /api/v1/windows/{id}).
type WindowDetail struct {
	ID      string `json:"id"`
	NameZH  string `json:"name_zh"`
	NameEN  string `json:"name_en"`
	Status  string `json:"status"`
	Current string `json:"current,omitempty"` // number being served
	// CurrentService and CurrentCalledAt describe the ticket being served: its
	// service and when it was first called to this window.
	CurrentService  string    `json:"current_service,omitempty"`
	CurrentCalledAt time.Time `json:"current_called_at,omitzero"`
	// CurrentAppointment marks a ticket checked in from a booking (late: a
	// late check-in); CurrentVerified is the outcome of the document check at
	// the window, "match" or "mismatch", once made.
	CurrentAppointment bool   `json:"current_appointment,omitempty"`
	CurrentLate        bool   `json:"current_late,omitempty"`
	CurrentVerified    string `json:"current_verified,omitempty"`
	Served             int    `json:"served"`
	NoShows            int    `json:"no_shows"`
	// AvgServiceSeconds is today's average service time at the window.
	AvgServiceSeconds int      `json:"avg_service_seconds"`
	Primary           []string `json:"primary"`
	Secondary         []string `json:"secondary,omitempty"`
	Card              *Card    `json:"card,omitempty"`
	// Next are the numbers the calling rule would call next, in order.
	Next []string `json:"next"`
	// Waiting is how many tickets of the window's services wait.
	Waiting int    `json:"waiting"`
	Seq     uint64 `json:"seq"`
	Hash    string `json:"hash"`
}

// ActRequest carries the arguments of a window action that needs them (POST
// /api/v1/windows/{id}/{action}): the number to call, reinstate or cancel,
// the published reason of a manual call, the service to transfer to.
type ActRequest struct {
	Number  string `json:"number,omitempty"`
	Reason  string `json:"reason,omitempty"`
	Service string `json:"service,omitempty"`
}

// ActResult is the answer to a window action.
type ActResult struct {
	Action string     `json:"action"`
	Seq    uint64     `json:"seq"`
	Hash   string     `json:"hash"`
	Window ActWindow  `json:"window"`
	Ticket *ActTicket `json:"ticket,omitempty"`
}

// ActWindow is a window's state after an action.
type ActWindow struct {
	ID                string `json:"id"`
	Status            string `json:"status"`
	Staff             string `json:"staff,omitempty"`
	Current           string `json:"current,omitempty"` // ID of the ticket being served
	Served            int    `json:"served"`
	NoShows           int    `json:"no_shows"`
	AvgServiceSeconds int    `json:"avg_service_seconds"`
}

// ActTicket is the ticket an action concerned.
type ActTicket struct {
	ID      string `json:"id"`
	Number  string `json:"number"`
	Service string `json:"service"`
	Status  string `json:"status"`
}
