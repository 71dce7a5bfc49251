package wire

import "time"

// IssueRequest asks for a number (POST /api/v1/tickets). IDNumber and IDKind
// (resident, passport, hk_macao, taiwan, foreign_pr) are for real-name
// services.
type IssueRequest struct {
	Service        string `json:"service"`
	Priority       string `json:"priority,omitempty"`
	IDNumber       string `json:"id_number,omitempty"`
	IDKind         string `json:"id_kind,omitempty"`
	IdempotencyKey string `json:"idempotency_key"`
}

// Ticket is a ticket as the API returns it; it holds nothing personal.
type Ticket struct {
	ID            string `json:"id"`
	Number        string `json:"number"`
	Service       string `json:"service"`
	ServiceNameZH string `json:"service_name_zh"`
	ServiceNameEN string `json:"service_name_en"`
	Priority      string `json:"priority,omitempty"`
	// Appointment marks a ticket checked in from a booking; Late one checked
	// in after the on-time window, waiting as a walk-in.
	Appointment  bool      `json:"appointment,omitempty"`
	Late         bool      `json:"late,omitempty"`
	Status       string    `json:"status"` // waiting, called, completed, no_show, cancelled
	IssuedAt     time.Time `json:"issued_at"`
	Ahead        int       `json:"ahead"`
	ETASeconds   int       `json:"eta_seconds"`
	Window       string    `json:"window,omitempty"`
	WindowNameZH string    `json:"window_name_zh,omitempty"`
	WindowNameEN string    `json:"window_name_en,omitempty"`
	CalledAt     time.Time `json:"called_at,omitzero"`
	// Token and StatusURL (the receipt's QR link) come only with a new ticket.
	Token     string `json:"token,omitempty"`
	StatusURL string `json:"status_url,omitempty"`
	// Seq and Hash name the log's head when the answer was made.
	Seq  uint64 `json:"seq"`
	Hash string `json:"hash"`
	// CheckpointSeq and CheckpointHash are what the last signed checkpoint
	// signed when the answer was made; receipts print them.
	CheckpointSeq  uint64 `json:"checkpoint_seq,omitempty"`
	CheckpointHash string `json:"checkpoint_hash,omitempty"`
	// Reprint marks the answer to a check-in of a booking checked in before
	// (200, not 201): the ticket it became, to print again.
	Reprint bool `json:"reprint,omitempty"`
	// Rating is the level the ticket was rated; RateUntil, while its holder
	// may still rate it (completed, not rated, within the rating period),
	// the end of that time.
	Rating    string    `json:"rating,omitempty"`
	RateUntil time.Time `json:"rate_until,omitzero"`
}

// TicketAnswer is the answer about one ticket: issued, looked up, cancelled
// or synced.
type TicketAnswer struct {
	Ticket Ticket `json:"ticket"`
}

// LeaseRequest asks for numbers of a service to issue while offline (POST
// /api/v1/leases); Count 0 asks for as many as the hall's lease size allows.
type LeaseRequest struct {
	Service string `json:"service"`
	Count   int    `json:"count,omitempty"`
}

// Lease is a block of numbers of one service reserved for a kiosk, which it
// issues while it cannot reach the server (lease.granted in the public log).
// A lease is valid on its service day only.
type Lease struct {
	ID      string         `json:"id"`
	Service string         `json:"service"`
	Day     string         `json:"day"` // service day, such as 2026-11-22
	Numbers []LeasedNumber `json:"numbers"`
}

// LeasedNumber is one unused number of a lease, with the ticket it will become
// and the status link its receipt's QR code must carry (the kiosk cannot make
// tokens itself: they are keyed with a server secret).
type LeasedNumber struct {
	Number    string `json:"number"`
	Ticket    string `json:"ticket"`
	Token     string `json:"token"`
	StatusURL string `json:"status_url"`
}

// LeaseAnswer is the answer to a lease request.
type LeaseAnswer struct {
	Lease Lease `json:"lease"`
}

// LeasesAnswer lists a kiosk's leases (GET /api/v1/leases).
type LeasesAnswer struct {
	Leases []Lease `json:"leases"`
}

// OfflineTicket is a ticket a kiosk issued from a leased number while offline,
// as it reports it to the server (POST /api/v1/tickets/offline).
type OfflineTicket struct {
	Lease    string    `json:"lease"`
	Number   string    `json:"number"`
	IssuedAt time.Time `json:"issued_at"` // when the kiosk printed it; the ticket enters the queue by it
	Priority string    `json:"priority,omitempty"`
	// Replaces is the idempotency key of the kiosk's ticket request that got
	// no answer before it printed this ticket instead, or empty. If the
	// server did issue that ticket and it still waits, the server withdraws
	// it (ticket.cancelled by "kiosk", replaced_by this number); if not, the
	// key is spent, so that the request arriving late issues nothing.
	Replaces string `json:"replaces,omitempty"`
}

// WithdrawRequest settles a kiosk's ticket request that got no answer (POST
// /api/v1/tickets/withdraw).
type WithdrawRequest struct {
	// IdempotencyKey is the key of the request that got no answer and that
	// the kiosk could print nothing in place of.
	IdempotencyKey string `json:"idempotency_key"`
}

// Withdrawn is the answer to a withdrawal: the number withdrawn, "" when
// there was none.
type Withdrawn struct {
	Withdrawn string `json:"withdrawn"`
}

// DeskIssueRequest asks for a number on an applicant's behalf at a reception
// desk (POST /api/v1/desk/tickets): like IssueRequest, but any priority class
// may be assigned, since desk staff check the applicant's card. Print asks
// for the receipt on the desk's printer.
type DeskIssueRequest struct {
	IssueRequest
	Print bool `json:"print,omitempty"`
	// Phone is the applicant's mobile number, if they want the hall's text
	// messages: when their turn is close and when they are called. Kept
	// privately until the day is sealed; never published.
	Phone string `json:"phone,omitempty"`
}

// DeskCheckInRequest checks in an applicant's booking at a reception desk
// (POST /api/v1/desk/check-in), by the booker's document.
type DeskCheckInRequest struct {
	CheckInRequest
	Print bool   `json:"print,omitempty"`
	Phone string `json:"phone,omitempty"` // as in DeskIssueRequest
}

// PhoneRequest leaves an applicant's mobile number for the hall's text
// messages (POST /api/v1/tickets/{token}/phone, by the kiosk that issued
// the ticket).
type PhoneRequest struct {
	Phone string `json:"phone"`
}

// PhoneAnswer says the number is kept.
type PhoneAnswer struct {
	Registered bool `json:"registered"`
}

// DeskTicket is a reception desk's answer: the ticket (with its status link,
// to show or print), whether the desk's printer printed it, and why not.
type DeskTicket struct {
	Ticket  Ticket       `json:"ticket"`
	Printed bool         `json:"printed"`
	Printer PrinterState `json:"printer,omitempty"` // the printer's state when it did not print
	// PrintError says in words why the receipt did not print.
	PrintError string `json:"print_error,omitempty"`
	// PhoneRegistered says the phone number asked with is kept; PhoneError
	// says why not (the ticket stands either way).
	PhoneRegistered bool   `json:"phone_registered,omitempty"`
	PhoneError      string `json:"phone_error,omitempty"`
	PhoneErrorZH    string `json:"phone_error_zh,omitempty"`
}

// Desk is a reception desk as its staff see it (GET /api/v1/desk).
type Desk struct {
	ID       string   `json:"id"`
	NameZH   string   `json:"name_zh"`
	NameEN   string   `json:"name_en"`
	Services []string `json:"services,omitempty"` // the services it issues; empty for all
	Printer  bool     `json:"printer"`            // it has a receipt printer
}
