package main

import (
	"fyne.io/fyne/v2"

	"hallq/server/queue"
)

// screen is what the kiosk shows.
type screen int

const (
	screenHome    screen = iota // the services
	screenID                    // the keypad for the identity document number
	screenIssuing               // waiting for the number
	screenTicket                // the ticket: number, QR code, printing
	screenNotice                // why a number cannot be taken
	screenChoose                // the applicant's bookings of today, to choose the one to check in
	screenPhone                 // the keypad for a mobile number, for text messages about the ticket
)

// screenNames name the screens in logs.
var screenNames = map[screen]string{
	screenHome: "home", screenID: "id", screenIssuing: "issuing", screenTicket: "ticket", screenNotice: "notice",
	screenChoose: "choose", screenPhone: "phone",
}

// effect is what the app must do after the machine changed.
type effect int

const (
	effectNone   effect = iota // nothing changed
	effectRender               // show the machine's screen again
	effectIssue                // show it and take a number of Chosen (with ID), or check in (CheckIn), then call Issued, Refused or Choices
	effectPhone                // show it and send Phone for the ticket shown, then call PhoneAnswered
)

// machine is the kiosk's flow of screens, without Fyne: the app feeds it
// taps, keys, answers and timeouts, and renders what it says. Each flow (from
// choosing a service to going home) has its own Flow number, so an answer
// or a timeout that arrives after the applicant moved on is ignored. The app
// calls it from Fyne's goroutine only.
type machine struct {
	Screen screen
	Tiles  []Tile // the home screen's tiles, refreshed by the app
	Chosen Tile   // the service of the current flow
	Kind   string // the kind of document (queue.Doc*) whose number is typed
	ID     string // the document number typed so far
	IDErr  msg    // why the typed number was refused
	Notice msg    // what the notice screen says
	Flow   uint64
	// Printing: the receipt is being printed; the ticket screen stays.
	Printing bool
	// PrintFailed: the receipt did not print; the QR code must stay until
	// the applicant leaves.
	PrintFailed bool
	// LeavePrinted: the applicant asked to leave while the receipt was
	// printing; the flow goes home as soon as it is out.
	LeavePrinted bool
	// CheckIn: the flow checks in a booking (with ID, and Code once the
	// applicant chose among Bookings) instead of taking a number of Chosen.
	CheckIn  bool
	Code     string
	Bookings []Booking
	// PhoneOffer: the ticket shown may be given a mobile number for text
	// messages (issued online in a hall that sends them); the app sets it.
	PhoneOffer bool
	// Phone is the mobile number typed so far on the phone keypad, PhoneErr
	// why it was refused; PhoneSending: it is being sent; PhoneKept: the
	// server keeps a number for the ticket shown.
	Phone        string
	PhoneErr     msg
	PhoneSending bool
	PhoneKept    bool
}

// StartCheckIn opens the keypad to check in a booking, from the home screen.
func (m *machine) StartCheckIn() effect {
	if m.Screen != screenHome {
		return effectNone
	}
	m.Flow++
	m.Chosen, m.Kind, m.ID, m.IDErr, m.CheckIn, m.Code, m.Bookings = Tile{}, queue.DocResident, "", msg{}, true, "", nil
	m.Screen = screenID
	return effectRender
}

// Choices shows the bookings of the document checked in, when it holds
// several today; false if the applicant is gone.
func (m *machine) Choices(flow uint64, bookings []Booking) bool {
	if flow != m.Flow || m.Screen != screenIssuing || !m.CheckIn || len(bookings) == 0 {
		return false
	}
	m.Screen, m.Bookings = screenChoose, bookings
	return true
}

// Pick checks in the i-th of the bookings shown.
func (m *machine) Pick(i int) effect {
	if m.Screen != screenChoose || i < 0 || i >= len(m.Bookings) {
		return effectNone
	}
	m.Code = m.Bookings[i].Code
	m.Screen = screenIssuing
	return effectIssue
}

// Choose takes the service of the tile with the given key, from the home
// screen.
func (m *machine) Choose(key int) effect {
	if m.Screen != screenHome {
		return effectNone
	}
	for _, t := range m.Tiles {
		if t.Key != key {
			continue
		}
		m.Flow++
		m.Chosen, m.Kind, m.ID, m.IDErr = t, queue.DocResident, "", msg{}
		switch {
		case !t.Available:
			m.Screen, m.Notice = screenNotice, t.Reason
			return effectRender
		case t.RealName:
			m.Screen = screenID
			return effectRender
		}
		m.Screen = screenIssuing
		return effectIssue
	}
	return effectNone
}

// SetKind chooses the kind of document whose number is typed; the number
// typed so far stays, to be checked against the new kind.
func (m *machine) SetKind(kind string) effect {
	if m.Screen != screenID || m.Kind == kind {
		return effectNone
	}
	m.Kind, m.IDErr = kind, msg{}
	if n := maxLen(kind); len(m.ID) > n {
		m.ID = m.ID[:n]
	}
	return effectRender
}

// NextKind chooses the kind of document step places after the current one
// (in a circle), for a keyboard without a touch screen.
func (m *machine) NextKind(step int) effect {
	n := len(docKinds)
	for i, k := range docKinds {
		if k.Kind == m.Kind {
			return m.SetKind(docKinds[((i+step)%n+n)%n].Kind)
		}
	}
	return m.SetKind(docKinds[0].Kind)
}

// Type adds a character to the document number: a digit or a letter (upper
// case), up to the longest number of the kind. Letters are taken whatever
// the kind, so that a scanner typing a passport number into the resident ID
// keypad gets a clear refusal on Enter rather than a number with the letters
// dropped; the on-screen keypad of a resident ID offers digits and X only.
func (m *machine) Type(c byte) effect {
	if m.Screen == screenPhone {
		return m.typePhone(c)
	}
	if m.Screen != screenID || len(m.ID) >= maxLen(m.Kind) {
		return effectNone
	}
	switch {
	case c >= '0' && c <= '9', c >= 'A' && c <= 'Z':
	case c >= 'a' && c <= 'z':
		c -= 'a' - 'A'
	default:
		return effectNone
	}
	m.ID += string(c)
	m.IDErr = msg{}
	return effectRender
}

// Delete removes the last character of the ID number.
func (m *machine) Delete() effect {
	if m.Screen == screenPhone && m.Phone != "" && !m.PhoneSending {
		m.Phone, m.PhoneErr = m.Phone[:len(m.Phone)-1], msg{}
		return effectRender
	}
	if m.Screen != screenID || m.ID == "" {
		return effectNone
	}
	m.ID, m.IDErr = m.ID[:len(m.ID)-1], msg{}
	return effectRender
}

// Clear empties the ID number.
func (m *machine) Clear() effect {
	if m.Screen == screenPhone && !m.PhoneSending {
		m.Phone, m.PhoneErr = "", msg{}
		return effectRender
	}
	if m.Screen != screenID {
		return effectNone
	}
	m.ID, m.IDErr = "", msg{}
	return effectRender
}

// Confirm is Enter or the confirm button: it submits the document number
// (checked first by the server's rule: nothing it would refuse is sent), or
// leaves the ticket or notice screen.
func (m *machine) Confirm() effect {
	switch m.Screen {
	case screenID:
		if why, ok := checkDocument(m.Kind, m.ID); !ok {
			m.IDErr = why
			return effectRender
		}
		m.Screen = screenIssuing
		return effectIssue
	case screenPhone:
		return m.confirmPhone()
	case screenTicket, screenNotice:
		return m.Home()
	}
	return effectNone
}

// Home goes back to the home screen and forgets the ID number, except while
// a number is being taken or printed: the applicant must see it. Asked while
// the receipt prints, it goes home once the receipt is out (see Printed).
func (m *machine) Home() effect {
	if m.Screen == screenTicket && m.Printing {
		m.LeavePrinted = true
		return effectNone
	}
	if m.Screen == screenPhone {
		return m.leavePhone()
	}
	return m.home()
}

// home goes back to the home screen unless a number is being taken or
// printed.
func (m *machine) home() effect {
	if m.Screen == screenIssuing || m.Screen == screenTicket && m.Printing || m.Screen == screenPhone && m.PhoneSending {
		return effectNone
	}
	if m.Screen == screenHome {
		return effectNone
	}
	m.Flow++
	m.Screen, m.Kind, m.ID, m.IDErr, m.Notice, m.PrintFailed = screenHome, "", "", msg{}, msg{}, false
	m.CheckIn, m.Code, m.Bookings, m.LeavePrinted = false, "", nil, false
	m.PhoneOffer, m.Phone, m.PhoneErr, m.PhoneKept = false, "", msg{}, false
	return effectRender
}

// Timeout is the end of a screen's time: the flow goes home if it is still
// the one the timer was set for.
func (m *machine) Timeout(flow uint64) effect {
	if flow != m.Flow {
		return effectNone
	}
	return m.home()
}

// Issued moves the flow to the ticket screen, printing; false if the
// applicant is gone.
func (m *machine) Issued(flow uint64) bool {
	if flow != m.Flow || m.Screen != screenIssuing {
		return false
	}
	m.Screen, m.Kind, m.ID, m.Printing, m.PrintFailed = screenTicket, "", "", true, false
	m.Bookings, m.LeavePrinted, m.PhoneOffer, m.PhoneKept = nil, false, false, false
	return true
}

// Refused moves the flow to the notice screen with why no number was given.
func (m *machine) Refused(flow uint64, why msg) bool {
	if flow != m.Flow || m.Screen != screenIssuing {
		return false
	}
	m.Screen, m.Kind, m.ID, m.Notice, m.Bookings = screenNotice, "", "", why, nil
	return true
}

// Printed ends the printing of the flow's receipt. If the applicant asked
// to leave meanwhile, LeavePrinted stays set only when the receipt came out:
// a receipt that failed keeps its QR code on screen until asked again.
func (m *machine) Printed(flow uint64, ok bool) bool {
	if flow != m.Flow || m.Screen != screenTicket {
		return false
	}
	m.Printing, m.PrintFailed = false, !ok
	m.LeavePrinted = m.LeavePrinted && ok
	return true
}

// Key handles a key of a physical keypad or keyboard, or of a document
// reader or scanner that types what it reads (a keyboard wedge): digit N
// takes service N on the home screen, digits and letters type on the
// document keypad, the down and up arrows choose the next and the previous
// kind of document (Fyne keeps Tab to move the focus), Backspace deletes,
// Enter confirms and Escape goes home.
func (m *machine) Key(k fyne.KeyName) effect {
	switch k {
	case fyne.KeyEscape:
		return m.Home()
	case fyne.KeyReturn, fyne.KeyEnter:
		return m.Confirm()
	case fyne.KeyBackspace, fyne.KeyDelete:
		return m.Delete()
	case fyne.KeyDown:
		return m.NextKind(1)
	case fyne.KeyUp:
		return m.NextKind(-1)
	}
	if len(k) == 1 && k[0] >= 'A' && k[0] <= 'Z' {
		return m.Type(k[0])
	}
	if len(k) == 1 && k[0] >= '0' && k[0] <= '9' {
		switch m.Screen {
		case screenHome:
			return m.Choose(int(k[0] - '0'))
		case screenChoose:
			return m.Pick(int(k[0]-'0') - 1)
		}
		return m.Type(k[0])
	}
	return effectNone
}
