package hall

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"hallq/printer"
	"hallq/server/api"
	"hallq/server/config"
)

// deskPrinter is a reception desk's receipt printer on its line (serial
// port, network or device file). It opens the line when first used and
// again after the line failed, so that a printer switched off and on again
// prints without a restart of the server. Its methods may be called from any
// goroutine; one receipt prints at a time.
type deskPrinter struct {
	desk    string
	open    func(ctx context.Context) (printer.Conn, error)
	profile printer.Profile

	mu sync.Mutex
	p  *printer.Printer // nil while the line is closed
}

var _ api.DeskPrinter = (*deskPrinter)(nil)

// newDeskPrinter returns the printer of a desk, or nil for a desk without one.
func newDeskPrinter(d config.Desk) *deskPrinter {
	if !d.HasPrinter() {
		return nil
	}
	dp := &deskPrinter{desk: d.ID, profile: d.Profile}
	switch {
	case d.Printer != "":
		dp.open = func(context.Context) (printer.Conn, error) {
			return printer.OpenSerial(printer.SerialConfig{Port: d.Printer, Baud: d.Baud})
		}
	case d.PrinterTCP != "":
		dp.open = func(ctx context.Context) (printer.Conn, error) { return printer.DialTCP(ctx, d.PrinterTCP) }
	default:
		dp.open = func(context.Context) (printer.Conn, error) { return printer.OpenDevice(d.PrinterDevice) }
	}
	return dp
}

// PrintTicket prints a receipt, opening the line if needed.
func (dp *deskPrinter) PrintTicket(ctx context.Context, t printer.Ticket) (printer.Status, error) {
	dp.mu.Lock()
	defer dp.mu.Unlock()
	if dp.p == nil {
		conn, err := dp.open(ctx)
		if err != nil {
			return printer.Status{}, fmt.Errorf("hall: desk %s: open printer: %w: %w: %w", dp.desk, printer.ErrNotSent, printer.ErrLink, err)
		}
		if dp.p, err = printer.New(conn, dp.profile); err != nil {
			conn.Close()
			return printer.Status{}, fmt.Errorf("hall: desk %s: printer: %w", dp.desk, err)
		}
	}
	st, err := dp.p.PrintTicket(ctx, t)
	if err != nil && errors.Is(err, printer.ErrLink) {
		dp.p.Close()
		dp.p = nil
	}
	return st, err
}

// Close closes the line.
func (dp *deskPrinter) Close() error {
	dp.mu.Lock()
	defer dp.mu.Unlock()
	if dp.p == nil {
		return nil
	}
	err := dp.p.Close()
	dp.p = nil
	return err
}
