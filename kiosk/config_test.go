package main

import (
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"hallq/printer"
)

func writeFile(t *testing.T, content string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "kiosk.toml")
	if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestParseConfig(t *testing.T) {
	file := writeFile(t, `
server = "http://10.0.0.2:8080/"
token = "from-file"
printer_tcp = "10.0.0.9:9100"
data = "/var/lib/hallq-kiosk"
fullscreen = false
size = "1280x800"
ticket_timeout = "30s"
request_timeout = "8s"
`)
	custom := writeFile(t, `
server = "http://hall:8080"
token = "t"
printer = "/dev/ttyS0"
baud = 19200
[printer_profile]
name = "tm-t82"
dots = 512
qr = "raster"
qr_module = 5
qr_level = "Q"
code_page = "gbk"
cut = "partial"
feed_lines = 4
`)
	tests := []struct {
		name  string
		args  []string
		env   map[string]string
		check func(t *testing.T, c *Config)
		err   string // part of the error, "" for none
	}{
		{"flags", []string{"-server", "http://127.0.0.1:8080", "-token", "T", "-printer", "/dev/ttyUSB0", "-baud", "9600"}, nil,
			func(t *testing.T, c *Config) {
				if c.Server != "http://127.0.0.1:8080" || c.Token != "T" || c.Printer != "/dev/ttyUSB0" || c.Baud != 9600 ||
					c.Profile.Name != DefaultProfile || !c.Fullscreen || c.Data != "/home/kiosk/.local/state/hallq/kiosk" || c.printerLine() != "/dev/ttyUSB0" ||
					c.TicketTimeout != DefaultTicketTimeout || c.RequestTimeout != DefaultRequestTimeout || c.Width != 1920 {
					t.Fatalf("got %+v", c)
				}
			}, ""},
		{"token from the environment", []string{"-server", "http://h:1"}, map[string]string{"HALLQ_TOKEN": " env "},
			func(t *testing.T, c *Config) {
				if c.Token != "env" || c.printerLine() != "" {
					t.Fatalf("got %+v", c)
				}
			}, ""},
		{"file, flags win", []string{"-config", file, "-token", "flag"}, nil,
			func(t *testing.T, c *Config) {
				if c.Server != "http://10.0.0.2:8080" || c.Token != "flag" || c.PrinterTCP != "10.0.0.9:9100" ||
					c.printerLine() != "tcp:10.0.0.9:9100" || c.Fullscreen || c.Width != 1280 || c.Height != 800 ||
					c.TicketTimeout != 30*time.Second || c.RequestTimeout != 8*time.Second || c.Data != "/var/lib/hallq-kiosk" {
					t.Fatalf("got %+v", c)
				}
			}, ""},
		{"a printer model in the file", []string{"-config", custom}, nil,
			func(t *testing.T, c *Config) {
				want := printer.Profile{Name: "tm-t82", Dots: 512, QR: printer.RasterQR, QRModule: 5, QRLevel: printer.QRLevelQ,
					CodePage: printer.CodePageGBK, Cut: printer.CutPartial, FeedLines: 4}
				if c.Profile != want || c.Baud != 19200 {
					t.Fatalf("got %+v, want %+v", c.Profile, want)
				}
			}, ""},
		{"a preset", []string{"-server", "http://h:1", "-token", "t", "-profile", "generic-58"}, nil,
			func(t *testing.T, c *Config) {
				if c.Profile.Name != "generic-58" || c.Profile.QR != printer.RasterQR {
					t.Fatalf("got %+v", c.Profile)
				}
			}, ""},
		{"no server", []string{"-token", "t"}, nil, nil, "-server"},
		{"no token", []string{"-server", "http://h:1"}, nil, nil, "-token"},
		{"bad server URL", []string{"-server", "h:1", "-token", "t"}, nil, nil, "-server"},
		{"two printers", []string{"-server", "http://h:1", "-token", "t", "-printer", "/dev/ttyS0", "-printer-tcp", "p:9100"}, nil, nil, "at most one printer"},
		{"unknown preset", []string{"-server", "http://h:1", "-token", "t", "-profile", "tm-u220"}, nil, nil, "-profile"},
		{"bad size", []string{"-server", "http://h:1", "-token", "t", "-size", "big"}, nil, nil, "-size"},
		{"bad timeout", []string{"-server", "http://h:1", "-token", "t", "-ticket-timeout", "5"}, nil, nil, "-ticket-timeout"},
		{"bad request timeout", []string{"-server", "http://h:1", "-token", "t", "-request-timeout", "10m"}, nil, nil, "-request-timeout"},
		{"unknown key", []string{"-config", writeFile(t, "server = \"http://h:1\"\nprinter_port = \"/dev/ttyS0\"\n")}, nil, nil, `unknown key "printer_port"`},
		{"bad profile in the file", []string{"-config", writeFile(t, "server = \"http://h:1\"\ntoken = \"t\"\n[printer_profile]\ndots = 0\n")}, nil, nil, "[printer_profile]"},
		{"stray argument", []string{"-server", "http://h:1", "-token", "t", "extra"}, nil, nil, "unexpected arguments"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			getenv := func(k string) string {
				if v, ok := tt.env[k]; ok || k != "HOME" {
					return v
				}
				return "/home/kiosk" // every row's machine has a home
			}
			c, err := parseConfig(tt.args, getenv, io.Discard)
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("got %v, want an error about %s", err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			tt.check(t, c)
		})
	}
}
