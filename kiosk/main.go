package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"path/filepath"
	"sync"
	"syscall"
	"time"
	_ "time/tzdata" // the hall's time zone, even on a system without zoneinfo

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/app"

	"hallq/kiosk/outbox"
	"hallq/printer"
	"hallq/server/client"
	"hallq/server/client/device"
)

func main() {
	if err := run(os.Args[1:], os.Getenv, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "kiosk:", err)
		os.Exit(1)
	}
}

// run starts the kiosk and returns when its window closes or a signal
// (SIGINT, SIGTERM) ends it.
func run(args []string, getenv func(string) string, stderr io.Writer) error {
	cfg, err := parseConfig(args, getenv, stderr)
	if errors.Is(err, flag.ErrHelp) {
		return nil
	}
	if err != nil {
		return err
	}
	var level slog.Level
	if err := level.UnmarshalText([]byte(cfg.LogLevel)); err != nil {
		return fmt.Errorf("-log-level: %w", err)
	}
	log := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: level}))

	if err := os.MkdirAll(cfg.Data, 0o700); err != nil {
		return fmt.Errorf("-data: %w", err)
	}
	box, err := outbox.Open(filepath.Join(cfg.Data, "outbox.db"), outbox.Options{})
	if err != nil {
		return err
	}
	defer box.Close()
	copts := client.Options{Timeout: 10 * time.Second, UserAgent: "hallq-kiosk", MaxBackoff: 5 * time.Second}
	if cfg.CA != "" {
		if copts.HTTPClient, err = client.HTTPClientWithCA(cfg.CA); err != nil {
			return fmt.Errorf("-ca: %w", err)
		}
	}
	srv, err := client.New(cfg.Server, cfg.Token, copts)
	if err != nil {
		return err
	}
	var prn Printer
	line := cfg.printerLine()
	if line != "" {
		lp := newLinePrinter(line, cfg.Profile, opener(cfg))
		defer lp.Close()
		prn = lp
	} else {
		log.Warn("no printer configured: tickets are shown on screen only (-printer, -printer-tcp or -printer-device)")
	}
	core, err := NewKiosk(srv, prn, box, log.With("component", "kiosk"), coreOptions{RequestTimeout: cfg.RequestTimeout})
	if err != nil {
		return err
	}
	th := &kioskTheme{}
	if regular, bold, from, err := loadFonts(cfg.Font); err != nil {
		log.Warn("no Chinese font: Fyne falls back to the system's fonts", "err", err)
	} else {
		th.regular, th.bold = regular, bold
		log.Info("font", "from", from)
	}
	ui := newKioskApp(core, log.With("component", "ui"), uiOptions{
		TicketTimeout: cfg.TicketTimeout, IdleTimeout: cfg.IdleTimeout, Fullscreen: cfg.Fullscreen,
		Size: fyne.NewSize(float32(cfg.Width), float32(cfg.Height)), Theme: th,
		MinTarget: minTargetPixels(cfg.Width, cfg.Height, cfg.ScreenDiagonal), SpeakCmd: cfg.SpeakCmd})
	if cfg.SpeakCmd != "" {
		if p := device.CommandMissing(cfg.SpeakCmd); p != "" {
			log.Warn("the speak command's program is not installed: accessible mode will be silent", "program", p, "speak_cmd", cfg.SpeakCmd)
		}
	}
	fa := app.NewWithID("org.hallq.kiosk")
	ui.loadUI(fa)

	ctx, cancel := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer cancel()
	var wg sync.WaitGroup
	wg.Go(func() { core.Run(ctx) })
	wg.Go(func() {
		t := time.NewTicker(10 * time.Second)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				fyne.Do(fa.Quit)
				return
			case <-t.C:
				fyne.Do(ui.tick)
			}
		}
	})
	log.Info("kiosk started", "server", cfg.Server, "printer", line, "profile", cfg.Profile.Name, "data", cfg.Data)
	ui.win.ShowAndRun()
	cancel()
	wg.Wait()
	log.Info("kiosk stopped")
	return nil
}

// opener returns the function that opens the configured printer line.
func opener(cfg *Config) func(ctx context.Context) (printer.Conn, error) {
	switch {
	case cfg.Printer != "":
		return func(context.Context) (printer.Conn, error) {
			s, err := printer.OpenSerial(printer.SerialConfig{Port: cfg.Printer, Baud: cfg.Baud})
			if err != nil {
				return nil, err
			}
			return s, nil
		}
	case cfg.PrinterTCP != "":
		return func(ctx context.Context) (printer.Conn, error) {
			s, err := printer.DialTCP(ctx, cfg.PrinterTCP)
			if err != nil {
				return nil, err
			}
			return s, nil
		}
	}
	return func(context.Context) (printer.Conn, error) {
		s, err := printer.OpenDevice(cfg.PrinterDevice)
		if err != nil {
			return nil, err
		}
		return s, nil
	}
}
