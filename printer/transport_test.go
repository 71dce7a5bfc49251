package printer_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"image/png"
	"io"
	"net"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"hallq/printer"
	"hallq/printer/internal/qrscan"
	"hallq/printer/internal/socat"
	"hallq/printer/virtual"
)

// guard bounds how long a test waits for something that should happen; it
// only stops a broken test from hanging and is no measure of speed.
const guard = 30 * time.Second

// openEnd opens the printer's end of a pseudo-terminal pair.
func openEnd(t *testing.T, path string) *os.File {
	t.Helper()
	f, err := os.OpenFile(path, os.O_RDWR|syscall.O_NOCTTY, 0)
	if err != nil {
		t.Fatalf("open %s: %v", path, err)
	}
	t.Cleanup(func() { f.Close() })
	return f
}

func openSerial(t *testing.T, path string) *printer.Serial {
	t.Helper()
	s, err := printer.OpenSerial(printer.SerialConfig{Port: path, Baud: 9600})
	if err != nil {
		t.Fatalf("OpenSerial(%s): %v", path, err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func profile(t *testing.T, width int, mode printer.QRMode) printer.Profile {
	t.Helper()
	p, err := printer.ProfileForWidth(width, mode)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func TestSerialDeliversBytesIntactAndReadsReplies(t *testing.T) {
	a, b := socat.Pair(t)
	s := openSerial(t, a)
	end := openEnd(t, b)

	// Every byte value, then a whole raster receipt.
	var payload []byte
	for i := 0; i < 4*256; i++ {
		payload = append(payload, byte(i))
	}
	job, err := printer.Receipt(printer.SampleTicket(printer.SampleStatusURL, time.Now()), profile(t, 80, printer.RasterQR))
	if err != nil {
		t.Fatal(err)
	}
	payload = append(payload, job...)

	werr := make(chan error, 1)
	go func() {
		n, err := s.Write(payload)
		if err == nil && n != len(payload) {
			err = fmt.Errorf("wrote %d of %d bytes", n, len(payload))
		}
		werr <- err
	}()
	end.SetReadDeadline(time.Now().Add(guard))
	got := make([]byte, len(payload))
	if _, err := io.ReadFull(end, got); err != nil {
		t.Fatalf("read the printer's end: %v", err)
	}
	if err := <-werr; err != nil {
		t.Fatalf("Write: %v", err)
	}
	if !bytes.Equal(got, payload) {
		i := 0
		for i < len(got) && got[i] == payload[i] {
			i++
		}
		t.Fatalf("got bytes differing from offset %d of %d: got % x, want % x", i, len(payload), got[i:min(i+16, len(got))], payload[i:min(i+16, len(payload))])
	}

	// A status reply travels back.
	if _, err := end.Write([]byte{0x12, 0x1e}); err != nil {
		t.Fatal(err)
	}
	var reply []byte
	buf := make([]byte, 8)
	for len(reply) < 2 {
		n, err := s.ReadWithin(buf, guard)
		if err != nil {
			t.Fatalf("ReadWithin: %v", err)
		}
		if n == 0 {
			t.Fatalf("ReadWithin: nothing within %v, got % x so far", guard, reply)
		}
		reply = append(reply, buf[:n]...)
	}
	if !bytes.Equal(reply, []byte{0x12, 0x1e}) {
		t.Errorf("got reply % x, want 12 1e", reply)
	}
}

func TestSerialOpenRejects(t *testing.T) {
	tests := []struct {
		name string
		cfg  printer.SerialConfig
		link bool
	}{
		{"no port", printer.SerialConfig{Baud: 9600}, false},
		{"no baud", printer.SerialConfig{Port: "/dev/null"}, false},
		{"negative timeout", printer.SerialConfig{Port: "/dev/null", Baud: 9600, ReadTimeout: -1}, false},
		{"missing port", printer.SerialConfig{Port: filepath.Join(t.TempDir(), "ttyUSB9"), Baud: 9600}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := printer.OpenSerial(tt.cfg)
			if err == nil {
				s.Close()
				t.Fatalf("got no error, want one")
			}
			if errors.Is(err, printer.ErrLink) != tt.link {
				t.Errorf("got %v: errors.Is(ErrLink) = %v, want %v", err, !tt.link, tt.link)
			}
		})
	}
}

func TestEveryTransportReturnsWriteErrors(t *testing.T) {
	a, _ := socat.Pair(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	dev := filepath.Join(t.TempDir(), "lp0")
	if err := os.WriteFile(dev, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	opens := []struct {
		name string
		open func() (printer.Conn, error)
	}{
		{"serial", func() (printer.Conn, error) {
			return printer.OpenSerial(printer.SerialConfig{Port: a, Baud: 9600})
		}},
		{"tcp", func() (printer.Conn, error) { return printer.DialTCP(context.Background(), ln.Addr().String()) }},
		{"device", func() (printer.Conn, error) { return printer.OpenDevice(dev) }},
	}
	for _, o := range opens {
		t.Run(o.name, func(t *testing.T) {
			c, err := o.open()
			if err != nil {
				t.Fatal(err)
			}
			if _, err := c.Write([]byte("x")); err != nil {
				t.Fatalf("first write: %v", err)
			}
			c.Close()
			_, err = c.Write([]byte("x"))
			if !errors.Is(err, printer.ErrLink) {
				t.Errorf("write after close: got %v, want an error matching ErrLink", err)
			}
		})
	}
}

func TestDialRefusedIsLinkError(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	if _, err := printer.DialTCP(context.Background(), addr); !errors.Is(err, printer.ErrLink) {
		t.Errorf("DialTCP to a closed port: got %v, want an error matching ErrLink", err)
	}
	if _, err := printer.OpenDevice(filepath.Join(t.TempDir(), "nope")); !errors.Is(err, printer.ErrLink) {
		t.Errorf("OpenDevice of a missing file: got %v, want an error matching ErrLink", err)
	}
}

func TestDeviceFileThatCannotBeReadIsNoReply(t *testing.T) {
	dev := filepath.Join(t.TempDir(), "lp0")
	if err := os.WriteFile(dev, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	c, err := printer.OpenDevice(dev)
	if err != nil {
		t.Fatal(err)
	}
	p, err := printer.New(c, profile(t, 80, printer.NativeQR))
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	job := []byte("\x1b@hello\n\x1dV\x01")
	if err := p.Print(context.Background(), job); err != nil {
		t.Fatalf("Print: %v", err)
	}
	got, _ := os.ReadFile(dev)
	if !bytes.Equal(got, job) {
		t.Errorf("device file holds % x, want % x", got, job)
	}
	_, err = p.Status(context.Background())
	if !errors.Is(err, printer.ErrNoReply) {
		t.Errorf("Status of a plain file: got %v, want an error matching ErrNoReply", err)
	}
	_, err = p.PrintTicket(context.Background(), printer.SampleTicket(printer.SampleStatusURL, time.Now()))
	if !errors.Is(err, printer.ErrNoReply) || !errors.Is(err, printer.ErrNotSent) {
		t.Errorf("PrintTicket to a plain file: got %v, want an error matching ErrNoReply and ErrNotSent", err)
	}
}

// virtualPrinter serves a virtual printer on rw until the test ends and
// returns it with the channel its jobs arrive on.
func virtualPrinter(t *testing.T, rw io.ReadWriter, dots int, c virtual.Conditions) (*virtual.Printer, <-chan virtual.Job) {
	t.Helper()
	font, err := virtual.FindFont()
	if err != nil {
		t.Skipf("no CJK font to render receipts (install fonts-noto-cjk): %v", err)
	}
	t.Cleanup(func() { font.Close() })
	jobs := make(chan virtual.Job, 16)
	vp, err := virtual.New(virtual.Options{
		Dots: dots, Font: font, OutDir: t.TempDir(), Conditions: c,
		OnJob: func(j virtual.Job) { jobs <- j },
	})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- vp.Serve(ctx, rw) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("virtual printer: %v", err)
		}
	})
	return vp, jobs
}

func nextJob(t *testing.T, jobs <-chan virtual.Job) virtual.Job {
	t.Helper()
	select {
	case j := <-jobs:
		return j
	case <-time.After(guard):
		t.Fatalf("no job reached the virtual printer within %v", guard)
	}
	return virtual.Job{}
}

// decodePNG reads the QR code of a job's PNG file.
func decodePNG(t *testing.T, path string) string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatalf("job PNG: %v", err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatalf("decode %s: %v", path, err)
	}
	text, err := qrscan.Decode(img)
	if err != nil {
		t.Fatalf("QR code of %s: %v", path, err)
	}
	return text
}

func TestReceiptQRDecodesFromVirtualPrinterPNG(t *testing.T) {
	for _, width := range []int{58, 80} {
		for _, mode := range []printer.QRMode{printer.NativeQR, printer.RasterQR} {
			t.Run(fmt.Sprintf("%dmm-%s", width, mode), func(t *testing.T) {
				t.Parallel()
				prof := profile(t, width, mode)
				pty, err := virtual.OpenPTY("")
				if err != nil {
					t.Fatal(err)
				}
				_, jobs := virtualPrinter(t, pty, prof.Dots, virtual.Conditions{})
				p, err := printer.New(openSerial(t, pty.Path()), prof)
				if err != nil {
					t.Fatal(err)
				}
				p.SetStatusTimeout(guard) // the printer answers; a loaded machine may be slow to
				url := fmt.Sprintf("http://hallq.local:8080/t/%dmm%sToken0123", width, mode)
				st, err := p.PrintTicket(context.Background(), printer.SampleTicket(url, time.Now()))
				if err != nil {
					t.Fatalf("PrintTicket: %v (status %s)", err, st)
				}
				job := nextJob(t, jobs)
				if job.Dropped != "" || job.PNG == "" {
					t.Fatalf("job %d: dropped %q, PNG %q", job.Seq, job.Dropped, job.PNG)
				}
				if got := decodePNG(t, job.PNG); got != url {
					t.Errorf("QR code in %s: got %q, want %q", job.PNG, got, url)
				}
				text := strings.Join(job.Page.Text(), "\n")
				for _, want := range []string{"示例市政务服务中心", "不动产登记", "Real Estate Registration", "A023", "7 人", "Log #10482 9f86d081884c"} {
					if !strings.Contains(text, want) {
						t.Errorf("receipt text lacks %q:\n%s", want, text)
					}
				}
				if job.Page.Unknown != 0 {
					t.Errorf("virtual printer skipped %d unknown command bytes", job.Page.Unknown)
				}
			})
		}
	}
}

func TestPrintTicketReportsPrinterConditions(t *testing.T) {
	tests := []struct {
		name     string
		cond     virtual.Conditions
		want     []error
		printed  bool
		nearEnd  bool
		wantCode string
	}{
		{name: "ready", printed: true},
		{name: "paper near end", cond: virtual.Conditions{PaperNearEnd: true}, printed: true, nearEnd: true},
		{name: "paper out", cond: virtual.Conditions{PaperOut: true}, want: []error{printer.ErrPaperOut, printer.ErrNotSent}, nearEnd: true, wantCode: "paper_out"},
		{name: "cover open", cond: virtual.Conditions{CoverOpen: true}, want: []error{printer.ErrCoverOpen, printer.ErrNotSent}, wantCode: "cover_open"},
		{name: "no reply", cond: virtual.Conditions{NoReply: true}, want: []error{printer.ErrNoReply, printer.ErrNotSent}, wantCode: "no_reply"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a, b := socat.Pair(t)
			prof := profile(t, 80, printer.NativeQR)
			vp, jobs := virtualPrinter(t, openEnd(t, b), prof.Dots, tt.cond)
			p, err := printer.New(openSerial(t, a), prof)
			if err != nil {
				t.Fatal(err)
			}
			// A printer that answers gets as long as a slow machine needs
			// (only the silent one makes the query wait its whole timeout).
			timeout := guard
			if tt.cond.NoReply {
				timeout = 500 * time.Millisecond
			}
			p.SetStatusTimeout(timeout)
			st, err := p.PrintTicket(context.Background(), printer.SampleTicket(printer.SampleStatusURL, time.Now()))
			for _, want := range tt.want {
				if !errors.Is(err, want) {
					t.Errorf("got error %v, want one matching %v", err, want)
				}
			}
			if len(tt.want) == 0 && err != nil {
				t.Errorf("got error %v, want none", err)
			}
			if got := printer.Code(err); got != tt.wantCode {
				t.Errorf("Code: got %q, want %q", got, tt.wantCode)
			}
			if st.PaperNearEnd != tt.nearEnd {
				t.Errorf("status %s: PaperNearEnd %v, want %v", st, st.PaperNearEnd, tt.nearEnd)
			}
			// A marker job after the conditions clear shows whether the
			// receipt had been sent: if so, it arrives first.
			vp.SetConditions(virtual.Conditions{})
			if err := p.Print(context.Background(), []byte("\x1b@MARKER\n\x1dV\x01")); err != nil {
				t.Fatal(err)
			}
			first := nextJob(t, jobs)
			gotPrinted := strings.Join(first.Page.Text(), "") != "MARKER"
			if gotPrinted != tt.printed {
				t.Errorf("receipt sent: got %v, want %v (first job reads %q)", gotPrinted, tt.printed, first.Page.Text())
			}
		})
	}
}

func TestKioskRestartReopensVirtualPTY(t *testing.T) {
	pty, err := virtual.OpenPTY(filepath.Join(t.TempDir(), "printer"))
	if err != nil {
		t.Fatal(err)
	}
	prof := profile(t, 58, printer.NativeQR)
	_, jobs := virtualPrinter(t, pty, prof.Dots, virtual.Conditions{})
	for i := 1; i <= 3; i++ {
		s, err := printer.OpenSerial(printer.SerialConfig{Port: pty.Link(), Baud: 19200})
		if err != nil {
			t.Fatalf("open %d: %v", i, err)
		}
		p, err := printer.New(s, prof)
		if err != nil {
			t.Fatal(err)
		}
		p.SetStatusTimeout(guard) // the printer answers; a loaded machine may be slow to
		url := fmt.Sprintf("http://hallq.local/t/restart%d", i)
		if _, err := p.PrintTicket(context.Background(), printer.SampleTicket(url, time.Now())); err != nil {
			t.Fatalf("kiosk run %d: PrintTicket: %v", i, err)
		}
		if err := p.Close(); err != nil {
			t.Fatalf("kiosk run %d: Close: %v", i, err)
		}
		job := nextJob(t, jobs)
		if job.Seq != i {
			t.Errorf("kiosk run %d: got job %d", i, job.Seq)
		}
		if got := decodePNG(t, job.PNG); got != url {
			t.Errorf("kiosk run %d: QR code %q, want %q", i, got, url)
		}
	}
}

func TestNetworkPrinter(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	prof := profile(t, 80, printer.RasterQR)
	accepted := make(chan net.Conn, 1)
	go func() {
		c, err := ln.Accept()
		if err == nil {
			accepted <- c
		}
	}()
	c, err := printer.DialTCP(context.Background(), ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	p, err := printer.New(c, prof)
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	p.SetStatusTimeout(guard) // the printer answers; a loaded machine may be slow to
	_, jobs := virtualPrinter(t, <-accepted, prof.Dots, virtual.Conditions{})
	url := "http://hallq.local:8080/t/NETWORK9100"
	if _, err := p.PrintTicket(context.Background(), printer.SampleTicket(url, time.Now())); err != nil {
		t.Fatalf("PrintTicket: %v", err)
	}
	if got := decodePNG(t, nextJob(t, jobs).PNG); got != url {
		t.Errorf("QR code: got %q, want %q", got, url)
	}
}

func TestDeviceFileOnATerminal(t *testing.T) {
	a, b := socat.Pair(t)
	prof := profile(t, 58, printer.RasterQR)
	_, jobs := virtualPrinter(t, openEnd(t, b), prof.Dots, virtual.Conditions{CoverOpen: true})
	c, err := printer.OpenDevice(a)
	if err != nil {
		t.Fatal(err)
	}
	p, err := printer.New(c, prof)
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	p.SetStatusTimeout(guard) // the printer answers; a loaded machine may be slow to
	st, err := p.Status(context.Background())
	if err != nil {
		t.Fatalf("Status: %v", err)
	}
	if !st.CoverOpen || !errors.Is(st.Err(), printer.ErrCoverOpen) {
		t.Errorf("status %s: want cover open", st)
	}
	if err := p.Print(context.Background(), []byte("\x1b@device\n\x1dV\x01")); err != nil {
		t.Fatal(err)
	}
	if j := nextJob(t, jobs); j.Dropped != "cover open" {
		t.Errorf("job with the cover open: dropped %q, want %q", j.Dropped, "cover open")
	}
}
