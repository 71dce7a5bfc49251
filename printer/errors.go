package printer

import (
	"errors"
	"strings"
)

// Conditions a kiosk shows and reports, for use with errors.Is. Errors from
// Printer match one or more of them.
var (
	// ErrPaperOut: the roll is empty. Staff must load paper.
	ErrPaperOut = errors.New("printer: paper out")
	// ErrCoverOpen: the paper cover is open. Staff must close it.
	ErrCoverOpen = errors.New("printer: cover open")
	// ErrOffline: the printer says it is offline without saying why.
	ErrOffline = errors.New("printer: offline")
	// ErrFault: the printer reports an error (cutter jam, overheated head,
	// hardware fault).
	ErrFault = errors.New("printer: error")
	// ErrNoReply: the printer did not answer a status query in time, or
	// answered with bytes that are no status reply. Its state is unknown,
	// which is a fault: it may be off, unplugged or on the wrong port.
	ErrNoReply = errors.New("printer: no reply to status query")
	// ErrLink: the connection to the printer failed (write or read error,
	// closed port, refused connection).
	ErrLink = errors.New("printer: connection failed")
	// ErrNotSent: PrintTicket did not send the receipt, because the status
	// check before it failed; nothing will come out of the printer later.
	ErrNotSent = errors.New("printer: receipt not sent")
)

// StatusError is the error of a printer that answered its status query but is
// not ready. errors.Is matches it against each condition that applies.
type StatusError struct {
	// Status is the state the printer reported.
	Status Status
	faults []error
}

// Error lists the conditions, for example "printer: cover open, paper out".
func (e *StatusError) Error() string {
	names := make([]string, len(e.faults))
	for i, f := range e.faults {
		names[i] = strings.TrimPrefix(f.Error(), "printer: ")
	}
	return "printer: " + strings.Join(names, ", ")
}

// Unwrap returns the conditions, most specific first.
func (e *StatusError) Unwrap() []error { return e.faults }

// Code returns a stable, short name for the condition behind err, for a
// kiosk's reports and metrics: "paper_out", "cover_open", "fault",
// "offline", "no_reply", "link", "" for nil, and "other" for anything else.
// When several conditions apply, the one staff must fix first wins.
func Code(err error) string {
	switch {
	case err == nil:
		return ""
	case errors.Is(err, ErrCoverOpen):
		return "cover_open"
	case errors.Is(err, ErrPaperOut):
		return "paper_out"
	case errors.Is(err, ErrFault):
		return "fault"
	case errors.Is(err, ErrOffline):
		return "offline"
	case errors.Is(err, ErrNoReply):
		return "no_reply"
	case errors.Is(err, ErrLink):
		return "link"
	}
	return "other"
}
