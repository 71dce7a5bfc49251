package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/BurntSushi/toml"

	"hallq/printer"
	"hallq/server/client/device"
)

// Defaults of the configuration.
const (
	DefaultBaud          = 9600
	DefaultProfile       = "generic-80"
	DefaultTicketTimeout = 20 * time.Second
	DefaultIdleTimeout   = 60 * time.Second
	// DefaultRequestTimeout is how long an applicant waits for the server
	// before the kiosk prints an offline number instead (or says it cannot).
	DefaultRequestTimeout = 5 * time.Second
)

// Config is how a kiosk is set up: by flags, or by the same keys in a TOML
// file given with -config (flags given on the command line win).
type Config struct {
	Server string // base URL of the hall server
	Token  string // the kiosk's device token
	// CA is a PEM file of certificate authorities trusted for an https://
	// server besides the system's; empty for the system's only.
	CA string

	// At most one printer line: a serial port (with Baud), a network printer
	// or a device file. None prints nothing and says so.
	Printer       string
	Baud          int
	PrinterTCP    string
	PrinterDevice string
	// Profile is the printer model: a preset named by -profile or profile,
	// or the [printer_profile] table of the file.
	Profile printer.Profile

	Data          string // directory of the outbox file
	Fullscreen    bool
	Width, Height int           // window size when not full screen
	Font          string        // a font file to draw with instead of the system's Chinese font
	TicketTimeout time.Duration // how long the ticket screen stays after printing
	IdleTimeout   time.Duration // how long the ID keypad and notices wait for the applicant
	// RequestTimeout is how long an applicant waits for the server's answer.
	RequestTimeout time.Duration
	// ScreenDiagonal is the screen's diagonal in inches; with the size (the
	// screen's resolution) it gives the pixels of MinTargetMM.
	ScreenDiagonal float64
	// SpeakCmd speaks the prompts of accessible mode (device.Speak); empty:
	// silent.
	SpeakCmd string
	LogLevel string
}

// fileConfig is the TOML file; nil fields are not set by it.
type fileConfig struct {
	Server         *string          `toml:"server"`
	Token          *string          `toml:"token"`
	CA             *string          `toml:"ca"`
	Printer        *string          `toml:"printer"`
	Baud           *int             `toml:"baud"`
	PrinterTCP     *string          `toml:"printer_tcp"`
	PrinterDevice  *string          `toml:"printer_device"`
	Profile        *string          `toml:"profile"`
	PrinterProfile *printer.Profile `toml:"printer_profile"`
	Data           *string          `toml:"data"`
	Fullscreen     *bool            `toml:"fullscreen"`
	Size           *string          `toml:"size"`
	Font           *string          `toml:"font"`
	TicketTimeout  *string          `toml:"ticket_timeout"`
	IdleTimeout    *string          `toml:"idle_timeout"`
	RequestTimeout *string          `toml:"request_timeout"`
	ScreenDiagonal *float64         `toml:"screen_diagonal"`
	SpeakCmd       *string          `toml:"speak_cmd"`
	LogLevel       *string          `toml:"log_level"`
}

const fileKeys = "server, token, printer, baud, printer_tcp, printer_device, profile, [printer_profile], data, fullscreen, size, font, ticket_timeout, idle_timeout, request_timeout, screen_diagonal, speak_cmd, log_level"

// parseConfig reads the command line, the configuration file it names, and
// HALLQ_TOKEN from getenv when no token is given otherwise.
func parseConfig(args []string, getenv func(string) string, stderr io.Writer) (*Config, error) {
	fs := flag.NewFlagSet("kiosk", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintf(stderr, "usage: kiosk -server URL -token T [-printer /dev/ttyUSB0 -baud 9600 | -printer-tcp host:9100 | -printer-device /dev/usb/lp0] [flags]\n\n")
		fs.PrintDefaults()
		fmt.Fprintf(stderr, "\nThe same keys (%s) may be given in a TOML file with -config; flags win.\n"+
			"[printer_profile] describes a printer model the presets lack (keys: name, dots, qr, qr_module, qr_level,\n"+
			"code_page, cut, feed_lines). The token may also come from the environment variable HALLQ_TOKEN.\n", fileKeys)
	}
	cfgPath := fs.String("config", "", "TOML configuration file with the same keys as the flags")
	server := fs.String("server", "", "base URL of the hallq server, such as http://192.168.1.10:8080")
	token := fs.String("token", "", "the kiosk's device token (or HALLQ_TOKEN)")
	ca := fs.String("ca", "", "PEM file of a certificate authority to trust for an https:// server (the hall's own CA)")
	port := fs.String("printer", "", "serial port of the receipt printer, such as /dev/ttyUSB0")
	baud := fs.Int("baud", DefaultBaud, "serial line speed")
	tcp := fs.String("printer-tcp", "", "network receipt printer, host[:port] (port 9100 by default)")
	printerDevice := fs.String("printer-device", "", "receipt printer device file, such as /dev/usb/lp0")
	profile := fs.String("profile", DefaultProfile, "printer model: "+presetNames())
	data := fs.String("data", "", "directory of the kiosk's outbox file (leases and offline tickets) (default: $XDG_STATE_HOME/hallq/kiosk, else ~/.local/state/hallq/kiosk)")
	fullscreen := fs.Bool("fullscreen", true, "fill the screen")
	size := fs.String("size", device.DefaultSize, "window size when not full screen")
	font := fs.String("font", "", "font file (.ttf, .otf or .ttc) to draw with; default: the system's Noto Sans CJK SC")
	ticketTimeout := fs.String("ticket-timeout", DefaultTicketTimeout.String(), "how long the ticket screen stays after the receipt printed")
	idleTimeout := fs.String("idle-timeout", DefaultIdleTimeout.String(), "how long the ID keypad and notices wait before going home")
	requestTimeout := fs.String("request-timeout", DefaultRequestTimeout.String(), "how long an applicant waits for the server before the kiosk prints an offline number instead")
	diagonal := fs.Float64("screen-diagonal", DefaultScreenDiagonal, "the screen's diagonal in inches; with -size (the screen's resolution) it sizes touch targets to at least 15 mm")
	speak := fs.String("speak-cmd", device.DefaultSpeakCmd, "command speaking the prompts of accessible mode, read from stdin ({lang}: zh or en, {voice}: cmn or en); \"\" silences them")
	logLevel := fs.String("log-level", "info", "log level: debug, info, warn, error")
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	if fs.NArg() > 0 {
		return nil, fmt.Errorf("unexpected arguments %q", fs.Args())
	}

	var custom *printer.Profile
	if *cfgPath != "" {
		var fc fileConfig
		md, err := toml.DecodeFile(*cfgPath, &fc)
		if err != nil {
			return nil, fmt.Errorf("config %s: %w", *cfgPath, err)
		}
		if keys := md.Undecoded(); len(keys) > 0 {
			return nil, fmt.Errorf("config %s: unknown key %q (known: %s)", *cfgPath, keys[0].String(), fileKeys)
		}
		set := map[string]bool{}
		fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
		for _, kv := range []struct {
			flag     string
			dst, val *string
		}{
			{"server", server, fc.Server}, {"token", token, fc.Token}, {"ca", ca, fc.CA}, {"printer", port, fc.Printer},
			{"printer-tcp", tcp, fc.PrinterTCP}, {"printer-device", printerDevice, fc.PrinterDevice},
			{"profile", profile, fc.Profile}, {"data", data, fc.Data}, {"size", size, fc.Size}, {"font", font, fc.Font},
			{"ticket-timeout", ticketTimeout, fc.TicketTimeout}, {"idle-timeout", idleTimeout, fc.IdleTimeout},
			{"request-timeout", requestTimeout, fc.RequestTimeout}, {"speak-cmd", speak, fc.SpeakCmd}, {"log-level", logLevel, fc.LogLevel},
		} {
			if kv.val != nil && !set[kv.flag] {
				*kv.dst = *kv.val
			}
		}
		if fc.Baud != nil && !set["baud"] {
			*baud = *fc.Baud
		}
		if fc.ScreenDiagonal != nil && !set["screen-diagonal"] {
			*diagonal = *fc.ScreenDiagonal
		}
		if fc.Fullscreen != nil && !set["fullscreen"] {
			*fullscreen = *fc.Fullscreen
		}
		if fc.PrinterProfile != nil && !set["profile"] {
			if fc.Profile != nil {
				return nil, fmt.Errorf("config %s: profile and [printer_profile]: give one of them", *cfgPath)
			}
			custom = fc.PrinterProfile
		}
	}

	c := &Config{
		Server: strings.TrimRight(strings.TrimSpace(*server), "/"), Token: strings.TrimSpace(*token), CA: strings.TrimSpace(*ca),
		Printer: strings.TrimSpace(*port), Baud: *baud, PrinterTCP: strings.TrimSpace(*tcp), PrinterDevice: strings.TrimSpace(*printerDevice),
		Data: *data, Fullscreen: *fullscreen, Font: *font, LogLevel: *logLevel,
		ScreenDiagonal: *diagonal, SpeakCmd: strings.TrimSpace(*speak),
	}
	if c.ScreenDiagonal < 3 || c.ScreenDiagonal > 120 {
		return nil, fmt.Errorf("-screen-diagonal: %g: want the screen's diagonal in inches, such as 21.5", c.ScreenDiagonal)
	}
	if c.Data == "" {
		c.Data = device.DataDir("kiosk", getenv)
	}
	if c.Token == "" && getenv != nil {
		c.Token = strings.TrimSpace(getenv("HALLQ_TOKEN"))
	}
	if custom != nil {
		if custom.Name == "" {
			custom.Name = "custom"
		}
		if err := custom.Validate(); err != nil {
			return nil, fmt.Errorf("config %s: [printer_profile]: %w", *cfgPath, err)
		}
		c.Profile = *custom
	} else {
		p, err := printer.LookupProfile(*profile)
		if err != nil {
			return nil, fmt.Errorf("-profile: %q: want one of %s", *profile, presetNames())
		}
		c.Profile = p
	}
	var err error
	if c.TicketTimeout, err = time.ParseDuration(*ticketTimeout); err != nil || c.TicketTimeout < time.Second {
		return nil, fmt.Errorf("-ticket-timeout: %q: want a duration of at least 1s, such as 20s", *ticketTimeout)
	}
	if c.IdleTimeout, err = time.ParseDuration(*idleTimeout); err != nil || c.IdleTimeout < time.Second {
		return nil, fmt.Errorf("-idle-timeout: %q: want a duration of at least 1s, such as 60s", *idleTimeout)
	}
	if c.RequestTimeout, err = time.ParseDuration(*requestTimeout); err != nil || c.RequestTimeout < time.Second || c.RequestTimeout > 2*time.Minute {
		return nil, fmt.Errorf("-request-timeout: %q: want a duration from 1s to 2m, such as 5s", *requestTimeout)
	}
	if err := c.check(*size); err != nil {
		return nil, err
	}
	return c, nil
}

// presetNames lists the printer presets for the usage text.
func presetNames() string {
	var names []string
	for _, p := range printer.Presets() {
		names = append(names, p.Name)
	}
	return strings.Join(names, ", ")
}

// check validates the configuration and reads the window size.
func (c *Config) check(size string) error {
	if err := device.CheckServer(c.Server); err != nil {
		return err
	}
	if c.Token == "" {
		return errors.New("-token: the kiosk's device token is required (or HALLQ_TOKEN); the demo server writes it to demo-credentials.json")
	}
	lines := 0
	for _, s := range []string{c.Printer, c.PrinterTCP, c.PrinterDevice} {
		if s != "" {
			lines++
		}
	}
	if lines > 1 {
		return errors.New("-printer, -printer-tcp, -printer-device: give at most one printer")
	}
	if c.Baud <= 0 {
		return fmt.Errorf("-baud: %d: want a line speed such as 9600", c.Baud)
	}
	if c.Data == "" {
		return errors.New("-data: a directory for the outbox file is required")
	}
	var err error
	if c.Width, c.Height, err = device.ParseSize(size); err != nil {
		return err
	}
	return device.CheckFont(c.Font)
}

// printerLine names the configured printer line, "" for none.
func (c *Config) printerLine() string {
	switch {
	case c.Printer != "":
		return c.Printer
	case c.PrinterTCP != "":
		return "tcp:" + c.PrinterTCP
	case c.PrinterDevice != "":
		return c.PrinterDevice
	}
	return ""
}
