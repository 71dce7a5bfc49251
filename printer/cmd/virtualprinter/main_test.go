package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"image/png"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"testing"
	"time"

	"hallq/printer"
	"hallq/printer/internal/qrscan"
	"hallq/printer/virtual"
)

const guard = 30 * time.Second

// start runs the program with args until the test ends and returns the
// first line it prints (where it listens).
func start(t *testing.T, args ...string) string {
	t.Helper()
	if _, err := virtual.FindFont(); err != nil {
		t.Skipf("no CJK font (install fonts-noto-cjk): %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	pr, pw := io.Pipe()
	done := make(chan int, 1)
	go func() {
		code := run(ctx, args, pw, io.Discard)
		pw.Close()
		done <- code
	}()
	t.Cleanup(func() {
		cancel()
		if code := <-done; code != 0 {
			t.Errorf("virtualprinter exited %d", code)
		}
	})
	sc := bufio.NewScanner(pr)
	if !sc.Scan() {
		t.Fatalf("virtualprinter printed nothing")
	}
	first := sc.Text()
	go io.Copy(io.Discard, pr)
	return first
}

// waitPNG waits for a job's PNG to appear and returns the QR code in it.
func waitPNG(t *testing.T, path string) string {
	t.Helper()
	deadline := time.Now().Add(guard)
	for {
		f, err := os.Open(path)
		if err == nil {
			defer f.Close()
			img, err := png.Decode(f)
			if err != nil {
				t.Fatalf("%s: %v", path, err)
			}
			text, err := qrscan.Decode(img)
			if err != nil {
				t.Fatalf("QR code of %s: %v", path, err)
			}
			return text
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s did not appear within %v", path, guard)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func ticket(url string) printer.Ticket { return printer.SampleTicket(url, time.Now()) }

func TestPseudoTerminal(t *testing.T) {
	out := t.TempDir()
	link := filepath.Join(t.TempDir(), "printer")
	line := start(t, "-link", link, "-out", out, "-width", "58")
	if !regexp.MustCompile(`^virtual printer on /dev/pts/\d+ \(link .*printer\)$`).MatchString(line) {
		t.Fatalf("first line %q does not name the terminal", line)
	}
	prof, _ := printer.ProfileForWidth(58, printer.RasterQR)
	for i := 1; i <= 2; i++ { // the kiosk closes and reopens the port
		conn, err := printer.OpenSerial(printer.SerialConfig{Port: link, Baud: 9600})
		if err != nil {
			t.Fatal(err)
		}
		p, _ := printer.New(conn, prof)
		p.SetStatusTimeout(guard) // the printer answers; a loaded machine may be slow to
		url := fmt.Sprintf("http://hallq.local/t/pty%d", i)
		if _, err := p.PrintTicket(context.Background(), ticket(url)); err != nil {
			t.Fatalf("PrintTicket %d: %v", i, err)
		}
		p.Close()
		if got := waitPNG(t, filepath.Join(out, fmt.Sprintf("job-%04d.png", i))); got != url {
			t.Errorf("job %d: QR code %q, want %q", i, got, url)
		}
	}
}

func TestTCPWithCoverOpen(t *testing.T) {
	line := start(t, "-tcp", "127.0.0.1:0", "-out", t.TempDir(), "-cover-open")
	m := regexp.MustCompile(`^virtual printer on tcp (\S+)$`).FindStringSubmatch(line)
	if m == nil {
		t.Fatalf("first line %q does not name the address", line)
	}
	conn, err := printer.DialTCP(context.Background(), m[1])
	if err != nil {
		t.Fatal(err)
	}
	prof, _ := printer.ProfileForWidth(80, printer.NativeQR)
	p, _ := printer.New(conn, prof)
	defer p.Close()
	p.SetStatusTimeout(guard) // the printer answers; a loaded machine may be slow to
	_, err = p.PrintTicket(context.Background(), ticket("http://hallq.local/t/tcp"))
	if !errors.Is(err, printer.ErrCoverOpen) {
		t.Errorf("got %v, want an error matching ErrCoverOpen", err)
	}
}

func TestRender(t *testing.T) {
	if _, err := virtual.FindFont(); err != nil {
		t.Skipf("no CJK font (install fonts-noto-cjk): %v", err)
	}
	dir := t.TempDir()
	prof, _ := printer.ProfileForWidth(80, printer.RasterQR)
	url := "http://hallq.local/t/render"
	job, err := printer.Receipt(ticket(url), prof)
	if err != nil {
		t.Fatal(err)
	}
	in := filepath.Join(dir, "receipt.bin")
	os.WriteFile(in, job, 0o644)
	if code := run(context.Background(), []string{"-render", in, "-out", dir}, io.Discard, io.Discard); code != 0 {
		t.Fatalf("exit %d", code)
	}
	if got := waitPNG(t, filepath.Join(dir, "receipt-1.png")); got != url {
		t.Errorf("QR code %q, want %q", got, url)
	}
}

func TestBadFlags(t *testing.T) {
	for _, args := range [][]string{{"-width", "76"}, {"stray"}, {"-nope"}} {
		if code := run(context.Background(), args, io.Discard, io.Discard); code != 2 {
			t.Errorf("%q: exit %d, want 2", args, code)
		}
	}
}
