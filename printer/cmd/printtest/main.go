// Command printtest is the installer's printer test: it sends a sample ticket
// receipt to a printer, then queries and reports the printer's status.
//
//	go run ./printer/cmd/printtest -port /dev/ttyUSB0 -baud 9600 [-width 58|80] [-qr native|raster]
//	go run ./printer/cmd/printtest -tcp 192.168.1.50:9100
//	go run ./printer/cmd/printtest -device /dev/usb/lp0
//	go run ./printer/cmd/printtest -out receipt.bin -width 58 -qr raster
//	go run ./printer/cmd/printtest -port /dev/ttyUSB0 -status-only
//	go run ./printer/cmd/printtest -figures
//
// The sample receipt's QR code carries a status URL of the form
// http://…/t/{token}; printtest prints the URL it used. The exit code is 0
// when the receipt was sent and the printer reports ready, 1 otherwise, 2 for
// bad flags.
package main

import (
	"context"
	"crypto/rand"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"hallq/printer"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	os.Exit(run(ctx, os.Args[1:], os.Stdout, os.Stderr))
}

// config is what the flags say.
type config struct {
	port, tcp, device, out string
	baud                   int
	readTimeout            time.Duration
	statusTimeout          time.Duration
	width                  int
	qr                     string
	profile                string
	url                    string
	statusOnly             bool
	figures                bool
}

func parseFlags(args []string, stderr io.Writer) (config, error) {
	var c config
	fs := flag.NewFlagSet("printtest", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&c.port, "port", "", "serial port of the printer, such as /dev/ttyUSB0")
	fs.IntVar(&c.baud, "baud", 9600, "serial baud rate (8N1)")
	fs.DurationVar(&c.readTimeout, "read-timeout", printer.DefaultReadTimeout, "serial read timeout")
	fs.StringVar(&c.tcp, "tcp", "", "network printer, host or host:port (port 9100 by default)")
	fs.StringVar(&c.device, "device", "", "printer device file, such as /dev/usb/lp0")
	fs.StringVar(&c.out, "out", "", "write the receipt's bytes to this file instead of a printer")
	fs.IntVar(&c.width, "width", 80, "paper width in mm: 58 or 80")
	fs.StringVar(&c.qr, "qr", "", "QR mode: native or raster (default: the profile's)")
	fs.StringVar(&c.profile, "profile", "", "printer profile, overriding -width: "+profileNames())
	fs.StringVar(&c.url, "url", "", "status URL in the QR code (default: http://hallq.local:8080/t/ and a random token)")
	fs.DurationVar(&c.statusTimeout, "status-timeout", printer.DefaultStatusTimeout, "how long to wait for status replies")
	fs.BoolVar(&c.statusOnly, "status-only", false, "only query and report the status")
	fs.BoolVar(&c.figures, "figures", false, "print the table of receipt sizes and transmit times, then exit")
	if err := fs.Parse(args); err != nil {
		return c, err
	}
	if fs.NArg() > 0 {
		return c, fmt.Errorf("unexpected arguments %q", fs.Args())
	}
	targets := 0
	for _, t := range []string{c.port, c.tcp, c.device, c.out} {
		if t != "" {
			targets++
		}
	}
	switch {
	case c.figures:
	case targets != 1:
		return c, errors.New("give exactly one of -port, -tcp, -device and -out")
	case c.statusOnly && c.out != "":
		return c, errors.New("-status-only needs a printer, not -out")
	}
	return c, nil
}

func profileNames() string {
	var names []string
	for _, p := range printer.Presets() {
		names = append(names, p.Name)
	}
	return strings.Join(names, ", ")
}

// profile returns the profile the flags select.
func (c config) profileFor() (printer.Profile, error) {
	var p printer.Profile
	var err error
	if c.profile != "" {
		p, err = printer.LookupProfile(c.profile)
	} else {
		mode := printer.NativeQR
		if c.width == 58 {
			mode = printer.RasterQR
		}
		p, err = printer.ProfileForWidth(c.width, mode)
	}
	if err != nil {
		return p, err
	}
	if c.qr != "" {
		if err := p.QR.UnmarshalText([]byte(c.qr)); err != nil {
			return p, err
		}
	}
	return p, p.Validate()
}

// run is the whole program; it returns the exit code.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	c, err := parseFlags(args, stderr)
	if err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		fmt.Fprintln(stderr, "printtest:", err)
		return 2
	}
	if c.figures {
		fmt.Fprint(stdout, Figures())
		return 0
	}
	prof, err := c.profileFor()
	if err != nil {
		fmt.Fprintln(stderr, "printtest:", err)
		return 2
	}
	url := c.url
	if url == "" {
		url = "http://hallq.local:8080/t/" + rand.Text()[:16]
	}
	ticket := printer.SampleTicket(url, time.Now())
	job, err := printer.Receipt(ticket, prof)
	if err != nil {
		fmt.Fprintln(stderr, "printtest:", err)
		return 1
	}
	fmt.Fprintf(stdout, "profile:    %s, %d dots, %s QR, %s, cut %s\n", prof.Name, prof.Dots, prof.QR, prof.CodePage, prof.Cut)
	fmt.Fprintf(stdout, "status URL: %s\n", url)
	fmt.Fprintf(stdout, "receipt:    %d bytes, %.1f s at %d baud\n", len(job), printer.TransmitTime(len(job), c.baud).Seconds(), c.baud)

	if c.out != "" {
		if err := os.WriteFile(c.out, job, 0o644); err != nil {
			fmt.Fprintln(stderr, "printtest:", err)
			return 1
		}
		fmt.Fprintf(stdout, "written to  %s\n", c.out)
		return 0
	}

	conn, name, err := c.open(ctx)
	if err != nil {
		fmt.Fprintln(stderr, "printtest:", err)
		fmt.Fprintln(stderr, advice(err))
		return 1
	}
	p, err := printer.New(conn, prof)
	if err != nil {
		conn.Close()
		fmt.Fprintln(stderr, "printtest:", err)
		return 1
	}
	defer p.Close()
	p.SetStatusTimeout(c.statusTimeout)
	// Allow for the receipt's time on the line at the slowest baud rate.
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second+printer.TransmitTime(len(job), min(c.baud, 9600)))
	defer cancel()

	var st printer.Status
	if !c.statusOnly {
		// Send even when the printer does not answer status queries: the
		// installer sees whether paper comes out, and the status below says
		// whether the kiosk will be able to tell paper-out and cover-open.
		// A printer that answers and is not ready would keep the receipt
		// and print it later, for nobody: report instead of sending.
		if pre, err := p.Status(ctx); err == nil && pre.Err() != nil {
			fmt.Fprintf(stdout, "status:     %s (DLE EOT 1-4 replies % x)\n", pre, pre.Raw[:])
			fmt.Fprintln(stderr, "printtest: receipt not sent:", pre.Err())
			fmt.Fprintln(stderr, advice(pre.Err()))
			return 1
		}
		if err := p.Print(ctx, job); err != nil {
			fmt.Fprintln(stderr, "printtest:", err)
			fmt.Fprintln(stderr, advice(err))
			return 1
		}
		fmt.Fprintf(stdout, "sent to     %s\n", name)
	}
	st, err = p.Status(ctx)
	if err == nil {
		err = st.Err()
	}
	if st.Raw != [4]byte{} {
		fmt.Fprintf(stdout, "status:     %s (DLE EOT 1-4 replies % x)\n", st, st.Raw[:])
	}
	if err != nil {
		fmt.Fprintln(stderr, "printtest:", err)
		fmt.Fprintln(stderr, advice(err))
		return 1
	}
	if st.PaperNearEnd {
		fmt.Fprintln(stdout, "note:       the paper roll is nearly empty")
	}
	fmt.Fprintln(stdout, "result:     OK")
	return 0
}

// open connects to the printer the flags name.
func (c config) open(ctx context.Context) (printer.Conn, string, error) {
	switch {
	case c.port != "":
		s, err := printer.OpenSerial(printer.SerialConfig{Port: c.port, Baud: c.baud, ReadTimeout: c.readTimeout})
		return s, fmt.Sprintf("%s at %d baud", c.port, c.baud), err
	case c.tcp != "":
		dctx, cancel := context.WithTimeout(ctx, 5*time.Second)
		defer cancel()
		s, err := printer.DialTCP(dctx, c.tcp)
		return s, c.tcp, err
	}
	s, err := printer.OpenDevice(c.device)
	return s, c.device, err
}

// advice tells an installer what to check for an error.
func advice(err error) string {
	switch printer.Code(err) {
	case "cover_open":
		return "check: close the printer's paper cover."
	case "paper_out":
		return "check: load a paper roll."
	case "fault":
		return "check: clear the paper jam or cutter, let the head cool, or power-cycle the printer."
	case "offline":
		return "check: the printer is offline; is the feed button held, or is it in setup mode?"
	case "no_reply":
		return "check: printer power and cable, the port, and the baud rate (try -baud 19200, 38400 or 115200);\n" +
			"if the receipt printed anyway, the printer cannot answer status queries (does the cable carry its replies?)\nand a kiosk would not see paper-out or cover-open."
	case "link":
		return "check: the port or address exists and is not used by another program (kiosk service, getty);\n" +
			"for serial ports, the user must be in the dialout group."
	}
	return ""
}
