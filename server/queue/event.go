package queue

import (
	"encoding/json"
	"fmt"
	"time"
)

// Event types of the public log. The names are part of the published format.
const (
	TypeDayOpened         = "day.opened"
	TypeDaySealed         = "day.sealed"
	TypeTicketIssued      = "ticket.issued"
	TypeTicketCalled      = "ticket.called"
	TypeTicketRecalled    = "ticket.recalled"
	TypeTicketNoShow      = "ticket.no_show"
	TypeTicketReinstated  = "ticket.reinstated"
	TypeTicketCompleted   = "ticket.completed"
	TypeTicketTransferred = "ticket.transferred"
	TypeTicketCancelled   = "ticket.cancelled"
	TypeWindowOpened      = "window.opened"
	TypeWindowPaused      = "window.paused"
	TypeWindowResumed     = "window.resumed"
	TypeWindowClosed      = "window.closed"
	TypeLeaseGranted      = "lease.granted"
	TypeLeaseVoided       = "lease.voided"
	TypeDeviceStatus      = "device.status"
	TypeHallConfigured    = "hall.configured"
	TypeLogCheckpoint     = "log.checkpoint"
)

// Reasons recorded with every call.
const (
	ReasonFIFO     = "fifo"     // first in the ordinary order
	ReasonPriority = "priority" // a priority class was served first
	ReasonTransfer = "transfer" // a transferred ticket kept its place
	ReasonRecall   = "recall"   // the same ticket called again
	ReasonManual   = "manual"   // a specific number called out of order, with a reason code
)

// Event is one change of the hall. Commands return events with Type, Time and Data
// set; the log assigns Seq when it appends them. Data is one of the *…Data types of
// this package, matching Type.
type Event struct {
	Seq  uint64
	Time time.Time
	Type string
	Data any
}

// DayOpenedData starts a service day: numbering restarts at 1 for every service.
type DayOpenedData struct {
	Day string `json:"day"`
}

// DaySealedData ends a service day. Tickets still waiting or being served expire.
type DaySealedData struct {
	Day     string `json:"day"`
	Issued  int    `json:"issued"`
	Served  int    `json:"served"`
	Expired int    `json:"expired"`
	Voided  int    `json:"voided,omitempty"` // leased numbers never used
}

// TicketIssuedData records a new number. It carries nothing personal.
type TicketIssuedData struct {
	Ticket   string `json:"ticket"`
	Number   string `json:"number"`
	Service  string `json:"service"`
	Day      string `json:"day"`
	Priority string `json:"priority,omitempty"`
	Kiosk    string `json:"kiosk,omitempty"`
	// Desk is the reception desk whose staff issued the ticket on the
	// applicant's behalf (and may have assigned its class); empty for a
	// kiosk's ticket. It names the desk, never the person.
	Desk string `json:"desk,omitempty"`
	// ByAge says the class was given by the published age rule: the
	// resident ID shown makes its holder at least the class's minimum age
	// on the service day. The date of birth is recorded nowhere.
	ByAge    bool      `json:"by_age,omitempty"`
	IssuedAt time.Time `json:"issued_at"`
	// Lease is set for a ticket a kiosk issued offline from a leased number.
	// IssuedAt is then the ticket's place in the order, given by the published
	// placement rule (PlaceOffline): ClaimedAt, the time the kiosk says it
	// printed the ticket, clamped to no earlier than the kiosk's last
	// contact with the server before the sync (the lease's grant, a ticket it
	// issued online, or SeenAt) and no later than the sync. Clamped says which bound
	// moved it ("last_contact", "lease_granted" or "synced_at"), empty when the
	// claim stood. Tickets issued online have neither: their place is the time
	// the server issued them, the event's time.
	Lease string `json:"lease,omitempty"`
	// Appointment is set for a ticket checked in from a booking: the booking's
	// opaque ID. Its appointment.checked_in event comes just before.
	Appointment string    `json:"appointment,omitempty"`
	ClaimedAt   time.Time `json:"claimed_at,omitzero"`
	Clamped     string    `json:"clamped,omitempty"`
	// SeenAt is the kiosk's last contact before the sync that the log shows
	// nowhere else (a status report, a board request, an event stream
	// opened with its token), recorded when it is later than the lease's
	// grant and the kiosk's public contacts, so that it bounds the place.
	SeenAt time.Time `json:"seen_at,omitzero"`
}

// TicketCalledData records a call of a ticket to a window and why it was chosen.
// For a manual call, ManualReason is the published reason code and RulePick the
// number the rule would have called instead.
type TicketCalledData struct {
	Ticket       string `json:"ticket"`
	Number       string `json:"number"`
	Service      string `json:"service"`
	Window       string `json:"window"`
	Reason       string `json:"reason"`
	ManualReason string `json:"manual_reason,omitempty"`
	RulePick     string `json:"rule_pick,omitempty"`
	Staff        string `json:"staff,omitempty"`
}

// TicketRecalledData records a repeated call of the ticket a window is serving.
type TicketRecalledData struct {
	Ticket string `json:"ticket"`
	Number string `json:"number"`
	Window string `json:"window"`
	Reason string `json:"reason"`
}

// TicketDoneData records the end of a call at a window: no-show or completed.
type TicketDoneData struct {
	Ticket string `json:"ticket"`
	Number string `json:"number"`
	Window string `json:"window"`
}

// TicketReinstatedData puts a no-show ticket back in the queue. After is the ticket
// it is placed behind (by the published reinstatement rule), or empty when it goes
// to the end of its lane.
type TicketReinstatedData struct {
	Ticket string `json:"ticket"`
	Number string `json:"number"`
	Window string `json:"window"`
	After  string `json:"after,omitempty"`
}

// TicketTransferredData moves the ticket being served to another service, keeping
// its place in the order.
type TicketTransferredData struct {
	Ticket string `json:"ticket"`
	Number string `json:"number"`
	Window string `json:"window"`
	From   string `json:"from"`
	To     string `json:"to"`
	// Reason is the published reason code the staff member gave.
	Reason string `json:"reason,omitempty"`
	Staff  string `json:"staff,omitempty"`
}

// TicketCancelledData withdraws a waiting ticket.
type TicketCancelledData struct {
	Ticket string `json:"ticket"`
	Number string `json:"number"`
	By     string `json:"by"` // "applicant", "staff" or "kiosk"
	Window string `json:"window,omitempty"`
	// ReplacedBy, when a kiosk cancelled its own ticket, is the number the
	// kiosk printed in its place: the kiosk got no answer when it asked for
	// this one, so it issued a leased number offline instead. Empty when the
	// kiosk could print nothing in its place.
	ReplacedBy string `json:"replaced_by,omitempty"`
	// Reason is the published reason code of a staff cancel.
	Reason string `json:"reason,omitempty"`
	Staff  string `json:"staff,omitempty"`
}

// WindowData records a change of a window's state, and who made it.
type WindowData struct {
	Window string `json:"window"`
	Staff  string `json:"staff,omitempty"`
}

// LeaseData records a block of numbers granted to, or voided from, an offline kiosk.
type LeaseData struct {
	Lease   string   `json:"lease"`
	Kiosk   string   `json:"kiosk"`
	Service string   `json:"service"`
	Day     string   `json:"day"`
	Numbers []string `json:"numbers"`
}

// DeviceStatusData records a change in a device's health that staff must see,
// such as a kiosk's printer running out of paper, and its return to normal.
type DeviceStatusData struct {
	Device  string       `json:"device"`
	Printer PrinterState `json:"printer"`
	Detail  string       `json:"detail,omitempty"`
}

// PrinterState is the health of a device's printer, as the device reports it.
type PrinterState string

// The printer states: ok, a warning (paper near its end) or a fault.
const (
	PrinterOK           PrinterState = "ok"
	PrinterPaperNearEnd PrinterState = "paper_near_end"
	PrinterPaperOut     PrinterState = "paper_out"
	PrinterCoverOpen    PrinterState = "cover_open"
	PrinterOffline      PrinterState = "offline"
	PrinterFault        PrinterState = "fault"
	PrinterNoReply      PrinterState = "no_reply" // the printer does not answer status queries
	PrinterLink         PrinterState = "link"     // the link to the printer fails
)

// PrinterStates lists every printer state.
var PrinterStates = []PrinterState{PrinterOK, PrinterPaperNearEnd, PrinterPaperOut, PrinterCoverOpen,
	PrinterOffline, PrinterFault, PrinterNoReply, PrinterLink}

// NewData returns a new zero value of the data type of an event type.
func NewData(typ string) (any, error) {
	switch typ {
	case TypeDayOpened:
		return new(DayOpenedData), nil
	case TypeDaySealed:
		return new(DaySealedData), nil
	case TypeTicketIssued:
		return new(TicketIssuedData), nil
	case TypeTicketCalled:
		return new(TicketCalledData), nil
	case TypeTicketRecalled:
		return new(TicketRecalledData), nil
	case TypeTicketNoShow, TypeTicketCompleted:
		return new(TicketDoneData), nil
	case TypeTicketReinstated:
		return new(TicketReinstatedData), nil
	case TypeTicketTransferred:
		return new(TicketTransferredData), nil
	case TypeTicketCancelled:
		return new(TicketCancelledData), nil
	case TypeWindowOpened, TypeWindowPaused, TypeWindowResumed, TypeWindowClosed:
		return new(WindowData), nil
	case TypeLeaseGranted, TypeLeaseVoided:
		return new(LeaseData), nil
	case TypeDeviceStatus:
		return new(DeviceStatusData), nil
	case TypeApptReleased:
		return new(ApptReleasedData), nil
	case TypeApptBooked:
		return new(ApptBookedData), nil
	case TypeApptCancelled:
		return new(ApptCancelledData), nil
	case TypeApptCheckedIn:
		return new(ApptCheckedInData), nil
	case TypeApptMissed:
		return new(ApptMissedData), nil
	case TypeApptVerified:
		return new(ApptVerifiedData), nil
	case TypeApptApplied:
		return new(ApptAppliedData), nil
	case TypeApptDrawClosed:
		return new(ApptDrawClosedData), nil
	case TypeApptDrawn:
		return new(ApptDrawnData), nil
	case TypeHallConfigured:
		return new(PublicHall), nil
	case TypeLogCheckpoint:
		return new(CheckpointData), nil
	case TypeRatingSubmitted:
		return new(RatingData), nil
	case TypeCaseOpened:
		return new(CaseOpenedData), nil
	case TypeCaseClosed:
		return new(CaseClosedData), nil
	case TypeComplaintFiled:
		return new(ComplaintFiledData), nil
	case TypeComplaintAnswered:
		return new(ComplaintAnsweredData), nil
	}
	return nil, fmt.Errorf("queue: unknown event type %q", typ)
}

// DecodeEvent builds an Event from the fields of a stored log record.
func DecodeEvent(seq uint64, at time.Time, typ string, data []byte) (Event, error) {
	d, err := NewData(typ)
	if err != nil {
		return Event{}, err
	}
	if err := json.Unmarshal(data, d); err != nil {
		return Event{}, fmt.Errorf("queue: decode %s event %d: %w", typ, seq, err)
	}
	return Event{Seq: seq, Time: at, Type: typ, Data: d}, nil
}
