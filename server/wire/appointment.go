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

// Booking is one of the bookings a check-in refused with ECHOOSE offers to
// choose from: its code, service and slot, nothing personal.
type Booking struct {
	Code          string    `json:"code"`
	Service       string    `json:"service"`
	ServiceNameZH string    `json:"service_name_zh"`
	ServiceNameEN string    `json:"service_name_en"`
	Slot          string    `json:"slot"`
	Start         time.Time `json:"start"`
	End           time.Time `json:"end"`
	Status        string    `json:"status"`
}

// ChoiceBody is the refusal of a check-in whose document has several
// bookings today: the error (ECHOOSE) and the bookings to choose from.
type ChoiceBody struct {
	Error    ErrorDetail `json:"error"`
	Bookings []Booking   `json:"bookings"`
}
