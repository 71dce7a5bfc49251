package main

import (
	"fmt"
	"strings"
	"time"

	"hallq/printer"
)

// figureBauds are the serial speeds the figures give transmit times for.
var figureBauds = []int{9600, 19200, 38400, 115200}

// Figures returns the Markdown table of README.md: the bytes of the sample
// receipt (printer.SampleTicket with printer.SampleStatusURL) for each paper
// width and QR mode, and how long they take on a serial line at each baud
// rate, 8N1 (baud/10 bytes a second).
func Figures() string {
	var b strings.Builder
	b.WriteString("| paper | QR | bytes |")
	for _, baud := range figureBauds {
		fmt.Fprintf(&b, " %d baud |", baud)
	}
	b.WriteString("\n|---|---|--:|")
	for range figureBauds {
		b.WriteString("--:|")
	}
	b.WriteString("\n")
	t := printer.SampleTicket(printer.SampleStatusURL, time.Date(2025, 3, 14, 9, 30, 0, 0, time.UTC))
	for _, width := range []int{58, 80} {
		for _, mode := range []printer.QRMode{printer.NativeQR, printer.RasterQR} {
			p, err := printer.ProfileForWidth(width, mode)
			if err != nil {
				panic(err) // the built-in profiles are valid; a test checks
			}
			job, err := printer.Receipt(t, p)
			if err != nil {
				panic(err)
			}
			fmt.Fprintf(&b, "| %d mm (%d dots) | %s | %d |", width, p.Dots, mode, len(job))
			for _, baud := range figureBauds {
				fmt.Fprintf(&b, " %.2f s |", printer.TransmitTime(len(job), baud).Seconds())
			}
			b.WriteString("\n")
		}
	}
	return b.String()
}
