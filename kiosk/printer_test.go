package main

import (
	"context"
	"errors"
	"net"
	"testing"
	"time"

	"hallq/printer"
	"hallq/printer/virtual"
)

// TestLinePrinterReopensItsLine prints on a network printer that restarts
// between two receipts: the print after the restart fails as a link fault
// (which staff are told about), and the next one reopens the line and prints.
func TestLinePrinterReopensItsLine(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	jobs := make(chan virtual.Job, 8)
	vp, err := virtual.New(virtual.Options{Dots: 576, OnJob: func(j virtual.Job) { jobs <- j }})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	conns := make(chan net.Conn, 8)
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			conns <- c
			go vp.Serve(ctx, c)
		}
	}()
	prof, _ := printer.LookupProfile("generic-80")
	opened := 0
	lp := newLinePrinter("tcp:"+ln.Addr().String(), prof, func(ctx context.Context) (printer.Conn, error) {
		opened++
		s, err := printer.DialTCP(ctx, ln.Addr().String())
		if err != nil {
			return nil, err
		}
		return s, nil
	})
	defer lp.Close()
	ticket := printer.SampleTicket(printer.SampleStatusURL, time.Now())
	receive := func() {
		t.Helper()
		select {
		case j := <-jobs:
			if j.Dropped != "" {
				t.Fatalf("job dropped: %s", j.Dropped)
			}
		case <-time.After(30 * time.Second):
			t.Fatal("no job printed")
		}
	}

	if _, err := lp.PrintTicket(ctx, ticket); err != nil {
		t.Fatal(err)
	}
	receive()
	(<-conns).Close() // the printer restarts
	_, err = lp.PrintTicket(ctx, ticket)
	if !errors.Is(err, printer.ErrLink) || !errors.Is(err, printer.ErrNotSent) || printer.Code(err) != "link" {
		t.Fatalf("print on the dropped line: got %v (code %s), want a link fault before sending", err, printer.Code(err))
	}
	if _, err := lp.PrintTicket(ctx, ticket); err != nil {
		t.Fatalf("print after the restart: %v", err)
	}
	receive()
	if opened != 2 {
		t.Fatalf("line opened %d times, want 2", opened)
	}

	// A printer that cannot be reached at all is a link fault too.
	ln.Close()
	lp.Close()
	if _, err := lp.PrintTicket(ctx, ticket); !errors.Is(err, printer.ErrLink) || !errors.Is(err, printer.ErrNotSent) {
		t.Fatalf("print to a closed port: got %v", err)
	}
}
