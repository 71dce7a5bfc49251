package main

import (
	"context"
	"fmt"
	"image"
	"io"
	"log/slog"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/makiuchi-d/gozxing"
	"github.com/makiuchi-d/gozxing/qrcode"

	"hallq/printer"
	"hallq/printer/virtual"
)

// testPrinter is the virtual printer on a real pseudo-terminal, which the
// kiosk opens as its serial port.
type testPrinter struct {
	vp   *virtual.Printer
	pty  *virtual.PTY
	jobs chan virtual.Job
}

func newTestPrinter(t *testing.T) *testPrinter {
	t.Helper()
	font, err := virtual.FindFont()
	if err != nil {
		t.Skipf("no CJK font to render receipts (deploy/setup.sh installs fonts-noto-cjk): %v", err)
	}
	pty, err := virtual.OpenPTY("")
	if err != nil {
		t.Fatal(err)
	}
	p := &testPrinter{pty: pty, jobs: make(chan virtual.Job, 64)}
	p.vp, err = virtual.New(virtual.Options{Dots: 576, Font: font, OnJob: func(j virtual.Job) { p.jobs <- j }})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		p.vp.Serve(ctx, pty)
		close(done)
	}()
	t.Cleanup(func() {
		cancel()
		pty.Close()
		<-done
		font.Close()
	})
	return p
}

// line returns the kiosk's printer on the pseudo-terminal, 80 mm paper.
func (p *testPrinter) line(t *testing.T) *linePrinter {
	t.Helper()
	prof, err := printer.LookupProfile("generic-80")
	if err != nil {
		t.Fatal(err)
	}
	lp := newLinePrinter(p.pty.Path(), prof, func(context.Context) (printer.Conn, error) {
		s, err := printer.OpenSerial(printer.SerialConfig{Port: p.pty.Path(), Baud: 115200})
		if err != nil {
			return nil, err
		}
		return s, nil
	})
	t.Cleanup(func() { lp.Close() })
	return lp
}

// job waits for the next printed job.
func (p *testPrinter) job(t *testing.T) virtual.Job {
	t.Helper()
	select {
	case j := <-p.jobs:
		return j
	case <-time.After(30 * time.Second):
		t.Fatal("no receipt printed")
	}
	return virtual.Job{}
}

// decodeQR reads the QR code in img with an independent decoder (ZXing).
func decodeQR(img image.Image) (string, error) {
	bmp, err := gozxing.NewBinaryBitmapFromImage(img)
	if err != nil {
		return "", err
	}
	res, err := qrcode.NewQRCodeReader().Decode(bmp, map[gozxing.DecodeHintType]any{gozxing.DecodeHintType_TRY_HARDER: true})
	if err != nil {
		return "", fmt.Errorf("decode QR: %w", err)
	}
	return res.GetText(), nil
}

// fakePrinter is a printer that answers as scripted, for flows that need no
// paper.
type fakePrinter struct {
	mu      sync.Mutex
	err     error
	printed []printer.Ticket
}

var _ Printer = (*fakePrinter)(nil)

func (f *fakePrinter) PrintTicket(_ context.Context, t printer.Ticket) (printer.Status, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.err != nil {
		return printer.Status{}, f.err
	}
	f.printed = append(f.printed, t)
	return printer.Status{}, nil
}

func (f *fakePrinter) Status(context.Context) (printer.Status, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return printer.Status{}, f.err
}

// testLog is a logger for tests: quiet unless HALLQ_TEST_LOG is set.
func testLog() *slog.Logger {
	if os.Getenv("HALLQ_TEST_LOG") != "" {
		return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	return slog.New(slog.NewTextHandler(io.Discard, nil))
}
