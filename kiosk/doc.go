// Command kiosk is hallq's ticket kiosk: a full-screen Fyne app for a touch
// screen with a thermal receipt printer, where applicants take a number.
//
//	go run ./kiosk -server http://192.168.1.10:8080 -token T -printer /dev/ttyUSB0 -baud 9600
//
// The home screen shows one large button per service the kiosk offers, with
// the people waiting and the estimated wait, live from the server's event
// stream; a service that cannot be taken now says why. Real-name services ask
// for the resident ID number on an on-screen keypad (the check digit is
// verified before anything is sent, and the number is masked). The ticket
// screen shows the number, the people ahead, the estimated wait and the QR
// code of the ticket's live status page while the receipt prints, and keeps
// the QR code on screen when the printer cannot print; the fault is reported
// to the server, where staff see it on the board. In a hall that sends text
// messages, the ticket screen of a number issued online offers to leave a
// mobile number for them (phone.go, phone_ui.go). A physical keypad works
// too: digit N takes service N, Enter confirms and Escape goes home.
//
// When the server cannot be reached the kiosk keeps issuing numbers of the
// services that need no identity from the leases the server granted it in
// advance, records each ticket in its bbolt outbox before printing it
// (package outbox), shows an offline banner, and syncs the tickets when the
// link returns; a spent lease is said, never worked around.
//
// Files: main.go wires flags and slog; config.go reads flags and the TOML
// file; core.go is the kiosk without a screen (issuing online and offline,
// printing, leases, sync, reports); home.go, flow.go, idnumber.go and i18n.go
// are the plain logic of the screens; ui.go, pad.go and theme.go are the Fyne
// app; printer.go opens the receipt printer and reopens it after a failure.
//
// Goroutines: Fyne's owns every widget; Kiosk.Run runs the server link (the
// event stream, board refreshes, sync, leases and reports) and calls back
// through the onChange hook, which the app turns into fyne.Do.
package main
