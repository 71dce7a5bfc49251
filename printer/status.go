package printer

import (
	"fmt"
	"strings"
)

// Bits of the replies to DLE EOT 1–4, as Epson's ESC/POS reference and the
// compatible Chinese printers define them. Every reply byte has bit 1 and
// bit 4 set and bits 0 and 7 clear; replyMask and replyFixed check that.
const (
	replyMask  = 0x93
	replyFixed = 0x12

	// DLE EOT 1: printer status.
	bitOffline     = 0x08
	bitWaitRecover = 0x20
	bitFeedButton  = 0x40

	// DLE EOT 2: offline cause.
	bitCoverOpen    = 0x04
	bitFeeding      = 0x08
	bitPaperEndStop = 0x20
	bitErrorOccured = 0x40

	// DLE EOT 3: error cause.
	bitCutterError      = 0x08
	bitUnrecoverable    = 0x20
	bitAutoRecoverError = 0x40

	// DLE EOT 4: roll paper sensor. Epson sets both bits of each pair; some
	// models with two near-end sensors set one of them.
	bitsNearEnd  = 0x0c
	bitPaperEnd  = 0x20
	bitsPaperEnd = 0x60
)

// Status is the printer's state, decoded from the four real-time status replies.
type Status struct {
	// Raw holds the replies to DLE EOT 1, 2, 3 and 4.
	Raw [4]byte

	// PaperEnd: the roll is empty; the printer stopped.
	PaperEnd bool
	// PaperNearEnd: the roll is nearly empty. Printing goes on; staff
	// should change the roll soon.
	PaperNearEnd bool
	// CoverOpen: the paper cover is open; the printer stopped.
	CoverOpen bool
	// Offline: the printer does not print (because of any of the above or
	// below, or while paper is fed with the button).
	Offline bool
	// Error: an error stopped the printer; CutterError, Unrecoverable and
	// AutoRecoverable say which, when the printer tells.
	Error bool
	// CutterError: the autocutter jammed or failed.
	CutterError bool
	// Unrecoverable: a hardware fault that needs service.
	Unrecoverable bool
	// AutoRecoverable: a passing error such as an overheated head; the
	// printer resumes by itself.
	AutoRecoverable bool
}

// DecodeStatus decodes the replies to DLE EOT 1, 2, 3 and 4. A byte without the
// fixed bits of a status reply is an error: it is not a status reply.
func DecodeStatus(raw [4]byte) (Status, error) {
	for i, b := range raw {
		if !IsStatusReply(b) {
			return Status{}, fmt.Errorf("printer: reply %#02x to DLE EOT %d is not a status byte", b, i+1)
		}
	}
	s := Status{Raw: raw}
	s.Offline = raw[0]&bitOffline != 0
	s.CoverOpen = raw[1]&bitCoverOpen != 0
	s.CutterError = raw[2]&bitCutterError != 0
	s.Unrecoverable = raw[2]&bitUnrecoverable != 0
	s.AutoRecoverable = raw[2]&bitAutoRecoverError != 0
	s.Error = raw[1]&bitErrorOccured != 0 || s.CutterError || s.Unrecoverable || s.AutoRecoverable
	s.PaperEnd = raw[1]&bitPaperEndStop != 0 || raw[3]&bitPaperEnd != 0
	s.PaperNearEnd = raw[3]&bitsNearEnd != 0
	return s, nil
}

// IsStatusReply reports whether b has the fixed bits of a reply to DLE EOT.
// Automatic status back (ASB) bytes and stray data do not.
func IsStatusReply(b byte) bool { return b&replyMask == replyFixed }

// EncodeStatus returns the replies to DLE EOT 1–4 a printer in state s sends;
// DecodeStatus(EncodeStatus(s)) gives s back. The virtual printer answers
// with it.
func EncodeStatus(s Status) [4]byte {
	raw := [4]byte{replyFixed, replyFixed, replyFixed, replyFixed}
	stopped := s.PaperEnd || s.CoverOpen || s.Error
	if s.Offline || stopped {
		raw[0] |= bitOffline
	}
	if s.CoverOpen {
		raw[1] |= bitCoverOpen
	}
	if s.PaperEnd {
		raw[1] |= bitPaperEndStop
		raw[3] |= bitsPaperEnd
	}
	if s.Error || s.CutterError || s.Unrecoverable || s.AutoRecoverable {
		raw[1] |= bitErrorOccured
	}
	if s.CutterError {
		raw[2] |= bitCutterError
	}
	if s.Unrecoverable {
		raw[2] |= bitUnrecoverable
	}
	if s.AutoRecoverable {
		raw[2] |= bitAutoRecoverError
	}
	if s.PaperNearEnd || s.PaperEnd {
		raw[3] |= bitsNearEnd
	}
	return raw
}

// Ready reports whether the printer can print now. A nearly empty roll is
// still ready.
func (s Status) Ready() bool { return s.Err() == nil }

// Err returns nil if the printer is ready, or a *StatusError that matches
// (with errors.Is) each of ErrCoverOpen, ErrPaperOut and ErrFault that applies,
// or ErrOffline when the printer is offline for no reason it tells.
func (s Status) Err() error {
	var faults []error
	if s.CoverOpen {
		faults = append(faults, ErrCoverOpen)
	}
	if s.PaperEnd {
		faults = append(faults, ErrPaperOut)
	}
	if s.Error {
		faults = append(faults, ErrFault)
	}
	if len(faults) == 0 && s.Offline {
		faults = append(faults, ErrOffline)
	}
	if len(faults) == 0 {
		return nil
	}
	return &StatusError{Status: s, faults: faults}
}

// String describes s for logs and the printtest tool, for example
// "offline, cover open" or "online, paper near end, ready".
func (s Status) String() string {
	var parts []string
	add := func(on bool, what string) {
		if on {
			parts = append(parts, what)
		}
	}
	if s.Offline {
		parts = append(parts, "offline")
	} else {
		parts = append(parts, "online")
	}
	add(s.CoverOpen, "cover open")
	add(s.PaperEnd, "paper end")
	add(s.PaperNearEnd && !s.PaperEnd, "paper near end")
	add(s.CutterError, "cutter error")
	add(s.Unrecoverable, "unrecoverable error")
	add(s.AutoRecoverable, "auto-recoverable error")
	add(s.Error && !s.CutterError && !s.Unrecoverable && !s.AutoRecoverable, "error")
	if s.Ready() {
		parts = append(parts, "ready")
	}
	return strings.Join(parts, ", ")
}
