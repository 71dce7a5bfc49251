package main

import (
	"context"
	"fmt"
	"unicode/utf8"

	"hallq/printer"
	"hallq/server/wire"
)

// Printer is what the kiosk needs of its receipt printer.
type Printer interface {
	PrintTicket(ctx context.Context, t printer.Ticket) (printer.Status, error)
	Status(ctx context.Context) (printer.Status, error)
}

var (
	_ Printer = (*printer.Printer)(nil)
	_ Printer = (*linePrinter)(nil)
)

// errNoPrinter is the print error of a kiosk set up without a printer: it
// matches printer.ErrOffline, which is what staff are told.
var errNoPrinter = fmt.Errorf("kiosk: no receipt printer configured: %w", printer.ErrOffline)

// offlineNote replaces the privacy line on a receipt printed offline.
const offlineNote = "离线取号 联网后入队 Offline ticket"

// Print prints the receipt of a number and reports the printer's health to
// the server (when it changed) so that staff see a fault. It returns the
// printer's error, which matches the printer package's conditions.
func (k *Kiosk) Print(ctx context.Context, is *Issued) error {
	if k.prn == nil {
		k.setPrinter(wire.PrinterOffline, "no printer configured")
		return errNoPrinter
	}
	k.mu.Lock()
	var hallName, supervision string
	if k.hall != nil {
		hallName, supervision = k.hall.NameZH, k.hall.Supervision.Line()
	}
	k.mu.Unlock()
	t := printer.Ticket{Hall: hallName, ServiceZH: is.ServiceZH, ServiceEN: is.ServiceEN, Number: is.Number,
		Ahead: is.Ahead, ETA: is.ETA, IssuedAt: is.IssuedAt, StatusURL: is.StatusURL, LogSeq: is.LogSeq, LogHash: is.LogHash,
		CheckpointSeq: is.CheckpointSeq, CheckpointHash: is.CheckpointHash, Supervision: supervision}
	if is.Offline {
		t.PrivacyNote = offlineNote
	}
	st, err := k.prn.PrintTicket(ctx, t)
	k.printerResult(st, err)
	if err != nil {
		k.log.Warn("receipt not printed", "number", is.Number, "printer", printer.Code(err), "err", err)
		return err
	}
	k.log.Info("receipt printed", "number", is.Number, "status", st.String())
	return nil
}

// printerResult records the outcome of a print or a status query. The
// detail for staff depends only on the printer's condition, so that the same
// fault reported after every attempt makes one device.status event.
func (k *Kiosk) printerResult(st printer.Status, err error) {
	zero := st.Raw == [4]byte{}
	switch code := wire.PrinterState(printer.Code(err)); {
	case err == nil && st.PaperNearEnd:
		k.setPrinter(wire.PrinterPaperNearEnd, st.String())
	case err == nil:
		k.setPrinter(wire.PrinterOK, "")
	case code == wire.PrinterNoReply:
		k.setPrinter(code, "no reply to status queries")
	case code == wire.PrinterLink:
		k.setPrinter(code, "cannot reach the printer")
	case !zero:
		k.setPrinter(code, st.String())
	case code == "other" || code == "":
		k.setPrinter(wire.PrinterFault, err.Error())
	default:
		k.setPrinter(code, "")
	}
}

// setPrinter records the printer's health; the maintenance loop reports it.
func (k *Kiosk) setPrinter(code wire.PrinterState, detail string) {
	for len(detail) > 200 {
		_, size := utf8.DecodeLastRuneInString(detail)
		detail = detail[:len(detail)-size]
	}
	k.mu.Lock()
	changed := k.prnState != printerState{code, detail}
	k.prnState = printerState{code, detail}
	k.mu.Unlock()
	if changed {
		k.notify()
		poke(k.wake)
	}
}

// checkPrinter asks an idle printer for its status and records the result.
func (k *Kiosk) checkPrinter(ctx context.Context) {
	sctx, cancel := context.WithTimeout(ctx, k.opts.RequestTimeout)
	st, err := k.prn.Status(sctx)
	cancel()
	if err == nil {
		err = st.Err()
	}
	k.printerResult(st, err)
}
