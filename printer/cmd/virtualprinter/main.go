// Command virtualprinter emulates an ESC/POS thermal receipt printer for
// development, demos and tests. It listens on a pseudo-terminal it creates
// (and prints its path) or on a TCP port, answers status queries, and renders
// each job to a PNG in an output folder.
//
//	go run ./printer/cmd/virtualprinter                       # pseudo-terminal
//	go run ./printer/cmd/virtualprinter -link /tmp/printer    # … with a stable path
//	go run ./printer/cmd/virtualprinter -tcp :9100            # network printer
//	go run ./printer/cmd/virtualprinter -paper-out            # simulate a fault
//	go run ./printer/cmd/virtualprinter -render job.bin       # render a file and exit
//
// While it runs, SIGUSR1 toggles paper out and SIGUSR2 toggles cover open.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"os/signal"
	"path/filepath"
	"sync"
	"syscall"

	"hallq/printer/virtual"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	os.Exit(run(ctx, os.Args[1:], os.Stdout, os.Stderr))
}

// config is what the flags say.
type config struct {
	tcp, link, out, fontPath, render string
	width, dots                      int
	cond                             virtual.Conditions
}

func parseFlags(args []string, stderr io.Writer) (config, error) {
	var c config
	fs := flag.NewFlagSet("virtualprinter", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&c.tcp, "tcp", "", "listen on this TCP address (such as :9100) instead of a pseudo-terminal")
	fs.StringVar(&c.link, "link", "", "also make this symbolic link to the pseudo-terminal (such as /tmp/printer)")
	fs.StringVar(&c.out, "out", "virtualprinter-out", "folder for job-NNNN.png and job-NNNN.bin")
	fs.IntVar(&c.width, "width", 80, "paper width in mm: 58 (384 dots) or 80 (576 dots)")
	fs.IntVar(&c.dots, "dots", 0, "paper width in dots, overriding -width (512 for an Epson TM-T88)")
	fs.StringVar(&c.fontPath, "font", "", "CJK font file (.ttf, .otf, .ttc); default: found on the system")
	fs.StringVar(&c.render, "render", "", "render the jobs in this file of printer bytes to PNGs in -out, then exit")
	fs.BoolVar(&c.cond.PaperOut, "paper-out", false, "simulate an empty roll: report paper end, print nothing")
	fs.BoolVar(&c.cond.PaperNearEnd, "paper-near-end", false, "simulate a nearly empty roll")
	fs.BoolVar(&c.cond.CoverOpen, "cover-open", false, "simulate an open cover: report it, print nothing")
	fs.BoolVar(&c.cond.NoReply, "no-reply", false, "never answer status queries")
	if err := fs.Parse(args); err != nil {
		return c, err
	}
	if fs.NArg() > 0 {
		return c, fmt.Errorf("unexpected arguments %q", fs.Args())
	}
	if c.dots == 0 {
		switch c.width {
		case 58:
			c.dots = 384
		case 80:
			c.dots = 576
		default:
			return c, fmt.Errorf("-width %d: want 58 or 80 (or give -dots)", c.width)
		}
	}
	return c, nil
}

// run is the whole program; it returns the exit code.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	c, err := parseFlags(args, stderr)
	if err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		fmt.Fprintln(stderr, "virtualprinter:", err)
		return 2
	}
	log := slog.New(slog.NewTextHandler(stderr, nil)).With("component", "virtualprinter")
	var font *virtual.Font
	if c.fontPath != "" {
		font, err = virtual.LoadFont(c.fontPath)
	} else {
		font, err = virtual.FindFont()
	}
	if err != nil {
		fmt.Fprintln(stderr, "virtualprinter:", err)
		return 1
	}
	defer font.Close()
	log.Info("font", "path", font.Path, "face", font.Name)

	if c.render != "" {
		if err := renderFile(c, font, stdout); err != nil {
			fmt.Fprintln(stderr, "virtualprinter:", err)
			return 1
		}
		return 0
	}

	p, err := virtual.New(virtual.Options{Dots: c.dots, Font: font, OutDir: c.out, Conditions: c.cond, Log: log})
	if err != nil {
		fmt.Fprintln(stderr, "virtualprinter:", err)
		return 1
	}
	go toggleOnSignals(ctx, p, log)
	if c.tcp != "" {
		err = serveTCP(ctx, p, c.tcp, stdout, log)
	} else {
		err = servePTY(ctx, p, c.link, stdout)
	}
	if err != nil {
		fmt.Fprintln(stderr, "virtualprinter:", err)
		return 1
	}
	return 0
}

// servePTY serves one pseudo-terminal until ctx ends.
func servePTY(ctx context.Context, p *virtual.Printer, link string, stdout io.Writer) error {
	pty, err := virtual.OpenPTY(link)
	if err != nil {
		return err
	}
	defer pty.Close()
	if pty.Link() != "" {
		fmt.Fprintf(stdout, "virtual printer on %s (link %s)\n", pty.Path(), pty.Link())
	} else {
		fmt.Fprintf(stdout, "virtual printer on %s\n", pty.Path())
	}
	return p.Serve(ctx, pty)
}

// serveTCP accepts connections until ctx ends, one Serve each.
func serveTCP(ctx context.Context, p *virtual.Printer, addr string, stdout io.Writer, log *slog.Logger) error {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "virtual printer on tcp %s\n", ln.Addr())
	stop := context.AfterFunc(ctx, func() { ln.Close() })
	defer stop()
	var wg sync.WaitGroup
	defer wg.Wait()
	for {
		conn, err := ln.Accept()
		if err != nil {
			if ctx.Err() != nil {
				return nil
			}
			return err
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer conn.Close()
			log := log.With("remote", conn.RemoteAddr().String())
			log.Info("connected")
			if err := p.Serve(ctx, conn); err != nil {
				log.Warn("connection ended", "err", err)
			}
		}()
	}
}

// toggleOnSignals flips paper out on SIGUSR1 and cover open on SIGUSR2.
func toggleOnSignals(ctx context.Context, p *virtual.Printer, log *slog.Logger) {
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, syscall.SIGUSR1, syscall.SIGUSR2)
	defer signal.Stop(sig)
	for {
		select {
		case <-ctx.Done():
			return
		case s := <-sig:
			c := p.Conditions()
			if s == syscall.SIGUSR1 {
				c.PaperOut = !c.PaperOut
			} else {
				c.CoverOpen = !c.CoverOpen
			}
			p.SetConditions(c)
			log.Info("conditions", "paper_out", c.PaperOut, "cover_open", c.CoverOpen)
		}
	}
}

// renderFile renders each job of a byte file to a PNG named after it.
func renderFile(c config, font *virtual.Font, stdout io.Writer) error {
	data, err := os.ReadFile(c.render)
	if err != nil {
		return err
	}
	pages, imgs, err := virtual.RenderJob(data, c.dots, font)
	if err != nil {
		return err
	}
	if len(pages) == 0 {
		return fmt.Errorf("%s: prints nothing", c.render)
	}
	if err := os.MkdirAll(c.out, 0o755); err != nil {
		return err
	}
	base := filepath.Base(c.render)
	base = base[:len(base)-len(filepath.Ext(base))]
	for i, img := range imgs {
		name := filepath.Join(c.out, fmt.Sprintf("%s-%d.png", base, i+1))
		if err := virtual.WritePNG(name, img); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "%s: %d bytes, %d×%d dots\n", name, len(pages[i].Raw), img.Bounds().Dx(), img.Bounds().Dy())
	}
	return nil
}
