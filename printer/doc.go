// Package printer prints hallq's ticket receipts on ESC/POS thermal printers:
// the Epson TM-T88/TM-T20 class and the common Chinese 58 mm and 80 mm models.
//
// It has four layers, each usable on its own:
//
//   - Encoding (escpos.go, image.go): pure functions that return the bytes of
//     ESC/POS commands: initialise, alignment, emphasis, character size, feed,
//     cut, Chinese text in GB18030 or GBK, the native QR command (GS ( k) and
//     raster images (GS v 0), including a QR code drawn as a raster image for
//     printers without native QR.
//   - Layout (receipt.go): Receipt lays out one ticket receipt for a Profile,
//     which describes a printer model (paper width in dots, QR mode, code
//     page, cut command) as configuration.
//   - Transports (transport.go): serial ports through tarm/serial, raw TCP
//     (port 9100) and device files such as /dev/usb/lp0, all behind Conn.
//   - Status (status.go, errors.go): the real-time status queries DLE EOT 1–4,
//     decoded into Status, and the typed errors a kiosk shows and reports.
//
// Printer ties them together: PrintTicket checks the printer is ready, sends
// the receipt, checks the status again and returns an error that matches
// ErrPaperOut, ErrCoverOpen, ErrOffline, ErrFault, ErrNoReply or ErrLink with
// errors.Is. A printer that does not answer a status query is a fault, never
// ready.
//
// The package imports nothing else of hallq. Its tools live below it:
// cmd/printtest sends a sample receipt to a real printer, and
// cmd/virtualprinter (with package virtual) emulates a printer on a
// pseudo-terminal or TCP port and renders each job to a PNG.
package printer
