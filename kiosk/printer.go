package main

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"hallq/printer"
)

// linePrinter is the kiosk's receipt printer on its line (serial port, TCP or
// device file). It opens the line when first used and again after the line
// failed (a USB adapter unplugged, a network printer restarted), so the kiosk
// recovers without a restart. Its methods may be called from any goroutine.
type linePrinter struct {
	name    string // the line, for errors
	open    func(ctx context.Context) (printer.Conn, error)
	profile printer.Profile

	mu sync.Mutex
	p  *printer.Printer // nil while the line is closed
}

// newLinePrinter returns a printer that opens its line with open and lays
// out receipts for profile.
func newLinePrinter(name string, profile printer.Profile, open func(ctx context.Context) (printer.Conn, error)) *linePrinter {
	return &linePrinter{name: name, open: open, profile: profile}
}

// printerFor returns the printer on the open line, opening it if needed.
// l.mu is held.
func (l *linePrinter) printerFor(ctx context.Context) (*printer.Printer, error) {
	if l.p != nil {
		return l.p, nil
	}
	conn, err := l.open(ctx)
	if err != nil {
		return nil, fmt.Errorf("kiosk: open printer %s: %w: %w", l.name, printer.ErrLink, err)
	}
	p, err := printer.New(conn, l.profile)
	if err != nil {
		conn.Close()
		return nil, fmt.Errorf("kiosk: printer %s: %w", l.name, err)
	}
	l.p = p
	return p, nil
}

// done closes the line after a failure of the line itself, so the next use
// opens it afresh.
func (l *linePrinter) done(err error) {
	if err != nil && errors.Is(err, printer.ErrLink) && l.p != nil {
		l.p.Close()
		l.p = nil
	}
}

// PrintTicket prints a receipt, opening the line if needed.
func (l *linePrinter) PrintTicket(ctx context.Context, t printer.Ticket) (printer.Status, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	p, err := l.printerFor(ctx)
	if err != nil {
		return printer.Status{}, fmt.Errorf("%w: %w", printer.ErrNotSent, err)
	}
	st, err := p.PrintTicket(ctx, t)
	l.done(err)
	return st, err
}

// Status queries the printer, opening the line if needed.
func (l *linePrinter) Status(ctx context.Context) (printer.Status, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	p, err := l.printerFor(ctx)
	if err != nil {
		return printer.Status{}, err
	}
	st, err := p.Status(ctx)
	l.done(err)
	return st, err
}

// Close closes the line.
func (l *linePrinter) Close() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.p == nil {
		return nil
	}
	err := l.p.Close()
	l.p = nil
	return err
}
