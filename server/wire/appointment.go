package wire

import "time"

// CheckInRequest checks in a booking at a kiosk (POST
// /api/v1/appointments/check-in): the booker's document, and the booking code
// when the document holds several bookings today (ECHOOSE).
type CheckInRequest struct {
	IDKind   string `json:"id_kind,omitempty"`
	IDNumber string `json:"id_number"`
	Code     string `json:"code,omitempty"`
}

// Appointment is a booking as the API returns it (POST /api/v1/appointments,
// GET /api/v1/appointments/{token}, its cancel, and the choices of a refused
// check-in): nothing personal but the document number masked.
type Appointment struct {
	Booking  string    `json:"booking"` // the opaque ID the public log names it by
	Code     string    `json:"code"`    // booking code, shown and printed for the booker
	Service  string    `json:"service"`
	Slot     string    `json:"slot"`
	Start    time.Time `json:"start"`
	End      time.Time `json:"end"`
	Status   string    `json:"status"`
	Document string    `json:"document,omitempty"` // first 3 and last 2 characters
	Number   string    `json:"number,omitempty"`   // the ticket, once checked in
	// CheckInFrom and CheckInUntil bound the check-in; CancelUntil the
	// cancellation.
	CheckInFrom  time.Time `json:"check_in_from"`
	CheckInUntil time.Time `json:"check_in_until"`
	CancelUntil  time.Time `json:"cancel_until"`
	// Token is the booker's secret link, returned only to the booker when the
	// booking is made; StatusURL is its page.
	Token string `json:"token,omitempty"`
	// ApplyUntil ends the applications of a service whose places are drawn
	// by lot; Drawn tells that the booking won its place in the draw.
	ApplyUntil    time.Time `json:"apply_until,omitzero"`
	Drawn         bool      `json:"drawn,omitempty"`
	ServiceNameZH string    `json:"service_name_zh"`
	ServiceNameEN string    `json:"service_name_en"`
	StatusURL     string    `json:"status_url,omitempty"`
}

// AppointmentBody wraps one booking in the API's answers.
type AppointmentBody struct {
	Appointment Appointment `json:"appointment"`
}

// ChoiceBody is the refusal of a check-in whose document has several
// bookings today: the error (ECHOOSE) and the bookings to choose from (no
// document, no token, no link).
type ChoiceBody struct {
	Error    ErrorDetail   `json:"error"`
	Bookings []Appointment `json:"bookings"`
}
