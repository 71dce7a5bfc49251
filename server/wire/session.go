package wire

import (
	"time"

	"hallq/server/queue"
)

// LoginRequest signs a staff member in to a window (POST /api/v1/login);
// Window may be left out by someone allowed only one.
type LoginRequest struct {
	Username string `json:"username"`
	Password string `json:"password"`
	Window   string `json:"window,omitempty"`
	// Desk is the reception desk a reception account signs in to, instead
	// of a window.
	Desk string `json:"desk,omitempty"`
}

// Session is a staff member signed in to a window: the answer to a sign-in,
// and (without ExpiresAt) to GET /api/v1/me.
type Session struct {
	Username  string    `json:"username"`
	Name      string    `json:"name"`
	Role      string    `json:"role,omitempty"` // staff, admin or reception
	Window    string    `json:"window"`
	Windows   []string  `json:"windows"`
	Desk      string    `json:"desk,omitempty"`  // reception: the desk signed in to
	Desks     []string  `json:"desks,omitempty"` // reception: the desks allowed
	CSRFToken string    `json:"csrf_token"`
	ExpiresAt time.Time `json:"expires_at,omitzero"`
}

// SignedOut is the answer to POST /api/v1/logout.
type SignedOut struct {
	SignedOut bool `json:"signed_out"`
}

// Device is an enrolled kiosk or display (GET /api/v1/devices/me).
type Device struct {
	ID       string   `json:"id"`
	Kind     string   `json:"kind"` // kiosk or display
	Name     string   `json:"name"`
	Services []string `json:"services,omitempty"` // kiosk: services offered, empty for all
	Window   string   `json:"window,omitempty"`   // display: the window it stands above
	// Ratings says the display, a window's screen, offers the rating
	// buttons (好差评) for RatingSeconds after each service its window
	// completes (POST /api/v1/windows/{id}/rating).
	Ratings       bool `json:"ratings,omitempty"`
	RatingSeconds int  `json:"rating_seconds,omitempty"`
}

// PrinterState is the health of a device's printer.
type PrinterState = queue.PrinterState

// The printer states a device reports; printer.Code names the faults the same way.
const (
	PrinterOK           = queue.PrinterOK
	PrinterPaperNearEnd = queue.PrinterPaperNearEnd
	PrinterPaperOut     = queue.PrinterPaperOut
	PrinterCoverOpen    = queue.PrinterCoverOpen
	PrinterOffline      = queue.PrinterOffline
	PrinterFault        = queue.PrinterFault
	PrinterNoReply      = queue.PrinterNoReply
	PrinterLink         = queue.PrinterLink
)

// DeviceStatus is a kiosk's report of its printer's health (POST
// /api/v1/devices/me/status), and the answer to it (with Device set, and
// Deferred when the report waits for the end of the device's interval,
// device_status_interval, to be recorded).
type DeviceStatus struct {
	Device   string       `json:"device,omitempty"`
	Printer  PrinterState `json:"printer"`
	Detail   string       `json:"detail,omitempty"`
	Deferred bool         `json:"deferred,omitempty"`
}
